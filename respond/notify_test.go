package respond

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func dispDecision(id string) Decision {
	return Decision{
		PostID: id, Priority: P2, Team: "billing",
		RespondBy: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Actions: []Action{
			{Kind: ActRoute, Team: "billing", Rule: "refunds"},
			{Kind: ActAlert, Channel: "#support", Rule: "refunds"},
			{Kind: ActReply, Template: "sorry", Rule: "refunds"},
		},
		Reply: "Sorry about that, @ann: we are on it.",
		Rules: []string{"refunds"},
		Case: Case{Post: hark.Post{ID: id, Source: "bluesky", URL: "https://bsky.app/p/" + id,
			Text:     "I was charged twice and nobody answers",
			ThreadID: "t-" + id, Author: hark.Author{ID: "did:ann", Handle: "@ann"}}},
	}
}

func TestMessageFor(t *testing.T) {
	d := dispDecision("p1")
	m := MessageFor(d, d.Actions[1])
	assert.Equal(t, IdempotencyKey("p1", d.Actions[1]), m.Key)
	assert.Equal(t, "[P2] alert #support: post p1 on bluesky", m.Subject)
	assert.Contains(t, m.Text, `@ann: "I was charged twice and nobody answers"`)
	assert.Contains(t, m.Text, "https://bsky.app/p/p1")
	assert.Contains(t, m.Text, "respond by 2026-11-25T12:00:00Z")
	assert.Equal(t, "t-p1", m.Thread)

	r := MessageFor(d, d.Actions[2])
	assert.Equal(t, d.Reply, r.Text, "a reply carries the drafted text")

	route := MessageFor(d, Action{Kind: ActRoute, Rule: "x"})
	assert.Equal(t, "billing", route.Team, "a route without a team takes the decision's")

	long := d
	long.Case.Post.Text = strings.Repeat("é", 2*maxQuote)
	long.Case.Post.Source = "evil\r\nBcc: x@y"
	lm := MessageFor(long, d.Actions[1])
	assert.NotContains(t, lm.Subject, "\n", "subjects are one line")
	assert.Less(t, len([]rune(lm.Text)), maxQuote+200)

	hold := MessageFor(d, Action{Kind: ActHold, Reason: "review", Rule: "vip"})
	assert.Contains(t, hold.Text, "draft reply: "+d.Reply)
}

func TestIdempotencyKey(t *testing.T) {
	a := Action{Kind: ActAlert, Channel: "#a", Rule: "r"}
	k := IdempotencyKey("p", a)
	assert.Len(t, k, 32)
	assert.Equal(t, k, IdempotencyKey("p", a), "stable")
	others := []struct {
		post string
		a    Action
	}{
		{"q", a},
		{"p", Action{Kind: ActAlert, Channel: "#b", Rule: "r"}},
		{"p", Action{Kind: ActAlert, Channel: "#a", Rule: "s"}},
		{"p", Action{Kind: ActTag, Channel: "#a", Rule: "r"}},
		// Field boundaries are length-prefixed: no shifting collisions.
		{"p", Action{Kind: ActAlert, Channel: "", Team: "#a", Rule: "r"}},
		{"pr", Action{Kind: ActAlert, Channel: "#a", Rule: ""}},
	}
	seen := map[string]bool{k: true}
	for _, o := range others {
		ok := IdempotencyKey(o.post, o.a)
		assert.False(t, seen[ok], "%+v", o)
		seen[ok] = true
	}
}

func TestCheckResponse(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		code      int
		ra        string
		permanent bool
		rate      bool
		wait      time.Duration
	}{
		{200, "", false, false, 0},
		{204, "", false, false, 0},
		{400, "", true, false, 0},
		{403, "", true, false, 0},
		{404, "", true, false, 0},
		{410, "", true, false, 0},
		{408, "", false, false, 0},
		{429, "7", false, true, 7 * time.Second},
		{429, now.Add(90 * time.Second).Format(http.TimeFormat), false, true, 90 * time.Second},
		{429, "", false, true, 0},
		{429, "soon", false, true, 0},
		{500, "", false, false, 0},
		{502, "", false, false, 0},
		{503, "", false, false, 0},
		{503, "30", false, true, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code, tt.ra), func(t *testing.T) {
			rec := httptest.NewRecorder()
			if tt.ra != "" {
				rec.Header().Set("Retry-After", tt.ra)
			}
			rec.WriteHeader(tt.code)
			_, _ = rec.WriteString("no_service\n")
			err := checkResponse(rec.Result(), now)
			if tt.code < 300 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.permanent, IsPermanent(err))
			var rl *RateLimitError
			assert.Equal(t, tt.rate, errors.As(err, &rl))
			if tt.rate {
				assert.Equal(t, tt.wait, rl.RetryAfter)
			}
			var se *StatusError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.code, se.Code)
			assert.Equal(t, "no_service", se.Body)
		})
	}
}

func TestSlackPayload(t *testing.T) {
	defer goleak.VerifyNone(t)
	var mu sync.Mutex
	var got []map[string]any
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if !assert.NoError(t, json.NewDecoder(r.Body).Decode(&v)) {
			w.WriteHeader(400)
			return
		}
		mu.Lock()
		got = append(got, v)
		keys = append(keys, r.Header.Get(IdempotencyHeader))
		mu.Unlock()
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	d := dispDecision("p1")
	d.Case.Post.Text = "a <b> & c"
	m := MessageFor(d, d.Actions[1])
	plain := &Slack{URL: srv.URL + "/services/T0/B0/secret", Client: srv.Client()}
	blocks := &Slack{URL: srv.URL + "/services/T0/B0/secret", Client: srv.Client(), Blocks: true}
	require.NoError(t, plain.Notify(context.Background(), m))
	require.NoError(t, blocks.Notify(context.Background(), m))
	require.Len(t, got, 2)
	assert.Contains(t, got[0]["text"], "a &lt;b&gt; &amp; c", "mrkdwn control characters are escaped")
	assert.NotContains(t, got[0], "blocks")
	bl, ok := got[1]["blocks"].([]any)
	require.True(t, ok)
	assert.Len(t, bl, 2)
	assert.Equal(t, []string{m.Key, m.Key}, keys)
	assert.Equal(t, "slack http://127.0.0.1/…", strings.Replace(plain.String(), srv.Listener.Addr().String(), "127.0.0.1", 1))
	assert.NotContains(t, plain.String(), "secret")
}

func TestWebhookSignature(t *testing.T) {
	defer goleak.VerifyNone(t)
	secret := []byte("whsec_test")
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clk := newManualClock(now)
	var verr error
	var body Message
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		verr = VerifySignature(secret, r.Header.Get(SignatureHeader), raw, now.Add(time.Minute), 0)
		_ = json.Unmarshal(raw, &body)
		assert.Equal(t, "k1", r.Header.Get("X-Api-Key"))
		w.WriteHeader(202)
	}))
	defer srv.Close()
	wh := &Webhook{URL: srv.URL + "/hook?token=abc", Secret: secret, Client: srv.Client(), Clock: clk,
		Header: http.Header{"X-Api-Key": {"k1"}}}
	d := dispDecision("p9")
	m := MessageFor(d, d.Actions[0])
	require.NoError(t, wh.Notify(context.Background(), m))
	assert.NoError(t, verr)
	assert.Equal(t, m, body, "the body is the message as JSON")
	assert.NotContains(t, wh.String(), "token")
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("s3cret")
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"key":"abc"}`)
	good := Sign(secret, at, body)
	old := Sign([]byte("old"), at, body)
	tests := []struct {
		name   string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", good, body, at, nil},
		{"valid within tolerance", good, body, at.Add(4 * time.Minute), nil},
		{"rotation: any v1 matches", old + "," + strings.Split(good, ",")[1], body, at, nil},
		{"tampered body", good, []byte(`{"key":"abd"}`), at, ErrSignatureInvalid},
		{"wrong secret", old, body, at, ErrSignatureInvalid},
		{"replayed later", good, body, at.Add(6 * time.Minute), ErrSignatureExpired},
		{"from the future", good, body, at.Add(-6 * time.Minute), ErrSignatureExpired},
		{"empty", "", body, at, ErrSignatureMissing},
		{"no timestamp", strings.Split(good, ",")[1], body, at, ErrSignatureMissing},
		{"bad hex", "t=1,v1=zz", body, at, ErrSignatureMissing},
		{"timestamp swapped", "t=" + fmt.Sprint(at.Unix()+1) + "," + strings.Split(good, ",")[1], body, at, ErrSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(secret, tt.header, tt.body, tt.now, 5*time.Minute)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func FuzzVerifySignature(f *testing.F) {
	at := time.Unix(1_790_000_000, 0)
	f.Add(Sign([]byte("k"), at, []byte("b")), []byte("b"))
	f.Add("t=1790000000,v1=00", []byte(""))
	f.Add("t=,v1=,v1=", []byte("x"))
	f.Add("v1=aa,t=+1790000000", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := VerifySignature([]byte("k"), header, body, at, time.Minute)
		if err != nil {
			return
		}
		// Only a real signature over the header's own timestamp passes.
		var ts string
		for part := range strings.SplitSeq(header, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "t" {
				ts = v
			}
		}
		want := hex.EncodeToString(mac([]byte("k"), ts, body))
		assert.Contains(t, strings.ToLower(header), "v1="+want)
	})
}

func TestRedactURL(t *testing.T) {
	assert.Equal(t, "https://hooks.slack.com/…", RedactURL("https://hooks.slack.com/services/T/B/XYZ"))
	assert.Equal(t, "https://example.com/…", RedactURL("https://user:pw@example.com/?token=1"))
	assert.Equal(t, "https://example.com", RedactURL("https://example.com"))
	assert.Equal(t, "(redacted URL)", RedactURL("not a url with token"))
}

func TestNotifierErrorsAreRedacted(t *testing.T) {
	defer goleak.VerifyNone(t)
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}))
	defer srv.Close()
	defer close(block)
	secretURL := srv.URL + "/services/T0/B0/SECRETTOKEN"
	s := &Slack{URL: secretURL, Client: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := s.Notify(ctx, Message{Key: "k", Text: "x"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRETTOKEN")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, IsPermanent(err))

	// A refused connection, and a URL that does not parse.
	w := &Webhook{URL: "http://127.0.0.1:1/hook/SECRETTOKEN", Client: srv.Client()}
	err = w.Notify(context.Background(), Message{Key: "k"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRETTOKEN")
	w = &Webhook{URL: "http://[::1/SECRETTOKEN", Client: srv.Client()}
	err = w.Notify(context.Background(), Message{Key: "k"})
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.NotContains(t, err.Error(), "SECRETTOKEN")
}

// fakeSMTP is an in-process SMTP server on loopback that records mails.
// reject maps a recipient to the reply its RCPT gets; dataReplies are the
// replies to successive DATA ends (then 250).
type fakeSMTP struct {
	ln          net.Listener
	wg          sync.WaitGroup
	mu          sync.Mutex
	mails       []fakeMail
	reject      map[string]string
	dataReplies []string
}

type fakeMail struct {
	From string
	To   []string
	Data string
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &fakeSMTP{ln: ln, reject: map[string]string{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	return s
}

func (s *fakeSMTP) Close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *fakeSMTP) Mails() []fakeMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fakeMail(nil), s.mails...)
}

func (s *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	reply := func(l string) { _ = tp.PrintfLine("%s", l) }
	reply("220 fake ESMTP")
	var m fakeMail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			reply("250-fake\r\n250 8BITMIME")
		case "MAIL":
			m = fakeMail{From: strings.Trim(strings.TrimPrefix(arg, "FROM:"), "<>")}
			if i := strings.Index(m.From, ">"); i >= 0 {
				m.From = m.From[:i]
			}
			reply("250 ok")
		case "RCPT":
			to := strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
			s.mu.Lock()
			r, bad := s.reject[to]
			s.mu.Unlock()
			if bad {
				reply(r)
				continue
			}
			m.To = append(m.To, to)
			reply("250 ok")
		case "DATA":
			reply("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			r := "250 queued"
			if len(s.dataReplies) > 0 {
				r, s.dataReplies = s.dataReplies[0], s.dataReplies[1:]
			}
			if strings.HasPrefix(r, "250") {
				m.Data = string(data)
				s.mails = append(s.mails, m)
			}
			s.mu.Unlock()
			reply(r)
		case "QUIT":
			reply("221 bye")
			return
		case "RSET", "NOOP":
			reply("250 ok")
		default:
			reply("502 unknown")
		}
	}
}

func TestEmail(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := newFakeSMTP(t)
	defer srv.Close()
	clk := newManualClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	e := &Email{Addr: srv.ln.Addr().String(), From: "Hark <hark@acme.example>",
		To: []string{"support@acme.example", "Ops <ops@acme.example>"}, Clock: clk}
	d := dispDecision("p1")
	d.Reply = "Zürich: ça ne marche pas\n.\nline after a lone dot, and a long line " + strings.Repeat("x", 100)
	m := MessageFor(d, d.Actions[2])
	m.Subject = "Ärger mit Rechnung\r\nBcc: evil@x"
	require.NoError(t, e.Notify(context.Background(), m))

	mails := srv.Mails()
	require.Len(t, mails, 1)
	assert.Equal(t, "hark@acme.example", mails[0].From)
	assert.Equal(t, []string{"support@acme.example", "ops@acme.example"}, mails[0].To)
	msg, err := mail.ReadMessage(strings.NewReader(mails[0].Data))
	require.NoError(t, err)
	assert.Equal(t, "<"+m.Key+"@acme.example>", msg.Header.Get("Message-Id"))
	assert.Empty(t, msg.Header.Get("Bcc"), "no header injection")
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, "Ärger mit Rechnung  Bcc: evil@x", subj)
	assert.Equal(t, "Wed, 25 Nov 2026 12:00:00 +0000", msg.Header.Get("Date"))
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	assert.Equal(t, m.Text, strings.TrimRight(string(body), "\r\n"),
		"the text survives dot-stuffing and encoding")
}

func TestEmailErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := newFakeSMTP(t)
	defer srv.Close()
	srv.reject["nobody@acme.example"] = "550 no such user"
	srv.dataReplies = []string{"451 try later"}
	addr := srv.ln.Addr().String()
	m := Message{Key: "k", Subject: "s", Text: "t"}
	ctx := context.Background()

	err := (&Email{Addr: addr, From: "a@acme.example", To: []string{"nobody@acme.example"}}).Notify(ctx, m)
	assert.True(t, IsPermanent(err), "5xx is permanent: %v", err)
	err = (&Email{Addr: addr, From: "a@acme.example", To: []string{"ok@acme.example"}}).Notify(ctx, m)
	require.Error(t, err)
	assert.False(t, IsPermanent(err), "4xx is transient: %v", err)
	assert.NoError(t, (&Email{Addr: addr, From: "a@acme.example", To: []string{"ok@acme.example"}}).Notify(ctx, m))
	assert.True(t, IsPermanent((&Email{Addr: addr, From: "not an address", To: []string{"ok@acme.example"}}).Notify(ctx, m)))
	assert.True(t, IsPermanent((&Email{Addr: addr, From: "a@acme.example"}).Notify(ctx, m)))

	// A server that never answers: ctx ends the call.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var held []net.Conn
	var hmu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			hmu.Lock()
			held = append(held, c)
			hmu.Unlock()
			_, _ = bufio.NewReader(c).ReadByte()
		}
	}()
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = (&Email{Addr: ln.Addr().String(), From: "a@acme.example", To: []string{"b@acme.example"}}).Notify(cctx, m)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	ln.Close()
	hmu.Lock()
	for _, c := range held {
		c.Close()
	}
	hmu.Unlock()
	wg.Wait()
}

func TestRedirectIsNotFollowed(t *testing.T) {
	defer goleak.VerifyNone(t)
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	err := (&Webhook{URL: srv.URL + "/hook", Client: srv.Client()}).Notify(context.Background(), Message{Key: "k"})
	assert.True(t, IsPermanent(err), "%v", err)
	assert.Equal(t, 1, hits)
}

func TestRedactErrWrapped(t *testing.T) {
	raw := "https://hooks.example.com/T/B/SECRETTOKEN"
	inner := &url.Error{Op: "Post", URL: raw, Err: context.DeadlineExceeded}
	err := redactErr(fmt.Errorf("while posting %s: %w", raw, inner), raw)
	assert.NotContains(t, err.Error(), "SECRETTOKEN")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var ue *url.Error
	assert.False(t, errors.As(err, &ue), "the URL-bearing error is not reachable")
	var to interface{ Timeout() bool }
	require.ErrorAs(t, err, &to)
	assert.True(t, to.Timeout())
	plain := errors.New("no url here")
	assert.Same(t, plain, redactErr(plain, raw))

	rl := &RateLimitError{RetryAfter: time.Second, Err: &StatusError{Code: 429}}
	assert.Equal(t, "rate limited (retry after 1s): HTTP 429", rl.Error())
	assert.Nil(t, Permanent(nil))
}

func TestSleepCtx(t *testing.T) {
	assert.NoError(t, sleepCtx(context.Background(), time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, sleepCtx(ctx, time.Hour), context.Canceled)
	assert.ErrorIs(t, sleepCtx(ctx, 0), context.Canceled)
}

func TestVerifyRequest(t *testing.T) {
	secret := []byte("s")
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"key":"k"}`)
	req := func(b []byte, sig string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(b))
		r.Header.Set(SignatureHeader, sig)
		return r
	}
	got, err := VerifyRequest(secret, req(body, Sign(secret, now, body)), now, 0)
	require.NoError(t, err)
	assert.Equal(t, body, got)
	_, err = VerifyRequest(secret, req(body, Sign([]byte("other"), now, body)), now, 0)
	assert.ErrorIs(t, err, ErrSignatureInvalid)
	big := bytes.Repeat([]byte("x"), MaxWebhookBody+1)
	_, err = VerifyRequest(secret, req(big, Sign(secret, now, big)), now, 0)
	assert.ErrorContains(t, err, "over")
}
