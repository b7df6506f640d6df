package records_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/tx"
)

// The behaviour of every message and of the consent check is told by the
// scripts in testdata/ (script_test.go). The tests here are of what a
// script cannot reach: pure functions, and requests a script cannot sign.

// A record's ID derives from its first ciphertext's hash, in the form every
// message checks.
func TestRecordIDFor(t *testing.T) {
	a, b := records.HashHex([]byte("ciphertext a")), records.HashHex([]byte("ciphertext b"))
	if len(a) != 64 || strings.ToLower(a) != a {
		t.Fatalf("HashHex = %q, want 64 lower-case hex digits", a)
	}
	id := records.RecordIDFor(a)
	if err := records.ValidRecordID(id); err != nil {
		t.Fatalf("RecordIDFor gives an invalid ID: %v", err)
	}
	if records.RecordIDFor(a) != id {
		t.Fatal("RecordIDFor is not deterministic")
	}
	if records.RecordIDFor(b) == id {
		t.Fatal("two ciphertexts give one record ID")
	}
	for _, bad := range []string{"", "rec-", "rec-0123456789ABCDEF01234567", "rec-0123456789abcdef0123456", "rex-0123456789abcdef01234567", id + "0"} {
		if records.ValidRecordID(bad) == nil {
			t.Errorf("ValidRecordID(%q) accepted", bad)
		}
	}
}

// DecodeReadRequest checks the envelope's signature and chain: the scripts
// sign honestly and on one chain, so a forgery and another chain's request
// are tested here.
func TestDecodeReadRequest(t *testing.T) {
	const chainID = "medchain-test"
	key := ed25519.GenPrivKeyFromSecret([]byte("riverside/dr-shaw"))
	sign := func(chain, typ string) []byte {
		t.Helper()
		msg, _ := json.Marshal(records.ReadRequest{Record: records.RecordIDFor(records.HashHex([]byte("x"))), Purpose: records.PurposeTreatment})
		raw, err := tx.Sign(key, tx.Body{ChainID: chain, Nonce: 1, Expires: 10, Type: typ, Msg: msg})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	good := sign(chainID, records.TypeReadRequest)
	tr, req, err := records.DecodeReadRequest(good, chainID)
	if err != nil {
		t.Fatal(err)
	}
	if req.Purpose != records.PurposeTreatment || tr.Body.Signer.String() != tx.PubKey(key.PubKey().Bytes()).String() {
		t.Fatalf("decoded %+v signed by %s", req, tr.Body.Signer)
	}
	forged := append([]byte{}, good...)
	forged[10] ^= 1
	for name, raw := range map[string][]byte{
		"forged signature": forged,
		"another chain":    sign("medchain-other", records.TypeReadRequest),
		"another type":     sign(chainID, records.TypeUpload),
	} {
		if _, _, err := records.DecodeReadRequest(raw, chainID); !errors.Is(err, records.ErrBadRequest) {
			t.Errorf("%s: error = %v, want %v", name, err, records.ErrBadRequest)
		}
	}
}
