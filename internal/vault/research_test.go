package vault_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/deid"
	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/research"
)

var syntheaPatients = []string{
	"../fhirdoc/testdata/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json",
	"../fhirdoc/testdata/Liz_Conn_27c911c6-f045-4ffa-af5d-6eba57ac94b2.json",
	"../fhirdoc/testdata/Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3.json",
}

// researchFixture adds to the vault fixture a researcher and an ethics
// reviewer of general-hospital, an approved study of Observations,
// Conditions and Patients, and each patient's Synthea history uploaded
// and anchored; patients enrol with general-hospital as custodian.
type researchFixture struct {
	*fixture
	study    string
	patients []string // their keys' names
	bundles  [][]byte
}

func newResearchFixture(t testing.TB, n int) *researchFixture {
	f := &researchFixture{fixture: newFixture(t)}
	for _, m := range []struct {
		key, handle string
		role        ledger.Role
	}{
		{"researcher", "researcher", ledger.RoleResearcher},
		{"irb", "irb", ledger.RoleEthicsReviewer},
	} {
		f.ok("hospital-admin", identity.TypeRegisterMember, identity.RegisterMember{Handle: m.handle, Roles: []ledger.Role{m.role}, PublicKey: apitest.PubKey(m.key)})
	}
	var st research.Study
	mustJSON(t, f.ok("researcher", research.TypeRegisterStudy, research.RegisterStudy{
		Protocol: hex.EncodeToString(make([]byte, 32)), Purpose: research.DUOHealthMedical, Terms: []string{research.DUOGeneralResearch},
		Types: []string{"Condition", "Observation", "Patient"}, Ends: "2030-12-31"}), &st)
	f.study = st.ID
	f.ok("irb", research.TypeApproveStudy, research.ApproveStudy{Study: st.ID})
	for i := range n {
		name := []string{"patient-1", "patient-2", "patient-3"}[i]
		pt := f.patient1
		switch i {
		case 1:
			pt = f.patient2
		case 2:
			pt = f.registerPatient(name)
		}
		raw, err := os.ReadFile(syntheaPatients[i])
		if err != nil {
			t.Fatal(err)
		}
		ups, err := f.v.Upload(context.Background(), f.sign("dr-grey", records.TypeUpload, records.Upload{Patient: pt, Document: raw, Split: true}))
		if err != nil {
			t.Fatal(err)
		}
		var anchors []records.Anchor
		for _, u := range ups {
			anchors = append(anchors, u.Anchor)
		}
		for len(anchors) > 0 {
			n := min(len(anchors), 50)
			f.ok("dr-grey", records.TypeAdd, records.Add{Anchors: anchors[:n]})
			anchors = anchors[n:]
		}
		f.ok(name, research.TypeEnrol, research.Enrol{Study: st.ID, Custodians: []string{"general-hospital"}})
		f.patients = append(f.patients, name)
		f.bundles = append(f.bundles, raw)
	}
	return f
}

func mustJSON(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

// TestBuildRelease: the custodian's node builds the data set from the
// records it keeps of the enrolled patients, de-identified (no personal
// string of the patients survives, their codes do), records the manifest
// (its data hash is the data's), and serves the data to a researcher who
// holds an access receipt, to nobody else. After a withdrawal the next
// release leaves the patient out.
func TestBuildRelease(t *testing.T) {
	f := newResearchFixture(t, 2)
	privacy := f.principal("hospital-privacy")
	built, err := f.v.BuildRelease(context.Background(), privacy, f.study, "")
	if err != nil {
		t.Fatal(err)
	}
	rl := built.Release
	sum := sha256.Sum256(built.Data)
	if rl.Patients != 2 || rl.Resources < 80 || rl.DataHash != hex.EncodeToString(sum[:]) || rl.RuleSet != deid.Version || rl.Custodian != "general-hospital" {
		t.Fatalf("release %+v for %d bytes", rl, len(built.Data))
	}
	if onLedger, ok := f.h.App.Research().Release(f.h.App.State().Committed(), rl.ID); !ok || onLedger.DataHash != rl.DataHash {
		t.Fatalf("the ledger has %+v", onLedger)
	}
	for i, b := range f.bundles {
		pd, err := fhirdoc.PersonalData(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range pd {
			if len(s) >= 5 && bytes.Contains(bytes.ToLower(built.Data), bytes.ToLower([]byte(s))) {
				t.Errorf("patient %d: %q is in the release", i, s)
			}
		}
	}
	for _, code := range []string{`"code":"8302-2"`, `"code":"29463-7"`, `"resourceType":"Condition"`} {
		if !bytes.Contains(built.Data, []byte(code)) {
			t.Errorf("%s is not in the release", code)
		}
	}
	// Every resource's subject is one of the release's two patients, by
	// their pseudonym, though records split from a Bundle name the patient
	// by a Patient resource that is another record.
	var set struct {
		Entry []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
				Subject      *struct {
					Reference string `json:"reference"`
				} `json:"subject"`
			} `json:"resource"`
		} `json:"entry"`
	}
	mustJSON(t, built.Data, &set)
	patients, subjects := map[string]bool{}, map[string]bool{}
	for _, e := range set.Entry {
		if e.Resource.ResourceType == "Patient" {
			patients[e.Resource.ID] = true
		}
		if e.Resource.Subject != nil {
			subjects[strings.TrimPrefix(e.Resource.Subject.Reference, "urn:uuid:")] = true
		}
	}
	if len(patients) != 2 || len(subjects) != 2 {
		t.Fatalf("%d patients, %d subjects: %v %v", len(patients), len(subjects), patients, subjects)
	}
	for s := range subjects {
		if !patients[s] {
			t.Errorf("subject %s is no Patient of the release", s)
		}
	}
	for _, gone := range []string{`"resourceType":"Claim"`, `"resourceType":"Encounter"`} {
		if bytes.Contains(built.Data, []byte(gone)) {
			t.Errorf("%s is in the release: the study did not ask for it", gone)
		}
	}

	// Served only with an access receipt of one's own.
	researcher := f.principal("researcher")
	if _, err := f.v.DataSet(researcher, rl.ID); codeOf(err) != "chain.not_entitled" {
		t.Fatalf("no receipt yet: %v", err)
	}
	f.ok("researcher", research.TypeAccess, research.MakeAccess{Release: rl.ID})
	data, err := f.v.DataSet(researcher, rl.ID)
	if err != nil || !bytes.Equal(data, built.Data) {
		t.Fatalf("with a receipt: %v", err)
	}
	if _, err := f.v.DataSet(f.principal("dr-grey"), rl.ID); codeOf(err) != "chain.not_entitled" {
		t.Fatalf("someone else's receipt: %v", err)
	}
	// Only a custodian's member with a release role builds.
	if _, err := f.v.BuildRelease(context.Background(), f.principal("dr-grey"), f.study, ""); codeOf(err) != "chain.not_entitled" {
		t.Fatalf("a physician built a release: %v", err)
	}

	// patient-2 withdraws: the next release has one patient.
	enrolled := f.h.App.Research().PatientEnrolments(f.h.App.State().Committed(), f.patient2)
	f.ok("patient-2", research.TypeWithdraw, research.Withdraw{Enrolment: enrolled[0].ID})
	again, err := f.v.BuildRelease(context.Background(), privacy, f.study, "")
	if err != nil {
		t.Fatal(err)
	}
	if again.Release.Patients != 1 || again.Release.Resources >= rl.Resources {
		t.Fatalf("after the withdrawal: %+v", again.Release)
	}
}

func (f *researchFixture) principal(name string) ledger.Principal {
	f.t.Helper()
	p, err := f.h.App.Identity().Authenticate(f.h.App.State().Committed(), apitest.PubKey(name))
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// BenchmarkBuildRelease builds a release of the three Synthea patients
// (the demo's alice, bob and carol) from the vault: decrypt, de-identify,
// hash, record. Reports resources/s.
func BenchmarkBuildRelease(b *testing.B) {
	f := newResearchFixture(b, 3)
	privacy := f.principal("hospital-privacy")
	n := 0
	for b.Loop() {
		built, err := f.v.BuildRelease(context.Background(), privacy, f.study, "")
		if err != nil {
			b.Fatal(err)
		}
		n += built.Release.Resources
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}
