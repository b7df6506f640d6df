package epcis

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaJSON is GS1's EPCIS 2.0 JSON Schema, unmodified
// (https://github.com/gs1/EPCIS, JSON Schema/EPCIS-JSON-Schema.json).
//
//go:embed schema/EPCIS-JSON-Schema.json
var schemaJSON []byte

// schemaID is the $id of the embedded schema; it is registered under that
// URL so that its internal "#/definitions/..." references resolve locally.
const schemaID = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"

var (
	schemaOnce sync.Once
	schemaRoot *jsonschema.Schema
	schemaErr  error
)

// offlineLoader refuses every URL: the compiler may use only the resources
// added to it explicitly (the embedded schema; the draft-07 metaschema is
// built into the library). No file or network access ever happens.
type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("epcis: refusing to load %q: only the embedded EPCIS schema is available", url)
}

func compiledSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			schemaErr = fmt.Errorf("epcis: embedded schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.UseLoader(offlineLoader{})
		c.UseRegexpEngine(compileRegexp)
		c.DefaultDraft(jsonschema.Draft7)
		if err := c.AddResource(schemaID, doc); err != nil {
			schemaErr = fmt.Errorf("epcis: embedded schema: %w", err)
			return
		}
		sch, err := c.Compile(schemaID)
		if err != nil {
			schemaErr = fmt.Errorf("epcis: compiling embedded schema: %w", err)
			return
		}
		schemaRoot = sch
	})
	return schemaRoot, schemaErr
}

// compileRegexp is the schema's regular-expression engine. GS1's schema uses
// ECMAScript negative look-ahead in two patterns ("^(?!(urn:epcglobal:cbv|
// https?:\/\/ns\.gs1\.org/cbv\/))" and the gs1.org/voc equivalent), which
// Go's RE2 syntax cannot express. Every pattern RE2 accepts is compiled by
// the standard library; a pattern of the form "^(?!X)REST" is evaluated as
// "does not match ^X, and matches ^REST", which is exactly its ECMAScript
// meaning. Anything else RE2 rejects is an error at compile time, so an
// unsupported construct can never be silently ignored.
func compileRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp.Compile(s)
	if err == nil {
		return re, nil
	}
	if !strings.HasPrefix(s, "^(?!") {
		return nil, err
	}
	end := closingParen(s, 1)
	if end < 0 {
		return nil, err
	}
	neg, nerr := regexp.Compile("^(?:" + s[4:end] + ")")
	if nerr != nil {
		return nil, nerr
	}
	pos, perr := regexp.Compile("^(?:" + s[end+1:] + ")")
	if perr != nil {
		return nil, perr
	}
	return &lookaheadRegexp{src: s, neg: neg, pos: pos}, nil
}

// closingParen returns the index of the ')' matching the '(' at s[open],
// honouring backslash escapes and character classes, or -1.
func closingParen(s string, open int) int {
	depth := 0
	inClass := false
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

type lookaheadRegexp struct {
	src      string
	neg, pos *regexp.Regexp
}

func (r *lookaheadRegexp) MatchString(s string) bool {
	return !r.neg.MatchString(s) && r.pos.MatchString(s)
}

func (r *lookaheadRegexp) String() string { return r.src }
