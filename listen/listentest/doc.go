// Package listentest helps test code built on package listen, and adapters
// themselves, offline: a scripted fixture [Server] with a request log, an
// in-memory [FakeSource], the adapter conformance suite [RunConformance], a
// websocket fake server [WSServer], and a webhook signer [Sign].
//
// Everything here runs in-process (httptest, a real websocket server) and
// cleans up through testing.TB's Cleanup.
package listentest
