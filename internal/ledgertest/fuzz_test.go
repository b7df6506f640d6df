package ledgertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/ledgertest"
	"github.com/medchain/medchain/internal/tx"
)

// FuzzCheckTx signs arbitrary message bytes, under a message type the app
// routes and by a member, a patient or a stranger (each chosen by an index
// byte), and runs them through CheckTx on a chain whose genesis is the cast
// of the modules' scripts, seeded with the scripts' own messages. CheckTx
// must answer without a Go error, never chain.internal (a handler that
// panics or fails to encode its result is a bug), the same twice, and
// leave the committed and working state as they were.
func FuzzCheckTx(f *testing.F) {
	corpus := ledgertest.ReadCorpus(f, "../*/testdata/*.txt", 4)
	c, signers := corpus.Chain, corpus.Signers
	types := c.App().MessageTypes()
	if len(types) == 0 {
		f.Fatal("the app routes no message types")
	}
	// Every routed type is exercised by some script, so every type has
	// seeds: a script parser that found none would fuzz blind.
	for _, typ := range types {
		if len(corpus.Messages[typ]) == 0 {
			f.Errorf("no script sends %s: no seed for it", typ)
		}
	}
	for i, typ := range types {
		f.Add(byte(i), byte(i), []byte(`{}`))
		for _, m := range corpus.Messages[typ] {
			f.Add(byte(i), byte(max(0, slices.Index(signers, m.Signer))), m.Msg)
		}
	}
	f.Add(byte(0), byte(0), []byte(`{"a":`))
	f.Add(byte(0), byte(0), []byte(`[]`))

	db := c.App().State()
	expires := c.Height() + 100
	f.Fuzz(func(t *testing.T, typeIdx, signerIdx byte, msg []byte) {
		typ := types[int(typeIdx)%len(types)]
		signer := signers[int(signerIdx)%len(signers)]
		raw := signRawBody(t, signer, typ, expires, msg)

		committed, working, version := db.Hash(), db.WorkingHash(), db.Version()
		r1 := checkTxOnce(t, c, raw)
		if r1.Info == "chain.internal" || (r1.Codespace == "chain" && r1.Code == 1) {
			t.Fatalf("%s by %s: chain.internal: %s\nmsg: %s", typ, signer, r1.Log, msg)
		}
		if r1.Code != 0 && r1.Info == "" {
			t.Fatalf("%s by %s: code %d without a name: %s", typ, signer, r1.Code, r1.Log)
		}
		r2 := checkTxOnce(t, c, raw)
		if r1.Code != r2.Code || r1.Info != r2.Info || r1.Log != r2.Log || !bytes.Equal(r1.Data, r2.Data) {
			t.Fatalf("%s by %s: CheckTx twice: %d %s %q, then %d %s %q", typ, signer, r1.Code, r1.Info, r1.Log, r2.Code, r2.Info, r2.Log)
		}
		if !bytes.Equal(db.Hash(), committed) || !bytes.Equal(db.WorkingHash(), working) || db.Version() != version {
			t.Fatalf("%s by %s: CheckTx changed the state", typ, signer)
		}
	})
}

func checkTxOnce(t *testing.T, c *ledgertest.Chain, raw []byte) *abci.ResponseCheckTx {
	t.Helper()
	r, err := c.App().CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		t.Fatalf("CheckTx returned a Go error: %v", err)
	}
	return r
}

// signRawBody signs a body whose msg is msg byte for byte, valid JSON or
// not (tx.Sign would refuse to marshal what is not).
func signRawBody(t *testing.T, signer, typ string, expires int64, msg []byte) []byte {
	t.Helper()
	head, err := json.Marshal(map[string]any{
		"chain_id": ledgertest.ChainID, "signer": ledgertest.PubKey(signer).String(), "nonce": 1, "expires": expires, "type": typ,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := append(head[:len(head)-1:len(head)-1], `,"msg":`...)
	body = append(body, msg...)
	body = append(body, '}')
	sig, err := ledgertest.Key(signer).Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	return tx.Encode(sig, body)
}
