package fhirdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Entry is one resource of a Bundle.
type Entry struct {
	// FullURL is the entry's fullUrl, e.g. "urn:uuid:…"; may be empty.
	FullURL string
	// ResourceType and ID are the resource's resourceType and id (ID may
	// be empty).
	ResourceType string
	ID           string
	// Resource is the resource as its own JSON document: the entry's
	// resource element, byte for byte except that insignificant
	// whitespace is removed.
	Resource json.RawMessage
}

// SplitBundle validates raw (see Validate), which must be a Bundle, and
// returns its resources in entry order, each as its own document. Entries
// without a resource (in a transaction, a DELETE; in a response, a bare
// status) carry no document and are left out.
func SplitBundle(raw []byte) ([]Entry, error) {
	info, entries, err := ValidateSplit(raw)
	if err == nil && info.ResourceType != "Bundle" {
		err = invalid("resourceType", "a %s, not a Bundle", info.ResourceType)
	}
	return entries, err
}

// ValidateSplit is Validate and, for a Bundle, SplitBundle, with one parse
// of the document. For another resource it returns no entries.
func ValidateSplit(raw []byte) (Info, []Entry, error) {
	_, info, err := parse(raw)
	if err != nil || info.ResourceType != "Bundle" {
		return info, nil, err
	}
	entries, err := entriesOf(raw)
	return info, entries, err
}

// entriesOf reads the entries of a valid Bundle.
func entriesOf(raw []byte) ([]Entry, error) {
	var b struct {
		Entry []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("fhirdoc: reading a valid Bundle: %w", err)
	}
	out := make([]Entry, 0, len(b.Entry))
	for i, e := range b.Entry {
		if len(e.Resource) == 0 || string(e.Resource) == "null" {
			continue
		}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(e.Resource, &head); err != nil {
			return nil, fmt.Errorf("fhirdoc: reading entry[%d] of a valid Bundle: %w", i, err)
		}
		var buf bytes.Buffer
		buf.Grow(len(e.Resource))
		if err := json.Compact(&buf, e.Resource); err != nil {
			return nil, fmt.Errorf("fhirdoc: entry[%d]: %w", i, err)
		}
		out = append(out, Entry{FullURL: e.FullURL, ResourceType: head.ResourceType, ID: head.ID, Resource: buf.Bytes()})
	}
	return out, nil
}
