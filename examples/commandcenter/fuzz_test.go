package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/harkhq/hark"
)

// FuzzAction posts any body, under any content type, to each action, with
// the session's CSRF token in the header, in the form, or missing: every
// answer is one of the documented statuses with a JSON body, and nothing
// is sent without the token. The app is not run, so no item exists and a
// well-formed action ends in 404. Seeds are in testdata/fuzz/FuzzAction.
func FuzzAction(f *testing.F) {
	a, err := newApp(config{Posts: []hark.Post{{ID: "p1", Text: "acme is down", Created: time.Unix(1771286400, 0)}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(a.plat.Close)
	h := a.handler(true)
	const sid = "fuzz-session"
	token := a.csrfToken(sid)
	paths := []string{"/api/approve", "/api/hold", "/api/edit", "/api/reject"}
	f.Fuzz(func(t *testing.T, path uint8, body []byte, contentType string, tokenMode uint8) {
		b := body
		if tokenMode%3 == 1 {
			b = append([]byte("csrf="+token+"&"), body...)
		}
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080"+paths[int(path)%len(paths)], bytes.NewReader(b))
		r.Header.Set("Content-Type", contentType)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: sid})
		if tokenMode%3 == 0 {
			r.Header.Set(csrfHeader, token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound,
			http.StatusConflict, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		var res actionResult
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatalf("answer is not JSON: %v: %q", err, w.Body)
		}
		if w.Code != http.StatusOK && res.Error == "" {
			t.Fatalf("status %d without an error message", w.Code)
		}
		if a.plat.Total() != 0 {
			t.Fatalf("a reply was sent")
		}
	})
}
