package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/devicesim"
)

// TelemetryAPI is what the telemetry commands need of a node.
type TelemetryAPI interface {
	SignReading(ctx context.Context, device *client.Signer, seq uint64, observation json.RawMessage) ([]byte, error)
	SendReadings(ctx context.Context, readings [][]byte) ([]client.ReadingResult, error)
	TelemetryDevices(ctx context.Context, org, patient string) (*client.Page[client.TelemetryDevice], error)
	TelemetryDevice(ctx context.Context, device string) (*client.TelemetryDevice, error)
	TelemetryBatches(ctx context.Context, device string, fromSeq uint64, limit int) (*client.Page[client.TelemetryBatch], error)
	TelemetryGaps(ctx context.Context, device string) (*client.Page[client.TelemetryGap], error)
	ProveReading(ctx context.Context, device string, seq uint64) (*client.ReadingProof, error)
	AlertRules(ctx context.Context, org string) (*client.Page[client.AlertRule], error)
	TelemetryAlerts(ctx context.Context, org, patient, status string) (*client.Page[client.TelemetryAlert], error)
	MonitoringEvidence(ctx context.Context, patient, from string, opts ...client.ReadOption) (*client.Evidence, error)
}

func newTelemetryCmd(g *Global) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "telemetry",
		Short: "Remote patient monitoring: devices, signed readings, anchored batches, alerts",
		Long: `Remote patient monitoring. An organisation registers its device identities (members of
kind device, with their own keys) as monitoring devices and assigns each to a patient under
the patient's consent: a records grant to the organisation with purpose treatment. The
device signs each reading (a FHIR Observation and a sequence number) and sends it to its
organisation's node, which keeps it encrypted and anchors batches of readings on the
ledger as RFC 6962 Merkle roots; any reading can then be proven to be in an anchored
batch. Revoking the grant stops the readings from the next block.

Alert rules are CEL expressions (threshold held for minutes, with a clearing condition;
or no reading for minutes); the node evaluates them over the readings and anchors the
alerts, which the care team acknowledges or snoozes. The billing evidence counts the days
with readings in a 30-day period (CMS needs 16), with proofs a payer checks.

Never on chain: a reading or any value of one. See docs/telemetry.md.`,
	}
	devices := newTelemetryDevicesCmd(g)
	devices.AddCommand(newTelemetryRegisterCmd(g), newTelemetryShowCmd(g))
	rules := newTelemetryRulesCmd(g)
	rules.AddCommand(newTelemetryPublishRuleCmd(g), newTelemetryRetireRuleCmd(g))
	cmd.AddCommand(devices, newTelemetryAssignCmd(g), newTelemetryUnassignCmd(g), newTelemetrySendCmd(g),
		newTelemetryBatchesCmd(g), newTelemetryGapsCmd(g), newTelemetryProveCmd(g), rules, newTelemetryAlertsCmd(g),
		newTelemetryAckCmd(g), newTelemetryEvidenceCmd(g), newTelemetrySimulateCmd(g))
	return cmd
}

func newTelemetryDevicesCmd(g *Global) *cobra.Command {
	var org, patient string
	return newShowCmd(g, showVerb[client.Page[client.TelemetryDevice]]{
		Use:   "devices (--org ORG | --patient PATIENT) --as NAME",
		Short: "List an organisation's or a patient's monitoring devices; register and show one",
		Long: `List an organisation's monitoring devices (to its members) or a patient's (to the
patient and the organisations monitoring them): kind, patient, readings anchored, gaps and
replays. Subcommands register and show one.`,
		Access: readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&org, "org", "", "an organisation")
			f.StringVar(&patient, "patient", "", "a patient ID (pt-…) or keystore name")
		},
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.TelemetryDevice], error) {
			if (org == "") == (patient == "") {
				return nil, usageErrorf("give --org or --patient")
			}
			return api.TelemetryDevices(ctx, org, patientID(g, patient))
		},
		Text: func(w io.Writer, p *client.Page[client.TelemetryDevice]) {
			table(w, "DEVICE\tKIND\tSTATUS\tPATIENT\tLAST SEQ\tREADINGS\tBATCHES\tMISSING\tREPLAYS", func(tw io.Writer) {
				for _, d := range p.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", d.ID, d.Kind, d.Status, dash(d.Patient), d.LastSeq, d.Readings, d.Batches, d.Missing, d.Replays)
				}
			})
		},
	})
}

// patientID resolves a keystore name of a patient (alice) to its ID.
func patientID(g *Global, name string) string {
	if name == "" || strings.HasPrefix(name, "pt-") {
		return name
	}
	if ks, err := openKeystore(g); err == nil {
		if e, err := ks.Get(name); err == nil && strings.HasPrefix(e.Identity, "pt-") {
			return e.Identity
		}
	}
	return name
}

func newTelemetryRegisterCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.RegisterDevice]{
		Use:   "register DEVICE --kind KIND --as MEMBER",
		Short: "Register a device identity of your organisation as a monitoring device",
		Long: `Register a device identity of your organisation (a member of kind device, registered
with medchain members register --kind device) as a monitoring device, signed by a
physician, nurse or admin. KIND is one of ` + strings.Join(client.DeviceKinds, ", ") + `.`,
		Example: `  medchain telemetry devices register st-marys-hospital/pulse-ox-2 --kind pulse-oximeter --as nurse-joy`,
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.RegisterDevice) {
			f.StringVar(&m.Kind, "kind", "", "the kind of device")
		},
		Required: []string{"kind"},
		Parse: func(_ *Global, args []string, m *client.RegisterDevice) error {
			m.Device = args[0]
			return nil
		},
		Print: func(w io.Writer, m *client.RegisterDevice, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("device %s registered as a %s", m.Device, m.Kind))
		},
	})
}

func newTelemetryShowCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.TelemetryDevice]{
		Use:    "show DEVICE --as NAME",
		Short:  "Show a monitoring device",
		Long:   "Show a monitoring device: its assignment and what its node anchored. Seen by the members of its organisation and its patient.",
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Fetch: func(ctx context.Context, api API, args []string) (*client.TelemetryDevice, error) {
			return api.TelemetryDevice(ctx, args[0])
		},
		Text: func(w io.Writer, d *client.TelemetryDevice) {
			fmt.Fprintf(w, "device    %s (%s, %s) of %s\npatient   %s\ngrant     %s\nreadings  %d in %d batches, up to seq %d\nmissing   %d\nreplays   %d\n",
				d.ID, d.Kind, d.Status, d.Org, dash(d.Patient), dash(d.Grant), d.Readings, d.Batches, d.LastSeq, d.Missing, d.Replays)
		},
	})
}

func newTelemetryAssignCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.AssignDevice]{
		Use:   "assign DEVICE --patient PATIENT --grant GRANT --as MEMBER",
		Short: "Assign a device to a patient under their consent",
		Long: `Assign a monitoring device to a patient, signed by a physician, nurse or admin of the
device's organisation. --grant is the patient's records grant to your organisation (or a
role in it) with purpose treatment, over all their records or types including Observation
(the patient gives it with medchain consent grant). Its revocation stops the device's
readings from the next block.`,
		Example: `  medchain telemetry assign st-marys-hospital/pulse-ox-1 --patient alice --grant gr-… --as nurse-joy`,
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.AssignDevice) {
			f.StringVar(&m.Patient, "patient", "", "the patient (pt-… or keystore name)")
			f.StringVar(&m.Grant, "grant", "", "the patient's grant (gr-…)")
		},
		Required: []string{"patient", "grant"},
		Parse: func(g *Global, args []string, m *client.AssignDevice) error {
			m.Device, m.Patient = args[0], patientID(g, m.Patient)
			return nil
		},
		Print: func(w io.Writer, m *client.AssignDevice, res *client.TxResult) {
			txLine(w, res, fmt.Sprintf("device %s assigned to %s under %s", m.Device, m.Patient, m.Grant))
		},
	})
}

func newTelemetryUnassignCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.UnassignDevice]{
		Use:   "unassign DEVICE --as MEMBER",
		Short: "End a device's assignment",
		Long:  "End a device's assignment: its node takes no more of its readings.",
		Args:  cobra.ExactArgs(1),
		Parse: func(_ *Global, args []string, m *client.UnassignDevice) error {
			m.Device = args[0]
			return nil
		},
	})
}

// readObservations reads FHIR Observations from a file ("-": stdin): one
// Observation, a JSON array of them, or a Bundle (its vital signs).
// signAndSend signs obs as readings of device with the --as key, numbered
// from seq (0: one past what the ledger anchored), sends them and prints
// what the node took; refused readings make it exit 1.
func signAndSend(ctx context.Context, g *Global, device string, seq uint64, obs []json.RawMessage) error {
	s, err := g.signer()
	if err != nil {
		return err
	}
	if seq == 0 {
		if seq, err = nextSeq(ctx, g, device, s); err != nil {
			return err
		}
	}
	n, res, err := sendReadings(ctx, g, s, seq, obs, g.Out)
	if err != nil {
		return err
	}
	if err := printReadingResults(g, n, res); err != nil {
		return err
	}
	if n < len(res) {
		return fmt.Errorf("%w%d readings refused", errSilent, len(res)-n)
	}
	return nil
}

func readObservations(g *Global, path string) ([]json.RawMessage, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(g.In)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	var probe struct {
		ResourceType string `json:"resourceType"`
	}
	var list []json.RawMessage
	switch {
	case json.Unmarshal(b, &list) == nil:
		return list, nil
	case json.Unmarshal(b, &probe) != nil:
		return nil, usageErrorf("%s: not JSON: one FHIR Observation, an array of them or a Bundle", path)
	case probe.ResourceType == "Bundle":
		obs, err := devicesim.VitalSigns(b)
		if err != nil {
			return nil, usageErrorf("%s: %v", path, err)
		}
		return obs, nil
	}
	return []json.RawMessage{b}, nil
}

// sendReadings signs observations as the device's readings from seq and
// sends them, at most 1000 a request; it prints a line per refusal and
// returns how many were accepted.
func sendReadings(ctx context.Context, g *Global, device *client.Signer, seq uint64, obs []json.RawMessage, w io.Writer) (accepted int, results []client.ReadingResult, err error) {
	api := g.client()
	for i := 0; i < len(obs); i += 1000 {
		var raws [][]byte
		for j, o := range obs[i:min(i+1000, len(obs))] {
			raw, err := api.SignReading(ctx, device, seq+uint64(i+j), o)
			if err != nil {
				return accepted, results, err
			}
			raws = append(raws, raw)
		}
		res, err := api.SendReadings(ctx, raws)
		if err != nil {
			return accepted, results, err
		}
		for _, r := range res {
			if r.Status == "accepted" {
				accepted++
			}
		}
		results = append(results, res...)
	}
	return accepted, results, nil
}

// nextSeq is the device's next sequence number after what the ledger
// anchored, read signed by the device itself.
func nextSeq(ctx context.Context, g *Global, device string, s *client.Signer) (uint64, error) {
	d, err := signedReads(g.client(), s).TelemetryDevice(ctx, device)
	if err != nil {
		return 0, err
	}
	return d.LastSeq + 1, nil
}

func printReadingResults(g *Global, accepted int, res []client.ReadingResult) error {
	return g.Print(client.Page[client.ReadingResult]{Items: res}, func(w io.Writer) {
		for _, r := range res {
			if r.Status != "accepted" {
				fmt.Fprintf(w, "reading %d refused: %s: %s\n", r.Seq, r.Code, r.Error)
			} else if r.Missing > 0 {
				fmt.Fprintf(w, "reading %d accepted after a gap of %d\n", r.Seq, r.Missing)
			}
		}
		fmt.Fprintf(w, "%d of %d readings accepted; the node anchors them within 15 s\n", accepted, len(res))
	})
}

func newTelemetrySendCmd(g *Global) *cobra.Command {
	var file string
	var seq uint64
	cmd := verbCmd("send DEVICE --file OBSERVATIONS [--seq N] --as DEVICE-KEY",
		"Sign FHIR Observations as a device's readings and send them to its node",
		`Sign FHIR Observations as readings of DEVICE with the device's key (--as, its keystore
name) and send them to the node (--node), which must be the device's organisation's.
--file holds one Observation, a JSON array of them or a FHIR Bundle (its vital signs); "-"
reads stdin. Readings are numbered from --seq (default: one past what the ledger anchored
for the device; give it when readings sent in the last 10 s are not anchored yet). Each
reading is answered on its own: accepted, or refused with its code (telemetry.replay for a
sequence number taken, telemetry.no_consent when the patient's grant lapsed...).
Exit 1 if any was refused.`,
		`  medchain telemetry send st-marys-hospital/pulse-ox-1 --file spo2.json --seq 41 --as pulse-ox-1`,
		cobra.ExactArgs(1), func(ctx context.Context, args []string) error {
			obs, err := readObservations(g, file)
			if err != nil {
				return err
			}
			return signAndSend(ctx, g, args[0], seq, obs)
		})
	cmd.Flags().StringVar(&file, "file", "", `FHIR Observation(s) or a Bundle ("-": stdin)`)
	cmd.Flags().Uint64Var(&seq, "seq", 0, "the first reading's sequence number (default: after the ledger's last)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func newTelemetrySimulateCmd(g *Global) *cobra.Command {
	var pattern string
	var count int
	var interval time.Duration
	var seq uint64
	cmd := verbCmd("simulate DEVICE [--pattern desaturation|synthea] [--count N] [--interval D] --as DEVICE-KEY",
		"Simulate a device: send a stream of readings dated up to now",
		`Simulate a monitoring device for demos: sign and send a stream of readings of DEVICE with
the device's key (--as). --pattern desaturation (default) is a pulse oximeter's SpO2 every
--interval (default 1m), --count readings (default 30) ending now: 97 %, falling to 87 % for
the middle third, back to 96 % (a "below 90 for 5 minutes" rule raises an alert, then
clears it). --pattern synthea replays the 16 vital-sign Observations of the Synthea
patient Luigi Wiegand (real synthetic data; blood pressure, weight, height, pain score),
one a day up to today: 16 days of readings, the evidence a payer needs. Readings are
numbered from --seq (default: after the ledger's last for the device).`,
		`  medchain telemetry simulate st-marys-hospital/pulse-ox-1 --as pulse-ox-1
  medchain telemetry simulate st-marys-hospital/pulse-ox-1 --pattern synthea --as pulse-ox-1`,
		cobra.ExactArgs(1), func(ctx context.Context, args []string) error {
			now := time.Now().UTC().Truncate(time.Second)
			var obs []json.RawMessage
			switch pattern {
			case "desaturation":
				if count < 1 || count > 100_000 {
					return usageErrorf("--count: 1 to 100000")
				}
				if interval < time.Second {
					return usageErrorf("--interval: at least 1s")
				}
				obs = devicesim.Desaturation(now.Add(-time.Duration(count-1)*interval), count, interval)
			case "synthea":
				vitals := devicesim.DemoVitals()
				var err error
				obs, err = devicesim.Replay(vitals, now.Add(-time.Duration(len(vitals)-1)*24*time.Hour), 24*time.Hour)
				if err != nil {
					return err
				}
			default:
				return usageErrorf("--pattern: desaturation or synthea, not %q", pattern)
			}
			return signAndSend(ctx, g, args[0], seq, obs)
		})
	cmd.Flags().StringVar(&pattern, "pattern", "desaturation", "desaturation or synthea")
	cmd.Flags().IntVar(&count, "count", 30, "readings of the desaturation pattern")
	cmd.Flags().DurationVar(&interval, "interval", time.Minute, "time between readings of the desaturation pattern")
	cmd.Flags().Uint64Var(&seq, "seq", 0, "the first reading's sequence number (default: after the ledger's last)")
	return cmd
}

func newTelemetryBatchesCmd(g *Global) *cobra.Command {
	var from uint64
	var limit int
	return newShowCmd(g, showVerb[client.Page[client.TelemetryBatch]]{
		Use:    "batches DEVICE [--from-seq N] --as NAME",
		Short:  "A device's anchored batches",
		Long:   "List a device's anchored batches, in sequence order: range, count, Merkle root, UTC day, gaps and replays reported.",
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.Uint64Var(&from, "from-seq", 0, "start at the batch holding this sequence number")
			f.IntVar(&limit, "limit", 100, "page size (1-1000)")
		},
		Fetch: func(ctx context.Context, api API, args []string) (*client.Page[client.TelemetryBatch], error) {
			return api.TelemetryBatches(ctx, args[0], from, limit)
		},
		Text: func(w io.Writer, p *client.Page[client.TelemetryBatch]) {
			table(w, "BATCH\tDAY\tSEQ\tCOUNT\tMISSING\tREPLAYS\tROOT\tHEIGHT", func(tw io.Writer) {
				for _, b := range p.Items {
					fmt.Fprintf(tw, "%s\t%s\t%d-%d\t%d\t%d\t%d\t%s…\t%d\n", b.ID, b.Day, b.First, b.Last, b.Count, b.Missing, b.Replays, b.Root[:16], b.Height)
				}
			})
		},
	})
}

func newTelemetryGapsCmd(g *Global) *cobra.Command {
	return newShowCmd(g, showVerb[client.Page[client.TelemetryGap]]{
		Use:    "gaps DEVICE --as NAME",
		Short:  "The sequence numbers a device skipped",
		Long:   "List the runs of sequence numbers a device skipped (readings its node never received), found as its batches were anchored.",
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Fetch: func(ctx context.Context, api API, args []string) (*client.Page[client.TelemetryGap], error) {
			return api.TelemetryGaps(ctx, args[0])
		},
		Text: func(w io.Writer, p *client.Page[client.TelemetryGap]) {
			table(w, "FROM\tTO\tFOUND BY\tHEIGHT", func(tw io.Writer) {
				for _, gp := range p.Items {
					fmt.Fprintf(tw, "%d\t%d\t%s\t%d\n", gp.From, gp.To, gp.Batch, gp.Height)
				}
			})
		},
	})
}

// provenReading is what telemetry prove prints in JSON.
type provenReading struct {
	Verified    bool                 `json:"verified"`
	Device      string               `json:"device"`
	Seq         uint64               `json:"seq"`
	Key         string               `json:"device_key"`
	Batch       string               `json:"batch"`
	Root        string               `json:"root"`
	Height      int64                `json:"verified_at_height"`
	Observation json.RawMessage      `json:"observation"`
	Proof       *client.ReadingProof `json:"proof"`
}

func newTelemetryProveCmd(g *Global) *cobra.Command {
	var trust trustOptions
	cmd := verbCmd("prove DEVICE SEQ --as NAME [--trust-height H --trust-hash HASH]",
		"Prove that one reading is in a batch anchored on the ledger, and check the proof",
		`Ask the device's node (--node) for the proof of reading SEQ of DEVICE and check it here:
the reading is signed by a key the ledger gives the device; its RFC 6962 inclusion proof
reaches the batch's root; and the ledger's proof of the batch's anchor, holding that root,
verifies under the app hash of the block header that follows: a header CometBFT's light
client verified from one you trust (--trust-height, --trust-hash, over --rpc), else the
node's own. Seen by the members of the device's organisation and its patient (--as). Exit
1 if anything does not verify.`,
		`  medchain telemetry prove st-marys-hospital/pulse-ox-1 12 --as alice`,
		cobra.ExactArgs(2), func(ctx context.Context, args []string) error {
			var seq uint64
			if _, err := fmt.Sscanf(args[1], "%d", &seq); err != nil || seq == 0 {
				return usageErrorf("SEQ: a sequence number from 1, got %q", args[1])
			}
			pr, err := newProver(g, &trust)
			if err != nil {
				return err
			}
			api, err := g.reader(readKeyed)
			if err != nil {
				return err
			}
			p, err := api.ProveReading(ctx, args[0], seq)
			if err != nil {
				return err
			}
			id, err := g.client().Identity(ctx, args[0])
			if err != nil {
				return err
			}
			header := p.AnchorProof.Height + 1
			hash, appHash, err := pr.header(ctx, header)
			if err != nil {
				return fmt.Errorf("the header that the anchor's proof verifies against: %w", err)
			}
			pr.warnUntrusted("the batch's anchor was")
			out := provenReading{Device: p.Device, Seq: p.Seq, Batch: p.Batch, Root: p.Root, Height: header, Proof: p}
			var verr error
			for _, k := range id.Keys {
				obs, err := client.VerifyReadingProof(p, k.PublicKey, appHash)
				if err == nil {
					out.Verified, out.Key, out.Observation, verr = true, k.PublicKey, obs, nil
					break
				}
				verr = err
			}
			if err := g.Print(out, func(w io.Writer) {
				if !out.Verified {
					fmt.Fprintf(w, "NOT VERIFIED: reading %d of %s: %v\n", seq, args[0], verr)
					return
				}
				fmt.Fprintf(w, "verified: reading %d of %s\n  signed by the device's key %s\n  leaf %d of %d in batch %s, root %s\n  the batch's anchor proven under the app hash of block %d\n  observation %s\n",
					seq, p.Device, out.Key, p.Index, p.Size, p.Batch, p.Root, header, out.Observation)
				fmt.Fprintf(w, "proof: verified the anchor of batch %s at height %d against header %d (hash %X, app hash %X), %s\n",
					p.Batch, p.AnchorProof.Height, header, hash, appHash, pr.source())
			}); err != nil {
				return err
			}
			if !out.Verified {
				return fmt.Errorf("%wproof does not verify", errSilent)
			}
			return nil
		})
	trust.bind(cmd.Flags())
	return cmd
}

func newTelemetryRulesCmd(g *Global) *cobra.Command {
	var org string
	cmd := newShowCmd(g, showVerb[client.Page[client.AlertRule]]{
		Use:   "rules --org ORG",
		Short: "An organisation's alert rules; publish and retire them",
		Long:  "List an organisation's alert rules (public: they name no patient). Subcommands publish and retire one.",
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&org, "org", "", "the organisation")
		},
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.AlertRule], error) {
			if org == "" {
				return nil, usageErrorf("give --org")
			}
			return api.AlertRules(ctx, org)
		},
		Text: func(w io.Writer, p *client.Page[client.AlertRule]) {
			table(w, "RULE\tKIND\tCODE\tRAISE\tCLEAR\tMINUTES\tCOST\tSTATUS", func(tw io.Writer) {
				for _, r := range p.Items {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, r.Kind, dash(r.Code), dash(r.Raise), dash(r.Clear), r.Minutes, r.Cost, r.Status)
				}
			})
		},
	})
	return cmd
}

func newTelemetryPublishRuleCmd(g *Global) *cobra.Command {
	var quiet bool
	var minutes time.Duration
	return newSendCmd(g, sendVerb[client.PublishAlertRule]{
		Use:   "publish --kind threshold|stale [--code LOINC] [--raise CEL --clear CEL] --for DURATION --as PHYSICIAN",
		Short: "Publish an alert rule of your organisation",
		Long: `Publish an alert rule, signed by a physician. A threshold rule raises when --raise has
held on every reading of --code for --for, and clears only when --clear holds (readings in
between change nothing: hysteresis). A stale rule raises when no reading (of --code, or of
any code) came for --for. Conditions are CEL over code, unit, value (the value floored to an
integer) and milli (in thousandths: 38.5 is 38500): ints and strings, no floats, each of
static cost at most 200; a rule over the bound is refused (telemetry.bad_rule) with where.
-q prints only the rule ID.`,
		Example: `  medchain telemetry rules publish --kind threshold --code 59408-5 --raise 'value < 90' --clear 'value > 92' --for 5m --as dr-grey
  medchain telemetry rules publish --kind stale --for 30m --as dr-grey`,
		Flags: func(f *pflag.FlagSet, m *client.PublishAlertRule) {
			f.StringVar(&m.Kind, "kind", "", "threshold or stale")
			f.StringVar(&m.Code, "code", "", "LOINC code of the observations read")
			f.StringVar(&m.Raise, "raise", "", "CEL condition that raises (threshold)")
			f.StringVar(&m.Clear, "clear", "", "CEL condition that clears (threshold)")
			f.DurationVar(&minutes, "for", 0, "how long raise must hold, or how long without a reading (whole minutes)")
			f.BoolVarP(&quiet, "quiet", "q", false, "print only the rule ID")
		},
		Required: []string{"kind"},
		Parse: func(_ *Global, _ []string, m *client.PublishAlertRule) error {
			if minutes%time.Minute != 0 || minutes < 0 {
				return usageErrorf("--for: whole minutes (5m, 1h30m), got %s", minutes)
			}
			m.Minutes = int64(minutes / time.Minute)
			return nil
		},
		Print: func(w io.Writer, _ *client.PublishAlertRule, res *client.TxResult) {
			printResult(w, res, quiet, func(r *client.AlertRule) string {
				return fmt.Sprintf("rule %s of %s: %s, cost %d", r.ID, r.Org, r.Kind, r.Cost)
			}, func(r *client.AlertRule) []string { return one(r.ID) })
		},
	})
}

func newTelemetryRetireRuleCmd(g *Global) *cobra.Command {
	return newSendCmd(g, sendVerb[client.RetireAlertRule]{
		Use:   "retire RULE --as PHYSICIAN",
		Short: "Retire an alert rule",
		Long:  "Retire an alert rule of your organisation: it raises no more alerts.",
		Args:  cobra.ExactArgs(1),
		Parse: func(_ *Global, args []string, m *client.RetireAlertRule) error {
			m.Rule = args[0]
			return nil
		},
	})
}

func newTelemetryAlertsCmd(g *Global) *cobra.Command {
	var org, patient, status string
	return newShowCmd(g, showVerb[client.Page[client.TelemetryAlert]]{
		Use:   "alerts (--org ORG | --patient PATIENT) [--status S] --as NAME",
		Short: "Alerts raised by the rules",
		Long: `List an organisation's alerts (to its members) or a patient's (to the patient and the
organisations monitoring them), optionally of one --status (open, acknowledged, snoozed,
cleared): rule, device, patient, times, acknowledgements. No alert holds a value.`,
		Access: readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&org, "org", "", "an organisation")
			f.StringVar(&patient, "patient", "", "a patient ID (pt-…) or keystore name")
			f.StringVar(&status, "status", "", "open, acknowledged, snoozed or cleared")
		},
		Fetch: func(ctx context.Context, api API, _ []string) (*client.Page[client.TelemetryAlert], error) {
			if (org == "") == (patient == "") {
				return nil, usageErrorf("give --org or --patient")
			}
			return api.TelemetryAlerts(ctx, org, patientID(g, patient), status)
		},
		Text: func(w io.Writer, p *client.Page[client.TelemetryAlert]) {
			table(w, "ALERT\tRULE\tDEVICE\tPATIENT\tSTATUS\tRAISED\tSNOOZED UNTIL", func(tw io.Writer) {
				for _, a := range p.Items {
					until := "-"
					if n := len(a.Acks); n > 0 && a.Status == "snoozed" {
						until = time.Unix(a.Acks[n-1].Until, 0).UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Rule, a.Device, a.Patient, a.Status, time.Unix(a.RaisedAt, 0).UTC().Format(time.RFC3339), until)
				}
			})
		},
	})
}

func newTelemetryAckCmd(g *Global) *cobra.Command {
	var snooze time.Duration
	return newSendCmd(g, sendVerb[client.AckAlert]{
		Use:   "ack ALERT [--snooze DURATION] --as CLINICIAN",
		Short: "Acknowledge or snooze an alert",
		Long: `Acknowledge an alert, signed by a physician or nurse of its organisation; with --snooze
(whole minutes, at most 24h) snooze it instead: when the snooze runs out and the alert has
not cleared, the ledger opens it again (a re-alert), at the end of the block that reaches
its time. Who and when are recorded on chain.`,
		Example: `  medchain telemetry ack al-… --snooze 15m --as nurse-joy`,
		Args:    cobra.ExactArgs(1),
		Flags: func(f *pflag.FlagSet, m *client.AckAlert) {
			f.DurationVar(&snooze, "snooze", 0, "snooze for this long instead of acknowledging")
		},
		Parse: func(_ *Global, args []string, m *client.AckAlert) error {
			if snooze%time.Minute != 0 || snooze < 0 {
				return usageErrorf("--snooze: whole minutes (15m, 1h), got %s", snooze)
			}
			m.Alert, m.SnoozeMinutes = args[0], int64(snooze/time.Minute)
			return nil
		},
		Print: func(w io.Writer, m *client.AckAlert, res *client.TxResult) {
			printResult(w, res, false, func(a *client.TelemetryAlert) string {
				if a.Status == "snoozed" {
					return fmt.Sprintf("alert %s snoozed until %s", a.ID, time.Unix(a.Acks[len(a.Acks)-1].Until, 0).UTC().Format(time.RFC3339))
				}
				return fmt.Sprintf("alert %s acknowledged", a.ID)
			}, nil)
		},
	})
}

// checkedEvidence is what telemetry evidence --verify prints in JSON.
type checkedEvidence struct {
	*client.Evidence
	Verified bool `json:"verified"`
}

func newTelemetryEvidenceCmd(g *Global) *cobra.Command {
	var from, proven string
	var verify bool
	var trust trustOptions
	return newShowCmd(g, showVerb[checkedEvidence]{
		Use:   "evidence PATIENT [--from YYYY-MM-DD] [--verify] --as NAME",
		Short: "Billing evidence: days with readings in a 30-day period",
		Long: `Count the days of the 30 from --from (UTC; by default the 30 days ending today) on which the patient's readings were transmitted
automatically (signed by an assigned device and anchored): CMS's remote physiologic
monitoring codes need 16. Seen by the patient, the organisations monitoring them and
members of an organisation the patient granted purpose payment (a payer). --verify fetches
the ledger's proof of one anchored batch per day and checks each against the block header
that follows it: one CometBFT's light client verified from a header you trust
(--trust-height, --trust-hash), else the node's own.`,
		Args:   cobra.ExactArgs(1),
		Access: readKeyed,
		Flags: func(f *pflag.FlagSet) {
			f.StringVar(&from, "from", "", "the period's first day, YYYY-MM-DD (default: the 30 days ending today)")
			f.BoolVar(&verify, "verify", false, "fetch and check a proof per day")
			trust.bind(f)
		},
		Fetch: func(ctx context.Context, api API, args []string) (*checkedEvidence, error) {
			if from == "" {
				from = time.Now().UTC().AddDate(0, 0, -29).Format(time.DateOnly)
			}
			var opts []client.ReadOption
			var pr *prover
			if verify {
				var err error
				if pr, err = newProver(g, &trust); err != nil {
					return nil, err
				}
				opts = append(opts, client.WithProof())
			}
			ev, err := api.MonitoringEvidence(ctx, patientID(g, args[0]), from, opts...)
			if err != nil {
				return nil, err
			}
			out := &checkedEvidence{Evidence: ev}
			if verify && len(ev.Proofs) > 0 {
				for i, p := range ev.Proofs {
					if i >= len(ev.Days) || p == nil || p.Key != ev.Days[i].Key {
						return nil, fmt.Errorf("%w: the node answered proof %d of another key than its day's", errProof, i)
					}
				}
				what := fmt.Sprintf("the anchored batches of %d days", len(ev.Proofs))
				if len(ev.Proofs) == 1 {
					what = "the anchored batch of 1 day"
				}
				if proven, err = pr.verify(ctx, what, ev.Proofs...); err != nil {
					return nil, err
				}
				out.Verified = len(ev.Proofs) == len(ev.Days)
			}
			return out, nil
		},
		Text: func(w io.Writer, e *checkedEvidence) {
			met := "not met"
			if e.Met {
				met = "met"
			}
			fmt.Fprintf(w, "patient   %s\nperiod    %s to %s\ndays      %d with readings (%d required: %s)\n", e.Patient, e.From, e.To, e.DaysWith, e.Required, met)
			if e.Verified {
				fmt.Fprintf(w, "verified  one anchored batch per day, proven against the ledger's headers\n")
			}
			table(w, "DAY\tREADINGS\tBATCHES\tDEVICES", func(tw io.Writer) {
				for _, d := range e.Days {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", d.Day, d.Readings, len(d.Batches), strings.Join(d.Devices, ","))
				}
			})
			printProven(w, proven)
		},
	})
}

// waitBlock reads block h, waiting (30 s at most) for it to commit: a
// proof of the state after block h-1 verifies against h's header, which
// comes with the next block.
func waitBlock(ctx context.Context, g *Global, h int64) (*client.Block, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := g.client().Block(ctx, h)
		if err == nil || !client.IsCode(err, "api.not_found") || time.Now().After(deadline) {
			return b, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
