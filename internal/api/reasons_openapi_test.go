package api_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/supply"
)

// schemaEnum is the enum of a property in openapi.json's components, found
// by the schema's name and the property path below it ("status_change",
// "reason").
func schemaEnum(t *testing.T, schema string, path ...string) []string {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	raw, ok := doc.Components.Schemas[schema]
	for _, p := range path {
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if !ok || json.Unmarshal(raw, &s) != nil {
			t.Fatalf("openapi.json has no schema %s with %v", schema, path)
		}
		raw, ok = s.Properties[p]
	}
	var e struct {
		Enum []string `json:"enum"`
	}
	if !ok || json.Unmarshal(raw, &e) != nil {
		t.Fatalf("openapi.json has no property %v of %s", path, schema)
	}
	return e.Enum
}

// The reason fields of decisions kept on chain (supply's release, destroy
// and recall; a member's status change; a key's revocation) list exactly
// the chain's own codes: free text never reaches the ledger.
func TestReasonEnumsAreTheChains(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"Recall.reason", schemaEnum(t, "Recall", "reason"), supply.RecallReasons},
		{"Custody.reason", schemaEnum(t, "Custody", "reason"), slices.Concat(supply.ReleaseReasons, supply.DestroyReasons)},
		{"SupplyOp.destroy.reason", schemaEnum(t, "SupplyOp", "destroy", "reason"), supply.DestroyReasons},
		{"Member.status_change.reason", schemaEnum(t, "Member", "status_change", "reason"), identity.StatusReasons},
		{"Key.reason", schemaEnum(t, "Key", "reason"), identity.KeyRevokeReasons},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: openapi.json lists %v, the chain %v", c.name, c.got, c.want)
		}
	}
}
