package rules_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/rules"
)

// fuzzActivations are the inputs FuzzCompile evaluates every accepted rule
// with: a typical read, and one where every string and list is as long as
// the profile allows, which is what the static cost estimate assumes.
func fuzzActivations() []map[string]any {
	long := strings.Repeat("é", rules.DefaultMaxStringLen/2) // 256 bytes
	var longList []string
	for i := 0; i < rules.DefaultMaxListLen; i++ {
		longList = append(longList, long)
	}
	return []map[string]any{
		{
			"reader_id": "st-marys/dr-grey", "reader_org": "st-marys", "reader_roles": []string{"physician", "cardiology"},
			"purpose": "treatment", "record_id": "rec-000000000000000000000001", "record_types": []string{"Condition", "Observation"},
			"record_version": int64(2), "now": int64(1_767_225_600),
		},
		{
			"reader_id": long, "reader_org": long, "reader_roles": longList,
			"purpose": long, "record_id": long, "record_types": longList,
			"record_version": int64(-1 << 63), "now": int64(1<<63 - 1),
		},
	}
}

// FuzzCompile compiles arbitrary sources under the consent profile (the
// one grant conditions on chain are compiled with). Compile must not
// panic; a rejection is a *CompileError with at least one issue and the
// same message twice; an accepted rule keeps its source and hash, has a
// static cost within the profile's bound, and evaluates, with a typical and
// with a maximal input, to a bool or an evaluation error, the same twice,
// and never over the runtime cost limit (which would mean the static
// estimate is wrong).
func FuzzCompile(f *testing.F) {
	for _, src := range []string{
		`purpose == "treatment" && reader_org == "hospital" && "Observation" in record_types && now < 1900000000`,
		`record_version == 1 && "claims-officer" in reader_roles && now < 1767229200`,
		`record_types[1] == "Observation"`,
		`reader_roles.exists(r, r == "physician") && now < 1893456000`,
		`reader_roles.all(r, size(r) > 0)`,
		`record_types.exists_one(t, t.startsWith("Obs"))`,
		`record_types.map(t, t + "!").filter(t, t.endsWith("n!")).size() == 2`,
		`record_id.matches("^rec-[0-9a-f]{24}$")`,
		`now - 1700000000 > 86400 * 365 && now % 2 == 0`,
		`purpose == "emergency" ? true : reader_org == "hospital"`,
		`int("42") == 42 && string(now) == "1800000000"`,
		`reader_roles[0] in ["physician", "nurse"]`,
		`size(reader_roles + record_types) == 4`,
		`reader_roles.map(a, record_types.map(b, a + b)).size() > 0`,
		`1.5 > 1.0`,
		`{"a": 1}.size() == 1`,
		`timestamp("2026-01-01T00:00:00Z") < timestamp("2027-01-01T00:00:00Z")`,
		`reader_id.matches("\\p{L}+")`,
		`reader_id`,
		``,
	} {
		f.Add(src)
	}
	profile := records.ConsentProfile
	acts := fuzzActivations()
	f.Fuzz(func(t *testing.T, src string) {
		r, err := profile.Compile(src)
		if err != nil {
			var ce *rules.CompileError
			if !errors.As(err, &ce) || len(ce.Issues) == 0 {
				t.Fatalf("Compile: %T is not a *CompileError with issues: %v", err, err)
			}
			if _, err2 := profile.Compile(src); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("Compile twice: %v, then %v", err, err2)
			}
			return
		}
		if r.Source() != src || r.Hash() != sha256.Sum256([]byte(src)) {
			t.Fatal("the rule's source or hash is not the source's")
		}
		if r.Cost() > profile.MaxCost() {
			t.Fatalf("static cost %d over the profile's %d", r.Cost(), profile.MaxCost())
		}
		for i, act := range acts {
			v1, err1 := r.Eval(act)
			v2, err2 := r.Eval(act)
			if !reflect.DeepEqual(v1, v2) || fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("activation %d: Eval twice: %v %v, then %v %v", i, v1, err1, v2, err2)
			}
			switch {
			case errors.Is(err1, rules.ErrCostLimit):
				t.Fatalf("activation %d: static cost %d, yet over the runtime limit: %v", i, r.Cost(), err1)
			case err1 != nil && !errors.Is(err1, rules.ErrEval):
				t.Fatalf("activation %d: error that is not ErrEval: %v", i, err1)
			case err1 == nil:
				if _, ok := v1.(bool); !ok {
					t.Fatalf("activation %d: result %T, want bool", i, v1)
				}
			}
		}
	})
}
