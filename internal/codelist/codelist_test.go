package codelist

import "testing"

func TestLists(t *testing.T) {
	for _, c := range []struct {
		code string
		icd  bool
	}{{"E8721", true}, {"E87.21", true}, {"Z7188", true}, {"B3731", true}, {"123456", false}, {"E87", false}} {
		if ICD10CM(c.code) != c.icd {
			t.Errorf("ICD10CM(%q) = %v", c.code, !c.icd)
		}
	}
	for _, c := range []struct {
		code string
		ok   bool
	}{{"G0438", true}, {"A0428", true}, {"E0100", true}, {"G9999", false}, {"99213", false}, {"g0438", false}} {
		if HCPCS(c.code) != c.ok {
			t.Errorf("HCPCS(%q) = %v", c.code, !c.ok)
		}
	}
	// Sorted lists are what the binary search needs; counts from the
	// source files (docs in the package comment).
	if icd, h := Sizes(); icd != 1539 || h != 6710 {
		t.Errorf("sizes %d, %d", icd, h)
	}
}
