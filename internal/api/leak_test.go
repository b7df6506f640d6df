package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/medchain/medchain/internal/api"
	"github.com/medchain/medchain/internal/api/apitest"
	"github.com/medchain/medchain/internal/records"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// itemsPattern is the one route whose example paths the document's router
// cannot match as sent (see doRouted).
const itemsPattern = "GET /v1/supply/items/{id...}"

// examples maps every GET route of the server to requests that exercise it
// on the seeded chain: every block and every transaction, every seeded
// identity, and proofs of public and private keys.
func (s *seeded) examples(t *testing.T) map[string][]string {
	t.Helper()
	pt, rec, gr := s.patient, s.record, s.grant
	var blocks, txs []string
	for h := int64(1); h <= s.h.Node.Height(); h++ {
		blocks = append(blocks, "/v1/blocks/"+itoa(h))
		b, err := s.h.Node.Block(context.Background(), &h)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range b.Block.Txs {
			txs = append(txs, "/v1/txs/"+tx.HashOf(raw).String())
		}
	}
	if len(txs) < 30 {
		t.Fatalf("the seeded chain holds %d transactions", len(txs))
	}
	proofs := append(s.privateProofs(), "/v1/proofs?key=gov/o/general-hospital", "/v1/proofs?key="+url.QueryEscape("sup/i/"+s.rbc),
		"/v1/proofs?key="+url.QueryEscape("id/m/general-hospital/dr-grey"), "/v1/proofs?item="+url.QueryEscape(s.rbc),
		"/v1/proofs?credential="+s.credential)
	orgs := []string{"general-hospital", "acme-insurance", "city-lab", "bloodbank"}
	each := func(format string, args ...string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			out[i] = strings.ReplaceAll(format, "%", a)
		}
		return out
	}
	lots := []string{gtinRedCells + "/" + dinBlood, gtinPlasma + "/" + dinPlasma, gtinAlbumin + "/" + albuminLot}
	return map[string][]string{
		"GET /healthz":               {"/healthz"},
		"GET /readyz":                {"/readyz"},
		"GET /metrics":               {"/metrics"},
		"GET /v1/openapi.json":       {"/v1/openapi.json"},
		"GET /v1/status":             {"/v1/status"},
		"GET /v1/auth/whoami":        {"/v1/auth/whoami"},
		"GET /v1/txs/{hash}":         txs,
		"GET /v1/blocks/latest":      {"/v1/blocks/latest"},
		"GET /v1/blocks/{height}":    blocks,
		"GET /v1/orgs":               {"/v1/orgs?limit=1000"},
		"GET /v1/orgs/{id}":          each("/v1/orgs/%?prove=true", orgs...),
		"GET /v1/orgs/{id}/members":  each("/v1/orgs/%/members?limit=1000", orgs...),
		"GET /v1/identities/{id...}": each("/v1/identities/%?prove=true", pt, s.guardian, s.stranger, "general-hospital/dr-grey", "acme-insurance/claims"),
		"GET /v1/keys/{public_key}": each("/v1/keys/%", apitest.PubKey(keyPatient).String(), apitest.PubKey(keyGuardian).String(),
			apitest.PubKey(keyStranger).String(), apitest.PubKey("dr-grey").String()),
		"GET /v1/validators":                       {"/v1/validators"},
		"GET /v1/proposals":                        {"/v1/proposals?limit=1000"},
		"GET /v1/proposals/{id}":                   {"/v1/proposals/1"},
		"GET /v1/proofs":                           proofs,
		"GET /v1/records/{id}":                     {"/v1/records/" + rec, "/v1/records/" + s.record2},
		"GET /v1/patients/{id}/records":            {"/v1/patients/" + pt + "/records"},
		"GET /v1/patients/{id}/grants":             {"/v1/patients/" + pt + "/grants"},
		"GET /v1/patients/{id}/delegates":          {"/v1/patients/" + pt + "/delegates"},
		"GET /v1/patients/{id}/access-log":         {"/v1/patients/" + pt + "/access-log"},
		"GET /v1/patients/{id}/break-glass":        {"/v1/patients/" + pt + "/break-glass"},
		"GET /v1/orgs/{id}/access-log":             each("/v1/orgs/%/access-log", orgs...),
		"GET /v1/orgs/{id}/break-glass":            append(each("/v1/orgs/%/break-glass", orgs...), "/v1/orgs/general-hospital/break-glass?unreviewed=true"),
		"GET /v1/orgs/{id}/patients":               each("/v1/orgs/%/patients", orgs...),
		"GET /v1/break-glass/limits":               {"/v1/break-glass/limits"},
		"GET /v1/grants/{id}":                      {"/v1/grants/" + gr, "/v1/grants/" + gr + "?format=fhir"},
		"GET /fhir/metadata":                       {"/fhir/metadata"},
		"GET /fhir/Consent":                        {"/fhir/Consent?patient=" + pt, "/fhir/Consent?patient=Patient/" + pt + "&status=active&_count=1"},
		"GET /fhir/Consent/{id}":                   {"/fhir/Consent/" + gr},
		"GET /fhir/MeasureReport":                  {"/fhir/MeasureReport?subject=FR&measure=confirmed&date=2025-12-31", "/fhir/MeasureReport?subject=FR/reunion&measure=confirmed&date=2025-12-30"},
		"GET /fhir/MeasureReport/{id}":             {"/fhir/MeasureReport/FR.confirmed.2025-12-31", "/fhir/MeasureReport/FR.reunion.confirmed.2025-12-31"},
		"GET /fhir/ResearchStudy":                  {"/fhir/ResearchStudy"},
		"GET /fhir/ResearchStudy/{id}":             {"/fhir/ResearchStudy/" + s.study},
		"GET /fhir/Device":                         {"/fhir/Device?patient=" + pt, "/fhir/Device?organization=general-hospital"},
		"GET /fhir/Device/{id}":                    {"/fhir/Device/" + strings.Replace(seedDevice, "/", ".", 1)},
		"GET /fhir/ClaimResponse":                  {"/fhir/ClaimResponse?patient=" + pt, "/fhir/ClaimResponse?requestor=general-hospital", "/fhir/ClaimResponse?insurer=acme-insurance"},
		"GET /fhir/ClaimResponse/{id}":             {"/fhir/ClaimResponse/" + s.claim + "-1"},
		"GET /fhir/Coverage":                       {"/fhir/Coverage?patient=" + pt},
		"GET /fhir/Coverage/{id}":                  {"/fhir/Coverage/" + s.coverage},
		"GET /fhir/DocumentReference":              {"/fhir/DocumentReference?patient=" + pt},
		"GET /fhir/DocumentReference/{id}":         {"/fhir/DocumentReference/" + s.record},
		"GET /fhir/Binary/{id}":                    {"/fhir/Binary/" + s.record},
		"GET /fhir/Claim/{id}":                     {"/fhir/Claim/" + s.claim},
		"GET /fhir/VerificationResult/{id}":        {"/fhir/VerificationResult/" + s.credCase + "-0", "/fhir/VerificationResult/" + s.credCase + "-1"},
		"GET /fhir/AuditEvent":                     {"/fhir/AuditEvent?patient=" + pt, "/fhir/AuditEvent?source=general-hospital", "/fhir/AuditEvent?source=acme-insurance"},
		"GET /v1/supply/verify":                    each("/v1/supply/verify?code=%", url.QueryEscape(s.rbc), url.QueryEscape(s.plasma)),
		"GET /v1/supply/products/{gtin}":           each("/v1/supply/products/%", gtinRedCells, gtinPlasma, gtinAlbumin),
		"GET /v1/supply/lots/{gtin}/{lot}":         each("/v1/supply/lots/%", lots...),
		"GET /v1/supply/lots/{gtin}/{lot}/holders": each("/v1/supply/lots/%/holders", lots...),
		"GET /v1/supply/lots/{gtin}/{lot}/trace":   each("/v1/supply/lots/%/trace", lots...),
		itemsPattern:                               each("/v1/supply/items/%", url.PathEscape(s.rbc), url.PathEscape(s.plasma), url.PathEscape(supply.UnitID(gtinAlbumin, "ALB0001"))),
		"GET /v1/supply/shipments/{id}":            {"/v1/supply/shipments/" + s.shipment},
		"GET /v1/supply/alerts":                    {"/v1/supply/alerts"},
		"GET /v1/supply/events":                    {"/v1/supply/events?hash=" + strings.Repeat("AB", 32)},
		"GET /v1/supply/donations/{din}":           {"/v1/supply/donations/" + dinBlood, "/v1/supply/donations/" + dinPlasma},
		"GET /v1/supply/lookback/donors/{donor}":   {"/v1/supply/lookback/donors/" + seedDonorBlood, "/v1/supply/lookback/donors/" + seedDonorPlasma},
		"GET /v1/supply/lookback/recipients/{id}":  {"/v1/supply/lookback/recipients/" + pt},
		"GET /v1/supply/transformations/{id}":      {"/v1/supply/transformations/" + plasmaPoolID},
		"GET /v1/supply/demands":                   {"/v1/supply/demands"},
		"GET /v1/supply/demands/{id}":              {"/v1/supply/demands/" + s.demand},
		"GET /v1/supply/shortages":                 {"/v1/supply/shortages"},
		"GET /v1/donations/campaigns":              {"/v1/donations/campaigns"},
		"GET /v1/donations/campaigns/{id}":         {"/v1/donations/campaigns/" + s.campaign},
		"GET /v1/donations/campaigns/{id}/export":  each("/v1/donations/campaigns/"+s.campaign+"/export?format=%", "json", "csv"),
		"GET /v1/donations/needs/{id}":             {"/v1/donations/needs/" + s.need},
		"GET /v1/donations/pledges/{id}":           {"/v1/donations/pledges/" + s.orgPledge, "/v1/donations/pledges/" + s.orgPledge + "?prove=true"},
		"GET /v1/donations/donors/{donor}":         {"/v1/donations/donors/acme-insurance"},
		"GET /v1/credentials/issuers":              {"/v1/credentials/issuers"},
		"GET /v1/credentials/shc-issuers":          {"/v1/credentials/shc-issuers"},
		"GET /v1/credentials/cases/{id}":           {"/v1/credentials/cases/" + s.credCase, "/v1/credentials/cases/" + s.credCase + "?format=fhir"},
		"GET /v1/credentials":                      {"/v1/credentials?subject=general-hospital/dr-grey", "/v1/credentials?issuer=board", "/v1/credentials?expiring_within=3660"},
		"GET /v1/credentials/{id}":                 {"/v1/credentials/" + s.credential + "?prove=true"},
		"GET /v1/credentials/status-lists/{org}/{purpose}": {"/v1/credentials/status-lists/board/revocation",
			"/v1/credentials/status-lists/board/suspension?prove=true"},
		"GET /v1/pools":                           {"/v1/pools"},
		"GET /v1/pools/{id}":                      {"/v1/pools/" + s.pool},
		"GET /v1/pools/{id}/periods":              {"/v1/pools/" + s.pool + "/periods"},
		"GET /v1/pools/{id}/claims":               {"/v1/pools/" + s.pool + "/claims"},
		"GET /v1/pools/{id}/claims/{claim}":       {"/v1/pools/" + s.pool + "/claims/" + s.aidClaim},
		"GET /v1/pools/{id}/statements/{patient}": {"/v1/pools/" + s.pool + "/statements/" + pt},
		"GET /v1/patients/{id}/pools":             {"/v1/patients/" + pt + "/pools"},
		"GET /v1/publichealth/regions":            {"/v1/publichealth/regions"},
		"GET /v1/publichealth/series": {"/v1/publichealth/series?region=FR&metric=confirmed&prove=true",
			"/v1/publichealth/series?region=FR%2Freunion&metric=confirmed&prove=true", "/v1/publichealth/series?region=FRA&metric=confirmed&at=2"},
		"GET /v1/publichealth/figures": {"/v1/publichealth/figures?region=FR&metric=confirmed&date=2025-12-31&prove=true",
			"/v1/publichealth/figures?region=FR%2Freunion&metric=confirmed&date=2025-12-30&prove=true"},
		"GET /v1/publichealth/totals":                                   {"/v1/publichealth/totals?metric=confirmed", "/v1/publichealth/totals?metric=confirmed&date=2025-12-30"},
		"GET /v1/publichealth/measurereport":                            {"/v1/publichealth/measurereport?region=FR&metric=confirmed&date=2025-12-31"},
		"GET /v1/research/studies":                                      {"/v1/research/studies"},
		"GET /v1/research/studies/{id}":                                 {"/v1/research/studies/" + s.study, "/v1/research/studies/" + s.study + "?format=fhir"},
		"GET /v1/research/studies/{id}/releases":                        {"/v1/research/studies/" + s.study + "/releases"},
		"GET /v1/research/studies/{id}/requests":                        {"/v1/research/studies/" + s.study + "/requests"},
		"GET /v1/research/releases/{id}":                                {"/v1/research/releases/" + s.release, "/v1/research/releases/" + s.release2},
		"GET /v1/research/releases/{id}/data":                           {"/v1/research/releases/" + s.release + "/data"},
		"GET /v1/research/requests/{id}":                                {"/v1/research/requests/" + s.request},
		"GET /v1/research/enrolments/{id}":                              {"/v1/research/enrolments/" + s.enrolment, "/v1/research/enrolments/" + s.enrolment + "?format=fhir"},
		"GET /v1/research/balances/{account}":                           {"/v1/research/balances/" + s.patient, "/v1/research/balances/general-hospital"},
		"GET /v1/patients/{id}/enrolments":                              {"/v1/patients/" + s.patient + "/enrolments"},
		"GET /v1/patients/{id}/research-uses":                           {"/v1/patients/" + s.patient + "/research-uses"},
		"GET /v1/orgs/{id}/releasable":                                  {"/v1/orgs/general-hospital/releasable?study=" + s.study},
		"GET /v1/telemetry/devices":                                     {"/v1/telemetry/devices?org=general-hospital", "/v1/telemetry/devices?patient=" + pt},
		"GET /v1/telemetry/devices/{org}/{handle}":                      {"/v1/telemetry/devices/" + seedDevice},
		"GET /v1/telemetry/devices/{org}/{handle}/batches":              {"/v1/telemetry/devices/" + seedDevice + "/batches"},
		"GET /v1/telemetry/devices/{org}/{handle}/gaps":                 {"/v1/telemetry/devices/" + seedDevice + "/gaps"},
		"GET /v1/telemetry/devices/{org}/{handle}/readings/{seq}/proof": {"/v1/telemetry/devices/" + seedDevice + "/readings/1/proof"},
		"GET /v1/telemetry/rules":                                       {"/v1/telemetry/rules?org=general-hospital"},
		"GET /v1/telemetry/rules/{id}":                                  {"/v1/telemetry/rules/" + s.telemetry.rule},
		"GET /v1/telemetry/alerts":                                      {"/v1/telemetry/alerts?org=general-hospital", "/v1/telemetry/alerts?patient=" + pt},
		"GET /v1/telemetry/alerts/{id}":                                 {"/v1/telemetry/alerts/" + s.telemetry.alert},
		"GET /v1/telemetry/patients/{id}/evidence":                      {"/v1/telemetry/patients/" + pt + "/evidence?from=2025-12-20&prove=true"},
		"GET /v1/plans":                                                 {"/v1/plans"},
		"GET /v1/plans/{id}":                                            {"/v1/plans/acme-basic?prove=true"},
		"GET /v1/plans/{id}/in-force":                                   {"/v1/plans/acme-basic/in-force?date=2026-03-01&prove=true"},
		"GET /v1/coverage/{id}":                                         {"/v1/coverage/" + s.coverage},
		"GET /v1/coverage/{id}/eligibility":                             each("/v1/coverage/"+s.coverage+"/eligibility?date=2026-03-01&format=%", "json", "fhir"),
		"GET /v1/patients/{id}/coverage":                                {"/v1/patients/" + pt + "/coverage"},
		"GET /v1/claims":                                                {"/v1/claims?provider=general-hospital", "/v1/claims?payer=acme-insurance", "/v1/claims?patient=" + pt},
		"GET /v1/claims/reconciliation":                                 each("/v1/claims/reconciliation?of=%", "general-hospital", "acme-insurance", pt),
		"GET /v1/claims/{id}":                                           {"/v1/claims/" + s.claim + "?prove=true"},
		"GET /v1/claims/{id}/response":                                  {"/v1/claims/" + s.claim + "/response"},
		"GET /v1/claims/{id}/payment":                                   {"/v1/claims/" + s.claim + "/payment"},

		// The EPCIS 2.0 binding (the seeded server keeps no repository: a
		// member is answered 503, anyone else is refused first).
		"GET /epcis":                                   {"/epcis"},
		"GET /epcis/capture":                           {"/epcis/capture", "/epcis/capture?perPage=1"},
		"GET /epcis/capture/{captureID}":               {"/epcis/capture/cj-0123456789abcdef01234567"},
		"GET /epcis/events":                            {"/epcis/events", "/epcis/events?EQ_bizStep=receiving&MATCH_epc=urn:epc:id:sgtin:0614141.107346.2017"},
		"GET /epcis/events/{eventID}":                  {"/epcis/events/urn:uuid:6d6ab2d3-5fd8-4b8e-a5c6-9a3a1b2a0c11"},
		"GET /epcis/eventTypes":                        {"/epcis/eventTypes"},
		"GET /epcis/bizSteps":                          {"/epcis/bizSteps"},
		"GET /epcis/dispositions":                      {"/epcis/dispositions"},
		"GET /epcis/epcs":                              {"/epcis/epcs"},
		"GET /epcis/bizLocations":                      {"/epcis/bizLocations"},
		"GET /epcis/readPoints":                        {"/epcis/readPoints"},
		"GET /epcis/eventTypes/{eventType}/events":     {"/epcis/eventTypes/ObjectEvent/events"},
		"GET /epcis/epcs/{epc}/events":                 {"/epcis/epcs/urn:epc:id:sgtin:0614141.107346.2017/events"},
		"GET /epcis/bizSteps/{bizStep}/events":         {"/epcis/bizSteps/receiving/events"},
		"GET /epcis/dispositions/{disposition}/events": {"/epcis/dispositions/in_transit/events"},
		"GET /epcis/bizLocations/{bizLocation}/events": {"/epcis/bizLocations/urn:epc:id:sgln:0614141.00002.0/events"},
		"GET /epcis/readPoints/{readPoint}/events":     {"/epcis/readPoints/urn:epc:id:sgln:0614141.00002.0/events"},
	}
}

// privateProofs are proofs of the seeded chain's private keys: of
// walk-patient's grant, records, delegation, break-glass window, identity
// and key, of the guardian's identity, and of a donation and a
// transfusion; and by ID, of the grant, the records and the claim.
func (s *seeded) privateProofs() []string {
	keys := []string{
		"rec/g/" + s.grant, "rec/r/" + s.record, "rec/r/" + s.record2, "rec/d/" + s.patient + "/" + s.guardian, "rec/bg/" + s.window,
		"id/p/" + s.patient, "id/p/" + s.guardian, "id/k/" + apitest.PubKey(keyPatient).String(),
		"sup/d/" + dinBlood, "sup/tr/" + s.rbc,
	}
	for i, k := range keys {
		keys[i] = "/v1/proofs?key=" + url.QueryEscape(k)
	}
	return append(keys, "/v1/proofs?grant="+s.grant, "/v1/proofs?record="+s.record, "/v1/proofs?record="+s.record2,
		"/v1/proofs?claim="+s.claim)
}

// refusedExamples are the example requests of routes open to some callers
// ("either") that are about walk-patient or their guardian, and so must be
// refused to anyone unrelated: asking for them names the secret, so the
// refusal, not the body, is what keeps it.
func (s *seeded) refusedExamples() []string {
	return append(s.privateProofs(),
		"/v1/identities/"+s.patient+"?prove=true", "/v1/identities/"+s.guardian+"?prove=true",
		"/v1/keys/"+apitest.PubKey(keyPatient).String(), "/v1/keys/"+apitest.PubKey(keyGuardian).String(),
		"/v1/donations/pledges/"+s.pledge, "/v1/donations/pledges/"+s.pledge+"?prove=true", "/v1/donations/donors/"+s.patient,
		"/v1/research/enrolments/"+s.enrolment, "/v1/research/enrolments/"+s.enrolment+"?format=fhir", "/v1/research/balances/"+s.patient,
		"/v1/patients/"+s.patient+"/enrolments", "/v1/patients/"+s.patient+"/research-uses",
		"/v1/pools/"+s.pool+"/claims/"+s.aidClaim, "/v1/pools/"+s.pool+"/statements/"+s.patient, "/v1/patients/"+s.patient+"/pools",
		"/fhir/DocumentReference?patient="+s.patient, "/fhir/DocumentReference/"+s.record, "/fhir/Binary/"+s.record, "/fhir/Claim/"+s.claim)
}

// leaks lists the secrets in an answer (body and headers), but for those
// the request itself names (an echo of the caller's own input is no leak)
// and those in own (the caller's own).
func leaks(secrets map[string]string, uri string, resp *http.Response, body []byte, own ...string) []string {
	var all strings.Builder
	all.Write(body)
	for k, vs := range resp.Header {
		all.WriteString("\n" + k + ": " + strings.Join(vs, ", "))
	}
	text, uri := strings.ToLower(all.String()), strings.ToLower(uri)
	var out []string
	for secret, what := range secrets {
		s := strings.ToLower(secret)
		if strings.Contains(text, s) && !strings.Contains(uri, s) && !slices.Contains(own, secret) {
			out = append(out, what+" "+secret)
		}
	}
	slices.Sort(out)
	return out
}

// walk requests every GET route of the server, as signer ("": anonymous),
// and fails on any answer that holds a secret the caller is not entitled
// to. A keyed route must refuse: 401 api.unauthenticated with a challenge
// to an anonymous caller, 403 chain.not_entitled (or an answer with no
// secret) to an authenticated one.
func (s *seeded) walk(t *testing.T, signer string, own ...string) {
	t.Helper()
	examples := s.examples(t)
	refused := s.refusedExamples()
	secrets := s.secrets()
	levels := api.RouteAccess(s.h.API)
	var patterns []string
	for p := range levels {
		if strings.HasPrefix(p, "GET ") {
			patterns = append(patterns, p)
		}
	}
	slices.Sort(patterns)
	for _, pattern := range patterns {
		paths, ok := examples[pattern]
		if !ok || len(paths) == 0 {
			t.Errorf("GET route %s is not walked: add its example requests to seeded.examples", pattern)
			continue
		}
		for _, path := range paths {
			docPath := ""
			if pattern == itemsPattern {
				docPath = "/v1/supply/items/x"
			}
			resp, body := s.doRouted(http.MethodGet, path, docPath, "", nil, func(req *http.Request) {
				if signer != "" {
					req.Header.Set("Authorization", s.authorization(signer, req))
				}
				if signer != "" && readRequestRoutes[pattern] {
					// The facade's record reads authenticate by the
					// reader's signed read request: the signer's, for the
					// patient's record.
					req.Header.Set(api.ReadRequestHeader, s.readHeader(signer, s.record, records.PurposeTreatment))
				}
			})
			echoed := own
			if readRequestRoutes[pattern] {
				echoed = append(slices.Clone(own), s.record) // the read request names it
			}
			if l := leaks(secrets, path, resp, body, echoed...); len(l) > 0 {
				t.Errorf("GET %s (%s) as %q leaks %s: %d %s", path, levels[pattern], signer, strings.Join(l, ", "), resp.StatusCode, body)
			}
			code := problemCode(body)
			switch {
			case signer != "" && resp.StatusCode == http.StatusUnauthorized:
				t.Errorf("GET %s as %q: a valid signed request refused: %s", path, signer, body)
			case slices.Contains(refused, path) && (signer == "" && resp.StatusCode != http.StatusUnauthorized ||
				signer != "" && resp.StatusCode != http.StatusForbidden):
				t.Errorf("GET %s (%s) as %q about a patient: %d %s, want it refused", path, levels[pattern], signer, resp.StatusCode, body)
			case levels[pattern] != "keyed":
			case signer == "" && (resp.StatusCode != http.StatusUnauthorized || code != "api.unauthenticated" || resp.Header.Get("WWW-Authenticate") == ""):
				t.Errorf("GET %s (keyed) anonymous: %d %s, WWW-Authenticate %q; want 401 api.unauthenticated with a challenge",
					path, resp.StatusCode, code, resp.Header.Get("WWW-Authenticate"))
			case signer != "" && resp.StatusCode >= 400 && (resp.StatusCode != http.StatusForbidden || code != "chain.not_entitled"):
				t.Errorf("GET %s (keyed) as %q: %d %s, want 403 chain.not_entitled: %s", path, signer, resp.StatusCode, code, body)
			}
		}
	}
}

// readRequestRoutes authenticate by a signed records/read-request in
// api.ReadRequestHeader, not by Authorization.
var readRequestRoutes = map[string]bool{"GET /fhir/Binary/{id}": true, "GET /fhir/Claim/{id}": true}

// problemCode is the code of a problem body, or of the FHIR facade's
// OperationOutcome ("" for anything else).
func problemCode(body []byte) string {
	var p struct {
		problem
		Issue []struct {
			Details struct {
				Coding []struct{ System, Code string }
			}
		}
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	if p.Code == "" && len(p.Issue) == 1 && len(p.Issue[0].Details.Coding) == 1 && p.Issue[0].Details.Coding[0].System == "urn:medchain:problem" {
		return p.Issue[0].Details.Coding[0].Code
	}
	return p.Code
}

// The issue's acceptance test: every GET route, walked unauthenticated on a
// chain holding one of everything private, leaks nothing; walked again
// signed by a patient related to nothing, neither.
func TestEveryGETRouteLeaksNothing(t *testing.T) {
	s := seedPrivate(t)
	t.Run("anonymous", func(t *testing.T) {
		s.env.t = t
		s.walk(t, "")
	})
	t.Run("unrelated patient", func(t *testing.T) {
		s.env.t = t
		s.walk(t, keyStranger, s.stranger)
	})
}
