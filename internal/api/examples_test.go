package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"mime"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/routers"

	"github.com/medchain/medchain/internal/api"
)

var updateExamples = flag.Bool("update-examples", false, "rewrite openapi_examples.json from the answers this package's tests get (run the whole package)")

// examplesFile holds, for every operation, an answer the tests really got,
// valid against the document; the node serves them as the operations'
// examples (api.OpenAPIDocument).
const examplesFile = "openapi_examples.json"

// maxExample bounds an example's size: a long list says no more than a
// short one.
const maxExample = 8 << 10

// recorded are the first valid 2xx JSON answers of each operation in this
// run, by "METHOD /path/{template}".
var recorded = struct {
	sync.Mutex
	m map[string]api.Example
}{m: map[string]api.Example{}}

// record keeps a validated answer as its operation's example: the first
// 2xx one in JSON and small enough.
func record(route *routers.Route, resp *http.Response, body []byte) {
	if !*updateExamples || resp.StatusCode < 200 || resp.StatusCode > 299 || len(body) == 0 || !json.Valid(body) {
		return
	}
	if len(body) > maxExample {
		body = shorten(body)
	}
	if len(body) > maxExample {
		return
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	key := route.Method + " " + route.Path
	recorded.Lock()
	defer recorded.Unlock()
	if _, ok := recorded.m[key]; ok {
		return
	}
	var buf bytes.Buffer
	if json.Compact(&buf, body) != nil {
		return
	}
	recorded.m[key] = api.Example{Status: fmt.Sprint(resp.StatusCode), Type: mt, Response: buf.Bytes()}
}

// shorten cuts a long list answer (an object whose items, entry or
// eventList holds the list) to its first three entries.
func shorten(body []byte) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	for _, k := range []string{"items", "entry"} {
		var list []json.RawMessage
		if json.Unmarshal(obj[k], &list) == nil && len(list) > 3 {
			obj[k], _ = json.Marshal(list[:3])
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return b
}

// ids are the ledger's IDs (a prefix of the document's ID patterns and hex
// digits: pt-…, gr-…, rec-…), also inside URLs (Patient%2Fpt-…), and the
// 16-hex-digit donor pseudonyms.
var ids = regexp.MustCompile(`(ac|al|ar|ax|bg|cj|cl|cp|cr|cs|cv|db|dm|dn|en|gr|nd|pl|pt|py|rec|rl|rq|sh|st|tb)-([0-9a-f]{16,32})\b|"([0-9a-f]{16})"`)

// testServer is the address of a test's API server in an answer's links:
// the examples say medchain dev's.
var testServer = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// anonymise replaces every ID in the examples by a sequential one of the
// same form, the same ID by the same everywhere: the examples come from
// the tests' fixtures and must not look like any real patient, grant or
// claim, nor be the fixtures' own (the leak test would see them).
func anonymise(exs map[string]api.Example, keys []string) {
	seen := map[string]string{}
	n := 0
	next := func(width int) string {
		n++
		return fmt.Sprintf("%0*x", width, n)
	}
	for _, k := range keys {
		ex := exs[k]
		ex.Response = testServer.ReplaceAll(ex.Response, []byte("http://127.0.0.1:8080"))
		ex.Response = ids.ReplaceAllFunc(ex.Response, func(m []byte) []byte {
			s := string(m)
			if r, ok := seen[s]; ok {
				return []byte(r)
			}
			var r string
			if sub := ids.FindStringSubmatch(s); sub[1] != "" {
				r = sub[1] + "-" + next(len(sub[2]))
			} else {
				r = `"` + next(16) + `"`
			}
			seen[s] = r
			return []byte(r)
		})
		exs[k] = ex
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	if *updateExamples {
		api.ServeWithoutExamples()
	}
	code := m.Run()
	if *updateExamples && code == 0 {
		recorded.Lock()
		keys := make([]string, 0, len(recorded.m))
		for k := range recorded.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		anonymise(recorded.m, keys)
		var b bytes.Buffer
		b.WriteString("{\n")
		for i, k := range keys {
			v, _ := json.Marshal(recorded.m[k])
			fmt.Fprintf(&b, "  %q: %s", k, v)
			if i < len(keys)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("}\n")
		recorded.Unlock()
		if err := os.WriteFile(examplesFile, b.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// TestEveryOperationHasAnExample: every operation of the served document
// that answers JSON has an example answer, recorded from the tests
// (go test ./internal/api -update-examples rewrites them), and each
// example names an operation of the document. That the examples match
// their schemas, Redocly's lint checks (TestTypeScriptClient).
func TestEveryOperationHasAnExample(t *testing.T) {
	if *updateExamples {
		// This run writes the examples; the document it serves embeds
		// the ones before it. The next run checks the new ones.
		return
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Example  json.RawMessage `json:"example"`
					Examples json.RawMessage `json:"examples"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for path, item := range doc.Paths {
		for method, op := range item {
			answersJSON, has := false, false
			for status, r := range op.Responses {
				if !strings.HasPrefix(status, "2") {
					continue
				}
				for ct, c := range r.Content {
					if strings.Contains(ct, "json") {
						answersJSON = true
						has = has || len(c.Example) > 0 || len(c.Examples) > 0
					}
				}
			}
			// The document is not an example of itself.
			if answersJSON && !has && path != "/v1/openapi.json" {
				missing = append(missing, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("%s has no example answer: a test must get a 2xx JSON answer from it, then go test ./internal/api -update-examples", m)
	}
	for _, k := range api.ExampleKeys() {
		method, path, _ := strings.Cut(k, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("%s: an example of an operation the document does not have", k)
		}
	}
}
