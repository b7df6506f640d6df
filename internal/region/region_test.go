package region

import "testing"

func TestLookup(t *testing.T) {
	for code, want := range map[string]string{"FR": "FR", "FRA": "FR", "CA/ontario": "CA/ontario", "XK": "XK"} {
		got, err := Canonical(code)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", code, got, err, want)
		}
	}
	for _, bad := range []string{"", "fr", "ZZ", "CA/nowhere", "CA/"} {
		if _, err := Canonical(bad); err == nil {
			t.Errorf("Canonical(%q) succeeded", bad)
		}
	}
	if c, ok := FromJHU("Canada", "Ontario"); !ok || c != "CA/ontario" {
		t.Errorf("FromJHU(Canada, Ontario) = %q, %v", c, ok)
	}
	for _, r := range All() {
		if !r.Country() {
			if p, ok := Lookup(r.Parent); !ok || !p.Country() {
				t.Errorf("%s: parent %q is not a country", r.Code, r.Parent)
			}
		}
	}
}
