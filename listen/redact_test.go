package listen_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/listen"
)

// A credential in a URL's query (YouTube's API key, an access token) never
// reaches an error or a retry log record, whatever fails: a status, a
// dropped connection, an oversized body. Errors are logged by Stream and
// shown on health pages.
func TestClientKeepsQueryCredentialsOutOfErrorsAndLogs(t *testing.T) {
	const secret = "AIzaSyD-very-secret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/status":
			http.Error(w, "bad key", http.StatusBadRequest)
		case "/retry":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case "/big":
			w.Write(bytes.Repeat([]byte("x"), 100))
		}
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c := &listen.Client{HTTP: srv.Client(), MaxAttempts: 2, MaxBody: 10,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep:  func(ctx context.Context, _ time.Duration) error { return nil }}
	q := "?part=snippet&key=" + secret + "&access_token=" + secret + "&pageToken=p2"
	for _, path := range []string{"/status", "/retry", "/big"} {
		_, err := c.Get(t.Context(), srv.URL+path+q, nil)
		require.Error(t, err, path)
		assert.NotContains(t, err.Error(), secret, path)
		assert.Contains(t, err.Error(), "pageToken=p2", "the rest of the URL is kept for debugging")
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	_, err := c.Get(t.Context(), down.URL+"/x"+q, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	_, err = c.Get(t.Context(), "http://exa mple.com/"+q, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	assert.Contains(t, logs.String(), "listen: retry")
	assert.NotContains(t, logs.String(), secret)
}
