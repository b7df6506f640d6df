package supply

import (
	"fmt"

	"github.com/medchain/medchain/internal/state"
)

// Arrival is what a shipment delivered of one product, as the receiver
// confirmed it: the question other modules ask ("did these goods arrive,
// and how many may be used?") answered from supply's state only.
//
// Units count the product's serialised units, inside containers too.
// Accepted units arrived and may be used: received, not quarantined (no
// cold-chain excursion on the shipment, no quarantine on the unit or the
// container it came in) and of a lot not recalled. Quarantined and
// Recalled units arrived but may not be used; Missing units the receiver
// did not confirm.
type Arrival struct {
	Shipment string `json:"shipment"`
	From     string `json:"from"`
	To       string `json:"to"`
	GTIN     string `json:"gtin"`
	// Received is true once the receiver confirmed the shipment.
	Received    bool   `json:"received"`
	Shipped     int64  `json:"shipped"`
	Accepted    int64  `json:"accepted"`
	Quarantined int64  `json:"quarantined"`
	Recalled    int64  `json:"recalled"`
	Missing     int64  `json:"missing"`
	ColdChain   string `json:"cold_chain"` // the shipment's verdict: pass, fail, none
	// ReceivedAt and ReceivedTime are the height and block time of the
	// receipt (zero before it).
	ReceivedAt   int64 `json:"received_at,omitempty"`
	ReceivedTime int64 `json:"received_time,omitempty"`
}

// Arrival answers what shipment id delivered of gtin. ok is false for an
// unknown shipment.
func (k *Keeper) Arrival(r state.Reader, id, gtin string) (a Arrival, ok bool) {
	sh, ok := shipments.Get(r, id)
	if !ok {
		return a, false
	}
	a = Arrival{Shipment: sh.ID, From: sh.From, To: sh.To, GTIN: gtin, ColdChain: sh.ColdChainVerdict(),
		Shipped: k.countAll(r, sh.Items, gtin)}
	if sh.Status == StatusInTransit {
		return a, true
	}
	a.Received, a.ReceivedAt = true, sh.ReceivedAt
	a.Missing = k.countAll(r, sh.Missing, gtin)
	for _, top := range sh.Received {
		it, ok := items.Get(r, top)
		if !ok {
			continue
		}
		held := len(sh.Excursions) > 0 || it.Quarantine != ""
		k.walk(r, top, func(u Item) (bool, bool) {
			if u.GTIN != gtin {
				return true, false
			}
			switch {
			case held || u.Quarantine != "":
				a.Quarantined++
			case k.recalled(r, u):
				a.Recalled++
			default:
				a.Accepted++
			}
			return false, false
		})
	}
	if len(sh.Received) > 0 {
		custody.Walk(r, fmt.Sprintf("%s|%016x|", sh.Received[0], sh.ReceivedAt), func(_ string, c Custody) bool {
			if c.Event == "received" && c.Shipment == sh.ID {
				a.ReceivedTime = c.Time
				return false
			}
			return true
		})
	}
	return a, true
}

// ShipmentKey is the state key of a shipment, for proofs.
func ShipmentKey(id string) string { return string(shipments.Key(id)) }

// ItemKey is the state key of an item (a unit or a container), for proofs.
func ItemKey(id string) string { return string(items.Key(id)) }
