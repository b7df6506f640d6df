package api_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/identity"
)

// The reason fields of identity decisions (a member's status change, a
// key's revocation) list the chain's own codes.
func TestIdentityReasonEnumsAreTheChains(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	enum := func(raw json.RawMessage) []string {
		var p struct {
			Enum []string `json:"enum"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		return p.Enum
	}
	var change struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(doc.Components.Schemas["Member"].Properties["status_change"], &change); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"Member.status_change.reason", enum(change.Properties["reason"]), identity.StatusReasons},
		{"Key.reason", enum(doc.Components.Schemas["Key"].Properties["reason"]), identity.KeyRevokeReasons},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: openapi.json lists %v, the chain %v", c.name, c.got, c.want)
		}
	}
}
