package publichealth

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/medchain/medchain/internal/ledger"
)

// Message types.
const (
	TypeReport  = "publichealth/report"
	TypeCorrect = "publichealth/correct"
)

// ActionSetParams is the proposal action that sets Params.
const ActionSetParams = "publichealth/set-params"

// Row is one count: a region's cumulative value of a metric at the end of
// a day.
type Row struct {
	Region string `json:"region"`
	Metric string `json:"metric"`
	Date   string `json:"date"`
	Value  int64  `json:"value"`
}

func (r Row) validate() (field string, err error) {
	if err := ValidRegion(r.Region); err != nil {
		return "region", err
	}
	if err := ValidMetric(r.Metric); err != nil {
		return "metric", err
	}
	if err := ValidDate(r.Date); err != nil {
		return "date", err
	}
	if r.Value < 0 || r.Value > MaxValue {
		return "value", fmt.Errorf("must be a count from 0 to %d, got %d", int64(MaxValue), r.Value)
	}
	return "", nil
}

func (r Row) id() string { return FigureID(r.Metric, r.Region, r.Date) }

// ReportMsg reports counts (publichealth/report): at most MaxRows, none
// reported before.
type ReportMsg struct {
	Rows []Row `json:"rows"`
}

// Validate implements ledger.Validator.
func (m *ReportMsg) Validate() error {
	if len(m.Rows) == 0 || len(m.Rows) > MaxRows {
		return fmt.Errorf("rows: between 1 and %d rows, got %d", MaxRows, len(m.Rows))
	}
	seen := make(map[string]int, len(m.Rows))
	for i, r := range m.Rows {
		if f, err := r.validate(); err != nil {
			return fmt.Errorf("rows[%d].%s: %w", i, f, err)
		}
		if j, dup := seen[r.id()]; dup {
			return fmt.Errorf("rows[%d]: %s %s %s is also rows[%d]", i, r.Region, r.Metric, r.Date, j)
		}
		seen[r.id()] = i
	}
	return nil
}

// Correction is a new value of a reported figure, with its reason.
type Correction struct {
	Row
	Reason string `json:"reason"`
}

// CorrectMsg corrects figures (publichealth/correct): each becomes a new
// version; the earlier ones are kept.
type CorrectMsg struct {
	Corrections []Correction `json:"corrections"`
}

// Validate implements ledger.Validator.
func (m *CorrectMsg) Validate() error {
	if len(m.Corrections) == 0 || len(m.Corrections) > MaxCorrections {
		return fmt.Errorf("corrections: between 1 and %d, got %d", MaxCorrections, len(m.Corrections))
	}
	seen := make(map[string]int, len(m.Corrections))
	for i, c := range m.Corrections {
		if f, err := c.validate(); err != nil {
			return fmt.Errorf("corrections[%d].%s: %w", i, f, err)
		}
		if !slices.Contains(Reasons, c.Reason) {
			return fmt.Errorf("corrections[%d].reason: %q is not one of %v", i, c.Reason, Reasons)
		}
		if j, dup := seen[c.id()]; dup {
			return fmt.Errorf("corrections[%d]: %s %s %s is also corrections[%d]", i, c.Region, c.Metric, c.Date, j)
		}
		seen[c.id()] = i
	}
	return nil
}

// Reported is the result of publichealth/report.
type Reported struct {
	Rows int `json:"rows"`
}

// Routes implements ledger.Module.
func (k *Keeper) Routes() []ledger.Route {
	return []ledger.Route{
		{Type: TypeReport, Handler: ledger.Handle(k.report)},
		{Type: TypeCorrect, Handler: ledger.Handle(k.correct)},
	}
}

// mayReport: a member with a reporter role of an organisation of a
// reporting kind.
func (k *Keeper) mayReport(ctx *ledger.Context) error {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasAnyRole(Reporters...) {
		return fmt.Errorf("%w: %s is not a member with one of the roles %v", ErrUnauthorized, s.ID, Reporters)
	}
	kind, ok := k.dir.OrgKind(ctx.Store, s.Org)
	if !ok || !slices.Contains(ReporterOrgs, kind) {
		return fmt.Errorf("%w: organisation %s (%s) is not one of the kinds that report: %v", ErrUnauthorized, s.Org, kind, ReporterOrgs)
	}
	return nil
}

// notAfterToday refuses a date after the block's (UTC) date.
func notAfterToday(ctx *ledger.Context, field, date string) error {
	if today := ctx.Time.UTC().Format(time.DateOnly); date > today {
		return fmt.Errorf("%w: %s: %s is after the block's date %s", ErrFuture, field, date, today)
	}
	return nil
}

func (k *Keeper) report(ctx *ledger.Context, m ReportMsg) (any, error) {
	if err := k.mayReport(ctx); err != nil {
		return nil, err
	}
	for i, r := range m.Rows {
		if err := notAfterToday(ctx, "rows["+strconv.Itoa(i)+"].date", r.Date); err != nil {
			return nil, err
		}
	}
	txh := ctx.TxHash.String()
	for i, r := range m.Rows {
		figs := figures(r.Region)
		if f, ok := figs.Get(ctx.Store, r.id()); ok {
			return nil, fmt.Errorf("%w: rows[%d]: %s %s %s was reported by %s at height %d; send %s to change it",
				ErrExists, i, r.Region, r.Metric, r.Date, f.Org, f.Height, TypeCorrect)
		}
		figs.Set(ctx.Store, r.id(), Figure{Value: r.Value, Reported: r.Value, Version: 1, Org: ctx.Signer.Org,
			By: ctx.Signer.ID, Height: ctx.Height, Tx: txh, Time: ctx.Time.Unix()})
		if d, ok := latest.Get(ctx.Store, r.Metric+"/"+r.Region); !ok || r.Date > d {
			latest.Set(ctx.Store, r.Metric+"/"+r.Region, r.Date)
		}
	}
	ctx.Emit(EventReported.New(ctx.Signer.Org, ctx.Signer.ID, strconv.Itoa(len(m.Rows))))
	return Reported{Rows: len(m.Rows)}, nil
}

func (k *Keeper) correct(ctx *ledger.Context, m CorrectMsg) (any, error) {
	if err := k.mayReport(ctx); err != nil {
		return nil, err
	}
	txh := ctx.TxHash.String()
	for i, c := range m.Corrections {
		at := "corrections[" + strconv.Itoa(i) + "]"
		if err := notAfterToday(ctx, at+".date", c.Date); err != nil {
			return nil, err
		}
		figs, id := figures(c.Region), c.id()
		f, ok := figs.Get(ctx.Store, id)
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %s: %s %s %s was never reported", ErrNotFound, at, c.Region, c.Metric, c.Date)
		case f.Org != ctx.Signer.Org:
			return nil, fmt.Errorf("%w: %s: %s %s %s was reported by %s; only its members correct it", ErrUnauthorized, at, c.Region, c.Metric, c.Date, f.Org)
		case f.Value == c.Value:
			return nil, fmt.Errorf("%w: %s: %s %s %s is %d already", ErrUnchanged, at, c.Region, c.Metric, c.Date, c.Value)
		case f.Version >= MaxVersions:
			return nil, fmt.Errorf("%w: %s: %s %s %s has %d versions, the most there may be", ErrUnauthorized, at, c.Region, c.Metric, c.Date, f.Version)
		}
		versions(c.Region).Set(ctx.Store, fmt.Sprintf("%s#%04d", id, f.Version), f)
		figs.Set(ctx.Store, id, Figure{Value: c.Value, Reported: f.Reported, Version: f.Version + 1, Reason: c.Reason,
			Org: ctx.Signer.Org, By: ctx.Signer.ID, Height: ctx.Height, Tx: txh, Time: ctx.Time.Unix()})
		ctx.Emit(EventCorrected.New(c.Region, c.Metric, c.Date, strconv.Itoa(f.Version+1), c.Reason, ctx.Signer.Org))
	}
	return Reported{Rows: len(m.Corrections)}, nil
}

// ProposalActions implements ledger.Governed: the suppression threshold
// changes only by a governance proposal.
func (k *Keeper) ProposalActions() []ledger.ProposalAction {
	return []ledger.ProposalAction{{
		Type: ActionSetParams,
		Validate: func(_ *ledger.Context, payload json.RawMessage) error {
			_, err := ledger.Decode[Params](payload)
			return err
		},
		Execute: func(ctx *ledger.Context, payload json.RawMessage) error {
			p, err := ledger.Decode[Params](payload)
			if err != nil {
				return err
			}
			params.Set(ctx.Store, "", p)
			ctx.Emit(EventParamsSet.New(strconv.FormatInt(p.MinCount, 10)))
			return nil
		},
	}}
}
