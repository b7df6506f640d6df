package client_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/vc"
)

// TestCredentials: governance authorises a board; its admin issues
// dr-grey's licence with IssueCredential (the VC-JWT comes back, its hash
// goes on the ledger); the node verifies it, reads its status with a
// proof that checks against the next block, lists it, and says it is
// suspended once the board suspends it.
func TestCredentials(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	send := func(who string, m client.Msg) *client.TxResult {
		t.Helper()
		res, err := c.Send(ctx, signer(who), m)
		if err != nil {
			t.Fatalf("%s by %s: %v", m.MsgType(), who, err)
		}
		return res
	}
	var o client.Outcome
	send("hospital-admin", client.Propose{Action: client.AdmitOrg{ID: "board", Name: "Board", Kind: "medical-board", Admin: "admin",
		AdminKey: signer("board-admin").PublicKey()}.Action()}).Decode(&o)
	for _, voter := range []string{"insurer-admin", "lab-admin"} {
		send(voter, client.Vote{Proposal: o.Proposal, Approve: true})
	}
	send("board-admin", client.Propose{Action: client.AuthorizeIssuer{Org: "board", Types: []string{client.CredentialMedicalLicence}}.Action()}).Decode(&o)
	for _, voter := range []string{"hospital-admin", "insurer-admin"} {
		send(voter, client.Vote{Proposal: o.Proposal, Approve: true})
	}
	send("hospital-admin", client.RegisterMember{Handle: "dr-grey", Roles: []string{"physician"}, PublicKey: signer("dr-grey").PublicKey()})

	if is, err := c.Issuers(ctx); err != nil || len(is.Items) != 1 || is.Items[0].Org != "board" {
		t.Fatalf("issuers %+v %v", is, err)
	}
	draft := client.CredentialDraft{Type: client.CredentialMedicalLicence, Issuer: "board", Subject: "general-hospital/dr-grey",
		StatusLists: client.StatusListsURL(h.URL, "board"), Selective: true,
		Claims:    map[string]any{"name": "Meredith Grey", "licenceNumber": "MD-0042", "jurisdiction": "US-MA"},
		ValidFrom: apitest.GenesisTime, ValidUntil: apitest.GenesisTime.AddDate(2, 0, 0)}
	iss, err := c.IssueCredential(ctx, signer("board-admin"), draft)
	if err != nil {
		t.Fatal(err)
	}
	if iss.Hash != client.CredentialHash(iss.Credential) || len(iss.ID) != 27 {
		t.Fatalf("issued %+v", iss)
	}
	// Another organisation's admin may not issue it.
	if _, err := c.IssueCredential(ctx, signer("hospital-admin"), client.CredentialDraft{Type: client.CredentialMedicalLicence, Issuer: "general-hospital",
		Subject: "general-hospital/dr-grey", ValidFrom: apitest.GenesisTime}); !client.IsCode(err, client.CodeCredentialsIssuerNotAuthorised) {
		t.Fatalf("hospital issuing a licence: %v", err)
	}

	v, err := c.VerifyCredential(ctx, iss.Credential, "")
	if err != nil || !v.Valid || v.Signer != "board/admin" || v.Credential == nil || v.Credential.Subject["licenceNumber"] != "MD-0042" || v.Proof == nil {
		t.Fatalf("verify %+v %v", v, err)
	}
	// The holder presents the jurisdiction only: the node verifies it, and
	// the licence number stays with the holder.
	p, err := client.PresentCredential(iss.Credential, []string{"jurisdiction"})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.VerifyCredential(ctx, p, ""); err != nil || !v.Valid || v.Credential.Subject["jurisdiction"] != "US-MA" ||
		v.Credential.Subject["licenceNumber"] != nil || v.Credential.Undisclosed != 2 {
		t.Fatalf("presentation %+v %v", v.Credential, err)
	}
	st, err := c.CredentialStatus(ctx, iss.ID, "", client.WithProof())
	if err != nil || !st.Valid || st.Proof == nil {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	next, err := c.Block(ctx, st.Proof.Height+1)
	if err != nil {
		t.Fatal(err)
	}
	appHash, _ := hex.DecodeString(next.AppHash)
	if err := client.VerifyProof(st.Proof, appHash); err != nil {
		t.Fatalf("proof: %v", err)
	}
	if l, err := c.Credentials(ctx, client.CredentialQuery{ExpiringWithin: 800, Issuer: "board"}); err != nil || len(l.Items) != 1 || l.Items[0].ID != iss.ID {
		t.Fatalf("expiring %+v %v", l, err)
	}

	send("board-admin", client.SuspendCredential{ID: iss.ID, Reason: "investigation"})
	if _, err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	// A standard verifier reads the credential's entry in the board's
	// suspension list: its bit is set.
	entries, _ := v.Credential.CredentialStatus.([]any)
	if len(entries) != 2 {
		t.Fatalf("the credential names no status lists: %+v", v.Credential)
	}
	entry := entries[1].(map[string]any)
	resp, err := http.Get(entry["statusListCredential"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		CredentialSubject struct {
			StatusPurpose string `json:"statusPurpose"`
			EncodedList   string `json:"encodedList"`
		} `json:"credentialSubject"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	index, _ := strconv.Atoi(entry["statusListIndex"].(string))
	if on, berr := vc.StatusListBit(list.CredentialSubject.EncodedList, index); err != nil || berr != nil || !on || list.CredentialSubject.StatusPurpose != "suspension" {
		t.Fatalf("suspension list bit %d: %v %v %v %+v", index, on, err, berr, list)
	}
	if v, err := c.VerifyCredential(ctx, iss.Credential, ""); err != nil || v.Valid || v.Code != client.CodeCredentialsSuspended {
		t.Fatalf("suspended %+v %v", v, err)
	}
}
