package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/epcis"
	"github.com/medchain/medchain/internal/epcismap"
	"github.com/medchain/medchain/internal/itemid"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
)

// verifyView is the answer to a scan.
type verifyView struct {
	Code string `json:"code"`
	supply.Verdict
	// Alert is the ID of the alert this scan recorded on the ledger, or of
	// the one already recorded for the same item and reason.
	Alert string `json:"alert,omitempty"`
	// AlertError says why a suspect scan could not be recorded.
	AlertError string `json:"alert_error,omitempty"`
}

// itemIDOf turns what a scanner read into an item ID: a GS1 element string
// (with parentheses or FNC1/GS separators), a Digital Link URI, or an item
// ID as the ledger writes it.
func itemIDOf(code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", badParam("code", "is required: a GS1 element string, a GS1 Digital Link URI or an item ID")
	}
	if _, _, err := supply.ParseID(code); err == nil {
		return code, nil
	}
	id, err := parseGS1(code)
	if err != nil {
		return "", badParam("code", "%v", err)
	}
	return id, nil
}

// verifyScan handles GET /v1/supply/verify?code=...&location=GLN: public,
// no signature (the server's per-client rate limit bounds it). A suspect
// scan (unknown serial, a pack already dispensed or destroyed) is recorded
// as an alert the manufacturer and regulators see, with coded fields only:
// the item ID, the suspect reason and the GLN, if given. The Reporter
// writes one alert per item and reason per supply.AlertPeriod; later scans
// answer its ID.
func (s *Server) verifyScan(w http.ResponseWriter, r *http.Request) error {
	code, location := r.URL.Query().Get("code"), r.URL.Query().Get("location")
	id, err := itemIDOf(code)
	if err != nil {
		return err
	}
	if err := supply.ValidLocation(location); err != nil {
		return badParam("location", "must be a GLN: 13 digits with their check digit, got %q", location)
	}
	v := verifyView{Code: code, Verdict: s.app.Supply().Verify(s.app.State().Committed(), id, s.app.LastBlockTime())}
	if v.Suspect != "" && s.reporter != nil {
		if v.Alert, err = s.reporter(r.Context(), id, v.Suspect, location); err != nil {
			v.AlertError = err.Error()
			s.log.Error("api: suspect scan not recorded", "item", id, "err", err)
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request) error {
	if err := gtinParam(r.PathValue("gtin")); err != nil {
		return err
	}
	p, ok := s.app.Supply().Product(s.app.State().Committed(), r.PathValue("gtin"))
	if !ok {
		return fmt.Errorf("%w: product %q", supply.ErrNotFound, r.PathValue("gtin"))
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) getLot(w http.ResponseWriter, r *http.Request) error {
	if err := lotParams(r); err != nil {
		return err
	}
	l, ok := s.app.Supply().Lot(s.app.State().Committed(), r.PathValue("gtin"), r.PathValue("lot"))
	if !ok {
		return fmt.Errorf("%w: lot %q of %q", supply.ErrNotFound, r.PathValue("lot"), r.PathValue("gtin"))
	}
	return writeJSON(w, http.StatusOK, l)
}

// lotHolders handles GET /v1/supply/lots/{gtin}/{lot}/holders: who holds
// units of the lot now (for a recall).
func (s *Server) lotHolders(w http.ResponseWriter, r *http.Request) error {
	if err := lotParams(r); err != nil {
		return err
	}
	view := s.app.State().Committed()
	gtin, lot := r.PathValue("gtin"), r.PathValue("lot")
	if _, ok := s.app.Supply().Lot(view, gtin, lot); !ok {
		return fmt.Errorf("%w: lot %q of %q", supply.ErrNotFound, lot, gtin)
	}
	return writeJSON(w, http.StatusOK, pageView[supply.Holder]{Items: nonNil(s.app.Supply().Holders(view, gtin, lot, 100))})
}

func (s *Server) getItem(w http.ResponseWriter, r *http.Request) error {
	id, err := itemIDOf(r.PathValue("id"))
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	it, ok := s.app.Supply().Item(view, id)
	if !ok {
		return fmt.Errorf("%w: item %q", supply.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, itemView{Item: it, History: nonNil(s.app.Supply().History(view, id)), Contents: s.app.Supply().Children(view, id, maxLimit)})
}

type itemView struct {
	supply.Item
	History  []supply.Custody `json:"history"`
	Contents []string         `json:"contents,omitempty"`
}

func (s *Server) getShipment(w http.ResponseWriter, r *http.Request) error {
	if id := r.PathValue("id"); !shipmentIDPattern.MatchString(id) {
		return badParam("id", "a shipment ID is sh- and 24 lower-case hex digits, got %q", id)
	}
	sh, ok := s.app.Supply().Shipment(s.app.State().Committed(), r.PathValue("id"))
	if !ok {
		return fmt.Errorf("%w: shipment %q", supply.ErrNotFound, r.PathValue("id"))
	}
	return writeJSON(w, http.StatusOK, shipmentView{Shipment: sh, ColdChain: sh.ColdChainVerdict()})
}

type shipmentView struct {
	supply.Shipment
	ColdChain string `json:"cold_chain"`
}

// listAlerts handles GET /v1/supply/alerts?manufacturer=ORG.
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) error {
	m := r.URL.Query().Get("manufacturer")
	return writeJSON(w, http.StatusOK, pageView[supply.Alert]{Items: nonNil(s.app.Supply().Alerts(s.app.State().Committed(), m, maxLimit))})
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	h := r.URL.Query().Get("hash")
	if h == "" {
		return badParam("hash", "is required: a CBV 2.0 event hash ni:///sha-256;...?ver=CBV2.0")
	}
	e, ok := s.app.Supply().Event(s.app.State().Committed(), h)
	if !ok {
		return fmt.Errorf("%w: no EPCIS event %s on the ledger", supply.ErrNotFound, h)
	}
	return writeJSON(w, http.StatusOK, e)
}

// parseGS1 reads a GS1 element string, Digital Link URI or EPC URN.
func parseGS1(code string) (string, error) { return itemid.Read(code) }

// epcisToEvents handles POST /v1/supply/epcis: it validates an EPCIS 2.0
// document against GS1's schema, computes each event's CBV hash and maps the
// events to the supply/events messages the capturing member then signs
// (at most 100 events each). Nothing is written.
func (s *Server) epcisToEvents(w http.ResponseWriter, r *http.Request) error {
	// EPCIS 2.0 documents are JSON-LD: application/ld+json is JSON too.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/ld+json") {
		if err := requireJSON(r); err != nil {
			return err
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEPCISDocument))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{code: codeBodyTooLarge, kind: kindTooLarge, msg: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)}
		}
		return unreadable(err)
	}
	doc, err := epcis.Parse(body)
	if err != nil {
		return invalidDocument(err)
	}
	m, err := epcismap.Map(doc, s.app.State().Committed(), s.app.Supply())
	if err != nil {
		return fmt.Errorf("%w: %w", supply.ErrInvalidDocument, err)
	}
	v := epcisView{Type: supply.TypeEvents, Notes: m.Notes}
	for i := 0; i < len(m.Events); i += 100 {
		v.Msgs = append(v.Msgs, supply.Events{Events: m.Events[i:min(i+100, len(m.Events))]})
	}
	return writeJSON(w, http.StatusOK, v)
}

// maxEPCISDocument bounds the body of POST /v1/supply/epcis.
const maxEPCISDocument = 16 << 20

type epcisView struct {
	Type  string          `json:"type"`
	Msgs  []supply.Events `json:"msgs"`
	Notes []string        `json:"notes,omitempty"`
}

// invalidDocument is the problem of an EPCIS document that does not
// validate against GS1's schema: supply.invalid_document, with the JSON
// pointer of the first offending value as the problem's field and every
// problem, one a line, as its detail.
func invalidDocument(err error) error {
	var ve *epcis.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return fmt.Errorf("%w: %w", supply.ErrInvalidDocument, err)
	}
	return &apiError{code: chain.CodeOf(supply.ErrInvalidDocument).ID(), kind: ledger.KindInvalid,
		field: ve.Problems[0].Location, msg: "EPCIS document does not validate against GS1's schema:\n" + ve.Error()}
}

// Parameter formats. They only reject what cannot name anything on the
// ledger; whether it exists is the module's answer.
var (
	shipmentIDPattern = regexp.MustCompile(`^sh-[0-9a-f]{24}$`)
	demandIDPattern   = regexp.MustCompile(`^dm-[0-9a-f]{24}$`)
	transformPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)
	regionPattern     = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)
)

func gtinParam(gtin string) error {
	if err := supply.ValidGTIN(gtin); err != nil {
		return badParam("gtin", "%v", err)
	}
	return nil
}

// lotParams checks the {gtin} and {lot} of a lot's path.
func lotParams(r *http.Request) error {
	if err := gtinParam(r.PathValue("gtin")); err != nil {
		return err
	}
	if lot := r.PathValue("lot"); supply.ValidLot(lot) != nil {
		return badParam("lot", "%v", supply.ValidLot(lot))
	}
	return nil
}

// lotTrace handles GET /v1/supply/lots/{gtin}/{lot}/trace: the
// transformations the lot descends from and the donations (with their
// tests) it was made of.
func (s *Server) lotTrace(w http.ResponseWriter, r *http.Request) error {
	if err := lotParams(r); err != nil {
		return err
	}
	view := s.app.State().Committed()
	gtin, lot := r.PathValue("gtin"), r.PathValue("lot")
	if _, ok := s.app.Supply().Lot(view, gtin, lot); !ok {
		return fmt.Errorf("%w: lot %q of %q", supply.ErrNotFound, lot, gtin)
	}
	return writeJSON(w, http.StatusOK, s.app.Supply().TraceLot(view, gtin, lot).ForCaller(s.app.Supply(), caller(r)))
}

// donationView is a donation with its components as items. The donation's
// own "components" is their count.
type donationView struct {
	supply.Donation
	ComponentItems []supply.Item `json:"component_items"`
}

// getDonation handles GET /v1/supply/donations/{din}.
func (s *Server) getDonation(w http.ResponseWriter, r *http.Request) error {
	din, err := supply.ParseDIN(r.PathValue("din"))
	if err != nil {
		return badParam("din", "%v", err)
	}
	if err := s.app.Supply().SeesDonations(caller(r)); err != nil {
		return err
	}
	view := s.app.State().Committed()
	d, ok := s.app.Supply().Donation(view, din)
	if !ok {
		return fmt.Errorf("%w: donation %s", supply.ErrNotFound, din)
	}
	v := donationView{Donation: d, ComponentItems: []supply.Item{}}
	for _, id := range s.app.Supply().DonationComponents(view, din) {
		if it, ok := s.app.Supply().Item(view, id); ok {
			v.ComponentItems = append(v.ComponentItems, it)
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

// donorLookback handles GET /v1/supply/lookback/donors/{donor}: every
// component of every donation of a donor and, for transfused ones, the
// recipient.
func (s *Server) donorLookback(w http.ResponseWriter, r *http.Request) error {
	donor := r.PathValue("donor")
	if err := supply.ValidDonor(donor); err != nil {
		return badParam("donor", "%v", err)
	}
	ts, err := s.app.Supply().DonorTraces(caller(r), donor, s.app.Supply().DonorLookback(s.app.State().Committed(), donor))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageView[supply.Trace]{Items: ts})
}

// recipientLookback handles GET /v1/supply/lookback/recipients/{id}: every
// component transfused to a patient, with its donation, donor and tests.
func (s *Server) recipientLookback(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := ledger.ValidPatientID(id); err != nil {
		return badParam("id", "a recipient is %v", err)
	}
	view := s.app.State().Committed()
	ts := s.app.Supply().RecipientLookback(view, id)
	if s.app.Records().SeesPatient(view, caller(r), id, s.now()) == nil {
		ts = supply.WithoutDonors(ts)
	} else {
		var err error
		if ts, err = s.app.Supply().RecipientTraces(caller(r), id, ts); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, pageView[supply.Trace]{Items: nonNil(ts)})
}

// transformationView is a transformation with the items it consumed. The
// transformation's own "inputs" is their count; its outputs are lots.
type transformationView struct {
	supply.Transformation
	InputItems []string `json:"input_items"`
}

// getTransformation handles GET /v1/supply/transformations/{id}.
func (s *Server) getTransformation(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !transformPattern.MatchString(id) {
		return badParam("id", "a transformation ID is 1 to 100 letters, digits and . _ : -, got %q", id)
	}
	view := s.app.State().Committed()
	tf, ok := s.app.Supply().Transformation(view, id)
	if !ok {
		return fmt.Errorf("%w: transformation %q", supply.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, transformationView{Transformation: tf, InputItems: nonNil(s.app.Supply().TransformationInputs(view, id, maxLimit))})
}

// demandView is a PPE demand with the pledges against it.
type demandView struct {
	supply.Demand
	Pledges []supply.Pledge `json:"pledges"`
}

// getDemand handles GET /v1/supply/demands/{id}.
func (s *Server) getDemand(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !demandIDPattern.MatchString(id) {
		return badParam("id", "a demand ID is dm- and 24 lower-case hex digits, got %q", id)
	}
	view := s.app.State().Committed()
	d, ok := s.app.Supply().Demand(view, id)
	if !ok {
		return fmt.Errorf("%w: demand %s", supply.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, demandView{Demand: d, Pledges: nonNil(s.app.Supply().Pledges(view, id))})
}

// ppeFilters reads the optional ?item= (a PPE category or a GTIN) and
// ?region= (ISO 3166-2 or a country code) of the PPE lists.
func ppeFilters(r *http.Request) (item, region string, err error) {
	q := r.URL.Query()
	item, region = q.Get("item"), q.Get("region")
	if item != "" && !slices.Contains(supply.PPECategories, item) && supply.ValidGTIN(item) != nil {
		return "", "", badParam("item", "must be a GTIN-14 or one of %v, got %q", supply.PPECategories, item)
	}
	if region != "" && !regionPattern.MatchString(region) {
		return "", "", badParam("region", "must be an ISO 3166-2 code such as US-MA, or a country code, got %q", region)
	}
	return item, region, nil
}

// listDemands handles GET /v1/supply/demands?item=&region=: open demands,
// by item, region and ID. Without ?item= it lists the open demands of
// every item that has any (the shortage totals name them).
func (s *Server) listDemands(w http.ResponseWriter, r *http.Request) error {
	item, region, err := ppeFilters(r)
	if err != nil {
		return err
	}
	view := s.app.State().Committed()
	var itemsOf []string
	if item != "" {
		itemsOf = []string{item}
	} else {
		for _, sh := range s.app.Supply().Shortages(view, "", region) {
			if !slices.Contains(itemsOf, sh.Item) {
				itemsOf = append(itemsOf, sh.Item)
			}
		}
	}
	page := pageView[supply.Demand]{Items: []supply.Demand{}}
	for _, it := range itemsOf {
		if len(page.Items) >= maxLimit {
			break
		}
		page.Items = append(page.Items, s.app.Supply().OpenDemands(view, it, region, maxLimit-len(page.Items))...)
	}
	return writeJSON(w, http.StatusOK, page)
}

// listShortages handles GET /v1/supply/shortages?item=&region=.
func (s *Server) listShortages(w http.ResponseWriter, r *http.Request) error {
	item, region, err := ppeFilters(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, pageView[supply.Shortage]{Items: nonNil(s.app.Supply().Shortages(s.app.State().Committed(), item, region))})
}
