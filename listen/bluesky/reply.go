package bluesky

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/reply"
)

// DefaultPDS is where a brand account's repository lives, unless it is
// hosted elsewhere.
const DefaultPDS = "https://bsky.social"

// A ReplyConfig sets up a [Replier].
type ReplyConfig struct {
	// PDS is the base URL of the brand account's server; default
	// DefaultPDS.
	PDS string
	// Identifier (handle or DID) and AppPassword log in with
	// com.atproto.server.createSession. Required unless AccessJWT and DID
	// are set.
	Identifier, AppPassword string
	// AccessJWT and DID, when set, are used as they are (a session made
	// elsewhere).
	AccessJWT, DID string
	// AppView reads the parent post (its CID and thread root); default
	// DefaultAppView.
	AppView string
	// Client sends the requests; nil means one making one attempt per
	// call with a quota of 5 calls per second. Keep MaxAttempts at 1: the
	// reply.Poster retries.
	Client *listen.Client
	// Now is the clock of the records' createdAt; nil means time.Now.
	Now func() time.Time
}

// A Replier posts replies as app.bsky.feed.post records with reply root
// and parent references, under a record key derived from the draft's
// idempotency key ([RecordKey]): a retry writes the same key, so it can
// never make a second post, and finding an earlier reply is one
// com.atproto.repo.getRecord. It implements reply.Replier, reply.Finder
// and reply.Ruled.
type Replier struct {
	cfg ReplyConfig

	mu      sync.Mutex
	session session
}

type session struct {
	AccessJWT string `json:"accessJwt"`
	DID       string `json:"did"`
}

// NewReplier returns a Replier, or an error if cfg has no credentials.
func NewReplier(cfg ReplyConfig) (*Replier, error) {
	if (cfg.AccessJWT == "" || cfg.DID == "") && (cfg.Identifier == "" || cfg.AppPassword == "") {
		return nil, errors.New("bluesky: replies need Identifier and AppPassword, or AccessJWT and DID")
	}
	for _, u := range []*string{&cfg.PDS, &cfg.AppView} {
		*u = strings.TrimRight(*u, "/")
	}
	if cfg.PDS == "" {
		cfg.PDS = DefaultPDS
	}
	if cfg.AppView == "" {
		cfg.AppView = DefaultAppView
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.NewQuota(5, 5), MaxAttempts: 1, UserAgent: "hark-reply"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Replier{cfg: cfg, session: session{AccessJWT: cfg.AccessJWT, DID: cfg.DID}}, nil
}

// Rules implements reply.Ruled: 300 characters (Bluesky counts graphemes;
// code points are never fewer; a longer reply becomes a thread). A reply
// notifies the parent's author without a mention.
func (r *Replier) Rules() reply.Rules {
	return reply.Rules{Platform: "bluesky", MaxChars: 300, Count: utf8.RuneCountInString, Thread: true}
}

// RecordKey returns the record key of the reply keyed key to a post
// written at created: a TID (13 characters of base32-sortable) whose
// timestamp is created (or 2023-01-01 when unknown) plus up to a second,
// and whose clock ID and microseconds come from a hash of key. It is the
// same on every retry, so a repository can hold only one such reply.
func RecordKey(key string, created time.Time) string {
	if created.IsZero() {
		created = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	sum := sha256.Sum256([]byte("hark.reply.v1\x00" + key))
	h := binary.BigEndian.Uint64(sum[:8])
	us := uint64(created.Truncate(time.Second).UnixMicro()) + h%1_000_000
	clock := uint64(binary.BigEndian.Uint16(sum[8:10])) & 0x3ff
	v := (us&(1<<53-1))<<10 | clock
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = alphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

func (r *Replier) login(ctx context.Context) (session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.session.AccessJWT != "" && r.session.DID != "" {
		return r.session, nil
	}
	body, _ := json.Marshal(map[string]string{"identifier": r.cfg.Identifier, "password": r.cfg.AppPassword})
	resp, err := r.cfg.Client.Do(ctx, http.MethodPost, r.cfg.PDS+"/xrpc/com.atproto.server.createSession",
		http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return session{}, fmt.Errorf("bluesky: create session: %w", err)
	}
	var s session
	if err := json.Unmarshal(resp.Body, &s); err != nil || s.AccessJWT == "" || s.DID == "" {
		return session{}, listen.Malformed(fmt.Errorf("bluesky: create session: %v", err))
	}
	r.session = s
	return s, nil
}

// expired forgets a session the server refused, so the next call logs in
// again; a fixed AccessJWT is kept (and keeps failing, permanently).
func (r *Replier) expired(err error) error {
	if listen.StatusOf(err) != http.StatusUnauthorized || r.cfg.Identifier == "" {
		return err
	}
	r.mu.Lock()
	r.session = session{}
	r.mu.Unlock()
	// A new error, so that the 401's permanent class does not show.
	return listen.Transient(errors.New(err.Error()))
}

func (r *Replier) auth(s session) http.Header {
	return http.Header{"Authorization": {"Bearer " + s.AccessJWT}, "Accept": {"application/json"}}
}

// parentRefs returns the strong references of the post replied to and of
// its thread's root, reading the post from the AppView, or, for a post of
// the brand account's own (the part before in a thread, which the AppView
// may not have indexed yet), from its repository.
func (r *Replier) parentRefs(ctx context.Context, s session, uri string) (strongRef, strongRef, error) {
	if rest, ok := strings.CutPrefix(uri, "at://"+s.DID+"/app.bsky.feed.post/"); ok {
		q := url.Values{"repo": {s.DID}, "collection": {"app.bsky.feed.post"}, "rkey": {rest}}
		var own struct {
			URI   string `json:"uri"`
			CID   string `json:"cid"`
			Value record `json:"value"`
		}
		if _, err := r.cfg.Client.GetJSON(ctx, r.cfg.PDS+"/xrpc/com.atproto.repo.getRecord?"+q.Encode(), r.auth(s), &own); err != nil {
			return strongRef{}, strongRef{}, r.expired(fmt.Errorf("bluesky: read %s: %w", uri, err))
		}
		parent := strongRef{URI: uri, CID: own.CID}
		root := parent
		if own.Value.Reply != nil && own.Value.Reply.Root.URI != "" {
			root = own.Value.Reply.Root
		}
		if parent.CID == "" {
			return strongRef{}, strongRef{}, listen.Malformed(fmt.Errorf("bluesky: record %s without cid", uri))
		}
		return parent, root, nil
	}
	var out struct {
		Posts []struct {
			URI    string `json:"uri"`
			CID    string `json:"cid"`
			Record record `json:"record"`
		} `json:"posts"`
	}
	u := r.cfg.AppView + "/xrpc/app.bsky.feed.getPosts?uris=" + url.QueryEscape(uri)
	if _, err := r.cfg.Client.GetJSON(ctx, u, nil, &out); err != nil {
		return strongRef{}, strongRef{}, fmt.Errorf("bluesky: read %s: %w", uri, err)
	}
	if len(out.Posts) == 0 || out.Posts[0].CID == "" {
		return strongRef{}, strongRef{}, listen.Permanent(fmt.Errorf("bluesky: post %s not found: %w", uri, reply.ErrNotReplyable))
	}
	p := out.Posts[0]
	parent := strongRef{URI: p.URI, CID: p.CID}
	root := parent
	if p.Record.Reply != nil && p.Record.Reply.Root.URI != "" && p.Record.Reply.Root.CID != "" {
		root = p.Record.Reply.Root
	}
	return parent, root, nil
}

// Reply implements reply.Replier: com.atproto.repo.createRecord of an
// app.bsky.feed.post with reply {root, parent} under [RecordKey]. A
// record already under that key (the server says so with an error) is an
// earlier attempt's: it is returned as posted.
func (r *Replier) Reply(ctx context.Context, d reply.Draft) (reply.Posted, error) {
	if !strings.HasPrefix(d.Post.ID, "at://") {
		return reply.Posted{}, listen.Permanent(fmt.Errorf("bluesky: %q is not an at:// URI: %w", d.Post.ID, reply.ErrNotReplyable))
	}
	s, err := r.login(ctx)
	if err != nil {
		return reply.Posted{}, err
	}
	parent, root, err := r.parentRefs(ctx, s, d.Post.ID)
	if err != nil {
		return reply.Posted{}, err
	}
	rec := map[string]any{
		"$type":     "app.bsky.feed.post",
		"text":      d.Text,
		"createdAt": r.cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"reply":     map[string]strongRef{"root": root, "parent": parent},
	}
	if d.Lang != "" {
		rec["langs"] = []string{d.Lang}
	}
	rkey := RecordKey(d.Key, d.Post.Created)
	body, err := json.Marshal(map[string]any{"repo": s.DID, "collection": "app.bsky.feed.post", "rkey": rkey, "record": rec})
	if err != nil {
		return reply.Posted{}, listen.Permanent(err)
	}
	h := r.auth(s)
	h.Set("Content-Type", "application/json")
	resp, err := r.cfg.Client.Do(ctx, http.MethodPost, r.cfg.PDS+"/xrpc/com.atproto.repo.createRecord", h, body)
	if err != nil {
		// A record under our key means an earlier attempt went through;
		// servers have answered that with a 400 or a 500.
		if p, found, ferr := r.FindReply(ctx, d); ferr == nil && found {
			return p, nil
		}
		return reply.Posted{}, r.expired(fmt.Errorf("bluesky: reply to %s: %w", d.Post.ID, err))
	}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.URI == "" {
		return reply.Posted{}, listen.Malformed(fmt.Errorf("bluesky: reply to %s: record without uri: %v", d.Post.ID, err))
	}
	return posted(out.URI), nil
}

func posted(uri string) reply.Posted {
	p := reply.Posted{ID: uri}
	// at://did/app.bsky.feed.post/rkey → https://bsky.app/profile/did/post/rkey
	if rest, ok := strings.CutPrefix(uri, "at://"); ok {
		if did, rkey, ok := strings.Cut(rest, "/app.bsky.feed.post/"); ok {
			p.URL = "https://bsky.app/profile/" + did + "/post/" + rkey
		}
	}
	return p
}

// FindReply implements reply.Finder: com.atproto.repo.getRecord of the
// draft's record key in the brand account's repository.
func (r *Replier) FindReply(ctx context.Context, d reply.Draft) (reply.Posted, bool, error) {
	s, err := r.login(ctx)
	if err != nil {
		return reply.Posted{}, false, err
	}
	q := url.Values{"repo": {s.DID}, "collection": {"app.bsky.feed.post"}, "rkey": {RecordKey(d.Key, d.Post.Created)}}
	var out struct {
		URI   string `json:"uri"`
		Value record `json:"value"`
	}
	_, err = r.cfg.Client.GetJSON(ctx, r.cfg.PDS+"/xrpc/com.atproto.repo.getRecord?"+q.Encode(), r.auth(s), &out)
	if err != nil {
		var se *listen.StatusError
		if errors.As(err, &se) && (se.Status == http.StatusBadRequest || se.Status == http.StatusNotFound) && strings.Contains(se.Body, "RecordNotFound") {
			return reply.Posted{}, false, nil
		}
		return reply.Posted{}, false, r.expired(fmt.Errorf("bluesky: get record: %w", err))
	}
	if out.URI == "" || out.Value.Reply == nil || out.Value.Reply.Parent.URI != d.Post.ID {
		return reply.Posted{}, false, nil
	}
	return posted(out.URI), true, nil
}

// The capabilities a Replier has.
var (
	_ reply.Replier = (*Replier)(nil)
	_ reply.Finder  = (*Replier)(nil)
	_ reply.Ruled   = (*Replier)(nil)
)
