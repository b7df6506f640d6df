package fhirdoc

import (
	"slices"
	"sort"
	"testing"

	"github.com/medchain/medchain/internal/records"
)

// The records module's fixed list of resource types is FHIR R4's.
func TestRecordsKnowEveryResourceType(t *testing.T) {
	var want []string
	for k := range resourceDescs {
		want = append(want, k)
	}
	sort.Strings(want)
	if !slices.Equal(records.ResourceTypes, want) {
		t.Fatalf("records.ResourceTypes (%d) differs from the FHIR R4 descriptors (%d)", len(records.ResourceTypes), len(want))
	}
	if !sort.StringsAreSorted(records.ResourceTypes) {
		t.Fatal("records.ResourceTypes must be sorted")
	}
}
