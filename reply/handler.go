package reply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxRequestBody bounds the body of an edit or a reject. A longer one is
// refused whole, never read in part.
const maxRequestBody = 64 << 10

var errBodyTooLarge = fmt.Errorf("request body over %d bytes", maxRequestBody)

// Handler serves the queue as JSON over HTTP, for a review tool:
//
//	GET  /drafts?state=pending        the drafts in a state ("" for all)
//	GET  /drafts/{id}                 one draft, with its audit trail
//	POST /drafts/{id}/approve         approve it
//	POST /drafts/{id}/edit            {"text": "..."}: replace its text
//	POST /drafts/{id}/reject          {"reason": "..."}: reject it
//
// Who acts is what identify says of the request: the caller's own
// authentication (a session, a header set by an authenticating proxy).
// The handler never takes a name from the request body. A request
// identify refuses gets 401; an unknown draft 404; a draft no longer
// awaiting approval 409; an empty edit 422; a body over 64 KiB 413. Mount
// it under a prefix with http.StripPrefix.
func (q *Queue) Handler(identify func(*http.Request) (string, error)) http.Handler {
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, v any, err error) {
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			code := http.StatusInternalServerError
			switch {
			case errors.Is(err, ErrNotFound):
				code = http.StatusNotFound
			case errors.Is(err, ErrNotPending):
				code = http.StatusConflict
			case errors.Is(err, ErrEmpty), errors.Is(err, ErrNoActor):
				code = http.StatusUnprocessableEntity
			case errors.Is(err, errBodyTooLarge):
				code = http.StatusRequestEntityTooLarge
			}
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	}
	act := func(f func(r *http.Request, who string) (Item, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			who, err := identify(r)
			if err != nil || who == "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "unauthenticated"})
				return
			}
			it, err := f(r, who)
			write(w, it, err)
		}
	}
	body := func(r *http.Request, v any) error {
		lr := &io.LimitedReader{R: r.Body, N: maxRequestBody + 1}
		err := json.NewDecoder(lr).Decode(v)
		if lr.N <= 0 {
			return errBodyTooLarge // not "unexpected EOF" at the cut
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return &RuleError{Key: r.PathValue("id"), Err: ErrEmpty, Detail: "body: " + err.Error()}
		}
		return nil
	}
	mux.Handle("GET /drafts", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if who, err := identify(r); err != nil || who == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "unauthenticated"})
			return
		}
		its, err := q.List(r.Context(), State(r.URL.Query().Get("state")))
		if its == nil {
			its = []Item{}
		}
		write(w, its, err)
	}))
	mux.Handle("GET /drafts/{id}", act(func(r *http.Request, _ string) (Item, error) {
		return q.Get(r.Context(), r.PathValue("id"))
	}))
	mux.Handle("POST /drafts/{id}/approve", act(func(r *http.Request, who string) (Item, error) {
		return q.Approve(r.Context(), r.PathValue("id"), who)
	}))
	mux.Handle("POST /drafts/{id}/edit", act(func(r *http.Request, who string) (Item, error) {
		var in struct {
			Text string `json:"text"`
		}
		if err := body(r, &in); err != nil {
			return Item{}, err
		}
		return q.Edit(r.Context(), r.PathValue("id"), who, in.Text)
	}))
	mux.Handle("POST /drafts/{id}/reject", act(func(r *http.Request, who string) (Item, error) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := body(r, &in); err != nil {
			return Item{}, err
		}
		return q.Reject(r.Context(), r.PathValue("id"), who, in.Reason)
	}))
	return mux
}
