package supply

import (
	"fmt"
	"reflect"
	"regexp"

	"github.com/medchain/medchain/internal/gs1"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Message types of EPCIS capture and locations.
const (
	TypeEvents      = "supply/events"
	TypeRegisterGLN = "supply/register-gln"
)

// Op is what one EPCIS event does to the ledger: at most one of the
// operations, or none for an event that is only anchored (an observation).
type Op struct {
	Commission *Commission `json:"commission,omitempty"`
	Pack       *Pack       `json:"pack,omitempty"`
	Unpack     *Unpack     `json:"unpack,omitempty"`
	Ship       *Ship       `json:"ship,omitempty"`
	Receive    *Receive    `json:"receive,omitempty"`
	Dispense   *Dispense   `json:"dispense,omitempty"`
	Destroy    *Destroy    `json:"destroy,omitempty"`
	// Transform is a TransformationEvent (its ID the transformationID).
	Transform *Transform `json:"transform,omitempty"`
}

// Event is an EPCIS event as the ledger takes it: its CBV event hash, its
// type and business step, and the operation it maps to. The API validates
// the EPCIS document against GS1's schema and maps it; the signer is who
// captured it.
type Event struct {
	Hash    string `json:"hash"`
	Type    string `json:"type"`
	BizStep string `json:"biz_step,omitempty"`
	Op      Op     `json:"op"`
}

// Events anchors and applies EPCIS events, in order; all or none.
type Events struct {
	Events []Event `json:"events"`
}

var eventHashPattern = regexp.MustCompile(`^ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0$`)

func (m *Events) Validate() error {
	if len(m.Events) == 0 || len(m.Events) > MaxEventsPerTx {
		return fmt.Errorf("events: 1 to %d per transaction", MaxEventsPerTx)
	}
	for i, e := range m.Events {
		if !eventHashPattern.MatchString(e.Hash) {
			return fmt.Errorf("events[%d]: hash %q is not a CBV 2.0 event hash (ni:///sha-256;<hex>?ver=CBV2.0)", i, e.Hash)
		}
		if e.Type == "" {
			return fmt.Errorf("events[%d]: type is required", i)
		}
		n := 0
		for _, set := range []bool{e.Op.Commission != nil, e.Op.Pack != nil, e.Op.Unpack != nil, e.Op.Ship != nil, e.Op.Receive != nil, e.Op.Dispense != nil, e.Op.Destroy != nil, e.Op.Transform != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return fmt.Errorf("events[%d]: an event maps to at most one operation", i)
		}
		// An operation is checked as its own message would be.
		for _, op := range []any{e.Op.Commission, e.Op.Pack, e.Op.Unpack, e.Op.Ship, e.Op.Receive, e.Op.Dispense, e.Op.Destroy, e.Op.Transform} {
			if v, ok := op.(ledger.Validator); ok && !reflect.ValueOf(op).IsNil() {
				if err := v.Validate(); err != nil {
					return fmt.Errorf("events[%d]: %w", i, err)
				}
			}
		}
	}
	return nil
}

func (k *Keeper) events(ctx *ledger.Context, m Events) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	var results []any
	for i, e := range m.Events {
		if events.Has(ctx.Store, e.Hash) {
			return nil, fmt.Errorf("%w: events[%d]: event %s is already on the ledger", ErrExists, i, e.Hash)
		}
		var (
			res any
			err error
		)
		switch op := e.Op; {
		case op.Commission != nil:
			res, err = k.commission(ctx, *op.Commission)
		case op.Pack != nil:
			res, err = k.pack(ctx, *op.Pack)
		case op.Unpack != nil:
			res, err = k.unpack(ctx, *op.Unpack)
		case op.Ship != nil:
			res, err = k.ship(ctx, *op.Ship)
		case op.Receive != nil:
			res, err = k.receive(ctx, *op.Receive)
		case op.Dispense != nil:
			res, err = k.dispense(ctx, *op.Dispense)
		case op.Destroy != nil:
			res, err = k.destroy(ctx, *op.Destroy)
		case op.Transform != nil:
			res, err = k.transform(ctx, *op.Transform)
		}
		if err != nil {
			return nil, fmt.Errorf("events[%d] (%s %s): %w", i, e.Type, e.BizStep, err)
		}
		events.Set(ctx.Store, e.Hash, EventAnchor{Hash: e.Hash, Type: e.Type, BizStep: e.BizStep, Signer: ctx.Signer.ID, Height: ctx.Height})
		ctx.Emit(EventEvent.New(e.Hash, e.Type, e.BizStep))
		results = append(results, res)
	}
	return map[string]any{"events": len(m.Events), "results": results}, nil
}

// RegisterGLN claims a GS1 Global Location Number for the signer's
// organisation, so that EPCIS events naming it as source or destination map
// to the organisation. Signed by an admin.
type RegisterGLN struct {
	GLN string `json:"gln"`
}

func (m *RegisterGLN) Validate() error {
	if err := gs1.ValidateAI("414", m.GLN); err != nil {
		return fmt.Errorf("gln: %w", err)
	}
	return nil
}

func (k *Keeper) registerGLN(ctx *ledger.Context, m RegisterGLN) (any, error) {
	if err := member(ctx); err != nil {
		return nil, err
	}
	if !ctx.Signer.HasRole(ledger.RoleAdmin) {
		return nil, fmt.Errorf("%w: an organisation's admin registers its locations", ErrUnauthorized)
	}
	if org, ok := glns.Get(ctx.Store, m.GLN); ok {
		return nil, fmt.Errorf("%w: GLN %s belongs to %s", ErrExists, m.GLN, org)
	}
	glns.Set(ctx.Store, m.GLN, ctx.Signer.Org)
	ctx.Emit(EventGLNRegistered.New(m.GLN, ctx.Signer.Org))
	return nil, nil
}

// OrgOfGLN finds the organisation that registered a GLN.
func (k *Keeper) OrgOfGLN(r state.Reader, gln string) (string, bool) { return glns.Get(r, gln) }
