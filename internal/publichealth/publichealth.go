// Package publichealth is the module of aggregate public-health figures:
// public-health agencies, hospitals and labs report counts per region and
// day for a metric (confirmed cases, deaths, recoveries, tests,
// hospitalised patients, ICU beds used, vaccinations) and correct them
// with a reason code. The ledger keeps the figure as reported, every
// revision (who, when, why) and the current value; every figure names its
// reporter, transaction and block.
//
// Only aggregates reach the chain: a row is a region code, a metric, a date
// and a count, never a person, and there is no free text (a correction's
// reason is one of Reasons). Regions are internal/region's codes;
// a country's figure is its own reports plus those of its provinces.
// Counts below the governed threshold (Params.MinCount) for areas below
// country level are suppressed in every answer of this package, and their
// state is private (the API proves it only where it is shown).
//
// The module asks identity and governance about members and organisations
// through the Directory interface; it imports no other module.
package publichealth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/region"
	"github.com/medchain/medchain/internal/state"
)

// Name is the module's name and error codespace.
const Name = "publichealth"

// Errors, each with a stable code in the chain's table.
var (
	ErrUnauthorized = errors.New("publichealth: not allowed")
	ErrNotFound     = errors.New("publichealth: no such figure")
	ErrExists       = errors.New("publichealth: already reported")
	// ErrFuture is a figure dated after the block's date.
	ErrFuture = errors.New("publichealth: date in the future")
	// ErrUnchanged is a correction to the value the figure already has.
	ErrUnchanged = errors.New("publichealth: value unchanged")
	// ErrInvalidDocument is a FHIR MeasureReport that does not validate or
	// does not map to a report (at the API; never in a block).
	ErrInvalidDocument = errors.New("publichealth: invalid MeasureReport")
)

// Metrics.
const (
	MetricConfirmed    = "confirmed"
	MetricDeaths       = "deaths"
	MetricRecovered    = "recovered"
	MetricTests        = "tests"
	MetricHospitalised = "hospitalised"
	MetricICUBedsUsed  = "icu-beds-used"
	MetricVaccinations = "vaccinations"
)

// Metrics lists the metrics, sorted.
var Metrics = []string{MetricConfirmed, MetricDeaths, MetricHospitalised, MetricICUBedsUsed, MetricRecovered, MetricTests, MetricVaccinations}

// Reasons of a correction: a fixed list, never free text.
const (
	// ReasonSourceRevised: the source published a revised figure.
	ReasonSourceRevised = "source-revised"
	// ReasonDataEntryError: the figure was mistyped or mis-transmitted.
	ReasonDataEntryError = "data-entry-error"
	// ReasonDefinitionChange: what the metric counts changed (probable
	// cases, care-home deaths added or removed).
	ReasonDefinitionChange = "definition-change"
	// ReasonLateReports: reports arrived late and were added to past days.
	ReasonLateReports = "late-reports"
	// ReasonDuplicateRemoved: double-counted cases were removed.
	ReasonDuplicateRemoved = "duplicate-removed"
	// ReasonRegionReassigned: cases moved between regions.
	ReasonRegionReassigned = "region-reassigned"
	// ReasonTiming: the day's cut-off time was moved (stale or shifted data).
	ReasonTiming = "timing"
)

// Reasons lists the correction reasons, sorted.
var Reasons = []string{ReasonDataEntryError, ReasonDefinitionChange, ReasonDuplicateRemoved, ReasonLateReports,
	ReasonRegionReassigned, ReasonSourceRevised, ReasonTiming}

// FlagNegativeChange marks a day whose cumulative value fell.
const FlagNegativeChange = "negative-change"

// Limits.
const (
	MaxRows        = 2000            // rows per publichealth/report
	MaxCorrections = 500             // corrections per publichealth/correct
	MaxVersions    = 9999            // versions of one figure
	MaxValue       = 100_000_000_000 // a count
	// DefaultMinCount is the suppression threshold until a proposal sets one.
	DefaultMinCount = 10
	MaxMinCount     = 1000
)

// Reporters are the roles whose members may report and correct, and
// ReporterOrgs the kinds of organisation they must belong to.
var (
	Reporters    = []ledger.Role{ledger.RoleEpidemiologist, ledger.RoleLabTechnician, ledger.RoleRegistrar}
	ReporterOrgs = []ledger.OrgKind{ledger.OrgHospital, ledger.OrgLab, ledger.OrgPublicHealth}
)

// Figure is one reported count: a region's cumulative value of a metric at
// the end of a day, in its current version, with who set that version.
type Figure struct {
	Value int64 `json:"value"`
	// Reported is the value as first reported (version 1).
	Reported int64 `json:"reported"`
	Version  int   `json:"version"`
	// Reason is the reason code of the correction that made this version.
	Reason string `json:"reason,omitempty"`
	Org    string `json:"org"`
	By     string `json:"by"`
	Height int64  `json:"height"`
	// Tx is the hash (upper-case hex, as /v1/txs/{hash}) of the transaction
	// that wrote this version.
	Tx   string `json:"tx"`
	Time int64  `json:"time"`
}

// Params are the module's governed parameters.
type Params struct {
	// MinCount: counts from 1 to MinCount-1 of areas below country level
	// are suppressed in every answer (0 turns suppression off).
	MinCount int64 `json:"min_count"`
}

// Validate implements ledger.Validator.
func (p *Params) Validate() error {
	if p.MinCount < 0 || p.MinCount > MaxMinCount {
		return fmt.Errorf("min_count: must be 0 to %d, got %d", MaxMinCount, p.MinCount)
	}
	return nil
}

// State: country-level figures and their earlier versions are public;
// those of areas below country level are private (proven only where shown,
// above the threshold). IDs are "<metric>/<region>@<date>", a version's
// "…#0001".
var (
	countryFigures  = state.NewMap[Figure](Name, "ph/c/").Public()
	countryVersions = state.NewMap[Figure](Name, "ph/hc/").Public()
	areaFigures     = state.NewMap[Figure](Name, "ph/s/")
	areaVersions    = state.NewMap[Figure](Name, "ph/hs/")
	params          = state.NewMap[Params](Name, "ph/params").Public()
	// latest is the date of each region's latest figure of a metric
	// ("<metric>/<region>"), for totals.
	latest = state.NewMap[string](Name, "ph/l/").Public()
)

// FigureID is the state ID of a figure.
func FigureID(metric, regionCode, date string) string { return metric + "/" + regionCode + "@" + date }

// FigureKey is the state key of a figure (for proofs).
func FigureKey(metric, regionCode, date string) string {
	return string(figures(regionCode).Key(FigureID(metric, regionCode, date)))
}

func figures(code string) state.Map[Figure] {
	if strings.Contains(code, "/") {
		return areaFigures
	}
	return countryFigures
}

func versions(code string) state.Map[Figure] {
	if strings.Contains(code, "/") {
		return areaVersions
	}
	return countryVersions
}

// Directory is what the module asks of identity and governance.
type Directory interface {
	// OrgKind returns an active organisation's kind.
	OrgKind(r state.Reader, org string) (ledger.OrgKind, bool)
}

// Keeper is the publichealth module.
type Keeper struct {
	ledger.NoGenesis
	dir Directory
}

// New returns the module.
func New(dir Directory) *Keeper { return &Keeper{dir: dir} }

// Name implements ledger.Module.
func (k *Keeper) Name() string { return Name }

// Params returns the governed parameters.
func (k *Keeper) Params(r state.Reader) Params {
	p, ok := params.Get(r, "")
	if !ok {
		return Params{MinCount: DefaultMinCount}
	}
	return p
}

// Figure returns one figure.
func (k *Keeper) Figure(r state.Reader, metric, regionCode, date string) (Figure, bool) {
	return figures(regionCode).Get(r, FigureID(metric, regionCode, date))
}

// History returns every version of a figure, oldest first (the last is the
// current one).
func (k *Keeper) History(r state.Reader, metric, regionCode, date string) []Figure {
	id := FigureID(metric, regionCode, date)
	cur, ok := figures(regionCode).Get(r, id)
	if !ok {
		return nil
	}
	var out []Figure
	versions(regionCode).Walk(r, id+"#", func(_ string, f Figure) bool {
		out = append(out, f)
		return true
	})
	return append(out, cur)
}

// Suppressed reports whether a count of the region is below the threshold
// and must not be shown: areas below country level, 0 < v < MinCount.
func Suppressed(p Params, regionCode string, v int64) bool {
	return strings.Contains(regionCode, "/") && v > 0 && v < p.MinCount
}

// Point is one day of a series.
type Point struct {
	Date string `json:"date"`
	// Cumulative and Change are nil when suppressed.
	Cumulative *int64 `json:"cumulative"`
	Change     *int64 `json:"change"`
	Suppressed bool   `json:"suppressed,omitempty"`
	// Corrected: a figure of the day has been corrected.
	Corrected bool `json:"corrected,omitempty"`
	// Flag is FlagNegativeChange when the cumulative value fell (not said
	// of a day whose value or the day before's is suppressed).
	Flag string `json:"flag,omitempty"`
	// Org, Tx, Height and Version are the provenance of the day's figure
	// when it is one reported figure (a region reported directly); Parts
	// is the number of figures summed otherwise (a country with provinces).
	Org     string `json:"org,omitempty"`
	Tx      string `json:"tx,omitempty"`
	Height  int64  `json:"height,omitempty"`
	Version int    `json:"version,omitempty"`
	Parts   int    `json:"parts,omitempty"`
}

// Series is a region's metric day by day.
type Series struct {
	Region string  `json:"region"`
	Metric string  `json:"metric"`
	Points []Point `json:"points"`
}

type part struct {
	date string
	f    Figure
}

// components reads the figures that make up a region's series: its own
// and, for a country, its provinces'; each in date order.
func components(r state.Reader, metric, code string) [][]part {
	var out [][]part
	walk := func(m state.Map[Figure], prefix string) {
		cur, curRegion := []part(nil), ""
		m.Walk(r, prefix, func(id string, f Figure) bool {
			at := strings.LastIndexByte(id, '@')
			if id[:at] != curRegion {
				if cur != nil {
					out = append(out, cur)
				}
				cur, curRegion = nil, id[:at]
			}
			cur = append(cur, part{date: id[at+1:], f: f})
			return true
		})
		if cur != nil {
			out = append(out, cur)
		}
	}
	walk(figures(code), metric+"/"+code+"@")
	if !strings.Contains(code, "/") {
		walk(areaFigures, metric+"/"+code+"/")
	}
	return out
}

// Series returns a region's series of metric from from to to (ISO dates,
// inclusive; empty for no bound), with suppression applied. A country's
// value on a day is the sum of its own and its provinces' latest figures
// on or before that day.
func (k *Keeper) Series(r state.Reader, regionCode, metric, from, to string) Series {
	p := k.Params(r)
	comps := components(r, metric, regionCode)
	var dates []string
	for _, c := range comps {
		for _, x := range c {
			dates = append(dates, x.date)
		}
	}
	slices.Sort(dates)
	dates = slices.Compact(dates)
	s := Series{Region: regionCode, Metric: metric, Points: []Point{}}
	idx := make([]int, len(comps))
	var prev int64
	prevSuppressed := false
	for _, d := range dates {
		var sum int64
		pt := Point{Date: d}
		for i, c := range comps {
			for idx[i] < len(c) && c[idx[i]].date <= d {
				idx[i]++
			}
			if idx[i] == 0 {
				continue
			}
			x := c[idx[i]-1]
			sum += x.f.Value
			pt.Parts++
			if x.date == d && x.f.Version > 1 {
				pt.Corrected = true
			}
			if len(comps) == 1 {
				pt.Org, pt.Tx, pt.Height, pt.Version = x.f.Org, x.f.Tx, x.f.Height, x.f.Version
			}
		}
		if len(comps) == 1 {
			pt.Parts = 0
		}
		change := sum - prev
		sup := Suppressed(p, regionCode, sum)
		if change < 0 && !sup && !prevSuppressed {
			pt.Flag = FlagNegativeChange
		}
		if sup {
			pt.Suppressed = true
		} else {
			pt.Cumulative = &sum
			if !prevSuppressed {
				pt.Change = &change
			}
		}
		prev, prevSuppressed = sum, sup
		if (from == "" || d >= from) && (to == "" || d <= to) {
			s.Points = append(s.Points, pt)
		}
	}
	return s
}

// Total is a country's value of a metric on a date.
type Total struct {
	Region     string `json:"region"`
	Name       string `json:"name"`
	Cumulative int64  `json:"cumulative"`
	Change     int64  `json:"change"`
	// Date is the date of the country's latest figure on or before the
	// date asked (its latest figure when none was).
	Date string `json:"date"`
}

// Totals are the world's and each country's values of a metric.
type Totals struct {
	Metric string `json:"metric"`
	// Date is the date asked, or empty for each country's latest.
	Date      string  `json:"date,omitempty"`
	World     Amount  `json:"world"`
	Countries []Total `json:"countries"`
}

// Amount is a cumulative value and its change over the day before.
type Amount struct {
	Cumulative int64 `json:"cumulative"`
	Change     int64 `json:"change"`
}

// valueAsOf is a region's own figure of metric on date, or its latest
// before it (ok false: none).
func valueAsOf(r state.Reader, metric, code, date string) (int64, bool) {
	m := figures(code)
	if f, ok := m.Get(r, FigureID(metric, code, date)); ok {
		return f.Value, true
	}
	var v int64
	found := false
	m.Walk(r, metric+"/"+code+"@", func(id string, f Figure) bool {
		if id[strings.LastIndexByte(id, '@')+1:] > date {
			return false
		}
		v, found = f.Value, true
		return true
	})
	return v, found
}

func dayBefore(date string) string {
	t, _ := time.Parse(time.DateOnly, date)
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// Totals returns the world's and every reporting country's value of metric
// on date (each country's latest when date is empty), countries in code
// order: a country's value is its own and its provinces' latest figures on
// or before its date (the latest of theirs on or before date), its change
// the difference with the same sum the day before. Countries are never
// suppressed.
func (k *Keeper) Totals(r state.Reader, metric, date string) Totals {
	t := Totals{Metric: metric, Date: date, Countries: []Total{}}
	type comp struct{ code, latest string }
	byCountry := map[string][]comp{}
	var countries []string
	latest.Walk(r, metric+"/", func(id, d string) bool {
		code := id[len(metric)+1:]
		country, _, _ := strings.Cut(code, "/")
		if date != "" && d > date {
			d = date
		}
		if _, ok := byCountry[country]; !ok {
			countries = append(countries, country)
		}
		byCountry[country] = append(byCountry[country], comp{code, d})
		return true
	})
	slices.Sort(countries)
	for _, country := range countries {
		comps := byCountry[country]
		day := ""
		for _, c := range comps {
			day = max(day, c.latest)
		}
		prev := dayBefore(day)
		var tot Total
		any := false
		for _, c := range comps {
			if v, ok := valueAsOf(r, metric, c.code, day); ok {
				tot.Cumulative += v
				any = true
			}
			if v, ok := valueAsOf(r, metric, c.code, prev); ok {
				tot.Change -= v
			}
		}
		if !any {
			continue
		}
		tot.Change += tot.Cumulative
		reg, _ := region.Lookup(country)
		tot.Region, tot.Name, tot.Date = country, reg.Name, day
		t.World.Cumulative += tot.Cumulative
		t.World.Change += tot.Change
		t.Countries = append(t.Countries, tot)
	}
	return t
}

// ValidDate checks an ISO date (YYYY-MM-DD).
func ValidDate(d string) error {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil || t.Format(time.DateOnly) != d {
		return fmt.Errorf("%q is not an ISO date (YYYY-MM-DD)", d)
	}
	return nil
}

// ValidMetric checks a metric name.
func ValidMetric(m string) error {
	if !slices.Contains(Metrics, m) {
		return fmt.Errorf("metric %q is not one of %s", m, strings.Join(Metrics, ", "))
	}
	return nil
}

// ValidRegion checks that code is a region's canonical code.
func ValidRegion(code string) error {
	c, err := region.Canonical(code)
	if err != nil {
		return err
	}
	if c != code {
		return fmt.Errorf("region %q: use its alpha-2 code %q", code, c)
	}
	return nil
}
