package listentest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
)

// Sign returns the X-Hub-Signature-256 value Meta-style webhooks send for
// body: "sha256=" and the hex HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// SignedRequest returns a POST of body to target carrying its
// X-Hub-Signature-256 under secret, as the platform would send it.
func SignedRequest(target string, secret, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Hub-Signature-256", Sign(secret, body))
	return r
}
