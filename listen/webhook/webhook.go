package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// Defaults of a zero [Config].
const (
	DefaultQueueSize = 10000
	DefaultMaxBody   = 1 << 20
	DefaultMaxBatch  = 500
	DefaultWait      = 10 * time.Second
)

// A Config sets up an [Inbox].
type Config struct {
	// Name is the source name (checkpoint key); default "webhook".
	Name string
	// Secret is the app secret the platform signs deliveries with. It is
	// required unless Unsigned is set.
	Secret []byte
	// Unsigned accepts deliveries without a signature. Only for a
	// platform that does not sign, behind another check.
	Unsigned bool
	// VerifyToken is the token the subscription challenge must carry; ""
	// refuses every challenge.
	VerifyToken string
	// QueueSize bounds the posts waiting to be fetched; default 10000.
	QueueSize int
	// MaxBody bounds a delivery's body in bytes; default 1 MiB.
	MaxBody int64
	// MaxBatch bounds the posts one Fetch returns; default 500.
	MaxBatch int
	// Wait is how long Fetch waits for a delivery when the queue is
	// empty, so that posts reach Stream without waiting for its poll
	// interval; default 10s. Negative: do not wait.
	Wait time.Duration
	// Decode turns a delivery's body into posts; default [DecodeMeta].
	// When some items of a body cannot be read, it returns the posts of
	// the others and a *[listen.SkippedError] naming the bad ones: the
	// delivery is accepted and they are reported in Fetch's
	// Batch.Skipped. Any other error refuses the delivery.
	Decode func(body []byte) ([]hark.Post, error)
	// Source is written into posts that have none; default "meta".
	Source string
	// Logger receives a record per delivery refused (info: why, never the
	// signature, secret or token) or accepted (debug); nil discards.
	Logger *slog.Logger
}

// An Inbox receives webhook deliveries and serves them as a listen.Source.
// It is safe for concurrent use.
type Inbox struct {
	cfg Config

	mu      sync.Mutex
	queue   []queued // in sequence order
	nextSeq uint64
	notify  chan struct{} // closed and replaced when posts arrive
	stats   Stats
	skipped []error // items of accepted deliveries not read, to report
}

// maxSkipped bounds the unreadable items an Inbox keeps to report; past
// it they are counted in one error.
const maxSkipped = 1000

type queued struct {
	seq  uint64
	post hark.Post
}

// Stats counts what an Inbox received.
type Stats struct {
	Accepted    int64 // deliveries answered 200
	Posts       int64 // posts queued
	BadSig      int64 // deliveries refused for their signature
	Malformed   int64 // deliveries refused as undecodable
	Skipped     int64 // items of accepted deliveries that could not be read
	Full        int64 // deliveries refused with 503, queue full
	Challenges  int64 // verification challenges answered
	TooLarge    int64 // deliveries over MaxBody
	Unsupported int64 // other methods
}

// New returns an Inbox. It fails if no secret is set and Unsigned is not.
func New(cfg Config) (*Inbox, error) {
	if len(cfg.Secret) == 0 && !cfg.Unsigned {
		return nil, errors.New("webhook: a secret is required (or set Unsigned)")
	}
	if cfg.Name == "" {
		cfg.Name = "webhook"
	}
	if cfg.Source == "" {
		cfg.Source = "meta"
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.Wait == 0 {
		cfg.Wait = DefaultWait
	}
	if cfg.Decode == nil {
		cfg.Decode = DecodeMeta
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Inbox{cfg: cfg, nextSeq: 1, notify: make(chan struct{})}, nil
}

// Name implements listen.Source.
func (in *Inbox) Name() string { return in.cfg.Name }

// Capabilities implements listen.Describer: deliveries are pushed and carry
// threads (comments on posts), not author metrics or engagement.
func (in *Inbox) Capabilities() listen.Capabilities {
	return listen.Capabilities{Streaming: true, Replies: true}
}

// Stats returns the counts so far.
func (in *Inbox) Stats() Stats {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stats
}

// Len returns how many posts wait in the queue, handed out or not.
func (in *Inbox) Len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.queue)
}

// ServeHTTP answers the verification challenge (GET) and receives
// deliveries (POST): 200 when queued, 401 for a bad or missing signature,
// 400 for an undecodable body, 413 for one too large, 503 when the queue
// cannot hold the delivery's posts.
func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		in.challenge(w, r)
	case http.MethodPost:
		in.receive(w, r)
	default:
		in.count(func(s *Stats) { s.Unsupported++ })
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (in *Inbox) count(f func(*Stats)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	f(&in.stats)
}

func (in *Inbox) challenge(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || in.cfg.VerifyToken == "" ||
		!hmac.Equal([]byte(token), []byte(in.cfg.VerifyToken)) {
		in.refused(r, http.StatusForbidden, "verification failed")
		http.Error(w, "verification failed", http.StatusForbidden)
		return
	}
	in.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "webhook: subscription verified", slog.String("source", in.cfg.Name))
	in.count(func(s *Stats) { s.Challenges++ })
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff") // the echo is never read as HTML
	io.WriteString(w, q.Get("hub.challenge"))
}

func (in *Inbox) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, in.cfg.MaxBody+1))
	if err != nil {
		in.refused(r, http.StatusBadRequest, "read error")
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > in.cfg.MaxBody {
		in.count(func(s *Stats) { s.TooLarge++ })
		in.refused(r, http.StatusRequestEntityTooLarge, "body too large")
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !in.cfg.Unsigned && !ValidSignature(in.cfg.Secret, body, r.Header.Get("X-Hub-Signature-256")) {
		in.count(func(s *Stats) { s.BadSig++ })
		in.refused(r, http.StatusUnauthorized, "bad signature")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	posts, err := in.cfg.Decode(body)
	var partial *listen.SkippedError
	if errors.As(err, &partial) {
		err = nil
	}
	if err != nil {
		in.count(func(s *Stats) { s.Malformed++ })
		in.refused(r, http.StatusBadRequest, "malformed payload")
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	in.mu.Lock()
	if len(in.queue)+len(posts) > in.cfg.QueueSize {
		in.stats.Full++
		in.mu.Unlock()
		in.refused(r, http.StatusServiceUnavailable, "queue full")
		w.Header().Set("Retry-After", "30")
		http.Error(w, "queue full", http.StatusServiceUnavailable)
		return
	}
	for _, p := range posts {
		if p.Source == "" {
			p.Source = in.cfg.Source
		}
		in.queue = append(in.queue, queued{seq: in.nextSeq, post: p})
		in.nextSeq++
	}
	in.stats.Accepted++
	in.stats.Posts += int64(len(posts))
	if partial != nil {
		in.stats.Skipped += int64(len(partial.Items))
		for _, e := range partial.Items {
			switch n := len(in.skipped); {
			case n < maxSkipped:
				in.skipped = append(in.skipped, e)
			case n == maxSkipped:
				in.skipped = append(in.skipped, &overflow{n: 1})
			default:
				in.skipped[n-1].(*overflow).n++
			}
		}
	}
	if len(posts) > 0 || partial != nil {
		close(in.notify)
		in.notify = make(chan struct{})
	}
	in.mu.Unlock()
	in.cfg.Logger.LogAttrs(r.Context(), slog.LevelDebug, "webhook: delivery accepted", slog.String("source", in.cfg.Name),
		slog.Int("posts", len(posts)))
	if partial != nil {
		in.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "webhook: items not read", slog.String("source", in.cfg.Name),
			slog.String("err", partial.Error()))
	}
	w.WriteHeader(http.StatusOK)
}

// overflow stands for the unreadable items past maxSkipped.
type overflow struct{ n int }

func (o *overflow) Error() string {
	return fmt.Sprintf("webhook: %d more unreadable items not kept", o.n)
}

func (o *overflow) Unwrap() error { return listen.ErrMalformed }

// refused logs a refused request: why and with what status, never its
// query, headers or body (they carry the token and the signature).
func (in *Inbox) refused(r *http.Request, status int, why string) {
	in.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "webhook: request refused", slog.String("source", in.cfg.Name),
		slog.String("method", r.Method), slog.Int("status", status), slog.String("reason", why))
}

// ValidSignature reports whether header is the X-Hub-Signature-256 of body
// under secret ("sha256=" and the hex HMAC-SHA256), compared in constant
// time.
func ValidSignature(secret, body []byte, header string) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Fetch implements listen.Source. It acknowledges the posts up to cursor,
// then returns those after it, waiting up to Config.Wait for a delivery if
// there are none. The items of accepted deliveries that could not be read
// since the last Fetch are in Batch.Skipped.
func (in *Inbox) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	var acked uint64
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return listen.Batch{}, listen.Permanent(fmt.Errorf("webhook: bad cursor %q", cursor))
		}
		acked = n
	}
	var timer *time.Timer
	for {
		in.mu.Lock()
		i := 0
		for i < len(in.queue) && in.queue[i].seq <= acked {
			i++
		}
		if i > 0 {
			in.queue = append(in.queue[:0], in.queue[i:]...)
		}
		if len(in.queue) > 0 || len(in.skipped) > 0 || in.cfg.Wait < 0 {
			n := min(len(in.queue), in.cfg.MaxBatch)
			b := listen.Batch{Posts: make([]hark.Post, n), Cursor: cursor, Skipped: in.skipped}
			in.skipped = nil
			for j := range n {
				b.Posts[j] = in.queue[j].post
			}
			if n > 0 {
				b.Cursor = strconv.FormatUint(in.queue[n-1].seq, 10)
			}
			in.mu.Unlock()
			return b, nil
		}
		ch := in.notify
		in.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(in.cfg.Wait)
			defer timer.Stop()
		}
		select {
		case <-ch:
		case <-timer.C:
			return listen.Batch{Cursor: cursor, Waited: true}, nil
		case <-ctx.Done():
			return listen.Batch{}, ctx.Err()
		}
	}
}

// metaPayload is the envelope Meta's webhooks deliver: an object type and
// entries of changes.
type metaPayload struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"` // each a metaEntry
}

type metaEntry struct {
	ID      string          `json:"id"`
	Time    unixTime        `json:"time"`
	Changes []metaChange    `json:"changes"`
	Field   string          `json:"field"` // Instagram Business Login form
	Value   json.RawMessage `json:"value"`
}

type metaChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// metaValue holds the fields of a Page feed change and of an Instagram
// comment or mention.
type metaValue struct {
	// Page feed
	From struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"from"`
	Item        string   `json:"item"`
	Verb        string   `json:"verb"`
	CommentID   string   `json:"comment_id"`
	PostID      string   `json:"post_id"`
	ParentID    string   `json:"parent_id"`
	CreatedTime unixTime `json:"created_time"`
	Message     string   `json:"message"`
	// Instagram comments
	ID    string `json:"id"`
	Text  string `json:"text"`
	Media struct {
		ID string `json:"id"`
	} `json:"media"`
}

// DecodeMeta decodes a Meta webhook delivery (Page "feed" changes, Instagram
// "comments", "live_comments" and "mentions") into posts. Changes that are
// not new or edited text (reactions, removals, story insights) are skipped.
// A body that is not a Meta envelope is an error. An entry or change that
// cannot be read loses nothing else: DecodeMeta returns the posts of the
// others and a *[listen.SkippedError] that names each bad one.
func DecodeMeta(body []byte) ([]hark.Post, error) {
	var p metaPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	if p.Object == "" {
		return nil, errors.New(`webhook: payload has no "object"`)
	}
	source := "facebook"
	if p.Object == "instagram" {
		source = "instagram"
	}
	var posts []hark.Post
	entries, skipped := listen.DecodeItems[metaEntry](p.Entry, "id")
	for i, err := range skipped {
		skipped[i] = fmt.Errorf("webhook: entry %w", err)
	}
	for _, e := range entries {
		changes := e.Changes
		if e.Field != "" {
			changes = append(changes, metaChange{Field: e.Field, Value: e.Value})
		}
		for j, c := range changes {
			var v metaValue
			if len(c.Value) == 0 {
				continue // a change with no value says nothing
			}
			if err := json.Unmarshal(c.Value, &v); err != nil {
				skipped = append(skipped, fmt.Errorf("webhook: entry %s: change %w", e.ID,
					&listen.ItemError{Index: j, ID: c.Field, Err: err}))
				continue
			}
			post, ok := metaPost(source, e.Time, c.Field, &v)
			if ok {
				posts = append(posts, post)
			}
		}
	}
	if len(skipped) > 0 {
		return posts, &listen.SkippedError{Source: source, Items: skipped}
	}
	return posts, nil
}

// unixTime is a time in Unix seconds as Meta sends it: mostly an integer,
// but a float, a numeric string or an ISO 8601 string ("2026-02-17T09:00:00
// +0000") are read too. Anything else reads as 0 (unknown) rather than
// failing the change, which would drop its post without a word.
type unixTime int64

func (t *unixTime) UnmarshalJSON(b []byte) error {
	*t = 0
	s := strings.TrimSpace(string(b))
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f > 0 && f < 1<<40 {
			*t = unixTime(f)
		}
		return nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if at, err := time.Parse(layout, s); err == nil {
			*t = unixTime(at.Unix())
			return nil
		}
	}
	return nil
}

func metaPost(source string, entryTime unixTime, field string, v *metaValue) (hark.Post, bool) {
	var p hark.Post
	p.Source = source
	created := entryTime
	switch field {
	case "feed":
		if v.Verb != "add" && v.Verb != "edited" {
			return p, false
		}
		switch v.Item {
		case "comment":
			p.ID, p.ThreadID = v.CommentID, v.PostID
			p.ParentID = v.ParentID
			if p.ParentID == "" {
				p.ParentID = v.PostID
			}
		case "post", "status", "photo", "video", "share":
			p.ID, p.ThreadID = v.PostID, v.PostID
		default:
			return p, false
		}
		p.Text = v.Message
		p.Author = hark.Author{ID: v.From.ID, Name: v.From.Name}
		if v.CreatedTime != 0 {
			created = v.CreatedTime
		}
	case "comments", "live_comments":
		p.ID, p.Text, p.ThreadID = v.ID, v.Text, v.Media.ID
		p.ParentID = v.ParentID
		if p.ParentID == "" {
			p.ParentID = v.Media.ID
		}
		p.Author = hark.Author{ID: v.From.ID}
		if v.From.Username != "" {
			p.Author.Handle = "@" + v.From.Username
		}
	case "mentions":
		// A mention carries only IDs; the text must be fetched.
		return p, false
	default:
		return p, false
	}
	if p.ID == "" || strings.TrimSpace(p.Text) == "" {
		return p, false
	}
	if created != 0 {
		p.Created = time.Unix(int64(created), 0).UTC()
	}
	return p, true
}
