package records

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
)

// Break-glass: a clinician opens an emergency window on a patient's
// records, within per-reader limits that governance sets; once it has
// closed, a privacy officer of the clinician's organisation reviews it
// (acknowledged, or flagged with a reason code), and the review is written
// in the patient's access log.

// ActionSetBreakGlassLimits is the governance proposal action that sets
// the break-glass limits (payload: BreakGlassLimits).
const ActionSetBreakGlassLimits = "records/set-break-glass-limits"

// Review outcomes.
const (
	ReviewAcknowledged = "acknowledged"
	ReviewFlagged      = "flagged"
)

// ReviewOutcomes lists the outcomes of a review.
var ReviewOutcomes = []string{ReviewAcknowledged, ReviewFlagged}

// BreakGlassFlagReasons are the reason codes of a flagged review.
var BreakGlassFlagReasons = []string{"no-emergency", "wrong-patient", "excessive-access", "outside-duties", "policy-breach"}

// EntryBreakGlassReview is the Kind of the access-log entry a review
// writes for the patient.
const EntryBreakGlassReview = "break-glass-review"

// day is the span over which BreakGlassLimits.MaxPerDay counts: 24 hours
// of block time, sliding.
const day = 24 * 60 * 60

// BreakGlassLimits bound what one reader may open. Governance changes them
// (ActionSetBreakGlassLimits); until it does, DefaultBreakGlassLimits hold.
type BreakGlassLimits struct {
	// MaxOpen is how many windows one reader may have open at once.
	MaxOpen int `json:"max_open"`
	// MaxPerDay is how many windows one reader may open in any 24 hours
	// of block time.
	MaxPerDay int `json:"max_per_day"`
	// MaxMinutes is the longest window, at most MaxBreakGlassMinutes.
	MaxMinutes int `json:"max_minutes"`
}

// DefaultBreakGlassLimits: two windows open at once, eight a day, of up to
// four hours.
func DefaultBreakGlassLimits() BreakGlassLimits {
	return BreakGlassLimits{MaxOpen: 2, MaxPerDay: 8, MaxMinutes: MaxBreakGlassMinutes}
}

// Bounds of the limits governance may set.
const (
	MaxOpenLimit   = 20
	MaxPerDayLimit = 100
)

func (l *BreakGlassLimits) Validate() error {
	switch {
	case l.MaxOpen < 1 || l.MaxOpen > MaxOpenLimit:
		return fmt.Errorf("max_open must be 1 to %d", MaxOpenLimit)
	case l.MaxPerDay < l.MaxOpen || l.MaxPerDay > MaxPerDayLimit:
		return fmt.Errorf("max_per_day must be max_open (%d) to %d", l.MaxOpen, MaxPerDayLimit)
	case l.MaxMinutes < 1 || l.MaxMinutes > MaxBreakGlassMinutes:
		return fmt.Errorf("max_minutes must be 1 to %d", MaxBreakGlassMinutes)
	}
	return nil
}

// ReviewBreakGlass is a privacy officer's review of a closed break-glass
// window of a clinician of their organisation.
type ReviewBreakGlass struct {
	Window  string `json:"window"`
	Outcome string `json:"outcome"`
	// Reason is a code of BreakGlassFlagReasons, for a flagged window only.
	Reason string `json:"reason,omitempty"`
}

func (m *ReviewBreakGlass) Validate() error {
	switch {
	case !windowIDPattern.MatchString(m.Window):
		return fmt.Errorf("window %q is not a break-glass window ID (bg- and 24 hex digits)", m.Window)
	case !slices.Contains(ReviewOutcomes, m.Outcome):
		return fmt.Errorf("outcome %q must be one of %v", m.Outcome, ReviewOutcomes)
	case m.Outcome == ReviewFlagged && !slices.Contains(BreakGlassFlagReasons, m.Reason):
		return fmt.Errorf("a flagged window needs a reason code (known: %v), not %q", BreakGlassFlagReasons, m.Reason)
	case m.Outcome == ReviewAcknowledged && m.Reason != "":
		return errors.New("an acknowledged window takes no reason")
	}
	return nil
}

// BreakGlassReview is the review of a window: its outcome, the flag's
// reason code, who reviewed it and when.
type BreakGlassReview struct {
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	By      string `json:"by"`
	Height  int64  `json:"height"`
	Time    int64  `json:"time"` // unix seconds, block time
}

// BreakGlassLimits reads the limits in force.
func (k *Keeper) BreakGlassLimits(r state.Reader) BreakGlassLimits {
	if l, ok := glassLimits.Get(r, ""); ok {
		return l
	}
	return DefaultBreakGlassLimits()
}

func hex16(t int64) string { return fmt.Sprintf("%016x", t) }

func rfc3339(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

// checkLimits refuses a window of minutes that reader may not open at now.
// It reads the reader's windows of the last 24 hours only (a range of the
// reader index): every open window is among them, as none lasts longer
// than MaxBreakGlassMinutes.
func checkLimits(r state.Reader, l BreakGlassLimits, reader string, now int64, minutes int) error {
	if minutes > l.MaxMinutes {
		return fmt.Errorf("%w: a window of %d minutes; the limit is %d", ErrBreakGlassLimit, minutes, l.MaxMinutes)
	}
	var opened, closes []int64
	glassByReader.WalkFrom(r, hex16(now-day+1), func(rest string) bool {
		id := rest[strings.IndexByte(rest, state.IndexSep)+1:]
		w, ok := glass.Get(r, id)
		if !ok {
			return true
		}
		opened = append(opened, w.Opened)
		if now < w.Expires {
			closes = append(closes, w.Expires)
		}
		return true
	}, reader)
	var why []string
	next := int64(0)
	if n := len(closes); n >= l.MaxOpen {
		slices.Sort(closes)
		why = append(why, fmt.Sprintf("%s open (limit %d)", windows(n), l.MaxOpen))
		next = max(next, closes[n-l.MaxOpen])
	}
	if n := len(opened); n >= l.MaxPerDay {
		why = append(why, fmt.Sprintf("%s opened in the last 24 hours (limit %d)", windows(n), l.MaxPerDay))
		next = max(next, opened[n-l.MaxPerDay]+day)
	}
	if len(why) > 0 {
		return fmt.Errorf("%w: %s has %s; the next may open at %s", ErrBreakGlassLimit, reader, strings.Join(why, " and "), rfc3339(next))
	}
	return nil
}

func windows(n int) string {
	if n == 1 {
		return "1 window"
	}
	return strconv.Itoa(n) + " windows"
}

func (k *Keeper) breakGlass(ctx *ledger.Context, m OpenBreakGlass) (any, error) {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasAnyRole(ClinicalRoles...) {
		return nil, fmt.Errorf("%w: break-glass needs a clinical role (%v)", ErrUnauthorized, ClinicalRoles)
	}
	if !k.dir.PatientExists(ctx.Store, m.Patient) {
		return nil, fmt.Errorf("%w: patient %q is not registered", ErrNotFound, m.Patient)
	}
	now := ctx.Time.Unix()
	l := k.BreakGlassLimits(ctx.Store)
	minutes := m.Minutes
	if minutes == 0 {
		minutes = min(DefaultBreakGlassMinutes, l.MaxMinutes)
	}
	if err := checkLimits(ctx.Store, l, s.ID, now, minutes); err != nil {
		return nil, err
	}
	id := ledger.IDFrom("bg-", ctx.TxHash)
	w := BreakGlass{ID: id, Reader: s.ID, Org: s.Org, Patient: m.Patient, Reason: m.Reason,
		Opened: now, Expires: now + int64(minutes)*60, Height: ctx.Height}
	glass.Set(ctx.Store, id, w)
	glassByPt.Add(ctx.Store, m.Patient, id)
	glassByOrg.Add(ctx.Store, s.Org, id)
	glassByReader.Add(ctx.Store, s.ID, hex16(now), id)
	glassToReview.Add(ctx.Store, s.Org, hex16(now), id)
	ctx.Emit(EventBreakGlass.New(id, m.Patient, s.ID, s.Org, m.Reason))
	return w, nil
}

func (k *Keeper) reviewBreakGlass(ctx *ledger.Context, m ReviewBreakGlass) (any, error) {
	s := ctx.Signer
	if s.Kind != ledger.Member || !s.HasRole(ledger.RolePrivacyOfficer) {
		return nil, fmt.Errorf("%w: a privacy officer of the window's organisation reviews it", ErrUnauthorized)
	}
	w, ok := glass.Get(ctx.Store, m.Window)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: break-glass window %q", ErrNotFound, m.Window)
	case w.Org != s.Org:
		return nil, fmt.Errorf("%w: window %s was opened by a clinician of %s; a privacy officer of %s reviews it", ErrUnauthorized, w.ID, w.Org, w.Org)
	case w.Reader == s.ID:
		return nil, fmt.Errorf("%w: %s opened window %s and may not review it", ErrUnauthorized, s.ID, w.ID)
	case w.Review != nil:
		return nil, fmt.Errorf("%w: window %s was %s by %s at height %d", ErrReviewed, w.ID, w.Review.Outcome, w.Review.By, w.Review.Height)
	case ctx.Time.Unix() < w.Expires:
		return nil, fmt.Errorf("%w: window %s closes at %s; review it then", ErrWindowOpen, w.ID, rfc3339(w.Expires))
	}
	rv := &BreakGlassReview{Outcome: m.Outcome, Reason: m.Reason, By: s.ID, Height: ctx.Height, Time: ctx.Time.Unix()}
	w.Review = rv
	glass.Set(ctx.Store, w.ID, w)
	glassToReview.Remove(ctx.Store, w.Org, hex16(w.Opened), w.ID)
	// The patient learns of it in their access log: who opened the window,
	// why, and what the review found.
	accessByPt.Set(ctx.Store, heightKey(w.Patient, ctx.Height, w.ID), Receipt{
		ID: w.ID, Kind: EntryBreakGlassReview, Reader: w.Reader, ReaderOrg: w.Org, Patient: w.Patient,
		Purpose: PurposeEmergency, Outcome: m.Outcome, BreakGlass: w.ID, Reason: w.Reason, Review: rv,
		CheckedAt: ctx.Height, Height: ctx.Height, Time: ctx.Time.Unix(),
	})
	ctx.Emit(EventBreakGlassReviewed.New(w.ID, w.Patient, w.Reader, w.Org, m.Outcome, m.Reason, s.ID))
	return w, nil
}

// UnreviewedBreakGlass lists an organisation's windows that no privacy
// officer has reviewed yet, oldest first, up to limit, after the window
// after (a cursor: the last ID of the previous page); next is the cursor of
// the next page, or "".
func (k *Keeper) UnreviewedBreakGlass(r state.Reader, org, after string, limit int) (out []BreakGlass, next string) {
	from := ""
	if after != "" {
		w, ok := glass.Get(r, after)
		if !ok {
			return nil, ""
		}
		from = hex16(w.Opened) + string(state.IndexSep) + w.ID + "\x00"
	}
	glassToReview.WalkFrom(r, from, func(rest string) bool {
		if len(out) == limit {
			next = out[len(out)-1].ID
			return false
		}
		if w, ok := glass.Get(r, rest[strings.IndexByte(rest, state.IndexSep)+1:]); ok {
			out = append(out, w)
		}
		return true
	}, org)
	return out, next
}

// ProposalActions implements ledger.Governed: the break-glass limits
// change only by a governance proposal.
func (k *Keeper) ProposalActions() []ledger.ProposalAction {
	return []ledger.ProposalAction{{
		Type: ActionSetBreakGlassLimits,
		Validate: func(_ *ledger.Context, payload json.RawMessage) error {
			_, err := ledger.Decode[BreakGlassLimits](payload)
			return err
		},
		Execute: func(ctx *ledger.Context, payload json.RawMessage) error {
			l, err := ledger.Decode[BreakGlassLimits](payload)
			if err != nil {
				return err
			}
			glassLimits.Set(ctx.Store, "", l)
			ctx.Emit(EventBreakGlassLimitsSet.New(strconv.Itoa(l.MaxOpen), strconv.Itoa(l.MaxPerDay), strconv.Itoa(l.MaxMinutes)))
			return nil
		},
	}}
}
