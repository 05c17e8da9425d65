// Package listentest helps test code built on package listen, and adapters
// themselves, offline: a scripted fixture [Server] with a request log, an
// in-memory [FakeSource], the adapter conformance suite [RunConformance], a
// websocket fake server [WSServer], a webhook signer [Sign], and for fuzzing
// an adapter's decoding an in-memory [Transport] with [CheckPosts].
//
// Everything here runs in-process (httptest, a real websocket server) and
// cleans up through testing.TB's Cleanup.
package listentest
