// Package region is medchain's table of public-health reporting areas: the
// countries (ISO 3166-1 alpha-2 codes, with their alpha-3 codes as
// aliases) and, below them, the provinces and states that the JHU CSSE
// COVID-19 time series reports ("CA/ontario": the country's alpha-2 code, a
// slash and a slug of the JHU Province/State name). The table is embedded
// (regions.csv) and never changes at run time, so every node decides the
// same about a code.
//
// Codes XD (Diamond Princess) and XZ (MS Zaandam) are ISO's user-assigned
// range, as is XK (Kosovo), for the areas JHU reports as countries that
// ISO does not list. The package is pure: no I/O beyond the embedded file.
package region

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
)

//go:embed regions.csv
var table []byte

// Region is one reporting area.
type Region struct {
	// Code is the region's code: "FR", or "FR/reunion" for a province.
	Code string `json:"code"`
	// Alpha3 is a country's ISO 3166-1 alpha-3 code; empty for a province.
	Alpha3 string `json:"alpha3,omitempty"`
	Name   string `json:"name"`
	// Parent is a province's country code; empty for a country.
	Parent string `json:"parent,omitempty"`
	// JHUCountry and JHUProvince are the names the JHU CSSE files use.
	JHUCountry  string `json:"jhu_country"`
	JHUProvince string `json:"jhu_province,omitempty"`
}

// Country reports whether r is a country (not below country level).
func (r Region) Country() bool { return r.Parent == "" }

var (
	all     []Region
	byCode  = map[string]int{}
	byAlias = map[string]string{} // alpha-3 -> alpha-2
	byJHU   = map[[2]string]string{}
)

func init() {
	rows, err := csv.NewReader(bytes.NewReader(table)).ReadAll()
	if err != nil {
		panic("region: regions.csv: " + err.Error())
	}
	for i, row := range rows[1:] {
		r := Region{Code: row[0], Alpha3: row[1], Name: row[2], Parent: row[3], JHUCountry: row[4], JHUProvince: row[5]}
		if _, dup := byCode[r.Code]; dup {
			panic("region: regions.csv: code given twice: " + r.Code)
		}
		byCode[r.Code] = i
		if r.Alpha3 != "" {
			byAlias[r.Alpha3] = r.Code
		}
		byJHU[[2]string{r.JHUCountry, r.JHUProvince}] = r.Code
		all = append(all, r)
	}
	if !slices.IsSortedFunc(all, func(a, b Region) int { return strings.Compare(a.Code, b.Code) }) {
		panic("region: regions.csv is not sorted by code")
	}
}

// All returns every region, sorted by code.
func All() []Region { return slices.Clone(all) }

// Lookup returns the region of code (an alpha-2 code, an alpha-3 code of a
// country, or a province's code).
func Lookup(code string) (Region, bool) {
	if c, ok := byAlias[code]; ok {
		code = c
	}
	i, ok := byCode[code]
	if !ok {
		return Region{}, false
	}
	return all[i], true
}

// Canonical returns the code of a known region, turning an alpha-3 code
// into its alpha-2 one, or an error that says what is expected.
func Canonical(code string) (string, error) {
	r, ok := Lookup(code)
	if !ok {
		return "", fmt.Errorf("region %q does not exist (a country's ISO 3166-1 alpha-2 or alpha-3 code, such as FR or FRA, or a province such as CA/ontario; GET /v1/publichealth/regions lists them)", code)
	}
	return r.Code, nil
}

// FromJHU returns the code of the area JHU names by country and province
// (empty for the country as a whole).
func FromJHU(country, province string) (string, bool) {
	c, ok := byJHU[[2]string{country, province}]
	return c, ok
}
