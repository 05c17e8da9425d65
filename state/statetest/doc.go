// Package statetest checks an implementation of state.KV, and every
// adapter of package state on top of it, against their contracts: one
// suite for the memory, on-disk and NATS stores, as testing/slogtest checks
// every slog handler. Call [Run] from a test of the implementation.
package statetest
