package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/fhirdoc"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/vault"
)

// readWith is GET path with a signed records/read-request in the facade's
// header ("" sends none).
func (e *env) readWith(path, header string) (*http.Response, []byte) {
	e.t.Helper()
	return e.doWith(http.MethodGet, path, "", nil, func(req *http.Request) {
		if header != "" {
			req.Header.Set(api.ReadRequestHeader, header)
		}
	})
}

// readHeader is signer's signed request to read record under purpose,
// encoded for the facade's header.
func (e *env) readHeader(signer, record, purpose string) string {
	e.t.Helper()
	return base64.StdEncoding.EncodeToString(e.sign(signer, records.TypeReadRequest, records.ReadRequest{Record: record, Purpose: purpose}))
}

// receiptIn reports whether the patient's access log holds receipt, and
// its outcome.
func receiptIn(e *env, patient, receipt string) (string, bool) {
	e.t.Helper()
	var log struct{ Items []records.Receipt }
	e.getAs(keyPatient, "/v1/patients/"+patient+"/access-log?limit=1000", http.StatusOK, &log)
	for _, rc := range log.Items {
		if rc.ID == receipt {
			return rc.Outcome, true
		}
	}
	return "", false
}

// Records through the facade: DocumentReference to whoever may see a
// record, its document as Binary only to the signer of a read request the
// custodian's consent check allows, receipted on the ledger before it goes
// out; never on a token alone.
func TestFHIRRecords(t *testing.T) {
	s := seedPrivate(t)
	e := s.env

	// Search: the patient sees both records, each pointing at its Binary.
	var ids []string
	for _, raw := range walkPages(t, e, keyPatient, "/fhir/DocumentReference?patient="+s.patient+"&_count=1") {
		var d struct {
			ResourceType, ID, Status string
			Subject                  struct{ Reference string }
			Category                 []struct {
				Coding []struct{ System, Code string }
			}
			Content []struct {
				Attachment struct{ ContentType, URL string }
			}
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.ResourceType != "DocumentReference" || d.Status != "current" || d.Subject.Reference != "Patient/"+s.patient ||
			len(d.Category) != 1 || d.Category[0].Coding[0].Code != "Observation" ||
			len(d.Content) != 1 || !strings.HasSuffix(d.Content[0].Attachment.URL, "/fhir/Binary/"+d.ID) {
			t.Errorf("DocumentReference: %s", raw)
		}
		ids = append(ids, d.ID)
	}
	for _, want := range []string{s.record, s.record2} {
		if !slices.Contains(ids, want) {
			t.Errorf("the patient's DocumentReferences %v lack %s", ids, want)
		}
	}
	// Read: the insurer sees the record its grant takes in, not the other;
	// nobody without a key, nor a stranger.
	resp, body := e.doAs("claims", http.MethodGet, "/fhir/DocumentReference/"+s.record, "", nil)
	fhirAnswer(t, resp, body, http.StatusOK, "DocumentReference", nil)
	resp, body = e.doAs("claims", http.MethodGet, "/fhir/DocumentReference/"+s.record2, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.doAs(keyStranger, http.MethodGet, "/fhir/DocumentReference?patient="+s.patient, "", nil)
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "chain.not_entitled", "")
	resp, body = e.do(http.MethodGet, "/fhir/DocumentReference/"+s.record, "", nil)
	wantOutcome(t, resp, body, http.StatusUnauthorized, "login", "api.unauthenticated", "")
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/DocumentReference?patient=someone", "", nil)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "patient=pt-")

	// Binary: no read request, even with a signed Authorization, is 401
	// naming the header; a header that is not base64 is 400.
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/Binary/"+s.record, "", nil)
	wantOutcome(t, resp, body, http.StatusUnauthorized, "login", "api.unauthenticated", api.ReadRequestHeader)
	resp, body = e.readWith("/fhir/Binary/"+s.record, "not base64!")
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", api.ReadRequestHeader)

	// The patient reads her record: the document as uploaded, the receipt
	// on the ledger, served.
	resp, body = e.readWith("/fhir/Binary/"+s.record, e.readHeader(keyPatient, s.record, records.PurposeTreatment))
	var bin struct {
		ID, ContentType string
		Data            []byte
		SecurityContext struct{ Reference string }
		Meta            struct{ VersionID string }
	}
	fhirAnswer(t, resp, body, http.StatusOK, "Binary", &bin)
	if bin.ID != s.record || bin.ContentType != "application/fhir+json" || string(bin.Data) != observation ||
		bin.SecurityContext.Reference != "Patient/"+s.patient || bin.Meta.VersionID != "1" {
		t.Errorf("Binary: %s", body)
	}
	if _, err := fhirdoc.Validate(bin.Data); err != nil {
		t.Errorf("the document is not FHIR: %v", err)
	}
	receipt := resp.Header.Get(api.ReceiptHeader)
	if outcome, ok := receiptIn(e, s.patient, receipt); !ok || outcome != records.Granted {
		t.Errorf("receipt %q of the served read: in the log %v, outcome %q", receipt, ok, outcome)
	}
	// The same signed request again is a replay: refused.
	h := e.readHeader("claims", s.record, records.PurposePayment)
	resp, body = e.readWith("/fhir/Binary/"+s.record, h)
	fhirAnswer(t, resp, body, http.StatusOK, "Binary", &bin)
	if bin.SecurityContext.Reference != "Consent/"+s.grant {
		t.Errorf("the insurer's read was served under %q, want its grant %s", bin.SecurityContext.Reference, s.grant)
	}
	resp, body = e.readWith("/fhir/Binary/"+s.record, h)
	if resp.StatusCode == http.StatusOK {
		t.Fatalf("a replayed read request was served: %s", body)
	}
	// Refused by the consent check, in the chain's words.
	resp, body = e.readWith("/fhir/Binary/"+s.record2, e.readHeader("claims", s.record2, records.PurposePayment))
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "records.out_of_scope", "covers records ["+s.record+"]")
	resp, body = e.readWith("/fhir/Binary/"+s.record, e.readHeader("claims", s.record, records.PurposeResearch))
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "records.purpose_not_granted", "")
	// A request for another record than the path's: 400, and no receipt.
	h = e.readHeader(keyPatient, s.record2, records.PurposeTreatment)
	var rr struct{ Hash string }
	resp, body = e.readWith("/fhir/Binary/"+s.record, h)
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "the read request is for record "+s.record2)
	raw, _ := base64.StdEncoding.DecodeString(h)
	sum := sha256.Sum256(raw)
	rr.Hash = hex.EncodeToString(sum[:])
	if _, ok := receiptIn(e, s.patient, rr.Hash); ok {
		t.Error("a read refused for its path was receipted")
	}
	if lost := e.vault.FlushRefusals(t.Context()); lost != 0 {
		t.Fatalf("%d receipts lost", lost)
	}

	// An erased record is gone, to the DocumentReference read and to
	// Binary, and not listed.
	e.ok(keyPatient, records.TypeErase, records.Erase{Record: s.record2, Reason: "patient-request"})
	resp, body = e.doAs(keyPatient, http.MethodGet, "/fhir/DocumentReference/"+s.record2, "", nil)
	wantOutcome(t, resp, body, http.StatusGone, "deleted", "records.erased", "erased")
	resp, body = e.readWith("/fhir/Binary/"+s.record2, e.readHeader(keyPatient, s.record2, records.PurposeTreatment))
	wantOutcome(t, resp, body, http.StatusGone, "deleted", "records.erased", "")
	for _, raw := range walkPages(t, e, keyPatient, "/fhir/DocumentReference?patient="+s.patient) {
		if strings.Contains(string(raw), s.record2) {
			t.Errorf("an erased record listed: %s", raw)
		}
	}
	// Pages of one: every page holds its one record, none is left empty
	// for the erased one it skipped, and the last has no next link.
	path := "/fhir/DocumentReference?patient=" + s.patient + "&_count=1"
	for pages := 0; path != ""; pages++ {
		resp, body := e.doAs(keyPatient, http.MethodGet, path, "", nil)
		var b fhirBundle
		fhirAnswer(t, resp, body, http.StatusOK, "Bundle", &b)
		if len(b.Entry) != 1 || b.Entry[0].Resource.ID == s.record2 || pages > 5 {
			t.Fatalf("page %d of one: %s", pages, body)
		}
		path = ""
		if n := b.next(); n != "" {
			path = n[strings.Index(n, "/fhir/"):]
		}
	}
}

// A claim document sealed in a record reads as FHIR Claim, checked against
// the claim's anchored hash; a claim whose document travels off chain is
// not found, and only to a reader the consent check allows.
func TestFHIRClaim(t *testing.T) {
	s := seedPrivate(t)
	e := s.env
	doc, err := os.ReadFile("../claimcheck/testdata/claim-rule.json")
	if err != nil {
		t.Fatal(err)
	}
	var up struct{ Uploads []vault.Uploaded }
	e.post("/v1/records/uploads", "application/json",
		signed(e.sign("dr-grey", records.TypeUpload, records.Upload{Patient: s.patient, Document: doc})), http.StatusCreated, &up)
	e.ok("dr-grey", records.TypeAdd, records.Add{Anchors: []records.Anchor{up.Uploads[0].Anchor}})
	rec := up.Uploads[0].Record
	sum := sha256.Sum256(doc)
	claim := e.created("dr-grey", claims.TypeSubmit, claims.Submit{Record: rec, Coverage: s.coverage, Version: 1,
		Hash: hex.EncodeToString(sum[:]), Items: 1, Total: 17500, Currency: "USD", Prechecked: true})

	resp, body := e.readWith("/fhir/Claim/"+claim, e.readHeader(keyPatient, rec, records.PurposeTreatment))
	var c struct{ ResourceType, ID, Status string }
	fhirAnswer(t, resp, body, http.StatusOK, "Claim", &c)
	var orig map[string]any
	if err := json.Unmarshal(doc, &orig); err != nil {
		t.Fatal(err)
	}
	if c.ID != claim || c.Status != orig["status"] || !strings.HasPrefix(string(body), `{"resourceType":"Claim","id":`) {
		t.Errorf("Claim %s: %s", claim, body)
	}
	if resp.Header.Get(api.ReceiptHeader) == "" {
		t.Error("a served Claim without its receipt")
	}
	// The seeded claim has no record: not found, to a reader who may read
	// the record the request names.
	resp, body = e.readWith("/fhir/Claim/"+s.claim, e.readHeader(keyPatient, rec, records.PurposeTreatment))
	wantOutcome(t, resp, body, http.StatusNotFound, "not-found", "claims.not_found", "travels off chain")
	// A stranger's read request is refused before the claim is looked at.
	resp, body = e.readWith("/fhir/Claim/"+claim, e.readHeader(keyStranger, rec, records.PurposeTreatment))
	wantOutcome(t, resp, body, http.StatusForbidden, "forbidden", "records.no_grant", "")
	resp, body = e.readWith("/fhir/Claim/"+claim, e.readHeader(keyPatient, s.record, records.PurposeTreatment))
	wantOutcome(t, resp, body, http.StatusBadRequest, "invalid", "api.invalid_parameter", "sealed in record "+rec)
}
