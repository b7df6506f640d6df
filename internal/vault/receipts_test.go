package vault_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/tx"
	"github.com/medchain/medchain/internal/vault"
)

// refusalFixture is a fixture whose vault writes the receipts of refused
// reads only when the test flushes them, allows limit receipted refusals a
// key per hour, and counts into reg; batches lists the size of every
// records/receipts transaction committed.
type refusalFixture struct {
	*fixture
	reg *prometheus.Registry

	mu      sync.Mutex
	batches []int
}

func newRefusalFixture(t *testing.T, limit int) *refusalFixture {
	t.Helper()
	rf := &refusalFixture{reg: prometheus.NewRegistry()}
	rf.fixture = newFixture(t, func(o *vault.Options) {
		o.RefusalFlush, o.RefusalLimit, o.RefusalPeriod, o.Registry = time.Hour, limit, time.Hour, rf.reg
	})
	rf.h.App.Subscribe(func(b chain.Block) {
		for _, r := range b.Results {
			if r.Type != records.TypeReceipts || r.Code.Number != 0 {
				continue
			}
			t, err := tx.Decode(r.Raw)
			if err != nil {
				continue
			}
			if m, err := ledger.Decode[records.PostReceipts](t.Body.Msg); err == nil {
				rf.mu.Lock()
				rf.batches = append(rf.batches, len(m.Receipts))
				rf.mu.Unlock()
			}
		}
	})
	return rf
}

// read asks the vault for version (0: latest) of rec as name, and returns
// the refusal's code and the receipt it names.
func (f *refusalFixture) read(name, rec string, version int) (code, receipt string) {
	f.t.Helper()
	_, err := f.v.Read(context.Background(), f.sign(name, records.TypeReadRequest,
		records.ReadRequest{Record: rec, Version: version, Purpose: records.PurposeTreatment}))
	var d *vault.Denied
	if !errors.As(err, &d) {
		f.t.Fatalf("read of %s by %s: %v, want a refusal", rec, name, err)
	}
	return codeOf(err), d.Receipt
}

func (f *refusalFixture) flush() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if lost := f.v.FlushRefusals(ctx); lost != 0 {
		f.t.Fatalf("%d receipts lost", lost)
	}
}

func (f *refusalFixture) onLedger(receipt string) bool {
	return f.h.App.Records().HasReceipt(f.h.App.State().Committed(), receipt)
}

// batchSizes waits until n receipts transactions have been seen.
func (f *refusalFixture) batchSizes(n int) []int {
	f.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		f.mu.Lock()
		got := append([]int(nil), f.batches...)
		f.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
	}
}

func (f *refusalFixture) counted(receipt string) float64 {
	f.t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "medchain_vault_refused_reads_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "receipt" && l.GetValue() == receipt {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// A self-registered patient asking about someone else's record is refused
// with the stable code, and nothing is written to the ledger; a member's
// refusal is receipted, in the next batch.
func TestRefusedReadReceiptsNeedAnAccountableRequester(t *testing.T) {
	f := newRefusalFixture(t, 10)
	rec := f.addRecord().Record

	code, receipt := f.read("patient-2", rec, 0)
	if code != "records.no_grant" || receipt != "" {
		t.Fatalf("patient 2 reading patient 1's record: %q, receipt %q; want records.no_grant and no receipt", code, receipt)
	}
	code, member := f.read("lab-tech", rec, 0)
	if code != "records.no_grant" || member == "" {
		t.Fatalf("a member's refused read: %q, receipt %q; want records.no_grant and a receipt", code, member)
	}
	if f.onLedger(member) {
		t.Fatal("the refusal's receipt was written before its batch")
	}
	f.flush()
	if !f.onLedger(member) {
		t.Fatal("the member's refusal is not on the ledger after the flush")
	}
	if got := f.batchSizes(1); len(got) != 1 || got[0] != 1 {
		t.Fatalf("receipts transactions %v, want one of one receipt (nothing for patient 2)", got)
	}
	if n := f.counted("ineligible"); n != 1 {
		t.Fatalf("medchain_vault_refused_reads_total{receipt=ineligible} = %v, want 1", n)
	}
}

// The patient and an active delegate are accountable for their refusals
// (here, a version that does not exist); a refused read of an unknown record
// by a patient has no patient to account to and writes nothing. Several
// refusals share one transaction.
func TestRefusedReadReceiptsAreBatched(t *testing.T) {
	f := newRefusalFixture(t, 10)
	rec := f.addRecord().Record
	until := f.h.App.LastBlockTime().Add(24 * time.Hour)
	f.ok("patient-1", records.TypeDelegate, records.Delegate{Delegate: f.patient2, Expires: &until})

	var want []string
	for _, r := range []struct {
		name string
		v    int
	}{{"patient-1", 9}, {"patient-2", 9}, {"lab-tech", 0}, {"dr-grey", 0}} {
		code, receipt := f.read(r.name, rec, r.v)
		if receipt == "" {
			t.Fatalf("%s refused (%s) without a receipt", r.name, code)
		}
		want = append(want, receipt)
	}
	if _, receipt := f.read("patient-2", "rec-"+"000000000000000000000000", 0); receipt != "" {
		t.Fatalf("a patient's read of an unknown record was receipted (%s)", receipt)
	}
	f.flush()
	for _, r := range want {
		if !f.onLedger(r) {
			t.Errorf("receipt %s is not on the ledger", r)
		}
	}
	if got := f.batchSizes(1); len(got) != 1 || got[0] != len(want) {
		t.Fatalf("receipts transactions %v, want one of %d receipts", got, len(want))
	}
}

// A key's refusals past the limit are answered without a receipt and
// counted; another key still has its own.
func TestRefusedReadReceiptsAreLimitedPerKey(t *testing.T) {
	f := newRefusalFixture(t, 2)
	rec := f.addRecord().Record
	for i := range 4 {
		code, receipt := f.read("lab-tech", rec, 0)
		if code != "records.no_grant" || (receipt != "") != (i < 2) {
			t.Fatalf("refusal %d: %q, receipt %q; want records.no_grant, receipted only within the limit of 2", i+1, code, receipt)
		}
	}
	if _, receipt := f.read("dr-grey", rec, 0); receipt == "" {
		t.Fatal("another key's refusal was not receipted")
	}
	f.flush()
	if got := f.batchSizes(1); len(got) != 1 || got[0] != 3 {
		t.Fatalf("receipts transactions %v, want one of 3 receipts", got)
	}
	if n := f.counted("rate_limited"); n != 2 {
		t.Fatalf("medchain_vault_refused_reads_total{receipt=rate_limited} = %v, want 2", n)
	}
	if n := f.counted("queued"); n != 3 {
		t.Fatalf("medchain_vault_refused_reads_total{receipt=queued} = %v, want 3", n)
	}
}

// Closing the vault writes the receipts still waiting for their batch.
func TestCloseFlushesRefusals(t *testing.T) {
	f := newRefusalFixture(t, 10)
	rec := f.addRecord().Record
	_, receipt := f.read("lab-tech", rec, 0)
	f.v.Close()
	if !f.onLedger(receipt) {
		t.Fatal("the pending receipt was not written at close")
	}
}

// A batch the chain refuses is written again receipt by receipt: here a
// delegation removed between the refusal and the flush makes the chain
// refuse the delegate's receipt (records/receipts takes refusals only of
// members, the patient and delegates), and only that one is lost.
func TestRefusedBatchSplitOnRefusal(t *testing.T) {
	f := newRefusalFixture(t, 10)
	rec := f.addRecord().Record
	until := f.h.App.LastBlockTime().Add(24 * time.Hour)
	f.ok("patient-1", records.TypeDelegate, records.Delegate{Delegate: f.patient2, Expires: &until})
	_, member := f.read("lab-tech", rec, 0)
	_, delegate := f.read("patient-2", rec, 9)
	if member == "" || delegate == "" {
		t.Fatalf("receipts %q, %q; want both queued", member, delegate)
	}
	f.ok("patient-1", records.TypeDelegate, records.Delegate{Delegate: f.patient2})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if lost := f.v.FlushRefusals(ctx); lost != 1 {
		t.Fatalf("%d receipts lost, want 1 (the former delegate's)", lost)
	}
	if !f.onLedger(member) || f.onLedger(delegate) {
		t.Fatalf("on the ledger: member's %v, former delegate's %v; want true, false", f.onLedger(member), f.onLedger(delegate))
	}
}
