package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
)

// PoolsAPI reads mutual-aid pools, their periods, claims and statements.
type PoolsAPI interface {
	AidPools(ctx context.Context, after string, limit int) (*client.Page[client.AidPool], error)
	AidPool(ctx context.Context, id string) (*client.AidPoolView, error)
	PoolPeriods(ctx context.Context, id string, limit int) (*client.PoolPeriods, error)
	AidClaims(ctx context.Context, pool string) (*client.Page[client.AidClaim], error)
	AidClaim(ctx context.Context, pool, id string) (*client.AidClaim, error)
	PoolStatement(ctx context.Context, pool, patient string) (*client.PoolStatement, error)
	MemberPools(ctx context.Context, patient string) (*client.Page[client.MemberPool], error)
}

func newPoolsCmd(g *Global) *cobra.Command {
	codes := make([]string, len(client.PoolCategories))
	for i, c := range client.PoolCategories {
		codes[i] = c.Code
	}
	cmd := &cobra.Command{
		Use:   "pools",
		Short: "Mutual-aid pools: members share each period's approved aid claims",
		Long: `Mutual-aid pools on the ledger, designed not to collapse as Xiang Hu Bao did. An
insurer or charity creates a pool on fixed terms: the conditions it covers (ICD-10-CM
categories: ` + strings.Join(codes, ", ") + `), a waiting period for new members, a
cap on what a member pays per period, a cap per claim, a reserve (initial amount, levy,
target) and the review rules (quorum, deadline). Clinicians volunteer for its board.
Patients join under their own key and wait; a member's aid claim cites their own
anchored records as evidence and commits to the condition with a salted hash (the
category never reaches the chain: the claimant gives the opening to the reviewers with
the evidence). The board votes; when a period ends it is settled: the approved payouts
are shared equally by the members past their waiting period, rounded up to whole minor
units, capped per member, the reserve making up a shortfall and payouts scaled down
pro rata when even that is not enough. Every period is published with its trend, so a
rising share shows early. Each member's statement says what they paid and why.

Amounts are integers in minor units of the pool's currency (1000 USD is $10.00).
Durations take a number with s, m, h or d (90d, 12h, 30s). See docs/pools.md.`,
	}
	cmd.AddCommand(newPoolsCreateCmd(g), newPoolsListCmd(g), newPoolsShowCmd(g), newPoolsVolunteerCmd(g),
		newPoolsJoinCmd(g), newPoolsLeaveCmd(g), newPoolsClaimCmd(g), newPoolsClaimsCmd(g), newPoolsVoteCmd(g),
		newPoolsSettleCmd(g), newPoolsPeriodsCmd(g), newPoolsStatementCmd(g), newPoolsMembershipsCmd(g))
	return cmd
}

var secondsPattern = regexp.MustCompile(`^([0-9]+)([smhd])$`)

// seconds reads a duration flag (90d, 12h, 30m, 45s) as whole seconds.
func seconds(flag, v string) (int64, error) {
	m := secondsPattern.FindStringSubmatch(v)
	if m == nil {
		return 0, usageErrorf("--%s %q: a whole number with s, m, h or d, such as 90d, 12h or 30s", flag, v)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return 0, usageErrorf("--%s %q: a positive duration", flag, v)
	}
	return n * map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400}[m[2]], nil
}

// span writes a number of seconds as the largest whole unit.
func span(s int64) string {
	for _, u := range []struct {
		n    int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}} {
		if s%u.n == 0 {
			return fmt.Sprintf("%d%s", s/u.n, u.name)
		}
	}
	return fmt.Sprintf("%ds", s)
}

func newPoolsCreateCmd(g *Global) *cobra.Command {
	var quiet bool
	var doc, waiting, period, review string
	return newSendCmd(g, sendVerb[client.CreatePool]{
		Use:   "create --conditions C50,I21 --currency CUR --waiting 90d --period 30d --member-cap MINOR --claim-cap MINOR [--reserve MINOR --levy MINOR --reserve-target MINOR] --quorum N --review 14d [--doc FILE] --as MEMBER",
		Short: "Create a pool run by your insurer or charity",
		Long: `Create a mutual-aid pool, signed by an admin or claims officer of an insurer or a
charity. Its terms never change: --conditions (ICD-10-CM categories of the list in
'medchain pools --help'), --currency, --waiting (from joining until a member may claim
and shares), --period (the least time between settlements), --member-cap (the most a
member pays in a period, share and levy together), --claim-cap (the most one claim may
ask), --reserve (what the operator puts in the reserve now), --levy (charged per member
per period while the reserve is below --reserve-target), --quorum (concurring votes
that decide a claim) and --review (from filing to the review deadline; undecided then,
a claim expires). --doc FILE puts the SHA-256 of the terms document on the ledger; the
text stays with you. -q prints only the pool ID.`,
		Example: `  medchain pools create --conditions C50,I21,I63 --currency USD --waiting 90d --period 30d \
    --member-cap 1000 --claim-cap 5000000 --reserve 100000 --levy 50 --reserve-target 1000000 \
    --quorum 2 --review 14d --as claims-officer`,
		Flags: func(f *pflag.FlagSet, m *client.CreatePool) {
			f.StringSliceVar(&m.Conditions, "conditions", nil, "ICD-10-CM categories covered; repeat or comma-separate")
			f.StringVar(&m.Currency, "currency", "", "ISO 4217 code")
			f.StringVar(&waiting, "waiting", "", "waiting period of new members (90d, 12h, 30s)")
			f.StringVar(&period, "period", "", "least time between settlements")
			f.Int64Var(&m.MemberCap, "member-cap", 0, "most a member pays per period, minor units")
			f.Int64Var(&m.ClaimCap, "claim-cap", 0, "most one claim may ask, minor units")
			f.Int64Var(&m.ReserveInitial, "reserve", 0, "initial reserve, minor units")
			f.Int64Var(&m.ReserveLevy, "levy", 0, "levy per member per period while the reserve is below its target")
			f.Int64Var(&m.ReserveTarget, "reserve-target", 0, "the reserve the levy builds up to")
			f.IntVar(&m.Quorum, "quorum", 0, "concurring votes that decide a claim (1 to 25)")
			f.StringVar(&review, "review", "", "time from filing to the review deadline")
			f.StringVar(&doc, "doc", "", "the terms document (only its SHA-256 goes on chain)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the pool ID")
		},
		Required: []string{"conditions", "currency", "waiting", "period", "member-cap", "claim-cap", "quorum", "review"},
		Parse: func(_ *Global, _ []string, m *client.CreatePool) (err error) {
			for i, c := range m.Conditions {
				m.Conditions[i] = strings.ToUpper(strings.TrimSpace(c))
			}
			if m.WaitingSeconds, err = seconds("waiting", waiting); err != nil {
				return err
			}
			if m.PeriodSeconds, err = seconds("period", period); err != nil {
				return err
			}
			if m.ReviewSeconds, err = seconds("review", review); err != nil {
				return err
			}
			if doc != "" {
				m.Doc, err = hashFile(doc)
			}
			return err
		},
		Print: func(w io.Writer, _ *client.CreatePool, res *client.TxResult) {
			printResult(w, res, quiet, func(p *client.AidPool) string {
				return fmt.Sprintf("pool %s of %s: covers %s; waiting %s, periods of %s, at most %d %s a member a period",
					p.ID, p.Operator, strings.Join(p.Conditions, ", "), span(p.WaitingSeconds), span(p.PeriodSeconds), p.MemberCap, p.Currency)
			}, func(p *client.AidPool) []string { return one(p.ID) })
		},
	})
}

func newPoolsListCmd(g *Global) *cobra.Command {
	return newListCmd(g, listVerb[client.AidPool]{
		Use:       "list",
		Short:     "List pools",
		Long:      "List mutual-aid pools with their members, reserve and board (amounts in minor units).",
		Example:   "  medchain pools list",
		AfterHelp: "list pools after this ID",
		Fetch: func(ctx context.Context, api API, _ []string, after string, limit int) (*client.Page[client.AidPool], error) {
			return api.AidPools(ctx, after, limit)
		},
		Header: "ID\tOPERATOR\tCONDITIONS\tCURRENCY\tMEMBERS\tSHARING\tMEMBER CAP\tRESERVE\tBOARD\tSETTLED",
		Row: func(p client.AidPool) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d", p.ID, p.Operator, strings.Join(p.Conditions, ","), p.Currency,
				p.Members, p.Sharing, p.MemberCap, p.Reserve, len(p.Board), p.Settled)
		},
	})
}

func newPoolsShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.AidPoolView]{
		Use:   "show POOL",
		Short: "A pool's terms, board, reserve and the trend of its share",
		Long: `Show a pool: its terms, its board, its members and reserve, the period in progress
with the share it would charge each member if settled now, and the trend of the last
settled periods with its warnings (share-rising, near-cap, capped, reserve-drawn,
scaled, members-falling, reserve-below-target).`,
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.AidPool),
		Text: func(w io.Writer, v *client.AidPoolView) {
			fmt.Fprintf(w, "pool        %s of %s\ncovers      %s\ncurrency    %s\nwaiting     %s\nperiods     at least %s\nmember cap  %d a period (share and levy)\nclaim cap   %d\nreserve     %d (levy %d a member a period up to %d)\nreview      quorum %d within %s; board %s\nmembers     %d (%d sharing)\n",
				v.ID, v.Operator, strings.Join(v.Conditions, ", "), v.Currency, span(v.WaitingSeconds), span(v.PeriodSeconds), v.MemberCap, v.ClaimCap,
				v.Reserve, v.ReserveLevy, v.ReserveTarget, v.Quorum, span(v.ReviewSeconds), orNone(strings.Join(v.Board, ", ")), v.Members, v.Sharing)
			fmt.Fprintf(w, "period %d    since %s, may be settled from %s: %d claims approved for %d, %d a member if settled now\n",
				v.Open.Number, unixTime(v.Open.Start), unixTime(v.Open.Ends), v.Open.Claims, v.Open.Approved, v.ProjectedShare)
			printTrend(w, v.Trend)
		},
	})
}

// printTrend writes a pool's trend in one or two lines.
func printTrend(w io.Writer, t client.PoolTrend) {
	if t.Periods == 0 {
		fmt.Fprintln(w, "trend       no period settled yet")
		return
	}
	shares := make([]string, len(t.Shares))
	for i, s := range t.Shares {
		shares[i] = strconv.FormatInt(s, 10)
	}
	change := ""
	if t.Periods > 1 {
		sign := "+"
		if t.ChangeBps < 0 {
			sign = "-"
		}
		change = fmt.Sprintf("; last change %s%d.%02d%%", sign, abs(t.ChangeBps)/100, abs(t.ChangeBps)%100)
	}
	fmt.Fprintf(w, "trend       shares %s over the last %d periods%s; %d.%02d%% of the cap\n",
		strings.Join(shares, " → "), t.Periods, change, t.CapUsedBps/100, t.CapUsedBps%100)
	if len(t.Warnings) > 0 {
		fmt.Fprintf(w, "warnings    %s\n", strings.Join(t.Warnings, ", "))
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func newPoolsVolunteerCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.Volunteer]{
		Use:   "volunteer POOL [--stand-down] --as CLINICIAN",
		Short: "Serve on a pool's review board, or stand down",
		Long: `Volunteer for a pool's review board, signed by a physician or nurse. Each claim's panel
is the board when it was filed; a reviewer reads the claim's evidence under the
claimant's consent (medchain records read, once the claimant granted it) and votes.
--stand-down leaves the board (the panels you are on keep you).`,
		Example: "  medchain pools volunteer pl-… --as dr-grey",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.Volunteer) {
			f.BoolVar(&m.StandDown, "stand-down", false, "leave the board")
		},
		Parse: func(_ *Global, args []string, m *client.Volunteer) error { m.Pool = args[0]; return nil },
		Print: func(w io.Writer, m *client.Volunteer, res *client.TxResult) {
			if m.StandDown {
				txLine(w, res, "stood down from the board of "+m.Pool)
				return
			}
			txLine(w, res, "on the board of "+m.Pool)
		},
	})
}

func newPoolsJoinCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.JoinPool]{
		Use:   "join POOL --as PATIENT",
		Short: "Join a pool; your waiting period starts",
		Long: `Join a pool under your patient key. You may claim, and you share in the payouts,
from the end of the pool's waiting period. Nobody but you sees that you are a member.`,
		Example: "  medchain pools join pl-… --as alice",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.JoinPool) error { m.Pool = args[0]; return nil },
		Print: func(w io.Writer, m *client.JoinPool, res *client.TxResult) {
			printResult(w, res, false, func(ms *client.PoolMembership) string {
				return fmt.Sprintf("joined %s; waiting period until %s", m.Pool, unixTime(ms.WaitEnds))
			}, nil)
		},
	})
}

func newPoolsLeaveCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.LeavePool]{
		Use:   "leave POOL --as PATIENT",
		Short: "Leave a pool",
		Long: `Leave a pool: at once within your waiting period; otherwise when the period in
progress is settled, as you are covered in it and share in its payouts.`,
		Example: "  medchain pools leave pl-… --as bob",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.LeavePool) error { m.Pool = args[0]; return nil },
		Print: func(w io.Writer, m *client.LeavePool, res *client.TxResult) {
			printResult(w, res, false, func(ms *client.PoolMembership) string {
				if ms.Left != 0 {
					return "left " + m.Pool
				}
				return "leaving " + m.Pool + " when its period in progress is settled"
			}, nil)
		},
	})
}

// newSalt draws a commitment's salt.
func newSalt() (string, error) {
	b := make([]byte, client.PoolSaltSize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

var saltPattern = regexp.MustCompile(`^[0-9a-f]+$`)

func newPoolsClaimCmd(g *Global) *cobra.Command {
	var quiet bool
	var category, salt string
	return newSendCmd(g, sendVerb[client.FileAidClaim]{
		Use:   "claim POOL --condition CATEGORY --evidence REC... --amount MINOR --currency CUR [--salt HEX] --as PATIENT",
		Short: "File an aid claim",
		Long: `File an aid claim in a pool you are a member of, past your waiting period: --condition
is the covered ICD-10-CM category, --evidence your own anchored records (rec-…), --amount
the aid asked (minor units, at most the pool's claim cap). The category never reaches the
chain: the command draws a random salt (or takes --salt, 64 hex digits) and sends only
SHA-256 of the pool, the category and the salt. It prints the opening (category and salt)
on stderr: give it to the reviewers with a grant to read the evidence (medchain consent
grant --member ORG/HANDLE --purpose payment --records REC --expires 30d). -q prints only the claim ID.`,
		Example: "  medchain pools claim pl-… --condition C50 --evidence rec-… --amount 250000 --currency USD --as alice",
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.FileAidClaim) {
			f.StringVar(&category, "condition", "", "the covered ICD-10-CM category (stays off chain)")
			f.StringSliceVar(&m.Evidence, "evidence", nil, "your record (rec-…); repeat or comma-separate")
			f.Int64Var(&m.Amount, "amount", 0, "aid asked, minor units")
			f.StringVar(&m.Currency, "currency", "", "the pool's ISO 4217 code")
			f.StringVar(&salt, "salt", "", "the commitment's salt, 64 hex digits (default: random)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the claim ID")
		},
		Required: []string{"condition", "evidence", "amount", "currency"},
		Parse: func(g *Global, args []string, m *client.FileAidClaim) (err error) {
			m.Pool = args[0]
			category = strings.ToUpper(category)
			if !slices.ContainsFunc(client.PoolCategories, func(c client.PoolCategory) bool { return c.Code == category }) {
				return usageErrorf("--condition %q is not a category a pool may cover (see medchain pools --help)", category)
			}
			if salt == "" {
				if salt, err = newSalt(); err != nil {
					return err
				}
			} else if len(salt) != 2*client.PoolSaltSize || !saltPattern.MatchString(salt) {
				return usageErrorf("--salt: %d lower-case hex digits", 2*client.PoolSaltSize)
			}
			m.Condition = client.ConditionCommitment(m.Pool, category, salt)
			fmt.Fprintf(g.Err, "opening %s:%s (give it to the reviewers with the evidence; it never goes on chain)\n", category, salt)
			return nil
		},
		Print: func(w io.Writer, m *client.FileAidClaim, res *client.TxResult) {
			printResult(w, res, quiet, func(c *client.Created) string {
				return fmt.Sprintf("claim %s: %d %s from %s, with %d records as evidence", c.ID, m.Amount, m.Currency, m.Pool, len(m.Evidence))
			}, func(c *client.Created) []string { return one(c.ID) })
		},
	})
}

func newPoolsClaimsCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Page[client.AidClaim]]{
		Use:   "claims POOL --as NAME",
		Short: "A pool's aid claims you may see",
		Long: `List a pool's aid claims: all of them for its board and its operator's admins and
claims officers, your own for a member. Signed with --as.`,
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Fetch:  byID(API.AidClaims),
		Text: func(w io.Writer, p *client.Page[client.AidClaim]) {
			table(w, "CLAIM\tCLAIMANT\tAMOUNT\tSTATUS\tVOTES\tDEADLINE\tPAID", func(tw io.Writer) {
				for _, c := range p.Items {
					yes, no := tally(c)
					fmt.Fprintf(tw, "%s\t%s\t%d %s\t%s\t%d for, %d against\t%s\t%d\n", c.ID, c.Claimant, c.Amount, c.Currency, c.Status, yes, no, unixTime(c.Deadline), c.Paid)
				}
			})
		},
	})
}

func tally(c client.AidClaim) (yes, no int) {
	for _, v := range c.Votes {
		if v.Approve {
			yes++
		} else {
			no++
		}
	}
	return yes, no
}

func newPoolsVoteCmd(g *Global) *cobra.Command {
	var approve bool
	var pool, opening, reject string
	return newSendCmd(g, sendVerb[client.VoteAidClaim]{
		Use:   "vote CLAIM (--approve --pool POOL --opening CATEGORY:SALT | --reject REASON) --as CLINICIAN",
		Short: "Vote on an aid claim of your panel",
		Long: `Vote on a claim whose panel you are on, before its deadline. Approve only after reading
the evidence under the claimant's consent and with the opening the claimant gave you:
--approve checks, before signing, that --opening opens the claim's commitment and names a
category the pool covers (it reads the claim and the pool from --pool). Reject with one of
the reasons: ` + strings.Join(client.AidRejectReasons, ", ") + `.
The quorum's concurring votes decide the claim.`,
		Example: `  medchain pools vote ac-… --approve --pool pl-… --opening C50:5a1f… --as dr-grey
  medchain pools vote ac-… --reject evidence-insufficient --as nurse-joy`,
		Args: cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.VoteAidClaim) {
			f.BoolVar(&approve, "approve", false, "approve the claim")
			f.StringVar(&pool, "pool", "", "the claim's pool (pl-…), to check the opening")
			f.StringVar(&opening, "opening", "", "CATEGORY:SALT, as the claimant gave it")
			f.StringVar(&reject, "reject", "", "reject, for one of the reasons")
		},
		Parse: func(g *Global, args []string, m *client.VoteAidClaim) error {
			m.Claim = args[0]
			switch {
			case approve == (reject != ""):
				return usageErrorf("give --approve or --reject REASON")
			case reject != "":
				if !slices.Contains(client.AidRejectReasons, reject) {
					return usageErrorf("--reject %q: one of %s", reject, strings.Join(client.AidRejectReasons, ", "))
				}
				m.Reason = reject
				return nil
			case pool == "" || opening == "":
				return usageErrorf("--approve needs --pool and --opening CATEGORY:SALT, to check the claim's commitment before you sign")
			}
			m.Approve = true
			return checkOpening(g, pool, m.Claim, opening)
		},
		Print: func(w io.Writer, m *client.VoteAidClaim, res *client.TxResult) {
			printResult(w, res, false, func(c *client.AidClaim) string {
				yes, no := tally(*c)
				return fmt.Sprintf("voted on %s: %d for, %d against; %s", c.ID, yes, no, strings.ReplaceAll(c.Status, "_", " "))
			}, nil)
		},
	})
}

// checkOpening reads the claim (signed as the reviewer) and its pool and
// checks that opening opens the claim's commitment to a covered category.
func checkOpening(g *Global, pool, claim, opening string) error {
	category, salt, ok := strings.Cut(opening, ":")
	if !ok {
		return usageErrorf("--opening %q: CATEGORY:SALT, as the claimant gave it", opening)
	}
	api, err := g.reader(readKeyed)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := api.AidClaim(ctx, pool, claim)
	if err != nil {
		return err
	}
	p, err := api.AidPool(ctx, pool)
	if err != nil {
		return err
	}
	if client.ConditionCommitment(pool, category, salt) != c.Condition {
		return usageErrorf("the opening %s does not open claim %s's commitment: ask the claimant again, or --reject opening-mismatch", opening, claim)
	}
	if !slices.Contains(p.Conditions, category) {
		return usageErrorf("%s is not a condition pool %s covers (%s): --reject condition-not-covered", category, pool, strings.Join(p.Conditions, ", "))
	}
	return nil
}

func newPoolsSettleCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.SettlePeriod]{
		Use:   "settle POOL --as NAME",
		Short: "Settle a pool's period in progress, once it is over",
		Long: `Settle the period in progress, signed by a member of the pool or an admin or claims
officer of its operator, once the pool's period length has passed since it began: the
members past their waiting period share the approved claims, each paying the same
whole number of minor units (rounded up; the excess goes to the reserve), at most the
cap per member; the reserve makes up a shortfall; if even that is short, every claim
is paid the same fraction. Notices to leave take effect. The period is published.`,
		Example: "  medchain pools settle pl-… --as alice",
		Args:    cobra.ExactArgs(1),
		Parse:   func(_ *Global, args []string, m *client.SettlePeriod) error { m.Pool = args[0]; return nil },
		Print: func(w io.Writer, _ *client.SettlePeriod, res *client.TxResult) {
			printResult(w, res, false, func(p *client.PoolPeriod) string {
				s := fmt.Sprintf("period %d of %s settled: %d members shared %d claims, paid %d of %d %s; %d each; reserve %d",
					p.Number, p.Pool, p.Members, len(p.Claims), p.Paid, p.Requested, p.Currency, p.Charge, p.Reserve)
				if p.Capped {
					s += " (capped"
					if p.Scaled {
						s += ", payouts scaled down"
					}
					s += ")"
				}
				return s
			}, nil)
		},
	})
}

func newPoolsPeriodsCmd(g *Global) *cobra.Command {
	var limit int
	return newShowCmd(g, showVerb[client.PoolPeriods]{
		Use:   "periods POOL [--limit N]",
		Short: "A pool's settled periods and the trend of its share",
		Long: `List a pool's last settled periods, oldest first: members who shared, claims paid,
what was asked and paid, the share of the payouts and the charge per member, the
levy, the reserve after; then the trend and its warnings. Anyone may read them.`,
		Args: cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet) {
			f.IntVar(&limit, "limit", 12, "periods to show, the last ones")
		},
		Fetch: func(ctx context.Context, api API, args []string) (*client.PoolPeriods, error) {
			return api.PoolPeriods(ctx, args[0], limit)
		},
		Text: func(w io.Writer, ps *client.PoolPeriods) {
			table(w, "PERIOD\tSETTLED\tMEMBERS\tCLAIMS\tREQUESTED\tPAID\tSHARE\tLEVY\tCHARGE\tRESERVE\tFLAGS", func(tw io.Writer) {
				for _, p := range ps.Items {
					var flags []string
					for _, f := range []struct {
						on   bool
						name string
					}{{p.Capped, "capped"}, {p.Drawn > 0, "reserve-drawn"}, {p.Scaled, "scaled"}} {
						if f.on {
							flags = append(flags, f.name)
						}
					}
					fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", p.Number, unixTime(p.End), p.Members, len(p.Claims),
						p.Requested, p.Paid, p.Share, p.Levy, p.Charge, p.Reserve, dash(strings.Join(flags, ",")))
				}
			})
			printTrend(w, ps.Trend)
		},
	})
}

func newPoolsStatementCmd(g *Global) *cobra.Command {
	var patient string
	return newShowCmd(g, showVerb[client.PoolStatement]{
		Use:   "statement POOL [--patient P] --as PATIENT",
		Short: "What you paid in a pool, period by period, and why",
		Long: `Show your statement in a pool: every settled period you shared in, what you were
charged, the claims it paid and how many members shared them. Yours alone: signed with
--as (--patient defaults to the signer).`,
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&patient, "patient", "", "the member (patient ID or keystore name; default: the signer)")
		},
		Fetch: func(ctx context.Context, api API, args []string) (*client.PoolStatement, error) {
			pt, err := resolvePatient(g, patient)
			if err != nil {
				return nil, err
			}
			return api.PoolStatement(ctx, args[0], pt)
		},
		Text: func(w io.Writer, st *client.PoolStatement) {
			ms := st.Membership
			state := "member"
			switch {
			case ms.Left != 0:
				state = "left " + unixTime(ms.Left)
			case ms.Leaving:
				state = "leaving at the next settlement"
			}
			fmt.Fprintf(w, "member     %s of %s (%s; joined %s, waiting period until %s)\n", st.Patient, st.Pool, state, unixTime(ms.Joined), unixTime(ms.WaitEnds))
			table(w, "PERIOD\tSETTLED\tCHARGE\tSHARE\tLEVY\tMEMBERS\tCLAIMS PAID", func(tw io.Writer) {
				for _, l := range st.Lines {
					var cs []string
					for _, c := range l.Claims {
						cs = append(cs, fmt.Sprintf("%s %d/%d", c.Claim, c.Paid, c.Amount))
					}
					fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%s\n", l.Period, unixTime(l.End), l.Charge, l.Share, l.Levy, l.Members, dash(strings.Join(cs, ", ")))
				}
			})
			fmt.Fprintf(w, "total      %d %s\n", st.Total, st.Currency)
		},
	})
}

func newPoolsMembershipsCmd(g *Global) *cobra.Command {
	var patient string
	return newShowCmd(g, showVerb[client.Page[client.MemberPool]]{
		Use:   "memberships [--patient P] --as PATIENT",
		Short: "The pools you are or were a member of",
		Long: `List the pools you are or were a member of, with when you joined, when your waiting
period ends, and whether you are leaving or left. Yours alone: signed with --as
(--patient defaults to the signer).`,
		Access: readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&patient, "patient", "", "the member (patient ID or keystore name; default: the signer)")
		},
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.MemberPool], error) {
			pt, err := resolvePatient(g, patient)
			if err != nil {
				return nil, err
			}
			return api.MemberPools(ctx, pt)
		},
		Text: func(w io.Writer, p *client.Page[client.MemberPool]) {
			table(w, "POOL\tJOINED\tWAITING UNTIL\tSTATUS\tEARLIER TERMS", func(tw io.Writer) {
				for _, m := range p.Items {
					status := "member"
					switch {
					case m.Left != 0:
						status = "left " + unixTime(m.Left)
					case m.Leaving:
						status = "leaving at the next settlement"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", m.ID, unixTime(m.Joined), unixTime(m.WaitEnds), status, len(m.Past))
				}
			})
		},
	})
}
