package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/tx"
)

// fuzzSigners are the keys FuzzCheckTx signs with: the genesis admins, a
// physician and a patient registered in the first block, and a key that
// belongs to no one.
var fuzzSigners = []string{"hospital-admin", "insurer-admin", "lab-admin", "hospital-dr", "alice", "stranger"}

// fuzzSeedsPerType bounds the messages taken from the module scripts per
// type, to keep the seed corpus (run by go test ./...) quick.
const fuzzSeedsPerType = 4

var (
	scriptExec        = regexp.MustCompile(`^exec signer=\S+ type=([a-z-]+/[a-z-]+)`)
	scriptPlaceholder = regexp.MustCompile(`\$(key|pt|time|height|signed)\(([^()]*)\)`)
)

// scriptMessages reads the messages of the modules' script tests
// (internal/*/testdata/*.txt, "exec signer=… type=T" then the message up
// to "----"), placeholders filled in for the fuzz chain's names.
func scriptMessages(tb testing.TB) map[string][][]byte {
	tb.Helper()
	paths, err := filepath.Glob("../*/testdata/*.txt")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no module scripts: %v", err)
	}
	out := map[string][][]byte{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for i := 0; i < len(lines); i++ {
			m := scriptExec.FindStringSubmatch(lines[i])
			if m == nil || len(out[m[1]]) >= fuzzSeedsPerType {
				continue
			}
			var msg []string
			for i++; i < len(lines) && lines[i] != "----"; i++ {
				msg = append(msg, lines[i])
			}
			out[m[1]] = append(out[m[1]], []byte(fillPlaceholders(strings.Join(msg, "\n"))))
		}
	}
	return out
}

func fillPlaceholders(s string) string {
	return scriptPlaceholder.ReplaceAllStringFunc(s, func(ph string) string {
		m := scriptPlaceholder.FindStringSubmatch(ph)
		switch m[1] {
		case "key":
			return hex.EncodeToString(pub(m[2]))
		case "pt":
			return identity.PatientID(pub(m[2]))
		case "time":
			d, _ := time.ParseDuration(strings.TrimPrefix(m[2], "+"))
			return genesisTime.Add(d).Format(time.RFC3339)
		case "height":
			n, _ := strconv.Atoi(strings.TrimPrefix(m[2], "+"))
			return strconv.Itoa(2 + n)
		}
		return ""
	})
}

// FuzzCheckTx signs arbitrary message bytes, under a message type the app
// routes (chosen by an index byte) and by one of fuzzSigners, and runs
// them through CheckTx on a small chain. CheckTx must answer without a Go
// error, never chain.internal (a handler that panics or fails to encode its
// result is a bug), the same twice, and leave the committed and working
// state as they were.
func FuzzCheckTx(f *testing.F) {
	h := newHarness(f)
	// Block 1: a physician and a patient, so that more handlers get past
	// authorisation.
	setup := h.block(
		h.sign("hospital-admin", "identity/register-member", map[string]any{
			"handle": "dr", "roles": []string{"physician"}, "public_key": pub("hospital-dr").String(),
		}),
		h.sign("alice", "identity/register-patient", map[string]any{}),
	)
	for i, r := range setup.TxResults {
		if r.Code != 0 {
			f.Fatalf("setup tx %d: %s: %s", i, r.Info, r.Log)
		}
	}
	types := h.app.MessageTypes()
	if len(types) == 0 {
		f.Fatal("the app routes no message types")
	}
	seeds := scriptMessages(f)
	for i, typ := range types {
		f.Add(byte(i), byte(i), []byte(`{}`))
		for j, msg := range seeds[typ] {
			f.Add(byte(i), byte(j), msg)
		}
	}
	f.Add(byte(0), byte(0), []byte(`{"a":`))
	f.Add(byte(0), byte(0), []byte(`[]`))

	expires := h.height + 100
	f.Fuzz(func(t *testing.T, typeIdx, signerIdx byte, msg []byte) {
		typ := types[int(typeIdx)%len(types)]
		signer := fuzzSigners[int(signerIdx)%len(fuzzSigners)]
		raw := signRawBody(t, signer, typ, expires, msg)

		committed, working, version := h.app.db.Hash(), h.app.db.WorkingHash(), h.app.db.Version()
		r1 := checkTxOnce(t, h.app, raw)
		if r1.Info == "chain.internal" || (r1.Codespace == "chain" && r1.Code == 1) {
			t.Fatalf("%s by %s: chain.internal: %s\nmsg: %s", typ, signer, r1.Log, msg)
		}
		if r1.Code != 0 && r1.Info == "" {
			t.Fatalf("%s by %s: code %d without a name: %s", typ, signer, r1.Code, r1.Log)
		}
		r2 := checkTxOnce(t, h.app, raw)
		if r1.Code != r2.Code || r1.Info != r2.Info || r1.Log != r2.Log || !bytes.Equal(r1.Data, r2.Data) {
			t.Fatalf("%s by %s: CheckTx twice: %d %s %q, then %d %s %q", typ, signer, r1.Code, r1.Info, r1.Log, r2.Code, r2.Info, r2.Log)
		}
		if !bytes.Equal(h.app.db.Hash(), committed) || !bytes.Equal(h.app.db.WorkingHash(), working) || h.app.db.Version() != version {
			t.Fatalf("%s by %s: CheckTx changed the state", typ, signer)
		}
	})
}

func checkTxOnce(t *testing.T, app *App, raw []byte) *abci.ResponseCheckTx {
	t.Helper()
	r, err := app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
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
		"chain_id": chainID, "signer": pub(signer).String(), "nonce": 1, "expires": expires, "type": typ,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := append(head[:len(head)-1:len(head)-1], `,"msg":`...)
	body = append(body, msg...)
	body = append(body, '}')
	sig, err := key(signer).Sign(body)
	if err != nil {
		t.Fatal(err)
	}
	return tx.Encode(sig, body)
}
