package api

// Records through the FHIR facade (ADR 40). A record is a document its
// custodian keeps sealed: DocumentReference says what the ledger knows of
// it (patient, custodian, the resource types it holds, its version and
// author), to whoever may see the record, as GET /v1/records/{id} does;
// Binary/{id} is the document itself, read through the custodian's consent
// check exactly as POST /v1/records/reads is. That read needs the reader's
// signed records/read-request, in the X-Medchain-Read-Request header: the
// receipt on the ledger carries it, so a bearer token alone reads no
// record. A claim sealed in a record (claims/submit's record) reads the
// same way as Claim/{id}.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/vault"
)

// ReadRequestHeader carries a signed records/read-request (standard
// base64, as POST /v1/records/reads takes it in "request") to the facade's
// reads of record content.
const ReadRequestHeader = "X-Medchain-Read-Request"

// ReceiptHeader names the ledger receipt of a served read.
const ReceiptHeader = "X-Medchain-Receipt"

// documentReference is rec, whose latest anchor is v, as a FHIR
// DocumentReference: the document's types as categories, its content at
// Binary/{id}.
func documentReference(base string, rec records.Record, v records.Version) ([]byte, error) {
	category := make([]any, len(v.Types))
	for i, t := range v.Types {
		category[i] = map[string]any{"coding": []any{map[string]any{"system": "http://hl7.org/fhir/resource-types", "code": t}}}
	}
	doc := map[string]any{
		"resourceType": "DocumentReference",
		"id":           rec.ID,
		"meta": map[string]any{
			"versionId":   strconv.Itoa(v.Version),
			"lastUpdated": time.Unix(v.Time, 0).UTC().Format(time.RFC3339),
		},
		"identifier": []any{map[string]any{"system": "urn:medchain:record", "value": rec.ID}},
		"status":     "current",
		"category":   category,
		"subject":    map[string]any{"reference": "Patient/" + rec.Patient},
		"date":       time.Unix(v.Time, 0).UTC().Format(time.RFC3339),
		"author":     []any{map[string]any{"identifier": map[string]any{"system": "urn:medchain:member", "value": v.Author}}},
		"custodian":  map[string]any{"reference": "Organization/" + rec.Custodian},
		"content": []any{map[string]any{
			"attachment": map[string]any{
				"contentType": fhirMediaType,
				"url":         base + "/Binary/" + rec.ID,
				"creation":    time.Unix(v.Time, 0).UTC().Format(time.RFC3339),
			},
			"format": map[string]any{"system": "urn:ietf:bcp:13", "code": fhirMediaType},
		}},
	}
	if v.Supersedes != 0 {
		doc["docStatus"] = "amended"
	}
	return json.Marshal(doc)
}

// latest is the latest anchor of rec.
func (s *Server) latest(rec records.Record) (records.Version, error) {
	vs := s.app.Records().Versions(s.app.State().Committed(), rec.ID)
	if len(vs) == 0 {
		return records.Version{}, fmt.Errorf("%w: record %s has no anchor", records.ErrNotFound, rec.ID)
	}
	return vs[len(vs)-1], nil
}

// fhirReadDocumentReference answers GET /fhir/DocumentReference/{id}: what
// the ledger holds of a record, to whoever may see it (GET
// /v1/records/{id}); an erased record is gone (410).
func (s *Server) fhirReadDocumentReference(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.seenRecord(r)
	if err != nil {
		return err
	}
	if rec.Status == records.StatusErased {
		return fmt.Errorf("%w: DocumentReference/%s: the record was erased at height %d", records.ErrErased, rec.ID, rec.Erasure.Height)
	}
	v, err := s.latest(rec)
	if err != nil {
		return err
	}
	raw, err := documentReference(fhirBase(r), rec, v)
	if err != nil {
		return err
	}
	return writeFHIRRaw(w, raw)
}

// fhirSearchDocumentReference answers GET /fhir/DocumentReference?patient=:
// the patient's records the caller may see (GET
// /v1/patients/{id}/records), erased ones left out.
func (s *Server) fhirSearchDocumentReference(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pt := strings.TrimPrefix(q.Get("patient"), "Patient/")
	if pt == "" {
		pt = strings.TrimPrefix(q.Get("subject"), "Patient/")
	}
	if err := ledger.ValidPatientID(pt); err != nil {
		return badParam("patient", "a DocumentReference search names the patient: patient=pt-… (%v)", err)
	}
	count, cursor, err := fhirPage(r)
	if err != nil {
		return err
	}
	view, k := s.app.State().Committed(), s.app.Records()
	see, err := k.RecordsSeen(view, caller(r), pt, s.now())
	if err != nil {
		return err
	}
	base := fhirBase(r)
	// Erased records are left out before paging, so that no page comes
	// back short (or empty, with a next link) for what it skipped.
	live := func(rec records.Record) bool { return rec.Status != records.StatusErased && see(rec) }
	return s.writeSearch(w, r, "DocumentReference", -1, count, cursor, func(after string, n int) ([]fhirEntry, string, error) {
		recs, next := k.PatientRecordsSeen(view, pt, live, after, n)
		out := make([]fhirEntry, 0, len(recs))
		for _, rec := range recs {
			v, err := s.latest(rec)
			if err != nil {
				return nil, "", err
			}
			raw, err := documentReference(base, rec, v)
			if err != nil {
				return nil, "", err
			}
			out = append(out, fhirEntry{id: rec.ID, resource: raw})
		}
		return out, next, nil
	})
}

// signedReadRequest is the X-Medchain-Read-Request header, decoded.
func signedReadRequest(r *http.Request, what string) ([]byte, error) {
	h := r.Header.Get(ReadRequestHeader)
	if h == "" {
		return nil, &apiError{code: codeUnauthenticated, kind: ledger.KindUnauthenticated, field: ReadRequestHeader,
			msg: what + " is read through its custodian's consent check, which needs your signed records/read-request " +
				"(standard base64, as POST /v1/records/reads takes it) in the " + ReadRequestHeader +
				" header; the receipt on the ledger carries it, so a token alone reads no record"}
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(h)
	if err != nil {
		return nil, &apiError{code: codeInvalidParameter, kind: ledger.KindInvalid, field: ReadRequestHeader,
			msg: "not standard base64: the signed records/read-request's bytes, encoded as POST /v1/records/reads takes them"}
	}
	return raw, nil
}

// readRecordDocument serves a record's document through the vault to the
// signer of the request in the header; check runs on an allowed read
// before its receipt is written.
func (s *Server) readRecordDocument(w http.ResponseWriter, r *http.Request, what string, check func(records.Record, records.Version) error) (vault.Served, []byte, error) {
	if err := s.requireVault(); err != nil {
		return vault.Served{}, nil, err
	}
	raw, err := signedReadRequest(r, what)
	if err != nil {
		return vault.Served{}, nil, err
	}
	served, doc, err := s.vault.ReadDocument(r.Context(), raw, check)
	if err != nil {
		return vault.Served{}, nil, err
	}
	w.Header().Set(ReceiptHeader, served.Receipt)
	w.Header().Set("ETag", fmt.Sprintf(`W/"%d"`, served.Version.Version))
	w.Header().Set("Last-Modified", time.Unix(served.Version.Time, 0).UTC().Format(http.TimeFormat))
	w.Header().Set("Cache-Control", "no-store")
	return served, doc, nil
}

// fhirReadBinary answers GET /fhir/Binary/{id}: the record's document, as
// a Binary whose data are its bytes as the author uploaded them, to the
// signer of a read request the custodian's consent check allows.
func (s *Server) fhirReadBinary(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := records.ValidRecordID(id); err != nil {
		return badParam("id", "a Binary is a record's document: %v", err)
	}
	served, doc, err := s.readRecordDocument(w, r, "Binary/"+id, func(rec records.Record, _ records.Version) error {
		if rec.ID != id {
			return badParam(ReadRequestHeader, "the read request is for record %s, the path names %s", rec.ID, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	context := "Patient/" + served.Record.Patient
	if served.Grant != "" {
		context = "Consent/" + served.Grant
	}
	return writeFHIR(w, http.StatusOK, map[string]any{
		"resourceType": "Binary",
		"id":           id,
		"meta": map[string]any{
			"versionId":   strconv.Itoa(served.Version.Version),
			"lastUpdated": time.Unix(served.Version.Time, 0).UTC().Format(time.RFC3339),
		},
		"contentType":     fhirMediaType,
		"securityContext": map[string]any{"reference": context},
		"data":            doc,
	})
}

// fhirReadClaim answers GET /fhir/Claim/{id}: the claim document its
// provider sealed in a record (claims/submit's record), read through the
// custodian's consent check as Binary is, checked against the hash the
// ledger anchors, with the claim's ID as its id. A claim whose document
// travels off chain has none here.
func (s *Server) fhirReadClaim(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !claims.ValidID("cl-", id) {
		return badParam("id", "a Claim ID is cl- and 24 lower-case hex digits, got %q", id)
	}
	var c claims.Claim
	_, doc, err := s.readRecordDocument(w, r, "Claim/"+id, func(rec records.Record, _ records.Version) error {
		// Only a reader the ledger lets read the record gets here: what
		// the claim is, or that it exists, is told to no one else.
		got, ok := s.app.Claims().Claim(s.app.State().Committed(), id)
		switch {
		case !ok:
			return fmt.Errorf("%w: Claim/%s", claims.ErrNotFound, id)
		case got.Record == "":
			return fmt.Errorf("%w: Claim/%s: its document travels off chain, sealed in no record (its decision is ClaimResponse/%s-N)", claims.ErrNotFound, id, id)
		case got.Record != rec.ID:
			return badParam(ReadRequestHeader, "the read request is for record %s; Claim/%s is sealed in record %s", rec.ID, id, got.Record)
		}
		c = got
		return nil
	})
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(doc); hex.EncodeToString(sum[:]) != c.Hash {
		return fmt.Errorf("%w: record %s does not hash to the claim's anchored document %s", records.ErrUnavailable, c.Record, c.Hash)
	}
	out, err := withFHIRID(doc, id)
	if err != nil {
		return fmt.Errorf("%w: record %s: %w", records.ErrUnavailable, c.Record, err)
	}
	return writeFHIRRaw(w, out)
}

// withFHIRID is the resource doc with its id set to id, its members
// otherwise as they were and in their order.
func withFHIRID(doc []byte, id string) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	idJSON, _ := json.Marshal(id)
	var out strings.Builder
	out.WriteByte('{')
	first, wroteID := true, false
	put := func(k string, v []byte) {
		if !first {
			out.WriteByte(',')
		}
		first = false
		kj, _ := json.Marshal(k)
		out.Write(kj)
		out.WriteByte(':')
		out.Write(v)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		switch {
		case k == "id":
			if !wroteID {
				put(k, idJSON)
				wroteID = true
			}
		default:
			put(k, v)
			if k == "resourceType" && !wroteID {
				put("id", idJSON)
				wroteID = true
			}
		}
	}
	if !wroteID {
		put("id", idJSON)
	}
	out.WriteByte('}')
	return []byte(out.String()), nil
}
