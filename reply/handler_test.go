package reply_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/reply"
)

func TestQueueHandler(t *testing.T) {
	clk := newClock()
	q := reply.NewQueue(reply.WithQueueClock(clk))
	d := draft(40)
	_, err := q.Hold(t.Context(), d, 2, "high risk: crisis")
	require.NoError(t, err)
	// The acting person comes from the request's authentication, here a
	// bearer token mapped to a name.
	users := map[string]string{"Bearer t-ana": "ana", "Bearer t-ben": "ben"}
	h := q.Handler(func(r *http.Request) (string, error) {
		if u, ok := users[r.Header.Get("Authorization")]; ok {
			return u, nil
		}
		return "", errors.New("who?")
	})
	do := func(method, path, token, body string) (int, reply.Item, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var it reply.Item
		_ = json.Unmarshal(w.Body.Bytes(), &it)
		return w.Code, it, w.Body.String()
	}
	base := "/drafts/" + d.Key

	code, _, _ := do("POST", base+"/approve", "", "")
	assert.Equal(t, 401, code)
	code, _, _ = do("POST", base+"/approve", "nobody", "")
	assert.Equal(t, 401, code)

	code, it, _ := do("POST", base+"/edit", "t-ana", `{"text":"Sorry Bob, a refund is on its way."}`)
	require.Equal(t, 200, code)
	assert.Equal(t, "Sorry Bob, a refund is on its way.", it.Draft.Text)
	code, _, _ = do("POST", base+"/edit", "t-ana", `{"text":" "}`)
	assert.Equal(t, 422, code)
	code, _, huge := do("POST", base+"/edit", "t-ana", `{"text":"`+strings.Repeat("a", 10<<20)+`"}`)
	assert.Equal(t, 413, code, "a 10 MB edit is refused whole, with a reason")
	assert.Contains(t, huge, "over 65536 bytes")

	code, it, _ = do("POST", base+"/approve", "t-ana", `{"by":"ben"}`)
	require.Equal(t, 200, code)
	assert.Equal(t, reply.StatePending, it.State, "one of two approvals; the body cannot name another approver")
	require.Len(t, it.Approvals, 1)
	assert.Equal(t, "ana", it.Approvals[0].By)
	code, it, _ = do("POST", base+"/approve", "t-ben", "")
	require.Equal(t, 200, code)
	assert.Equal(t, reply.StateApproved, it.State)

	code, _, body := do("GET", "/drafts?state=approved", "t-ben", "")
	require.Equal(t, 200, code)
	var list []reply.Item
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.Len(t, list, 1)
	assert.Equal(t, d.Key, list[0].ID)

	code, _, _ = do("POST", base+"/reject", "t-ben", "")
	assert.Equal(t, 200, code)
	code, _, _ = do("POST", base+"/approve", "t-ana", "")
	assert.Equal(t, 409, code)
	code, _, _ = do("GET", "/drafts/nope", "t-ana", "")
	assert.Equal(t, 404, code)
	code, it, _ = do("GET", base, "t-ana", "")
	require.Equal(t, 200, code)
	var trail []string
	for _, e := range it.Audit {
		trail = append(trail, e.Action+":"+e.By)
	}
	assert.Equal(t, []string{"hold:hark", "edit:ana", "approve:ana", "approve:ben", "reject:ben"}, trail)
}
