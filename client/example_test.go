package client_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// startNode runs an in-process node for the examples; against a real
// network, use the node's API URL instead.
func startNode() *apitest.Harness {
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	return h
}

// A signer takes a standard library Ed25519 key; client/keystore stores
// them sealed with a passphrase and hands them out as such.
func ExampleNewSigner() {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize) // a fixed seed, for a stable output
	s := client.NewSigner(ed25519.NewKeyFromSeed(seed))
	fmt.Println(s.PublicKey())
	// Output:
	// ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c
}

// An organisation's admin registers a physician, who then signs with their
// own key.
func Example() {
	node := startNode()
	defer node.Close()
	ctx := context.Background()
	c := client.New(node.URL)

	admin := client.NewSigner(apitest.PrivateKey("hospital-admin")) // from client/keystore in real use
	grey := client.NewSigner(apitest.PrivateKey("dr-grey"))

	res, err := c.Send(ctx, admin, client.RegisterMember{
		Handle: "dr-grey", Roles: []string{"physician"}, PublicKey: grey.PublicKey(),
	})
	if err != nil {
		log.Fatal(err)
	}
	var created client.Created
	if err := res.Decode(&created); err != nil {
		log.Fatal(err)
	}
	fmt.Println("registered", created.ID, res.Status)

	// The physician adds a second key, signing with the first.
	if _, err := c.Send(ctx, grey, client.AddKey{PublicKey: client.NewSigner(apitest.PrivateKey("dr-grey-laptop")).PublicKey()}); err != nil {
		log.Fatal(err)
	}
	id, err := c.Identity(ctx, created.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id.Kind, id.Member.Roles, len(id.Keys), "keys")
	// Output:
	// registered general-hospital/dr-grey committed
	// member [physician] 2 keys
}

// Errors carry stable codes: branch on them with IsCode.
func ExampleIsCode() {
	node := startNode()
	defer node.Close()
	ctx := context.Background()
	c := client.New(node.URL)

	// The lab's admin may not change the hospital's members.
	lab := client.NewSigner(apitest.PrivateKey("lab-admin"))
	_, err := c.Send(ctx, lab, client.SetRoles{Member: "general-hospital/admin", Roles: []string{"nurse"}})
	fmt.Println(client.IsCode(err, client.CodeIdentityUnauthorized))
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code)
	}
	// Output:
	// true
	// 403 identity.unauthorized
}

// A record read with a proof can be checked against a block header instead
// of trusting the node.
func ExampleVerifyProof() {
	node := startNode()
	defer node.Close()
	ctx := context.Background()
	c := client.New(node.URL)

	org, err := c.Org(ctx, "city-lab", client.WithProof())
	if err != nil {
		log.Fatal(err)
	}
	// The root of the state after block h is in the header of block h+1.
	// A real network makes blocks all the time; the example node makes one.
	if _, err := node.Commit(); err != nil {
		log.Fatal(err)
	}
	// Take the header from a source you trust (a light client); here, the API.
	blk, err := c.Block(ctx, org.Proof.VerifyAgainst.BlockHeight)
	if err != nil {
		log.Fatal(err)
	}
	appHash, err := hex.DecodeString(blk.AppHash)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(org.Name, client.VerifyProof(org.Proof, appHash) == nil)

	org.Proof.Value = []byte(`{"id":"city-lab","name":"Forged Lab"}`)
	fmt.Println(errors.Is(client.VerifyProof(org.Proof, appHash), client.ErrProof))
	// Output:
	// City Lab true
	// true
}

// Governance: an admin proposes to admit an organisation and the others vote.
func ExampleAdmitOrg() {
	node := startNode()
	defer node.Close()
	ctx := context.Background()
	c := client.New(node.URL)

	admit := client.AdmitOrg{
		ID: "north-pharmacy", Name: "North Pharmacy", Kind: "pharmacy",
		Admin: "admin", AdminKey: client.NewSigner(apitest.PrivateKey("pharmacy-admin")).PublicKey(),
	}
	res, err := c.Send(ctx, client.NewSigner(apitest.PrivateKey("hospital-admin")), client.Propose{Title: "Admit North Pharmacy", Action: admit.Action()})
	if err != nil {
		log.Fatal(err)
	}
	var out client.Outcome
	res.Decode(&out)
	for _, voter := range []string{"insurer-admin", "lab-admin"} {
		if _, err := c.Send(ctx, client.NewSigner(apitest.PrivateKey(voter)), client.Vote{Proposal: out.Proposal, Approve: true}); err != nil {
			log.Fatal(err)
		}
	}
	p, err := c.Proposal(ctx, out.Proposal)
	if err != nil {
		log.Fatal(err)
	}
	// A decided proposal keeps the tally it was decided on: the new member
	// is not counted in its own admission.
	fmt.Printf("proposal %d %s: %d of %d yes\n", p.ID, p.Status, p.Tally.Yes, p.Tally.Members)
	// Output:
	// proposal 1 passed: 3 of 3 yes
}

// A clinician breaks the glass; once the window has closed, a privacy
// officer of the clinician's organisation flags it, and the patient finds
// the review in their access log.
func ExampleReviewBreakGlass() {
	node := startNode()
	defer node.Close()
	ctx := context.Background()
	c := client.New(node.URL)
	send := func(s *client.Signer, msg client.Msg, out any) {
		res, err := c.Send(ctx, s, msg)
		if err != nil {
			log.Fatal(err)
		}
		if out != nil {
			if err := res.Decode(out); err != nil {
				log.Fatal(err)
			}
		}
	}
	admin := client.NewSigner(apitest.PrivateKey("hospital-admin"))
	grey := client.NewSigner(apitest.PrivateKey("dr-grey"))
	privacy := client.NewSigner(apitest.PrivateKey("hospital-privacy"))
	patient := client.NewSigner(apitest.PrivateKey("patient-1"))
	send(admin, client.RegisterMember{Handle: "dr-grey", Roles: []string{"physician"}, PublicKey: grey.PublicKey()}, nil)
	send(admin, client.RegisterMember{Handle: "privacy", Roles: []string{"privacy-officer"}, PublicKey: privacy.PublicKey()}, nil)
	var pt client.Created
	send(patient, client.RegisterPatient{}, &pt)

	var w client.BreakGlass
	send(grey, client.OpenBreakGlass{Patient: pt.ID, Reason: "patient-unconscious", Minutes: 1}, &w)
	// Who reads what is private: the privacy officer signs the read (As),
	// and so does the patient.
	unreviewed, err := c.As(privacy).UnreviewedBreakGlass(ctx, "general-hospital", "", 10)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("to review:", len(unreviewed.Items), unreviewed.Items[0].Reader)

	for range 61 { // the test node makes a block a second: the window closes
		node.Commit()
	}
	send(privacy, client.ReviewBreakGlass{Window: w.ID, Outcome: client.ReviewFlagged, Reason: "no-emergency"}, nil)

	entries, err := c.As(patient).AccessLog(ctx, pt.ID, "", 10)
	if err != nil {
		log.Fatal(err)
	}
	e := entries.Items[len(entries.Items)-1]
	fmt.Println(e.Kind, e.Reader, e.Reason, "->", e.Outcome, e.Review.Reason, "by", e.Review.By)
	// Output:
	// to review: 1 general-hospital/dr-grey
	// break-glass-review general-hospital/dr-grey patient-unconscious -> flagged no-emergency by general-hospital/privacy
}

// Private reads are signed by the reader (As), or carry a token (WithToken).
func ExampleClient_As() {
	node := startNode()
	defer node.Close()
	ctx := context.Background()
	c := client.New(node.URL)
	patient := client.NewSigner(apitest.PrivateKey("patient-1"))
	res, err := c.Send(ctx, patient, client.RegisterPatient{})
	if err != nil {
		log.Fatal(err)
	}
	var pt client.Created
	if err := res.Decode(&pt); err != nil {
		log.Fatal(err)
	}

	_, err = c.Grants(ctx, pt.ID)
	fmt.Println("anonymous:", client.IsCode(err, client.CodeUnauthenticated))
	grants, err := c.As(patient).Grants(ctx, pt.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("as the patient:", len(grants.Items), "grants")

	tok, err := c.Token(ctx, patient, 5*time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.WithToken(tok.Token).Whoami(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token stands for", me.Kind, me.ID == pt.ID)
	// Output:
	// anonymous: true
	// as the patient: 0 grants
	// token stands for patient true
}
