package bluesky

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen/listentest"
)

// FuzzEvent reads any Jetstream message the way the websocket reader does,
// and has the AppView answer getProfiles with any body: neither may panic,
// and a post made of them must be valid. Seeds are in
// testdata/fuzz/FuzzEvent.
func FuzzEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, msg, profiles []byte) {
		var ev event
		if err := json.Unmarshal(msg, &ev); err != nil {
			ev = badEvent(msg, err) // as wsReader.run does
		} else if ev.TimeUS == 0 {
			return // skipped, as wsReader.run does
		}
		p, ok, err := ev.post()
		if err != nil {
			if ok || p.ID != "" {
				t.Fatalf("error %v with a post", err)
			}
			if ev.uri() != "" && !strings.HasPrefix(ev.uri(), "at://") {
				t.Fatalf("bad uri %q", ev.uri())
			}
			return
		}
		if !ok {
			return
		}
		tr := &listentest.Transport{MaxRequests: 10, Answer: func(*http.Request) listentest.Reply {
			return listentest.Reply{Body: profiles}
		}}
		s, err := New(Config{AppView: "http://appview.invalid", Client: tr.Client(),
			Now: func() time.Time { return time.Unix(1771286400, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		posts := []hark.Post{p}
		if err := s.enrich(t.Context(), posts); err != nil {
			posts = []hark.Post{p}
		}
		listentest.CheckPosts(t, posts)
	})
}
