package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Example is an answer the tests got from an operation, valid against the
// document, which the node serves as the operation's example. Its IDs are
// replaced by sequential ones of the same form (pt-…0001): the answers
// come from fixtures, and an example must not look like anyone's.
type Example struct {
	Status   string          `json:"status"`
	Type     string          `json:"type"`
	Response json.RawMessage `json:"response"`
}

// openAPIExamples are the recorded examples by "METHOD /path/{template}",
// written by `go test ./internal/api -update-examples`.
//
//go:embed openapi_examples.json
var openAPIExamples []byte

// ExampleKeys lists the operations openapi_examples.json has an example
// of, sorted.
func ExampleKeys() []string {
	keys := make([]string, 0)
	for k := range examplesOf(openAPIExamples) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func examplesOf(b []byte) map[string]Example {
	var m map[string]Example
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("api: openapi_examples.json: %v", err))
	}
	return m
}

// servedDocument is the document the node serves: the hand-written
// openapi.json with, first in its components.schemas, the generated
// schemas of gen (openapi_msgs.json, a JSON object of schemas), and each
// recorded example of examples set as the `example` of its operation's
// answer (responses.STATUS.content.TYPE) where the document gives none of
// its own. The hand-written order of members is kept; the layout becomes
// two-space indentation. All three are fixed at build time; the tests load
// the result.
func servedDocument(hand, gen, examples []byte) []byte {
	root, err := parseOrdered(hand)
	if err != nil {
		panic(fmt.Sprintf("api: openapi.json: %v", err))
	}
	generated, err := parseOrdered(gen)
	if err != nil || generated.obj == nil {
		panic(fmt.Sprintf("api: openapi_msgs.json is not a JSON object of schemas: %v", err))
	}
	schemas := root.get("components").get("schemas")
	if schemas == nil {
		panic("api: openapi.json has no components.schemas")
	}
	for _, k := range generated.keys {
		if schemas.get(k) != nil {
			panic(fmt.Sprintf("api: generated schema %s is also in openapi.json", k))
		}
	}
	schemas.keys = append(append([]string{}, generated.keys...), schemas.keys...)
	for k, v := range generated.obj {
		schemas.obj[k] = v
	}
	paths := root.get("paths")
	for key, ex := range examplesOf(examples) {
		method, path, _ := strings.Cut(key, " ")
		c := paths.get(path).get(strings.ToLower(method)).get("responses").get(ex.Status).get("content").get(ex.Type)
		if c != nil && c.get("example") == nil && c.get("examples") == nil {
			c.set("example", &node{raw: ex.Response})
		}
	}
	var compact bytes.Buffer
	root.write(&compact)
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		panic(fmt.Sprintf("api: the served document: %v", err))
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// node is a JSON value that keeps the order of an object's members: an
// object (keys in order, obj), or any other value as it was (raw).
type node struct {
	keys []string
	obj  map[string]*node
	raw  json.RawMessage
}

func (n *node) get(k string) *node {
	if n == nil || n.obj == nil {
		return nil
	}
	return n.obj[k]
}

func (n *node) set(k string, v *node) {
	if _, ok := n.obj[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.obj[k] = v
}

func (n *node) write(b *bytes.Buffer) {
	if n.obj == nil {
		b.Write(n.raw)
		return
	}
	b.WriteByte('{')
	for i, k := range n.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		n.obj[k].write(b)
	}
	b.WriteByte('}')
}

// parseOrdered parses JSON into nodes: objects member by member (arrays and
// scalars stay raw, which is all servedDocument reaches into).
func parseOrdered(data []byte) (*node, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return &node{raw: json.RawMessage(data)}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	n := &node{obj: map[string]*node{}}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		child, err := parseOrdered(v)
		if err != nil {
			return nil, err
		}
		if _, dup := n.obj[k]; dup {
			return nil, fmt.Errorf("duplicate member %q", k)
		}
		n.keys = append(n.keys, k)
		n.obj[k] = child
	}
	return n, nil
}
