package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ScanResult is the answer to a scan: the verdict on the code scanned and,
// for a suspect scan, the alert the node recorded on the ledger.
type ScanResult struct {
	// Code is what was scanned, as sent.
	Code string `json:"code"`
	Verdict
	// Alert is the ID of the alert this scan recorded, or of the one already
	// recorded for the same code and reason within a day (suspect scans
	// only).
	Alert string `json:"alert,omitempty"`
	// AlertError says why a suspect scan could not be recorded.
	AlertError string `json:"alert_error,omitempty"`
}

// ItemInfo is an item with its custody history and, for a container, what
// is packed in it.
type ItemInfo struct {
	Item
	History  []Custody `json:"history"`
	Contents []string  `json:"contents,omitempty"`
}

// ShipmentInfo is a shipment with its cold-chain verdict: "pass", "fail"
// or "none" (no cold-chain products, or no readings).
type ShipmentInfo struct {
	Shipment
	ColdChain string `json:"cold_chain"`
}

// EPCISMapping is what an EPCIS document maps to: supply/events messages
// (at most 100 events each) for the capturing member to sign, and a note
// per event that is only anchored.
type EPCISMapping struct {
	Type  string         `json:"type"`
	Msgs  []SupplyEvents `json:"msgs"`
	Notes []string       `json:"notes,omitempty"`
}

// Events counts the events of every message.
func (m *EPCISMapping) Events() int {
	n := 0
	for _, msg := range m.Msgs {
		n += len(msg.Events)
	}
	return n
}

// EPCISImport is what ImportEPCIS did.
type EPCISImport struct {
	// Events are the CBV event hashes now on the ledger, in document order.
	Events []string `json:"events"`
	// Txs are the supply/events transactions, one per message.
	Txs []*TxResult `json:"txs"`
	// Shipments are the shipments the document's shipping events created,
	// and Transformations the transformations its TransformationEvents
	// made or continued, in document order.
	Shipments       []string `json:"shipments,omitempty"`
	Transformations []string `json:"transformations,omitempty"`
	Notes           []string `json:"notes,omitempty"`
}

// Verify answers a scan of code (any form ItemID reads; the node parses
// it) at location (the GLN where it was scanned, 13 digits with their check
// digit; may be empty; free text is refused with api.invalid_parameter).
// It needs no key: scans are public. A suspect scan (unknown serial or
// product, a pack already dispensed or destroyed, missing) comes back with
// Suspect set, and the node records it as an alert for the manufacturer:
// one per code and reason a day, so a scan of a code already reported
// answers that alert's ID.
func (c *Client) Verify(ctx context.Context, code, location string) (*ScanResult, error) {
	q := url.Values{"code": {code}}
	if location != "" {
		q.Set("location", location)
	}
	return fetch[ScanResult](ctx, c, "/v1/supply/verify", q)
}

// MapEPCIS has the node validate an EPCIS 2.0 JSON document against GS1's
// schema, compute each event's CBV hash and map the events to the
// supply/events messages to sign. Nothing is written. A document that does
// not validate or does not map is an *Error with code
// supply.invalid_document naming the event.
func (c *Client) MapEPCIS(ctx context.Context, doc []byte) (*EPCISMapping, error) {
	var m EPCISMapping
	if _, err := c.do(ctx, http.MethodPost, "/v1/supply/epcis", nil, doc, "application/json", &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ImportEPCIS maps an EPCIS 2.0 document (MapEPCIS), then signs and sends
// each message, waiting for each to commit. Each message is applied all or
// nothing; on an error the result holds what was committed before it.
// progress, if not nil, is called with the number of events committed so
// far and the total.
func (c *Client) ImportEPCIS(ctx context.Context, s *Signer, doc []byte, progress func(done, total int)) (*EPCISImport, error) {
	m, err := c.MapEPCIS(ctx, doc)
	if err != nil {
		return nil, err
	}
	if m.Type != TypeSupplyEvents {
		return nil, fmt.Errorf("client: the node mapped the EPCIS document to %q messages; this SDK sends %q", m.Type, TypeSupplyEvents)
	}
	total, done := m.Events(), 0
	out := &EPCISImport{Notes: m.Notes, Events: []string{}, Txs: []*TxResult{}}
	if progress != nil {
		progress(0, total)
	}
	for i, msg := range m.Msgs {
		res, err := c.Send(ctx, s, msg)
		if err != nil {
			return out, fmt.Errorf("%d of %d events on the ledger; message %d of %d: %w", done, total, i+1, len(m.Msgs), err)
		}
		out.Txs = append(out.Txs, res)
		var r struct {
			Results []json.RawMessage `json:"results"`
		}
		json.Unmarshal(res.Result, &r)
		for j, e := range msg.Events {
			out.Events = append(out.Events, e.Hash)
			var made Created
			if j >= len(r.Results) || json.Unmarshal(r.Results[j], &made) != nil || made.ID == "" {
				continue
			}
			switch {
			case e.Op.Ship != nil:
				out.Shipments = append(out.Shipments, made.ID)
			case e.Op.Transform != nil:
				out.Transformations = append(out.Transformations, made.ID)
			}
		}
		done += len(msg.Events)
		if progress != nil {
			progress(done, total)
		}
	}
	return out, nil
}

// itemPath escapes an item ID segment by segment: IDs hold slashes.
func itemPath(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// Product reads a registered product by GTIN.
func (c *Client) Product(ctx context.Context, gtin string) (*Product, error) {
	return fetch[Product](ctx, c, "/v1/supply/products/"+url.PathEscape(gtin), nil)
}

// Lot reads a lot of a product, with its recall if any.
func (c *Client) Lot(ctx context.Context, gtin, lot string) (*Lot, error) {
	return fetch[Lot](ctx, c, "/v1/supply/lots/"+url.PathEscape(gtin)+"/"+url.PathEscape(lot), nil)
}

// LotHolders lists who holds units of a lot now (units still active,
// quarantined or in transit), by organisation: whom a recall must reach.
func (c *Client) LotHolders(ctx context.Context, gtin, lot string) (*Page[Holder], error) {
	return fetch[Page[Holder]](ctx, c, "/v1/supply/lots/"+url.PathEscape(gtin)+"/"+url.PathEscape(lot)+"/holders", nil)
}

// TraceLot walks a lot back through the transformations that made it to
// the donations it was made of, with their tests. Donors and tests are
// shown only to members (As or WithToken); anyone else gets the donations
// without them.
func (c *Client) TraceLot(ctx context.Context, gtin, lot string) (*LotTrace, error) {
	return fetch[LotTrace](ctx, c, "/v1/supply/lots/"+url.PathEscape(gtin)+"/"+url.PathEscape(lot)+"/trace", nil)
}

// Item reads an item (an item ID, or any form ItemID reads), its custody
// history and contents.
func (c *Client) Item(ctx context.Context, id string) (*ItemInfo, error) {
	return fetch[ItemInfo](ctx, c, "/v1/supply/items/"+itemPath(id), nil)
}

// Shipment reads a shipment and its cold-chain verdict.
func (c *Client) Shipment(ctx context.Context, id string) (*ShipmentInfo, error) {
	return fetch[ShipmentInfo](ctx, c, "/v1/supply/shipments/"+url.PathEscape(id), nil)
}

// Alerts lists the alerts (suspect scans) of a manufacturer's products;
// manufacturer "" lists those of unknown products.
func (c *Client) Alerts(ctx context.Context, manufacturer string) (*Page[Alert], error) {
	return fetch[Page[Alert]](ctx, c, "/v1/supply/alerts", url.Values{"manufacturer": {manufacturer}})
}

// SupplyEvent reads an EPCIS event anchored on the ledger by its CBV 2.0
// event hash (ni:///sha-256;…?ver=CBV2.0).
func (c *Client) SupplyEvent(ctx context.Context, hash string) (*EventAnchor, error) {
	return fetch[EventAnchor](ctx, c, "/v1/supply/events", url.Values{"hash": {hash}})
}

// Donation reads a blood or plasma donation by its ISBT 128 DIN. Private:
// members of the network's organisations (As or WithToken).
func (c *Client) Donation(ctx context.Context, din string) (*DonationInfo, error) {
	return fetch[DonationInfo](ctx, c, "/v1/supply/donations/"+url.PathEscape(din), nil)
}

// DonationInfo is a donation and the components made of it (its own
// Components is their count).
type DonationInfo struct {
	Donation
	ComponentItems []Item `json:"component_items"`
}

// DonorLookback lists every component of every donation of a donor (the
// blood centre's pseudonym), transfused ones with their recipient.
// Private: members of the centre that took the donations (As or
// WithToken), who see those only.
func (c *Client) DonorLookback(ctx context.Context, donor string) (*Page[Trace], error) {
	return fetch[Page[Trace]](ctx, c, "/v1/supply/lookback/donors/"+url.PathEscape(donor), nil)
}

// RecipientLookback lists every component transfused to a patient, with
// its donation, donor pseudonym and the donation's tests. Private: the
// patient and their delegates, or members of the organisations that
// transfused the components or took their donations (As or WithToken).
func (c *Client) RecipientLookback(ctx context.Context, patient string) (*Page[Trace], error) {
	return fetch[Page[Trace]](ctx, c, "/v1/supply/lookback/recipients/"+url.PathEscape(patient), nil)
}

// TransformationInfo is a transformation and the items it consumed (its
// own Inputs is their count).
type TransformationInfo struct {
	Transformation
	InputItems []string `json:"input_items"`
}

// Transformation reads a transformation (a plasma pool, say).
func (c *Client) Transformation(ctx context.Context, id string) (*TransformationInfo, error) {
	return fetch[TransformationInfo](ctx, c, "/v1/supply/transformations/"+url.PathEscape(id), nil)
}

// DemandInfo is a PPE demand and the pledges against it.
type DemandInfo struct {
	Demand
	Pledges []Pledge `json:"pledges"`
}

// Demand reads a PPE demand.
func (c *Client) Demand(ctx context.Context, id string) (*DemandInfo, error) {
	return fetch[DemandInfo](ctx, c, "/v1/supply/demands/"+url.PathEscape(id), nil)
}

// Demands lists the open demands for an item (a GTIN or a PPE category;
// "" for every item) in a region ("" for every region).
func (c *Client) Demands(ctx context.Context, item, region string) (*Page[Demand], error) {
	return fetch[Page[Demand]](ctx, c, "/v1/supply/demands", filterQuery(item, region))
}

// Shortages reports PPE demand, pledges and deliveries per item and region;
// item and region filter ("" matches all).
func (c *Client) Shortages(ctx context.Context, item, region string) (*Page[Shortage], error) {
	return fetch[Page[Shortage]](ctx, c, "/v1/supply/shortages", filterQuery(item, region))
}

func filterQuery(item, region string) url.Values {
	q := url.Values{}
	if item != "" {
		q.Set("item", item)
	}
	if region != "" {
		q.Set("region", region)
	}
	return q
}
