package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Message types of the publichealth module.
const (
	TypePublicHealthReport  = "publichealth/report"
	TypePublicHealthCorrect = "publichealth/correct"
)

// PublicHealthMetrics are the metrics a figure may count.
var PublicHealthMetrics = []string{"confirmed", "deaths", "hospitalised", "icu-beds-used", "recovered", "tests", "vaccinations"}

// CorrectionReasons are the reason codes of a correction (no free text).
var CorrectionReasons = []string{"data-entry-error", "definition-change", "duplicate-removed", "late-reports",
	"region-reassigned", "source-revised", "timing"}

// FigureRow is one aggregate count: a region's cumulative value of a
// metric at the end of a day.
//
//	{"region": "FR", "metric": "confirmed", "date": "2020-06-14", "value": 157220}
type FigureRow struct {
	// Region is a region code: "FR", or "CA/ontario" below country level
	// (PublicHealthRegions lists them).
	Region string `json:"region"`
	// Metric is one of PublicHealthMetrics.
	Metric string `json:"metric"`
	// Date is YYYY-MM-DD, not after the block's date.
	Date string `json:"date"`
	// Value is the cumulative count, 0 to 100,000,000,000.
	Value int64 `json:"value"`
}

// ReportFigures reports counts (at most 2,000), none reported before.
// Signed by an epidemiologist, registrar or lab technician of a
// public-health agency, hospital or lab.
type ReportFigures struct {
	// Rows are the counts; no region, metric and date twice.
	Rows []FigureRow `json:"rows"`
}

// MsgType implements Msg.
func (ReportFigures) MsgType() string { return TypePublicHealthReport }

// FigureCorrection is a new value of a reported figure and its reason, one
// of CorrectionReasons.
type FigureCorrection struct {
	FigureRow
	// Reason is one of CorrectionReasons.
	Reason string `json:"reason"`
}

// CorrectFigures corrects figures (at most 500) the signer's organisation
// reported; each becomes a new version and the earlier ones are kept.
type CorrectFigures struct {
	// Corrections are the new values; no figure twice.
	Corrections []FigureCorrection `json:"corrections"`
}

// MsgType implements Msg.
func (CorrectFigures) MsgType() string { return TypePublicHealthCorrect }

// PublicHealthRegion is a reporting region.
type PublicHealthRegion struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Parent is a province's country; empty for a country.
	Parent string `json:"parent,omitempty"`
	// Alpha3 is a country's ISO 3166-1 alpha-3 code.
	Alpha3 string `json:"alpha3,omitempty"`
}

// SeriesPoint is one day of a series.
type SeriesPoint struct {
	Date string `json:"date"`
	// Cumulative and Change are nil when suppressed (a count below the
	// threshold of an area below country level).
	Cumulative *int64 `json:"cumulative"`
	Change     *int64 `json:"change"`
	Suppressed bool   `json:"suppressed,omitempty"`
	Corrected  bool   `json:"corrected,omitempty"`
	// Flag is "negative-change" when the cumulative value fell.
	Flag string `json:"flag,omitempty"`
	// Org, Tx, Height and Version are the provenance of a point that is
	// one reported figure; Parts counts the figures a summed point adds.
	Org     string `json:"org,omitempty"`
	Tx      string `json:"tx,omitempty"`
	Height  int64  `json:"height,omitempty"`
	Version int    `json:"version,omitempty"`
	Parts   int    `json:"parts,omitempty"`
	// Proof is set with WithProof on a shown, directly reported figure.
	Proof *Proof `json:"proof,omitempty"`
}

// Series is a region's metric day by day.
type Series struct {
	Region string `json:"region"`
	Name   string `json:"name"`
	Metric string `json:"metric"`
	// Height is the block whose state answered.
	Height   int64         `json:"height"`
	MinCount int64         `json:"min_count"`
	Points   []SeriesPoint `json:"points"`
}

// FigureVersion is one version of a figure.
type FigureVersion struct {
	Version int       `json:"version"`
	Value   *int64    `json:"value"`
	Reason  string    `json:"reason,omitempty"`
	Org     string    `json:"org"`
	By      string    `json:"by"`
	Height  int64     `json:"height"`
	Tx      string    `json:"tx"`
	Time    time.Time `json:"time"`
}

// Figure is one reported figure with its history.
type Figure struct {
	Region     string          `json:"region"`
	Metric     string          `json:"metric"`
	Date       string          `json:"date"`
	Value      *int64          `json:"value"`
	Reported   *int64          `json:"reported"`
	Suppressed bool            `json:"suppressed,omitempty"`
	Version    int             `json:"version"`
	Reason     string          `json:"reason,omitempty"`
	Org        string          `json:"org"`
	By         string          `json:"by"`
	Height     int64           `json:"height"`
	Tx         string          `json:"tx"`
	Time       time.Time       `json:"time"`
	History    []FigureVersion `json:"history"`
	Proof      *Proof          `json:"proof,omitempty"`
}

// Amount is a cumulative value and its change over the day before.
type Amount struct {
	Cumulative int64 `json:"cumulative"`
	Change     int64 `json:"change"`
}

// CountryTotal is a country's value on a date.
type CountryTotal struct {
	Region     string `json:"region"`
	Name       string `json:"name"`
	Cumulative int64  `json:"cumulative"`
	Change     int64  `json:"change"`
	Date       string `json:"date"`
}

// Totals are the world's and each country's values of a metric.
type Totals struct {
	Metric    string         `json:"metric"`
	Date      string         `json:"date,omitempty"`
	World     Amount         `json:"world"`
	Countries []CountryTotal `json:"countries"`
	Height    int64          `json:"height"`
}

// SeriesQuery selects a series: From and To bound the dates (inclusive,
// "" for none), At reads the state after a past block (0: latest).
type SeriesQuery struct {
	Region, Metric string
	From, To       string
	At             int64
}

func atQuery(q url.Values, at int64) url.Values {
	if at > 0 {
		q.Set("at", strconv.FormatInt(at, 10))
	}
	return q
}

// PublicHealthRegions lists the reporting regions.
func (c *Client) PublicHealthRegions(ctx context.Context) (*Page[PublicHealthRegion], error) {
	return fetch[Page[PublicHealthRegion]](ctx, c, "/v1/publichealth/regions", nil)
}

// Series reads a region's series; a country's includes its provinces.
func (c *Client) Series(ctx context.Context, sq SeriesQuery, opts ...ReadOption) (*Series, error) {
	q := readQuery(opts)
	q.Set("region", sq.Region)
	q.Set("metric", sq.Metric)
	if sq.From != "" {
		q.Set("from", sq.From)
	}
	if sq.To != "" {
		q.Set("to", sq.To)
	}
	return fetch[Series](ctx, c, "/v1/publichealth/series", atQuery(q, sq.At))
}

// Figure reads one reported figure with its versions.
func (c *Client) Figure(ctx context.Context, region, metric, date string, at int64, opts ...ReadOption) (*Figure, error) {
	q := readQuery(opts)
	q.Set("region", region)
	q.Set("metric", metric)
	q.Set("date", date)
	return fetch[Figure](ctx, c, "/v1/publichealth/figures", atQuery(q, at))
}

// Totals reads the world's and every country's value of metric on date
// ("" for each country's latest).
func (c *Client) Totals(ctx context.Context, metric, date string, at int64) (*Totals, error) {
	q := url.Values{"metric": {metric}}
	if date != "" {
		q.Set("date", date)
	}
	return fetch[Totals](ctx, c, "/v1/publichealth/totals", atQuery(q, at))
}

// MeasureReport reads a region's figure of a day as a FHIR R4
// MeasureReport.
func (c *Client) MeasureReport(ctx context.Context, region, metric, date string) ([]byte, error) {
	var raw json.RawMessage
	q := url.Values{"region": {region}, "metric": {metric}, "date": {date}}
	if _, err := c.do(ctx, http.MethodGet, "/v1/publichealth/measurereport", q, nil, "", &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// ReportFromMeasureReport maps a FHIR R4 MeasureReport (validated by the
// node) to the message a reporter signs; nothing is written.
func (c *Client) ReportFromMeasureReport(ctx context.Context, doc []byte) (*ReportFigures, error) {
	var out struct {
		Msg ReportFigures `json:"msg"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/v1/publichealth/measurereport", nil, doc, "application/fhir+json", &out); err != nil {
		return nil, err
	}
	return &out.Msg, nil
}

// Batch limits of the publichealth messages.
const (
	MaxReportRows       = 2000
	MaxCorrectionsPerTx = 500
)

// FigureImport is what ImportFigures did.
type FigureImport struct {
	Rows        int        `json:"rows"`
	Corrections int        `json:"corrections"`
	Txs         []TxResult `json:"txs"`
}

// ImportFigures reports rows in transactions of at most MaxReportRows,
// several in flight at once (parallel, at most 1 means one at a time), then
// applies corrections in order, in transactions of at most
// MaxCorrectionsPerTx (a figure corrected twice in two). progress, if not nil, is called with the rows and
// corrections committed so far and their total. Each transaction is all or
// nothing; a refusal stops the import and says which batch failed.
func (c *Client) ImportFigures(ctx context.Context, s *Signer, rows []FigureRow, corrections []FigureCorrection, parallel int, progress func(done, total int)) (*FigureImport, error) {
	total := len(rows) + len(corrections)
	out := &FigureImport{}
	parallel = max(parallel, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, parallel)
	)
	for i := 0; i < len(rows); i += MaxReportRows {
		sem <- struct{}{}
		if ctx.Err() != nil {
			<-sem
			break
		}
		start, end := i, min(i+MaxReportRows, len(rows))
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := c.Send(ctx, s, ReportFigures{Rows: rows[start:end]})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("client: report rows %d-%d: %w", start, end-1, err)
					cancel()
				}
				return
			}
			out.Rows += end - start
			out.Txs = append(out.Txs, *res)
			if progress != nil {
				progress(out.Rows, total)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return out, firstErr
	}
	// A figure corrected twice goes in two transactions, in order.
	for i := 0; i < len(corrections); {
		end, inTx := i, map[FigureRow]bool{}
		for end < len(corrections) && end-i < MaxCorrectionsPerTx {
			k := corrections[end].FigureRow
			k.Value = 0
			if inTx[k] {
				break
			}
			inTx[k] = true
			end++
		}
		res, err := c.Send(ctx, s, CorrectFigures{Corrections: corrections[i:end]})
		if err != nil {
			return out, fmt.Errorf("client: corrections %d-%d: %w", i, end-1, err)
		}
		out.Corrections += end - i
		out.Txs = append(out.Txs, *res)
		if progress != nil {
			progress(out.Rows+out.Corrections, total)
		}
		i = end
	}
	return out, nil
}
