package supply_test

import (
	"testing"

	"github.com/medchain/medchain/internal/supply"
)

// FailedEvent reads the event index out of the module's own refusals.
func TestFailedEvent(t *testing.T) {
	for msg, want := range map[string]int{
		"supply: already exists: events[0]: event ni:///sha-256;ab?ver=CBV2.0 is already on the ledger": 0,
		"events[12] (ObjectEvent receiving): supply: not found: shipment sh-1":                          12,
		"invalid message: events[3]: hash \"x\" is not a CBV 2.0 event hash":                            3,
	} {
		if i, ok := supply.FailedEvent(msg); !ok || i != want {
			t.Errorf("FailedEvent(%q) = %d %v, want %d", msg, i, ok, want)
		}
	}
	for _, msg := range []string{"supply: not allowed: only members", "events: 1 to 100 per transaction", "events[100]: x"} {
		if i, ok := supply.FailedEvent(msg); ok {
			t.Errorf("FailedEvent(%q) = %d, want none", msg, i)
		}
	}
}
