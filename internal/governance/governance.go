// Package governance is the module by which the consortium governs itself:
// which organisations are members, what kind each is, which validators run
// consensus with what power, and any other change that needs a quorum of
// members (rule sets of other modules plug in as proposal actions).
//
// A proposal passes when more than two thirds of the active member
// organisations approve it before its deadline height; it is rejected as soon
// as that can no longer happen, and expires at its deadline otherwise.
// Governance imports no other module: it reaches identity through the
// Members interface and lets other modules register Executors.
package governance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// Name is the module's name and error codespace.
const Name = "governance"

// Errors. Each has a stable code in the module's table (Codes).
var (
	ErrUnauthorized = errors.New("governance: not allowed")
	ErrNotFound     = errors.New("governance: not found")
	ErrExists       = errors.New("governance: already exists")
	ErrClosed       = errors.New("governance: proposal is not open")
	ErrDeadline     = errors.New("governance: deadline out of range")
	ErrAlreadyVoted = errors.New("governance: organisation already voted")
	ErrInvalid      = errors.New("governance: invalid proposal")
	// ErrWouldHalt: after the change, the validators that signed the last
	// block would hold two thirds of the voting power or less, and the
	// chain would stop making blocks until the others' nodes run.
	ErrWouldHalt = errors.New("governance: the change would halt the chain")
)

// Organisation status.
const (
	OrgActive  = "active"
	OrgRemoved = "removed"
)

// Validator is a consensus key and its voting power.
type Validator struct {
	PublicKey tx.PubKey `json:"public_key"`
	Power     int64     `json:"power"`
	// Pending: a key admitted to the set whose node has not yet shown that
	// it runs (governance/validator-ready, signed with the key, which the
	// node sends once it has caught up). Its power counts from the end of
	// that block; until then it is not in the set, so a typo in a key or a
	// node that never starts cannot halt the chain.
	Pending bool `json:"pending,omitempty"`
}

// Org is a member organisation of the consortium.
type Org struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Kind      ledger.OrgKind `json:"kind"`
	Status    string         `json:"status"`
	Joined    int64          `json:"joined"`
	Removed   int64          `json:"removed,omitempty"`
	Validator *Validator     `json:"validator,omitempty"`
	// Misbehaviour lists the evidence of its validators' misbehaviour the
	// chain committed, oldest first: each took the validator out of the set.
	Misbehaviour []Offence `json:"misbehaviour,omitempty"`
}

// Offence is committed evidence that a validator misbehaved.
type Offence struct {
	// Type is "duplicate-vote" (it signed two blocks at one height) or
	// "light-client-attack".
	Type string `json:"type"`
	// PublicKey is the validator key that misbehaved.
	PublicKey tx.PubKey `json:"public_key"`
	// Height is when it misbehaved; Committed, the block that recorded the
	// evidence and took the key out of the set.
	Height    int64 `json:"height"`
	Committed int64 `json:"committed"`
}

// Params are governance's parameters, set at genesis.
type Params struct {
	// VotingPeriod is the default number of blocks a proposal stays open.
	VotingPeriod int64 `json:"voting_period"`
	// MaxVotingPeriod bounds a proposal's requested deadline.
	MaxVotingPeriod int64 `json:"max_voting_period"`
}

// DefaultParams: about a day at one block a second, and at most thirty.
func DefaultParams() Params { return Params{VotingPeriod: 86_400, MaxVotingPeriod: 30 * 86_400} }

var (
	orgs      = state.NewMap[Org](Name, "gov/o/").Public()
	proposals = state.NewMap[Proposal](Name, "gov/p/").Public()
	deadlines = state.NewIndex(Name, "gov/d/").Public() // deadline(20 digits)/proposal id
	params    = state.NewMap[Params](Name, "gov/params").Public()
	counters  = state.NewMap[uint64](Name, "gov/seq/").Public()
	valKeys   = state.NewMap[string](Name, "gov/v/").Public() // validator key hex -> org
	// Validator changes of the block being executed, by key hex. They live
	// in state, not in memory, so that a failed transaction discards its own
	// and a mempool check never sees a block's; the chain takes them at the
	// end of each block.
	pendingVals = state.NewMap[Validator](Name, "gov/vu/").Public()
)

// Members is what governance needs of the identity module: creating the
// first admin of a newly admitted organisation, and checking beforehand
// (when the admission is proposed) that it could be created.
type Members interface {
	AddAdmin(s state.Store, height int64, org, handle string, key tx.PubKey) error
	CheckAdmin(r state.Reader, org, handle string, key tx.PubKey) error
}

// Executor carries out a proposal action of another module once it passes.
// Validate runs when the proposal is made, Execute when it passes; Execute's
// writes are discarded if it fails, and the proposal is marked failed.
type Executor interface {
	Validate(ctx *ledger.Context, payload json.RawMessage) error
	Execute(ctx *ledger.Context, payload json.RawMessage) error
}

// Keeper is the governance module.
type Keeper struct {
	members   Members
	executors map[string]Executor
}

// New returns the module.
func New(members Members) *Keeper {
	return &Keeper{members: members, executors: map[string]Executor{}}
}

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

// RegisterExecutor lets another module's action be decided by proposal.
// actionType must be of the form "module/action".
func (k *Keeper) RegisterExecutor(actionType string, e Executor) {
	if _, dup := k.executors[actionType]; dup || isBuiltin(actionType) {
		panic("governance: executor registered twice: " + actionType)
	}
	k.executors[actionType] = e
}

var orgIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidOrgID checks an organisation ID.
func ValidOrgID(id string) error {
	if !orgIDPattern.MatchString(id) {
		return fmt.Errorf("organisation id %q must be 2-63 characters of a-z, 0-9 and '-'", id)
	}
	return nil
}

// OrgActive implements identity.Orgs.
func (k *Keeper) OrgActive(r state.Reader, id string) bool {
	o, ok := orgs.Get(r, id)
	return ok && o.Status == OrgActive
}

// Org reads an organisation.
func (k *Keeper) Org(r state.Reader, id string) (Org, bool) { return orgs.Get(r, id) }

// Orgs lists organisations, paged by ID.
func (k *Keeper) Orgs(r state.Reader, after string, limit int) ([]Org, string) {
	return orgs.Page(r, "", after, limit)
}

// Proposal reads a proposal by number.
func (k *Keeper) Proposal(r state.Reader, id uint64) (Proposal, bool) {
	return proposals.Get(r, proposalKey(id))
}

// Proposals lists proposals, newest first is left to clients: paged by ID.
func (k *Keeper) Proposals(r state.Reader, after uint64, limit int) ([]Proposal, uint64) {
	a := ""
	if after > 0 {
		a = proposalKey(after)
	}
	items, next := proposals.Page(r, "", a, limit)
	var n uint64
	if next != "" {
		n, _ = strconv.ParseUint(next, 10, 64)
	}
	return items, n
}

// Params reads the parameters.
func (k *Keeper) Params(r state.Reader) Params {
	if p, ok := params.Get(r, ""); ok {
		return p
	}
	return DefaultParams()
}

func activeOrgIDs(r state.Reader) []string {
	var ids []string
	orgs.Walk(r, "", func(id string, o Org) bool {
		if o.Status == OrgActive {
			ids = append(ids, id)
		}
		return true
	})
	return ids
}

// Validators lists the current validator set, by organisation ID.
func (k *Keeper) Validators(r state.Reader) []Org {
	var out []Org
	orgs.Walk(r, "", func(_ string, o Org) bool {
		if o.Status == OrgActive && o.Validator != nil && o.Validator.Power > 0 && !o.Validator.Pending {
			out = append(out, o)
		}
		return true
	})
	return out
}

// TakeValidatorUpdates returns the validator changes staged in s since the
// last call, sorted by key, and deletes them. The chain calls it at the end
// of each block.
func (k *Keeper) TakeValidatorUpdates(s state.Store) []Validator {
	var out []Validator
	var ids []string
	pendingVals.Walk(s, "", func(id string, v Validator) bool {
		out = append(out, v)
		ids = append(ids, id)
		return true
	})
	for _, id := range ids {
		pendingVals.Delete(s, id)
	}
	return out
}

// setValidator sets o's validator to v (nil or power 0: none). A new key is
// pending until its node shows it runs (validator-ready), unless active is
// set (genesis); a power change of the same key keeps its state.
func (k *Keeper) setValidator(ctx *ledger.Context, o *Org, v *Validator, active bool) error {
	old := o.Validator
	keep := old != nil && v != nil && v.Power > 0 && bytes.Equal(old.PublicKey, v.PublicKey)
	if old != nil && !keep {
		valKeys.Delete(ctx.Store, old.PublicKey.String())
		if !old.Pending {
			pendingVals.Set(ctx.Store, old.PublicKey.String(), Validator{PublicKey: old.PublicKey, Power: 0})
		}
	}
	o.Validator = nil
	if v == nil || v.Power <= 0 {
		return nil
	}
	if keep {
		o.Validator = &Validator{PublicKey: v.PublicKey, Power: v.Power, Pending: old.Pending}
		if !old.Pending {
			pendingVals.Set(ctx.Store, v.PublicKey.String(), Validator{PublicKey: v.PublicKey, Power: v.Power})
		}
		return nil
	}
	if owner, taken := valKeys.Get(ctx.Store, v.PublicKey.String()); taken {
		return fmt.Errorf("%w: validator key %s belongs to %s", ErrExists, v.PublicKey, owner)
	}
	valKeys.Set(ctx.Store, v.PublicKey.String(), o.ID)
	o.Validator = &Validator{PublicKey: v.PublicKey, Power: v.Power, Pending: !active}
	if active {
		pendingVals.Set(ctx.Store, v.PublicKey.String(), Validator{PublicKey: v.PublicKey, Power: v.Power})
	}
	return nil
}

func proposalKey(id uint64) string { return fmt.Sprintf("%020d", id) }

func nextProposalID(s state.Store) uint64 {
	n, _ := counters.Get(s, "proposal")
	n++
	counters.Set(s, "proposal", n)
	return n
}

// PendingValidator reports whether key is an organisation's validator key
// that waits for its node to show it runs (governance/validator-ready),
// with the organisation and the power it will have.
func (k *Keeper) PendingValidator(r state.Reader, key tx.PubKey) (org string, power int64, ok bool) {
	id, found := valKeys.Get(r, key.String())
	if !found {
		return "", 0, false
	}
	o, found := orgs.Get(r, id)
	if !found || o.Validator == nil || !o.Validator.Pending {
		return "", 0, false
	}
	return o.ID, o.Validator.Power, true
}

// Misbehaviour is evidence of a validator's misbehaviour as a block records
// it (CometBFT's Misbehavior): the validator's address (ValidatorAddress),
// the type and the height of the offence.
type Misbehaviour struct {
	Type    string
	Address string
	Height  int64
}

// Punish takes each misbehaving validator out of the set from the end of the
// block (unless it is the last one: a chain needs a validator) and records
// the offence on its organisation; the members then decide
// by proposal whether to give it a validator again (set-validator, a new key
// that waits until its node runs) or to remove the organisation. Evidence
// against a key no longer in the set (removed or punished already) changes
// nothing. Consensus code: the list is the block's, in its order.
func (k *Keeper) Punish(ctx *ledger.Context, ms []Misbehaviour) {
	if len(ms) == 0 {
		return
	}
	byAddr := map[string]string{}
	for _, o := range k.Validators(ctx.Store) {
		byAddr[ValidatorAddress(o.Validator.PublicKey)] = o.ID
	}
	for _, m := range ms {
		id, ok := byAddr[m.Address]
		if !ok {
			continue
		}
		delete(byAddr, m.Address)
		o, _ := orgs.Get(ctx.Store, id)
		key := o.Validator.PublicKey
		if len(k.Validators(ctx.Store)) > 1 {
			k.setValidator(ctx, &o, nil, false) // removing cannot fail
		} // else the last validator: CometBFT cannot run with none; recorded only
		o.Misbehaviour = append(o.Misbehaviour, Offence{Type: m.Type, PublicKey: key, Height: m.Height, Committed: ctx.Height})
		orgs.Set(ctx.Store, o.ID, o)
		ctx.Emit(EventMisbehaviour.New(o.ID, m.Type, strconv.FormatInt(m.Height, 10)))
	}
}
