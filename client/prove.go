package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/medchain/medchain/internal/itemid"
)

// ProofOf names what ProveID proves: the ledger's entry for an ID of that
// kind.
type ProofOf string

// What ProveID proves, and the state key it proves for an ID.
const (
	// ProofOfGrant: a grant's terms, filed under its patient and grantee
	// ("rec/gx/<patient>/<grantee>/<grant>"). Proven to those who may see
	// the grant.
	ProofOfGrant ProofOf = "grant"
	// ProofOfRecord: a record's head ("rec/r/<record>"), to those who may
	// see the record.
	ProofOfRecord ProofOf = "record"
	// ProofOfItem: a supply item ("sup/i/<item>"; the ID as ItemID reads
	// it), or its absence, to anyone.
	ProofOfItem ProofOf = "item"
	// ProofOfClaim: a claim ("clm/c/<claim>"), to its patient, provider
	// and payer.
	ProofOfClaim ProofOf = "claim"
	// ProofOfCredential: a credential's ledger entry ("cr/c/<credential>"),
	// or its absence, to anyone.
	ProofOfCredential ProofOf = "credential"
)

// prefixes are the state keys' prefixes of the IDs ProveID proves (a
// grant's key also names its patient and grantee; see ProofOfGrant).
var prefixes = map[ProofOf]string{
	ProofOfGrant: "rec/gx/", ProofOfRecord: "rec/r/", ProofOfItem: "sup/i/", ProofOfClaim: "clm/c/", ProofOfCredential: "cr/c/",
}

// ProveID reads the proof of the ledger's entry for id (a grant, record,
// item, claim or credential) in the state after block height (0: the
// latest), answered as the proof of its state key would be: private
// entries only to a caller the ledger entitles (As or WithToken). It
// checks that the answer proves that ID's key (and, for a value, that the
// value is the ID's), so that a node cannot pass off another entry's proof;
// whether the proof holds is for light.Verifier.Verify (client/light) to
// check, against a header verified from one you trust.
func (c *Client) ProveID(ctx context.Context, kind ProofOf, id string, height int64) (*Proof, error) {
	if _, ok := prefixes[kind]; !ok {
		return nil, fmt.Errorf("client: ProveID of %q: a grant, record, item, claim or credential", kind)
	}
	if kind == ProofOfItem {
		canonical, err := itemid.Read(id)
		if err != nil {
			return nil, fmt.Errorf("client: ProveID of item %q: %w", id, err)
		}
		id = canonical
	}
	q := url.Values{string(kind): {id}}
	if height != 0 {
		q.Set("height", strconv.FormatInt(height, 10))
	}
	p, err := fetch[Proof](ctx, c, "/v1/proofs", q)
	if err != nil {
		return nil, err
	}
	if err := CheckProofOf(p, kind, id); err != nil {
		return nil, err
	}
	return p, nil
}

// CheckProofOf checks that p is a proof of the ledger's entry for id of
// kind: its key is that ID's state key and its value, if any, that entry's
// (its "id" is id). It does not check the proof itself. The error wraps
// ErrProof.
func CheckProofOf(p *Proof, kind ProofOf, id string) error {
	prefix, ok := prefixes[kind]
	switch {
	case !ok:
		return fmt.Errorf("%w: no proof by ID of %q", ErrProof, kind)
	case p == nil:
		return fmt.Errorf("%w: no proof", ErrProof)
	}
	if kind == ProofOfGrant {
		// rec/gx/<patient>/<grantee...>/<grant>: the patient and grantee
		// are in the value, which must be present: an absence proof of a
		// key the caller cannot derive proves nothing.
		parts := strings.Split(strings.TrimPrefix(p.Key, prefix), "/")
		if !strings.HasPrefix(p.Key, prefix) || len(parts) < 3 || parts[len(parts)-1] != id {
			return fmt.Errorf("%w: the node answered a proof of %q for grant %s", ErrProof, p.Key, id)
		}
		if p.Value == nil {
			return fmt.Errorf("%w: the node answered that %q is absent for grant %s: a grant is proven by its terms", ErrProof, p.Key, id)
		}
		var g struct {
			ID      string `json:"id"`
			Patient string `json:"patient"`
		}
		if err := json.Unmarshal(p.Value, &g); err != nil || g.ID != id || g.Patient != parts[0] {
			return fmt.Errorf("%w: the value proven at %q is not grant %s of patient %s", ErrProof, p.Key, id, parts[0])
		}
		return nil
	}
	if p.Key != prefix+id {
		return fmt.Errorf("%w: the node answered a proof of %q for %s %s (want %q)", ErrProof, p.Key, kind, id, prefix+id)
	}
	if p.Value != nil {
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(p.Value, &v); err != nil || v.ID != id {
			return fmt.Errorf("%w: the value proven at %q is not %s %s", ErrProof, p.Key, kind, id)
		}
	}
	return nil
}
