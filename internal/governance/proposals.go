package governance

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// Built-in action types.
const (
	ActionAdmitOrg     = "admit-org"
	ActionRemoveOrg    = "remove-org"
	ActionSetValidator = "set-validator"
)

func isBuiltin(t string) bool {
	return t == ActionAdmitOrg || t == ActionRemoveOrg || t == ActionSetValidator
}

// Proposal status.
const (
	StatusOpen     = "open"
	StatusPassed   = "passed"
	StatusRejected = "rejected"
	StatusExpired  = "expired"
	// StatusFailed: the quorum approved but the action could not be carried
	// out (the state had changed since it was proposed). Reason says why.
	StatusFailed = "failed"
)

// Action is what a proposal would do. Type is a built-in action or one an
// Executor registered; Payload is its JSON.
type Action struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// AdmitOrg admits a new organisation with its first admin and, optionally,
// a validator.
type AdmitOrg struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Kind      ledger.OrgKind `json:"kind"`
	Admin     string         `json:"admin"`
	AdminKey  tx.PubKey      `json:"admin_key"`
	Validator *Validator     `json:"validator,omitempty"`
}

func (a *AdmitOrg) Validate() error {
	if err := ValidOrgID(a.ID); err != nil {
		return err
	}
	if a.Name == "" || len(a.Name) > 200 {
		return errors.New("name must be 1-200 characters")
	}
	if err := ledger.ValidOrgKind(a.Kind); err != nil {
		return err
	}
	if a.Admin == "" || len(a.AdminKey) == 0 {
		return errors.New("admin and admin_key are required")
	}
	if a.Validator != nil {
		if err := validValidator(a.Validator.PublicKey, a.Validator.Power); err != nil {
			return fmt.Errorf("validator: %w", err)
		}
	}
	return nil
}

// validValidator checks a validator key and power as CometBFT takes them.
func validValidator(key tx.PubKey, power int64) error {
	if len(key) != tx.PubKeySize {
		return fmt.Errorf("public_key must be an Ed25519 key of %d bytes, not %d", tx.PubKeySize, len(key))
	}
	if power < 0 || power > MaxPower {
		return fmt.Errorf("power must be between 0 and %d (2^40), not %d", int64(MaxPower), power)
	}
	return nil
}

// MaxPower bounds a validator's voting power.
const MaxPower = 1 << 40

// RemoveOrg removes an organisation: its members' keys stop signing and its
// validator leaves the set.
type RemoveOrg struct {
	ID string `json:"id"`
}

// SetValidator sets an organisation's validator key and power; power 0
// takes it out of the validator set.
type SetValidator struct {
	Org       string    `json:"org"`
	PublicKey tx.PubKey `json:"public_key"`
	Power     int64     `json:"power"`
}

func (a *SetValidator) Validate() error { return validValidator(a.PublicKey, a.Power) }

// Vote is one organisation's vote.
type Vote struct {
	Org     string `json:"org"`
	Member  string `json:"member"`
	Approve bool   `json:"approve"`
	Height  int64  `json:"height"`
}

// Proposal is a change put to the member organisations.
type Proposal struct {
	ID       uint64 `json:"id"`
	Action   Action `json:"action"`
	Title    string `json:"title,omitempty"`
	Proposer string `json:"proposer"`
	Org      string `json:"org"`
	Created  int64  `json:"created"`
	Deadline int64  `json:"deadline"`
	Status   string `json:"status"`
	Votes    []Vote `json:"votes"`
	Decided  int64  `json:"decided,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Final is the tally the proposal was decided on, kept when it is
	// decided: later admissions and removals of organisations do not
	// recount a closed vote.
	Final *Tally `json:"final_tally,omitempty"`
}

// Tally counts the votes of organisations active now.
type Tally struct {
	Yes     int `json:"yes"`
	No      int `json:"no"`
	Members int `json:"members"`
}

// Passes reports whether more than two thirds of members approve.
func (t Tally) Passes() bool { return 3*t.Yes > 2*t.Members }

// Hopeless reports whether the proposal can no longer pass.
func (t Tally) Hopeless() bool { return 3*(t.Members-t.No) <= 2*t.Members }

// TallyOf counts p's votes against the organisations active in r; a
// decided proposal's is the tally it was decided on.
func (k *Keeper) TallyOf(r state.Reader, p Proposal) Tally {
	if p.Final != nil {
		return *p.Final
	}
	active := activeOrgIDs(r)
	t := Tally{Members: len(active)}
	for _, v := range p.Votes {
		if !slices.Contains(active, v.Org) {
			continue
		}
		if v.Approve {
			t.Yes++
		} else {
			t.No++
		}
	}
	return t
}

// Message types.
const (
	TypePropose = "governance/propose"
	TypeVote    = "governance/vote"
	// TypeValidatorReady is signed with a pending validator's consensus
	// key, by its node once it has caught up: the key is held by a node
	// that runs, and its power counts from the end of the block.
	TypeValidatorReady = "governance/validator-ready"
)

// ValidatorReady is the (empty) message of TypeValidatorReady: the signer's
// key is the validator key.
type ValidatorReady struct{}

// ReadyResult answers a validator-ready.
type ReadyResult struct {
	Org   string `json:"org"`
	Power int64  `json:"power"`
}

// Propose puts an action to the members. The proposer's organisation votes
// yes. Deadline is a block height; zero means the default voting period.
type Propose struct {
	Action   Action `json:"action"`
	Title    string `json:"title,omitempty"`
	Deadline int64  `json:"deadline,omitempty"`
}

func (m *Propose) Validate() error {
	if m.Action.Type == "" {
		return errors.New("action.type is required")
	}
	if len(m.Title) > 200 {
		return errors.New("title is longer than 200 characters")
	}
	return nil
}

// CastVote is an organisation's vote on a proposal, signed by one of its admins.
type CastVote struct {
	Proposal uint64 `json:"proposal"`
	Approve  bool   `json:"approve"`
}

// Result of a propose or vote message.
type Outcome struct {
	Proposal uint64 `json:"proposal"`
	Status   string `json:"status"`
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypePropose, Handler: ledger.Handle(k.propose)},
		{Type: TypeVote, Handler: ledger.Handle(k.vote)},
		// Open: a consensus key is no identity; the handler admits only a
		// pending validator's key.
		{Type: TypeValidatorReady, Handler: ledger.Handle(k.validatorReady), Open: true},
	}
}

func (k *Keeper) requireOrgAdmin(ctx *ledger.Context) error {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasRole(ledger.RoleAdmin) {
		return fmt.Errorf("%w: %s is not an admin of a member organisation", ErrUnauthorized, s.ID)
	}
	return nil
}

func decodePayload[M any](a Action) (M, error) {
	m, err := ledger.Decode[M](a.Payload)
	if err != nil {
		return m, fmt.Errorf("%w: %s payload: %w", ErrInvalid, a.Type, err)
	}
	return m, nil
}

// check validates an action against the current state without changing it.
func (k *Keeper) check(ctx *ledger.Context, a Action) error {
	switch a.Type {
	case ActionAdmitOrg:
		m, err := decodePayload[AdmitOrg](a)
		if err != nil {
			return err
		}
		if orgs.Has(ctx.Store, m.ID) {
			return fmt.Errorf("%w: organisation %s", ErrExists, m.ID)
		}
		// What would make the admission fail once voted through is
		// refused now, when it is proposed (and checked again then).
		if err := k.members.CheckAdmin(ctx.Store, m.ID, m.Admin, m.AdminKey); err != nil {
			return err
		}
		if v := m.Validator; v != nil && v.Power > 0 {
			if owner, taken := valKeys.Get(ctx.Store, v.PublicKey.String()); taken {
				return fmt.Errorf("%w: validator key %s belongs to %s", ErrExists, v.PublicKey, owner)
			}
		}
		return k.checkLive(ctx, m.ID, m.Validator)
	case ActionRemoveOrg:
		m, err := decodePayload[RemoveOrg](a)
		if err != nil {
			return err
		}
		if !k.OrgActive(ctx.Store, m.ID) {
			return fmt.Errorf("%w: active organisation %q", ErrNotFound, m.ID)
		}
		if len(activeOrgIDs(ctx.Store)) == 1 {
			return fmt.Errorf("%w: cannot remove the last member organisation", ErrInvalid)
		}
		return k.checkLive(ctx, m.ID, nil)
	case ActionSetValidator:
		m, err := decodePayload[SetValidator](a)
		if err != nil {
			return err
		}
		if !k.OrgActive(ctx.Store, m.Org) {
			return fmt.Errorf("%w: active organisation %q", ErrNotFound, m.Org)
		}
		if owner, taken := valKeys.Get(ctx.Store, m.PublicKey.String()); taken && owner != m.Org && m.Power > 0 {
			return fmt.Errorf("%w: validator key %s belongs to %s", ErrExists, m.PublicKey, owner)
		}
		return k.checkLive(ctx, m.Org, &Validator{PublicKey: m.PublicKey, Power: m.Power})
	}
	e, ok := k.executors[a.Type]
	if !ok {
		return fmt.Errorf("%w: unknown action type %q", ErrInvalid, a.Type)
	}
	return e.Validate(ctx, a.Payload)
}

func (k *Keeper) execute(ctx *ledger.Context, a Action) error {
	if err := k.check(ctx, a); err != nil {
		return err
	}
	switch a.Type {
	case ActionAdmitOrg:
		m, _ := decodePayload[AdmitOrg](a)
		o := Org{ID: m.ID, Name: m.Name, Kind: m.Kind, Status: OrgActive, Joined: ctx.Height}
		if err := k.setValidator(ctx, &o, m.Validator, false); err != nil {
			return err
		}
		orgs.Set(ctx.Store, o.ID, o)
		if err := k.members.AddAdmin(ctx.Store, ctx.Height, o.ID, m.Admin, m.AdminKey); err != nil {
			return err
		}
		ctx.Emit(EventOrgAdmitted.New(o.ID, string(o.Kind)))
		if o.Validator != nil {
			ctx.Emit(EventValidatorPending.New(o.ID, strconv.FormatInt(o.Validator.Power, 10)))
		}
	case ActionRemoveOrg:
		m, _ := decodePayload[RemoveOrg](a)
		o, _ := orgs.Get(ctx.Store, m.ID)
		if err := k.setValidator(ctx, &o, nil, false); err != nil {
			return err
		}
		o.Status, o.Removed = OrgRemoved, ctx.Height
		orgs.Set(ctx.Store, o.ID, o)
		if len(k.Validators(ctx.Store)) == 0 {
			return fmt.Errorf("%w: removing %s would leave no validator", ErrInvalid, o.ID)
		}
		ctx.Emit(EventOrgRemoved.New(o.ID))
	case ActionSetValidator:
		m, _ := decodePayload[SetValidator](a)
		o, _ := orgs.Get(ctx.Store, m.Org)
		if err := k.setValidator(ctx, &o, &Validator{PublicKey: m.PublicKey, Power: m.Power}, false); err != nil {
			return err
		}
		orgs.Set(ctx.Store, o.ID, o)
		if len(k.Validators(ctx.Store)) == 0 {
			return fmt.Errorf("%w: the change would leave no validator", ErrInvalid)
		}
		if o.Validator != nil && o.Validator.Pending {
			ctx.Emit(EventValidatorPending.New(o.ID, strconv.FormatInt(m.Power, 10)))
		} else {
			ctx.Emit(EventValidatorSet.New(o.ID, strconv.FormatInt(m.Power, 10)))
		}
	default:
		return k.executors[a.Type].Execute(ctx, a.Payload)
	}
	return nil
}

func (k *Keeper) propose(ctx *ledger.Context, m Propose) (any, error) {
	if err := k.requireOrgAdmin(ctx); err != nil {
		return nil, err
	}
	params := k.Params(ctx.Store)
	deadline := m.Deadline
	if deadline == 0 {
		deadline = ctx.Height + params.VotingPeriod
	}
	if deadline <= ctx.Height || deadline > ctx.Height+params.MaxVotingPeriod {
		return nil, fmt.Errorf("%w: %d is not after the current height %d and at most %d", ErrDeadline, deadline, ctx.Height, ctx.Height+params.MaxVotingPeriod)
	}
	if err := k.check(ctx, m.Action); err != nil {
		return nil, err
	}
	p := Proposal{
		ID: nextProposalID(ctx.Store), Action: m.Action, Title: m.Title,
		Proposer: ctx.Signer.ID, Org: ctx.Signer.Org,
		Created: ctx.Height, Deadline: deadline, Status: StatusOpen,
		Votes: []Vote{{Org: ctx.Signer.Org, Member: ctx.Signer.ID, Approve: true, Height: ctx.Height}},
	}
	deadlines.Add(ctx.Store, fmt.Sprintf("%020d", deadline), proposalKey(p.ID))
	ctx.Emit(EventProposed.New(strconv.FormatUint(p.ID, 10), m.Action.Type, p.Org))
	k.decide(ctx, &p)
	proposals.Set(ctx.Store, proposalKey(p.ID), p)
	return Outcome{Proposal: p.ID, Status: p.Status}, nil
}

func (k *Keeper) vote(ctx *ledger.Context, m CastVote) (any, error) {
	if err := k.requireOrgAdmin(ctx); err != nil {
		return nil, err
	}
	p, ok := proposals.Get(ctx.Store, proposalKey(m.Proposal))
	if !ok {
		return nil, fmt.Errorf("%w: proposal %d", ErrNotFound, m.Proposal)
	}
	if p.Status != StatusOpen {
		return nil, fmt.Errorf("%w: proposal %d is %s", ErrClosed, p.ID, p.Status)
	}
	if ctx.Height > p.Deadline {
		return nil, fmt.Errorf("%w: proposal %d closed at height %d", ErrClosed, p.ID, p.Deadline)
	}
	for _, v := range p.Votes {
		if v.Org == ctx.Signer.Org {
			return nil, fmt.Errorf("%w: %s voted on proposal %d at height %d (by %s)", ErrAlreadyVoted, v.Org, p.ID, v.Height, v.Member)
		}
	}
	p.Votes = append(p.Votes, Vote{Org: ctx.Signer.Org, Member: ctx.Signer.ID, Approve: m.Approve, Height: ctx.Height})
	ctx.Emit(EventVoted.New(strconv.FormatUint(p.ID, 10), ctx.Signer.Org, strconv.FormatBool(m.Approve)))
	k.decide(ctx, &p)
	proposals.Set(ctx.Store, proposalKey(p.ID), p)
	return Outcome{Proposal: p.ID, Status: p.Status}, nil
}

// decide closes p if the tally settles it, executing a passed action in a
// nested overlay so that a failed action leaves no writes.
func (k *Keeper) decide(ctx *ledger.Context, p *Proposal) {
	t := k.TallyOf(ctx.Store, *p)
	switch {
	case t.Passes():
		o := state.NewOverlay(ctx.Store)
		sub := ctx.Sub(o)
		if err := k.execute(sub, p.Action); err != nil {
			p.Status, p.Reason = StatusFailed, err.Error()
		} else {
			o.Flush(ctx.Store)
			ctx.Adopt(sub)
			p.Status = StatusPassed
		}
	case t.Hopeless():
		p.Status = StatusRejected
	default:
		return
	}
	p.Decided, p.Final = ctx.Height, &t
	deadlines.Remove(ctx.Store, fmt.Sprintf("%020d", p.Deadline), proposalKey(p.ID))
	ctx.Emit(EventDecided.New(strconv.FormatUint(p.ID, 10), p.Status))
}

// EndBlock expires open proposals whose deadline is this block.
func (k *Keeper) EndBlock(ctx *ledger.Context) error {
	upTo := fmt.Sprintf("%020d", ctx.Height)
	var expired []string
	deadlines.Walk(ctx.Store, func(rest string) bool {
		if rest[:20] > upTo {
			return false
		}
		expired = append(expired, rest)
		return true
	})
	for _, e := range expired {
		id := e[21:]
		deadlines.Remove(ctx.Store, e[:20], id)
		p, ok := proposals.Get(ctx.Store, id)
		if !ok || p.Status != StatusOpen {
			continue
		}
		t := k.TallyOf(ctx.Store, p)
		p.Status, p.Decided, p.Final = StatusExpired, ctx.Height, &t
		proposals.Set(ctx.Store, id, p)
		ctx.Emit(EventDecided.New(strconv.FormatUint(p.ID, 10), p.Status))
	}
	return nil
}

// ValidatorAddress is CometBFT's address of an Ed25519 validator key: the
// first 20 bytes of its SHA-256, in upper-case hex (as in
// ledger.Context.LastCommit).
func ValidatorAddress(pub tx.PubKey) string {
	sum := sha256.Sum256(pub)
	return fmt.Sprintf("%X", sum[:20])
}

// checkLive refuses a change of org's validator (to v; nil removes it) after
// which the validators that signed the last block would hold two thirds of
// the voting power or less: CometBFT makes blocks only with more than two
// thirds, so admitting a validator whose node is not running (or whose key
// has a typo) would halt the chain until it runs. A validator proves that it
// runs by signing blocks; a new one cannot have, so it is admitted with a
// power the others can carry, and raised once it signs. When the block
// records no votes (the first block) nothing is known and nothing refused.
func (k *Keeper) checkLive(ctx *ledger.Context, org string, v *Validator) error {
	if len(ctx.LastCommit) == 0 {
		return nil
	}
	var live, offOthers int64
	var current *Validator
	for _, o := range k.Validators(ctx.Store) {
		if o.ID == org {
			current = o.Validator
			continue
		}
		if signed, _ := ctx.SignedLastBlock(ValidatorAddress(o.Validator.PublicKey)); signed {
			live += o.Validator.Power
		} else {
			offOthers += o.Validator.Power
		}
	}
	// Only the set's active part matters: a new key waits, outside it,
	// until its node shows it runs (validator-ready).
	var vPower int64
	vSigned := false
	if v != nil && v.Power > 0 && current != nil && bytes.Equal(current.PublicKey, v.PublicKey) {
		vPower = v.Power
		vSigned, _ = ctx.SignedLastBlock(ValidatorAddress(v.PublicKey))
	}
	total, liveAfter := live+offOthers+vPower, live
	if vSigned {
		liveAfter += vPower
	}
	// More than two thirds: 3·live > 2·total (powers are at most 2^40).
	if 3*liveAfter > 2*total {
		return nil
	}
	msg := fmt.Sprintf("the validators that signed the last block would hold %d of %d voting power, and CometBFT makes blocks only with more than two thirds", liveAfter, total)
	if vPower > 0 && !vSigned {
		if most := (live-1)/2 - offOthers; most >= 1 {
			return fmt.Errorf("%w: %s; validator key %s has not signed the last block: keep its power at most %d until its node signs blocks", ErrWouldHalt, msg, v.PublicKey, most)
		}
		return fmt.Errorf("%w: %s; validator key %s has not signed the last block: bring its node back first", ErrWouldHalt, msg, v.PublicKey)
	}
	return fmt.Errorf("%w: %s; bring the validators that are not signing back first", ErrWouldHalt, msg)
}

func (k *Keeper) validatorReady(ctx *ledger.Context, _ ValidatorReady) (any, error) {
	key := ctx.SignerKey
	id, ok := valKeys.Get(ctx.Store, key.String())
	if !ok {
		return nil, fmt.Errorf("%w: no organisation's validator has key %s", ErrUnauthorized, key)
	}
	o, _ := orgs.Get(ctx.Store, id)
	if o.Validator == nil || !o.Validator.Pending {
		return nil, fmt.Errorf("%w: validator key %s of %s is in the set already", ErrExists, key, id)
	}
	o.Validator.Pending = false
	orgs.Set(ctx.Store, o.ID, o)
	pendingVals.Set(ctx.Store, key.String(), Validator{PublicKey: key, Power: o.Validator.Power})
	ctx.Emit(EventValidatorSet.New(o.ID, strconv.FormatInt(o.Validator.Power, 10)))
	return ReadyResult{Org: o.ID, Power: o.Validator.Power}, nil
}
