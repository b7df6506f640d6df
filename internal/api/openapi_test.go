package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
)

// Every routed pattern is documented and every documented operation is
// routed.
func TestRoutesMatchOpenAPI(t *testing.T) {
	doc, _ := loadSpec(t)
	e := newEnv(t, apitest.Options{})
	var routed, documented []string
	for _, p := range api.Patterns(e.h.API) {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			t.Fatalf("pattern %q has no method", p)
		}
		routed = append(routed, method+" "+api.OpenAPIPath(path))
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(routed)
	slices.Sort(documented)
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("openapi.json documents %s, which is not routed", d)
		}
	}
}

func TestOpenAPIIsServedAndIs31(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	var d struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	e.get("/v1/openapi.json", http.StatusOK, &d)
	if d.OpenAPI != "3.1.0" || len(d.Paths) == 0 {
		t.Fatalf("served document: openapi %q, %d paths", d.OpenAPI, len(d.Paths))
	}
	doc, _ := loadSpec(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Fatal("kin-openapi does not read the document as 3.1")
	}
	// Every operation documents problems for 4XX and 5XX.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, s := range []string{"4XX", "5XX"} {
				if op.Responses.Value(s) == nil {
					t.Errorf("%s %s documents no %s problem", method, path, s)
				}
			}
		}
	}
	var raw map[string]any
	if err := json.Unmarshal(api.OpenAPIDocument(), &raw); err != nil {
		t.Fatal(err)
	}
}
