package epcisrepo_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/epcisrepo"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/localtx"
	"github.com/medchain/medchain/internal/supply"
)

// fixture: a harness chain whose general-hospital has a custodian member,
// and a repository over dir keeping the hospital's events.
type fixture struct {
	t       *testing.T
	h       *apitest.Harness
	waiters *chain.Waiters
	signer  *localtx.Submitter
	dir     string
	idDir   string
}

var admin = ledger.Principal{ID: "general-hospital/admin", Kind: ledger.Member, Org: "general-hospital"}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	h, err := apitest.Start(apitest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	f := &fixture{t: t, h: h, waiters: chain.NewWaiters(), dir: t.TempDir(), idDir: t.TempDir()}
	h.App.Subscribe(f.waiters.Committed)
	t.Cleanup(f.waiters.Close)
	raw, err := h.Sign("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: "custodian", Kind: identity.System,
		Roles: []ledger.Role{ledger.RoleCustodian}, PublicKey: apitest.PubKey("hospital-custodian")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Node.BroadcastTxSync(t.Context(), raw); err != nil {
		t.Fatal(err)
	}
	for h.Node.Height() < 2 {
		time.Sleep(time.Millisecond)
	}
	if f.signer, err = localtx.New(localtx.Options{Key: apitest.Key("hospital-custodian"), Chain: h.App, Broadcast: h.Node.BroadcastTxSync, Waiters: f.waiters}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) open() *epcisrepo.Repository {
	f.t.Helper()
	r, err := epcisrepo.Open(epcisrepo.Options{Dir: f.dir, IdentityDir: f.idDir, App: f.h.App,
		Custodians: []epcisrepo.Custodian{{Org: "general-hospital", Signer: f.signer}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// observations is a document of n inspections of serials prefix0001...
func observations(prefix string, n int) []byte {
	var evs []string
	for i := range n {
		evs = append(evs, fmt.Sprintf(`{"type":"ObjectEvent","action":"OBSERVE","bizStep":"inspecting","eventTime":"2026-05-04T08:%02d:00.000Z","eventTimeZoneOffset":"+00:00","epcList":["https://id.gs1.org/01/09506000134352/21/%s%04d"]}`, i%60, prefix, i))
	}
	return []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-05-04T08:00:00.000Z","epcisBody":{"eventList":[` + strings.Join(evs, ",") + `]}}`)
}

func wait(t *testing.T, r *epcisrepo.Repository, id string) epcisrepo.Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, ok := r.Job(id)
		if !ok {
			t.Fatalf("no job %s", id)
		}
		if !j.Running {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running", id)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Events are kept encrypted at rest, and a restarted node serves them
// again, its jobs with them.
func TestReopen(t *testing.T) {
	f := newFixture(t)
	r := f.open()
	doc := observations("SECRETSERIAL", 3)
	j, err := r.Capture(epcisrepo.Request{Org: "general-hospital", Member: "general-hospital/admin", Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	if j = wait(t, r, j.ID); !j.Success || j.Captured != 3 {
		t.Fatalf("job: %+v", j)
	}
	before, err := r.Query(admin, epcisrepo.Query{PerPage: 10})
	if err != nil || len(before.Events) != 3 {
		t.Fatalf("query: %d events, %v", len(before.Events), err)
	}
	r.Close()
	filepath.WalkDir(f.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte("SECRETSERIAL")) || bytes.Contains(b, []byte("inspecting")) {
			t.Errorf("%s holds an event in the clear", path)
		}
		return nil
	})

	r = f.open()
	defer r.Close()
	after, err := r.Query(admin, epcisrepo.Query{PerPage: 10})
	if err != nil || len(after.Events) != 3 {
		t.Fatalf("after reopening: %d events, %v", len(after.Events), err)
	}
	for i := range after.Events {
		if !bytes.Equal(after.Events[i], before.Events[i]) || after.Hashes[i] != before.Hashes[i] {
			t.Fatalf("event %d changed:\n%s\n%s", i, before.Events[i], after.Events[i])
		}
	}
	if j2, ok := r.Job(j.ID); !ok || !j2.Success || j2.Captured != 3 {
		t.Fatalf("job after reopening: %+v", j2)
	}
	// Newly captured events come after the old ones.
	j3, err := r.Capture(epcisrepo.Request{Org: "general-hospital", Member: "general-hospital/admin", Behaviour: epcisrepo.Proceed, Document: observations("LATER", 2)})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, r, j3.ID)
	p, err := r.Query(admin, epcisrepo.Query{PerPage: 3})
	if err != nil || len(p.Events) != 3 || p.Next == "" || p.Hashes[0] != before.Hashes[0] {
		t.Fatalf("first page after more captures: %+v %v", p.Hashes, err)
	}
}

// What a stop between sending events and their commit leaves is settled at
// the next start: events the ledger anchored are kept, others dropped.
func TestSettlePending(t *testing.T) {
	f := newFixture(t)
	r := f.open()
	anchored, err := epcis.StandaloneEvents(observations("SENT", 2))
	if err != nil {
		t.Fatal(err)
	}
	lost, _ := epcis.StandaloneEvents(observations("LOST", 1))
	hashes := func(evs []json.RawMessage) (out []string) {
		for _, e := range evs {
			h, err := epcis.EventHash(e)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, h)
		}
		return out
	}
	sent, lostHashes := hashes(anchored), hashes(lost)
	if _, err := epcisrepo.SendPending(r, "general-hospital", "cj-000000000000000000000001", anchored, sent); err != nil {
		t.Fatal(err)
	}
	lostBlob, err := epcisrepo.SendPending(r, "general-hospital", "cj-000000000000000000000001", lost, lostHashes)
	if err != nil {
		t.Fatal(err)
	}
	msg := supply.Events{}
	for _, h := range sent {
		msg.Events = append(msg.Events, supply.Event{Hash: h, Type: "ObjectEvent", BizStep: "inspecting"})
	}
	if _, err := f.signer.Send(t.Context(), supply.TypeEvents, msg); err != nil {
		t.Fatal(err)
	}
	r.Close()

	r = f.open()
	defer r.Close()
	p, err := r.Query(admin, epcisrepo.Query{PerPage: 10})
	if err != nil || len(p.Hashes) != 2 || p.Hashes[0] != sent[0] || p.Hashes[1] != sent[1] {
		t.Fatalf("settled: %v %v", p.Hashes, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "transactions", lostBlob+".json")); !os.IsNotExist(err) {
		t.Fatalf("the events that never committed are still kept: %v", err)
	}
	var rt string
	json.Unmarshal(p.Events[0], &struct {
		RecordTime *string `json:"recordTime"`
	}{&rt})
	if rt == "" {
		t.Fatalf("settled event without recordTime: %s", p.Events[0])
	}
}

// Every parameter ParseQuery takes is known to the misspelling check, and
// a misspelt one is refused naming the right one.
func TestParseQueryNames(t *testing.T) {
	for _, v := range []url.Values{
		{"EQ_bizstep": {"receiving"}}, {"match_epc": {"urn:x"}}, {"perpage": {"3"}},
	} {
		_, err := epcisrepo.ParseQuery(v, nil)
		var pe *epcisrepo.ParamError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "did you mean") {
			t.Errorf("%v: %v", v, err)
		}
	}
	q, err := epcisrepo.ParseQuery(url.Values{"EQ_bizStep": {"urn:epcglobal:cbv:bizstep:receiving|shipping"}, "orderBy": {"eventTime"}, "eventCountLimit": {"2"}}, nil)
	if err != nil || len(q.BizSteps) != 2 || q.BizSteps[0] != "receiving" || !q.Desc || q.CountLimit != 2 {
		t.Fatalf("%+v %v", q, err)
	}
}
