package supply

// Transformations are EPCIS TransformationEvents: inputs, units the signer's
// organisation holds, are consumed; outputs, new units of products the
// signer's organisation makes, are commissioned. A transformation has an ID
// (the EPCIS transformationID: chosen by the client, or derived from the
// transaction hash) so that inputs and outputs recorded in separate messages
// belong together, and so that both directions can be queried:
// ItemTransformations gives what made an item's lot and what consumed the
// item; TransformationInputs and Transformation.Outputs give the other side.
//
// Rules that keep the graph exact and small:
//   - an output lot is new: a lot has one origin, so lot → transformation is
//     exact (a continuation of the same transformation may add units to a
//     lot it made);
//   - inputs are closed once outputs are recorded: what came out does not
//     depend on what went in later;
//   - only the organisation that started a transformation continues it, and
//     only with the same kind of message.
//
// Plasma pooling and fractionation are transformations of kind "pool" (see
// blood.go); supply/transform cannot continue them.

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// TypeTransform is the generic transformation message.
const TypeTransform = "supply/transform"

// Transformation kinds.
const (
	TransformGeneric = "transform"
	TransformPool    = "pool" // plasma pooling, then fractionation
)

// MaxOutputLots bounds the output lots of one message.
const MaxOutputLots = 20

// Transformation is the record of a transformation.
type Transformation struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Org  string `json:"org"`
	By   string `json:"by"`
	// Inputs is the number of items consumed; TransformationInputs lists them.
	Inputs  int      `json:"inputs"`
	Outputs []LotRef `json:"outputs,omitempty"`
	Height  int64    `json:"height"`
	Time    int64    `json:"time"`
	Updated int64    `json:"updated"`
}

// LotRef is an output lot and the units made in it.
type LotRef struct {
	GTIN  string `json:"gtin"`
	Lot   string `json:"lot"`
	Units int64  `json:"units"`
}

// Output is an output lot to commission: as in supply/commission.
type Output struct {
	GTIN    string  `json:"gtin"`
	Lot     string  `json:"lot"`
	Expiry  string  `json:"expiry"`
	Serials Serials `json:"serials"`
}

// Transform consumes inputs and commissions outputs.
//
//	{"id": "urn:epc:id:gdti:0614141.00001.1", "inputs": ["01/…/21/…"],
//	 "outputs": [{"gtin": "…", "lot": "…", "expiry": "2027-01-31", "serials": {…}}]}
type Transform struct {
	// ID is the transformation ID: optional for a new transformation
	// ("tf-" + the transaction hash), required to continue one.
	ID      string   `json:"id,omitempty"`
	Inputs  []string `json:"inputs,omitempty"`
	Outputs []Output `json:"outputs,omitempty"`
}

func (m *Transform) Validate() error {
	if m.ID != "" && !transformIDPattern.MatchString(m.ID) {
		return fmt.Errorf("id %q: 1-100 letters, digits and . _ : - (no /)", m.ID)
	}
	if len(m.Inputs) == 0 && len(m.Outputs) == 0 {
		return errors.New("give inputs, outputs or both")
	}
	if len(m.Inputs) > 0 {
		if err := validItems("inputs", m.Inputs); err != nil {
			return err
		}
	}
	return validOutputs(m.Outputs, false)
}

// transformIDPattern: IDs have no '/', so that index walks keyed by item or
// lot (which may contain '/') can tell a transformation ID from the rest of
// a longer key.
var transformIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)

func validOutputs(outs []Output, required bool) error {
	if required && len(outs) == 0 {
		return errors.New("outputs: at least one lot")
	}
	if len(outs) > MaxOutputLots {
		return fmt.Errorf("outputs: at most %d lots", MaxOutputLots)
	}
	total := 0
	seen := map[string]bool{}
	for i, o := range outs {
		c := Commission(o)
		if err := c.Validate(); err != nil {
			return fmt.Errorf("outputs[%d]: %w", i, err)
		}
		if seen[o.GTIN+"/"+o.Lot] {
			return fmt.Errorf("outputs[%d]: lot %s of %s given twice", i, o.Lot, o.GTIN)
		}
		seen[o.GTIN+"/"+o.Lot] = true
		total += len(o.Serials.Expand())
	}
	if total > MaxCommission {
		return fmt.Errorf("outputs: at most %d units per transaction", MaxCommission)
	}
	return nil
}

// State of transformations.
var (
	transformations = state.NewMap[Transformation](Name, "sup/tf/").Public()
	tfInputs        = state.NewIndex(Name, "sup/tfx/").Public() // transformation/item: what went in
	tfConsumedBy    = state.NewIndex(Name, "sup/tfi/").Public() // item/transformation: what consumed an item
	tfMadeLot       = state.NewIndex(Name, "sup/tfo/").Public() // gtin/lot/transformation: what made a lot
)

func (k *Keeper) transform(ctx *ledger.Context, m Transform) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	tf, err := k.openTransformation(ctx, m.ID, TransformGeneric, true)
	if err != nil {
		return nil, err
	}
	tf, err = k.applyTransform(ctx, tf, m.Inputs, m.Outputs, nil, nil)
	if err != nil {
		return nil, err
	}
	return tf, nil
}

// openTransformation loads the transformation id of the signer's
// organisation, or starts one if create is set and it does not exist.
func (k *Keeper) openTransformation(ctx *ledger.Context, id, kind string, create bool) (Transformation, error) {
	if id == "" {
		id = ledger.IDFrom("tf-", ctx.TxHash)
	}
	tf, ok := transformations.Get(ctx.Store, id)
	switch {
	case !ok && !create:
		return tf, fmt.Errorf("%w: transformation %q", ErrNotFound, id)
	case !ok:
		return Transformation{ID: id, Kind: kind, Org: ctx.Signer.Org, By: ctx.Signer.ID, Height: ctx.Height, Time: ctx.Time.Unix()}, nil
	case tf.Org != ctx.Signer.Org:
		return tf, fmt.Errorf("%w: transformation %s is %s's", ErrUnauthorized, id, tf.Org)
	case tf.Kind != kind:
		return tf, fmt.Errorf("%w: transformation %s is a %s, not a %s", ErrState, id, tf.Kind, kind)
	}
	return tf, nil
}

// applyTransform consumes inputs and commissions outputs for tf and saves
// it. checkInput and checkProduct, if set, add the caller's rules.
func (k *Keeper) applyTransform(ctx *ledger.Context, tf Transformation, inputs []string, outputs []Output,
	checkInput func(Item) error, checkProduct func(Product) error) (Transformation, error) {
	if len(inputs) > 0 && len(tf.Outputs) > 0 {
		return tf, fmt.Errorf("%w: transformation %s has outputs: its inputs are closed", ErrState, tf.ID)
	}
	for i, id := range inputs {
		it, err := k.held(ctx, id)
		if err != nil {
			return tf, err
		}
		if it.Kind != ItemUnit {
			return tf, fmt.Errorf("%w: %s is a container: unpack it and transform its units", ErrState, id)
		}
		if checkInput != nil {
			if err := checkInput(it); err != nil {
				return tf, err
			}
		}
		if err := k.bloodHold(ctx.Store, it); err != nil {
			return tf, err
		}
		if it.Status == StatusQuarantined {
			return tf, fmt.Errorf("%w: %s (%s)", ErrQuarantined, id, it.Quarantine)
		}
		if k.recalled(ctx.Store, it) {
			return tf, fmt.Errorf("%w: %s is of lot %s", ErrRecalled, id, it.Lot)
		}
		it.Status, it.Updated = StatusConsumed, ctx.Height
		items.Set(ctx.Store, id, it)
		k.addCustody(ctx, id, ctx.Signer.Org, "consumed", "", i)
		tfInputs.Add(ctx.Store, tf.ID, id)
		tfConsumedBy.Add(ctx.Store, id, tf.ID)
		tf.Inputs++
	}
	units := 0
	for _, o := range outputs {
		p, ok := products.Get(ctx.Store, o.GTIN)
		if !ok {
			return tf, fmt.Errorf("%w: product %s is not registered", ErrNotFound, o.GTIN)
		}
		if p.Manufacturer != ctx.Signer.Org {
			return tf, fmt.Errorf("%w: %s makes product %s, not %s", ErrUnauthorized, p.Manufacturer, o.GTIN, ctx.Signer.Org)
		}
		if checkProduct != nil {
			if err := checkProduct(p); err != nil {
				return tf, err
			}
		}
		if lots.Has(ctx.Store, o.GTIN+"/"+o.Lot) && !tfMadeLot.Has(ctx.Store, o.GTIN, o.Lot, tf.ID) {
			return tf, fmt.Errorf("%w: lot %s of %s exists: a transformation's output lot is new", ErrExists, o.Lot, o.GTIN)
		}
		serials := o.Serials.Expand()
		if err := k.makeUnits(ctx, p, o.Lot, o.Expiry, serials, ""); err != nil {
			return tf, err
		}
		tfMadeLot.Add(ctx.Store, o.GTIN, o.Lot, tf.ID)
		if p.Kind == KindBloodComponent {
			k.splitComponents(ctx, tf.ID, o.Lot, p.GTIN, serials)
		}
		tf.Outputs = addLotRef(tf.Outputs, o.GTIN, o.Lot, int64(len(serials)))
		units += len(serials)
	}
	tf.Updated = ctx.Height
	transformations.Set(ctx.Store, tf.ID, tf)
	ctx.Emit(EventTransformed.New(tf.ID, tf.Kind, tf.Org, strconv.Itoa(len(inputs)), strconv.Itoa(units)))
	return tf, nil
}

func addLotRef(refs []LotRef, gtin, lot string, n int64) []LotRef {
	for i := range refs {
		if refs[i].GTIN == gtin && refs[i].Lot == lot {
			refs[i].Units += n
			return refs
		}
	}
	return append(refs, LotRef{GTIN: gtin, Lot: lot, Units: n})
}

// makeUnits commissions units of a lot of p (created if new) as
// supply/commission does; quarantine, if set, holds them at once.
func (k *Keeper) makeUnits(ctx *ledger.Context, p Product, lotID, expiry string, serials []string, quarantine string) error {
	// An expired lot is not made: what a scan or a dispense would refuse
	// the next moment has no business on the ledger (ISO dates compare as
	// strings; the block's date is UTC).
	if today := ledger.Day(ctx.Time); expiry < today {
		return fmt.Errorf("%w: expiry %s of lot %s is before the block's date %s", ErrExpiredLot, expiry, lotID, today)
	}
	lk := p.GTIN + "/" + lotID
	lot, ok := lots.Get(ctx.Store, lk)
	switch {
	case !ok:
		lot = Lot{GTIN: p.GTIN, Lot: lotID, Expiry: expiry, Manufacturer: p.Manufacturer, Height: ctx.Height}
	case lot.Expiry != expiry:
		return fmt.Errorf("%w: lot %s expires %s, not %s", ledger.ErrInvalidMsg, lotID, lot.Expiry, expiry)
	case lot.Recall != nil:
		return fmt.Errorf("%w: lot %s", ErrRecalled, lotID)
	}
	status := StatusActive
	if quarantine != "" {
		status = StatusQuarantined
	}
	for _, sn := range serials {
		id := UnitID(p.GTIN, sn)
		if items.Has(ctx.Store, id) {
			return fmt.Errorf("%w: unit %s is already commissioned", ErrExists, id)
		}
		items.Set(ctx.Store, id, Item{ID: id, GTIN: p.GTIN, Serial: sn, Lot: lotID, Kind: ItemUnit,
			Status: status, Custodian: p.Manufacturer, Quarantine: quarantine, Created: ctx.Height, Updated: ctx.Height})
		lotItems.Add(ctx.Store, p.GTIN, lotID, id)
	}
	lot.Units += int64(len(serials))
	lots.Set(ctx.Store, lk, lot)
	return nil
}

// --- queries ---

// Transformation reads a transformation.
func (k *Keeper) Transformation(r state.Reader, id string) (Transformation, bool) {
	return transformations.Get(r, id)
}

// TransformationInputs lists the items a transformation consumed, in ID order.
func (k *Keeper) TransformationInputs(r state.Reader, id string, limit int) []string {
	var out []string
	tfInputs.Walk(r, func(item string) bool {
		out = append(out, item)
		return len(out) < limit
	}, id)
	return out
}

// ItemTransformations returns the transformations that made an item's lot
// and those that consumed the item.
func (k *Keeper) ItemTransformations(r state.Reader, id string) (madeBy, consumedBy []Transformation) {
	if it, ok := items.Get(r, id); ok && it.GTIN != "" {
		madeBy = k.lotTransformations(r, it.GTIN, it.Lot)
	}
	tfConsumedBy.Walk(r, func(tf string) bool {
		if t, ok := transformations.Get(r, tf); ok {
			consumedBy = append(consumedBy, t)
		}
		return true
	}, id)
	return madeBy, consumedBy
}

// lotTransformations lists the transformations that made a lot (at most
// one, by the rules above).
func (k *Keeper) lotTransformations(r state.Reader, gtin, lot string) []Transformation {
	var out []Transformation
	tfMadeLot.Walk(r, func(tf string) bool {
		if t, ok := transformations.Get(r, tf); ok {
			out = append(out, t)
		}
		return true
	}, gtin, lot)
	return out
}

// splitComponents makes blood components of a donation's components (a
// split, an irradiated unit: lot = the DIN) components of the donation too,
// so that they are held by its tests, transfused and found by lookback.
func (k *Keeper) splitComponents(ctx *ledger.Context, tfID, din, gtin string, serials []string) {
	d, ok := donations.Get(ctx.Store, din)
	if !ok {
		return
	}
	fromDonation := false
	tfInputs.Walk(ctx.Store, func(id string) bool {
		fromDonation = donationComponents.Has(ctx.Store, din, id)
		return !fromDonation
	}, tfID)
	if !fromDonation {
		return
	}
	for _, sn := range serials {
		donationComponents.Add(ctx.Store, din, UnitID(gtin, sn))
	}
	d.Components += len(serials)
	donations.Set(ctx.Store, din, d)
}
