package node

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/fhirdoc"
)

var syntheaBundles = []string{
	"../fhirdoc/testdata/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json",
	"../fhirdoc/testdata/Liz_Conn_27c911c6-f045-4ffa-af5d-6eba57ac94b2.json",
	"../fhirdoc/testdata/Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json",
}

// syncBuffer collects a node's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// scanner finds personal data in byte strings. Strings of digits only (ZIP
// codes, phone fragments) match as whole tokens: as substrings they occur by
// chance in hashes and timestamps.
type scanner struct{ needles []string }

func (s scanner) find(hay []byte) []string {
	var hits []string
	for _, n := range s.needles {
		if digitsOnly(n) {
			for i := 0; ; {
				j := bytes.Index(hay[i:], []byte(n))
				if j < 0 {
					break
				}
				at := i + j
				before, after := byte(' '), byte(' ')
				if at > 0 {
					before = hay[at-1]
				}
				if end := at + len(n); end < len(hay) {
					after = hay[end]
				}
				if !isAlnum(before) && !isAlnum(after) {
					hits = append(hits, n)
					break
				}
				i = at + 1
			}
			continue
		}
		if bytes.Contains(hay, []byte(n)) || bytes.Contains(bytes.ToLower(hay), []byte(strings.ToLower(n))) {
			hits = append(hits, n)
		}
	}
	return hits
}

func digitsOnly(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '-' && r != ' ' }) < 0
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// TestNoPersonalDataOnChain imports three Synthea patients' whole histories
// through the API, takes their Claims through the claims module (pre-check,
// submission, adjudication, payment), then searches everything the chain holds (every block's
// transactions, every result's events and data, every key and value of the
// state, and the node's own log) for their names, birth dates, addresses,
// telecom and identifiers. None may be there. The scanner itself is checked
// on the plaintext bundles, where it must find them. The three patients
// also enrol in a study whose de-identified release is scanned as well.
func TestNoPersonalDataOnChain(t *testing.T) {
	var logs syncBuffer
	base := freeBase(t, 2)
	home := t.TempDir()
	if _, err := InitDev(home, fmt.Sprintf("127.0.0.1:%d", base+5), Ports{P2P: base, RPC: base + 1}); err != nil {
		t.Fatal(err)
	}
	n, err := Start(context.Background(), home, Options{LogOutput: &logs, LogLevel: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	waitFor(t, "readiness", 30*time.Second, func() bool { return n.ready(context.Background()) == nil })
	c := client.New(n.APIURL())
	ctx := context.Background()
	grey := demoSigner("dr-grey")

	var personal []string
	records := 0
	for i, path := range syntheaBundles {
		bundle := readFile(t, path)
		pd, err := fhirdoc.PersonalData(bundle)
		if err != nil {
			t.Fatal(err)
		}
		// The control: the scanner finds this patient's data in the bundle
		// (a full name "given family" is not there verbatim, but its parts are).
		hits := (scanner{pd}).find(bundle)
		for _, s := range pd {
			if slices.Contains(hits, s) {
				continue
			}
			if parts := (scanner{strings.Fields(s)}).find(bundle); len(parts) != len(strings.Fields(s)) {
				t.Fatalf("%s: the scanner does not find %q in the plaintext bundle", path, s)
			}
		}
		personal = append(personal, pd...)
		pt := demoPatient([]string{"alice", "bob", "carol"}[i])
		ups, err := c.Upload(ctx, grey, client.Upload{Patient: pt, Document: bundle, Split: true})
		if err != nil {
			t.Fatalf("upload %s: %v", path, err)
		}
		if err := c.Anchor(ctx, grey, ups, nil); err != nil {
			t.Fatal(err)
		}
		records += len(ups)
	}
	if len(personal) < 30 || records < 150 {
		t.Fatalf("only %d personal strings and %d records: the test data is not what it should be", len(personal), records)
	}
	// Claims: every Synthea Claim pre-checked, submitted, adjudicated and,
	// when owed, paid (privacy_claims_test.go).
	var bundles [][]byte
	for _, path := range syntheaBundles {
		bundles = append(bundles, readFile(t, path))
	}
	claimed, paid := submitSyntheaClaims(t, ctx, c, bundles, []string{demoPatient("alice"), demoPatient("bob"), demoPatient("carol")})
	if claimed < 15 || paid == 0 {
		t.Fatalf("only %d Synthea claims submitted, %d paid", claimed, paid)
	}
	// Reads leave receipts on the ledger: scan those too.
	alice := demoSigner("alice")
	mine, err := c.As(alice).PatientRecords(ctx, demoPatient("alice"), "", 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mine.Items {
		if _, err := c.ReadRecord(ctx, alice, client.ReadRequest{Record: r.ID, Purpose: client.PurposeTreatment}); err != nil {
			t.Fatal(err)
		}
	}
	// Research: the three patients enrol in an approved study, St Mary's
	// node releases their records de-identified and the researcher
	// accesses the release. The data set itself is scanned too: the
	// release may hold none of the patients' personal data.
	send := func(who string, m client.Msg, out any) {
		t.Helper()
		res, err := c.Send(ctx, demoSigner(who), m)
		if err != nil {
			t.Fatalf("%s by %s: %v", m.MsgType(), who, err)
		}
		if out != nil {
			if err := res.Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var study client.Study
	send("researcher", client.RegisterStudy{Protocol: strings.Repeat("0", 64), Purpose: client.DUOHealthMedical, Terms: []string{client.DUOGeneralResearch},
		Types: []string{"Condition", "Observation", "Patient"}, Ends: "2027-12-31"}, &study)
	send("ethics-reviewer", client.ApproveStudy{Study: study.ID}, nil)
	for _, who := range []string{"alice", "bob", "carol"} {
		send(who, client.Enrol{Study: study.ID, Custodians: []string{DemoValidatorOrg}}, nil)
	}
	release, err := c.As(demoSigner("hospital-privacy")).BuildRelease(ctx, study.ID, "")
	if err != nil || release.Patients != 3 || release.Resources < 100 {
		t.Fatalf("release %+v: %v", release, err)
	}
	send("researcher", client.AccessRelease{Release: release.ID}, nil)
	dataSet, err := c.As(demoSigner("researcher")).ReleaseData(ctx, release.ID)
	if err != nil {
		t.Fatal(err)
	}

	// Public scans: anyone may scan, and a suspect scan makes the node sign
	// an alert. A location that is personal data (or any free text) is
	// refused; the alert holds coded fields only, once however often the
	// code is scanned.
	fake := "(01)09506000134352(21)PRIV1"
	for _, s := range personal {
		if r, err := c.Verify(ctx, fake, s); err == nil {
			t.Fatalf("a scan at location %q was answered: %+v", s, r)
		}
	}
	var alert, reason string
	for range 3 {
		r, err := c.Verify(ctx, fake, "0614141000036")
		if err != nil || r.Suspect == "" || r.Alert == "" || (alert != "" && r.Alert != alert) {
			t.Fatalf("suspect scan: %+v, %v (first alert %s)", r, err, alert)
		}
		alert, reason = r.Alert, r.Suspect
	}
	waitFor(t, "the scan's alert", 30*time.Second, func() bool {
		a, ok := n.App().Supply().RecentAlert(n.App().State().Committed(), "01/09506000134352/21/PRIV1", reason, n.custodians[0].Org, n.App().LastBlockTime())
		return ok && a.ID == alert
	})

	// An aid claim of alice's in a mutual-aid pool, with one of her records
	// as evidence: its condition (I63) must reach the chain only in the
	// pool's terms, never in the claim.
	var pool client.AidPool
	res, err := c.Send(ctx, demoSigner("claims-officer"), client.CreatePool{PoolTerms: client.PoolTerms{Conditions: []string{"C50", "I63"},
		Currency: "USD", WaitingSeconds: 1, PeriodSeconds: 3600, MemberCap: 1000, ClaimCap: 100000, Quorum: 1, ReviewSeconds: 3600}})
	if err != nil || res.Decode(&pool) != nil {
		t.Fatalf("pools/create: %v", err)
	}
	for _, step := range []struct {
		who string
		msg client.Msg
	}{{"dr-grey", client.Volunteer{Pool: pool.ID}}, {"alice", client.JoinPool{Pool: pool.ID}}} {
		if _, err := c.Send(ctx, demoSigner(step.who), step.msg); err != nil {
			t.Fatalf("%s: %v", step.msg.MsgType(), err)
		}
	}
	aidClaim := client.FileAidClaim{Pool: pool.ID, Condition: client.ConditionCommitment(pool.ID, "I63", strings.Repeat("ab", client.PoolSaltSize)),
		Evidence: []string{mine.Items[0].ID}, Amount: 5000, Currency: "USD"}
	waitFor(t, "alice's waiting period", 30*time.Second, func() bool {
		_, err := c.Send(ctx, alice, aidClaim)
		return err == nil
	})

	sc := scanner{personal}
	check := func(where string, b []byte) {
		t.Helper()
		if hits := sc.find(b); len(hits) > 0 {
			t.Errorf("%s holds personal data: %q", where, hits)
		}
	}

	check("the research release's data set", dataSet)

	// Blocks: every transaction, and every result's events and data.
	last := n.App().State().Version()
	txs := 0
	for h := int64(1); h <= last; h++ {
		b, err := n.RPC().Block(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range b.Block.Txs {
			check(fmt.Sprintf("a transaction of block %d", h), tx)
			if bytes.Contains(tx, []byte("I63")) && !bytes.Contains(tx, []byte(`"conditions":["C50","I63"]`)) {
				t.Errorf("a transaction of block %d holds the aid claim's condition: %q", h, tx)
			}
			txs++
		}
		res, err := n.RPC().BlockResults(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.TxsResults {
			check(fmt.Sprintf("a result of block %d", h), r.Data)
			check(fmt.Sprintf("a result log of block %d", h), []byte(r.Log))
			for _, e := range r.Events {
				for _, a := range e.Attributes {
					check(fmt.Sprintf("event %s of block %d", e.Type, h), []byte(a.Key+"="+a.Value))
				}
			}
		}
	}
	// State: every key and value.
	kv, inTerms := 0, 0
	n.App().State().Committed().Iterate(nil, nil, func(k, v []byte) bool {
		check("state key", k)
		check(fmt.Sprintf("state value of %s", k), v)
		if bytes.Contains(v, []byte("I63")) {
			if !bytes.HasPrefix(k, []byte("pl/p/")) {
				t.Errorf("state value of %s holds the aid claim's condition: %s", k, v)
			}
			inTerms++ // the control: the scan finds the category where it is
		}
		kv++
		return true
	})
	// The node's log.
	check("the node's log", logs.Bytes())
	if inTerms != 1 {
		t.Errorf("the pool's terms were found %d times in state, want 1", inTerms)
	}
	if txs < 3+len(mine.Items) || kv < records {
		t.Fatalf("scanned only %d transactions and %d state entries for %d records", txs, kv, records)
	}
	t.Logf("scanned %d transactions in %d blocks, %d state entries, %d bytes of log and a research release of %d resources (%d bytes) for %d personal strings of 3 patients (%d records, %d claims, %d paid)",
		txs, last, kv, len(logs.Bytes()), release.Resources, len(dataSet), len(personal), records, claimed, paid)
}
