package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/tx"
)

// fuzzSeedsPerType bounds the messages taken from the module scripts per
// type, to keep the seed corpus (run by go test ./...) quick.
const fuzzSeedsPerType = 4

var (
	scriptExec        = regexp.MustCompile(`^exec signer=(\S+) type=([a-z-]+/[a-z-]+)`)
	scriptValidator   = regexp.MustCompile(`^validator=([0-9]+)$`)
	scriptPlaceholder = regexp.MustCompile(`\$(key|pt|time|height|signed)\(([^()]*)\)`)
)

// scriptMessage is one transaction of a module's script test.
type scriptMessage struct {
	signer string
	msg    []byte
}

// scriptMessages reads the transactions of the modules' script tests
// (internal/*/testdata/*.txt, "exec signer=S type=T" then the message up
// to "----") by type, placeholders filled in.
func scriptMessages(tb testing.TB) map[string][]scriptMessage {
	tb.Helper()
	paths, err := filepath.Glob("../*/testdata/*.txt")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no module scripts: %v", err)
	}
	out := map[string][]scriptMessage{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for i := 0; i < len(lines); i++ {
			m := scriptExec.FindStringSubmatch(lines[i])
			if m == nil || len(out[m[2]]) >= fuzzSeedsPerType {
				continue
			}
			var msg []string
			for i++; i < len(lines) && lines[i] != "----"; i++ {
				msg = append(msg, lines[i])
			}
			out[m[2]] = append(out[m[2]], scriptMessage{m[1], []byte(fillPlaceholders(strings.Join(msg, "\n")))})
		}
	}
	return out
}

// scriptGenesis is the union of the casts the modules' script tests declare
// (the first declaration of a name wins), so that the scripts' messages,
// the seeds of FuzzCheckTx, name organisations, members and patients that
// exist. It returns the names of the keys that may sign: every member and
// patient, and "stranger", a key of no one.
func scriptGenesis(tb testing.TB) (Genesis, []abci.ValidatorUpdate, []string) {
	tb.Helper()
	paths, err := filepath.Glob("../*/testdata/*.txt")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no module scripts: %v", err)
	}
	g := Genesis{Params: DefaultParams(), Governance: governance.Genesis{Params: governance.DefaultParams()}}
	var vals []abci.ValidatorUpdate
	seen := map[string]bool{}
	var signers []string
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		inCast := false
		for _, line := range strings.Split(string(raw), "\n") {
			switch {
			case strings.HasPrefix(line, "genesis"):
				inCast = true
				continue
			case line == "----":
				inCast = false
			}
			f := strings.Fields(line)
			if !inCast || len(f) < 2 || seen[f[0]+" "+f[1]] {
				continue
			}
			seen[f[0]+" "+f[1]] = true
			switch f[0] {
			case "org":
				o := governance.GenesisOrg{ID: f[1], Name: f[1], Kind: ledger.OrgKind(f[2])}
				for _, a := range f[3:] {
					if m := scriptValidator.FindStringSubmatch(a); m != nil {
						power, _ := strconv.ParseInt(m[1], 10, 64)
						o.Validator = &governance.Validator{PublicKey: pub("val-" + o.ID), Power: power}
						vals = append(vals, abci.Ed25519ValidatorUpdate(pub("val-"+o.ID), power))
					}
				}
				g.Governance.Orgs = append(g.Governance.Orgs, o)
			case "member":
				org, handle, _ := strings.Cut(f[1], "/")
				m := identity.GenesisMember{Org: org, Handle: handle, PublicKey: pub(f[1])}
				for _, a := range f[2:] {
					if k, ok := strings.CutPrefix(a, "kind="); ok {
						m.Kind = identity.MemberKind(k)
					} else {
						m.Roles = append(m.Roles, ledger.Role(a))
					}
				}
				g.Identity.Members = append(g.Identity.Members, m)
				signers = append(signers, f[1])
			case "patient":
				g.Identity.Patients = append(g.Identity.Patients, pub(f[1]))
				signers = append(signers, f[1])
			}
		}
	}
	// Some scripts declare broken casts on purpose (a member of no
	// organisation): leave those members out.
	orgs := map[string]bool{}
	for _, o := range g.Governance.Orgs {
		orgs[o.ID] = true
	}
	g.Identity.Members = slices.DeleteFunc(g.Identity.Members, func(m identity.GenesisMember) bool {
		if !orgs[m.Org] {
			signers = slices.DeleteFunc(signers, func(s string) bool { return s == m.Org+"/"+m.Handle })
			return true
		}
		return false
	})
	return g, vals, append(signers, "stranger")
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
// routes and by a member, a patient or a stranger (each chosen by an index
// byte), and runs them through CheckTx on a chain whose genesis is the
// cast of the modules' scripts. CheckTx must answer without a Go
// error, never chain.internal (a handler that panics or fails to encode its
// result is a bug), the same twice, and leave the committed and working
// state as they were.
func FuzzCheckTx(f *testing.F) {
	g, vals, signers := scriptGenesis(f)
	h := newHarnessWith(f, g, vals)
	h.block() // commit the genesis state: CheckTx reads committed state
	types := h.app.MessageTypes()
	if len(types) == 0 {
		f.Fatal("the app routes no message types")
	}
	seeds := scriptMessages(f)
	for i, typ := range types {
		f.Add(byte(i), byte(i), []byte(`{}`))
		for _, m := range seeds[typ] {
			f.Add(byte(i), byte(max(0, slices.Index(signers, m.signer))), m.msg)
		}
	}
	f.Add(byte(0), byte(0), []byte(`{"a":`))
	f.Add(byte(0), byte(0), []byte(`[]`))

	expires := h.height + 100
	f.Fuzz(func(t *testing.T, typeIdx, signerIdx byte, msg []byte) {
		typ := types[int(typeIdx)%len(types)]
		signer := signers[int(signerIdx)%len(signers)]
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
