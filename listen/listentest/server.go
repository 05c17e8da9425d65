package listentest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A Reply is one scripted answer of a [Server].
type Reply struct {
	Status int // 0 means 200
	Header http.Header
	Body   []byte
	// Delay holds the answer back; the request's context ending cuts it
	// short (client timeouts).
	Delay time.Duration
	// Truncate, if positive, cuts Body to that many bytes while still
	// declaring the full Content-Length, so the client sees a body ending
	// early.
	Truncate int
}

// JSON returns a 200 Reply with body and a JSON content type.
func JSON(body string) Reply {
	return Reply{Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
}

// Status returns a Reply with the given status, headers as key, value
// pairs, and no body.
func Status(code int, kv ...string) Reply {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return Reply{Status: code, Header: h}
}

// File returns a 200 Reply whose body is the file at path, failing t if it
// cannot be read. The content type is given by contentType.
func File(t testing.TB, path, contentType string) Reply {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("listentest: %v", err)
	}
	return Reply{Header: http.Header{"Content-Type": {contentType}}, Body: b}
}

// A Request is one request a [Server] received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// A Server is a scripted fixture server: each path answers with its script
// of replies in order, the last one repeating, or with a handler. It logs
// every request. It is an httptest.Server closed by t's cleanup.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	scripts  map[string][]Reply
	handlers map[string]http.HandlerFunc
	log      []Request
}

// NewServer starts a Server closed when t ends.
func NewServer(t testing.TB) *Server {
	s := &Server{scripts: map[string][]Reply{}, handlers: map[string]http.HandlerFunc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Script sets the replies of path (the URL path, without query), replacing
// any earlier script or handler of it.
func (s *Server) Script(path string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.handlers, path)
	s.scripts[path] = append([]Reply(nil), replies...)
}

// Handle makes h answer path, for answers that depend on the request (a
// cursor in the query). Requests are still logged.
func (s *Server) Handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.scripts, path)
	s.handlers[path] = h
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count returns how many requests path received.
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Path == path {
			n++
		}
	}
	return n
}

// MaxRequestBody bounds the request body a [Server] reads and logs; a
// longer one is answered 413 and logged without its body.
const MaxRequestBody = 8 << 20

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		s.mu.Lock()
		s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()})
		s.mu.Unlock()
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	s.mu.Lock()
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	h, hasHandler := s.handlers[r.URL.Path]
	script, hasScript := s.scripts[r.URL.Path]
	var rep Reply
	if hasScript && len(script) > 0 {
		rep = script[0]
		if len(script) > 1 {
			s.scripts[r.URL.Path] = script[1:]
		}
	}
	s.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	switch {
	case hasHandler:
		h(w, r)
		return
	case !hasScript || len(script) == 0:
		http.NotFound(w, r)
		return
	}
	Write(w, r, rep)
}

// Write sends rep on w, honouring its Delay (cut short when r's context
// ends) and Truncate. Handlers given to [Server.Handle] may use it.
func Write(w http.ResponseWriter, r *http.Request, rep Reply) {
	if rep.Delay > 0 {
		t := time.NewTimer(rep.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	for k, vs := range rep.Header {
		w.Header()[k] = vs
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := rep.Body
	if rep.Truncate > 0 && rep.Truncate < len(body) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		body = body[:rep.Truncate]
	}
	w.WriteHeader(status)
	w.Write(body)
}
