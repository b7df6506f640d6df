package ledgertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"
	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// StandardCast is the cast of a genesis command with no input: a hospital
// and an insurer that run validators and a lab that does not, each with an
// admin; a physician and a nurse at the hospital; two patients.
const StandardCast = `org st-marys hospital validator=10
org acme-insurance insurer validator=10
org city-lab lab
member st-marys/admin admin
member st-marys/dr-grey physician
member st-marys/nurse-joy nurse
member acme-insurance/admin admin
member city-lab/admin admin
patient alice
patient bob`

// genesis starts a fresh chain with the declared cast.
func (s *script) genesis(d *datadriven.TestData) (string, error) {
	a, err := s.args(d.CmdArgs, "max-tx-ttl", "voting-period", "max-voting-period")
	if err != nil {
		return "", err
	}
	params := chain.DefaultParams()
	gp := governance.DefaultParams()
	for k, dst := range map[string]*int64{"max-tx-ttl": &params.MaxTxTTL, "voting-period": &gp.VotingPeriod, "max-voting-period": &gp.MaxVotingPeriod} {
		if v, ok := a[k]; ok {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil {
				return "", fmt.Errorf("genesis: %s=%q: %v", k, v, err)
			}
		}
	}
	cast := strings.TrimSpace(d.Input)
	if cast == "" {
		cast = StandardCast
	}
	appState := map[string]any{"params": params}
	gov := governance.Genesis{Params: gp}
	var ident identity.Genesis
	var vals []abci.ValidatorUpdate
	var out strings.Builder
	for line := range strings.SplitSeq(cast, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "section "); ok {
			name, raw, _ := strings.Cut(strings.TrimSpace(rest), " ")
			raw, err := s.expand(raw)
			if err != nil {
				return "", err
			}
			if !json.Valid([]byte(raw)) {
				return "", fmt.Errorf("genesis: section %s is not JSON: %s", name, raw)
			}
			appState[name] = json.RawMessage(raw)
			fmt.Fprintln(&out, line)
			continue
		}
		cmd, args, err := datadriven.ParseLine(line)
		if err != nil {
			return "", err
		}
		var pos []string
		kv := map[string]string{}
		for _, arg := range args {
			if len(arg.Vals) == 0 {
				pos = append(pos, arg.Key)
			} else {
				kv[arg.Key] = strings.Join(arg.Vals, ",")
			}
		}
		switch {
		case cmd == "org" && len(pos) == 2:
			o := governance.GenesisOrg{ID: pos[0], Name: pos[0], Kind: ledger.OrgKind(pos[1])}
			if p, ok := kv["validator"]; ok {
				power, err := strconv.ParseInt(p, 10, 64)
				if err != nil {
					return "", fmt.Errorf("genesis: %q: validator power: %v", line, err)
				}
				key := s.names.key("val-" + o.ID)
				o.Validator = &governance.Validator{PublicKey: key, Power: power}
				vals = append(vals, abci.Ed25519ValidatorUpdate(key, power))
			}
			gov.Orgs = append(gov.Orgs, o)
		case cmd == "member" && len(pos) >= 2 && strings.Contains(pos[0], "/"):
			org, handle, _ := strings.Cut(pos[0], "/")
			ident.Members = append(ident.Members, identity.GenesisMember{
				Org: org, Handle: handle, Kind: identity.MemberKind(kv["kind"]), Roles: roles(pos[1:]), PublicKey: s.names.key(pos[0]),
			})
		case cmd == "patient" && len(pos) == 1:
			ident.Patients = append(ident.Patients, s.names.key(pos[0]))
			s.names.patient(pos[0])
		default:
			return "", fmt.Errorf("genesis: %q: want org <id> <kind> [validator=N], member <org>/<handle> <role>... [kind=K], patient <name> or section <module> <json>", line)
		}
		fmt.Fprintln(&out, line)
	}
	appState[governance.Name] = gov
	appState[identity.Name] = ident
	raw, err := json.Marshal(appState)
	if err != nil {
		return "", err
	}

	db, err := state.Open("", state.Options{})
	if err != nil {
		return "", err
	}
	app, err := chain.New(db, chain.Options{})
	if err != nil {
		return "", err
	}
	// The previous chain of the file, if any, replays before this one.
	if err := s.c.verifyReplay(); err != nil {
		return "", err
	}
	initReq := &abci.RequestInitChain{
		ChainId: ChainID, Time: GenesisTime, InitialHeight: 1, AppStateBytes: raw, Validators: vals,
	}
	if _, err := app.InitChain(context.Background(), initReq); err != nil {
		// A refused genesis leaves no chain: the script must declare another.
		s.c = nil
		return s.names.shorten("error: "+err.Error()) + "\n", nil
	}
	// InitChain wrote to the working tree, which the first block commits
	// (as CometBFT's first block does). The harness commits an empty first
	// block so that scripts and queries start from a committed genesis.
	s.c = &Chain{app: app, db: db, time: GenesisTime, names: s.names, init: initReq}
	if _, err := s.c.finalize(GenesisTime.Add(BlockStep), nil); err != nil {
		return "", err
	}
	return out.String(), nil
}

func roles(names []string) []ledger.Role {
	out := make([]ledger.Role, len(names))
	for i, n := range names {
		out[i] = ledger.Role(n)
	}
	return out
}
