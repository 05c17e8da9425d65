// Package natstest runs an embedded NATS server with JetStream inside a
// test, in-process and with its file store in a temporary directory, as
// net/http/httptest runs an HTTP server: the real thing, not a mock.
package natstest
