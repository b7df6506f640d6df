package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Plans lists plans, paged. Public.
func (c *Client) Plans(ctx context.Context, after string, limit int) (*Page[Plan], error) {
	return fetch[Page[Plan]](ctx, c, "/v1/plans", pageQuery(after, limit))
}

// Plan reads a plan with every version of its rule set. WithProof attaches
// the proofs of the plan and its versions.
func (c *Client) Plan(ctx context.Context, id string, opts ...ReadOption) (*PlanHistory, error) {
	return fetch[PlanHistory](ctx, c, "/v1/plans/"+url.PathEscape(id), readQuery(opts))
}

// PlanInForce reads the version of a plan in force on day (YYYY-MM-DD; ""
// for the last block's day).
func (c *Client) PlanInForce(ctx context.Context, id, day string, opts ...ReadOption) (*PlanVersion, error) {
	q := readQuery(opts)
	if day != "" {
		q.Set("date", day)
	}
	return fetch[PlanVersion](ctx, c, "/v1/plans/"+url.PathEscape(id)+"/in-force", q)
}

// Precheck judges a FHIR R4 Claim against a plan (version 0: the one in
// force on the claim's service date). The coverage is judged only when
// the request is signed (As) by someone entitled to see it.
func (c *Client) Precheck(ctx context.Context, claim []byte, plan string, version int) (*Precheck, error) {
	q := url.Values{"plan": {plan}}
	if version > 0 {
		q.Set("version", strconv.Itoa(version))
	}
	var out Precheck
	if _, err := c.do(withSignedPost(ctx), http.MethodPost, "/v1/claims/precheck", q, claim, "application/fhir+json", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CoverageFromFHIR maps a FHIR R4 Coverage to the claims/record-coverage
// message the payer signs (nothing is written).
func (c *Client) CoverageFromFHIR(ctx context.Context, coverage []byte) (*RecordCoverage, error) {
	var out struct {
		Msg RecordCoverage `json:"msg"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/v1/coverage/fhir", nil, coverage, "application/fhir+json", &out); err != nil {
		return nil, err
	}
	return &out.Msg, nil
}

// Coverage reads a coverage. Private: its patient, payer and the providers
// the patient consented to (As or WithToken).
func (c *Client) Coverage(ctx context.Context, id string) (*Coverage, error) {
	return fetch[Coverage](ctx, c, "/v1/coverage/"+url.PathEscape(id), nil)
}

// Eligibility answers whether a coverage is good on day ("" for the last
// block's day). Private, as Coverage.
func (c *Client) Eligibility(ctx context.Context, id, day string) (*Eligibility, error) {
	q := url.Values{}
	if day != "" {
		q.Set("date", day)
	}
	return fetch[Eligibility](ctx, c, "/v1/coverage/"+url.PathEscape(id)+"/eligibility", q)
}

// EligibilityFHIR is Eligibility as a FHIR R4 CoverageEligibilityResponse.
func (c *Client) EligibilityFHIR(ctx context.Context, id, day string) (json.RawMessage, error) {
	q := url.Values{"format": {"fhir"}}
	if day != "" {
		q.Set("date", day)
	}
	var raw json.RawMessage
	err := c.get(ctx, "/v1/coverage/"+url.PathEscape(id)+"/eligibility", q, &raw)
	return raw, err
}

// PatientCoverage lists a patient's coverage. Private: the patient.
func (c *Client) PatientCoverage(ctx context.Context, patient string) (*Page[Coverage], error) {
	return fetch[Page[Coverage]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/coverage", nil)
}

// Claim reads a claim. Private: its patient, provider and payer.
func (c *Client) Claim(ctx context.Context, id string, opts ...ReadOption) (*Claim, error) {
	return fetch[Claim](ctx, c, "/v1/claims/"+url.PathEscape(id), readQuery(opts))
}

// ClaimResponse reads the FHIR R4 ClaimResponse of a claim's latest
// decision, rebuilt from the ledger: its SHA-256 is the decision's
// Response. Private, as Claim.
func (c *Client) ClaimResponse(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := c.get(ctx, "/v1/claims/"+url.PathEscape(id)+"/response", nil, &b)
	return b, err
}

// ClaimPayment reads the FHIR R4 PaymentReconciliation of a claim's
// payment. Private, as Claim.
func (c *Client) ClaimPayment(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := c.get(ctx, "/v1/claims/"+url.PathEscape(id)+"/payment", nil, &b)
	return b, err
}

// Claims lists the claims of a party: by is "provider", "payer" or
// "patient". Private: that organisation's members, or that patient.
func (c *Client) Claims(ctx context.Context, by, who, after string, limit int) (*Page[Claim], error) {
	q := pageQuery(after, limit)
	q.Set(by, who)
	return fetch[Page[Claim]](ctx, c, "/v1/claims", q)
}

// Reconciliation totals the claims of a provider or patient: claimed,
// allowed, decided, paid and owed. Private, as Claims.
func (c *Client) Reconciliation(ctx context.Context, of string) (*Reconciliation, error) {
	return fetch[Reconciliation](ctx, c, "/v1/claims/reconciliation", url.Values{"of": {of}})
}
