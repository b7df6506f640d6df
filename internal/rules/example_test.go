package rules_test

import (
	"fmt"

	"github.com/medchain/medchain/internal/rules"
)

func ExampleProfile_Compile() {
	consent := rules.MustProfile([]rules.Var{
		{Name: "reader_org", Type: rules.String},
		{Name: "purpose", Type: rules.String},
		{Name: "record_types", Type: rules.StringList},
		{Name: "now", Type: rules.Int}, // block time, unix seconds
	}, rules.Bool, 1000)

	r, err := consent.Compile(`purpose == "treatment" && reader_org == "hospital" && "Observation" in record_types && now < 1900000000`)
	if err != nil {
		panic(err)
	}
	ok, err := r.EvalBool(map[string]any{
		"reader_org":   "hospital",
		"purpose":      "treatment",
		"record_types": []string{"Observation"},
		"now":          int64(1_800_000_000),
	})
	fmt.Println(ok, err, r.Cost())

	_, err = consent.Compile("purpose == \"treatment\" &&\n  now < 1.9e9")
	fmt.Println(err)
	// Output:
	// true <nil> 71
	// rules: rule rejected: 2:9: doubles are not allowed: floating point is not consensus-safe; use integers
}
