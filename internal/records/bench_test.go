package records_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

// benchChainID is the chain ID of the benchmark's transactions.
const benchChainID = "medchain-bench"

// openDir accepts every pt- patient and every org/handle member.
type openDir struct{}

func (openDir) PatientExists(_ state.Reader, id string) bool { return len(id) > 3 && id[:3] == "pt-" }
func (openDir) Member(_ state.Reader, id string) (string, []ledger.Role, bool) {
	for i := range id {
		if id[i] == '/' {
			return id[:i], []ledger.Role{ledger.RolePhysician}, true
		}
	}
	return "", nil, false
}
func (openDir) Exists(r state.Reader, id string) bool { return true }
func (openDir) KeyOwner(state.Reader, tx.PubKey) (ledger.Principal, bool) {
	return ledger.Principal{}, false
}
func (openDir) OrgActive(state.Reader, string) bool { return true }
func (openDir) KnownRole(string) bool               { return true }

// benchGrants is how many grants the consent-check benchmark puts in state
// (MEDCHAIN_BENCH_GRANTS overrides it, e.g. 100000 for a quick run).
func benchGrants() int {
	if s := os.Getenv("MEDCHAIN_BENCH_GRANTS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return 1_000_000
}

// BenchmarkConsentCheck measures Authorize, the consent check of every read,
// against an on-disk state holding a million grants (10 per patient, to 20
// organisations, their members and roles; one in ten with a CEL condition)
// and a record per patient. It reports the p50, p99 and p99.9 latency of a
// check.
//
// Building the state takes minutes. It is built once per run, in a temporary
// directory, or in MEDCHAIN_BENCH_STATE if set: a directory kept from an
// earlier run with the same number of grants is reused, so that the checks
// can be measured again (with another MEDCHAIN_BENCH_FAST_INDEX or
// MEDCHAIN_BENCH_CACHE) without writing it again.
func BenchmarkConsentCheck(b *testing.B) {
	const perPatient = 10
	grantsN := benchGrants()
	patients := grantsN / perPatient
	// MEDCHAIN_BENCH_CACHE sets the IAVL node cache (nodes; default the
	// state package's), to see what memory buys.
	opts := state.Options{}
	if s := os.Getenv("MEDCHAIN_BENCH_CACHE"); s != "" {
		opts.CacheNodes, _ = strconv.Atoi(s)
	}
	// MEDCHAIN_BENCH_FAST_INDEX=1 keeps IAVL's fast index (ADR 11), as a
	// read-heavy custodian node would.
	opts.FastIndex = os.Getenv("MEDCHAIN_BENCH_FAST_INDEX") == "1"
	dir := os.Getenv("MEDCHAIN_BENCH_STATE")
	if dir == "" {
		dir = b.TempDir()
	}
	marker := filepath.Join(dir, "consent-bench.json")
	want := fmt.Sprintf(`{"grants":%d,"patients":%d}`, grantsN, patients)
	reuse := false
	if got, err := os.ReadFile(marker); err == nil {
		reuse = string(got) == want
		if !reuse {
			b.Fatalf("%s holds the state of another run (%s, not %s): remove it or choose another directory", dir, got, want)
		}
	} else if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		b.Fatalf("%s is not empty and holds no finished benchmark state (%s missing): remove it", dir, marker)
	}
	start := time.Now()
	db, err := state.Open(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if reuse {
		b.Logf("state: reused %s (%s), opened in %s", dir, want, time.Since(start).Round(time.Millisecond))
	}
	k := records.New(openDir{})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]string, patients)
	for p := range recs {
		recs[p] = records.RecordIDFor(records.HashHex([]byte(fmt.Sprintf("pt-%08d", p))))
	}
	if !reuse {
		buildConsentState(b, db, k, t0, recs, perPatient)
		if err := os.WriteFile(marker, []byte(want), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("state: %d grants for %d patients written in %s", grantsN, patients, time.Since(start).Round(time.Second))
	}

	view := db.Committed()
	now := t0.Add(time.Hour)
	b.Run(fmt.Sprintf("grants=%d", grantsN), func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		allowed := 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p := (i * 7919) % patients
			// The reader of org-(p%20) is covered by the patient's org
			// grant; every other read is refused after looking at all its
			// grants.
			org := fmt.Sprintf("org-%d", (p+i%2)%20)
			reader := ledger.Principal{ID: org + "/dr-x", Kind: ledger.Member, Org: org, Roles: []ledger.Role{"physician"}}
			t := time.Now()
			d := k.Authorize(view, records.Access{Reader: reader, Record: recs[p], Purpose: "treatment", Now: now})
			lat = append(lat, time.Since(t))
			if d.Err == nil {
				allowed++
			} else if !errors.Is(d.Err, records.ErrWrongOrg) {
				b.Fatalf("check %d: %v", i, d.Err)
			}
		}
		b.StopTimer()
		if b.N >= 100 && (allowed == 0 || allowed == b.N) {
			b.Fatalf("%d of %d checks allowed: the benchmark should mix grants and refusals", allowed, b.N)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(lat[len(lat)*999/1000].Nanoseconds()), "p99.9-ns")
	})
}

// buildConsentState writes, for each patient, a record and perPatient
// grants through the module's handlers, committing every 5,000 patients.
func buildConsentState(b *testing.B, db *state.DB, k *records.Keeper, t0 time.Time, recs []string, perPatient int) {
	routes := map[string]ledger.Handler{}
	for _, r := range k.Routes() {
		routes[r.Type] = r.Handler
	}
	author := ledger.Principal{ID: "org-0/dr-0", Kind: ledger.Member, Org: "org-0", Roles: []ledger.Role{"physician"}}
	seq := 0
	run := func(s state.Store, signer ledger.Principal, typ string, msg any) {
		raw, _ := json.Marshal(msg)
		seq++
		ctx := &ledger.Context{Store: s, ChainID: benchChainID, Height: int64(seq/50_000 + 1), Time: t0, TxHash: tx.HashOf([]byte(strconv.Itoa(seq))), Signer: signer}
		if _, err := routes[typ](ctx, raw); err != nil {
			b.Fatalf("%s: %v", typ, err)
		}
	}
	for p := range recs {
		pt := fmt.Sprintf("pt-%08d", p)
		w := db.Working()
		run(w, author, records.TypeAdd, records.Add{Anchors: []records.Anchor{{Record: recs[p], Patient: pt, Types: []string{"Observation"}, Hash: records.HashHex([]byte(pt)), Size: 1}}})
		signer := ledger.Principal{ID: pt, Kind: ledger.Patient}
		for g := 0; g < perPatient; g++ {
			org := fmt.Sprintf("org-%d", (p+g)%20)
			m := records.GrantMsg{Purposes: []string{"treatment", "payment"}, Expires: t0.Add(365 * 24 * time.Hour)}
			switch g % 3 {
			case 0:
				m.Grantee = records.Grantee{Org: org}
			case 1:
				m.Grantee = records.Grantee{Member: org + "/dr-" + strconv.Itoa(p%50)}
			default:
				m.Grantee = records.Grantee{Org: org, Role: "nurse"}
			}
			if g == 0 {
				m.Condition = `"physician" in reader_roles && purpose == "treatment" && now < 1900000000`
			}
			run(w, signer, records.TypeGrant, m)
		}
		if (p+1)%5000 == 0 {
			if _, _, err := db.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, _, err := db.Commit(); err != nil {
		b.Fatal(err)
	}
}
