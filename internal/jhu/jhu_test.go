package jhu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/region"
)

func TestLoad(t *testing.T) {
	s, err := Load("testdata", "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rows) != 114610 || len(s.Corrections) != 108 || s.Errata != 158 {
		t.Errorf("%d rows, %d corrections of %d errata", len(s.Rows), len(s.Corrections), s.Errata)
	}
	// France, confirmed, 2020-04-04: reported as the erratum's old value,
	// corrected to the files'.
	for _, r := range s.Rows {
		if r.Region == "FR" && r.Metric == "confirmed" && r.Date == "2020-04-04" && r.Value != 89953 {
			t.Errorf("as reported: %+v", r)
		}
	}
	if v := s.Final[Key("confirmed", "FR", "2020-04-04")]; v != 68605 {
		t.Errorf("final %d", v)
	}
	found := false
	for _, c := range s.Corrections {
		if c.Region == "FR" && c.Metric == "confirmed" && c.Date == "2020-04-04" {
			found = c.Value == 68605 && c.Reason == "definition-change"
		}
	}
	if !found {
		t.Error("no correction of France's 2020-04-04")
	}
	if _, err := Load("testdata", "2020-06-14"); err == nil {
		t.Error("a series ending after today loaded")
	}
}

func TestReason(t *testing.T) {
	for comment, want := range map[string]string{
		"":                                  "source-revised",
		"data source error":                 "data-entry-error",
		"Navajo Nation correction":          "region-reassigned",
		"only report casConfirmes":          "definition-change",
		"Remove duplicate entry on 13/3/20": "duplicate-removed",
		"stale data over weekend":           "timing",
		"Added data for date":               "late-reports",
	} {
		if got := Reason(comment); got != want {
			t.Errorf("Reason(%q) = %q, want %q", comment, got, want)
		}
	}
}

// FuzzSeries: any file is read into rows or refused with an error naming
// the file, never a panic; every row read is a known region, an ISO date
// not after today and a count.
func FuzzSeries(f *testing.F) {
	f.Add([]byte("Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\n,France,46,2,0,3\nOntario,Canada,51,-85,1,2\n"))
	f.Add([]byte("Province/State,Country/Region,Lat,Long,1/22/20\n,Atlantis,0,0,x\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		path := filepath.Join(t.TempDir(), "time_series_covid19_confirmed_global.csv")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		s := &Set{Final: map[string]int64{}}
		if err := s.loadSeries(path, "confirmed", "2026-01-01"); err != nil {
			if !strings.Contains(err.Error(), "time_series_covid19_confirmed_global.csv") {
				t.Fatalf("an error that names no file: %v", err)
			}
			return
		}
		for _, r := range s.Rows {
			if _, ok := region.Lookup(r.Region); !ok || r.Date > "2026-01-01" || r.Value < 0 {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
