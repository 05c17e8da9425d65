package respond_test

import (
	"testing"

	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/ledgertest"
)

func TestMemLedgerConformance(t *testing.T) {
	ledgertest.Ledger(t, func(*testing.T) respond.Ledger { return new(respond.MemLedger) })
}

func TestMemClaimsConformance(t *testing.T) {
	ledgertest.Claims(t, func(*testing.T) respond.Claims { return new(respond.MemClaims) })
}

func TestMemTimerStoreConformance(t *testing.T) {
	ledgertest.TimerStore(t, func(*testing.T) respond.TimerStore { return new(respond.MemTimerStore) })
}
