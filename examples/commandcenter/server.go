package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

//go:embed web
var webFS embed.FS

const (
	sessionCookie = "hark_session"
	csrfHeader    = "X-CSRF-Token"
	maxBody       = 16 << 10 // bytes of an approve, hold or edit request
	maxDraftRunes = 2000
)

var indexTmpl = template.Must(template.ParseFS(webFS, "web/index.html"))

// handler returns the command center's HTTP handler. loopbackOnly refuses
// requests whose Host is not a loopback name, so that a web page elsewhere
// cannot reach the server through DNS rebinding.
func (a *app) handler(loopbackOnly bool) http.Handler {
	static, _ := fs.Sub(webFS, "web/static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.serveIndex)
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /events", a.serveEvents)
	mux.Handle("GET /healthz", a.obs.health.Handler())
	mux.Handle("GET /metrics", a.obs.prom.Handler())
	mux.HandleFunc("GET /api/state", a.serveState)
	mux.HandleFunc("POST /api/approve", a.action(a.doApprove))
	mux.HandleFunc("POST /api/hold", a.action(a.doHold))
	mux.HandleFunc("POST /api/edit", a.action(a.doEdit))
	mux.HandleFunc("POST /api/reject", a.action(a.doReject))
	mux.HandleFunc("GET /api/platform/replies", a.serveReplies)
	return secure(mux, loopbackOnly)
}

// secure sets the security headers every answer carries and, if asked,
// refuses non-loopback Host headers.
func secure(next http.Handler, loopbackOnly bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loopbackOnly && !loopbackHost(r.Host) {
			http.Error(w, "unknown host", http.StatusMisdirectedRequest)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}

// session returns the request's session ID, setting a new session cookie if
// it has none.
func (a *app) session(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	sid := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return sid
}

// csrfToken is the session's CSRF token: an HMAC of its ID under the
// server's random key, so the server keeps no table of tokens.
func (a *app) csrfToken(sid string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte("csrf\x00" + sid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (a *app) serveIndex(w http.ResponseWriter, r *http.Request) {
	sid := a.session(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	data := struct {
		CSRF     string
		Operator string
		Snapshot snapshot
	}{a.csrfToken(sid), a.operatorOf(sid), a.snapshot()}
	if err := indexTmpl.Execute(w, data); err != nil {
		a.log.Warn("index", "err", err)
	}
}

func (a *app) serveState(w http.ResponseWriter, r *http.Request) {
	b, _ := a.current()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// serveEvents streams snapshots as server-sent events until the client
// goes away or the app stops.
func (a *app) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The stream outlives the server's ReadTimeout, which would otherwise
	// end it (and make the page reconnect) every few seconds.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	var sent []byte
	for {
		b, changed := a.current()
		if len(b) > 0 && (sent == nil || &b[0] != &sent[0]) {
			if _, err := fmt.Fprintf(w, "event: state\ndata: %s\n\n", b); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			sent = b
		}
		select {
		case <-r.Context().Done():
			return
		case <-a.done:
			return
		case <-changed:
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

type actionResult struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Sends int    `json:"sends"`
	Error string `json:"error,omitempty"`
}

// action wraps a queue action: POST only (the mux checks), a small form body,
// the same origin, and the session's CSRF token.
func (a *app) action(do func(ctx context.Context, id string, r *http.Request) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if !sameOrigin(r) {
			writeJSON(w, http.StatusForbidden, actionResult{Error: "cross-origin request refused"})
			return
		}
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				status = http.StatusRequestEntityTooLarge
			}
			writeJSON(w, status, actionResult{Error: "bad form"})
			return
		}
		c, err := r.Cookie(sessionCookie)
		token := r.Header.Get(csrfHeader)
		if token == "" {
			token = r.PostForm.Get("csrf")
		}
		if err != nil || token == "" || !hmac.Equal([]byte(token), []byte(a.csrfToken(c.Value))) {
			writeJSON(w, http.StatusForbidden, actionResult{Error: "missing or wrong CSRF token"})
			return
		}
		id := r.PostForm.Get("id")
		state, err := do(r.Context(), id, r)
		res := actionResult{ID: id, State: state, Sends: a.plat.Sent(id)}
		status := http.StatusOK
		switch {
		case errors.Is(err, errNoItem), errors.Is(err, errNoDraft):
			status = http.StatusNotFound
		case errors.Is(err, errSent), errors.Is(err, errTooLong), errors.Is(err, errRejected),
			errors.Is(err, errApproved), errors.Is(err, errRefused):
			status = http.StatusConflict
		case err != nil:
			status = http.StatusInternalServerError
		}
		if err != nil {
			res.Error = err.Error()
		}
		a.publish()
		writeJSON(w, status, res)
	}
}

var errTooLong = fmt.Errorf("draft longer than %d characters or not UTF-8", maxDraftRunes)

func (a *app) doApprove(ctx context.Context, id string, r *http.Request) (string, error) {
	return a.pipe.approve(ctx, id, a.operator(r))
}

func (a *app) doReject(ctx context.Context, id string, r *http.Request) (string, error) {
	return a.pipe.reject(ctx, id, a.operator(r))
}

func (a *app) doHold(_ context.Context, id string, _ *http.Request) (string, error) {
	return a.board.hold(id)
}

func (a *app) doEdit(ctx context.Context, id string, r *http.Request) (string, error) {
	text := strings.TrimSpace(r.PostForm.Get("text"))
	if text == "" || !utf8.ValidString(text) || utf8.RuneCountInString(text) > maxDraftRunes {
		return "", errTooLong
	}
	return a.pipe.edit(ctx, id, a.operator(r), text)
}

// sameOrigin refuses requests a browser marks as coming from another site.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		return o == "http://"+r.Host || o == "https://"+r.Host
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
