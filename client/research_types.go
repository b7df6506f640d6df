package client

// Message types of the research module.
const (
	TypeRegisterStudy = "research/register-study"
	TypeApproveStudy  = "research/approve-study"
	TypeEnrol         = "research/enrol"
	TypeWithdraw      = "research/withdraw"
	TypeMakeRelease   = "research/release"
	TypeAccessRelease = "research/access"
	TypeRequestData   = "research/request"
	TypeCancelRequest = "research/cancel-request"
)

// GA4GH Data Use Ontology terms the ledger knows (CURIEs): data use terms
// are one permission and any modifiers.
const (
	DUONoRestriction      = "DUO:0000004" // NRES
	DUOGeneralResearch    = "DUO:0000042" // GRU
	DUOHealthMedical      = "DUO:0000006" // HMB
	DUOPopulation         = "DUO:0000011" // POA
	DUONonCommercial      = "DUO:0000046" // NCU
	DUONotForProfit       = "DUO:0000045" // NPU
	DUONotForProfitNonCom = "DUO:0000018" // NPUNCU
	DUONoPopulation       = "DUO:0000044" // NPOA
	DUOEthicsApproval     = "DUO:0000021" // IRB
	DUOPublication        = "DUO:0000019" // PUB
)

// RegisterStudy registers a study of the signer's university or hospital.
// Signed by a researcher. The result is the Study.
type RegisterStudy struct {
	// Protocol is the SHA-256 of the protocol, hex; the text stays off chain.
	Protocol string `json:"protocol"`
	// Purpose is the DUO permission the research falls under.
	Purpose string `json:"purpose"`
	// Terms are the data use terms offered to participants.
	Terms []string `json:"terms"`
	// Types are the FHIR resource types a release holds.
	Types []string `json:"resource_types"`
	// Ends is the study's last day, YYYY-MM-DD.
	Ends string `json:"ends"`
}

// ApproveStudy approves a proposed study. Signed by a member with the
// ethics-reviewer role who did not register it.
type ApproveStudy struct {
	// Study is the study's ID ("st-...").
	Study string `json:"study"`
	// Opinion, optional, is the SHA-256 of the board's written opinion.
	Opinion string `json:"opinion,omitempty"`
}

// Enrol is a patient's consent to an approved study. Signed by the
// patient. The result is the Enrolment.
type Enrol struct {
	// Study is the study's ID ("st-...").
	Study string `json:"study"`
	// Custodians are the organisations whose records of the patient may be
	// released to the study.
	Custodians []string `json:"custodians"`
	// Terms, optional, are the patient's data use terms (the study's when
	// empty).
	Terms []string `json:"terms,omitempty"`
	// Refuses are buyer classes the patient refuses: academic, clinical,
	// commercial, non-profit, payer, public.
	Refuses []string `json:"refuses,omitempty"`
}

// Withdraw ends an enrolment: no later release includes the patient.
// Signed by the patient.
type Withdraw struct {
	// Enrolment is the enrolment's ID ("en-...").
	Enrolment string `json:"enrolment"`
}

// MakeRelease records a release manifest. Custodian nodes send it
// themselves (Client.BuildRelease); it is here for completeness.
type MakeRelease struct {
	// Study is the study's ID ("st-...").
	Study string `json:"study"`
	// Request, optional, is the data request the release answers.
	Request string `json:"request,omitempty"`
	// Enrolments are the enrolments whose patients the data set holds.
	Enrolments []string `json:"enrolments"`
	// Patients is len(Enrolments).
	Patients int `json:"patients"`
	// Resources counts the FHIR resources of the data set.
	Resources int `json:"resources"`
	// RuleSet and RuleSetHash name the de-identification rule set.
	RuleSet     string `json:"rule_set"`
	RuleSetHash string `json:"rule_set_hash"`
	// DataHash is the SHA-256 of the data set, hex.
	DataHash string `json:"data_hash"`
}

// AccessRelease records an access to a release (the receipt), before the
// data set is fetched (Client.ReleaseData). Signed by a researcher of the
// study's organisation, or of the requester's for a request's release.
type AccessRelease struct {
	// Release is the release's ID ("rl-...").
	Release string `json:"release"`
}

// RequestData asks a custodian for a study's participants' data, for a
// purpose, at a price held in escrow. Signed by a researcher or admin.
type RequestData struct {
	// Study is the study's ID ("st-...").
	Study string `json:"study"`
	// Custodian is the organisation whose records are asked for.
	Custodian string `json:"custodian"`
	// Purpose is a DUO permission (HMB, POA, GRU).
	Purpose string `json:"purpose"`
	// Accepts are the obligations taken on (DUOPublication, DUOEthicsApproval).
	Accepts []string `json:"accepts,omitempty"`
	// TermDays is how long the requester may access the release.
	TermDays int `json:"term_days"`
	// Currency is an ISO 4217 code.
	Currency string `json:"currency"`
	// Price is in minor units of Currency.
	Price int64 `json:"price"`
}

// CancelRequest cancels a data request before its release, or after its
// term if the release was never accessed. Signed by a researcher or admin
// of the requester's organisation.
type CancelRequest struct {
	// Request is the request's ID ("rq-...").
	Request string `json:"request"`
}

// MsgType implements Msg.
func (CancelRequest) MsgType() string { return TypeCancelRequest }

// MsgType implements Msg.
func (RegisterStudy) MsgType() string { return TypeRegisterStudy }

// MsgType implements Msg.
func (ApproveStudy) MsgType() string { return TypeApproveStudy }

// MsgType implements Msg.
func (Enrol) MsgType() string { return TypeEnrol }

// MsgType implements Msg.
func (Withdraw) MsgType() string { return TypeWithdraw }

// MsgType implements Msg.
func (MakeRelease) MsgType() string { return TypeMakeRelease }

// MsgType implements Msg.
func (AccessRelease) MsgType() string { return TypeAccessRelease }

// MsgType implements Msg.
func (RequestData) MsgType() string { return TypeRequestData }

// Study is a registered study.
type Study struct {
	ID       string         `json:"id"`
	Org      string         `json:"org"`
	By       string         `json:"by"`
	Protocol string         `json:"protocol"`
	Purpose  string         `json:"purpose"`
	Terms    []string       `json:"terms"`
	Types    []string       `json:"resource_types"`
	Ends     string         `json:"ends"`
	Status   string         `json:"status"` // proposed | approved
	Approval *StudyApproval `json:"approval,omitempty"`
	Height   int64          `json:"height"`
	Time     int64          `json:"time"`
}

// StudyApproval is an ethics board member's approval.
type StudyApproval struct {
	By      string `json:"by"`
	Org     string `json:"org"`
	Opinion string `json:"opinion,omitempty"`
	Height  int64  `json:"height"`
	Time    int64  `json:"time"`
}

// Enrolment is a patient's consent to a study.
type Enrolment struct {
	ID            string   `json:"id"`
	Study         string   `json:"study"`
	Patient       string   `json:"patient"`
	Custodians    []string `json:"custodians"`
	Terms         []string `json:"terms"`
	Refuses       []string `json:"refuses,omitempty"`
	Height        int64    `json:"height"`
	Time          int64    `json:"time"`
	Withdrawn     int64    `json:"withdrawn,omitempty"`
	WithdrawnTime int64    `json:"withdrawn_time,omitempty"`
}

// StudyRelease is the manifest of a de-identified data set.
type StudyRelease struct {
	ID          string `json:"id"`
	Study       string `json:"study"`
	Custodian   string `json:"custodian"`
	By          string `json:"by"`
	Request     string `json:"request,omitempty"`
	RuleSet     string `json:"rule_set"`
	RuleSetHash string `json:"rule_set_hash"`
	Patients    int    `json:"patients"`
	Resources   int    `json:"resources"`
	DataHash    string `json:"data_hash"`
	Accesses    int    `json:"accesses"`
	Height      int64  `json:"height"`
	Time        int64  `json:"time"`
}

// ReleaseAccess is the receipt of an access to a release.
type ReleaseAccess struct {
	ID      string `json:"id"`
	Release string `json:"release"`
	Study   string `json:"study"`
	By      string `json:"by"`
	Org     string `json:"org"`
	Request string `json:"request,omitempty"`
	Height  int64  `json:"height"`
	Time    int64  `json:"time"`
}

// ReleaseLog is a release manifest with its access receipts.
type ReleaseLog struct {
	StudyRelease
	AccessLog []ReleaseAccess `json:"access_log"`
}

// DataRequest is a data request and its escrow.
type DataRequest struct {
	ID               string   `json:"id"`
	Study            string   `json:"study"`
	Custodian        string   `json:"custodian"`
	Org              string   `json:"org"`
	By               string   `json:"by"`
	Class            string   `json:"buyer_class"`
	Purpose          string   `json:"purpose"`
	Accepts          []string `json:"accepts,omitempty"`
	TermDays         int      `json:"term_days"`
	Until            int64    `json:"until"`
	Currency         string   `json:"currency"`
	Price            int64    `json:"price"`
	Admitted         int      `json:"admitted"`
	Status           string   `json:"status"` // escrowed | released | paid | cancelled
	Release          string   `json:"release,omitempty"`
	PaidParticipants int64    `json:"paid_participants,omitempty"`
	PaidCustodian    int64    `json:"paid_custodian,omitempty"`
	Height           int64    `json:"height"`
	Time             int64    `json:"time"`
}

// ResearchUse is one use of a participant's data.
type ResearchUse struct {
	Enrolment string          `json:"enrolment"`
	Release   StudyRelease    `json:"release"`
	Purpose   string          `json:"purpose"`
	Accesses  []ReleaseAccess `json:"accesses"`
}

// ResearchBalance is what an account received from released escrows.
type ResearchBalance struct {
	Account  string `json:"account"`
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}
