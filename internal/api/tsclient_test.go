package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/records"
)

// nodeTools installs testdata/tsclient's package-lock.json (npm ci) into
// the user's cache, once per lock file, and returns its node_modules/.bin.
// Node.js and npm are the machine's; without them the test fails (it never
// skips), saying how to install them.
func nodeTools(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: the OpenAPI lint and TypeScript client tests need Node.js 20 and npm (Debian: apt-get install nodejs npm)", tool)
		}
	}
	lock, err := os.ReadFile("testdata/tsclient/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile("testdata/tsclient/package.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(manifest, lock...))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "medchain-test", "tsclient-"+hex.EncodeToString(sum[:8]))
	bin := filepath.Join(dir, "node_modules", ".bin")
	if _, err := os.Stat(filepath.Join(dir, "installed")); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"package.json": manifest, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "installed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return bin
}

func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	// No update checks or telemetry from the tools: the network is closed.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_UPDATE_NOTIFIER=1", "CI=true")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTypeScriptClient: the OpenAPI document the node serves lints clean
// under an independent validator (Redocly CLI, its recommended-strict rules:
// warnings fail too); openapi-typescript generates a TypeScript client's
// types from it; a TypeScript program written against those types alone
// (testdata/tsclient/submit.ts) compiles under strict mode, and builds,
// signs (Node's Ed25519) and submits a records/grant the chain commits;
// and a program that leaves out a field the schema requires does not
// compile.
func TestTypeScriptClient(t *testing.T) {
	bin := nodeTools(t)
	e := newEnv(t, apitest.Options{})
	patient := e.registerPatient("ts-patient")

	work := t.TempDir()
	resp, err := http.Get(e.h.URL + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"openapi.json": doc, "package.json": []byte(`{"type": "module"}`)}
	for _, name := range []string{"submit.ts", "tsconfig.json", "redocly.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata/tsclient", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(work, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Dir(bin), filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}

	if out, err := run(t, work, filepath.Join(bin, "redocly"), "lint", "--config", "redocly.yaml", "openapi.json"); err != nil {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
	if out, err := run(t, work, filepath.Join(bin, "openapi-typescript"), "openapi.json", "-o", "api.d.ts"); err != nil {
		t.Fatalf("openapi-typescript: %v\n%s", err, out)
	}
	if out, err := run(t, work, filepath.Join(bin, "tsc"), "-p", "tsconfig.json"); err != nil {
		t.Fatalf("tsc: the client does not compile against the generated types: %v\n%s", err, out)
	}
	seed := hex.EncodeToString(apitest.PrivateKey("ts-patient").Seed())
	out, err := run(t, work, "node", "submit.js", e.h.URL, seed, "general-hospital")
	if err != nil {
		t.Fatalf("node submit.js: %v\n%s", err, out)
	}
	var got struct {
		HTTPStatus int `json:"http_status"`
		Answer     struct {
			Status string          `json:"status"`
			Hash   string          `json:"hash"`
			Result json.RawMessage `json:"result"`
			Detail string          `json:"detail"`
		} `json:"answer"`
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &got); err != nil {
		t.Fatalf("submit.js printed %q: %v", out, err)
	}
	if got.HTTPStatus != http.StatusOK || got.Answer.Status != "committed" {
		t.Fatalf("the TypeScript client's transaction: %s", out)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(got.Answer.Result, &created); err != nil || created.ID == "" {
		t.Fatalf("result %s: %v", got.Answer.Result, err)
	}
	var grants struct {
		Items []records.Grant `json:"items"`
	}
	e.getAs("ts-patient", "/v1/patients/"+patient+"/grants", http.StatusOK, &grants)
	if len(grants.Items) != 1 || grants.Items[0].ID != created.ID || grants.Items[0].Grantee.Org != "general-hospital" {
		t.Errorf("grants after the TypeScript client's: %+v", grants.Items)
	}

	// The types are the schemas': a grant without its purposes does not
	// compile, and the compiler names the field.
	bad := strings.Replace(string(files["submit.ts"]), `purposes: ["treatment"],`, "", 1)
	if bad == string(files["submit.ts"]) {
		t.Fatal("submit.ts no longer sets purposes: update this test")
	}
	if err := os.WriteFile(filepath.Join(work, "submit.ts"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, work, filepath.Join(bin, "tsc"), "-p", "tsconfig.json", "--noEmit")
	if err == nil || !strings.Contains(out, "purposes") {
		t.Errorf("a grant without purposes compiled (%v):\n%s", err, out)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestFHIRClientLibrary drives the FHIR facade with a FHIR client library
// from the npm registry (fhir-kit-client, testdata/tsclient/fhirclient.mjs)
// and a bearer token, as a SMART app or an integration engine would: it
// reads the CapabilityStatement, walks a Consent search one entry a page
// with the library's own paging (the Bundle's next links), reads each
// Consent back, and gets the node's OperationOutcome for a Consent it may
// not see.
func TestFHIRClientLibrary(t *testing.T) {
	bin := nodeTools(t)
	s := seedPrivate(t)
	e := s.env
	var added []string
	for range 2 {
		added = append(added, e.created(keyPatient, records.TypeGrant, records.GrantMsg{
			Grantee: records.Grantee{Org: "city-lab"}, Purposes: []string{records.PurposeTreatment},
			Expires: apitest.GenesisTime.Add(90 * 24 * time.Hour)}))
	}
	// Every grant of the patient's, as /v1 lists them.
	var grants struct{ Items []records.Grant }
	e.getAs(keyPatient, "/v1/patients/"+s.patient+"/grants", http.StatusOK, &grants)
	var want []string
	for _, g := range grants.Items {
		want = append(want, g.ID)
	}
	e.registerPatient("fhir-other-patient")
	foreign := e.created("fhir-other-patient", records.TypeGrant, records.GrantMsg{
		Grantee: records.Grantee{Org: "city-lab"}, Purposes: []string{records.PurposeTreatment},
		Expires: apitest.GenesisTime.Add(90 * 24 * time.Hour)})
	resp, body := e.issueToken(keyPatient, 600)
	var tok struct{ Token string }
	if err := json.Unmarshal(body, &tok); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}

	work := t.TempDir()
	script, err := os.ReadFile("testdata/tsclient/fhirclient.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "fhirclient.mjs"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(bin), filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, work, "node", "fhirclient.mjs", e.h.URL+"/fhir", tok.Token, s.patient, foreign,
		s.record, e.readHeader(keyPatient, s.record, records.PurposeTreatment))
	if err != nil {
		t.Fatalf("node fhirclient.mjs: %v\n%s", err, out)
	}
	var got struct {
		FHIRVersion string   `json:"fhirVersion"`
		Types       []string `json:"types"`
		Pages       int      `json:"pages"`
		Searched    []string `json:"searched"`
		Read        []string `json:"read"`
		Refused     string   `json:"refused"`
		Documents   []string `json:"documents"`
		TokenOnly   string   `json:"tokenOnly"`
		Binary      string   `json:"binary"`
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &got); err != nil {
		t.Fatalf("fhirclient.mjs printed %q: %v", out, err)
	}
	slices.Sort(want)
	if got.FHIRVersion != "4.0.1" || !slices.Contains(got.Types, "Consent") {
		t.Errorf("CapabilityStatement as the library read it: %s %v", got.FHIRVersion, got.Types)
	}
	if !slices.Equal(got.Searched, want) || got.Pages != len(want) {
		t.Errorf("Consent search walked by the library: %d pages of %v, want %d of %v", got.Pages, got.Searched, len(want), want)
	}
	if len(got.Read) != len(want) {
		t.Errorf("Consent reads: %v", got.Read)
	}
	for i, id := range want {
		if i < len(got.Read) && !strings.HasPrefix(got.Read[i], "Consent/"+id+"/") {
			t.Errorf("Consent read %d: %s, want %s", i, got.Read[i], id)
		}
	}
	for _, id := range added {
		if !slices.Contains(got.Read, "Consent/"+id+"/active") {
			t.Errorf("Consent reads %v lack %s, active", got.Read, id)
		}
	}
	if got.Refused != "403 OperationOutcome forbidden" {
		t.Errorf("a Consent the patient may not see, as the library got it: %q", got.Refused)
	}
	// Records: found by the library's search, the document refused on the
	// token alone and read with the signed read request.
	if !slices.Contains(got.Documents, s.record) || !slices.Contains(got.Documents, s.record2) {
		t.Errorf("DocumentReference search as the library got it: %v, want %s and %s", got.Documents, s.record, s.record2)
	}
	if got.TokenOnly != "401 api.unauthenticated" {
		t.Errorf("a Binary read on the token alone, as the library got it: %q", got.TokenOnly)
	}
	if want := "Binary/" + s.record + " application/fhir+json Observation"; got.Binary != want {
		t.Errorf("the Binary as the library read it: %q, want %q", got.Binary, want)
	}
}
