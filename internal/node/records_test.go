package node

import (
	"bytes"
	"context"
	stded25519 "crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/tx"
	"github.com/medchain/medchain/internal/vault"
)

// demoSigner is the signer of a demo key of `medchain dev`.
func demoSigner(name string) *client.Signer {
	return client.NewSigner(stdKey(DevSeed(name)))
}

func demoPatient(name string) string { return identity.PatientID(pubFromSeed(DevSeed(name))) }

// startDev starts a dev node in a temporary home and returns it with an SDK
// client of its API.
func startDev(t testing.TB) (*Node, *client.Client) {
	t.Helper()
	base := freeBase(t, 2)
	home := t.TempDir()
	if _, err := InitDev(home, fmt.Sprintf("127.0.0.1:%d", base+5), Ports{P2P: base, RPC: base + 1}); err != nil {
		t.Fatal(err)
	}
	n, err := Start(context.Background(), home, Options{LogOutput: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	waitFor(t, "readiness", 30*time.Second, func() bool { return n.ready(context.Background()) == nil })
	// Once serving, a node without a certificate still says http (the
	// server sets up a TLS config of its own for HTTP/2).
	if u := n.APIURL(); !strings.HasPrefix(u, "http://") {
		t.Fatalf("APIURL of a plain HTTP node = %s", u)
	}
	return n, client.New(n.APIURL())
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantCode(t *testing.T, err error, code string) *client.Error {
	t.Helper()
	if !client.IsCode(err, code) {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	ce := err.(*client.Error)
	return ce
}

// TestRecordLifecycle walks one record through a dev node: a physician adds
// it, the patient reads it back byte for byte, another organisation is
// refused until the patient grants, a revocation ends that, a break-glass
// read is flagged, every read is in the patient's access log, and an erasure
// shreds the ciphertext so that later reads are 410 Gone.
func TestRecordLifecycle(t *testing.T) {
	n, c := startDev(t)
	ctx := context.Background()
	alice, grey, patel, privacy := demoSigner("alice"), demoSigner("dr-grey"), demoSigner("dr-patel"), demoSigner("hospital-privacy")
	aliceID := demoPatient("alice")
	doc := readFile(t, "../fhirdoc/testdata/Observation-f001.json")

	// Invalid FHIR is refused, naming the field, and nothing is stored.
	_, err := c.Upload(ctx, grey, client.Upload{Patient: aliceID, Document: []byte(`{"resourceType":"Observation","status":"bogus","code":{"text":"x"}}`)})
	ce := wantCode(t, err, "records.invalid_document")
	if ce.Status != 400 || !strings.Contains(ce.Detail, "status") {
		t.Fatalf("invalid FHIR: %+v", ce)
	}
	// Only the custodian's authors add records.
	_, err = c.Upload(ctx, privacy, client.Upload{Patient: aliceID, Document: doc})
	wantCode(t, err, "records.unauthorized")

	up, err := c.AddRecord(ctx, grey, aliceID, "", doc)
	if err != nil {
		t.Fatal(err)
	}
	// The anchors are private: the custodian's members see them, another
	// organisation's physician without a grant does not, nor does anyone
	// anonymous.
	info, err := c.As(grey).RecordInfo(ctx, up.Record)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.As(patel).RecordInfo(ctx, up.Record)
	wantCode(t, err, client.CodeNotEntitled)
	_, err = c.RecordInfo(ctx, up.Record)
	wantCode(t, err, client.CodeUnauthenticated)
	if info.Custodian != "st-marys-hospital" || info.Latest != 1 || info.Versions[0].Author != "st-marys-hospital/dr-grey" || info.Versions[0].Types[0] != "Observation" {
		t.Fatalf("record info = %+v", info)
	}

	// The patient reads exactly the bytes that were stored.
	got, err := c.ReadRecord(ctx, alice, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Document, doc) || got.Basis != "owner" {
		t.Fatalf("read back %d bytes (basis %s), want the %d stored", len(got.Document), got.Basis, len(doc))
	}

	// Another organisation's physician is refused, with a receipt.
	_, err = c.ReadRecord(ctx, patel, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	ce = wantCode(t, err, "records.no_grant")
	if ce.Status != 403 || ce.Receipt == "" {
		t.Fatalf("refusal: %+v", ce)
	}
	// The same through the FHIR facade: the document as a Binary, to the
	// signer of the read request only, receipted either way.
	fd, err := c.FHIRRecord(ctx, alice, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fd.Document, doc) || fd.Receipt == "" || fd.SecurityContext.Reference != "Patient/"+aliceID {
		t.Fatalf("FHIR read: %d bytes, receipt %q, context %q", len(fd.Document), fd.Receipt, fd.SecurityContext.Reference)
	}
	_, err = c.FHIRRecord(ctx, patel, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	if ce := wantCode(t, err, "records.no_grant"); ce.Status != 403 || ce.Receipt == "" {
		t.Fatalf("FHIR refusal: %+v", ce)
	}
	// The patient grants the clinic; its physician reads; the grant is revoked; refused again.
	res, err := c.Send(ctx, alice, client.GrantConsent{
		Grantee: client.Grantee{Org: "riverside-clinic"}, Purposes: []string{"treatment"}, Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var created client.Created
	if err := res.Decode(&created); err != nil {
		t.Fatal(err)
	}
	got, err = c.ReadRecord(ctx, patel, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Document, doc) || got.Grant != created.ID {
		t.Fatalf("granted read: grant %q, %d bytes", got.Grant, len(got.Document))
	}
	_, err = c.ReadRecord(ctx, patel, client.ReadRequest{Record: up.Record, Purpose: client.PurposeResearch})
	wantCode(t, err, "records.purpose_not_granted")
	if _, err := c.Send(ctx, alice, client.RevokeGrant{Grant: created.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ReadRecord(ctx, patel, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	wantCode(t, err, "records.grant_revoked")

	// Break-glass: the clinic physician opens a window and reads, flagged.
	res, err = c.Send(ctx, patel, client.OpenBreakGlass{Patient: aliceID, Reason: "patient-unconscious"})
	if err != nil {
		t.Fatal(err)
	}
	var win client.BreakGlass
	if err := res.Decode(&win); err != nil {
		t.Fatal(err)
	}
	got, err = c.ReadRecord(ctx, patel, client.ReadRequest{Record: up.Record, Purpose: client.PurposeEmergency, BreakGlass: win.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Basis != "break-glass" || got.BreakGlass != win.ID {
		t.Fatalf("break-glass read: %+v", got)
	}
	bg, err := c.As(alice).BreakGlassWindows(ctx, "patient", aliceID)
	if err != nil || len(bg.Items) != 1 || !bg.Items[0].Open {
		t.Fatalf("patient's break-glass windows: %+v %v", bg, err)
	}

	// A correction is a new version; the history stays readable.
	up2, err := c.AddRecord(ctx, grey, aliceID, up.Record, bytes.Replace(doc, []byte(`"final"`), []byte(`"amended"`), 1))
	if err != nil {
		t.Fatal(err)
	}
	if up2.Supersedes != 1 {
		t.Fatalf("correction supersedes %d", up2.Supersedes)
	}
	old, err := c.ReadRecord(ctx, alice, client.ReadRequest{Record: up.Record, Version: 1, Purpose: client.PurposeTreatment})
	if err != nil || !bytes.Equal(old.Document, doc) {
		t.Fatalf("version 1 after a correction: %v", err)
	}

	// Every read, served or refused, is in the patient's access log: the
	// refusals once their batch is written (ADR 20; flushed here rather
	// than waited for).
	if lost := n.Vault().FlushRefusals(ctx); lost != 0 {
		t.Fatalf("%d receipts of refused reads lost", lost)
	}
	log, err := c.As(alice).AccessLog(ctx, aliceID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var granted, denied, glass int
	for _, r := range log.Items {
		switch {
		case r.Outcome == "denied":
			denied++
		case r.BreakGlass != "":
			glass++
		default:
			granted++
		}
	}
	if granted != 4 || denied != 4 || glass != 1 { // the FHIR facade's read and refusal among them
		t.Fatalf("access log: %d granted, %d denied, %d break-glass; want 4, 4, 1: %+v", granted, denied, glass, log.Items)
	}
	orgLog, err := c.As(privacy).OrgAccessLog(ctx, "st-marys-hospital", "", 100)
	if err != nil || len(orgLog.Items) != len(log.Items) {
		t.Fatalf("custodian's access log has %d entries, want %d (%v)", len(orgLog.Items), len(log.Items), err)
	}

	// Erasure: the ciphertext and keys are shredded; reads are 410 Gone.
	if _, err := c.Send(ctx, alice, client.EraseRecord{Record: up.Record, Reason: "patient-request"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ReadRecord(ctx, alice, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	ce = wantCode(t, err, "records.erased")
	if ce.Status != 410 || !strings.Contains(ce.Detail, "patient-request") {
		t.Fatalf("read after erasure: %+v", ce)
	}
	for _, h := range []string{up.Hash, up2.Hash} {
		sum, _ := hex.DecodeString(h)
		waitFor(t, "shredding of "+h, 10*time.Second, func() bool {
			keys, _ := n.Vault().Blobs().Keys([32]byte(sum))
			return !n.Vault().Blobs().Has([32]byte(sum)) && len(keys) == 0
		})
	}
}

// TestRecordReadAcrossNodes: a record held by the hospital's node is read,
// under the patient's grant, by a physician of the clinic, whose own
// organisation runs the other validator. The receipt reaches both nodes.
func TestRecordReadAcrossNodes(t *testing.T) {
	dir := t.TempDir()
	base := freeBase(t, 3)
	specs, err := Testnet(dir, TestnetOptions{Validators: 2, BasePort: base, APIPort: base + 20, TimeoutCommit: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var nodes [2]*Node
	var clients [2]*client.Client
	admins := [2]*client.Signer{}
	for k := range nodes {
		n, err := Start(ctx, specs[k].Home, Options{LogOutput: logWriter{t}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Stop() })
		nodes[k], clients[k] = n, client.New(n.APIURL())
		ks, err := keystore.Open(filepath.Join(specs[k].Home, KeystoreFile))
		if err != nil {
			t.Fatal(err)
		}
		key, err := ks.Key("admin", keystore.DevPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		admins[k] = client.NewSigner(key)
	}
	for k := range nodes {
		waitFor(t, "readiness", 60*time.Second, func() bool { return nodes[k].ready(ctx) == nil })
	}
	hospital, clinic := specs[0].Org, specs[1].Org
	if got := nodes[0].Vault().Orgs(); len(got) != 1 || got[0] != hospital {
		t.Fatalf("node0 keeps the records of %v, want [%s]", got, hospital)
	}
	// Each organisation registers a physician, through its own node.
	readerKey := ed25519.GenPrivKey()
	author, reader := client.NewSigner(stded25519.PrivateKey(ed25519.GenPrivKey())), client.NewSigner(stded25519.PrivateKey(readerKey))
	if _, err := clients[0].Send(ctx, admins[0], client.RegisterMember{Handle: "dr-a", Roles: []string{"physician"}, PublicKey: author.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	if _, err := clients[1].Send(ctx, admins[1], client.RegisterMember{Handle: "dr-b", Roles: []string{"physician"}, PublicKey: reader.PublicKey()}); err != nil {
		t.Fatal(err)
	}
	pt := client.NewSigner(stded25519.PrivateKey(ed25519.GenPrivKey()))
	res, err := clients[1].Send(ctx, pt, client.RegisterPatient{})
	if err != nil {
		t.Fatal(err)
	}
	var patient client.Created
	if err := res.Decode(&patient); err != nil {
		t.Fatal(err)
	}
	// node0 must see what node1 committed before it serves it.
	waitFor(t, "node0 to see the patient", 20*time.Second, func() bool {
		_, ok := nodes[0].App().Identity().Patient(nodes[0].App().State().Committed(), patient.ID)
		return ok
	})

	doc := readFile(t, "../fhirdoc/testdata/Observation-f001.json")
	up, err := clients[0].AddRecord(ctx, author, patient.ID, "", doc)
	if err != nil {
		t.Fatal(err)
	}
	// The clinic's node does not keep the record; the ledger says which
	// node does (the hospital's node published its endpoint at start).
	waitFor(t, "node1 to see the record and the hospital's endpoint", 20*time.Second, func() bool {
		info, err := clients[1].As(pt).RecordInfo(ctx, up.Record)
		return err == nil && info.Custodian == hospital && info.CustodianEndpoint == nodes[0].APIURL()
	})
	// The clinic's node itself answers a read request with where to go.
	msg, _ := json.Marshal(records.ReadRequest{Record: up.Record, Purpose: records.PurposeTreatment})
	raw, err := tx.Sign(readerKey, tx.Body{ChainID: nodes[1].App().ChainID(), Nonce: 1,
		Expires: nodes[1].App().State().Version() + 100, Type: records.TypeReadRequest, Msg: msg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[1].Vault().Read(ctx, raw); !errors.Is(err, records.ErrNotCustodian) || !strings.Contains(err.Error(), hospital) {
		t.Fatalf("read at the clinic's node: %v, want records.not_custodian naming %s", err, hospital)
	}
	// Before any grant the clinic's physician may not see the record's
	// anchors, so asked through the clinic's node the SDK cannot learn the
	// custodian's endpoint, and says why: chain.not_entitled. Sent to the
	// hospital's node, the read is refused (no grant yet) and receipted.
	_, err = clients[1].ReadRecord(ctx, reader, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	wantCode(t, err, "chain.not_entitled")
	_, err = clients[0].ReadRecord(ctx, reader, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
	wantCode(t, err, "records.no_grant")

	if _, err := clients[1].Send(ctx, pt, client.GrantConsent{
		Grantee: client.Grantee{Org: clinic, Role: "physician"}, Purposes: []string{"treatment"}, Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var got *client.ReadResult
	waitFor(t, "node0 to see the grant", 20*time.Second, func() bool {
		got, err = clients[1].ReadRecord(ctx, reader, client.ReadRequest{Record: up.Record, Purpose: client.PurposeTreatment})
		return err == nil
	})
	if !bytes.Equal(got.Document, doc) {
		t.Fatalf("the clinic physician read %d bytes, want the %d stored", len(got.Document), len(doc))
	}
	// The receipt is on the ledger: both nodes list it, to the patient.
	for k, c := range clients {
		waitFor(t, fmt.Sprintf("node%d to list the receipt", k), 20*time.Second, func() bool {
			log, err := c.As(pt).AccessLog(ctx, patient.ID, "", 100)
			if err != nil {
				return false
			}
			for _, r := range log.Items {
				if r.ID == got.Receipt && r.Reader == clinic+"/dr-b" && r.Outcome == "granted" && r.Custodian == hospital {
					return true
				}
			}
			return false
		})
	}
}

// TestUnanchoredUploadsAreShredded: an upload its author never anchors is
// shredded once it is older than the upload TTL in block time; anchored
// records stay readable.
func TestUnanchoredUploadsAreShredded(t *testing.T) {
	n, c := startDev(t)
	ctx := context.Background()
	alice, grey := demoSigner("alice"), demoSigner("dr-grey")
	aliceID := demoPatient("alice")
	doc := readFile(t, "../fhirdoc/testdata/Observation-f001.json")

	ups, err := c.Upload(ctx, grey, client.Upload{Patient: aliceID, Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := hex.DecodeString(ups[0].Hash)
	if err != nil || len(sum) != 32 {
		t.Fatalf("upload hash %q", ups[0].Hash)
	}
	abandoned := [32]byte(sum)
	anchored, err := c.AddRecord(ctx, grey, aliceID, "", doc)
	if err != nil {
		t.Fatal(err)
	}
	blobs := n.Vault().Blobs()
	if keys, _ := blobs.Keys(abandoned); !blobs.Has(abandoned) || len(keys) == 0 {
		t.Fatalf("the upload is not stored: blob %v, keys %v", blobs.Has(abandoned), keys)
	}

	// Within the TTL nothing goes.
	now := n.app.LastBlockTime()
	if got, err := n.Vault().Sweep(now.Add(vault.DefaultUploadTTL - time.Minute)); err != nil || got != 0 {
		t.Fatalf("sweep within the TTL shredded %d (%v)", got, err)
	}
	if !blobs.Has(abandoned) {
		t.Fatal("an upload within its TTL was shredded")
	}
	// Past it, the unanchored upload and its wrapped keys go.
	if got, err := n.Vault().Sweep(now.Add(vault.DefaultUploadTTL + time.Minute)); err != nil || got != 1 {
		t.Fatalf("sweep past the TTL shredded %d (%v), want 1", got, err)
	}
	if keys, _ := blobs.Keys(abandoned); blobs.Has(abandoned) || len(keys) != 0 {
		t.Fatalf("the abandoned upload survived: blob %v, keys %v", blobs.Has(abandoned), keys)
	}
	// The anchored record is untouched.
	got, err := c.ReadRecord(ctx, alice, client.ReadRequest{Record: anchored.Record, Purpose: client.PurposeTreatment})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Document, doc) {
		t.Fatalf("anchored record read back %d bytes, want %d", len(got.Document), len(doc))
	}
}
