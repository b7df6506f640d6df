package identity

import (
	"encoding/json"
	"fmt"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// Genesis is the identity module's part of the genesis document.
type Genesis struct {
	Members  []GenesisMember `json:"members"`
	Patients []tx.PubKey     `json:"patients,omitempty"`
}

// GenesisMember is a member that exists from the first block.
type GenesisMember struct {
	Org       string        `json:"org"`
	Handle    string        `json:"handle"`
	Kind      MemberKind    `json:"kind,omitempty"`
	Roles     []ledger.Role `json:"roles"`
	PublicKey tx.PubKey     `json:"public_key"`
}

// InitGenesis implements ledger.Module.
func (k *Keeper) InitGenesis(ctx *ledger.Context, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	g, err := ledger.Decode[Genesis](raw)
	if err != nil {
		return fmt.Errorf("identity genesis: %w", err)
	}
	for i, m := range g.Members {
		if !k.orgs.OrgActive(ctx.Store, m.Org) {
			return fmt.Errorf("identity genesis: member %d (%s/%s): organisation %q is not in the governance genesis", i, m.Org, m.Handle, m.Org)
		}
		if m.Kind == "" {
			m.Kind = Person
		}
		if err := k.AddMember(ctx.Store, ctx.Height, Member{Org: m.Org, Handle: m.Handle, Kind: m.Kind, Roles: m.Roles}, m.PublicKey); err != nil {
			return fmt.Errorf("identity genesis: member %d (%s/%s): %w", i, m.Org, m.Handle, err)
		}
	}
	for i, key := range g.Patients {
		sub := ctx.Sub(ctx.Store)
		sub.SignerKey = key
		if _, err := k.registerPatient(sub, RegisterPatient{}); err != nil {
			return fmt.Errorf("identity genesis: patient %d: %w", i, err)
		}
	}
	return nil
}
