package client

import (
	"context"
	"net/http"
	"net/url"
)

// Studies lists studies, paged. Public.
func (c *Client) Studies(ctx context.Context, after string, limit int) (*Page[Study], error) {
	return fetch[Page[Study]](ctx, c, "/v1/research/studies", pageQuery(after, limit))
}

// Study reads a study. Public.
func (c *Client) Study(ctx context.Context, id string) (*Study, error) {
	return fetch[Study](ctx, c, "/v1/research/studies/"+url.PathEscape(id), nil)
}

// StudyFHIR reads a study as a FHIR R4 ResearchStudy (JSON).
func (c *Client) StudyFHIR(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := c.get(ctx, "/v1/research/studies/"+url.PathEscape(id), url.Values{"format": {"fhir"}}, &b)
	return b, err
}

// StudyReleases lists a study's release manifests. Public.
func (c *Client) StudyReleases(ctx context.Context, study string) (*Page[StudyRelease], error) {
	return fetch[Page[StudyRelease]](ctx, c, "/v1/research/studies/"+url.PathEscape(study)+"/releases", nil)
}

// StudyRequests lists a study's data requests. Public.
func (c *Client) StudyRequests(ctx context.Context, study string) (*Page[DataRequest], error) {
	return fetch[Page[DataRequest]](ctx, c, "/v1/research/studies/"+url.PathEscape(study)+"/requests", nil)
}

// ReleaseLog reads a release manifest with its access receipts. Public.
func (c *Client) ReleaseLog(ctx context.Context, id string) (*ReleaseLog, error) {
	return fetch[ReleaseLog](ctx, c, "/v1/research/releases/"+url.PathEscape(id), nil)
}

// DataRequest reads a data request. Public.
func (c *Client) DataRequest(ctx context.Context, id string) (*DataRequest, error) {
	return fetch[DataRequest](ctx, c, "/v1/research/requests/"+url.PathEscape(id), nil)
}

// Enrolment reads an enrolment: signed by its patient or a custodian it
// names (As).
func (c *Client) Enrolment(ctx context.Context, id string) (*Enrolment, error) {
	return fetch[Enrolment](ctx, c, "/v1/research/enrolments/"+url.PathEscape(id), nil)
}

// EnrolmentFHIR reads an enrolment as a FHIR R4 Bundle of its
// ResearchSubject and Consent.
func (c *Client) EnrolmentFHIR(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := c.get(ctx, "/v1/research/enrolments/"+url.PathEscape(id), url.Values{"format": {"fhir"}}, &b)
	return b, err
}

// PatientEnrolments lists a patient's enrolments: signed by the patient.
func (c *Client) PatientEnrolments(ctx context.Context, patient string) (*Page[Enrolment], error) {
	return fetch[Page[Enrolment]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/enrolments", nil)
}

// ResearchUses lists every use of a patient's data: signed by the patient.
func (c *Client) ResearchUses(ctx context.Context, patient string) (*Page[ResearchUse], error) {
	return fetch[Page[ResearchUse]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/research-uses", nil)
}

// ResearchBalances reads what an account received from released escrows:
// signed by the patient or a member of the organisation.
func (c *Client) ResearchBalances(ctx context.Context, account string) (*Page[ResearchBalance], error) {
	return fetch[Page[ResearchBalance]](ctx, c, "/v1/research/balances/"+url.PathEscape(account), nil)
}

// Releasable lists the enrolments of a study an organisation may release
// (for a request, if not empty): signed by its custodian or privacy officer.
func (c *Client) Releasable(ctx context.Context, org, study, request string) (*Page[Enrolment], error) {
	q := url.Values{"study": {study}}
	if request != "" {
		q.Set("request", request)
	}
	return fetch[Page[Enrolment]](ctx, c, "/v1/orgs/"+url.PathEscape(org)+"/releasable", q)
}

// BuildRelease has the custodian's node build a de-identified release of a
// study (for a request, if not empty) and record its manifest: signed by a
// custodian or privacy officer of an organisation the node keeps records
// for (As).
func (c *Client) BuildRelease(ctx context.Context, study, request string) (*StudyRelease, error) {
	q := url.Values{"study": {study}}
	if request != "" {
		q.Set("request", request)
	}
	var out StudyRelease
	if _, err := c.do(withSignedPost(ctx), http.MethodPost, "/v1/research/releases", q, nil, "", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReleaseData fetches a release's de-identified data set (a FHIR Bundle):
// signed by someone holding an access receipt of their own for it
// (AccessRelease).
func (c *Client) ReleaseData(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := c.get(ctx, "/v1/research/releases/"+url.PathEscape(id)+"/data", nil, &b)
	return b, err
}

// EnrolDraft is the enrolment a FHIR research consent maps to: the
// message its patient signs.
type EnrolDraft struct {
	// Patient is the patient whose consent it is: the one who signs.
	Patient string `json:"patient"`
	// Msg is the research/enrol message.
	Msg Enrol `json:"msg"`
}

// ResearchConsentFromFHIR maps a FHIR R4 Bundle of a ResearchSubject and
// its Consent (as EnrolmentFHIR returns) to the research/enrol message its
// patient signs. It writes nothing.
func (c *Client) ResearchConsentFromFHIR(ctx context.Context, doc []byte) (*EnrolDraft, error) {
	var out EnrolDraft
	if _, err := c.do(ctx, http.MethodPost, "/v1/research/consents/fhir", nil, doc, "application/fhir+json", &out); err != nil {
		return nil, err
	}
	return &out, nil
}
