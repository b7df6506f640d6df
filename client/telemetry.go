package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/medchain/medchain/internal/tx"
)

// SignReading signs an Observation as a device's reading number seq, for
// the node's chain. The envelope's expiry is not used: a device may send
// readings it buffered while offline; its sequence number is what the
// node checks for replays and gaps.
func (c *Client) SignReading(ctx context.Context, device *Signer, seq uint64, observation json.RawMessage) ([]byte, error) {
	if device == nil {
		return nil, errors.New("client: a reading needs the device's signer")
	}
	chainID, _, err := c.chainAndHeight(ctx)
	if err != nil {
		return nil, err
	}
	m, err := json.Marshal(DeviceReading{Seq: seq, Observation: observation})
	if err != nil {
		return nil, fmt.Errorf("client: reading: %w", err)
	}
	return tx.Sign(cmted25519.PrivKey(device.key), tx.Body{ChainID: chainID, Nonce: seq, Expires: 1, Type: TypeDeviceReading, Msg: m})
}

// SendReadings sends signed readings (at most 1000) to the node, which
// must be their device's organisation's: one result per reading, accepted
// or refused with its code.
func (c *Client) SendReadings(ctx context.Context, readings [][]byte) ([]ReadingResult, error) {
	req := struct {
		Readings []string `json:"readings"`
	}{}
	for _, r := range readings {
		req.Readings = append(req.Readings, base64.StdEncoding.EncodeToString(r))
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var out Page[ReadingResult]
	if _, err := c.do(ctx, http.MethodPost, "/v1/telemetry/readings", nil, body, "application/json", &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// devicePath is the API path of a device (organisation/handle).
func devicePath(device string) (string, error) {
	org, handle, ok := strings.Cut(device, "/")
	if !ok || org == "" || handle == "" || strings.Contains(handle, "/") {
		return "", fmt.Errorf("client: device %q: a member ID, organisation/handle", device)
	}
	return "/v1/telemetry/devices/" + url.PathEscape(org) + "/" + url.PathEscape(handle), nil
}

// TelemetryDevices lists an organisation's monitoring devices (org) or a
// patient's (patient); give one.
func (c *Client) TelemetryDevices(ctx context.Context, org, patient string) (*Page[TelemetryDevice], error) {
	q := url.Values{}
	if org != "" {
		q.Set("org", org)
	}
	if patient != "" {
		q.Set("patient", patient)
	}
	return fetch[Page[TelemetryDevice]](ctx, c, "/v1/telemetry/devices", q)
}

// TelemetryDevice reads a device.
func (c *Client) TelemetryDevice(ctx context.Context, device string) (*TelemetryDevice, error) {
	p, err := devicePath(device)
	if err != nil {
		return nil, err
	}
	return fetch[TelemetryDevice](ctx, c, p, nil)
}

// TelemetryBatches lists a device's anchored batches from the one holding
// fromSeq (0: the first).
func (c *Client) TelemetryBatches(ctx context.Context, device string, fromSeq uint64, limit int) (*Page[TelemetryBatch], error) {
	p, err := devicePath(device)
	if err != nil {
		return nil, err
	}
	q := pageQuery("", limit)
	if fromSeq > 0 {
		q.Set("from_seq", strconv.FormatUint(fromSeq, 10))
	}
	return fetch[Page[TelemetryBatch]](ctx, c, p+"/batches", q)
}

// TelemetryGaps lists the sequence numbers a device skipped.
func (c *Client) TelemetryGaps(ctx context.Context, device string) (*Page[TelemetryGap], error) {
	p, err := devicePath(device)
	if err != nil {
		return nil, err
	}
	return fetch[Page[TelemetryGap]](ctx, c, p+"/gaps", nil)
}

// ProveReading asks the device's custodian node for the proof of reading
// seq; check it with VerifyReadingProof.
func (c *Client) ProveReading(ctx context.Context, device string, seq uint64) (*ReadingProof, error) {
	p, err := devicePath(device)
	if err != nil {
		return nil, err
	}
	return fetch[ReadingProof](ctx, c, p+"/readings/"+strconv.FormatUint(seq, 10)+"/proof", nil)
}

// ErrReadingProof is returned by VerifyReadingProof.
var ErrReadingProof = errors.New("client: reading proof does not verify")

// VerifyReadingProof checks a reading's proof: the reading is signed by
// deviceKey (hex, from the ledger's identity of the device) and is reading
// number Seq of Device; its RFC 6962 inclusion proof reaches the root the
// anchor holds; and the anchor's ledger proof verifies under appHash (the
// app hash of block p.AnchorProof.VerifyAgainst.BlockHeight, from a source
// you trust) with exactly the anchor as its value. It returns the reading's
// Observation.
func VerifyReadingProof(p *ReadingProof, deviceKey string, appHash []byte) (json.RawMessage, error) {
	if p == nil || p.AnchorProof == nil {
		return nil, fmt.Errorf("%w: incomplete", ErrReadingProof)
	}
	t, err := tx.Decode(p.Reading)
	if err != nil {
		return nil, fmt.Errorf("%w: reading: %v", ErrReadingProof, err)
	}
	if err := t.Verify(); err != nil || t.Body.Signer.String() != deviceKey || t.Body.Type != TypeDeviceReading {
		return nil, fmt.Errorf("%w: the reading is not a telemetry reading signed by key %s", ErrReadingProof, deviceKey)
	}
	var r DeviceReading
	if err := json.Unmarshal(t.Body.Msg, &r); err != nil || r.Seq != p.Seq {
		return nil, fmt.Errorf("%w: the reading is not number %d", ErrReadingProof, p.Seq)
	}
	var anchor TelemetryBatch
	if err := json.Unmarshal(p.AnchorProof.Value, &anchor); err != nil {
		return nil, fmt.Errorf("%w: the proven value is not a batch anchor", ErrReadingProof)
	}
	if anchor.Device != p.Device || anchor.Root != p.Root || p.Seq < anchor.First || p.Seq > anchor.Last || uint64(anchor.Count) != p.Size {
		return nil, fmt.Errorf("%w: the ledger's anchor (device %s, seq %d-%d, %d readings, root %s) is not the proof's", ErrReadingProof, anchor.Device, anchor.First, anchor.Last, anchor.Count, anchor.Root)
	}
	root, err := hex.DecodeString(p.Root)
	if err != nil {
		return nil, fmt.Errorf("%w: root: %v", ErrReadingProof, err)
	}
	hashes := make([][]byte, len(p.Hashes))
	for i, h := range p.Hashes {
		if hashes[i], err = hex.DecodeString(h); err != nil {
			return nil, fmt.Errorf("%w: hashes[%d]: %v", ErrReadingProof, i, err)
		}
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, p.Size, rfc6962.DefaultHasher.HashLeaf(p.Reading), hashes, root); err != nil {
		return nil, fmt.Errorf("%w: inclusion: %v", ErrReadingProof, err)
	}
	if err := VerifyProof(p.AnchorProof, appHash); err != nil {
		return nil, err
	}
	if !bytes.Equal([]byte(p.AnchorProof.Key), []byte(p.Key)) {
		return nil, fmt.Errorf("%w: the ledger proof is of key %q, not %q", ErrReadingProof, p.AnchorProof.Key, p.Key)
	}
	return r.Observation, nil
}

// AlertRules lists an organisation's alert rules.
func (c *Client) AlertRules(ctx context.Context, org string) (*Page[AlertRule], error) {
	return fetch[Page[AlertRule]](ctx, c, "/v1/telemetry/rules", url.Values{"org": {org}})
}

// AlertRule reads an alert rule.
func (c *Client) AlertRule(ctx context.Context, id string) (*AlertRule, error) {
	return fetch[AlertRule](ctx, c, "/v1/telemetry/rules/"+url.PathEscape(id), nil)
}

// TelemetryAlerts lists an organisation's alerts (org) or a patient's
// (patient), of one status if status is not empty.
func (c *Client) TelemetryAlerts(ctx context.Context, org, patient, status string) (*Page[TelemetryAlert], error) {
	q := url.Values{}
	for k, v := range map[string]string{"org": org, "patient": patient, "status": status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return fetch[Page[TelemetryAlert]](ctx, c, "/v1/telemetry/alerts", q)
}

// TelemetryAlert reads an alert.
func (c *Client) TelemetryAlert(ctx context.Context, id string) (*TelemetryAlert, error) {
	return fetch[TelemetryAlert](ctx, c, "/v1/telemetry/alerts/"+url.PathEscape(id), nil)
}

// MonitoringEvidence reads a patient's billing evidence for the 30 days
// from from (YYYY-MM-DD); WithProof attaches the ledger's proof of one
// batch per day (check each with VerifyProof).
func (c *Client) MonitoringEvidence(ctx context.Context, patient, from string, opts ...ReadOption) (*Evidence, error) {
	q := readQuery(opts)
	q.Set("from", from)
	return fetch[Evidence](ctx, c, "/v1/telemetry/patients/"+url.PathEscape(patient)+"/evidence", q)
}
