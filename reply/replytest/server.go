package replytest

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/mastodon"
)

// A Received is one reply the stand-in holds.
type Received struct {
	// ID is the status ID the stand-in gave it.
	ID string `json:"id"`
	// InReplyTo is the ID of the post it answers.
	InReplyTo string `json:"in_reply_to_id"`
	// Text is the status text as sent.
	Text string `json:"text"`
	// Lang is the language sent, if any.
	Lang string `json:"lang,omitempty"`
	// Key is the Idempotency-Key header sent, if any.
	Key string `json:"key,omitempty"`
	// At is when the stand-in stored it.
	At time.Time `json:"at"`
	// Fault is the fault injected into the answer of its creation.
	Fault Fault `json:"fault,omitempty"`
}

// A Fault is what the stand-in does to one status creation.
type Fault int

// Faults. The "after" faults store the reply first: the platform accepted
// it, and the client does not learn so.
const (
	FaultNone Fault = iota
	// FaultRateLimit answers 429 with Retry-After and stores nothing.
	FaultRateLimit
	// FaultUnavailable answers 503 and stores nothing.
	FaultUnavailable
	// FaultErrorAfter stores the reply, then answers 502.
	FaultErrorAfter
	// FaultDropAfter stores the reply, then closes the connection without
	// an answer.
	FaultDropAfter
	// FaultHangAfter stores the reply, then answers nothing until the
	// client gives up (its timeout).
	FaultHangAfter
)

func (f Fault) String() string {
	return [...]string{"none", "rate_limit", "unavailable", "error_after", "drop_after", "hang_after"}[f]
}

// Options configure a [Server].
type Options struct {
	// Token is the bearer token the stand-in accepts; default "test-token".
	Token string
	// Account is the brand account's username; default "acme".
	Account string
	// KeyWindow is how long the stand-in remembers an Idempotency-Key, on
	// its clock (Now): a creation with a key seen within the window returns
	// the status created first, as Mastodon does for an hour (the
	// default). Past it, only a Finder keeps a retry from posting twice.
	// Negative: keys are ignored altogether, as on a platform without
	// idempotency. Note that net/http's transport itself resends a
	// request carrying an Idempotency-Key when a reused connection fails
	// before the answer: against a stand-in that ignores keys, use a
	// client that does not (see [NoReplay]).
	KeyWindow time.Duration
	// Faults picks a fault for the n-th status creation (from 0); nil
	// means none. See [RandomFaults].
	Faults func(n int) Fault
	// RetryAfter is the Retry-After of FaultRateLimit, in seconds; default 1.
	RetryAfter int
	// MaxChars is the instance's character limit; default 500.
	MaxChars int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RandomFaults returns a Faults function that draws each fault with the
// given probabilities from a generator seeded with seed (deterministic for
// a given order of requests).
func RandomFaults(seed uint64, p map[Fault]float64) func(int) Fault {
	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(seed, seed+1))
	keys := make([]Fault, 0, len(p))
	for f := range p {
		keys = append(keys, f)
	}
	slices.Sort(keys)
	return func(int) Fault {
		mu.Lock()
		x := rnd.Float64()
		mu.Unlock()
		for _, f := range keys {
			if x < p[f] {
				return f
			}
			x -= p[f]
		}
		return FaultNone
	}
}

// A Server is a local stand-in for a Mastodon instance: it accepts
// statuses in reply to any post ID (POST /api/v1/statuses, form or JSON,
// honouring Idempotency-Key), lists them as the replies of their parent
// (GET /api/v1/statuses/:id/context), serves them (GET
// /api/v1/statuses/:id) and the brand account
// (GET /api/v1/accounts/verify_credentials), answers errors in
// Mastodon's {"error": "..."} form, and keeps a log of every reply it
// holds. It can inject faults. It is safe for concurrent use.
type Server struct {
	*httptest.Server
	opt Options

	mu      sync.Mutex
	n       int
	seq     int64
	replies []Received
	byKey   map[string]int // idempotency key → index in replies
	byID    map[string]int
	kids    map[string][]int
	faults  map[Fault]int
}

// NewServer starts a stand-in. Close it when done.
func NewServer(opt Options) *Server {
	if opt.Token == "" {
		opt.Token = "test-token"
	}
	if opt.Account == "" {
		opt.Account = "acme"
	}
	if opt.RetryAfter <= 0 {
		opt.RetryAfter = 1
	}
	if opt.KeyWindow == 0 {
		opt.KeyWindow = time.Hour
	}
	if opt.MaxChars <= 0 {
		opt.MaxChars = 500
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Server{opt: opt, byKey: map[string]int{}, byID: map[string]int{}, kids: map[string][]int{}, faults: map[Fault]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/statuses", s.auth(s.create))
	mux.HandleFunc("GET /api/v1/statuses/{id}/context", s.auth(s.context))
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.auth(s.status))
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", s.auth(s.verify))
	s.Server = httptest.NewServer(mux)
	return s
}

// ReplyConfig returns the configuration of a Mastodon replier wired to the
// stand-in as its brand account, making one attempt per call (the
// [reply.Poster] retries).
func (s *Server) ReplyConfig() mastodon.ReplyConfig {
	return mastodon.ReplyConfig{Instance: s.URL, Token: s.opt.Token,
		Client: &listen.Client{HTTP: s.Client(), MaxAttempts: 1, Timeout: 10 * time.Second}}
}

// Replier returns a Mastodon replier wired to the stand-in (see
// [Server.ReplyConfig]).
func (s *Server) Replier() *mastodon.Replier {
	r, err := mastodon.NewReplier(s.ReplyConfig())
	if err != nil {
		panic("replytest: " + err.Error()) // the stand-in's URL is always valid
	}
	return r
}

// Replies returns the replies held, in the order stored.
func (s *Server) Replies() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.replies)
}

// RepliesTo returns the replies held to post id.
func (s *Server) RepliesTo(id string) []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, 0, len(s.kids[id]))
	for _, i := range s.kids[id] {
		out = append(out, s.replies[i])
	}
	return out
}

// Faults returns how many of each fault the stand-in injected.
func (s *Server) Faults() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[Fault]int, len(s.faults))
	for f, n := range s.faults {
		m[f] = n
	}
	return m
}

// Requests returns how many status creations the stand-in was asked for.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !hmac.Equal([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.opt.Token)) {
			writeErr(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
		h(w, r)
	}
}

func (s *Server) account() map[string]any {
	return map[string]any{"id": "1", "username": s.opt.Account, "acct": s.opt.Account,
		"display_name": s.opt.Account, "url": s.URL + "/@" + s.opt.Account}
}

func (s *Server) statusJSON(rc Received) map[string]any {
	var lang any
	if rc.Lang != "" {
		lang = rc.Lang
	}
	return map[string]any{
		"id": rc.ID, "created_at": rc.At.UTC().Format(time.RFC3339Nano),
		"in_reply_to_id": rc.InReplyTo, "in_reply_to_account_id": nil,
		"visibility": "public", "language": lang,
		"uri":     s.URL + "/users/" + s.opt.Account + "/statuses/" + rc.ID,
		"url":     s.URL + "/@" + s.opt.Account + "/" + rc.ID,
		"content": "<p>" + strings.ReplaceAll(html.EscapeString(rc.Text), "\n", "<br />") + "</p>",
		"account": s.account(), "mentions": []any{}, "tags": []any{},
		"replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status      string `json:"status"`
		InReplyToID string `json:"in_reply_to_id"`
		Language    string `json:"language"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20) // JSON or form alike
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeErr(w, http.StatusBadRequest, "Invalid JSON")
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			writeErr(w, http.StatusBadRequest, "Invalid form")
			return
		}
		in.Status, in.InReplyToID, in.Language = r.PostForm.Get("status"), r.PostForm.Get("in_reply_to_id"), r.PostForm.Get("language")
	}
	key := r.Header.Get("Idempotency-Key")

	s.mu.Lock()
	n := s.n
	s.n++
	s.mu.Unlock()
	fault := FaultNone
	if s.opt.Faults != nil {
		fault = s.opt.Faults(n)
	}
	s.mu.Lock()
	s.faults[fault]++
	s.mu.Unlock()
	switch fault {
	case FaultRateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(s.opt.RetryAfter))
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", s.opt.Now().Add(time.Duration(s.opt.RetryAfter)*time.Second).UTC().Format(time.RFC3339))
		writeErr(w, http.StatusTooManyRequests, "Too many requests")
		return
	case FaultUnavailable:
		writeErr(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	switch {
	case strings.TrimSpace(in.Status) == "":
		writeErr(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	case len([]rune(in.Status)) > s.opt.MaxChars:
		writeErr(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.opt.MaxChars))
		return
	}

	s.mu.Lock()
	var rc Received
	now := s.opt.Now()
	if i, ok := s.byKey[key]; ok && key != "" && now.Sub(s.replies[i].At) < s.opt.KeyWindow {
		rc = s.replies[i]
	} else {
		s.seq++
		rc = Received{ID: strconv.FormatInt(110000000000000000+s.seq, 10), InReplyTo: in.InReplyToID,
			Text: in.Status, Lang: in.Language, Key: key, At: now, Fault: fault}
		s.replies = append(s.replies, rc)
		i := len(s.replies) - 1
		s.byID[rc.ID] = i
		if key != "" {
			s.byKey[key] = i
		}
		if rc.InReplyTo != "" {
			s.kids[rc.InReplyTo] = append(s.kids[rc.InReplyTo], i)
		}
	}
	s.mu.Unlock()

	switch fault {
	case FaultErrorAfter:
		writeErr(w, http.StatusBadGateway, "Bad Gateway")
		return
	case FaultDropAfter:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		writeErr(w, http.StatusBadGateway, "Bad Gateway")
		return
	case FaultHangAfter:
		<-r.Context().Done()
		return
	}
	writeJSON(w, s.statusJSON(rc))
}

func (s *Server) context(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	desc := make([]map[string]any, 0, len(s.kids[id]))
	for _, i := range s.kids[id] {
		desc = append(desc, s.statusJSON(s.replies[i]))
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ancestors": []any{}, "descendants": desc})
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i, ok := s.byID[r.PathValue("id")]
	var rc Received
	if ok {
		rc = s.replies[i]
	}
	s.mu.Unlock()
	if !ok {
		writeErr(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, s.statusJSON(rc))
}

func (s *Server) verify(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.account())
}

// NoReplay wraps an HTTP transport so that it never resends a request by
// itself: net/http resends a request with a body when a reused connection
// fails and the request carries an Idempotency-Key, which is right
// against a platform that honours the key and wrong against one that does
// not. A nil rt means http.DefaultTransport.
func NoReplay(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return noReplay{rt}
}

type noReplay struct{ rt http.RoundTripper }

func (n noReplay) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody && r.GetBody != nil {
		r = r.Clone(r.Context())
		r.GetBody = nil
	}
	return n.rt.RoundTrip(r)
}
