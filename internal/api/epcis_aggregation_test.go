package api_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api/apitest"
)

// TestEPCISClassLevelAggregationRefused: POST /v1/supply/epcis refuses an
// AggregationEvent that packs by quantity (childQuantityList, no childEPCs)
// with supply.invalid_document, saying which event and what to send instead,
// before the member has anything to sign. It used to answer a supply/events
// message packing 0 items, which the ledger refused only at CheckTx.
func TestEPCISClassLevelAggregationRefused(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	// OpenEPCIS's capture example: 52 kg of a lot packed into an SSCC.
	doc, err := os.ReadFile("../epcis/testdata/openepcis/Capture/Documents/AggregationEvent_with_sensorData.json")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(http.MethodPost, "/v1/supply/epcis", "application/ld+json", doc)
	p := wantProblem(t, resp, body, http.StatusBadRequest, "supply.invalid_document")
	for _, want := range []string{"event 0 (AggregationEvent ADD packing)", "class-level aggregation by quantity (childQuantityList) is not tracked per item", "in childEPCs instead"} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q lacks %q", p.Detail, want)
		}
	}
}
