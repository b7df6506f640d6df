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
	orgs      = state.NewMap[Org](Name, "gov/o/")
	proposals = state.NewMap[Proposal](Name, "gov/p/")
	deadlines = state.NewIndex(Name, "gov/d/") // deadline(20 digits)/proposal id
	params    = state.NewMap[Params](Name, "gov/params")
	counters  = state.NewMap[uint64](Name, "gov/seq/")
	valKeys   = state.NewMap[string](Name, "gov/v/") // validator key hex -> org
	// Validator changes of the block being executed, by key hex. They live
	// in state, not in memory, so that a failed transaction discards its own
	// and a mempool check never sees a block's; the chain takes them at the
	// end of each block.
	pendingVals = state.NewMap[Validator](Name, "gov/vu/")
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
		if o.Status == OrgActive && o.Validator != nil && o.Validator.Power > 0 {
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

func (k *Keeper) setValidator(ctx *ledger.Context, o *Org, v *Validator) error {
	if o.Validator != nil {
		valKeys.Delete(ctx.Store, o.Validator.PublicKey.String())
		pendingVals.Set(ctx.Store, o.Validator.PublicKey.String(), Validator{PublicKey: o.Validator.PublicKey, Power: 0})
	}
	o.Validator = nil
	if v != nil && v.Power > 0 {
		if owner, taken := valKeys.Get(ctx.Store, v.PublicKey.String()); taken {
			return fmt.Errorf("%w: validator key %s belongs to %s", ErrExists, v.PublicKey, owner)
		}
		valKeys.Set(ctx.Store, v.PublicKey.String(), o.ID)
		o.Validator = v
		pendingVals.Set(ctx.Store, v.PublicKey.String(), *v)
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
