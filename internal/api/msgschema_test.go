package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	invjs "github.com/invopop/jsonschema"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/ledgertest"
)

var updateMsgSchemas = flag.Bool("update-msg-schemas", false, "rewrite openapi_msgs.json from the SDK's message types and the module scripts' messages")

// msgSchemasFile holds the generated part of the OpenAPI document: a JSON
// Schema for every message type, an example of each, and the variants of
// TxBody by type. The node serves it inside openapi.json's
// components.schemas (api.OpenAPIDocument).
const msgSchemasFile = "openapi_msgs.json"

// schemaName is the component name of an SDK type: "Msg" and its Go name.
func schemaName(t reflect.Type) string { return "Msg" + t.Name() }

// txVariantName is the component name of the TxBody variant of a message
// type: "records/grant" → "TxRecordsGrant".
func txVariantName(typ string) string {
	var b strings.Builder
	b.WriteString("Tx")
	for _, part := range strings.FieldsFunc(typ, func(r rune) bool { return r == '/' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// generateMsgSchemas reflects every SDK message (client.Messages) into a
// JSON Schema, with field descriptions from the SDK's doc comments and, as
// its example, the first message of that type the module scripts send
// (ledgertest's corpus: real messages the chain took or refused for their
// content, never for their shape).
func generateMsgSchemas(t *testing.T, examples map[string][]ledgertest.Message) []byte {
	t.Helper()
	r := &invjs.Reflector{
		Namer: func(t reflect.Type) string {
			if t.Name() == "" {
				return "" // a slice, a map: inline
			}
			return schemaName(t)
		},
		// Numbers are JSON numbers (int64 nonces fit JavaScript's safe
		// range by the SDK's choice), never strings.
		Mapper: func(t reflect.Type) *invjs.Schema {
			if t == reflect.TypeFor[json.RawMessage]() {
				return &invjs.Schema{Description: "Any JSON value."}
			}
			return nil
		},
	}
	// Descriptions from the SDK's doc comments, read from its source (the
	// extractor names packages by the directory walked: walk the client's).
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../../client")
	if err := r.AddGoComments("github.com/medchain/medchain/client", "."); err != nil {
		t.Fatalf("SDK comments: %v", err)
	}
	t.Chdir(wd)
	schemas := map[string]any{}
	var variants []any
	for _, m := range client.Messages() {
		typ := m.MsgType()
		s := r.Reflect(m)
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.ReplaceAll(raw, []byte(`"#/$defs/`), []byte(`"#/components/schemas/`))
		var doc struct {
			Ref  string                     `json:"$ref"`
			Defs map[string]json.RawMessage `json:"$defs"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(doc.Ref, "#/components/schemas/")
		for k, v := range doc.Defs {
			var def map[string]any
			if err := json.Unmarshal(v, &def); err != nil {
				t.Fatal(err)
			}
			relaxRequired(def)
			if k == name {
				d, _ := def["description"].(string)
				def["description"] = strings.TrimSpace(fmt.Sprintf("The msg of %s. %s", typ, d))
				if i := slices.IndexFunc(examples[typ], func(m ledgertest.Message) bool { return !m.Invalid }); i >= 0 {
					var v any
					if err := json.Unmarshal(examples[typ][i].Msg, &v); err != nil {
						t.Fatal(err)
					}
					def["examples"] = []any{v}
				}
			}
			schemas[k] = def
		}
		variant := txVariantName(typ)
		schemas[variant] = map[string]any{
			"type":        "object",
			"description": fmt.Sprintf("A transaction body of type %s.", typ),
			"required":    []string{"type", "msg"},
			"properties": map[string]any{
				"type": map[string]any{"const": typ},
				"msg":  map[string]any{"$ref": "#/components/schemas/" + name},
			},
		}
		variants = append(variants, map[string]any{"$ref": "#/components/schemas/" + variant})
	}
	// No discriminator object: TxBody includes this by allOf, and code
	// generators (openapi-typescript) would take TxBody for one of the
	// variants. Each variant's type is a const, which selects it anyway.
	schemas["TxMessages"] = map[string]any{
		"description": "The message types and their msg schemas: a TxBody is one of these, by its type (a const in each).",
		"oneOf":       variants,
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	names := make([]string, 0, len(schemas))
	for k := range schemas {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		v, err := json.Marshal(schemas[k])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  %q: %s", k, v)
		if i < len(names)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// relaxRequired keeps in a schema's required list the fields the SDK
// always sends (no omitempty) that are strings, arrays or maps: Go decodes
// an absent field as its zero value, and the chain takes a zero boolean,
// number or nested struct of options as "none" (prechecked false, an
// allowed amount of 0, an event with no operation), so requiring them would
// refuse messages the chain accepts. The chain checks the content of every
// field it needs, with a chain.invalid_message naming it.
func relaxRequired(def map[string]any) {
	req, _ := def["required"].([]any)
	props, _ := def["properties"].(map[string]any)
	if req == nil || props == nil {
		return
	}
	var keep []any
	for _, f := range req {
		p, _ := props[f.(string)].(map[string]any)
		switch p["type"] {
		case "string", "array", "object":
			if _, isRef := p["$ref"]; !isRef {
				keep = append(keep, f)
			}
		}
	}
	if keep == nil {
		delete(def, "required")
	} else {
		def["required"] = keep
	}
}

// TestMessageSchemas: openapi_msgs.json is what the SDK's types generate
// (-update-msg-schemas rewrites it), every message type has its schema,
// example and TxBody variant in the served document, and every message of
// the module scripts validates against its type's schema, as a
// transaction's body validates against TxBody.
func TestMessageSchemas(t *testing.T) {
	corpus := ledgertest.ReadCorpus(t, "../*/testdata/*.txt", 20)
	want := generateMsgSchemas(t, corpus.Messages)
	if *updateMsgSchemas {
		if err := os.WriteFile(msgSchemasFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(msgSchemasFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not what the SDK's message types generate: run go test ./internal/api -run TestMessageSchemas -update-msg-schemas", msgSchemasFile)
	}

	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	compile := func(name string) *jsonschema.Schema {
		s, err := c.Compile("openapi.json#/components/schemas/" + name)
		if err != nil {
			t.Fatalf("schema %s: %v", name, err)
		}
		return s
	}
	body := compile("TxBody")
	var missing []string
	for _, m := range client.Messages() {
		typ := m.MsgType()
		s := compile(schemaName(reflect.TypeOf(m)))
		ex := slices.DeleteFunc(slices.Clone(corpus.Messages[typ]), func(m ledgertest.Message) bool { return m.Invalid })
		if len(ex) == 0 {
			missing = append(missing, typ)
			continue
		}
		for _, e := range ex {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(e.Msg))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(v); err != nil {
				t.Errorf("%s: a message of the scripts does not validate: %s\n%v", typ, e.Msg, err)
			}
			tb := map[string]any{"chain_id": "medchain-test", "signer": strings.Repeat("ab", 32), "nonce": 1, "expires": 10, "type": typ, "msg": v}
			if err := body.Validate(tb); err != nil {
				t.Errorf("%s: a TxBody of it does not validate: %v", typ, err)
			}
			other := maps(tb, "type", otherType(typ))
			if err := body.Validate(other); err == nil && !sameShape(typ, otherType(typ)) {
				t.Errorf("%s: its msg validates as a %s too", typ, otherType(typ))
			}
		}
	}
	// Signed requests that no script sends have no example yet; every
	// routed message type has one.
	slices.Sort(missing)
	for _, typ := range missing {
		if !slices.Contains([]string{client.TypeReadRequest, client.TypeUpload, client.TypeReadAuth, client.TypeTokenRequest, client.TypeDeviceReading}, typ) {
			t.Errorf("no module script sends a %s: its schema has no example", typ)
		}
	}
}

func maps(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

// otherType is a message type whose msg differs: a body claiming it with
// another type's msg must not validate.
func otherType(typ string) string {
	if typ == client.TypeGrant {
		return client.TypeRevokeGrant
	}
	return client.TypeGrant
}

// sameShape reports whether two message types take the same msg.
func sameShape(a, b string) bool { return a == b }
