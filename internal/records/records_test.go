package records_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

const chainID = "medchain-test"

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func key(name string) ed25519.PrivKey { return ed25519.GenPrivKeyFromSecret([]byte(name)) }
func pub(name string) tx.PubKey       { return tx.PubKey(key(name).PubKey().Bytes()) }

// dir is a fake identity directory: members by ID, patients, keys.
type dir struct {
	members  map[string]ledger.Principal
	patients map[string]bool
	keys     map[string]ledger.Principal
}

func (d *dir) PatientExists(_ state.Reader, id string) bool { return d.patients[id] }
func (d *dir) Member(_ state.Reader, id string) (string, []ledger.Role, bool) {
	m, ok := d.members[id]
	return m.Org, m.Roles, ok
}
func (d *dir) Exists(_ state.Reader, id string) bool { return d.patients[id] || d.members[id].ID != "" }
func (d *dir) KeyOwner(_ state.Reader, k tx.PubKey) (ledger.Principal, bool) {
	p, ok := d.keys[k.String()]
	return p, ok
}
func (d *dir) OrgActive(_ state.Reader, org string) bool {
	for _, m := range d.members {
		if m.Org == org {
			return true
		}
	}
	return false
}
func (d *dir) KnownRole(role string) bool {
	return slices.Contains([]string{"admin", "physician", "nurse", "pharmacist", "privacy-officer", "custodian", "researcher"}, role)
}

// world is a records keeper over an in-memory store with a cast: patients
// alice and bob (alice's guardian gus is a patient too), a hospital with a
// physician, a nurse, a privacy officer and its node, a clinic physician.
type world struct {
	t      *testing.T
	k      *records.Keeper
	db     *state.DB
	dir    *dir
	height int64
	now    time.Time
	seq    int
}

func member(org, handle string, roles ...ledger.Role) ledger.Principal {
	id := org + "/" + handle
	return ledger.Principal{ID: id, Kind: ledger.Member, Org: org, Roles: roles, Key: pub(id)}
}

func patient(id string) ledger.Principal {
	return ledger.Principal{ID: id, Kind: ledger.Patient, Key: pub(id)}
}

var (
	alice    = patient("pt-alice")
	bob      = patient("pt-bob")
	gus      = patient("pt-gus")
	house    = member("hospital", "dr-house", "physician")
	nurse    = member("hospital", "nurse-joy", "nurse")
	privacy  = member("hospital", "privacy", "privacy-officer")
	node     = member("hospital", "node", "custodian")
	registra = member("hospital", "front-desk", "admin")
	clinicDr = member("clinic", "dr-who", "physician")
	clinicNd = member("clinic", "node", "custodian")
)

func newWorld(t *testing.T) *world {
	t.Helper()
	db, err := state.Open("", state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := &dir{members: map[string]ledger.Principal{}, patients: map[string]bool{}, keys: map[string]ledger.Principal{}}
	for _, p := range []ledger.Principal{alice, bob, gus} {
		d.patients[p.ID] = true
		d.keys[p.Key.String()] = p
	}
	for _, m := range []ledger.Principal{house, nurse, privacy, node, registra, clinicDr, clinicNd} {
		d.members[m.ID] = m
		d.keys[m.Key.String()] = m
	}
	return &world{t: t, k: records.New(d), db: db, dir: d, height: 1, now: t0}
}

// exec runs one message as signer in its own block and commits it.
func (w *world) exec(signer ledger.Principal, typ string, msg any) (any, error) {
	w.t.Helper()
	raw, err := json.Marshal(msg)
	if err != nil {
		w.t.Fatal(err)
	}
	var route ledger.Route
	for _, r := range w.k.Routes() {
		if r.Type == typ {
			route = r
		}
	}
	if route.Handler == nil {
		w.t.Fatalf("no route %s", typ)
	}
	w.seq++
	o := state.NewOverlay(w.db.Working())
	ctx := &ledger.Context{Store: o, ChainID: chainID, Height: w.height, Time: w.now,
		TxHash: tx.HashOf([]byte(fmt.Sprint(typ, w.seq))), Signer: signer, SignerKey: signer.Key}
	res, err := route.Handler(ctx, raw)
	if err == nil {
		o.Flush(w.db.Working())
	}
	if _, _, cerr := w.db.Commit(); cerr != nil {
		w.t.Fatal(cerr)
	}
	w.height++
	w.now = w.now.Add(5 * time.Second)
	return res, err
}

func (w *world) must(signer ledger.Principal, typ string, msg any) any {
	w.t.Helper()
	res, err := w.exec(signer, typ, msg)
	if err != nil {
		w.t.Fatalf("%s by %s: %v", typ, signer.ID, err)
	}
	return res
}

func hashOf(s string) string { return records.HashHex([]byte(s)) }

// addRecord anchors a new record of patient with the given types.
func (w *world) addRecord(author ledger.Principal, pt string, types ...string) string {
	w.t.Helper()
	h := hashOf(fmt.Sprint("ct", w.seq, pt))
	id := records.RecordIDFor(h)
	w.must(author, records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: id, Patient: pt, Types: types, Hash: h, Size: 100}}})
	return id
}

func (w *world) grant(by ledger.Principal, g records.GrantMsg) string {
	w.t.Helper()
	if g.Expires.IsZero() {
		g.Expires = w.now.Add(24 * time.Hour)
	}
	if len(g.Purposes) == 0 {
		g.Purposes = []string{records.PurposeTreatment}
	}
	return w.must(by, records.TypeGrant, g).(ledger.Created).ID
}

func (w *world) authorize(reader ledger.Principal, record, purpose string) records.Decision {
	return w.k.Authorize(w.db.Committed(), records.Access{Reader: reader, Record: record, Purpose: purpose, Now: w.now})
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func TestAddAndCorrect(t *testing.T) {
	w := newWorld(t)
	id := w.addRecord(house, alice.ID, "Observation")
	rec, ok := w.k.Record(w.db.Committed(), id)
	if !ok || rec.Custodian != "hospital" || rec.Latest != 1 || rec.Patient != alice.ID {
		t.Fatalf("record = %+v", rec)
	}
	h2 := hashOf("v2")
	res := w.must(nurse, records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: id, Patient: alice.ID, Types: []string{"Observation"}, Hash: h2, Size: 90, Supersedes: 1}}})
	if got := res.(records.AddResult).Versions; len(got) != 1 || got[0].Version != 2 {
		t.Fatalf("result = %+v", got)
	}
	vs := w.k.Versions(w.db.Committed(), id)
	if len(vs) != 2 || vs[1].Supersedes != 1 || vs[1].Author != nurse.ID || vs[0].Author != house.ID {
		t.Fatalf("versions = %+v", vs)
	}
	if ref, ok := w.k.ByHash(w.db.Committed(), h2); !ok || ref.Version != 2 {
		t.Fatalf("by hash = %+v %v", ref, ok)
	}
	ids, _ := w.k.PatientRecords(w.db.Committed(), alice.ID, "", 10)
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("patient records = %v", ids)
	}

	anchor := func(mod func(*records.Anchor)) records.Add {
		a := records.Anchor{Record: id, Patient: alice.ID, Types: []string{"Observation"}, Hash: hashOf(fmt.Sprint("x", w.seq)), Size: 10, Supersedes: 2}
		mod(&a)
		return records.Add{Anchors: []records.Anchor{a}}
	}
	for _, c := range []struct {
		name   string
		signer ledger.Principal
		msg    records.Add
		want   error
	}{
		{"stale version", house, anchor(func(a *records.Anchor) { a.Supersedes = 1 }), records.ErrStale},
		{"not an author", privacy, anchor(func(*records.Anchor) {}), records.ErrUnauthorized},
		{"a patient", alice, anchor(func(*records.Anchor) {}), records.ErrUnauthorized},
		{"other custodian", clinicDr, anchor(func(*records.Anchor) {}), records.ErrUnauthorized},
		{"same hash again", house, anchor(func(a *records.Anchor) { a.Hash = h2 }), records.ErrExists},
		{"record exists", house, anchor(func(a *records.Anchor) { a.Supersedes = 0 }), records.ErrExists},
		{"unknown patient", house, anchor(func(a *records.Anchor) {
			a.Supersedes = 0
			a.Record = records.RecordIDFor(a.Hash)
			a.Patient = "pt-nobody"
		}), records.ErrNotFound},
		{"another patient", house, anchor(func(a *records.Anchor) { a.Patient = bob.ID }), records.ErrInvalidAnchor},
		{"unknown record", house, anchor(func(a *records.Anchor) { a.Record = records.RecordIDFor(a.Hash) }), records.ErrUnknownRecord},
		{"bad type", house, anchor(func(a *records.Anchor) { a.Types = []string{"observation"} }), ledger.ErrInvalidMsg},
		{"bad hash", house, anchor(func(a *records.Anchor) { a.Hash = "ABC" }), ledger.ErrInvalidMsg},
		{"bad id", house, anchor(func(a *records.Anchor) { a.Record = "rec-1" }), ledger.ErrInvalidMsg},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The check a custodian's node runs on an upload's anchor
			// refuses it as the handler does.
			a := c.msg.Anchors[0]
			_, err := w.k.CheckAnchor(w.db.Committed(), c.signer, &a)
			wantErr(t, err, c.want)
			before := w.db.Committed().Hash()
			_, err = w.exec(c.signer, records.TypeAdd, c.msg)
			wantErr(t, err, c.want)
			if string(before) != string(w.db.Committed().Hash()) {
				t.Fatal("a refused message changed state")
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	w := newWorld(t)
	obs := w.addRecord(house, alice.ID, "Observation")
	bundle := w.addRecord(house, alice.ID, "Bundle", "Observation", "Patient")
	bobs := w.addRecord(house, bob.ID, "Observation")

	// Nobody holds a grant yet.
	wantErr(t, w.authorize(house, obs, records.PurposeTreatment).Err, records.ErrNoGrant)
	// The patient reads their own records.
	if d := w.authorize(alice, obs, records.PurposeTreatment); d.Err != nil || d.Basis != records.BasisOwner {
		t.Fatalf("owner: %+v", d)
	}
	// A grant to the clinic (an organisation) covers its physician, and only for treatment of Observations.
	g := w.grant(alice, records.GrantMsg{Grantee: records.Grantee{Org: "clinic"}, Types: []string{"Observation"}})
	if d := w.authorize(clinicDr, obs, records.PurposeTreatment); d.Err != nil || d.Grant != g || d.Basis != records.BasisGrant {
		t.Fatalf("org grant: %+v", d)
	}
	wantErr(t, w.authorize(clinicDr, obs, records.PurposeResearch).Err, records.ErrPurpose)
	wantErr(t, w.authorize(clinicDr, bundle, records.PurposeTreatment).Err, records.ErrOutOfScope) // the bundle also holds Patient
	wantErr(t, w.authorize(clinicDr, bobs, records.PurposeTreatment).Err, records.ErrNoGrant)      // bob granted nothing
	wantErr(t, w.authorize(house, obs, records.PurposeTreatment).Err, records.ErrWrongOrg)         // alice's grants cover the clinic

	// A role grant covers hospital nurses, not its physicians.
	w.grant(alice, records.GrantMsg{Grantee: records.Grantee{Org: "hospital", Role: "nurse"}})
	if d := w.authorize(nurse, bundle, records.PurposeTreatment); d.Err != nil {
		t.Fatalf("role grant: %v", d.Err)
	}
	wantErr(t, w.authorize(house, bundle, records.PurposeTreatment).Err, records.ErrWrongOrg)

	// A member grant limited to one record.
	w.grant(alice, records.GrantMsg{Grantee: records.Grantee{Member: house.ID}, Records: []string{obs}, Purposes: []string{"treatment", "payment"}})
	if d := w.authorize(house, obs, records.PurposePayment); d.Err != nil {
		t.Fatalf("member grant: %v", d.Err)
	}
	wantErr(t, w.authorize(house, bundle, records.PurposeTreatment).Err, records.ErrOutOfScope)

	// Revocation: the clinic's grant stops at the next block.
	w.must(alice, records.TypeRevoke, records.Revoke{Grant: g})
	wantErr(t, w.authorize(clinicDr, obs, records.PurposeTreatment).Err, records.ErrGrantRevoked)
	_, err := w.exec(alice, records.TypeRevoke, records.Revoke{Grant: g})
	wantErr(t, err, records.ErrGrantRevoked)
	_, err = w.exec(bob, records.TypeRevoke, records.Revoke{Grant: g})
	wantErr(t, err, records.ErrUnauthorized)

	// Expiry goes by block time.
	short := w.grant(alice, records.GrantMsg{Grantee: records.Grantee{Member: clinicDr.ID}, Expires: w.now.Add(time.Minute)})
	if d := w.authorize(clinicDr, obs, records.PurposeTreatment); d.Grant != short {
		t.Fatalf("short grant: %+v", d)
	}
	w.now = w.now.Add(2 * time.Minute)
	wantErr(t, w.authorize(clinicDr, obs, records.PurposeTreatment).Err, records.ErrGrantExpired)

	// Unknown records.
	wantErr(t, w.authorize(clinicDr, records.RecordIDFor(hashOf("none")), records.PurposeTreatment).Err, records.ErrUnknownRecord)
}

func TestConditionAndDelegates(t *testing.T) {
	w := newWorld(t)
	obs := w.addRecord(house, alice.ID, "Observation")
	_, err := w.exec(alice, records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Org: "clinic"}, Purposes: []string{"treatment"},
		Expires: w.now.Add(time.Hour), Condition: "purpose == 1.5"})
	wantErr(t, err, records.ErrBadCondition)
	_, err = w.exec(alice, records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Org: "clinic"}, Purposes: []string{"treatment"},
		Expires: w.now.Add(-time.Hour)})
	wantErr(t, err, ledger.ErrInvalidMsg)

	until := w.now.Unix() + 600
	w.grant(alice, records.GrantMsg{Grantee: records.Grantee{Org: "clinic"}, Condition: fmt.Sprintf(`"physician" in reader_roles && now < %d`, until)})
	if d := w.authorize(clinicDr, obs, records.PurposeTreatment); d.Err != nil {
		t.Fatalf("condition true: %v", d.Err)
	}
	w.now = time.Unix(until, 0)
	wantErr(t, w.authorize(clinicDr, obs, records.PurposeTreatment).Err, records.ErrCondition)

	// A guardian acts for alice once she names him, and reads her records.
	_, err = w.exec(gus, records.TypeGrant, records.GrantMsg{Patient: alice.ID, Grantee: records.Grantee{Org: "hospital"}, Purposes: []string{"treatment"}, Expires: w.now.Add(time.Hour)})
	wantErr(t, err, records.ErrUnauthorized)
	wantErr(t, w.authorize(gus, obs, records.PurposeTreatment).Err, records.ErrNoGrant)
	exp := w.now.Add(24 * time.Hour)
	w.must(alice, records.TypeDelegate, records.Delegate{Delegate: gus.ID, Expires: &exp})
	w.grant(gus, records.GrantMsg{Patient: alice.ID, Grantee: records.Grantee{Org: "hospital"}})
	if d := w.authorize(house, obs, records.PurposeTreatment); d.Err != nil {
		t.Fatalf("grant by delegate: %v", d.Err)
	}
	if d := w.authorize(gus, obs, records.PurposeTreatment); d.Basis != records.BasisDelegate {
		t.Fatalf("delegate read: %+v", d)
	}
	w.must(alice, records.TypeDelegate, records.Delegate{Delegate: gus.ID})
	wantErr(t, w.authorize(gus, obs, records.PurposeTreatment).Err, records.ErrNoGrant)
	gs := w.k.Grants(w.db.Committed(), alice.ID, 10)
	if len(gs) != 2 {
		t.Fatalf("grants = %d, want 2", len(gs))
	}
}

func TestBreakGlass(t *testing.T) {
	w := newWorld(t)
	obs := w.addRecord(house, alice.ID, "Observation")
	_, err := w.exec(privacy, records.TypeBreakGlass, records.OpenBreakGlass{Patient: alice.ID, Reason: "life-threatening"})
	wantErr(t, err, records.ErrUnauthorized)
	_, err = w.exec(clinicDr, records.TypeBreakGlass, records.OpenBreakGlass{Patient: alice.ID, Reason: "curious"})
	wantErr(t, err, ledger.ErrInvalidMsg)
	win := w.must(clinicDr, records.TypeBreakGlass, records.OpenBreakGlass{Patient: alice.ID, Reason: "patient-unconscious", Minutes: 30}).(records.BreakGlass)

	access := func(reader ledger.Principal, purpose string) records.Decision {
		return w.k.Authorize(w.db.Committed(), records.Access{Reader: reader, Record: obs, Purpose: purpose, BreakGlass: win.ID, Now: w.now})
	}
	if d := access(clinicDr, records.PurposeEmergency); d.Err != nil || d.Basis != records.BasisBreakGlass {
		t.Fatalf("break-glass read: %+v", d)
	}
	wantErr(t, access(clinicDr, records.PurposeTreatment).Err, records.ErrBreakGlass)
	wantErr(t, access(house, records.PurposeEmergency).Err, records.ErrBreakGlass)
	bobRec := w.addRecord(house, bob.ID, "Observation")
	wantErr(t, w.k.Authorize(w.db.Committed(), records.Access{Reader: clinicDr, Record: bobRec, Purpose: "emergency", BreakGlass: win.ID, Now: w.now}).Err, records.ErrBreakGlass)
	w.now = w.now.Add(31 * time.Minute)
	wantErr(t, access(clinicDr, records.PurposeEmergency).Err, records.ErrBreakGlass)

	if got := w.k.BreakGlassFor(w.db.Committed(), "patient", alice.ID, 10); len(got) != 1 || got[0].Reader != clinicDr.ID {
		t.Fatalf("patient's break-glass list = %+v", got)
	}
	if got := w.k.BreakGlassFor(w.db.Committed(), "org", "clinic", 10); len(got) != 1 {
		t.Fatalf("org's break-glass list = %+v", got)
	}
}

// readRequest signs a read request as reader.
func readRequest(t *testing.T, reader ledger.Principal, rr records.ReadRequest, nonce uint64) []byte {
	t.Helper()
	msg, _ := json.Marshal(rr)
	raw, err := tx.Sign(key(reader.ID), tx.Body{ChainID: chainID, Signer: reader.Key, Nonce: nonce, Expires: 100, Type: records.TypeReadRequest, Msg: msg})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestReceiptsAndAccessLog(t *testing.T) {
	w := newWorld(t)
	obs := w.addRecord(house, alice.ID, "Observation")
	g := w.grant(alice, records.GrantMsg{Grantee: records.Grantee{Org: "clinic"}})
	ok := readRequest(t, clinicDr, records.ReadRequest{Record: obs, Purpose: "treatment"}, 1)
	no := readRequest(t, house, records.ReadRequest{Record: obs, Purpose: "research"}, 2)
	unknown := readRequest(t, clinicDr, records.ReadRequest{Record: records.RecordIDFor(hashOf("?")), Purpose: "treatment"}, 3)
	entries := []records.ReceiptEntry{
		{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisGrant, Grant: g, CheckedAt: w.height - 1},
		{Request: no, Outcome: records.Denied, Denial: "records.wrong_org", CheckedAt: w.height - 1},
		{Request: unknown, Outcome: records.Denied, Denial: "records.unknown_record", CheckedAt: w.height - 1},
	}
	// Only a custodian identity writes receipts, and only for its own records.
	_, err := w.exec(house, records.TypeReceipts, records.PostReceipts{Receipts: entries})
	wantErr(t, err, records.ErrUnauthorized)
	_, err = w.exec(clinicNd, records.TypeReceipts, records.PostReceipts{Receipts: entries[:1]})
	wantErr(t, err, records.ErrUnauthorized)
	// The reader's signature is checked.
	forged := append([]byte{}, ok...)
	forged[10] ^= 1
	_, err = w.exec(node, records.TypeReceipts, records.PostReceipts{Receipts: []records.ReceiptEntry{{Request: forged, Outcome: records.Granted, Version: 1, Basis: "grant", Grant: g, CheckedAt: 1}}})
	wantErr(t, err, records.ErrBadRequest)
	// A served read of an unknown record cannot be.
	_, err = w.exec(node, records.TypeReceipts, records.PostReceipts{Receipts: []records.ReceiptEntry{{Request: unknown, Outcome: records.Granted, Version: 1, Basis: "grant", Grant: g, CheckedAt: 1}}})
	wantErr(t, err, records.ErrUnknownRecord)
	// The custodian's decision is recorded as made, but it must name
	// grounds that exist, and say nothing a refusal cannot have.
	bobsGrant := w.grant(bob, records.GrantMsg{Grantee: records.Grantee{Org: "clinic"}})
	for _, c := range []struct {
		name string
		e    records.ReceiptEntry
		want error
	}{
		{"unknown basis", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: "friendship", CheckedAt: 1}, ledger.ErrInvalidMsg},
		{"grant basis without a grant", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisGrant, CheckedAt: 1}, ledger.ErrInvalidMsg},
		{"a grant on another basis", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisOwner, Grant: g, CheckedAt: 1}, ledger.ErrInvalidMsg},
		{"another patient's grant", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisGrant, Grant: bobsGrant, CheckedAt: 1}, records.ErrBadRequest},
		{"a grant that never was", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisGrant, Grant: "gr-000000000000000000000000", CheckedAt: 1}, records.ErrBadRequest},
		{"owner who is not the patient", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisOwner, CheckedAt: 1}, records.ErrBadRequest},
		{"delegate never named", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisDelegate, CheckedAt: 1}, records.ErrBadRequest},
		{"refusal with a basis", records.ReceiptEntry{Request: no, Outcome: records.Denied, Denial: "records.wrong_org", Basis: records.BasisOwner, CheckedAt: 1}, ledger.ErrInvalidMsg},
		{"refusal without a code", records.ReceiptEntry{Request: no, Outcome: records.Denied, Denial: "no", CheckedAt: 1}, ledger.ErrInvalidMsg},
		{"checked at no height", records.ReceiptEntry{Request: ok, Outcome: records.Granted, Version: 1, Basis: records.BasisGrant, Grant: g}, ledger.ErrInvalidMsg},
	} {
		before := w.db.Committed().Hash()
		_, err = w.exec(node, records.TypeReceipts, records.PostReceipts{Receipts: []records.ReceiptEntry{c.e}})
		if !errors.Is(err, c.want) {
			t.Fatalf("%s: error = %v, want %v", c.name, err, c.want)
		}
		if string(before) != string(w.db.Committed().Hash()) {
			t.Fatalf("%s: a refused receipt changed the state", c.name)
		}
	}

	w.must(node, records.TypeReceipts, records.PostReceipts{Receipts: entries})
	// A retry is harmless: nothing is written twice.
	w.must(node, records.TypeReceipts, records.PostReceipts{Receipts: entries[:1]})

	log, _ := w.k.AccessLog(w.db.Committed(), records.ByPatient, alice.ID, "", 10)
	if len(log) != 2 {
		t.Fatalf("alice's access log has %d entries, want 2: %+v", len(log), log)
	}
	// Receipts of one block are in receipt ID order.
	if log[0].Reader != clinicDr.ID {
		log[0], log[1] = log[1], log[0]
	}
	if log[0].Reader != clinicDr.ID || log[0].Outcome != records.Granted || log[0].Grant != g || log[0].Version != 1 {
		t.Fatalf("granted entry = %+v", log[0])
	}
	if log[1].Reader != house.ID || log[1].Outcome != records.Denied || log[1].Denial != "records.wrong_org" || log[1].Purpose != "research" {
		t.Fatalf("denied entry = %+v", log[1])
	}
	if byOrg, _ := w.k.AccessLog(w.db.Committed(), records.ByCustodian, "hospital", "", 10); len(byOrg) != 3 {
		t.Fatalf("hospital's receipts = %d, want 3", len(byOrg))
	}
	page, next := w.k.AccessLog(w.db.Committed(), records.ByPatient, alice.ID, "", 1)
	if len(page) != 1 || next == "" {
		t.Fatalf("page = %d next %q", len(page), next)
	}
	if rest, _ := w.k.AccessLog(w.db.Committed(), records.ByPatient, alice.ID, next, 10); len(rest) != 1 || rest[0].ID == page[0].ID {
		t.Fatalf("next page = %+v", rest)
	}
}

func TestErase(t *testing.T) {
	w := newWorld(t)
	a := w.addRecord(house, alice.ID, "Observation")
	b := w.addRecord(house, alice.ID, "Condition")
	_, err := w.exec(bob, records.TypeErase, records.Erase{Record: a, Reason: "patient-request"})
	wantErr(t, err, records.ErrUnauthorized)
	_, err = w.exec(house, records.TypeErase, records.Erase{Record: a, Reason: "patient-request"})
	wantErr(t, err, records.ErrUnauthorized)
	_, err = w.exec(alice, records.TypeErase, records.Erase{Record: a, Reason: "because"})
	wantErr(t, err, ledger.ErrInvalidMsg)
	w.must(alice, records.TypeErase, records.Erase{Record: a, Reason: "patient-request"})
	w.must(privacy, records.TypeErase, records.Erase{Record: b, Reason: "entered-in-error"})
	_, err = w.exec(alice, records.TypeErase, records.Erase{Record: a, Reason: "patient-request"})
	wantErr(t, err, records.ErrErased)

	d := w.authorize(alice, a, records.PurposeTreatment)
	wantErr(t, d.Err, records.ErrErased)
	if !strings.Contains(d.Err.Error(), "patient-request") || !strings.Contains(d.Err.Error(), "2026-03-01T") {
		t.Fatalf("erasure message does not say when and why: %v", d.Err)
	}
	rec, _ := w.k.Record(w.db.Committed(), a)
	if rec.Erasure == nil || len(rec.Erasure.Hashes) != 1 || rec.Erasure.By != alice.ID {
		t.Fatalf("tombstone = %+v", rec.Erasure)
	}
	// No new versions of an erased record.
	_, err = w.exec(house, records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: a, Patient: alice.ID, Types: []string{"Observation"}, Hash: hashOf("late"), Size: 1, Supersedes: 1}}})
	wantErr(t, err, records.ErrErased)
}

func TestSetEndpoint(t *testing.T) {
	w := newWorld(t)
	k := w.k
	// The custodian identity publishes; an admin may change it; the
	// trailing slash is not kept.
	w.must(node, records.TypeEndpoint, records.SetEndpoint{URL: "https://records.hospital.example/"})
	if e, ok := k.Endpoint(w.db.Committed(), "hospital"); !ok || e.URL != "https://records.hospital.example" || e.SetBy != node.ID {
		t.Fatalf("endpoint = %+v, %v", e, ok)
	}
	w.must(registra, records.TypeEndpoint, records.SetEndpoint{URL: "http://10.0.0.7:8080"})
	if e, _ := k.Endpoint(w.db.Committed(), "hospital"); e.URL != "http://10.0.0.7:8080" {
		t.Fatalf("endpoint after the admin's change = %+v", e)
	}
	// Each organisation publishes its own only.
	w.must(clinicNd, records.TypeEndpoint, records.SetEndpoint{URL: "https://clinic.example"})
	if e, _ := k.Endpoint(w.db.Committed(), "hospital"); e.URL != "http://10.0.0.7:8080" {
		t.Fatalf("the clinic changed the hospital's endpoint: %+v", e)
	}

	for _, c := range []struct {
		name   string
		signer ledger.Principal
		url    string
		want   error
		detail string
	}{
		{"patient", alice, "https://evil.example", records.ErrUnauthorized, "custodian identity or an admin"},
		{"physician", house, "https://evil.example", records.ErrUnauthorized, "custodian identity or an admin"},
		{"other scheme", node, "ftp://records.example", ledger.ErrInvalidMsg, "scheme must be https or http"},
		{"no host", node, "https:///v1", ledger.ErrInvalidMsg, "names no host"},
		{"relative", node, "records.example", ledger.ErrInvalidMsg, "scheme must be"},
		{"user info", node, "https://user:pw@records.example", ledger.ErrInvalidMsg, "user information"},
		{"query", node, "https://records.example/?x=1", ledger.ErrInvalidMsg, "no query or fragment"},
		{"fragment", node, "https://records.example/#top", ledger.ErrInvalidMsg, "no query or fragment"},
		{"too long", node, "https://records.example/" + strings.Repeat("a", records.MaxEndpointLen), ledger.ErrInvalidMsg, "at most 256"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := w.db.Committed().Hash()
			_, err := w.exec(c.signer, records.TypeEndpoint, records.SetEndpoint{URL: c.url})
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.detail) {
				t.Fatalf("error = %v, want %v saying %q", err, c.want, c.detail)
			}
			if string(before) != string(w.db.Committed().Hash()) {
				t.Fatal("a refused endpoint changed the state")
			}
		})
	}

	// An empty URL withdraws it.
	w.must(node, records.TypeEndpoint, records.SetEndpoint{})
	if e, ok := k.Endpoint(w.db.Committed(), "hospital"); ok {
		t.Fatalf("withdrawn endpoint still there: %+v", e)
	}
}

// A grant names an organisation of the network and a member role: a typo
// would otherwise make a grant nobody ever holds.
func TestGrantNamesRealGrantees(t *testing.T) {
	w := newWorld(t)
	exp := t0.Add(24 * time.Hour)
	for _, c := range []struct {
		name    string
		grantee records.Grantee
		want    error
		detail  string
	}{
		{"unknown org", records.Grantee{Org: "hopsital"}, records.ErrNotFound, `organisation "hopsital"`},
		{"unknown org with a role", records.Grantee{Org: "hopsital", Role: "nurse"}, records.ErrNotFound, `organisation "hopsital"`},
		{"unknown role", records.Grantee{Org: "hospital", Role: "nures"}, ledger.ErrInvalidMsg, `role "nures"`},
		{"unknown member", records.Grantee{Member: "hospital/dr-nobody"}, records.ErrNotFound, `member "hospital/dr-nobody"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := w.db.Committed().Hash()
			_, err := w.exec(alice, records.TypeGrant, records.GrantMsg{Grantee: c.grantee, Purposes: []string{"treatment"}, Expires: exp})
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.detail) {
				t.Fatalf("error = %v, want %v naming %s", err, c.want, c.detail)
			}
			if string(before) != string(w.db.Committed().Hash()) {
				t.Fatal("a refused grant changed the state")
			}
		})
	}
	w.must(alice, records.TypeGrant, records.GrantMsg{Grantee: records.Grantee{Org: "clinic", Role: "physician"}, Purposes: []string{"treatment"}, Expires: exp})
}

// Nothing but IDs and codes reaches the ledger through anchors and read
// requests: resource types are FHIR's, a window is a window ID.
func TestNoFreeTextInAnchorsOrRequests(t *testing.T) {
	w := newWorld(t)
	h := hashOf("free text")
	_, err := w.exec(house, records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: records.RecordIDFor(h), Patient: alice.ID, Types: []string{"AliceSmithHivPositive"}, Hash: h, Size: 1}}})
	if !errors.Is(err, ledger.ErrInvalidMsg) || !strings.Contains(err.Error(), "not a FHIR R4 resource type") {
		t.Fatalf("anchor with a made-up type: %v", err)
	}
	rr := records.ReadRequest{Record: records.RecordIDFor(h), Purpose: "emergency", BreakGlass: "Alice Smith has HIV"}
	if err := rr.Validate(); err == nil || !strings.Contains(err.Error(), "break-glass window ID") {
		t.Fatalf("read request with text as its window: %v", err)
	}
	rr.BreakGlass = "bg-0123456789abcdef01234567"
	if err := rr.Validate(); err != nil {
		t.Fatal(err)
	}
}
