package governance

import (
	"encoding/json"
	"fmt"

	"github.com/medchain/medchain/internal/ledger"
)

// Genesis is the governance module's part of the genesis document: the
// founding member organisations, their validators, and the parameters.
type Genesis struct {
	Params Params       `json:"params"`
	Orgs   []GenesisOrg `json:"orgs"`
}

// GenesisOrg is a founding member.
type GenesisOrg struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Kind      ledger.OrgKind `json:"kind"`
	Validator *Validator     `json:"validator,omitempty"`
}

// InitGenesis implements ledger.Module. Validator updates it stages are not
// reported: the genesis validators are CometBFT's genesis validators, and
// the chain checks that the two agree.
func (k *Keeper) InitGenesis(ctx *ledger.Context, raw json.RawMessage) error {
	g, err := ledger.Decode[Genesis](raw)
	if err != nil {
		return fmt.Errorf("governance genesis: %w", err)
	}
	if g.Params.VotingPeriod <= 0 || g.Params.MaxVotingPeriod < g.Params.VotingPeriod {
		return fmt.Errorf("governance genesis: params: voting_period must be positive and at most max_voting_period")
	}
	if len(g.Orgs) == 0 {
		return fmt.Errorf("governance genesis: at least one founding organisation is required")
	}
	params.Set(ctx.Store, "", g.Params)
	for i, go_ := range g.Orgs {
		a := AdmitOrg{ID: go_.ID, Name: go_.Name, Kind: go_.Kind, Admin: "genesis", AdminKey: []byte{0}}
		if err := a.Validate(); err != nil {
			return fmt.Errorf("governance genesis: org %d (%s): %w", i, go_.ID, err)
		}
		if orgs.Has(ctx.Store, go_.ID) {
			return fmt.Errorf("governance genesis: org %d: %s listed twice", i, go_.ID)
		}
		o := Org{ID: go_.ID, Name: go_.Name, Kind: go_.Kind, Status: OrgActive, Joined: ctx.Height}
		if err := k.setValidator(ctx, &o, go_.Validator, true); err != nil {
			return fmt.Errorf("governance genesis: org %d (%s): %w", i, go_.ID, err)
		}
		orgs.Set(ctx.Store, o.ID, o)
	}
	k.TakeValidatorUpdates(ctx.Store)
	return nil
}
