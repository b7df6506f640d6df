package vault

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/medchain/medchain/internal/deid"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/research"
	"github.com/medchain/medchain/internal/seal"
	"github.com/medchain/medchain/internal/state"
)

// Research releases: the custodian side of a research/release. The node
// builds the de-identified data set from the records it keeps of the
// patients enrolled in a study (decrypting them as it does for a read),
// applies the Safe Harbor rule set of internal/deid, records the manifest
// on the ledger signed by the custodian identity, and keeps the data set
// (de-identified, under its SHA-256) for the researchers who access it.
// The ledger, never the node, decides who may release and who may read.

// maxReleaseRecords bounds the records of one patient a release reads.
const maxReleaseRecords = 10_000

// Built is a release this node built and recorded.
type Built struct {
	Release research.Release
	// Data is the de-identified data set: a FHIR Bundle of type
	// collection, one entry per resource kept.
	Data []byte
}

// BuildRelease builds and records a release of study (for request, if not
// empty) from the records this node keeps for the organisation of by, a
// member the research module entitles to release its records. year is
// the year ages are reckoned at (the last block's).
func (v *Vault) BuildRelease(ctx context.Context, by ledger.Principal, study, request string) (Built, error) {
	view := v.app.State().Committed()
	k := v.app.Research()
	if err := k.SeesCustodian(by, by.Org); err != nil {
		return Built{}, err
	}
	c := v.orgs[by.Org]
	if c == nil {
		return Built{}, fmt.Errorf("%w: this node keeps no records of %s", records.ErrNotCustodian, by.Org)
	}
	st, ok := k.Study(view, study)
	if !ok {
		return Built{}, fmt.Errorf("%w: study %s", research.ErrNotFound, study)
	}
	data, msg, err := v.buildDataSet(view, c, st, request, v.app.LastBlockTime().Year())
	if err != nil {
		return Built{}, err
	}
	ctx, stop := context.WithTimeout(ctx, v.timeout)
	defer stop()
	out, err := c.signer.Send(ctx, research.TypeRelease, msg)
	if err != nil {
		return Built{}, err
	}
	var rl research.Release
	if err := json.Unmarshal(out.Result.Data, &rl); err != nil {
		return Built{}, fmt.Errorf("vault: release result: %w", err)
	}
	if err := v.keepDataSet(rl.DataHash, data); err != nil {
		return Built{}, err
	}
	return Built{Release: rl, Data: data}, nil
}

// buildDataSet de-identifies the latest version of every active record c
// keeps of each releasable patient, keeps the resources of the study's
// types, and returns the data set and the manifest to send. The order is
// the enrolments' (by ID), then the records' (by ID): the same state gives
// the same bytes.
func (v *Vault) buildDataSet(view *state.View, c *custodian, st research.Study, request string, year int) ([]byte, research.MakeRelease, error) {
	k, rk := v.app.Research(), v.app.Records()
	enrolled := k.Releasable(view, st.ID, c.org, request)
	if len(enrolled) == 0 {
		return nil, research.MakeRelease{}, fmt.Errorf("%w: no active enrolment in study %s lets %s release records", research.ErrState, st.ID, c.org)
	}
	key := v.pseudonymKey(c)
	rules := deid.RuleSet()
	msg := research.MakeRelease{Study: st.ID, Request: request, RuleSet: rules.Version, RuleSetHash: rules.Hash()}
	var entries []any
	for _, e := range enrolled {
		// The patient's records this node keeps, of the study's types,
		// decrypted; the FHIR ids of their Patient resources, which the
		// other records (split from one Bundle) reference.
		type doc struct{ plain []byte }
		var docs []doc
		var subjectIDs []string
		ids, _ := rk.PatientRecords(view, e.Patient, "", maxReleaseRecords)
		for _, id := range ids {
			rec, ok := rk.Record(view, id)
			if !ok || rec.Custodian != c.org || rec.Status != records.StatusActive {
				continue
			}
			ver, ok := rk.Version(view, id, rec.Latest)
			if !ok || !slices.ContainsFunc(ver.Types, func(t string) bool { return slices.Contains(st.Types, t) }) {
				continue
			}
			plain, err := v.open(c, ver)
			if err != nil {
				return nil, msg, err
			}
			docs = append(docs, doc{plain})
			if slices.Contains(ver.Types, "Patient") {
				subjectIDs = append(subjectIDs, patientIDs(plain)...)
			}
		}
		for _, d := range docs {
			res, err := deid.Deidentify(d.plain, deid.Options{Study: st.ID, Key: key, Year: year, Subject: e.Patient, SubjectIDs: subjectIDs})
			if err != nil {
				if errors.Is(err, deid.ErrInvalid) {
					continue // a resource type removed whole (a Binary, say)
				}
				return nil, msg, err
			}
			kept, n, err := ofTypes(res.Data, st.Types)
			if err != nil {
				return nil, msg, err
			}
			entries = append(entries, kept...)
			msg.Resources += n
		}
		msg.Enrolments = append(msg.Enrolments, e.ID)
	}
	msg.Patients = len(msg.Enrolments)
	bundle := map[string]any{
		"resourceType": "Bundle", "type": "collection",
		"meta":  map[string]any{"tag": []any{map[string]any{"system": "urn:medchain:deid", "code": rules.Version}}},
		"entry": entries,
	}
	if entries == nil {
		bundle["entry"] = []any{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bundle); err != nil {
		return nil, msg, err
	}
	sum := sha256.Sum256(buf.Bytes())
	msg.DataHash = hex.EncodeToString(sum[:])
	return buf.Bytes(), msg, nil
}

// patientIDs returns the ids of the Patient resources of a FHIR document
// (itself, or a Bundle's entries).
func patientIDs(raw []byte) []string {
	var doc struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Entry        []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var out []string
	if doc.ResourceType == "Patient" && doc.ID != "" {
		out = append(out, doc.ID)
	}
	for _, e := range doc.Entry {
		if e.Resource.ResourceType == "Patient" && e.Resource.ID != "" {
			out = append(out, e.Resource.ID)
		}
	}
	return out
}

// ofTypes returns the entries of a de-identified resource (or of each
// resource of a de-identified Bundle) whose type is one of types.
func ofTypes(data []byte, types []string) ([]any, int, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil, 0, err
	}
	var out []any
	add := func(r map[string]any) {
		if rt, _ := r["resourceType"].(string); slices.Contains(types, rt) {
			out = append(out, map[string]any{"resource": r})
		}
	}
	if doc["resourceType"] == "Bundle" {
		entries, _ := doc["entry"].([]any)
		for _, e := range entries {
			if m, ok := e.(map[string]any); ok {
				if r, ok := m["resource"].(map[string]any); ok {
					add(r)
				}
			}
		}
	} else {
		add(doc)
	}
	return out, len(out), nil
}

// open decrypts a record version with c's identity.
func (v *Vault) open(c *custodian, ver records.Version) ([]byte, error) {
	sum, err := hex.DecodeString(ver.Hash)
	if err != nil || len(sum) != 32 {
		return nil, fmt.Errorf("%w: anchor of %s has a bad hash", records.ErrUnavailable, ver.Record)
	}
	ct, err := v.blobs.Get([32]byte(sum))
	if err != nil {
		return nil, fmt.Errorf("%w: %s version %d: %w", records.ErrUnavailable, ver.Record, ver.Version, err)
	}
	wrapped, err := v.blobs.Key([32]byte(sum), "org:"+c.org)
	if err != nil {
		return nil, fmt.Errorf("%w: data key of %s: %w", records.ErrUnavailable, ver.Record, err)
	}
	dk, err := seal.Unwrap(wrapped, c.ident)
	if err != nil {
		return nil, fmt.Errorf("%w: data key of %s: %w", records.ErrUnavailable, ver.Record, err)
	}
	defer clear(dk)
	return seal.Open(ct, dk)
}

// pseudonymKey is c's key for research pseudonyms: derived from its age
// identity, so it lives and dies with the custodian's records, and never
// leaves the node. Without it nobody links a pseudonym to a patient, or
// one study's to another's.
func (v *Vault) pseudonymKey(c *custodian) []byte {
	m := hmac.New(sha256.New, []byte(c.ident.String()))
	m.Write([]byte("medchain research pseudonym key v1"))
	return m.Sum(nil)
}

// keepDataSet stores a data set under its SHA-256.
func (v *Vault) keepDataSet(sum string, data []byte) error {
	dir := filepath.Join(v.dir, "releases")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, sum+".json"), data, 0o600)
}

// DataSet serves a release's data set to p, whom the research module
// entitles to it: a researcher or requester with an access receipt of
// their own for the release, within its term (research.Keeper.MayRead).
func (v *Vault) DataSet(p ledger.Principal, release string) ([]byte, error) {
	view := v.app.State().Committed()
	k := v.app.Research()
	rl, err := k.MayRead(view, p, release, v.app.LastBlockTime())
	if err != nil {
		return nil, err
	}
	if v.orgs[rl.Custodian] == nil {
		return nil, fmt.Errorf("%w: release %s is held by %s's node", research.ErrNotFound, rl.ID, rl.Custodian)
	}
	data, err := os.ReadFile(filepath.Join(v.dir, "releases", rl.DataHash+".json"))
	if err != nil {
		return nil, fmt.Errorf("%w: release %s: %v", research.ErrNotFound, rl.ID, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != rl.DataHash {
		return nil, fmt.Errorf("%w: release %s: the data set does not match its manifest", research.ErrNotFound, rl.ID)
	}
	return data, nil
}
