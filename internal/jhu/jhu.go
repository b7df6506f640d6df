// Package jhu reads the JHU CSSE COVID-19 global time series
// (time_series_covid19_{confirmed,deaths,recovered}_global.csv: one row per
// country or province, one column of cumulative counts per day) and its
// Errata.csv into the rows and corrections of the publichealth module's
// messages, with the region codes of internal/region.
//
// It checks everything before anything is sent: a count that is not a
// number, a date after today or an area missing from the region table is
// an error naming the file, the row and the field. Each erratum of a
// global file becomes the figure's as-reported value (its "Old") and a
// correction, with a reason code mapped from its comment (the comment
// itself never leaves this package). The package is pure apart from
// reading the directory it is given.
package jhu

import (
	"encoding/csv"
	"errors"
	"fmt"

	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/region"
)

// Files are the global time series, by metric.
var Files = []struct{ Metric, Name string }{
	{"confirmed", "time_series_covid19_confirmed_global.csv"},
	{"deaths", "time_series_covid19_deaths_global.csv"},
	{"recovered", "time_series_covid19_recovered_global.csv"},
}

// ErrataFile is the errata's file name.
const ErrataFile = "Errata.csv"

// Row is one figure: the JSON shape of a publichealth/report row.
type Row struct {
	Region string `json:"region"`
	Metric string `json:"metric"`
	Date   string `json:"date"`
	Value  int64  `json:"value"`
}

// Correction is one publichealth/correct correction.
type Correction struct {
	Row
	Reason string `json:"reason"`
}

// Set is what a directory holds: the rows to report (as first reported),
// the corrections to apply after them, in order, and the figures as the
// files give them now (what the chain answers once all is applied).
type Set struct {
	Rows        []Row
	Corrections []Correction
	// Final maps "metric/region/date" to the file's value.
	Final map[string]int64
	// Errata counts the errata of the global files, and Skipped says why
	// each one not applied was not (a location the files do not have, a
	// value the files no longer hold).
	Errata  int
	Skipped []string
	// Superseded notes the errata whose new value the files no longer
	// hold: the figure is corrected to the files' value, with the
	// erratum's reason.
	Superseded []string
	// NegativeChanges counts the days whose cumulative value fell in the
	// files (per row of a file: country or province).
	NegativeChanges int
}

// Key is the key of Set.Final.
func Key(metric, regionCode, date string) string { return metric + "/" + regionCode + "/" + date }

// Load reads dir. today bounds the dates (ISO, the date of the caller's
// clock: no figure may be dated after it).
func Load(dir, today string) (*Set, error) {
	s := &Set{Final: map[string]int64{}}
	for _, f := range Files {
		if err := s.loadSeries(filepath.Join(dir, f.Name), f.Metric, today); err != nil {
			return nil, err
		}
	}
	if err := s.loadErrata(filepath.Join(dir, ErrataFile)); err != nil {
		return nil, err
	}
	return s, nil
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jhu: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("jhu: %s: %w", filepath.Base(path), err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("jhu: %s: empty file", filepath.Base(path))
	}
	recs[0][0] = strings.TrimPrefix(recs[0][0], "\ufeff")
	return recs, nil
}

// isoDate turns JHU's M/D/YY (or M/D/YYYY) into YYYY-MM-DD.
func isoDate(s string) (string, error) {
	for _, layout := range []string{"1/2/06", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	return "", fmt.Errorf("%q is not a date (M/D/YY)", s)
}

func (s *Set) loadSeries(path, metric, today string) error {
	name := filepath.Base(path)
	recs, err := readCSV(path)
	if err != nil {
		return err
	}
	head := recs[0]
	if len(head) < 5 || head[0] != "Province/State" || head[1] != "Country/Region" {
		return fmt.Errorf("jhu: %s: row 1: not a JHU global time series (want Province/State,Country/Region,Lat,Long,dates…)", name)
	}
	dates := make([]string, len(head))
	for c := 4; c < len(head); c++ {
		if dates[c], err = isoDate(head[c]); err != nil {
			return fmt.Errorf("jhu: %s: row 1, field %d: %w", name, c+1, err)
		}
		if dates[c] > today {
			return fmt.Errorf("jhu: %s: row 1, field %q: %s is in the future (today is %s)", name, head[c], dates[c], today)
		}
	}
	seen := map[string]int{}
	for i, rec := range recs[1:] {
		line := i + 2
		if len(rec) != len(head) {
			return fmt.Errorf("jhu: %s: row %d: %d fields, the header has %d", name, line, len(rec), len(head))
		}
		code, ok := region.FromJHU(rec[1], rec[0])
		if !ok {
			return fmt.Errorf("jhu: %s: row %d, field \"Province/State\"/\"Country/Region\": %q/%q is not in the region table", name, line, rec[0], rec[1])
		}
		if j, dup := seen[code]; dup {
			return fmt.Errorf("jhu: %s: row %d: %s is also row %d", name, line, code, j)
		}
		seen[code] = line
		var prev int64
		for c := 4; c < len(rec); c++ {
			v, err := strconv.ParseInt(strings.TrimSpace(rec[c]), 10, 64)
			if err != nil || v < 0 {
				return fmt.Errorf("jhu: %s: row %d (%s), field %q: %q is not a count", name, line, code, head[c], rec[c])
			}
			if v < prev {
				s.NegativeChanges++
			}
			prev = v
			s.Rows = append(s.Rows, Row{Region: code, Metric: metric, Date: dates[c], Value: v})
			s.Final[Key(metric, code, dates[c])] = v
		}
	}
	return nil
}

type erratum struct {
	line     int
	old, new int64
	reason   string
}

func (s *Set) loadErrata(path string) error {
	recs, err := readCSV(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	cells := map[string][]erratum{}
	var order []string
	for i, rec := range recs[1:] {
		line := i + 2
		if len(rec) < 7 || !strings.HasSuffix(rec[1], "_global.csv") {
			continue
		}
		s.Errata++
		metric := ""
		for _, f := range Files {
			if f.Name == rec[1] {
				metric = f.Metric
			}
		}
		code, ok := errataRegion(rec[2])
		date, derr := isoDate(rec[3])
		old, oerr := strconv.ParseInt(rec[4], 10, 64)
		nw, nerr := strconv.ParseInt(rec[5], 10, 64)
		switch {
		case metric == "":
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s row %d: file %s is not one of the three series", ErrataFile, line, rec[1]))
			continue
		case !ok:
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s row %d: location %q is not a row of the global files", ErrataFile, line, rec[2]))
			continue
		case derr != nil || oerr != nil || nerr != nil || old < 0 || nw < 0:
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s row %d: no single date with old and new values (a range of dates or empty values)", ErrataFile, line))
			continue
		}
		k := Key(metric, code, date)
		if _, ok := s.Final[k]; !ok {
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s row %d: %s %s %s is not in the files", ErrataFile, line, code, metric, date))
			continue
		}
		if _, ok := cells[k]; !ok {
			order = append(order, k)
		}
		cells[k] = append(cells[k], erratum{line: line, old: old, new: nw, reason: Reason(rec[6])})
	}
	// The rows report each erratum's first Old; corrections take it through
	// each New to the files' value.
	at := map[string]int{}
	for i, r := range s.Rows {
		at[Key(r.Metric, r.Region, r.Date)] = i
	}
	for _, k := range order {
		es := cells[k]
		i := at[k]
		row := s.Rows[i]
		final := row.Value
		cur := es[0].old
		var fixes []Correction
		for j, e := range es {
			target := e.new
			if j == len(es)-1 {
				target = final
				if e.new != final {
					s.Superseded = append(s.Superseded, fmt.Sprintf("%s row %d: %s: the files hold %d, not the erratum's %d: corrected to the files' value", ErrataFile, e.line, k, final, e.new))
				}
			}
			if target != cur {
				fixes = append(fixes, Correction{Row: Row{Region: row.Region, Metric: row.Metric, Date: row.Date, Value: target}, Reason: e.reason})
				cur = target
			}
		}
		if len(fixes) == 0 {
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s row %d: %s: no change to apply", ErrataFile, es[0].line, k))
			continue
		}
		s.Rows[i].Value = es[0].old
		s.Corrections = append(s.Corrections, fixes...)
	}
	return nil
}

// errataRegion finds the area an erratum's Location names: a country, a
// province ("Victoria - Australia" or a bare province name).
func errataRegion(loc string) (string, bool) {
	loc = strings.TrimSpace(loc)
	if p, c, ok := strings.Cut(loc, " - "); ok {
		return region.FromJHU(c, p)
	}
	if code, ok := region.FromJHU(loc, ""); ok {
		return code, true
	}
	for _, r := range region.All() {
		if r.JHUProvince == loc {
			return r.Code, true
		}
	}
	return "", false
}

// Reason maps an erratum's comment to a correction reason code of the
// publichealth module; the comment is free text and stays here.
func Reason(comment string) string {
	c := strings.ToLower(comment)
	has := func(words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(c, w) })
	}
	switch {
	case has("duplicate", "double count"):
		return "duplicate-removed"
	case has("probable", "ehpad", "care home", "casconfirmes", "replace recovered", "recovered data removed", "new reporting", "without cases from"):
		return "definition-change"
	case has("stale", "timing", "shift", "time lag", "ahead", "end of the day", "overnight", "spike"):
		return "timing"
	case has("navajo", "unassigned", "county sum", "northern mariana"):
		return "region-reassigned"
	case has("added data", "add "):
		return "late-reports"
	case has("error"):
		return "data-entry-error"
	}
	return "source-revised"
}
