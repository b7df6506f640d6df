package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/tx"
	"github.com/medchain/medchain/internal/vault"
)

const observation = `{"resourceType":"Observation","status":"final","code":{"text":"Heart rate"},"valueQuantity":{"value":72,"unit":"beats/minute"}}`

// fixture is a vault of general-hospital over an in-memory chain
// (apitest) that commits whatever reaches its mempool. Its identities:
// dr-grey (physician) and privacy (privacy-officer, no author role) of
// general-hospital, whose custodian member signs the receipts; tech
// (lab-technician) of city-lab, whose records this node does not keep; two
// patients.
type fixture struct {
	t       testing.TB
	h       *apitest.Harness
	waiters *chain.Waiters
	signers map[string]*localtx.Submitter
	v       *vault.Vault
	dir     string

	patient1, patient2 string
}

func newFixture(t testing.TB, opts ...func(*vault.Options)) *fixture {
	t.Helper()
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	f := &fixture{t: t, h: h, waiters: chain.NewWaiters(), signers: map[string]*localtx.Submitter{}, dir: t.TempDir()}
	h.App.Subscribe(f.waiters.Committed)
	t.Cleanup(f.waiters.Close)
	for _, m := range []struct {
		admin, key string
		msg        identity.RegisterMember
	}{
		{"hospital-admin", "dr-grey", identity.RegisterMember{Handle: "dr-grey", Roles: []ledger.Role{"physician"}}},
		{"hospital-admin", "hospital-privacy", identity.RegisterMember{Handle: "privacy", Roles: []ledger.Role{"privacy-officer"}}},
		{"hospital-admin", "hospital-custodian", identity.RegisterMember{Handle: "custodian", Kind: identity.System, Roles: []ledger.Role{"custodian"}}},
		{"lab-admin", "lab-tech", identity.RegisterMember{Handle: "tech", Roles: []ledger.Role{"lab-technician"}}},
	} {
		m.msg.PublicKey = apitest.PubKey(m.key)
		f.ok(m.admin, identity.TypeRegisterMember, m.msg)
	}
	f.patient1, f.patient2 = f.registerPatient("patient-1"), f.registerPatient("patient-2")
	o := vault.Options{
		Dir:        f.dir,
		Custodians: []vault.Custodian{{Org: "general-hospital", Signer: f.signer("hospital-custodian")}},
		App:        h.App,
	}
	for _, set := range opts {
		set(&o)
	}
	f.v, err = vault.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.v.Close() })
	return f
}

// signer is the Submitter of the harness key of name.
func (f *fixture) signer(name string) *localtx.Submitter {
	if s, ok := f.signers[name]; ok {
		return s
	}
	s, err := localtx.New(localtx.Options{Key: apitest.Key(name), Chain: f.h.App, Broadcast: f.h.Node.BroadcastTxSync, Waiters: f.waiters})
	if err != nil {
		f.t.Fatal(err)
	}
	f.signers[name] = s
	return s
}

// send submits a transaction signed by name and waits for its commit.
func (f *fixture) send(name, typ string, msg any) (chain.Outcome, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return f.signer(name).Send(ctx, typ, msg)
}

func (f *fixture) ok(name, typ string, msg any) json.RawMessage {
	f.t.Helper()
	o, err := f.send(name, typ, msg)
	if err != nil {
		f.t.Fatalf("%s by %s: %v", typ, name, err)
	}
	return o.Result.Data
}

func (f *fixture) registerPatient(name string) string {
	f.t.Helper()
	var c ledger.Created
	if err := json.Unmarshal(f.ok(name, identity.TypeRegisterPatient, identity.RegisterPatient{}), &c); err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// sign signs a request as the harness key of name, for this chain, valid
// for the next 100 blocks.
func (f *fixture) sign(name, typ string, msg any) []byte {
	f.t.Helper()
	raw, err := f.h.Sign(name, typ, msg)
	if err != nil {
		f.t.Fatal(err)
	}
	return raw
}

func (f *fixture) upload(name string, up records.Upload) ([]vault.Uploaded, error) {
	return f.v.Upload(context.Background(), f.sign(name, records.TypeUpload, up))
}

// addRecord adds a record of dr-grey's for patient 1, through the vault and
// the ledger.
func (f *fixture) addRecord() vault.Uploaded {
	f.t.Helper()
	ups, err := f.upload("dr-grey", records.Upload{Patient: f.patient1, Document: []byte(observation)})
	if err != nil {
		f.t.Fatal(err)
	}
	f.ok("dr-grey", records.TypeAdd, records.Add{Anchors: []records.Anchor{ups[0].Anchor}})
	return ups[0]
}

// stored counts the uploads the vault holds (each is marked pending until
// the sweep sees its anchor).
func (f *fixture) stored() int {
	f.t.Helper()
	entries, err := os.ReadDir(filepath.Join(f.dir, "pending"))
	if err != nil {
		f.t.Fatal(err)
	}
	return len(entries)
}

// codeOf is the stable code an error answers with, "" for none.
func codeOf(err error) string {
	var r *localtx.Refused
	switch {
	case err == nil:
		return ""
	case errors.As(err, &r):
		return r.Code.ID()
	}
	return chain.CodeOf(err).ID()
}

// fakeHash is a ciphertext hash no upload made: records/add does not look
// at the blob store.
func fakeHash(n int) string { return records.HashHex(fmt.Appendf(nil, "ciphertext %d", n)) }

// An upload that records/add would refuse is refused by the vault with the
// same code as the handler gives the same anchor, and leaves nothing
// stored.
func TestUploadRefusedWithTheCodesOfRecordsAdd(t *testing.T) {
	f := newFixture(t)
	ours := f.addRecord().Record
	// A record city-lab keeps, and an erased one.
	labs := records.RecordIDFor(fakeHash(1))
	f.ok("lab-tech", records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: labs, Patient: f.patient1, Types: []string{"Observation"}, Hash: fakeHash(1), Size: 99}}})
	erased := records.RecordIDFor(fakeHash(2))
	f.ok("dr-grey", records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: erased, Patient: f.patient1, Types: []string{"Observation"}, Hash: fakeHash(2), Size: 99}}})
	f.ok("patient-1", records.TypeErase, records.Erase{Record: erased, Reason: "patient-request"})
	before := f.stored()

	unknown := "rec-" + strings.Repeat("0", 24)
	nobody := identity.PatientID(apitest.PubKey("nobody"))
	cases := []struct {
		name, signer, patient, record string
		want                          string
	}{
		{"a correction for another patient", "dr-grey", f.patient2, ours, "records.invalid_anchor"},
		{"a correction of an erased record", "dr-grey", f.patient1, erased, "records.erased"},
		{"a correction of another organisation's record", "dr-grey", f.patient1, labs, "records.unauthorized"},
		{"a correction of an unknown record", "dr-grey", f.patient1, unknown, "records.unknown_record"},
		{"a record of an unregistered patient", "dr-grey", nobody, "", "records.not_found"},
		{"a signer with no author role", "hospital-privacy", f.patient1, "", "records.unauthorized"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.upload(c.signer, records.Upload{Patient: c.patient, Record: c.record, Document: []byte(observation)})
			uploadCode := codeOf(err)

			a := records.Anchor{Record: c.record, Patient: c.patient, Types: []string{"Observation"}, Hash: fakeHash(100 + i), Size: 99}
			if a.Record == "" {
				a.Record = records.RecordIDFor(a.Hash)
			} else {
				a.Supersedes = 1 // every existing record here is at version 1
			}
			_, err = f.send(c.signer, records.TypeAdd, records.Add{Anchors: []records.Anchor{a}})
			addCode := codeOf(err)

			if uploadCode != c.want || addCode != c.want {
				t.Fatalf("upload refused with %q, records/add with %q; want %q for both", uploadCode, addCode, c.want)
			}
			if n := f.stored(); n != before {
				t.Fatalf("a refused upload stored something: %d uploads held, want %d", n, before)
			}
		})
	}
}

// A correction uploaded through the vault supersedes the record's latest
// version, and records/add accepts its anchor.
func TestUploadCorrection(t *testing.T) {
	f := newFixture(t)
	first := f.addRecord()
	fix, err := f.upload("dr-grey", records.Upload{Patient: f.patient1, Record: first.Record, Document: []byte(strings.Replace(observation, "72", "74", 1))})
	if err != nil {
		t.Fatal(err)
	}
	if len(fix) != 1 || fix[0].Record != first.Record || fix[0].Supersedes != 1 || fix[0].Custodian != "general-hospital" {
		t.Fatalf("correction anchor %+v", fix)
	}
	var res records.AddResult
	if err := json.Unmarshal(f.ok("dr-grey", records.TypeAdd, records.Add{Anchors: []records.Anchor{fix[0].Anchor}}), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Versions) != 1 || res.Versions[0] != (records.Ref{Record: first.Record, Version: 2}) {
		t.Fatalf("records/add of the correction: %+v", res)
	}
}

// Reads and uploads are admitted by the same checks, with the same codes:
// the envelope, the chain and window, the signer, and replays.
func TestAdmission(t *testing.T) {
	f := newFixture(t)
	rec := f.addRecord()

	upload := records.Upload{Patient: f.patient1, Document: []byte(observation)}
	read := records.ReadRequest{Record: rec.Record, Purpose: records.PurposeTreatment}
	height := f.h.App.Height()
	signed := func(name, chainID string, expires int64, typ string, msg any) []byte {
		m, err := json.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := tx.Sign(apitest.Key(name), tx.Body{ChainID: chainID, Nonce: uint64(time.Now().UnixNano()), Expires: expires, Type: typ, Msg: m})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	paths := []struct {
		name   string
		signer string // an identity allowed on this path
		typ    string
		msg    any
		take   func([]byte) error
	}{
		{"upload", "dr-grey", records.TypeUpload, upload, func(raw []byte) error { _, err := f.v.Upload(context.Background(), raw); return err }},
		{"read", "patient-1", records.TypeReadRequest, read, func(raw []byte) error { _, err := f.v.Read(context.Background(), raw); return err }},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			badSig := signed(p.signer, apitest.ChainID, height+50, p.typ, p.msg)
			badSig[5] ^= 1
			other := records.TypeReadRequest
			if p.typ == other {
				other = records.TypeUpload
			}
			cases := []struct {
				name string
				raw  []byte
				want string
			}{
				{"not a signed request", []byte("hello"), "chain.malformed_tx"},
				{"a bad signature", badSig, "chain.bad_signature"},
				{"another request type", signed(p.signer, apitest.ChainID, height+50, other, upload), "records.invalid_request"},
				{"another chain", signed(p.signer, "other-chain", height+50, p.typ, p.msg), "chain.wrong_chain"},
				{"expired", signed(p.signer, apitest.ChainID, height, p.typ, p.msg), "chain.tx_expired"},
				{"expiring too far ahead", signed(p.signer, apitest.ChainID, height+2000, p.typ, p.msg), "chain.expiry_too_far"},
				{"an unknown signer", signed("stranger", apitest.ChainID, height+50, p.typ, p.msg), "identity.unknown_signer"},
			}
			for _, c := range cases {
				if got := codeOf(p.take(c.raw)); got != c.want {
					t.Errorf("%s: %q, want %q", c.name, got, c.want)
				}
			}
			raw := signed(p.signer, apitest.ChainID, height+50, p.typ, p.msg)
			if err := p.take(raw); err != nil {
				t.Fatalf("first use: %v", err)
			}
			if got := codeOf(p.take(raw)); got != "chain.replay" {
				t.Fatalf("second use: %q, want chain.replay", got)
			}
		})
	}
}
