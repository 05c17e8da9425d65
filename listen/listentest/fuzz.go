package listentest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// A Transport is an http.RoundTripper that answers in memory, with no
// network and no goroutine: for fuzzing how an adapter decodes what a
// platform sends, at thousands of answers a second.
type Transport struct {
	// Answer gives the reply to a request; nil answers every request 404.
	// A Reply's Truncate ends its body early with io.ErrUnexpectedEOF;
	// its Delay is ignored.
	Answer func(r *http.Request) Reply
	// MaxRequests, if positive, is how many requests are answered; the
	// ones after it fail, and [Transport.Exceeded] says so. It catches an
	// adapter that follows the same page forever.
	MaxRequests int

	n atomic.Int64
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	if n := t.n.Add(1); t.MaxRequests > 0 && n > int64(t.MaxRequests) {
		return nil, fmt.Errorf("listentest: request %d over the %d allowed: %s %s", n, t.MaxRequests, r.Method, r.URL)
	}
	rep := Reply{Status: http.StatusNotFound}
	if t.Answer != nil {
		rep = t.Answer(r)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	h := rep.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	var body io.Reader = bytes.NewReader(rep.Body)
	if rep.Truncate > 0 && rep.Truncate < len(rep.Body) {
		body = io.MultiReader(bytes.NewReader(rep.Body[:rep.Truncate]), errReader{io.ErrUnexpectedEOF})
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(body),
		ContentLength: int64(len(rep.Body)),
		Request:       r,
	}, nil
}

// Requests returns how many requests the Transport was sent.
func (t *Transport) Requests() int { return int(t.n.Load()) }

// Exceeded reports whether more than MaxRequests requests were sent.
func (t *Transport) Exceeded() bool {
	return t.MaxRequests > 0 && t.n.Load() > int64(t.MaxRequests)
}

// Client returns a [listen.Client] over t that makes one attempt per call
// and never sleeps, so a fuzzed answer is decoded once.
func (t *Transport) Client() *listen.Client {
	return &listen.Client{
		HTTP:        &http.Client{Transport: t},
		MaxAttempts: 1,
		Timeout:     10 * time.Second,
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// CheckPosts fails t if posts, as an adapter's Fetch returned them, break
// what the pipeline relies on whatever the platform sent: after
// [hark.Post.Repair] (which [listen.Stream] applies), each post is valid
// ([hark.Post.Validate]: an ID, text, no text over hark.MaxTextBytes, valid
// UTF-8). A post whose answer had no usable date keeps a zero Created, as
// the pipeline allows.
func CheckPosts(t testing.TB, posts []hark.Post) {
	t.Helper()
	for i := range posts {
		p := posts[i]
		p.Repair()
		if err := p.Validate(); err != nil {
			t.Errorf("post %d (%q): %v", i, clip(p.ID), err)
		}
	}
}

func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// CheckSkipped fails t unless each of skipped, a [listen.Batch]'s items that
// could not be read, is an error that wraps [listen.ErrMalformed] and says
// something.
func CheckSkipped(t testing.TB, skipped []error) {
	t.Helper()
	for i, err := range skipped {
		if err == nil || !errors.Is(err, listen.ErrMalformed) || err.Error() == "" {
			t.Errorf("skipped item %d: %v is not a described ErrMalformed", i, err)
		}
	}
}
