package listentest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// A WSConn is the server side of one websocket connection of a [WSServer].
type WSConn struct {
	// Request is the upgrade request (its URL carries cursors and
	// filters).
	Request *http.Request
	conn    *websocket.Conn
}

// Send writes one text message.
func (c *WSConn) Send(ctx context.Context, msg []byte) error {
	return c.conn.Write(ctx, websocket.MessageText, msg)
}

// Close closes the connection normally with reason.
func (c *WSConn) Close(reason string) error {
	return c.conn.Close(websocket.StatusNormalClosure, reason)
}

// A WSServer is a websocket fake server: every connection is handed to the
// script, which sends what it likes and returns; the connection is then
// closed abruptly unless the script closed it. It logs every connection's
// URL. It is closed by t's cleanup.
type WSServer struct {
	*httptest.Server
	script func(ctx context.Context, c *WSConn)

	mu    sync.Mutex
	conns []string
	wg    sync.WaitGroup
}

// NewWSServer starts a WSServer running script on each connection.
func NewWSServer(t testing.TB, script func(ctx context.Context, c *WSConn)) *WSServer {
	s := &WSServer{script: script}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.Server.CloseClientConnections()
		s.Server.Close()
		s.wg.Wait()
	})
	return s
}

// WSURL returns the ws:// address of the server with path appended.
func (s *WSServer) WSURL(path string) string {
	return "ws" + strings.TrimPrefix(s.Server.URL, "http") + path
}

// Connections returns the request URIs of the connections so far, in order.
func (s *WSServer) Connections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.conns...)
}

func (s *WSServer) serve(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, r.URL.RequestURI())
	s.mu.Unlock()
	ctx := c.CloseRead(r.Context())
	s.script(ctx, &WSConn{Request: r, conn: c})
	c.CloseNow()
}
