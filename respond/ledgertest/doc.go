// Package ledgertest checks implementations of the durable-state contracts
// of package respond: [respond.Ledger], [respond.Claims] and
// [respond.TimerStore]. An on-disk or NATS key-value implementation runs
// these from its own tests, as the in-memory ones do:
//
//	func TestLedger(t *testing.T) {
//		ledgertest.Ledger(t, func(t *testing.T) respond.Ledger { return openMine(t) })
//	}
//
// Each check gets a fresh, empty store from the factory.
package ledgertest
