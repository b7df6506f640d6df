package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/chain"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/identity"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/tx"
)

//go:embed openapi.json
var openAPIHand []byte

// openAPIMsgs is the generated part of the document (a JSON object of
// schemas: every message type's, generated from the SDK's types with an
// example from the module scripts, and TxBody's variants by type), written
// by `go test ./internal/api -run TestMessageSchemas -update-msg-schemas`.
//
//go:embed openapi_msgs.json
var openAPIMsgs []byte

// openAPIDoc is the document the node serves (servedDocument): openapi.json
// with the generated message schemas and the recorded examples.
var openAPIDoc = servedDocument(openAPIHand, openAPIMsgs, openAPIExamples)

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}

// Paging limits.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// State keys of the records that GET ?prove=true proves. The modules keep
// their typed maps unexported, so the API spells the keys out here; a test
// checks that each holds exactly the record the module returns, and that
// the prefixes are registered to their modules.
const (
	orgKeyPrefix     = "gov/o/" // governance orgs: gov/o/<org>
	memberKeyPrefix  = "id/m/"  // identity members: id/m/<org>/<handle>
	patientKeyPrefix = "id/p/"  // identity patients: id/p/<patient id>
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, healthView{Status: "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			return &apiError{code: codeNotReady, kind: kindUnavailable, msg: "not ready: " + err.Error()}
		}
	}
	return writeJSON(w, http.StatusOK, healthView{Status: "ready"})
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	st, err := s.node.Status(r.Context())
	if err != nil {
		return unavailable(codeNodeUnavailable, fmt.Errorf("status: %w", err))
	}
	types := s.app.MessageTypes()
	if types == nil {
		types = []string{}
	}
	return writeJSON(w, http.StatusOK, statusView{
		ChainID:           s.app.ChainID(),
		NodeID:            string(st.NodeInfo.DefaultNodeID),
		Moniker:           st.NodeInfo.Moniker,
		NodeVersion:       st.NodeInfo.Version,
		AppVersion:        chain.AppVersion,
		LatestBlockHeight: st.SyncInfo.LatestBlockHeight,
		LatestBlockHash:   hexUpper(st.SyncInfo.LatestBlockHash),
		LatestAppHash:     hexUpper(st.SyncInfo.LatestAppHash),
		LatestBlockTime:   st.SyncInfo.LatestBlockTime.UTC(),
		StateHeight:       s.app.State().Committed().Version(),
		CatchingUp:        st.SyncInfo.CatchingUp,
		MessageTypes:      types,
	})
}

func hexUpper(b []byte) string { return fmt.Sprintf("%X", b) }

// nodeNotFound reports whether a CometBFT RPC error means "no such tx or
// block". CometBFT returns these as plain fmt errors, so the text is all
// there is to go by.
func nodeNotFound(err error) bool {
	m := err.Error()
	return strings.Contains(m, "not found") || strings.Contains(m, "is not available") ||
		strings.Contains(m, "must be less than or equal to the current blockchain height")
}

func (s *Server) getTx(w http.ResponseWriter, r *http.Request) error {
	hash, err := tx.ParseHash(r.PathValue("hash"))
	if err != nil {
		return badParam("hash", "%v", err)
	}
	// The app's tx log is written before a commit is acknowledged, so a
	// transaction a client was told committed is always found there.
	// CometBFT's indexer runs behind it and only adds the events.
	rec, ok, err := s.app.LookupTx(hash)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("transaction %s is not in a committed block", hash)
	}
	v := txView{
		Hash: hash.String(), Height: rec.Height, Index: uint32(rec.Index),
		Code: rec.Code, Codespace: rec.Codespace, Log: rec.Log, CodeID: rec.CodeName,
		SignerID: rec.Signer, Body: json.RawMessage("null"), Events: []eventView{},
	}
	if len(rec.Data) > 0 && json.Valid(rec.Data) {
		v.Result = rec.Data
	}
	if t, err := tx.Decode(rec.Raw); err == nil {
		v.Type, v.Body = t.Body.Type, t.BodyBytes
	}
	if p := caller(r); p.IsZero() || p.ID != rec.Signer {
		// A transaction may name a patient (a grant, a transfusion): who
		// sent it and what it says are the signer's to see. Everyone sees
		// what a block shows.
		v.SignerID, v.Log, v.Body, v.Result, v.Redacted = "", "", json.RawMessage("null"), nil, true
		return writeJSON(w, http.StatusOK, v)
	}
	if res, err := s.node.Tx(r.Context(), hash[:], false); err == nil {
		v.Events = eventsOf(res.TxResult.Events)
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) latestBlock(w http.ResponseWriter, r *http.Request) error {
	// The latest block whose state this node has committed: its results
	// are stored, and queries read that state.
	h := s.app.State().Committed().Version()
	if h == 0 {
		return notFound("no block has been committed yet")
	}
	return s.writeBlock(w, r, h)
}

func (s *Server) blockAt(w http.ResponseWriter, r *http.Request) error {
	h, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || h <= 0 {
		return badParam("height", "must be a positive block height or \"latest\", got %q", r.PathValue("height"))
	}
	if latest := s.app.State().Committed().Version(); h > latest {
		return notFound("block %d is not committed yet (latest is %d)", h, latest)
	}
	return s.writeBlock(w, r, h)
}

func (s *Server) writeBlock(w http.ResponseWriter, r *http.Request, h int64) error {
	b, err := s.node.Block(r.Context(), &h)
	if err != nil || b == nil || b.Block == nil {
		if err == nil || nodeNotFound(err) {
			return notFound("block %d is not available on this node", h)
		}
		return unavailable(codeNodeUnavailable, fmt.Errorf("block %d: %w", h, err))
	}
	res, err := s.node.BlockResults(r.Context(), &h)
	if err != nil {
		if nodeNotFound(err) {
			return notFound("results of block %d are not available on this node", h)
		}
		return unavailable(codeNodeUnavailable, fmt.Errorf("block results %d: %w", h, err))
	}
	hdr := b.Block.Header
	v := blockView{
		Height: hdr.Height, Time: hdr.Time.UTC(), Hash: hexUpper(b.BlockID.Hash), AppHash: hexUpper(hdr.AppHash),
		ProposerAddress: hexUpper(hdr.ProposerAddress), Txs: make([]blockTxView, 0, len(b.Block.Txs)),
	}
	for i, raw := range b.Block.Txs {
		bt := blockTxView{Hash: tx.HashOf(raw).String()}
		if t, err := tx.Decode(raw); err == nil {
			bt.Type = t.Body.Type
		}
		if i < len(res.TxsResults) && res.TxsResults[i] != nil {
			if c := res.TxsResults[i]; c.Code != 0 {
				bt.Code, bt.CodeID = c.Code, codeOfABCI(c.Codespace, c.Code).ID()
			}
		}
		v.Txs = append(v.Txs, bt)
	}
	return writeJSON(w, http.StatusOK, v)
}

// pageParams reads ?after= and ?limit=.
func pageParams(r *http.Request) (after string, limit int, err error) {
	q := r.URL.Query()
	limit = defaultLimit
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			return "", 0, badParam("limit", "must be an integer from 1 to %d, got %q", maxLimit, l)
		}
		limit = n
	}
	return q.Get("after"), limit, nil
}

// proveParam reads ?prove=.
func proveParam(r *http.Request) (bool, error) {
	p := r.URL.Query().Get("prove")
	if p == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(p)
	if err != nil {
		return false, badParam("prove", "must be true or false, got %q", p)
	}
	return b, nil
}

// prove builds the proof of key in view.
func prove(view *state.View, key string) (*proofView, error) {
	if view.Version() == 0 {
		return nil, notFound("no state has been committed yet")
	}
	val, p, err := view.Prove([]byte(key))
	if err != nil {
		return nil, err
	}
	pb, err := p.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: encode proof: %v", chain.ErrInternal, err)
	}
	return &proofView{
		Height: view.Version(), Key: key, Value: val, Proof: pb, Root: hexUpper(view.Hash()),
		VerifyAgainst: verifyAgainstVw{BlockHeight: view.Version() + 1, Field: "app_hash"},
	}, nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	orgs, next := s.app.Governance().Orgs(s.app.State().Committed(), after, limit)
	page := pageView[orgView]{Items: make([]orgView, 0, len(orgs)), Next: next}
	for _, o := range orgs {
		page.Items = append(page.Items, orgOf(o))
	}
	return writeJSON(w, http.StatusOK, page)
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request) error {
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	view := s.app.State().Committed()
	o, ok := s.app.Governance().Org(view, id)
	if !ok {
		return fmt.Errorf("%w: organisation %q", governance.ErrNotFound, id)
	}
	v := orgOf(o)
	if withProof {
		if v.Proof, err = prove(view, orgKeyPrefix+id); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	org := r.PathValue("id")
	view := s.app.State().Committed()
	if _, ok := s.app.Governance().Org(view, org); !ok {
		return fmt.Errorf("%w: organisation %q", governance.ErrNotFound, org)
	}
	members, next := s.app.Identity().Members(view, org, after, limit)
	page := pageView[memberView]{Items: make([]memberView, 0, len(members)), Next: next}
	for _, m := range members {
		page.Items = append(page.Items, memberOf(m))
	}
	return writeJSON(w, http.StatusOK, page)
}

func (s *Server) getIdentity(w http.ResponseWriter, r *http.Request) error {
	withProof, err := proveParam(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if id == "" {
		return badParam("id", "is required: a member \"org/handle\" or a patient \"pt-...\"")
	}
	view := s.app.State().Committed()
	ident := s.app.Identity()
	v := identityView{ID: id}
	var key string
	// Member IDs are "org/handle"; patient IDs have no slash.
	if strings.Contains(id, "/") {
		m, ok := ident.Member(view, id)
		if !ok {
			return fmt.Errorf("%w: member %q", identity.ErrNotFound, id)
		}
		mv := memberOf(m)
		v.Kind, v.Member, key = identityMember, &mv, memberKeyPrefix+id
	} else {
		if err := s.seesPatientIdentity(view, r, id); err != nil {
			return err
		}
		p, ok := ident.Patient(view, id)
		if !ok {
			return fmt.Errorf("%w: patient %q", identity.ErrNotFound, id)
		}
		v.Kind, v.Patient, key = identityPatient, &patientView{ID: p.ID, Created: p.Created}, patientKeyPrefix+id
	}
	keys := ident.KeysOf(view, id)
	v.Keys = make([]keyView, 0, len(keys))
	for _, k := range keys {
		v.Keys = append(v.Keys, keyOf(k))
	}
	if withProof {
		if v.Proof, err = prove(view, key); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) getKey(w http.ResponseWriter, r *http.Request) error {
	pk, err := tx.ParsePubKey(r.PathValue("public_key"))
	if err != nil {
		return badParam("public_key", "%v", err)
	}
	view := s.app.State().Committed()
	k, ok := s.app.Identity().Key(view, pk)
	// An unknown key is refused like a patient's the caller may not see,
	// so that the answer is no oracle for which keys are patients'.
	if !ok || k.OwnerKind == ledger.Patient {
		if err := s.seesPatientIdentity(view, r, k.Owner); err != nil {
			return err
		}
	}
	if !ok {
		return fmt.Errorf("%w: no identity holds key %s", identity.ErrNotFound, pk)
	}
	return writeJSON(w, http.StatusOK, keyOf(k))
}

// seesPatientIdentity allows the caller a patient's identity (its keys and
// when it registered): the patient, their delegates, and members of the
// network's organisations, who look a patient's key up to check what the
// patient signed. An anonymous caller is asked to authenticate; another
// patient is refused, whether or not the patient exists ("" for an unknown
// patient).
func (s *Server) seesPatientIdentity(view *state.View, r *http.Request, patient string) error {
	p := caller(r)
	if p.Kind == ledger.Member || (!p.IsZero() && s.app.Records().SeesPatient(view, p, patient, s.now()) == nil) {
		return nil
	}
	// Not naming the patient: asked by key, the name is the secret.
	return signIn(r, "a patient's identity", fmt.Errorf("%w: a patient's identity and keys are shown to the patient, their delegates and members", ledger.ErrNotEntitled))
}

func (s *Server) listValidators(w http.ResponseWriter, _ *http.Request) error {
	view := s.app.State().Committed()
	orgs := s.app.Governance().Validators(view)
	v := validatorsView{Height: view.Version(), Items: make([]validatorView, 0, len(orgs))}
	for _, o := range orgs {
		v.Items = append(v.Items, validatorView{Org: o.ID, PublicKey: o.Validator.PublicKey.String(), Power: o.Validator.Power})
		v.TotalPower += o.Validator.Power
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) listProposals(w http.ResponseWriter, r *http.Request) error {
	afterStr, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	var after uint64
	if afterStr != "" {
		if after, err = strconv.ParseUint(afterStr, 10, 64); err != nil {
			return badParam("after", "must be a proposal number, got %q", afterStr)
		}
	}
	view := s.app.State().Committed()
	gov := s.app.Governance()
	props, next := gov.Proposals(view, after, limit)
	page := pageView[proposalView]{Items: make([]proposalView, 0, len(props))}
	if next != 0 {
		page.Next = strconv.FormatUint(next, 10)
	}
	for _, p := range props {
		page.Items = append(page.Items, proposalOf(p, gov.TallyOf(view, p)))
	}
	return writeJSON(w, http.StatusOK, page)
}

func (s *Server) getProposal(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return badParam("id", "must be a proposal number, got %q", r.PathValue("id"))
	}
	view := s.app.State().Committed()
	gov := s.app.Governance()
	p, ok := gov.Proposal(view, id)
	if !ok {
		return fmt.Errorf("%w: proposal %d", governance.ErrNotFound, id)
	}
	return writeJSON(w, http.StatusOK, proposalOf(p, gov.TallyOf(view, p)))
}
