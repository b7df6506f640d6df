package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// An insurer publishes a plan; a provider pre-checks a FHIR R4 Claim
// against it before sending it: every problem at once, each with its FHIR
// element, or a pass with the payer's and the patient's amounts.
func ExampleClient_Precheck() {
	node := startNode()
	defer node.Close()
	ctx := context.Background()
	c := client.New(node.URL)

	officer := client.NewSigner(apitest.PrivateKey("insurer-admin")) // an admin of acme-insurance
	if _, err := c.Send(ctx, officer, client.PublishPlan{Plan: "acme-basic", Currency: "USD", Effective: "2026-01-01",
		Required: []string{"Claim.patient", "Claim.insurer", "Claim.diagnosis"}, Diagnoses: []string{"Z7188"},
		Services: []client.PlanService{{Code: "G0438", Fee: 17500}}, PatientShareBP: 2000}); err != nil {
		log.Fatal(err)
	}
	claim := func(price string) []byte {
		return []byte(`{"resourceType": "Claim", "status": "active", "use": "claim", "created": "2026-01-02",
 "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
 "patient": {"reference": "Patient/pt-0a1b2c3d4e5f60718293"}, "insurer": {"reference": "Organization/acme-insurance"},
 "provider": {"reference": "Organization/general-hospital"}, "priority": {"coding": [{"code": "normal"}]},
 "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"code": "Z71.88"}]}}],
 "insurance": [{"sequence": 1, "focal": true, "coverage": {"reference": "Coverage/cv-0123456789abcdef01234567"}}],
 "item": [{"sequence": 1, "productOrService": {"coding": [{"code": "G0438"}]}, "servicedDate": "2026-01-02",
   "net": {"value": ` + price + `, "currency": "USD"}}]}`)
	}
	for _, price := range []string{"190.00", "175.00"} {
		r, err := c.Precheck(ctx, claim(price), "acme-basic", 0)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("pass=%v version=%d payer=%d patient=%d\n", r.Pass, r.Version, r.Payer, r.Patient)
		for _, p := range r.Problems {
			fmt.Println(" ", p.Code, p.Path)
		}
	}
	// Output:
	// pass=false version=1 payer=14000 patient=3500
	//   over_schedule Claim.item[0].net
	// pass=true version=1 payer=14000 patient=3500
}
