package supply_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
)

// Members of the blood, plasma and PPE organisations.
var (
	rcNurse   = member("redcross", "nurse", "nurse")
	rcQA      = member("redcross", "qa", "quality-officer")
	rcLab     = member("redcross", "lab", "lab-technician")
	labTech   = member("citylab", "tech", "lab-technician")
	labClerk  = member("citylab", "clerk", "logistics")
	genDoc    = member("general", "doc", "physician")
	genBuyer  = member("general", "buyer", "logistics")
	mercyDoc  = member("mercy", "doc", "physician")
	lakeBuyer = member("lakeside", "buyer", "logistics")
	pcQA      = member("plasmaco", "qa", "quality-officer")
	pcOps     = member("plasmaco", "ops", "logistics")
)

// newBloodWorld is newWorld with blood centre, lab, hospitals, a clinic and
// a plasma fractionator.
func newBloodWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	d := dir{orgs: map[string]ledger.OrgKind{
		"vaxco": "manufacturer", "swift": "distributor", "corner": "pharmacy", "health": "public-health-agency",
		"redcross": "blood-centre", "citylab": "lab", "general": "hospital", "mercy": "hospital",
		"lakeside": "clinic", "plasmaco": "manufacturer",
	}, members: map[string]ledger.Principal{}}
	for _, m := range []ledger.Principal{quality, maker, dist, distQA, pharm, fridge, shelf, agency, stranger,
		rcNurse, rcQA, rcLab, labTech, labClerk, genDoc, genBuyer, mercyDoc, lakeBuyer, pcQA, pcOps} {
		d.members[m.ID] = m
	}
	w.k = supply.New(d)
	return w
}

// withCheck appends the GS1 mod-10 check digit.
func withCheck(d string) string {
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 0 {
			n *= 3
		}
		sum += n
	}
	return d + string(rune('0'+(10-sum%10)%10))
}

var (
	rbc    = withCheck("0950600099001") // red cells
	ffp    = withCheck("0950600099002") // fresh frozen plasma
	plt    = withCheck("0950600099003") // platelets
	src    = withCheck("0950600099004") // source plasma for fractionation
	bag    = withCheck("0950600099005") // a device of the centre
	alb    = withCheck("0950600099011") // albumin
	ivig   = withCheck("0950600099012") // immunoglobulin
	pcDrug = withCheck("0950600099013")
)

// refuse runs a message that must fail with want and leave state unchanged.
func (w *world) refuse(signer ledger.Principal, typ string, msg any, want error) {
	w.t.Helper()
	before := w.db.Committed().Hash()
	_, err := w.exec(signer, typ, msg)
	wantErr(w.t, err, want)
	if after := w.db.Committed().Hash(); !bytes.Equal(before, after) {
		w.t.Fatalf("%s by %s was refused but state changed", typ, signer.ID)
	}
}

type refusal struct {
	name   string
	signer ledger.Principal
	typ    string
	msg    any
	want   error
}

func (w *world) refuseAll(cases []refusal) {
	w.t.Helper()
	for _, c := range cases {
		w.t.Run(c.name, func(t *testing.T) {
			saved := w.t
			w.t = t
			defer func() { w.t = saved }()
			w.refuse(c.signer, c.typ, c.msg, c.want)
		})
	}
}

func (w *world) registerBloodProducts() {
	w.t.Helper()
	w.must(rcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: rbc, Name: "Red cells, leucodepleted", Kind: supply.KindBloodComponent, MinMilliC: 2000, MaxMilliC: 6000})
	w.must(rcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: ffp, Name: "Fresh frozen plasma", Kind: supply.KindBloodComponent, MinMilliC: -40000, MaxMilliC: -18000})
	w.must(rcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: plt, Name: "Platelets, apheresis", Kind: supply.KindBloodComponent, MinMilliC: 20000, MaxMilliC: 24000})
	w.must(rcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: src, Name: "Source plasma", Kind: supply.KindBloodComponent, MinMilliC: -40000, MaxMilliC: -20000})
	w.must(rcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: bag, Name: "Collection bag", Kind: supply.KindDevice})
}

func pass(tests ...string) []supply.TestOutcome {
	var out []supply.TestOutcome
	for _, t := range tests {
		out = append(out, supply.TestOutcome{Test: t, Result: supply.TestPass})
	}
	return out
}

const (
	donorA = "a1b2c3d4e5f60718"
	donorB = "0123456789abcdef"
	din1   = "A999926000001"
	din2   = "A999926000002"
	din3   = "A999926000003"
)

func TestBloodDonationToTransfusionAndLookback(t *testing.T) {
	w := newBloodWorld(t)
	w.setup() // vaxco's vaccine, units S0000..S0019
	w.registerBloodProducts()

	// Donations: by the centre's staff, under a pseudonym, with a DIN.
	w.refuseAll([]refusal{
		{"hospital registers", genDoc, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "blood", Donor: donorA}, supply.ErrUnauthorized},
		{"lab technician registers", rcLab, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "blood", Donor: donorA}, supply.ErrUnauthorized},
		{"donor by name", rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "blood", Donor: "John Smith"}, ledger.ErrInvalidMsg},
		{"donor by patient ID", rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "blood", Donor: "pt-aaaaaaaaaaaaaaaaaaaa"}, ledger.ErrInvalidMsg},
		{"short pseudonym", rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "blood", Donor: "abcdef01"}, ledger.ErrInvalidMsg},
		{"short DIN", rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: "A99992600001", Type: "blood", Donor: donorA}, ledger.ErrInvalidMsg},
		{"DIN with O", rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: "O999926000001", Type: "blood", Donor: donorA}, ledger.ErrInvalidMsg},
		{"bad type", rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "organ", Donor: donorA}, ledger.ErrInvalidMsg},
		{"plasma without certificate", rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "plasma", Donor: donorA}, ledger.ErrInvalidMsg},
	})
	// Flag characters are dropped: the donation is its 13-character DIN.
	d := w.must(rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1 + "00", Type: "blood", Donor: donorA}).(supply.Donation)
	if d.DIN != din1 || d.Status != supply.DonationPending || d.Centre != "redcross" {
		t.Fatalf("donation: %+v", d)
	}
	w.must(rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din2, Type: "blood", Donor: donorA})
	w.must(rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din3, Type: "blood", Donor: donorB})
	w.refuse(rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "blood", Donor: donorB}, supply.ErrExists)

	// Components: units of the centre's blood-component products, lot = DIN.
	comp := func(g, expiry string) supply.ComponentSpec {
		return supply.ComponentSpec{GTIN: g, Expiry: expiry}
	}
	w.refuseAll([]refusal{
		{"other org separates", genDoc, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{comp(rbc, "2026-06-10")}}, supply.ErrUnauthorized},
		{"unknown donation", rcNurse, supply.TypeSeparate, supply.Separate{DIN: "A999926999999", Components: []supply.ComponentSpec{comp(rbc, "2026-06-10")}}, supply.ErrNotFound},
		{"not a blood component", rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{comp(bag, "2026-06-10")}}, supply.ErrState},
		{"another maker's product", rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{comp(gtin, "2026-06-10")}}, supply.ErrUnauthorized},
		{"unknown product", rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{comp(withCheck("0950600099999"), "2026-06-10")}}, supply.ErrNotFound},
		{"serial without DIN", rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{{GTIN: rbc, Serial: "X1", Expiry: "2026-06-10"}}}, ledger.ErrInvalidMsg},
		{"bad expiry", rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{comp(rbc, "2026-06-31")}}, ledger.ErrInvalidMsg},
	})
	sep := w.must(rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{
		comp(rbc, "2026-06-10"), comp(ffp, "2027-05-01"), comp(plt, "2026-05-06")}}).(supply.Separated)
	rbc1, ffp1, plt1 := supply.UnitID(rbc, din1), supply.UnitID(ffp, din1), supply.UnitID(plt, din1)
	if fmt.Sprint(sep.Items) != fmt.Sprint([]string{rbc1, ffp1, plt1}) {
		t.Fatalf("separated: %+v", sep)
	}
	w.must(rcNurse, supply.TypeSeparate, supply.Separate{DIN: din2, Components: []supply.ComponentSpec{comp(rbc, "2026-06-10"), comp(ffp, "2027-05-01")}})
	w.must(rcNurse, supply.TypeSeparate, supply.Separate{DIN: din3, Components: []supply.ComponentSpec{comp(rbc, "2026-06-10")}})
	rbc2, rbc3 := supply.UnitID(rbc, din2), supply.UnitID(rbc, din3)
	w.refuse(rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{comp(rbc, "2026-06-10")}}, supply.ErrExists)
	if v := w.verify(rbc1); v.Status != supply.StatusQuarantined || v.Lot != din1 || v.Manufacturer != "redcross" {
		t.Fatalf("untested component: %+v", v)
	}

	// Untested components are not issued, pooled or transformed.
	w.refuseAll([]refusal{
		{"issue untested", rcNurse, supply.TypeShip, supply.Ship{To: "general", Items: []string{rbc1}}, supply.ErrQuarantined},
		{"pool untested", rcNurse, supply.TypePool, supply.Pool{Pool: "P-1", Items: []string{ffp1}}, supply.ErrUntested},
		{"transform untested", rcNurse, supply.TypeTransform, supply.Transform{Inputs: []string{ffp1}}, supply.ErrUntested},
		{"quality officer lifts the hold", rcQA, supply.TypeRelease, supply.Release{Items: []string{rbc1}, Reason: "urgent"}, supply.ErrUntested},
	})

	// Tests: signed by lab technicians of a lab or of the donation's centre.
	w.refuseAll([]refusal{
		{"physician", genDoc, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("hiv")}, supply.ErrUnauthorized},
		{"lab clerk", labClerk, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("hiv")}, supply.ErrUnauthorized},
		{"unknown donation", labTech, supply.TypeTestResults, supply.RecordTests{DIN: "A999926999999", Results: pass("hiv")}, supply.ErrNotFound},
		{"bad result", labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: []supply.TestOutcome{{Test: "hiv", Result: "negative"}}}, ledger.ErrInvalidMsg},
		{"bad code", labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("HIV 1/2")}, ledger.ErrInvalidMsg},
		{"twice in one", labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("hiv", "hiv")}, ledger.ErrInvalidMsg},
		{"bad report hash", labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("hiv"), Report: "abc"}, ledger.ErrInvalidMsg},
	})
	report := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	d = w.must(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("hiv", "hbv", "hcv", "syphilis", "abo-rhd"), Report: report}).(supply.Donation)
	if d.Status != supply.DonationReleased || len(d.Tests) != 5 || d.Tests[0].Test != "abo-rhd" || d.Tests[0].Lab != "citylab" {
		t.Fatalf("tested donation: %+v", d)
	}
	w.refuse(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("hiv")}, supply.ErrExists)
	w.must(rcLab, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass("htlv")}) // the centre's own lab
	if v := w.verify(rbc1); v.Status != supply.StatusActive {
		t.Fatalf("released component: %+v", v)
	}
	d = w.must(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din2, Results: pass("hiv", "hbv", "hcv", "syphilis")}).(supply.Donation)
	if d.Status != supply.DonationPending || w.verify(rbc2).Status != supply.StatusQuarantined {
		t.Fatalf("partly tested: %+v", d)
	}
	w.must(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din2, Results: pass("abo-rhd")})

	// A failed test holds the donation's components; nothing lifts it here.
	d = w.must(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din3, Results: []supply.TestOutcome{
		{Test: "hiv", Result: supply.TestFail}, {Test: "hbv", Result: supply.TestPass}}}).(supply.Donation)
	if d.Status != supply.DonationFailed {
		t.Fatalf("failed donation: %+v", d)
	}
	if v := w.verify(rbc3); v.Status != supply.StatusQuarantined || v.ColdChainReason != "donation "+din3+" failed test hiv" {
		t.Fatalf("failed component: %+v", v)
	}
	w.refuseAll([]refusal{
		{"issue failed", rcNurse, supply.TypeShip, supply.Ship{To: "general", Items: []string{rbc3}}, supply.ErrQuarantined},
		{"separate failed", rcNurse, supply.TypeSeparate, supply.Separate{DIN: din3, Components: []supply.ComponentSpec{comp(ffp, "2027-05-01")}}, supply.ErrTestFailed},
		{"transform failed", rcNurse, supply.TypeTransform, supply.Transform{Inputs: []string{rbc3}}, supply.ErrTestFailed},
		{"quality officer lifts the hold", rcQA, supply.TypeRelease, supply.Release{Items: []string{rbc3}, Reason: "retest"}, supply.ErrTestFailed},
	})

	// Issue to hospitals with the ordinary ship and receive.
	sh := w.must(rcNurse, supply.TypeShip, supply.Ship{To: "general", Items: []string{rbc1}}).(ledger.Created).ID
	w.must(genBuyer, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{rbc1}})
	sh = w.must(rcNurse, supply.TypeShip, supply.Ship{To: "mercy", Items: []string{rbc2}}).(ledger.Created).ID
	w.must(mercyDoc, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{rbc2}})
	sh = w.must(maker, supply.TypeShip, supply.Ship{To: "general", Items: []string{unit(1)}}).(ledger.Created).ID
	w.must(genBuyer, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{unit(1)}})

	// Transfusion: a physician or nurse of the hospital holding the unit.
	w.refuseAll([]refusal{
		{"logistics", genBuyer, supply.TypeTransfuse, supply.Transfuse{Item: rbc1, Recipient: "pt-aaaaaaaaaaaaaaaaaaaa"}, supply.ErrUnauthorized},
		{"blood centre", rcNurse, supply.TypeTransfuse, supply.Transfuse{Item: ffp1, Recipient: "pt-aaaaaaaaaaaaaaaaaaaa"}, supply.ErrUnauthorized},
		{"not the holder", genDoc, supply.TypeTransfuse, supply.Transfuse{Item: rbc2, Recipient: "pt-aaaaaaaaaaaaaaaaaaaa"}, supply.ErrNotCustodian},
		{"unknown unit", genDoc, supply.TypeTransfuse, supply.Transfuse{Item: supply.UnitID(rbc, "A999926999999"), Recipient: "pt-aaaaaaaaaaaaaaaaaaaa"}, supply.ErrNotFound},
		{"not blood", genDoc, supply.TypeTransfuse, supply.Transfuse{Item: unit(1), Recipient: "pt-aaaaaaaaaaaaaaaaaaaa"}, supply.ErrState},
		{"recipient by name", genDoc, supply.TypeTransfuse, supply.Transfuse{Item: rbc1, Recipient: "Jane Doe"}, ledger.ErrInvalidMsg},
		{"container", genDoc, supply.TypeTransfuse, supply.Transfuse{Item: caseA, Recipient: "pt-aaaaaaaaaaaaaaaaaaaa"}, ledger.ErrInvalidMsg},
	})
	tr := w.must(genDoc, supply.TypeTransfuse, supply.Transfuse{Item: rbc1, Recipient: "pt-aaaaaaaaaaaaaaaaaaaa"}).(supply.Transfusion)
	if tr.DIN != din1 || tr.Org != "general" || tr.By != genDoc.ID {
		t.Fatalf("transfusion: %+v", tr)
	}
	w.must(mercyDoc, supply.TypeTransfuse, supply.Transfuse{Item: rbc2, Recipient: "pt-bbbbbbbbbbbbbbbbbbbb"})
	w.refuse(genDoc, supply.TypeTransfuse, supply.Transfuse{Item: rbc1, Recipient: "pt-cccccccccccccccccccc"}, supply.ErrState)
	if v := w.verify(rbc1); v.Status != supply.StatusTransfused || v.Custodian != "general" {
		t.Fatalf("transfused: %+v", v)
	}

	// A test recorded after release fails the donation: what is left is
	// held, what was transfused is found by lookback.
	w.must(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: []supply.TestOutcome{{Test: "wnv", Result: supply.TestFail}}})
	if v := w.verify(ffp1); v.Status != supply.StatusQuarantined {
		t.Fatalf("late failure: %+v", v)
	}
	if v := w.verify(rbc1); v.Status != supply.StatusTransfused {
		t.Fatalf("late failure, transfused unit: %+v", v)
	}

	r := w.db.Committed()
	traces := w.k.DonorLookback(r, donorA)
	var items, recipients []string
	for _, tr := range traces {
		items = append(items, tr.Item)
		if tr.Transfusion != nil {
			recipients = append(recipients, tr.Transfusion.Recipient+"@"+tr.Transfusion.Org)
		}
	}
	if fmt.Sprint(items) != fmt.Sprint([]string{rbc1, ffp1, plt1, rbc2, supply.UnitID(ffp, din2)}) {
		t.Fatalf("donor lookback items: %v", items)
	}
	if fmt.Sprint(recipients) != "[pt-aaaaaaaaaaaaaaaaaaaa@general pt-bbbbbbbbbbbbbbbbbbbb@mercy]" {
		t.Fatalf("donor lookback recipients: %v", recipients)
	}
	if traces[0].DonationStatus != supply.DonationFailed || traces[3].DonationStatus != supply.DonationReleased {
		t.Fatalf("donor lookback statuses: %+v", traces)
	}
	back := w.k.RecipientLookback(r, "pt-bbbbbbbbbbbbbbbbbbbb")
	if len(back) != 1 {
		t.Fatalf("recipient lookback: %+v", back)
	}
	b := back[0]
	var tests []string
	for _, x := range b.Tests {
		tests = append(tests, x.Test+"="+x.Result)
	}
	if b.DIN != din2 || b.Donor != donorA || b.Centre != "redcross" || b.Item != rbc2 || b.Status != supply.StatusTransfused ||
		fmt.Sprint(tests) != "[abo-rhd=pass hbv=pass hcv=pass hiv=pass syphilis=pass]" {
		t.Fatalf("recipient lookback: %+v", b)
	}
	if got := w.k.RecipientLookback(r, "pt-00000000000000000090"); len(got) != 0 {
		t.Fatalf("nobody's lookback: %+v", got)
	}
	if got := w.k.DonorLookback(r, donorB); len(got) != 1 || got[0].DIN != din3 || got[0].DonationStatus != supply.DonationFailed {
		t.Fatalf("failed donor: %+v", got)
	}
	// A lot of components traces to its donation.
	if lt := w.k.TraceLot(r, rbc, din2); len(lt.Donations) != 1 || lt.Donations[0].DIN != din2 {
		t.Fatalf("trace of a component lot: %+v", lt)
	}
}

func TestPlasmaPoolFractionateTraceLot(t *testing.T) {
	w := newBloodWorld(t)
	w.setup()
	w.registerBloodProducts()
	w.must(pcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: alb, Name: "Albumin 20%", Kind: supply.KindPlasmaProduct, MinMilliC: 2000, MaxMilliC: 25000})
	w.must(pcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: ivig, Name: "IVIG 10%", Kind: supply.KindPlasmaProduct, MinMilliC: 2000, MaxMilliC: 8000})
	w.must(pcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: pcDrug, Name: "Saline", Kind: supply.KindDrug})

	const cert = "RC-PMF-2026-01"
	var dins, units []string
	for i := 1; i <= 5; i++ {
		din := fmt.Sprintf("A99992610000%d", i)
		dins = append(dins, din)
		w.must(rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din, Type: "plasma", Donor: fmt.Sprintf("%016x", 0xd0+i), Certificate: cert})
		if i <= 4 { // the fifth is never tested
			d := w.must(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din, Results: pass("hiv", "hbv", "hcv")}).(supply.Donation)
			if d.Status != supply.DonationReleased {
				t.Fatalf("plasma donation %s: %+v", din, d)
			}
		}
		w.must(rcNurse, supply.TypeSeparate, supply.Separate{DIN: din, Components: []supply.ComponentSpec{{GTIN: src, Expiry: "2027-05-01"}}})
		units = append(units, supply.UnitID(src, din))
	}
	sh := w.must(rcNurse, supply.TypeShip, supply.Ship{To: "plasmaco", Items: units[:4]}).(ledger.Created).ID
	w.must(pcOps, supply.TypeReceive, supply.Receive{Shipment: sh, Items: units[:4]})

	const pool = "POOL-2026-001"
	w.refuseAll([]refusal{
		{"untested donation", rcNurse, supply.TypePool, supply.Pool{Pool: "RC-POOL", Items: []string{units[4]}}, supply.ErrUntested},
		{"hospital pools", genDoc, supply.TypePool, supply.Pool{Pool: pool, Items: units[:3]}, supply.ErrUnauthorized},
		{"not the holder", pcOps, supply.TypePool, supply.Pool{Pool: pool, Items: []string{units[4]}}, supply.ErrNotCustodian},
		{"unknown unit", pcOps, supply.TypePool, supply.Pool{Pool: pool, Items: []string{supply.UnitID(src, "A999926199999")}}, supply.ErrNotFound},
		{"bad pool ID", pcOps, supply.TypePool, supply.Pool{Pool: "POOL/1", Items: units[:3]}, ledger.ErrInvalidMsg},
		{"no items", pcOps, supply.TypePool, supply.Pool{Pool: pool}, ledger.ErrInvalidMsg},
	})
	tf := w.must(pcOps, supply.TypePool, supply.Pool{Pool: pool, Items: units[:3]}).(supply.Transformation)
	if tf.ID != pool || tf.Kind != supply.TransformPool || tf.Inputs != 3 || tf.Org != "plasmaco" {
		t.Fatalf("pool: %+v", tf)
	}
	if v := w.verify(units[0]); v.Status != supply.StatusConsumed {
		t.Fatalf("pooled unit: %+v", v)
	}

	out := func(g, lot string, n int64) supply.Output {
		return supply.Output{GTIN: g, Lot: lot, Expiry: "2029-04-30", Serials: supply.Serials{Prefix: lot + "-", Count: n, Width: 3}}
	}
	w.refuseAll([]refusal{
		{"someone else's pool", maker, supply.TypePool, supply.Pool{Pool: pool, Items: []string{unit(1)}}, supply.ErrUnauthorized},
		{"transform a pool", pcOps, supply.TypeTransform, supply.Transform{ID: pool, Outputs: []supply.Output{out(alb, "A1", 1)}}, supply.ErrState},
		{"unknown pool", pcOps, supply.TypeFractionate, supply.Fractionate{Pool: "POOL-X", Outputs: []supply.Output{out(alb, "A1", 1)}}, supply.ErrNotFound},
		{"other org fractionates", maker, supply.TypeFractionate, supply.Fractionate{Pool: pool, Outputs: []supply.Output{out(gtin, "A1", 1)}}, supply.ErrUnauthorized},
		{"not a plasma product", pcOps, supply.TypeFractionate, supply.Fractionate{Pool: pool, Outputs: []supply.Output{out(pcDrug, "A1", 1)}}, supply.ErrState},
		{"another maker's product", pcOps, supply.TypeFractionate, supply.Fractionate{Pool: pool, Outputs: []supply.Output{out(gtin, "A1", 1)}}, supply.ErrUnauthorized},
		{"no outputs", pcOps, supply.TypeFractionate, supply.Fractionate{Pool: pool}, ledger.ErrInvalidMsg},
		{"same lot twice", pcOps, supply.TypeFractionate, supply.Fractionate{Pool: pool, Outputs: []supply.Output{out(alb, "A1", 1), out(alb, "A1", 2)}}, ledger.ErrInvalidMsg},
	})
	tf = w.must(pcOps, supply.TypeFractionate, supply.Fractionate{Pool: pool, Outputs: []supply.Output{out(alb, "ALB-26-001", 5), out(ivig, "IVG-26-001", 3)}}).(supply.Transformation)
	if len(tf.Outputs) != 2 || tf.Outputs[0].Units != 5 || tf.Outputs[1].Units != 3 {
		t.Fatalf("fractionated: %+v", tf)
	}
	albUnit := supply.UnitID(alb, "ALB-26-001-000")
	w.refuseAll([]refusal{
		{"inputs after outputs", pcOps, supply.TypePool, supply.Pool{Pool: pool, Items: []string{units[3]}}, supply.ErrState},
		{"pool a product", pcOps, supply.TypePool, supply.Pool{Pool: "POOL-2026-002", Items: []string{albUnit}}, supply.ErrState},
		{"pool twice", pcOps, supply.TypePool, supply.Pool{Pool: "POOL-2026-002", Items: []string{units[0]}}, supply.ErrState},
	})

	r := w.db.Committed()
	for _, lot := range [][2]string{{alb, "ALB-26-001"}, {ivig, "IVG-26-001"}} {
		lt := w.k.TraceLot(r, lot[0], lot[1])
		var got []string
		for _, d := range lt.Donations {
			if len(d.Tests) != 3 || d.Certificate != cert || d.Status != supply.DonationReleased {
				t.Fatalf("traced donation: %+v", d)
			}
			got = append(got, d.DIN)
		}
		if len(lt.Transformations) != 1 || lt.Transformations[0].ID != pool || fmt.Sprint(got) != fmt.Sprint(dins[:3]) {
			t.Fatalf("trace of %v: %+v", lot, lt)
		}
	}
	// Both ways: the pool's inputs, the unit's origin, the donor's plasma.
	if in := w.k.TransformationInputs(r, pool, 10); fmt.Sprint(in) != fmt.Sprint(units[:3]) {
		t.Fatalf("pool inputs: %v", in)
	}
	made, used := w.k.ItemTransformations(r, albUnit)
	if len(made) != 1 || made[0].ID != pool || len(used) != 0 {
		t.Fatalf("albumin unit: made by %+v, used by %+v", made, used)
	}
	if made, used = w.k.ItemTransformations(r, units[1]); len(made) != 0 || len(used) != 1 || used[0].ID != pool {
		t.Fatalf("plasma unit: made by %+v, used by %+v", made, used)
	}
	if lb := w.k.DonorLookback(r, fmt.Sprintf("%016x", 0xd1)); len(lb) != 1 || !slices.Equal(lb[0].ConsumedBy, []string{pool}) || lb[0].Status != supply.StatusConsumed {
		t.Fatalf("plasma donor lookback: %+v", lb)
	}
	if v := w.verify(albUnit); !v.Genuine || v.Manufacturer != "plasmaco" || v.Status != supply.StatusActive {
		t.Fatalf("albumin unit verdict: %+v", v)
	}
}

// A split made by supply/transform stays a component of its donation.
func TestBloodSplitByTransform(t *testing.T) {
	w := newBloodWorld(t)
	w.registerBloodProducts()
	paed := withCheck("0950600099006")
	w.must(rcQA, supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: paed, Name: "Red cells, paediatric split", Kind: supply.KindBloodComponent, MinMilliC: 2000, MaxMilliC: 6000})
	w.must(rcNurse, supply.TypeDonation, supply.RegisterDonation{DIN: din1, Type: "blood", Donor: donorA})
	w.must(rcNurse, supply.TypeSeparate, supply.Separate{DIN: din1, Components: []supply.ComponentSpec{{GTIN: rbc, Expiry: "2026-06-10"}}})
	w.must(labTech, supply.TypeTestResults, supply.RecordTests{DIN: din1, Results: pass(supply.RequiredTests(supply.DonationBlood)...)})
	rbc1 := supply.UnitID(rbc, din1)
	split := supply.Output{GTIN: paed, Lot: din1, Expiry: "2026-06-10", Serials: supply.Serials{List: []string{din1 + "A", din1 + "B"}}}
	tf := w.must(rcNurse, supply.TypeTransform, supply.Transform{Inputs: []string{rbc1}, Outputs: []supply.Output{split}}).(supply.Transformation)
	a, b := supply.UnitID(paed, din1+"A"), supply.UnitID(paed, din1+"B")
	sh := w.must(rcNurse, supply.TypeShip, supply.Ship{To: "general", Items: []string{a}}).(ledger.Created).ID
	w.must(genBuyer, supply.TypeReceive, supply.Receive{Shipment: sh, Items: []string{a}})
	w.must(genDoc, supply.TypeTransfuse, supply.Transfuse{Item: a, Recipient: "pt-cccccccccccccccccccc"})

	r := w.db.Committed()
	lb := w.k.DonorLookback(r, donorA)
	var got []string
	for _, x := range lb {
		s := x.Item + ":" + x.Status
		if x.Transfusion != nil {
			s += ">" + x.Transfusion.Recipient
		}
		got = append(got, s)
	}
	want := []string{rbc1 + ":consumed", a + ":transfused>pt-cccccccccccccccccccc", b + ":active"}
	if fmt.Sprint(got) != fmt.Sprint(want) || !slices.Equal(lb[0].ConsumedBy, []string{tf.ID}) {
		t.Fatalf("donor lookback: %v", got)
	}
	if back := w.k.RecipientLookback(r, "pt-cccccccccccccccccccc"); len(back) != 1 || back[0].DIN != din1 || back[0].Donor != donorA {
		t.Fatalf("recipient lookback: %+v", back)
	}
	if d, _ := w.k.Donation(r, din1); d.Components != 3 {
		t.Fatalf("donation: %+v", d)
	}
	if lt := w.k.TraceLot(r, paed, din1); len(lt.Donations) != 1 || len(lt.Transformations) != 1 {
		t.Fatalf("trace of the split lot: %+v", lt)
	}
}
