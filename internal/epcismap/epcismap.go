// Package epcismap turns what the supply chain's standards say into what the
// ledger's supply module does: the events of a validated EPCIS 2.0 document
// into supply/events operations, each under its CBV event hash (item IDs
// are read with internal/itemid). It runs at the edge (API), against committed state: it looks up the
// organisation behind a destination GLN and the shipment a receiving event
// closes. The ledger re-checks everything when the events are applied.
package epcismap

import (
	"errors"
	"fmt"
	"strings"

	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/itemid"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/supply"
)

// Ledger is what the mapper reads of committed state.
type Ledger interface {
	OrgOfGLN(r state.Reader, gln string) (string, bool)
	Item(r state.Reader, id string) (supply.Item, bool)
}

// Mapped is a document's events as the ledger takes them, and a note per
// event that is only anchored (no state change).
type Mapped struct {
	Events []supply.Event `json:"events"`
	Notes  []string       `json:"notes,omitempty"`
}

// ErrUnmappable is an event medchain cannot apply; the message says which
// event and why.
var ErrUnmappable = errors.New("epcis: event cannot be applied")

// Map maps the events of doc, in order.
func Map(doc epcis.Document, r state.Reader, l Ledger) (Mapped, error) {
	var out Mapped
	for i, e := range doc.Events {
		ev, note, err := MapEvent(i, e, r, l)
		if err != nil {
			return Mapped{}, err
		}
		out.Events = append(out.Events, ev)
		if note != "" {
			out.Notes = append(out.Notes, note)
		}
	}
	return out, nil
}

// MapEvent maps event i of a document on its own: the operation, a note
// if it is only anchored, or an ErrUnmappable saying which event and why.
func MapEvent(i int, e epcis.Event, r state.Reader, l Ledger) (supply.Event, string, error) {
	ev, note, err := mapEvent(e, r, l)
	if err != nil {
		return supply.Event{}, "", fmt.Errorf("%w: event %d (%s %s %s): %v", ErrUnmappable, i, e.Type, e.Action, e.BizStep, err)
	}
	if note != "" {
		note = fmt.Sprintf("event %d (%s %s): %s", i, e.Type, e.BizStep, note)
	}
	return ev, note, nil
}

func items(ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, s := range ids {
		id, err := itemid.Read(s)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func mapEvent(e epcis.Event, r state.Reader, l Ledger) (supply.Event, string, error) {
	ev := supply.Event{Hash: e.Hash, Type: string(e.Type), BizStep: e.BizStep}
	if e.ErrorDeclaration != nil {
		return ev, "declared erroneous: anchored only", nil
	}
	switch e.Type {
	case "ObjectEvent":
		// An observation anchored only may name any identifier (a
		// returnable asset, an individual asset); an operation takes items.
		var ids []string
		switch {
		case e.Action == "ADD" && (e.BizStep == "commissioning" || e.BizStep == ""),
			e.Action == "OBSERVE" && (e.BizStep == "shipping" || e.BizStep == "receiving"),
			e.BizStep == "dispensing", e.BizStep == "destroying", e.Disposition == "destroyed":
			var err error
			if ids, err = items(e.EPCs); err != nil {
				return ev, "", err
			}
		}
		switch {
		case e.Action == "ADD" && (e.BizStep == "commissioning" || e.BizStep == ""):
			c, err := commission(e, ids)
			if err != nil {
				return ev, "", err
			}
			ev.Op.Commission = c
		case e.Action == "OBSERVE" && e.BizStep == "shipping":
			to, err := destination(e, r, l)
			if err != nil {
				return ev, "", err
			}
			ev.Op.Ship = &supply.Ship{To: to, Items: ids}
		case e.Action == "OBSERVE" && e.BizStep == "receiving":
			if len(ids) == 0 {
				return ev, "", errors.New("a receiving event lists what arrived in its epcList")
			}
			sh := ""
			for _, id := range ids {
				if it, ok := l.Item(r, id); ok && it.Shipment != "" {
					sh = it.Shipment
					break
				}
			}
			if sh == "" {
				return ev, "", fmt.Errorf("none of its items is in transit on the ledger")
			}
			ev.Op.Receive = &supply.Receive{Shipment: sh, Items: ids}
		case e.BizStep == "dispensing":
			ev.Op.Dispense = &supply.Dispense{Items: ids}
		case e.BizStep == "destroying" || e.Disposition == "destroyed":
			ev.Op.Destroy = &supply.Destroy{Items: ids, Reason: "epcis-destroying"}
		default:
			return ev, "observation: anchored only", nil
		}
	case "AggregationEvent":
		if (e.Action == "ADD" || e.Action == "DELETE") && len(e.ChildQuantities) > 0 {
			return ev, "", errClassLevelAggregation
		}
		if e.ParentID == "" {
			return ev, "", errors.New("an aggregation names its parentID")
		}
		parent, err := itemid.Read(e.ParentID)
		if err != nil {
			return ev, "", err
		}
		kids, err := items(e.ChildEPCs)
		if err != nil {
			return ev, "", err
		}
		switch e.Action {
		case "ADD":
			ev.Op.Pack = &supply.Pack{Parent: parent, Children: kids}
		case "DELETE":
			ev.Op.Unpack = &supply.Unpack{Parent: parent, Children: kids}
		default:
			return ev, "observation of an aggregation: anchored only", nil
		}
	case "TransformationEvent":
		in, err := items(e.InputEPCs)
		if err != nil {
			return ev, "", err
		}
		t := &supply.Transform{ID: e.TransformationID, Inputs: in}
		if len(e.OutputEPCs) > 0 {
			outIDs, err := items(e.OutputEPCs)
			if err != nil {
				return ev, "", err
			}
			c, err := commission(e, outIDs)
			if err != nil {
				return ev, "", fmt.Errorf("outputs: %w", err)
			}
			t.Outputs = []supply.Output{{GTIN: c.GTIN, Lot: c.Lot, Expiry: c.Expiry, Serials: c.Serials}}
		}
		if len(t.Inputs) == 0 && len(t.Outputs) == 0 {
			return ev, "transformation of quantities only: anchored only", nil
		}
		ev.Op.Transform = t
	default:
		return ev, "anchored only", nil
	}
	return ev, "", nil
}

// errClassLevelAggregation refuses an AggregationEvent that packs or
// unpacks by quantity: the ledger tracks each item in a container, and a
// childQuantityList says only how much of a class, not which items (a
// DELETE would otherwise unpack the whole container).
var errClassLevelAggregation = errors.New("class-level aggregation by quantity (childQuantityList) is not tracked per item on this ledger: " +
	"list the serialised units (SGTINs) or logistic units (SSCCs) packed into, or taken out of, the parentID in childEPCs instead, " +
	"or send the event with action OBSERVE to have it anchored only")

// commission builds a commissioning of serialised units of one GTIN with
// the event's ILMD lot and expiry.
func commission(e epcis.Event, ids []string) (*supply.Commission, error) {
	if len(ids) == 0 {
		return nil, errors.New("commissioning lists the serialised units in its epcList")
	}
	c := &supply.Commission{Lot: e.Lot, Expiry: e.Expiry}
	for _, id := range ids {
		g, sn, err := supply.ParseID(id)
		if err != nil || g == "" {
			return nil, fmt.Errorf("%s is not a serialised unit", id)
		}
		if c.GTIN == "" {
			c.GTIN = g
		} else if g != c.GTIN {
			return nil, fmt.Errorf("units of two products (%s, %s): send one commissioning event per GTIN", c.GTIN, g)
		}
		c.Serials.List = append(c.Serials.List, sn)
	}
	if c.Lot == "" || c.Expiry == "" {
		return nil, errors.New("commissioning needs the lot and expiry in its ilmd (cbvmda:lotNumber, cbvmda:itemExpirationDate)")
	}
	return c, nil
}

// destination finds the organisation a shipping event goes to, by the GLN
// of its destination (owning party first, then possessing party, then
// location), as registered with supply/register-gln.
func destination(e epcis.Event, r state.Reader, l Ledger) (string, error) {
	for _, typ := range []string{"owning_party", "possessing_party", "location"} {
		for _, p := range e.DestinationList {
			if p.Type != typ {
				continue
			}
			gln, err := glnOf(p.ID)
			if err != nil {
				return "", fmt.Errorf("destination %s: %v", p.ID, err)
			}
			if org, ok := l.OrgOfGLN(r, gln); ok {
				return org, nil
			}
			return "", fmt.Errorf("destination GLN %s is registered by no organisation (supply/register-gln)", gln)
		}
	}
	return "", errors.New("a shipping event names its destination (destinationList owning_party, possessing_party or location)")
}

func glnOf(id string) (string, error) {
	if strings.HasPrefix(strings.ToLower(id), "urn:epc:") {
		x, err := gs1.ParseEPC(id)
		if err != nil {
			return "", err
		}
		if x.GLN == "" {
			return "", errors.New("not a GLN")
		}
		return x.GLN, nil
	}
	e, err := gs1.Parse(id)
	if err != nil {
		return "", err
	}
	if g, ok := e.Get("414"); ok {
		return g, nil
	}
	if g, ok := e.Get("417"); ok {
		return g, nil
	}
	return "", errors.New("not a GLN")
}
