package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/publichealth"
	"github.com/medchain/medchain/internal/region"
	"github.com/medchain/medchain/internal/state"
)

// Public-health figures: open data (docs/design.md §3.11), with counts of areas
// below country level suppressed below the governed threshold by the
// module's queries, which every route here answers from.

// atParam returns the committed state, or with ?at=HEIGHT the state after
// that block.
func (s *Server) atParam(r *http.Request) (*state.View, error) {
	view := s.app.State().Committed()
	hs := r.URL.Query().Get("at")
	if hs == "" {
		return view, nil
	}
	h, err := strconv.ParseInt(hs, 10, 64)
	if err != nil || h <= 0 {
		return nil, badParam("at", "must be a positive block height, got %q", hs)
	}
	v, err := s.app.State().At(h)
	if err != nil {
		return nil, notFound("the state at height %d is not available on this node (latest %d)", h, view.Version())
	}
	return v, nil
}

func regionParam(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	code, err := region.Canonical(v)
	if err != nil {
		return "", badParam(name, "%v", err)
	}
	return code, nil
}

func metricParam(r *http.Request) (string, error) {
	m := r.URL.Query().Get("metric")
	if err := publichealth.ValidMetric(m); err != nil {
		return "", badParam("metric", "%v", err)
	}
	return m, nil
}

func dateParam(r *http.Request, name string, required bool) (string, error) {
	d := r.URL.Query().Get(name)
	if d == "" && !required {
		return "", nil
	}
	if err := publichealth.ValidDate(d); err != nil {
		return "", badParam(name, "%v", err)
	}
	return d, nil
}

type regionView struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
	Alpha3 string `json:"alpha3,omitempty"`
}

func (s *Server) listRegions(w http.ResponseWriter, r *http.Request) error {
	all := region.All()
	page := pageView[regionView]{Items: make([]regionView, 0, len(all))}
	for _, reg := range all {
		page.Items = append(page.Items, regionView{Code: reg.Code, Name: reg.Name, Parent: reg.Parent, Alpha3: reg.Alpha3})
	}
	return writeJSON(w, http.StatusOK, page)
}

type seriesPointView struct {
	publichealth.Point
	Proof *proofView `json:"proof,omitempty"`
}

type seriesView struct {
	Region string `json:"region"`
	Name   string `json:"name"`
	Metric string `json:"metric"`
	// Height is the block whose state answered.
	Height int64 `json:"height"`
	// MinCount is the suppression threshold in force.
	MinCount int64             `json:"min_count"`
	Points   []seriesPointView `json:"points"`
}

func (s *Server) phSeries(w http.ResponseWriter, r *http.Request) error {
	code, err := regionParam(r, "region")
	if err != nil {
		return err
	}
	metric, err := metricParam(r)
	if err != nil {
		return err
	}
	from, err := dateParam(r, "from", false)
	if err != nil {
		return err
	}
	to, err := dateParam(r, "to", false)
	if err != nil {
		return err
	}
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	view, err := s.atParam(r)
	if err != nil {
		return err
	}
	k := s.app.PublicHealth()
	ser := k.Series(view, code, metric, from, to)
	reg, _ := region.Lookup(code)
	out := seriesView{Region: code, Name: reg.Name, Metric: metric, Height: view.Version(), MinCount: k.Params(view).MinCount,
		Points: make([]seriesPointView, len(ser.Points))}
	for i, p := range ser.Points {
		out.Points[i].Point = p
		// A figure reported directly is proven where it is shown.
		if withProof && p.Parts == 0 && !p.Suppressed {
			if out.Points[i].Proof, err = prove(view, publichealth.FigureKey(metric, code, p.Date)); err != nil {
				return err
			}
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

type figureView struct {
	Region string `json:"region"`
	Metric string `json:"metric"`
	Date   string `json:"date"`
	// Value and Reported are absent when suppressed.
	Value      *int64            `json:"value"`
	Reported   *int64            `json:"reported"`
	Suppressed bool              `json:"suppressed,omitempty"`
	Version    int               `json:"version"`
	Reason     string            `json:"reason,omitempty"`
	Org        string            `json:"org"`
	By         string            `json:"by"`
	Height     int64             `json:"height"`
	Tx         string            `json:"tx"`
	Time       time.Time         `json:"time"`
	History    []figureVersionVw `json:"history"`
	Proof      *proofView        `json:"proof,omitempty"`
}

type figureVersionVw struct {
	Version int       `json:"version"`
	Value   *int64    `json:"value"`
	Reason  string    `json:"reason,omitempty"`
	Org     string    `json:"org"`
	By      string    `json:"by"`
	Height  int64     `json:"height"`
	Tx      string    `json:"tx"`
	Time    time.Time `json:"time"`
}

// figureQuery reads region, metric, date and at of a single figure.
func (s *Server) figureQuery(r *http.Request) (view *state.View, code, metric, date string, err error) {
	if code, err = regionParam(r, "region"); err != nil {
		return
	}
	if metric, err = metricParam(r); err != nil {
		return
	}
	if date, err = dateParam(r, "date", true); err != nil {
		return
	}
	view, err = s.atParam(r)
	return
}

func (s *Server) phFigure(w http.ResponseWriter, r *http.Request) error {
	view, code, metric, date, err := s.figureQuery(r)
	if err != nil {
		return err
	}
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	k := s.app.PublicHealth()
	hist := k.History(view, metric, code, date)
	if len(hist) == 0 {
		return fmt.Errorf("%w: %s %s %s at height %d", publichealth.ErrNotFound, code, metric, date, view.Version())
	}
	p := k.Params(view)
	shown := func(v int64) *int64 {
		if publichealth.Suppressed(p, code, v) {
			return nil
		}
		return &v
	}
	f := hist[len(hist)-1]
	out := figureView{Region: code, Metric: metric, Date: date, Value: shown(f.Value), Reported: shown(f.Reported),
		Version: f.Version, Reason: f.Reason, Org: f.Org, By: f.By, Height: f.Height, Tx: f.Tx, Time: time.Unix(f.Time, 0).UTC(),
		History: make([]figureVersionVw, len(hist))}
	out.Suppressed = out.Value == nil || out.Reported == nil
	for i, h := range hist {
		out.History[i] = figureVersionVw{Version: h.Version, Value: shown(h.Value), Reason: h.Reason, Org: h.Org, By: h.By,
			Height: h.Height, Tx: h.Tx, Time: time.Unix(h.Time, 0).UTC()}
		if out.History[i].Value == nil {
			out.Suppressed = true
		}
	}
	if withProof && !out.Suppressed {
		if out.Proof, err = prove(view, publichealth.FigureKey(metric, code, date)); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

type totalsView struct {
	publichealth.Totals
	Height int64 `json:"height"`
}

func (s *Server) phTotals(w http.ResponseWriter, r *http.Request) error {
	metric, err := metricParam(r)
	if err != nil {
		return err
	}
	date, err := dateParam(r, "date", false)
	if err != nil {
		return err
	}
	view, err := s.atParam(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, totalsView{Totals: s.app.PublicHealth().Totals(view, metric, date), Height: view.Version()})
}

// phMeasureReport answers a region's figure of a day as a FHIR R4
// MeasureReport: for a country with provinces, their sum.
func (s *Server) phMeasureReport(w http.ResponseWriter, r *http.Request) error {
	view, code, metric, date, err := s.figureQuery(r)
	if err != nil {
		return err
	}
	ser := s.app.PublicHealth().Series(view, code, metric, date, date)
	if len(ser.Points) == 0 {
		return fmt.Errorf("%w: %s %s %s at height %d", publichealth.ErrNotFound, code, metric, date, view.Version())
	}
	p := ser.Points[0]
	m := fhirdoc.Measure{Region: code, Metric: metric, Date: date, Count: p.Cumulative, Reporter: p.Org}
	if f, ok := s.app.PublicHealth().Figure(view, metric, code, date); ok {
		m.Time = time.Unix(f.Time, 0)
	}
	raw, err := fhirdoc.FormatMeasureReport(m)
	if err != nil {
		return err
	}
	return writeRaw(w, "application/fhir+json", raw)
}

type measureMsgView struct {
	Type string                 `json:"type"`
	Msg  publichealth.ReportMsg `json:"msg"`
}

// phFromMeasureReport maps a FHIR MeasureReport to the publichealth/report
// message a reporter signs; it validates and stores nothing.
func (s *Server) phFromMeasureReport(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return unreadable(err)
	}
	m, err := fhirdoc.ParseMeasureReport(body)
	if err != nil {
		return fmt.Errorf("%w: %w", publichealth.ErrInvalidDocument, err)
	}
	msg := publichealth.ReportMsg{Rows: []publichealth.Row{{Region: m.Region, Metric: m.Metric, Date: m.Date, Value: *m.Count}}}
	if c, err := region.Canonical(m.Region); err == nil {
		msg.Rows[0].Region = c
	}
	if err := msg.Validate(); err != nil {
		return fmt.Errorf("%w: %w", publichealth.ErrInvalidDocument, err)
	}
	return writeJSON(w, http.StatusOK, measureMsgView{Type: publichealth.TypeReport, Msg: msg})
}
