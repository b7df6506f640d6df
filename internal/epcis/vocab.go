package epcis

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// vocabulary is one standard CBV / GS1 Web Vocabulary code list. In EPCIS
// 2.0 JSON its values are written as bare names ("shipping"); the standard
// JSON-LD context maps each bare name to a web URI (prefix + name), and
// EPCIS 1.x used URNs (urn + name).
type vocabulary struct {
	def    string // definition name in GS1's JSON Schema
	prefix string // web URI prefix, e.g. "https://ref.gs1.org/cbv/BizStep-"
	curie  string // the same prefix as a CURIE under the standard context, e.g. "cbv:BizStep-"
	urn    string // EPCIS 1.x URN prefix, "" if none
	terms  map[string]bool
	order  []string // terms in schema order
}

const (
	cbvBase    = "https://ref.gs1.org/cbv/"
	gs1VocBase = "https://gs1.org/voc/"
)

var (
	vocBizStep     = &vocabulary{def: "bizStep", prefix: cbvBase + "BizStep-", curie: "cbv:BizStep-", urn: "urn:epcglobal:cbv:bizstep:"}
	vocDisposition = &vocabulary{def: "disposition", prefix: cbvBase + "Disp-", curie: "cbv:Disp-", urn: "urn:epcglobal:cbv:disp:"}
	vocBizTxType   = &vocabulary{def: "bizTransaction-type", prefix: cbvBase + "BTT-", curie: "cbv:BTT-", urn: "urn:epcglobal:cbv:btt:"}
	vocSrcDestType = &vocabulary{def: "source-dest-type", prefix: cbvBase + "SDT-", curie: "cbv:SDT-", urn: "urn:epcglobal:cbv:sdt:"}
	vocErrorReason = &vocabulary{def: "error-reason", prefix: cbvBase + "ER-", curie: "cbv:ER-", urn: "urn:epcglobal:cbv:er:"}
	vocMeasurement = &vocabulary{def: "measurementType", prefix: gs1VocBase, curie: "gs1:"}
	vocAlert       = &vocabulary{def: "sensorAlertType", prefix: gs1VocBase, curie: "gs1:"}
	vocComponent   = &vocabulary{def: "component", prefix: cbvBase + "Comp-", curie: "cbv:Comp-"}

	vocabularies = []*vocabulary{vocBizStep, vocDisposition, vocBizTxType, vocSrcDestType,
		vocErrorReason, vocMeasurement, vocAlert, vocComponent}

	vocabOnce sync.Once
	vocabErr  error
)

// loadVocabularies fills the term lists from the enumerations of the
// embedded GS1 schema (definitions/<def>/anyOf/1/enum), so that the schema
// stays the single source of the standard values. A test checks them against
// the term definitions of GS1's EPCIS 2.0 JSON-LD context.
func loadVocabularies() error {
	vocabOnce.Do(func() {
		var doc struct {
			Definitions map[string]struct {
				AnyOf []struct {
					Enum []string `json:"enum"`
				} `json:"anyOf"`
			} `json:"definitions"`
		}
		if err := json.Unmarshal(schemaJSON, &doc); err != nil {
			vocabErr = fmt.Errorf("epcis: embedded schema: %w", err)
			return
		}
		for _, v := range vocabularies {
			d, ok := doc.Definitions[v.def]
			if !ok || len(d.AnyOf) != 2 || len(d.AnyOf[1].Enum) == 0 {
				vocabErr = fmt.Errorf("epcis: embedded schema: definition %q has no vocabulary enumeration", v.def)
				return
			}
			v.order = d.AnyOf[1].Enum
			v.terms = make(map[string]bool, len(v.order))
			for _, t := range v.order {
				v.terms[t] = true
			}
		}
	})
	return vocabErr
}

// expand maps a bare standard name to its web URI; any other value is
// returned unchanged.
func (v *vocabulary) expand(s string) string {
	if v != nil && v.terms[s] {
		return v.prefix + s
	}
	return s
}

// short maps any spelling of a standard value (bare name, web URI, CURIE
// under the standard context, EPCIS 1.x URN, or the pre-ratification
// ns.gs1.org/voc form) to its bare name. Values that are not standard terms
// are returned unchanged (trimmed).
func (v *vocabulary) short(s string) string {
	s = strings.TrimSpace(s)
	if v.terms[s] {
		return s
	}
	for _, p := range []string{v.prefix, v.curie, v.urn, legacyPrefix(v)} {
		if p == "" || !strings.HasPrefix(s, p) {
			continue
		}
		if t := s[len(p):]; v.terms[t] {
			return t
		}
	}
	return s
}

// legacyPrefix is the EPCIS 2.0 draft form ("https://ns.gs1.org/voc/Bizstep-"
// etc.) still found in older documents.
func legacyPrefix(v *vocabulary) string {
	switch v {
	case vocBizStep:
		return "https://ns.gs1.org/voc/Bizstep-"
	case vocDisposition:
		return "https://ns.gs1.org/voc/Disp-"
	case vocBizTxType:
		return "https://ns.gs1.org/voc/BTT-"
	case vocSrcDestType:
		return "https://ns.gs1.org/voc/SDT-"
	case vocErrorReason:
		return "https://ns.gs1.org/voc/ER-"
	}
	return ""
}

// cbvURNs maps the EPCIS 1.x URN prefixes to their CBV 2.0 web URI prefixes
// (CBV 2.0 event hash rule: "urn:epcglobal:cbv:..." values are hashed as
// their "https://ref.gs1.org/cbv/..." equivalents).
var cbvURNs = []struct{ urn, web string }{
	{"urn:epcglobal:cbv:bizstep:", cbvBase + "BizStep-"},
	{"urn:epcglobal:cbv:disp:", cbvBase + "Disp-"},
	{"urn:epcglobal:cbv:btt:", cbvBase + "BTT-"},
	{"urn:epcglobal:cbv:sdt:", cbvBase + "SDT-"},
	{"urn:epcglobal:cbv:er:", cbvBase + "ER-"},
}

func cbvURNToWeb(s string) string {
	if !strings.HasPrefix(s, "urn:epcglobal:cbv:") {
		return s
	}
	for _, m := range cbvURNs {
		if strings.HasPrefix(s, m.urn) {
			return m.web + s[len(m.urn):]
		}
	}
	return s
}
