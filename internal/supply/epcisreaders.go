package supply

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Who captures EPCIS events through a node's EPCIS 2.0 binding, and who
// reads their bodies (docs/adr/0037-epcis-rest-binding.md). The ledger
// anchors each event's CBV hash, type and business step for everyone; the
// event itself (which items, where, for which business transaction) stays
// on the capturing organisation's node, business-confidential:
//
//   - capture: a member of the organisation the events are captured for;
//     the node signs supply/events with that organisation's own identity;
//   - an event's body: members of the organisation that captured it, of an
//     organisation the event names as a trading partner (a GLN it claimed
//     with supply/register-gln in sourceList, destinationList, bizLocation
//     or readPoint), and of regulators.
//
// A refused capture wraps ErrUnauthorized, a refused read
// ledger.ErrNotEntitled.

// CapturesFor is the organisation p captures EPCIS events for: its own,
// if p is a member of one.
func (k *Keeper) CapturesFor(p ledger.Principal) (string, error) {
	if p.Kind != ledger.Member || p.Org == "" {
		return "", fmt.Errorf("%w: EPCIS events are captured by members of the organisation they are captured for, not by %s", ErrUnauthorized, orgOf(p))
	}
	return p.Org, nil
}

// SeesEventBodies allows p to query captured EPCIS events at all: p is a
// member (which events, SeesEventBody says).
func (k *Keeper) SeesEventBodies(p ledger.Principal) error {
	if p.Kind != ledger.Member || p.Org == "" {
		return fmt.Errorf("%w: captured EPCIS events are read by members of the organisations that captured them or that they name, not by %s", ledger.ErrNotEntitled, orgOf(p))
	}
	return nil
}

// SeesEventBody reports whether member p sees the body of an event that
// capturer captured and that names the organisations partners (those
// that claimed the GLNs the event names).
func (k *Keeper) SeesEventBody(r state.Reader, p ledger.Principal, capturer string, partners []string) bool {
	if k.SeesEventBodies(p) != nil {
		return false
	}
	if p.Org == capturer || slices.Contains(partners, p.Org) {
		return true
	}
	kind, ok := k.dir.OrgKind(r, p.Org)
	return ok && kind == ledger.OrgRegulator
}

// MaxEventsPerTx is how many EPCIS events one supply/events message
// applies (all or none).
const MaxEventsPerTx = 100

var failedEventPattern = regexp.MustCompile(`\bevents\[(\d+)\]`)

// FailedEvent finds the event of a supply/events message that a refusal's
// message names ("events[3] (ObjectEvent receiving): ..."), as the module
// writes it; ok is false when the refusal is not about one event.
func FailedEvent(msg string) (int, bool) {
	m := failedEventPattern.FindStringSubmatch(msg)
	if m == nil {
		return 0, false
	}
	i, err := strconv.Atoi(m[1])
	return i, err == nil && i < MaxEventsPerTx
}
