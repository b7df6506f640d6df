package records_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// TestWrongOrgNamesNoOtherGrantee: a reader refused because the patient's
// grants name others is told what it lacks, never who the others are.
func TestWrongOrgNamesNoOtherGrantee(t *testing.T) {
	db, err := state.Open(t.TempDir(), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k := records.New(openDir{})
	routes := map[string]ledger.Handler{}
	for _, r := range k.Routes() {
		routes[r.Type] = r.Handler
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := db.Working()
	n := 0
	run := func(signer ledger.Principal, typ string, msg any) {
		raw, _ := json.Marshal(msg)
		n++
		ctx := &ledger.Context{Store: w, ChainID: benchChainID, Height: 1, Time: t0, TxHash: tx.HashOf([]byte{byte(n)}), Signer: signer}
		if _, err := routes[typ](ctx, raw); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	const pt = "pt-00000001"
	rec := records.RecordIDFor(records.HashHex([]byte(pt)))
	author := ledger.Principal{ID: "riverside/dr-shaw", Kind: ledger.Member, Org: "riverside", Roles: []ledger.Role{"physician"}}
	run(author, records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: rec, Patient: pt, Types: []string{"Observation"}, Hash: records.HashHex([]byte(pt)), Size: 1}}})
	patient := ledger.Principal{ID: pt, Kind: ledger.Patient}
	run(patient, records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Org: "riverside"}, Purposes: []string{"treatment"}, Expires: t0.Add(time.Hour)})
	run(patient, records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Member: "oncology-centre/dr-who"}, Purposes: []string{"treatment"}, Expires: t0.Add(time.Hour)})
	if _, _, err := db.Commit(); err != nil {
		t.Fatal(err)
	}

	reader := ledger.Principal{ID: "st-marys/dr-grey", Kind: ledger.Member, Org: "st-marys", Roles: []ledger.Role{"physician"}}
	d := k.Authorize(db.Committed(), records.Access{Reader: reader, Record: rec, Purpose: "treatment", Now: t0.Add(time.Minute)})
	if !errors.Is(d.Err, records.ErrWrongOrg) {
		t.Fatalf("Authorize = %v, want %v", d.Err, records.ErrWrongOrg)
	}
	for _, other := range []string{"riverside", "oncology-centre", "dr-who", "gr-"} {
		if strings.Contains(d.Err.Error(), other) {
			t.Errorf("the refusal %q names another grantee or grant (%q)", d.Err, other)
		}
	}
	if !strings.Contains(d.Err.Error(), "st-marys/dr-grey") {
		t.Errorf("the refusal %q does not say whom it refuses", d.Err)
	}
}
