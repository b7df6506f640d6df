package node

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/claimcheck"
	"github.com/medchain/medchain/internal/claims"
)

// submitSyntheaClaims takes every Claim of the Synthea bundles through the
// claims module for patients (one per bundle): acme-health publishes a
// plan and records their coverage; each Claim, its patient, insurer,
// provider and coverage pointed at medchain's and its first item also coded as a
// wellness visit (G0438) priced at the claim's total, is pre-checked,
// submitted by St Mary's, adjudicated with the shared code and, when the
// payer owes anything, paid. The documents themselves (Synthea's
// encounters, displays and references included) never reach the node
// but for the pre-check. It returns how many claims were submitted and
// paid.
func submitSyntheaClaims(t *testing.T, ctx context.Context, c *client.Client, bundles [][]byte, patients []string) (submitted, paid int) {
	t.Helper()
	officer, grey := demoSigner("claims-officer"), demoSigner("dr-grey")
	send := func(s *client.Signer, msg client.Msg, out any) {
		t.Helper()
		res, err := c.Send(ctx, s, msg)
		if err != nil {
			t.Fatalf("%s: %v", msg.MsgType(), err)
		}
		if out != nil {
			if err := res.Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	today := time.Now().UTC().Format(time.DateOnly)
	send(officer, client.PublishPlan{Plan: "synthea-basic", Currency: "USD", Effective: today,
		Required: []string{"Claim.patient", "Claim.insurer", "Claim.item.productOrService"}, Diagnoses: []string{"Z7188"},
		Services: []client.PlanService{{Code: "G0438", Fee: 50000}}, PatientShareBP: 2000}, nil)
	for i, bundle := range bundles {
		var cov client.Coverage
		send(officer, client.RecordCoverage{Patient: patients[i], Plan: "synthea-basic", Start: today, End: "2099-12-31"}, &cov)
		var b struct {
			Entry []struct {
				Resource map[string]any `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(bundle, &b); err != nil {
			t.Fatal(err)
		}
		for _, e := range b.Entry {
			if e.Resource["resourceType"] != "Claim" {
				continue
			}
			doc := medchainClaim(t, e.Resource, patients[i], cov.ID, today)
			pre, err := c.Precheck(ctx, doc, "synthea-basic", 0)
			if err != nil {
				t.Fatalf("precheck: %v\n%s", err, doc)
			}
			view, err := claimcheck.Parse(doc)
			if err != nil {
				t.Fatal(err)
			}
			var created client.Created
			send(grey, client.SubmitClaim{Coverage: cov.ID, Version: pre.Version, Hash: pre.Claim, Items: len(view.Items),
				Total: view.Total, Currency: "USD", Prechecked: pre.Pass}, &created)
			submitted++
			sc, err := c.As(officer).Claim(ctx, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			var lc claims.Claim
			var pv claims.PlanVersion
			var lcov claims.Coverage
			v, err := c.PlanInForce(ctx, "synthea-basic", today)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range [][2]any{{sc, &lc}, {v, &pv}, {cov, &lcov}} {
				raw, _ := json.Marshal(p[0])
				if err := json.Unmarshal(raw, p[1]); err != nil {
					t.Fatal(err)
				}
			}
			r := claimcheck.Judge(view, pv, &lcov)
			adj, _ := claimcheck.Adjudication(lc, r.Items)
			var msg client.Adjudicate
			raw, _ := json.Marshal(adj)
			if err := json.Unmarshal(raw, &msg); err != nil {
				t.Fatal(err)
			}
			send(officer, msg, nil)
			if r.Payer > 0 {
				send(officer, client.PayClaim{Claim: created.ID, Response: msg.Response, Amount: r.Payer, Currency: "USD"}, nil)
				paid++
			}
		}
	}
	return submitted, paid
}

// medchainClaim is a Synthea Claim made to medchain's plan: its patient,
// insurer, provider and coverage are medchain's, its service date today, its first
// item also coded G0438 at the claim's total, and a covered diagnosis
// added; everything else (encounters, displays, Synthea references) is
// left as it is.
func medchainClaim(t *testing.T, res map[string]any, patient, coverage, today string) []byte {
	t.Helper()
	res["patient"] = map[string]any{"reference": "Patient/" + patient}
	res["insurer"] = map[string]any{"reference": "Organization/acme-health"}
	res["provider"] = map[string]any{"reference": "Organization/st-marys-hospital"}
	res["insurance"] = []any{map[string]any{"sequence": 1, "focal": true, "coverage": map[string]any{"reference": "Coverage/" + coverage}}}
	res["diagnosis"] = append([]any{map[string]any{"sequence": 99, "diagnosisCodeableConcept": map[string]any{"coding": []any{
		map[string]any{"system": claimcheck.SystemICD10CM, "code": "Z71.88"}}}}}, listOf(res["diagnosis"])...)
	total := map[string]any{"value": json.Number("100.00"), "currency": "USD"}
	if tot, ok := res["total"].(map[string]any); ok {
		total = tot
	}
	items := listOf(res["item"])
	if len(items) == 0 {
		t.Fatal("a Synthea Claim without items")
	}
	first := items[0].(map[string]any)
	pos, _ := first["productOrService"].(map[string]any)
	if pos == nil {
		pos = map[string]any{}
	}
	pos["coding"] = append([]any{map[string]any{"system": claimcheck.SystemHCPCS, "code": "G0438"}}, listOf(pos["coding"])...)
	first["productOrService"] = pos
	first["net"] = total
	for _, it := range items {
		it.(map[string]any)["servicedDate"] = today
	}
	doc, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func listOf(v any) []any { l, _ := v.([]any); return l }
