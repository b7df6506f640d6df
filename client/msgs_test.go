package client_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// strictly decodes the JSON of an SDK message into the chain's message type
// exactly as the chain does (unknown fields are errors), and returns it.
func strictly[M any](t *testing.T, sdk any) M {
	t.Helper()
	b, err := json.Marshal(sdk)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ledger.Decode[M](b)
	if err != nil {
		t.Fatalf("%T does not decode into %T: %v\n%s", sdk, m, err, b)
	}
	return m
}

func pk(s string) tx.PubKey { k, _ := tx.ParsePubKey(s); return k }

// Every SDK message decodes into the chain's type with every field carried
// over, so the two cannot drift apart unnoticed.
func TestMessagesDecodeIntoChainTypes(t *testing.T) {
	k1 := "1111111111111111111111111111111111111111111111111111111111111111"
	k2 := "2222222222222222222222222222222222222222222222222222222222222222"
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", name, got, want)
		}
	}
	check("RegisterMember",
		strictly[identity.RegisterMember](t, client.RegisterMember{Handle: "dr-x", Kind: "device", Roles: []string{"sensor"}, PublicKey: k1}),
		identity.RegisterMember{Handle: "dr-x", Kind: identity.Device, Roles: []ledger.Role{"sensor"}, PublicKey: pk(k1)})
	check("RegisterMember default kind",
		strictly[identity.RegisterMember](t, client.RegisterMember{Handle: "dr-x", Roles: []string{"nurse"}, PublicKey: k1}).Kind,
		identity.Person)
	check("SetRoles",
		strictly[identity.SetRoles](t, client.SetRoles{Member: "o/h", Roles: []string{"nurse", "auditor"}}),
		identity.SetRoles{Member: "o/h", Roles: []ledger.Role{"nurse", "auditor"}})
	check("SetMemberStatus",
		strictly[identity.SetMemberStatus](t, client.SetMemberStatus{Member: "o/h", Status: "suspended", Reason: "leave"}),
		identity.SetMemberStatus{Member: "o/h", Status: "suspended", Reason: "leave"})
	check("AddKey",
		strictly[identity.AddKey](t, client.AddKey{Owner: "o/h", PublicKey: k1}),
		identity.AddKey{Owner: "o/h", PublicKey: pk(k1)})
	check("RotateKey",
		strictly[identity.RotateKey](t, client.RotateKey{Owner: "o/h", OldKey: k1, NewKey: k2}),
		identity.RotateKey{Owner: "o/h", OldKey: pk(k1), NewKey: pk(k2)})
	check("RotateKey defaults",
		strictly[identity.RotateKey](t, client.RotateKey{NewKey: k2}),
		identity.RotateKey{NewKey: pk(k2)})
	check("RevokeKey",
		strictly[identity.RevokeKey](t, client.RevokeKey{PublicKey: k1, Reason: "lost"}),
		identity.RevokeKey{PublicKey: pk(k1), Reason: "lost"})
	check("RegisterPatient",
		strictly[identity.RegisterPatient](t, client.RegisterPatient{}),
		identity.RegisterPatient{})
	check("Vote",
		strictly[governance.CastVote](t, client.Vote{Proposal: 7, Approve: true}),
		governance.CastVote{Proposal: 7, Approve: true})

	admit := client.AdmitOrg{ID: "new-clinic", Name: "New Clinic", Kind: "clinic", Admin: "admin", AdminKey: k1,
		Validator: &client.ValidatorKey{PublicKey: k2, Power: 5}}
	p := strictly[governance.Propose](t, client.Propose{Action: admit.Action(), Title: "Admit", Deadline: 90})
	if p.Action.Type != governance.ActionAdmitOrg || p.Title != "Admit" || p.Deadline != 90 {
		t.Fatalf("Propose: %+v", p)
	}
	check("AdmitOrg",
		strictly[governance.AdmitOrg](t, json.RawMessage(p.Action.Payload)),
		governance.AdmitOrg{ID: "new-clinic", Name: "New Clinic", Kind: ledger.OrgClinic, Admin: "admin", AdminKey: pk(k1),
			Validator: &governance.Validator{PublicKey: pk(k2), Power: 5}})
	remove := client.RemoveOrg{ID: "city-lab"}.Action()
	check("RemoveOrg type", remove.Type, governance.ActionRemoveOrg)
	check("RemoveOrg", strictly[governance.RemoveOrg](t, remove.Payload), governance.RemoveOrg{ID: "city-lab"})
	setVal := client.SetValidator{Org: "city-lab", PublicKey: k1, Power: 3}.Action()
	check("SetValidator type", setVal.Type, governance.ActionSetValidator)
	check("SetValidator", strictly[governance.SetValidator](t, setVal.Payload), governance.SetValidator{Org: "city-lab", PublicKey: pk(k1), Power: 3})

	// The type constants are the chain's.
	for sdk, chain := range map[string]string{
		client.TypeRegisterMember: identity.TypeRegisterMember, client.TypeSetRoles: identity.TypeSetRoles,
		client.TypeSetMemberStatus: identity.TypeSetMemberStatus, client.TypeAddKey: identity.TypeAddKey,
		client.TypeRotateKey: identity.TypeRotateKey, client.TypeRevokeKey: identity.TypeRevokeKey,
		client.TypeRegisterPatient: identity.TypeRegisterPatient, client.TypePropose: governance.TypePropose,
		client.TypeVote: governance.TypeVote,
	} {
		if sdk != chain {
			t.Errorf("type constant %q, chain's is %q", sdk, chain)
		}
	}
	// And the results decode into the SDK's result types.
	var c client.Created
	b, _ := json.Marshal(ledger.Created{ID: "x/y"})
	if err := strictDecode(b, &c); err != nil || c.ID != "x/y" {
		t.Fatalf("Created: %v", err)
	}
	var o client.Outcome
	b, _ = json.Marshal(governance.Outcome{Proposal: 3, Status: "open"})
	if err := strictDecode(b, &o); err != nil || o.Proposal != 3 || o.Status != "open" {
		t.Fatalf("Outcome: %v", err)
	}
}
