package supply

import (
	"time"

	"github.com/medchain/medchain/internal/state"
)

// Verdict is what a scan of one identifier answers.
type Verdict struct {
	Item string `json:"item"`
	// Genuine: the serial was commissioned by the product's manufacturer.
	Genuine bool `json:"genuine"`
	// Suspect, if set, says why the scan is a suspected counterfeit or
	// diversion: unknown_product, unknown_serial, already_dispensed,
	// destroyed, missing.
	Suspect      string   `json:"suspect,omitempty"`
	GTIN         string   `json:"gtin,omitempty"`
	Product      *Product `json:"product,omitempty"`
	Lot          string   `json:"lot,omitempty"`
	Expiry       string   `json:"expiry,omitempty"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	// Status: active, in_transit, dispensed, transfused, recalled,
	// quarantined, expired, destroyed, missing, consumed.
	Status    string    `json:"status"`
	Custodian string    `json:"custodian,omitempty"`
	Container string    `json:"container,omitempty"`
	Contents  int       `json:"contents,omitempty"`
	Custody   []Custody `json:"custody,omitempty"`
	// ColdChain is "pass", "fail" (with the reason) or "none".
	ColdChain       string  `json:"cold_chain"`
	ColdChainReason string  `json:"cold_chain_reason,omitempty"`
	Recall          *Recall `json:"recall,omitempty"`
}

// Verify answers a scan of item (an ID as ParseID reads it) against r at
// block time now, with the custody chain the item travelled.
func (k *Keeper) Verify(r state.Reader, id string, now time.Time) Verdict {
	v, it := k.verdict(r, id, now)
	if !v.Genuine {
		return v
	}
	// The custody chain: the item's own and that of the containers it
	// travelled in, in height order.
	v.Custody = k.journey(r, it.ID, 0, 0)
	for p := it.Parent; p != ""; {
		pi, ok := items.Get(r, p)
		if !ok {
			break
		}
		v.Custody = mergeCustody(v.Custody, k.journey(r, p, 0, 0))
		p = pi.Parent
	}
	if len(v.Custody) == 0 || v.Custody[0].Event != "commissioned" {
		first := Custody{Org: v.Manufacturer, Event: "commissioned", Height: it.Created}
		if it.Kind == ItemContainer {
			first.Event = "packed"
		}
		v.Custody = append([]Custody{first}, v.Custody...)
	}
	return v
}

// verdict is Verify without the custody chain: what a scan decides (the
// state machine's report-scan needs no more), and the item it read.
func (k *Keeper) verdict(r state.Reader, id string, now time.Time) (Verdict, Item) {
	v := Verdict{Item: id, ColdChain: "none"}
	gtin, _, err := ParseID(id)
	if err != nil {
		v.Status, v.Suspect = "unknown", "unknown_serial"
		return v, Item{}
	}
	v.GTIN = gtin
	if gtin != "" {
		p, ok := products.Get(r, gtin)
		if !ok {
			v.Status, v.Suspect = "unknown", "unknown_product"
			return v, Item{}
		}
		v.Product, v.Manufacturer = &p, p.Manufacturer
	}
	it, ok := items.Get(r, id)
	if !ok {
		v.Status, v.Suspect = "unknown", "unknown_serial"
		return v, Item{}
	}
	v.Genuine, v.Lot, v.Contents = true, it.Lot, it.Children
	top := k.outermost(r, it)
	v.Custodian = top.Custodian
	if top.ID != it.ID {
		v.Container = top.ID
	}
	v.Status = it.Status
	if it.Status == StatusActive && top.Status != StatusActive {
		v.Status = top.Status
	}
	quarantine := it.Quarantine
	if quarantine == "" {
		quarantine = top.Quarantine
	}
	if quarantine != "" {
		v.ColdChain, v.ColdChainReason = "fail", quarantine
		if v.Status == StatusActive || v.Status == StatusInTransit {
			v.Status = StatusQuarantined
		}
	} else if top.Shipment != "" {
		if sh, ok := shipments.Get(r, top.Shipment); ok {
			v.ColdChain = sh.ColdChainVerdict()
		}
	} else if v.Product != nil && v.Product.ColdChain() {
		v.ColdChain = "pass"
	}
	if it.GTIN != "" {
		if lot, ok := lots.Get(r, it.GTIN+"/"+it.Lot); ok {
			v.Expiry, v.Recall = lot.Expiry, lot.Recall
			switch {
			case it.Status == StatusDispensed || it.Status == StatusDestroyed || it.Status == StatusConsumed || it.Status == StatusTransfused:
			case lot.Recall != nil:
				v.Status = "recalled"
			case lot.Expiry < now.UTC().Format(time.DateOnly) && v.Status == StatusActive:
				v.Status = "expired"
			}
		}
	}
	switch it.Status {
	case StatusDispensed, StatusTransfused:
		v.Suspect = "already_dispensed"
	case StatusDestroyed:
		v.Suspect = "destroyed"
	case StatusMissing:
		v.Suspect = "missing"
	}
	return v, it
}

// journey is an item's history with, before each time it was unpacked, the
// history of the container it came out of (up to height until; 0: all).
func (k *Keeper) journey(r state.Reader, id string, until int64, depth int) []Custody {
	var out []Custody
	for _, c := range k.History(r, id) {
		if until > 0 && c.Height > until {
			break
		}
		if c.Event == "unpacked" && c.From != "" && depth < 3 {
			out = mergeCustody(out, k.journey(r, c.From, c.Height, depth+1))
		}
		out = append(out, c)
	}
	return out
}

func mergeCustody(a, b []Custody) []Custody {
	out := make([]Custody, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || (i < len(a) && a[i].Height <= b[j].Height) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}
