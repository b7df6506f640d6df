package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/jhu"
)

var (
	metricList = strings.Join(client.PublicHealthMetrics, ", ")
	reasonList = strings.Join(client.CorrectionReasons, ", ")
)

func newPublicHealthCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "publichealth",
		Short: "Report, correct and read aggregate public-health figures per region and day",
		Long: `Aggregate public-health figures on the ledger. Epidemiologists, registrars and lab
technicians of public-health agencies, hospitals and labs report counts per region and
day for a metric (` + metricList + `): the cumulative value at the end of the day.
A correction is a new version with a reason code; the ledger keeps every version,
who set it, when and why. Anyone can read a series (a country's includes its
provinces), as of any past height, with a proof of each figure.

Regions are ISO 3166-1 codes (FR or FRA) and provinces below them (CA/ontario):
medchain publichealth regions lists them. Counts below the governed threshold of
areas below country level are suppressed in every answer.

On chain: region codes, metrics, dates, counts, reason codes, who reported. Never a
person, never free text. See docs/publichealth.md.`,
	}
	cmd.AddCommand(newPHReportCmd(g), newPHCorrectCmd(g), newPHSeriesCmd(g), newPHExportCmd(g),
		newPHTotalsCmd(g), newPHRegionsCmd(g), newPHImportJHUCmd(g))
	return cmd
}

func rowFlags(f *pflag.FlagSet, r *client.FigureRow) {
	f.StringVar(&r.Region, "region", "", "region code (FR, FRA, CA/ontario)")
	f.StringVar(&r.Metric, "metric", "", "metric: "+metricList)
	f.StringVar(&r.Date, "date", "", "day, YYYY-MM-DD")
	f.Int64Var(&r.Value, "value", 0, "cumulative count at the end of the day")
}

func newPHReportCmd(g *Global) *cobra.Command {
	var mrFile string
	return newSendCmd(g, sendVerb[client.ReportFigures]{
		Use:   "report --region R --metric M --date D --value N --as REPORTER | --measure-report FILE --as REPORTER",
		Short: "Report a region's cumulative count of a metric for a day",
		Long: `Report one figure: a region's cumulative count of a metric at the end of a day, or
the figure of a FHIR R4 MeasureReport (--measure-report FILE, - for stdin; the node
validates and maps it). Signed by an epidemiologist, registrar or lab technician of a
public-health agency, hospital or lab. A figure is reported once: change it with
medchain publichealth correct. For a whole time series use import-jhu.

Example:
  medchain publichealth report --region FR --metric confirmed --date 2020-06-14 --value 157220 --as phe-epi`,
		Flags: func(f *pflag.FlagSet, m *client.ReportFigures) {
			m.Rows = []client.FigureRow{{}}
			rowFlags(f, &m.Rows[0])
			f.StringVar(&mrFile, "measure-report", "", "a FHIR R4 MeasureReport file instead of the flags")
		},
		Parse: func(g *Global, _ []string, m *client.ReportFigures) error {
			if mrFile == "" {
				r := m.Rows[0]
				if r.Region == "" || r.Metric == "" || r.Date == "" {
					return usageErrorf("give --region, --metric, --date and --value, or --measure-report FILE")
				}
				return nil
			}
			doc, err := readInput(g, mrFile)
			if err != nil {
				return err
			}
			mapped, err := g.client().ReportFromMeasureReport(context.Background(), doc)
			if err != nil {
				return err
			}
			*m = *mapped
			return nil
		},
		Print: func(w io.Writer, m *client.ReportFigures, res *client.TxResult) {
			r := m.Rows[0]
			txLine(w, res, fmt.Sprintf("reported %s %s %s = %d", r.Region, r.Metric, r.Date, r.Value))
		},
	})
}

func newPHCorrectCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.CorrectFigures]{
		Use:   "correct --region R --metric M --date D --value N --reason CODE --as REPORTER",
		Short: "Correct a reported figure: a new version with a reason code",
		Long: `Correct a figure your organisation reported: the figure gets a new version with the
value and a reason code (` + reasonList + `); the earlier versions stay on the
ledger with who set them, when and why. Free text is refused.

Example:
  medchain publichealth correct --region FR --metric confirmed --date 2020-04-04 --value 68605 --reason definition-change --as phe-epi`,
		Flags: func(f *pflag.FlagSet, m *client.CorrectFigures) {
			m.Corrections = []client.FigureCorrection{{}}
			rowFlags(f, &m.Corrections[0].FigureRow)
			f.StringVar(&m.Corrections[0].Reason, "reason", "", "why, a code: "+reasonList)
		},
		Required: []string{"region", "metric", "date", "value", "reason"},
		Print: func(w io.Writer, m *client.CorrectFigures, res *client.TxResult) {
			c := m.Corrections[0]
			txLine(w, res, fmt.Sprintf("corrected %s %s %s to %d (%s)", c.Region, c.Metric, c.Date, c.Value, c.Reason))
		},
	})
}

type phSeriesOptions struct {
	g     *Global
	q     client.SeriesQuery
	prove bool
	trust trustOptions
	out   string
}

func (o *phSeriesOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.q.Region, "region", "", "region code (FR, FRA, CA/ontario)")
	f.StringVar(&o.q.Metric, "metric", "", "metric: "+metricList)
	f.StringVar(&o.q.From, "from", "", "first day, YYYY-MM-DD")
	f.StringVar(&o.q.To, "to", "", "last day, YYYY-MM-DD")
	f.Int64Var(&o.q.At, "at", 0, "read the state after this block (a past height)")
	for _, n := range []string{"region", "metric"} {
		if err := cmd.MarkFlagRequired(n); err != nil {
			panic(err)
		}
	}
}

func (o *phSeriesOptions) series(ctx context.Context) (*client.Series, error) {
	var opts []client.ReadOption
	if o.prove {
		opts = append(opts, client.WithProof())
	}
	return o.g.client().Series(ctx, o.q, opts...)
}

func num(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}

// marks says what is special about a point: corrected, flagged, suppressed.
func marks(p client.SeriesPoint) string {
	var m []string
	if p.Corrected {
		m = append(m, "corrected")
	}
	if p.Flag != "" {
		m = append(m, p.Flag)
	}
	if p.Suppressed {
		m = append(m, "suppressed")
	}
	return strings.Join(m, ",")
}

func newPHSeriesCmd(g *Global) *cobra.Command {
	o := &phSeriesOptions{g: g}
	cmd := verbCmd("series --region R --metric M [--from D] [--to D] [--at HEIGHT] [--prove]",
		"A region's metric day by day: cumulative value, daily change, markers",
		`Print a region's series: per ISO date the cumulative value, the change over the
day before, and markers (corrected, negative-change, suppressed); for a day that is
one reported figure, who reported it and the height of its block. A country's figure
includes its provinces. --at reads the state after a past block; --prove asks for a
Merkle proof of each directly reported figure (kept with --output json) and verifies each
against the header after its state: one you trust (--trust-height, --trust-hash), else the
node's own. Public: no key needed.

Example:
  medchain publichealth series --region FR --metric confirmed --from 2020-06-01`,
		"", nil, func(ctx context.Context, _ []string) error {
			var p *prover
			if o.prove {
				var err error
				if p, err = newProver(g, &o.trust); err != nil {
					return err
				}
			}
			s, err := o.series(ctx)
			if err != nil {
				return err
			}
			var proven string
			if p != nil {
				var proofs []*client.Proof
				for _, pt := range s.Points {
					if pt.Proof != nil {
						proofs = append(proofs, pt.Proof)
					}
				}
				if len(proofs) > 0 {
					if proven, err = p.verify(ctx, fmt.Sprintf("%d figures of %s %s", len(proofs), s.Region, s.Metric), proofs...); err != nil {
						return err
					}
				}
			}
			return g.Print(s, func(w io.Writer) {
				fmt.Fprintf(w, "%s (%s) %s, as of block %d\n", s.Name, s.Region, s.Metric, s.Height)
				table(w, "DATE\tCUMULATIVE\tCHANGE\tMARKS\tREPORTER\tHEIGHT", func(tw io.Writer) {
					for _, p := range s.Points {
						h := "-"
						if p.Height > 0 {
							h = strconv.FormatInt(p.Height, 10)
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Date, num(p.Cumulative), num(p.Change), dash(marks(p)), dash(p.Org), h)
					}
				})
				printProven(w, proven)
			})
		})
	o.flags(cmd)
	proveFlags(cmd.Flags(), &o.prove, "prove each directly reported figure", &o.trust)
	return cmd
}

func newPHExportCmd(g *Global) *cobra.Command {
	o := &phSeriesOptions{g: g}
	cmd := verbCmd("export --region R --metric M [--from D] [--to D] [--at HEIGHT] [--file FILE]",
		"Write a region's series as CSV",
		`Write a region's series as CSV: date, region, metric, cumulative, change, corrected,
flag, suppressed, reporter, tx, height (suppressed counts are empty). To stdout, or
to FILE with --file.

Example:
  medchain publichealth export --region DE --metric deaths --file de-deaths.csv`,
		"", nil, func(ctx context.Context, _ []string) error {
			s, err := o.series(ctx)
			if err != nil {
				return err
			}
			w := g.Out
			if o.out != "" && o.out != "-" {
				f, err := os.Create(o.out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if err := writeSeriesCSV(w, s); err != nil {
				return err
			}
			if o.out != "" && o.out != "-" {
				fmt.Fprintf(g.Err, "wrote %d days of %s %s (block %d) to %s\n", len(s.Points), s.Region, s.Metric, s.Height, o.out)
			}
			return nil
		})
	o.flags(cmd)
	cmd.Flags().StringVar(&o.out, "file", "", "write to this file")
	return cmd
}

func writeSeriesCSV(w io.Writer, s *client.Series) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "region", "metric", "cumulative", "change", "corrected", "flag", "suppressed", "reporter", "tx", "height"})
	for _, p := range s.Points {
		empty := func(v *int64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatInt(*v, 10)
		}
		h := ""
		if p.Height > 0 {
			h = strconv.FormatInt(p.Height, 10)
		}
		cw.Write([]string{p.Date, s.Region, s.Metric, empty(p.Cumulative), empty(p.Change), strconv.FormatBool(p.Corrected),
			p.Flag, strconv.FormatBool(p.Suppressed), p.Org, p.Tx, h})
	}
	cw.Flush()
	return cw.Error()
}

func newPHTotalsCmd(g *Global) *cobra.Command {
	var metric, date string
	var at int64
	cmd := verbCmd("totals --metric M [--date D] [--at HEIGHT]", "World and per-country totals of a metric",
		`Print the world's and every reporting country's value of a metric on a date (each
country's latest figure on or before it), or each country's latest.

Example:
  medchain publichealth totals --metric deaths --date 2020-06-14`,
		"", nil, func(ctx context.Context, _ []string) error {
			t, err := g.client().Totals(ctx, metric, date, at)
			if err != nil {
				return err
			}
			return g.Print(t, func(w io.Writer) {
				fmt.Fprintf(w, "world %s: %d (%+d), %d countries, as of block %d\n", metric, t.World.Cumulative, t.World.Change, len(t.Countries), t.Height)
				table(w, "REGION\tNAME\tDATE\tCUMULATIVE\tCHANGE", func(tw io.Writer) {
					for _, c := range t.Countries {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", c.Region, c.Name, c.Date, c.Cumulative, c.Change)
					}
				})
			})
		})
	cmd.Flags().StringVar(&metric, "metric", "", "metric: "+metricList)
	cmd.Flags().StringVar(&date, "date", "", "day, YYYY-MM-DD (default: each country's latest)")
	cmd.Flags().Int64Var(&at, "at", 0, "read the state after this block")
	if err := cmd.MarkFlagRequired("metric"); err != nil {
		panic(err)
	}
	return cmd
}

func newPHRegionsCmd(g *Global) *cobra.Command {
	return verbCmd("regions", "List the region codes", `List every region code: countries (ISO 3166-1 alpha-2, with
alpha-3) and the provinces below them.`, "", nil, func(ctx context.Context, _ []string) error {
		p, err := g.client().PublicHealthRegions(ctx)
		if err != nil {
			return err
		}
		return g.Print(p, func(w io.Writer) {
			table(w, "CODE\tALPHA-3\tNAME\tPARENT", func(tw io.Writer) {
				for _, r := range p.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Code, dash(r.Alpha3), r.Name, dash(r.Parent))
				}
			})
		})
	})
}

type importJHUOptions struct {
	g        *Global
	dir      string
	dryRun   bool
	parallel int
	today    func() time.Time
}

func newPHImportJHUCmd(g *Global) *cobra.Command {
	o := &importJHUOptions{g: g, today: time.Now}
	cmd := verbCmd("import-jhu [DIR] --as REPORTER [--dry-run]",
		"Import the JHU CSSE COVID-19 global time series as a signed series",
		`Import the JHU CSSE global time series in DIR (default: the current directory):
time_series_covid19_{confirmed,deaths,recovered}_global.csv, cumulative per country
and province, and Errata.csv. Every file is read and checked first: a count that is
not a number, a date in the future or an area missing from the region table stops
the import, naming the file, row and field, before anything is signed. Figures
already on the ledger stop it too. Then the reporter signs and sends the rows in
transactions of 2,000, with a progress bar on stderr, and applies each erratum of the
global files as a correction: the figure as first published (the erratum's old value)
is reported, then corrected to the files' value with a reason code mapped from the
erratum's comment (the comment itself is not sent). Days whose cumulative value fell
are flagged in the series (negative-change).

Example:
  medchain publichealth import-jhu ../shared/data/covid19/jhu-csse --as phe-epi`,
		"", cobra.MaximumNArgs(1), o.run)
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "check the files and print what would be sent; send nothing")
	cmd.Flags().IntVar(&o.parallel, "parallel", 4, "transactions in flight at once")
	return cmd
}

// errAlreadyImported stops an import whose figures are on the ledger.
var errAlreadyImported = errors.New("already on the ledger")

func (o *importJHUOptions) run(ctx context.Context, args []string) error {
	g := o.g
	o.dir = "."
	if len(args) == 1 {
		o.dir = args[0]
	}
	set, err := jhu.Load(o.dir, o.today().UTC().Format(time.DateOnly))
	if err != nil {
		return err
	}
	rows := make([]client.FigureRow, len(set.Rows))
	for i, r := range set.Rows {
		rows[i] = client.FigureRow(r)
	}
	fixes := make([]client.FigureCorrection, len(set.Corrections))
	for i, c := range set.Corrections {
		fixes[i] = client.FigureCorrection{FigureRow: client.FigureRow(c.Row), Reason: c.Reason}
	}
	summary := func(w io.Writer) {
		fmt.Fprintf(w, "%d figures; %d corrections from %d errata of the global files (%d not applicable, %d superseded by the files' later value); %d days with a negative change\n",
			len(rows), len(fixes), set.Errata, len(set.Skipped), len(set.Superseded), set.NegativeChanges)
	}
	if o.dryRun {
		return g.Print(map[string]any{"rows": len(rows), "corrections": fixes, "skipped": set.Skipped, "superseded": set.Superseded, "negative_changes": set.NegativeChanges}, func(w io.Writer) {
			summary(w)
			for _, s := range set.Skipped {
				fmt.Fprintf(w, "not applied: %s\n", s)
			}
		})
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	c := g.client()
	// Nothing half-applied: refuse before signing if any country (with
	// its provinces) has a figure of a metric within the files' dates.
	first, last := map[string]string{}, map[string]string{}
	for _, r := range rows {
		if f, ok := first[r.Metric]; !ok || r.Date < f {
			first[r.Metric] = r.Date
		}
		if r.Date > last[r.Metric] {
			last[r.Metric] = r.Date
		}
	}
	for _, f := range jhu.Files {
		if _, ok := first[f.Metric]; !ok {
			continue
		}
		t, err := c.Totals(ctx, f.Metric, last[f.Metric], 0)
		if err != nil {
			return err
		}
		for _, ct := range t.Countries {
			if ct.Date >= first[f.Metric] {
				return fmt.Errorf("publichealth: import-jhu: %s %s has a figure of %s, within the files' dates: the series is %w; nothing was sent",
					ct.Region, f.Metric, ct.Date, errAlreadyImported)
			}
		}
	}
	var pb *progressbar.ProgressBar
	progress := func(done, total int) {
		if g.JSON() {
			return
		}
		if pb == nil {
			pb = progressBar(g.Err, total, "importing figures")
		}
		pb.Set(done)
	}
	start := time.Now()
	res, err := c.ImportFigures(ctx, s, rows, fixes, o.parallel, progress)
	if err != nil {
		if pb != nil {
			pb.Exit()
			fmt.Fprintln(g.Err)
		}
		return err
	}
	took := time.Since(start)
	return g.Print(res, func(w io.Writer) {
		summary(w)
		fmt.Fprintf(w, "imported %d figures and %d corrections in %d transactions in %s (%.0f rows/s)\n",
			res.Rows, res.Corrections, len(res.Txs), took.Round(time.Millisecond), float64(res.Rows+res.Corrections)/took.Seconds())
		if n := len(res.Txs); n > 0 {
			fmt.Fprintf(w, "first tx %s at height %d, last tx %s at height %d\n", res.Txs[0].Hash, res.Txs[0].Height, res.Txs[n-1].Hash, res.Txs[n-1].Height)
		}
	})
}
