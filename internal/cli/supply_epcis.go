package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/epcis"
)

// ---- EPCIS, GLN ----

type importEPCISOptions struct {
	g      *Global
	path   string
	dryRun bool
}

func newSupplyImportEPCISCmd(g *Global) *cobra.Command {
	o := &importEPCISOptions{g: g}
	cmd := &cobra.Command{
		Use:   "import-epcis FILE --as MEMBER [--dry-run]",
		Short: "Capture a GS1 EPCIS 2.0 JSON document: validate, hash, map and apply its events",
		Long: `Capture an EPCIS 2.0 JSON(-LD) document (FILE, or - for stdin). The node validates
it against GS1's JSON schema, computes each event's CBV 2.0 event hash and maps the
events to ledger operations: ObjectEvent ADD commissioning (lot and expiry from the
ILMD), AggregationEvent ADD/DELETE of childEPCs (pack, unpack), ObjectEvent
shipping (to the organisation that registered the destination GLN, see supply
register-gln), receiving (the shipment its items are in), dispensing, destroying,
and TransformationEvent. Other events (observations, inspections) are anchored
only, with a note. An AggregationEvent ADD/DELETE by quantity (childQuantityList)
is refused with supply.invalid_document: the ledger tracks each item in a
container. Then the signer signs and sends the mapped supply/events transactions
(at most 100 events each, each applied all or nothing), with a progress bar on
stderr.

On chain: every event's hash, type and business step under its hash (so the same
event cannot be captured twice), and what each does. Not the document.

--dry-run prints what the document maps to and sends nothing. supply epcis-hash
prints the event hashes without asking the node.

Example:
  medchain supply import-epcis shipment.jsonld --as pharmaco-quality`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			return o.run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print the mapping; send nothing")
	return cmd
}

// opString says what one mapped event does.
func opString(e client.SupplyEvent) string {
	op := e.Op
	switch {
	case op.Commission != nil:
		return fmt.Sprintf("commission %d units of %s lot %s", len(op.Commission.Serials.Expand()), op.Commission.GTIN, op.Commission.Lot)
	case op.Pack != nil:
		return fmt.Sprintf("pack %d items into %s", len(op.Pack.Children), op.Pack.Parent)
	case op.Unpack != nil:
		return "unpack " + op.Unpack.Parent
	case op.Ship != nil:
		return fmt.Sprintf("ship %d items to %s", len(op.Ship.Items), op.Ship.To)
	case op.Receive != nil:
		return fmt.Sprintf("receive %d items of %s", len(op.Receive.Items), op.Receive.Shipment)
	case op.Dispense != nil:
		return fmt.Sprintf("dispense %d units", len(op.Dispense.Items))
	case op.Destroy != nil:
		return fmt.Sprintf("destroy %d items", len(op.Destroy.Items))
	case op.Transform != nil:
		return fmt.Sprintf("transform %d inputs into %d lots", len(op.Transform.Inputs), len(op.Transform.Outputs))
	}
	return "anchor only"
}

func (o *importEPCISOptions) run(ctx context.Context) error {
	g := o.g
	doc, err := readInput(g, o.path)
	if err != nil {
		return err
	}
	c := g.client()
	if o.dryRun {
		m, err := c.MapEPCIS(ctx, doc)
		if err != nil {
			return err
		}
		return g.Print(m, func(w io.Writer) {
			fmt.Fprintf(w, "%d events in %d transactions\n", m.Events(), len(m.Msgs))
			table(w, "EVENT\tTYPE\tBIZ STEP\tDOES\tHASH", func(tw io.Writer) {
				i := 0
				for _, msg := range m.Msgs {
					for _, e := range msg.Events {
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i, e.Type, dash(e.BizStep), opString(e), e.Hash)
						i++
					}
				}
			})
			for _, n := range m.Notes {
				fmt.Fprintf(w, "note: %s\n", n)
			}
		})
	}
	s, err := g.signer()
	if err != nil {
		return err
	}
	var pb *progressbar.ProgressBar
	progress := func(done, total int) {
		if g.JSON() || total == 0 {
			return
		}
		if pb == nil {
			pb = progressBar(g.Err, total, "capturing events")
		}
		pb.Set(done)
	}
	start := time.Now()
	res, err := c.ImportEPCIS(ctx, s, doc, progress)
	if err != nil {
		if pb != nil {
			pb.Exit()
			fmt.Fprintln(g.Err)
		}
		return err
	}
	return g.Print(res, func(w io.Writer) {
		fmt.Fprintf(w, "captured %d events in %d transactions in %s\n", len(res.Events), len(res.Txs), time.Since(start).Round(time.Millisecond))
		for _, t := range res.Txs {
			fmt.Fprintf(w, "tx %s at height %d\n", t.Hash, t.Height)
		}
		for _, id := range res.Shipments {
			fmt.Fprintf(w, "shipment %s\n", id)
		}
		for _, id := range res.Transformations {
			fmt.Fprintf(w, "transformation %s\n", id)
		}
		for _, n := range res.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
	})
}

// ---- epcis-hash ----

type epcisHashOptions struct {
	g       *Global
	path    string
	prehash bool
}

func newSupplyEPCISHashCmd(g *Global) *cobra.Command {
	o := &epcisHashOptions{g: g}
	cmd := &cobra.Command{
		Use:   "epcis-hash FILE|- [--prehash]",
		Short: "Print the CBV 2.0 event hash of each event of an EPCIS 2.0 JSON document",
		Long: `Print the CBV 2.0 event hash ("EPCIS Event Hash ID", ni:///sha-256;…?ver=CBV2.0) of
each event of an EPCIS 2.0 JSON(-LD) document (FILE, or - for stdin): an EPCISDocument,
an EPCISQueryDocument, or one event on its own. One line per event: its index in the
document (from 0), its type and its hash. These are the hashes the ledger anchors
(supply import-epcis, supply event HASH) and the ones GS1's reference implementation
(github.com/RalphTro/epcis-event-hash-generator) computes, repository ignoreFields
included.

--prehash also prints each event's pre-hash string, the canonical text that is
hashed, to compare with a partner's. With --output json: a list of {index, type,
hash} (and prehash).

Offline: no node is asked and nothing is sent. The document is hashed as given; if
it does not validate against GS1's EPCIS 2.0 schema a warning on stderr says why
(the node would refuse it with supply.invalid_document).

Example:
  medchain supply epcis-hash shipment.jsonld --prehash`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			return o.run()
		},
	}
	cmd.Flags().BoolVar(&o.prehash, "prehash", false, "also print each event's pre-hash string")
	return cmd
}

// hashedEvent is one line of epcis-hash.
type hashedEvent struct {
	Index   int    `json:"index"`
	Type    string `json:"type"`
	Hash    string `json:"hash"`
	PreHash string `json:"prehash,omitempty"`
}

func (o *epcisHashOptions) run() error {
	g := o.g
	raw, err := readInput(g, o.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return usageErrorf("no file %s (give an EPCIS 2.0 JSON document, or - to read stdin)", o.path)
		}
		return err
	}
	hashed, err := epcis.Hashes(raw)
	if err != nil {
		return fmt.Errorf("cannot hash %s: %w", o.inputName(), err)
	}
	o.warnIfInvalid(raw)
	out := make([]hashedEvent, len(hashed))
	for i, h := range hashed {
		out[i] = hashedEvent{Index: i, Type: h.Type, Hash: h.Hash}
		if o.prehash {
			out[i].PreHash = h.PreHash
		}
	}
	return g.Print(out, func(w io.Writer) {
		table(w, "EVENT\tTYPE\tHASH", func(tw io.Writer) {
			for _, e := range out {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", e.Index, e.Type, e.Hash)
			}
		})
		if o.prehash {
			for _, e := range out {
				fmt.Fprintf(w, "\npre-hash of event %d:\n%s\n", e.Index, e.PreHash)
			}
		}
	})
}

func (o *epcisHashOptions) inputName() string {
	if o.path == "-" {
		return "stdin"
	}
	return o.path
}

// warnIfInvalid warns on stderr when what was hashed does not validate
// against GS1's schema (as a document, or as one event on its own, as
// epcis.Hashes read it): the node would refuse it.
func (o *epcisHashOptions) warnIfInvalid(raw []byte) {
	var top struct {
		Type string          `json:"type"`
		Body json.RawMessage `json:"epcisBody"`
	}
	validate := epcis.ValidateDocument
	if json.Unmarshal(raw, &top) == nil && top.Body == nil && top.Type != "EPCISDocument" && top.Type != "EPCISQueryDocument" {
		validate = epcis.ValidateEvent
	}
	if err := validate(raw); err != nil {
		fmt.Fprintf(o.g.Err, "warning: %s does not validate against GS1's EPCIS 2.0 schema (the node would refuse it with supply.invalid_document); hashed as given:\n%v\n", o.inputName(), err)
	}
}

func newSupplyEventCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.EventAnchor]{
		Use:   "event HASH",
		Short: "Show an EPCIS event anchored on the ledger, by its CBV event hash",
		Long: `Show what the ledger holds of an EPCIS event captured with supply import-epcis:
its CBV 2.0 event hash (ni:///sha-256;…?ver=CBV2.0, as GS1's algorithm computes it
from the event, so anyone holding the event can recompute it), its type, business
step, who captured it and at which height. The event itself is not on the ledger.

Example:
  medchain supply event 'ni:///sha-256;58d2…?ver=CBV2.0'`,
		Args:  cobra.ExactArgs(1),
		Fetch: byID(API.SupplyEvent),
		Text: func(w io.Writer, e *client.EventAnchor) {
			fmt.Fprintf(w, "event      %s\ntype       %s\nbiz step   %s\ncaptured   by %s at height %d\n", e.Hash, e.Type, dash(e.BizStep), e.Signer, e.Height)
		},
	})
}

func newSupplyRegisterGLNCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.RegisterGLN]{
		Use:   "register-gln GLN --as ADMIN",
		Short: "Claim a GS1 Global Location Number for your organisation",
		Long: `Claim a GS1 Global Location Number (13 digits with its check digit) for the
signer's organisation, signed by its admin, so that EPCIS shipping events naming it
as destination map to the organisation. A GLN belongs to one organisation.

On chain: the GLN and the organisation.

Example:
  medchain supply register-gln 0614141000029 --as distributor-admin`,
		Args: cobra.ExactArgs(1),
		Parse: func(_ *Global, args []string, m *client.RegisterGLN) error {
			m.GLN = args[0]
			return nil
		},
		Print: func(w io.Writer, m *client.RegisterGLN, res *client.TxResult) {
			txLine(w, res, "registered GLN "+m.GLN)
		},
	})
}
