package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
)

// ---- the EPCIS 2.0 binding: capture, events ----

// EPCISAPI captures EPCIS documents through a node's EPCIS 2.0 binding and
// queries the events captured there.
type EPCISAPI interface {
	CaptureEPCIS(ctx context.Context, doc []byte, behaviour string) (*client.EPCISCaptureJob, error)
	WaitCaptureJob(ctx context.Context, id string, interval time.Duration) (*client.EPCISCaptureJob, error)
	QueryEPCIS(ctx context.Context, q client.EPCISQuery) (*client.EPCISEvents, error)
}

type captureOptions struct {
	g       *Global
	path    string
	proceed bool
	noWait  bool
	timeout time.Duration
}

func newSupplyCaptureCmd(g *Global) *cobra.Command {
	o := &captureOptions{g: g}
	cmd := &cobra.Command{
		Use:   "capture FILE --as MEMBER [--proceed] [--no-wait]",
		Short: "Capture an EPCIS 2.0 document through the node's EPCIS binding (POST /epcis/capture)",
		Long: `Send an EPCIS 2.0 JSON-LD document (FILE, or - for stdin) to the node's EPCIS 2.0 REST
binding, as a trading partner's EPCIS system does, for the organisation of --as, and
wait for the capture job to end. The node validates the document against GS1's
schema at once; the job maps each event as supply import-epcis does and has the
organisation's own identity on the node sign the supply/events transactions. The
node must hold that identity (the organisation's own node).

On chain: each event's CBV 2.0 hash, type and business step, and what it does.
Not on chain: the events themselves, which the node keeps encrypted, for supply
events and GET /epcis/events.

All or nothing by default (at most 100 events); --proceed captures every event it
can and reports the others. The command fails when an event was not captured.

Example:
  medchain supply capture receiving.json --as hospital-pharmacist`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			return o.run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&o.proceed, "proceed", false, "capture every event that can be (GS1-Capture-Error-Behaviour: proceed)")
	cmd.Flags().BoolVar(&o.noWait, "no-wait", false, "print the job as it starts; do not wait for it")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for the job")
	return cmd
}

func (o *captureOptions) run(ctx context.Context) error {
	g := o.g
	doc, err := readInput(g, o.path)
	if err != nil {
		return err
	}
	api, err := g.reader(readKeyed)
	if err != nil {
		return err
	}
	behaviour := client.CaptureRollback
	if o.proceed {
		behaviour = client.CaptureProceed
	}
	j, err := api.CaptureEPCIS(ctx, doc, behaviour)
	if err != nil {
		return err
	}
	if !o.noWait {
		wctx, cancel := context.WithTimeout(ctx, o.timeout)
		defer cancel()
		id := j.ID
		if j, err = api.WaitCaptureJob(wctx, id, 100*time.Millisecond); err != nil {
			return fmt.Errorf("capture job %s: %w", id, err)
		}
	}
	if err := g.Print(j, func(w io.Writer) { printCaptureJob(w, j) }); err != nil {
		return err
	}
	if !j.Running && !j.Success {
		return fmt.Errorf("capture job %s: %d of %d events captured", j.ID, j.Captured, j.Events)
	}
	return nil
}

func printCaptureJob(w io.Writer, j *client.EPCISCaptureJob) {
	state := fmt.Sprintf("%d of %d events captured", j.Captured, j.Events)
	if j.Running {
		state = fmt.Sprintf("running, %d events", j.Events)
	}
	fmt.Fprintf(w, "capture %s for %s (%s): %s\n", j.ID, j.Org, j.Behaviour, state)
	for _, t := range j.Transactions {
		fmt.Fprintf(w, "tx %s at height %d: %d events\n", dash(t.Hash), t.Height, t.Events)
	}
	for _, e := range j.Errors {
		fmt.Fprintf(w, "error %s: %s\n", e.Code, e.Detail)
	}
}

type eventsOptions struct {
	g            *Global
	types        []string
	bizSteps     []string
	dispositions []string
	actions      []string
	epcs         []string
	locations    []string
	readPoints   []string
	since, until string
	params       []string
	orderBy      string
	perPage      int
	all          bool
	nextPage     string
}

func newSupplyEventsCmd(g *Global) *cobra.Command {
	o := &eventsOptions{g: g}
	cmd := &cobra.Command{
		Use:   "events --as MEMBER [--type T] [--bizstep S] [--epc EPC] [--location GLN] [--since TIME] ...",
		Short: "Query the EPCIS events captured on the node (GET /epcis/events)",
		Long: `List the EPCIS events captured through the node's EPCIS 2.0 binding that --as may
see: its organisation's, those naming its organisation as a trading partner (a
GLN it registered, in sourceList, destinationList, bizLocation or readPoint), all
of them to a regulator. Each flag is an EPCIS 2.0 query parameter; a flag given
twice, or a value with |, gives alternatives. --param NAME=VALUE sends any other
standard parameter (MATCH_parentID, EQ_transformationID, GE_recordTime ...).

A column is shown per event: its time, type, action, business step, disposition,
how many EPCs it names and its eventID (its CBV 2.0 event hash when the capture gave
none; medchain supply event shows the ledger's anchor of a hash). -o json prints
the events as captured.

Examples:
  medchain supply events --as hospital-pharmacist --bizstep receiving
  medchain supply events --as pharmaco-quality --epc urn:epc:id:sscc:0614141.1000001002 --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.types, "type", nil, "eventType: ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent")
	f.StringArrayVar(&o.bizSteps, "bizstep", nil, "EQ_bizStep: a CBV business step (receiving, shipping ...)")
	f.StringArrayVar(&o.dispositions, "disposition", nil, "EQ_disposition: a CBV disposition (in_transit ...)")
	f.StringArrayVar(&o.actions, "action", nil, "EQ_action: ADD, OBSERVE or DELETE")
	f.StringArrayVar(&o.epcs, "epc", nil, "MATCH_anyEPC: an EPC URN or GS1 Digital Link URI (a GTIN's matches its packs)")
	f.StringArrayVar(&o.locations, "location", nil, "EQ_bizLocation: a GLN, SGLN URN or Digital Link URI")
	f.StringArrayVar(&o.readPoints, "read-point", nil, "EQ_readPoint: a GLN, SGLN URN or Digital Link URI")
	f.StringVar(&o.since, "since", "", "GE_eventTime: events at or after this RFC 3339 time")
	f.StringVar(&o.until, "until", "", "LT_eventTime: events before this RFC 3339 time")
	f.StringVar(&o.orderBy, "order-by", "", "orderBy: eventTime or recordTime (newest first)")
	f.StringArrayVar(&o.params, "param", nil, "any EPCIS 2.0 query parameter, NAME=VALUE")
	f.IntVar(&o.perPage, "per-page", 0, "events per page (default: the node's, 30)")
	f.BoolVar(&o.all, "all", false, "follow the pages to the end")
	f.StringVar(&o.nextPage, "page", "", "the page to read: the nextPageToken a page before printed")
	return cmd
}

// query is the EPCIS query the flags say.
func (o *eventsOptions) query() (client.EPCISQuery, error) {
	v := url.Values{}
	add := func(name string, vals []string) {
		if len(vals) > 0 {
			v.Set(name, strings.Join(vals, "|"))
		}
	}
	glns := func(vals []string) []string {
		out := make([]string, len(vals))
		for i, s := range vals {
			if len(s) == 13 && strings.Trim(s, "0123456789") == "" {
				s = "https://id.gs1.org/414/" + s // a bare GLN
			}
			out[i] = s
		}
		return out
	}
	add("eventType", o.types)
	add("EQ_bizStep", o.bizSteps)
	add("EQ_disposition", o.dispositions)
	add("EQ_action", o.actions)
	add("MATCH_anyEPC", o.epcs)
	add("EQ_bizLocation", glns(o.locations))
	add("EQ_readPoint", glns(o.readPoints))
	if o.since != "" {
		v.Set("GE_eventTime", o.since)
	}
	if o.until != "" {
		v.Set("LT_eventTime", o.until)
	}
	if o.orderBy != "" {
		v.Set("orderBy", o.orderBy)
	}
	for _, p := range o.params {
		name, val, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return client.EPCISQuery{}, usageErrorf("--param %q: want NAME=VALUE", p)
		}
		v.Add(name, val)
	}
	return client.EPCISQuery{Params: v, PerPage: o.perPage, NextPageToken: o.nextPage}, nil
}

// eventRow is what the table shows of an event.
type eventRow struct {
	EventTime   string   `json:"eventTime"`
	Type        string   `json:"type"`
	Action      string   `json:"action"`
	BizStep     string   `json:"bizStep"`
	Disposition string   `json:"disposition"`
	EventID     string   `json:"eventID"`
	EPCList     []string `json:"epcList"`
	ChildEPCs   []string `json:"childEPCs"`
	ParentID    string   `json:"parentID"`
	Inputs      []string `json:"inputEPCList"`
	Outputs     []string `json:"outputEPCList"`
}

func (o *eventsOptions) run(ctx context.Context) error {
	g := o.g
	q, err := o.query()
	if err != nil {
		return err
	}
	api, err := g.reader(readKeyed)
	if err != nil {
		return err
	}
	var events []json.RawMessage
	next := ""
	for {
		page, err := api.QueryEPCIS(ctx, q)
		if err != nil {
			return err
		}
		events = append(events, page.Events...)
		next = page.NextPageToken
		if !o.all || next == "" {
			break
		}
		q.NextPageToken = next
	}
	if events == nil {
		events = []json.RawMessage{}
	}
	return g.Print(events, func(w io.Writer) {
		table(w, "TIME	TYPE	ACTION	BIZ STEP	DISPOSITION	EPCS	EVENT ID", func(tw io.Writer) {
			for _, raw := range events {
				var r eventRow
				json.Unmarshal(raw, &r)
				n := len(r.EPCList) + len(r.ChildEPCs) + len(r.Inputs) + len(r.Outputs)
				if r.ParentID != "" {
					n++
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.EventTime, r.Type, dash(r.Action), dash(shortCBV(r.BizStep)),
					dash(shortCBV(r.Disposition)), n, r.EventID)
			}
		})
		if next != "" {
			fmt.Fprintf(w, "more: --page %s\n", next)
		}
	})
}

// shortCBV writes a CBV value's web URI or URN by its bare name.
func shortCBV(s string) string {
	for _, p := range []string{"https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:"} {
		if strings.HasPrefix(s, p) {
			return s[len(p):]
		}
	}
	return s
}
