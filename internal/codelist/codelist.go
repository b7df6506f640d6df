// Package codelist answers whether a code is in the code lists medchain
// ships: ICD-10-CM diagnoses and HCPCS Level II services. The CLI checks a
// plan's codes against them before it publishes the plan; the chain checks
// only their syntax (claims.ValidDiagnosis, ValidService), so that what it
// accepts never depends on a list that changes every year.
//
// The lists are derived mechanically from public CMS files (US Government
// works, public domain), copied from the project's shared test data:
//
//   - icd10cm.txt: the codes added or revised by the FY2023 ICD-10-CM
//     addenda (order file, anthony-duque/icd-10-cm at cb8b71e1), without
//     the dot. Only the addenda could be obtained, not the full list of
//     about 73,000 codes: a real code outside the 2023 changes is unknown
//     here. Swap in the full order file to lift that.
//   - hcpcs.txt: every HCPCS Level II code of the CMS 2020 file
//     (wamuir/hcpcs at 50425cbb).
//
// The package is pure: the lists are embedded.
package codelist

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

var (
	//go:embed icd10cm.txt
	icdText string
	//go:embed hcpcs.txt
	hcpcsText string
)

var lists = sync.OnceValues(func() ([]string, []string) {
	return strings.Fields(icdText), strings.Fields(hcpcsText)
})

// ICD10CM reports whether code (with or without its dot) is in the
// ICD-10-CM list.
func ICD10CM(code string) bool {
	icd, _ := lists()
	_, ok := slices.BinarySearch(icd, strings.ReplaceAll(code, ".", ""))
	return ok
}

// HCPCS reports whether code is in the HCPCS Level II list.
func HCPCS(code string) bool {
	_, hcpcs := lists()
	_, ok := slices.BinarySearch(hcpcs, code)
	return ok
}

// Sizes returns the number of codes in each list.
func Sizes() (icd10cm, hcpcs int) {
	icd, h := lists()
	return len(icd), len(h)
}
