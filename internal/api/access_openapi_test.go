package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
)

// What each access level documents as an operation's security, and which
// of 401 and 403 it must document (whoami, which asks no entitlement, has no
// 403).
var securityOfAccess = map[string]struct {
	security           string // the operation's security as JSON; "" for none
	wants401, wants403 bool
}{
	"open":   {"", false, false},
	"keyed":  {`[{"signedRequest":[]},{"bearerToken":[]}]`, true, true},
	"either": {`[{},{"signedRequest":[]},{"bearerToken":[]}]`, true, false},
}

// handlerAuthenticated are open routes whose handler reads a credential
// itself: ending a token takes the token, not a signed request; the FHIR
// facade's record reads take the reader's signed read request.
var handlerAuthenticated = map[string]string{
	"DELETE /v1/auth/tokens/current": `[{"bearerToken":[]}]`,
	"GET /fhir/Binary/{id}":          `[{"readRequest":[]}]`,
	"GET /fhir/Claim/{id}":           `[{"readRequest":[]}]`,
}

// Every route's access level in the server's route table matches the
// security its operation declares in openapi.json, and the document
// declares the two schemes.
func TestRouteAccessMatchesOpenAPISecurity(t *testing.T) {
	doc, _ := loadSpec(t)
	e := newEnv(t, apitest.Options{})
	// Document-wide: open (one empty requirement, so that a linter sees
	// every operation's security defined); a private operation says its
	// own, an open one inherits this.
	if b, _ := json.Marshal(doc.Security); string(b) != `[{}]` {
		t.Fatalf("openapi.json declares a document-wide security %s, want [{}] (open unless an operation says otherwise)", b)
	}
	for name, scheme := range map[string]string{"signedRequest": "Medchain", "bearerToken": "bearer"} {
		ref := doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value.Type != "http" || ref.Value.Scheme != scheme || ref.Value.Description == "" {
			t.Errorf("securitySchemes.%s: want type http, scheme %s, a description; got %+v", name, scheme, ref)
		}
	}
	levels := api.RouteAccess(e.h.API)
	if len(levels) != len(api.Patterns(e.h.API)) {
		t.Fatalf("%d access levels for %d routes", len(levels), len(api.Patterns(e.h.API)))
	}
	for pattern, level := range levels {
		method, path, _ := strings.Cut(pattern, " ")
		item := doc.Paths.Find(api.OpenAPIPath(path))
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s: not in openapi.json", pattern)
			continue
		}
		op := item.GetOperation(method)
		want, ok := securityOfAccess[level]
		if !ok {
			t.Errorf("%s: access level %q", pattern, level)
			continue
		}
		if s, ok := handlerAuthenticated[pattern]; ok && level == "open" {
			want.security, want.wants401 = s, true
		}
		got := ""
		if op.Security != nil {
			b, err := json.Marshal(op.Security)
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
		}
		if got != want.security {
			t.Errorf("%s is %s: security %s, want %s", pattern, level, orNone(got), orNone(want.security))
		}
		if want.wants401 && op.Responses.Value("401") == nil {
			t.Errorf("%s is %s: documents no 401", pattern, level)
		}
		if want.wants403 && pattern != "GET /v1/auth/whoami" && op.Responses.Value("403") == nil {
			t.Errorf("%s is %s: documents no 403", pattern, level)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
