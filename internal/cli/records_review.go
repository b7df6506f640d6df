package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// Break-glass review: a privacy officer lists the windows of their
// organisation's clinicians still to review and reviews each once it has
// closed; governance sets the limits on windows.

var flagReasonList = strings.Join(client.BreakGlassFlagReasons, ", ")

func newRecordsReviewCmd(g *Global) *cobra.Command {
	var acknowledge bool
	return newSendCmd(g, sendVerb[client.ReviewBreakGlass]{
		Use:   "review-break-glass WINDOW --acknowledge | --flag REASON --as PRIVACY-OFFICER",
		Short: "Review a closed break-glass window: acknowledge it, or flag it with a reason code",
		Long: `Review a break-glass window opened by a clinician of your organisation, once it
has closed: --acknowledge it, or --flag it with a reason code (` + flagReasonList + `).
Signed by a privacy officer of that organisation, never by the clinician who opened the
window; each window is reviewed once. The review is written on the window and in the
patient's access log (who opened it and why, the outcome, who reviewed it and when).

records unreviewed --org ORG lists the windows still to review.`,
		Example: `  medchain records review-break-glass bg-… --as privacy --acknowledge
  medchain records review-break-glass bg-… --as privacy --flag no-emergency`,
		Args: cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.ReviewBreakGlass) {
			f.BoolVar(&acknowledge, "acknowledge", false, "the window was justified")
			f.StringVar(&m.Reason, "flag", "", "flag the window with a reason code: "+flagReasonList)
		},
		Parse: func(_ *Global, args []string, m *client.ReviewBreakGlass) error {
			switch {
			case acknowledge == (m.Reason != ""):
				return usageErrorf("say --acknowledge or --flag REASON")
			case acknowledge:
				m.Outcome = client.ReviewAcknowledged
			default:
				m.Outcome = client.ReviewFlagged
			}
			m.Window = args[0]
			return nil
		},
		Print: func(w io.Writer, m *client.ReviewBreakGlass, res *client.TxResult) {
			what := m.Window + " " + m.Outcome
			if m.Reason != "" {
				what += " (" + m.Reason + ")"
			}
			txLine(w, res, what)
		},
	})
}

func newRecordsUnreviewedCmd(g *Global) *cobra.Command {
	var org string
	cmd := newListCmd(g, listVerb[client.BreakGlassWindow]{
		Use:   "unreviewed --as NAME --org ORG",
		Short: "List the break-glass windows of an organisation still to review, oldest first",
		Long: `List the break-glass windows opened by an organisation's clinicians that none of
its privacy officers has reviewed yet, oldest first. Review each once it has closed with
records review-break-glass. The read is signed with the --as key, which must be a
privacy officer's or auditor's of the organisation.

Example:
  medchain records unreviewed --as privacy-officer --org riverside-clinic`,
		AfterHelp: "list windows after this window ID (paging)",
		Access:    readKeyed,
		Flags:     func(f *pflag.FlagSet) { f.StringVar(&org, "org", "", "the organisation") },
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.BreakGlassWindow], error) {
			return api.UnreviewedBreakGlass(ctx, org, after, limit)
		},
		Header: "ID\tREADER\tPATIENT\tREASON\tOPENED\tEXPIRES\tOPEN",
		Row: func(b client.BreakGlassWindow) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%v", b.ID, b.Reader, b.Patient, b.Reason, unixTime(b.Opened), unixTime(b.Expires), b.Open)
		},
	})
	if err := cmd.MarkFlagRequired("org"); err != nil {
		panic(err)
	}
	return cmd
}

// reviewColumn is what a window's review shows in a table.
func reviewColumn(r *client.BreakGlassReview) string {
	if r == nil {
		return "-"
	}
	s := r.Outcome + " by " + r.By
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	return s
}

func newSetBreakGlassLimitsCmd(g *Global) *cobra.Command {
	var l client.BreakGlassLimits
	return newSendCmd(g, proposeVerb(
		"set-break-glass-limits --as ADMIN --max-open N --max-per-day N --max-minutes N",
		"Propose the limits on break-glass windows per reader (open at once, per 24 hours, minutes)",
		func(f *pflag.FlagSet) {
			f.IntVar(&l.MaxOpen, "max-open", 0, "windows one reader may have open at once (1-20)")
			f.IntVar(&l.MaxPerDay, "max-per-day", 0, "windows one reader may open in any 24 hours (max-open to 100)")
			f.IntVar(&l.MaxMinutes, "max-minutes", 0, "longest window in minutes (1-240)")
		},
		[]string{"max-open", "max-per-day", "max-minutes"},
		func(*Global) (client.Action, error) { return l.Action(), nil }))
}

func newProposeActionCmd(g *Global) *cobra.Command {
	var typ, payload string
	return newSendCmd(g, proposeVerb(
		"propose --as ADMIN --action TYPE --payload JSON",
		"Propose any action by its type and JSON payload (a module's, such as "+client.ActionSetBreakGlassLimits+")",
		func(f *pflag.FlagSet) {
			f.StringVar(&typ, "action", "", "the action type (admit-org, "+client.ActionSetBreakGlassLimits+", …)")
			f.StringVar(&payload, "payload", "", "the action's payload, a JSON object")
		},
		[]string{"action", "payload"},
		func(*Global) (client.Action, error) {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal([]byte(payload), &obj); err != nil {
				return client.Action{}, usageErrorf("--payload must be a JSON object: %v", err)
			}
			return client.Action{Type: typ, Payload: json.RawMessage(payload)}, nil
		}))
}
