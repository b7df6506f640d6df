package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// A patient's grants are answered to the patient signing the read, or
// holding a token; to nobody anonymous, and to no other identity.
func TestPrivateReads(t *testing.T) {
	_, c := start(t, apitest.Options{})
	ctx := context.Background()
	ada := signer("pt-ada")
	pt := createdID(t, sendOK(t, c, ada, client.RegisterPatient{}))
	expires := apitest.GenesisTime.AddDate(1, 0, 0)
	grant := createdID(t, sendOK(t, c, ada, client.GrantConsent{
		Grantee: client.Grantee{Org: "general-hospital", Role: "physician"}, Purposes: []string{client.PurposeTreatment}, Expires: expires,
	}))

	// Signed reads: one fresh signature per request, so the same client
	// reads again and again.
	as := c.As(ada)
	for range 3 {
		grants, err := as.Grants(ctx, pt)
		if err != nil || len(grants.Items) != 1 || grants.Items[0].ID != grant {
			t.Fatalf("grants read as the patient: %+v %v", grants, err)
		}
	}
	// The signature covers the query and an escaped path exactly as sent.
	if recs, err := as.PatientRecords(ctx, pt, "rec-0", 7); err != nil || len(recs.Items) != 0 {
		t.Fatalf("records read as the patient: %+v %v", recs, err)
	}
	if id, err := as.Identity(ctx, "general-hospital/admin", client.WithProof()); err != nil || id.Proof == nil {
		t.Fatalf("member read with a signature: %+v %v", id, err)
	}
	if me, err := as.Whoami(ctx); err != nil || me.ID != pt || me.Kind != "patient" || me.Key != ada.PublicKey() {
		t.Fatalf("whoami: %+v %v", me, err)
	}

	// Anonymous: 401; another identity: 403.
	var e *client.Error
	if _, err := c.Grants(ctx, pt); !client.IsCode(err, client.CodeUnauthenticated) || !errors.As(err, &e) || e.Status != 401 {
		t.Fatalf("anonymous grants: %v", err)
	}
	if _, err := c.Whoami(ctx); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("anonymous whoami: %v", err)
	}
	if _, err := c.As(signer("hospital-admin")).Grants(ctx, pt); !client.IsCode(err, client.CodeNotEntitled) || !errors.As(err, &e) || e.Status != 403 {
		t.Fatalf("another identity's grants: %v", err)
	}
	// A key the ledger does not know is no one.
	if _, err := c.As(signer("stranger")).Grants(ctx, pt); !client.IsCode(err, client.CodeIdentityUnknownSigner) || !errors.As(err, &e) || e.Status != 401 {
		t.Fatalf("unknown key's grants: %v", err)
	}

	// A token stands for the key until it is ended.
	tok, err := c.Token(ctx, ada, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Token, "mct_") || tok.Key != ada.PublicKey() || tok.Identity.ID != pt ||
		tok.ExpiresAt.Before(time.Now().Add(time.Minute)) || tok.ExpiresAt.After(time.Now().Add(3*time.Minute)) {
		t.Fatalf("token %+v", tok)
	}
	tc := c.WithToken(tok.Token)
	if grants, err := tc.Grants(ctx, pt); err != nil || len(grants.Items) != 1 {
		t.Fatalf("grants with a token: %+v %v", grants, err)
	}
	if me, err := tc.Whoami(ctx); err != nil || me.ID != pt {
		t.Fatalf("whoami with a token: %+v %v", me, err)
	}
	if err := tc.EndToken(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Grants(ctx, pt); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("grants with an ended token: %v", err)
	}
	if err := tc.EndToken(ctx); !client.IsCode(err, client.CodeUnauthenticated) {
		t.Fatalf("ending an ended token: %v", err)
	}
	if err := c.EndToken(ctx); err == nil {
		t.Fatal("EndToken without a token")
	}
	// The default lifetime, and one the node refuses.
	if tok, err := c.Token(ctx, ada, 0); err != nil || tok.ExpiresAt.Before(time.Now().Add(14*time.Minute)) {
		t.Fatalf("default token: %+v %v", tok, err)
	}
	if _, err := c.Token(ctx, ada, 2*time.Hour); err == nil {
		t.Fatal("a two-hour token was issued")
	}
	if _, err := c.Token(ctx, signer("stranger"), 0); !client.IsCode(err, client.CodeIdentityUnknownSigner) {
		t.Fatalf("token for an unknown key: %v", err)
	}
}
