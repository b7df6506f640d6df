package credentials_test

import (
	"encoding/json"
	"testing"

	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/fhirdoc"
)

// A case comes out as a FHIR R4 Bundle of VerificationResults that the
// FHIR validator accepts: one per requirement, with the outcome's status.
func TestCaseFHIR(t *testing.T) {
	c := credentials.Case{ID: "cs-fec570bc23c28397ab1e931d", Org: "st-marys", Applicant: "st-marys/dr-grey", Status: credentials.CaseRefused,
		Time: 1767225615, Requirements: []credentials.Requirement{
			{Type: "medical-licence", Source: "board", Outcome: credentials.OutcomeVerified, Credential: "cr-a1a1a1a1a1a1a1a1a1a1a1a1", Time: 1767226250},
			{Type: "degree", Source: "uni", Outcome: credentials.OutcomeRefused, Reason: "no-record", Time: 1767399080},
			{Type: "board-certification", Source: "board", Outcome: credentials.OutcomePending},
		}}
	raw, err := json.Marshal(c.FHIR())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fhirdoc.Validate(raw); err != nil {
		t.Fatalf("not valid FHIR R4: %v\n%s", err, raw)
	}
	var b struct {
		Entry []struct {
			Resource struct {
				Status string `json:"status"`
				Target []struct {
					Reference string `json:"reference"`
				} `json:"target"`
			} `json:"resource"`
		} `json:"entry"`
	}
	json.Unmarshal(raw, &b)
	if len(b.Entry) != 3 || b.Entry[0].Resource.Status != "validated" || b.Entry[1].Resource.Status != "val-fail" ||
		b.Entry[2].Resource.Status != "in-process" || b.Entry[0].Resource.Target[0].Reference != "Practitioner/st-marys.dr-grey" {
		t.Fatalf("%s", raw)
	}
}
