package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/state"
	"github.com/medchain/medchain/internal/vc"
)

// The trusted-issuer directory for SMART Health Card issuers (a
// pharmacy, a health system, a state registry: none of them members):
// like the VCI directory, a curated list of issuers, here decided by
// governance, with each issuer's JWKS and revocation lists held on the
// ledger by content (public keys and revocation IDs, nothing personal),
// so that a verifier needs no file and no network to fetch them.

// ActionTrustSHCIssuer is the governance proposal action that adds,
// replaces or (remove) takes out a trusted SMART Health Card issuer.
const ActionTrustSHCIssuer = "credentials/trust-shc-issuer"

// Limits of a directory entry.
const (
	MaxJWKS = 16 << 10 // bytes of an issuer's JWKS
	MaxCRLs = 8        // revocation lists (one per key)
	MaxCRL  = 64 << 10 // bytes of one
)

// TrustSHCIssuer is the payload of a credentials/trust-shc-issuer
// proposal: the issuer's iss URL (https, where it publishes
// /.well-known/jwks.json), its JWKS and revocation lists, or remove.
//
//	{"iss": "https://spec.smarthealth.cards/examples/issuer", "jwks": {"keys": [...]}, "crls": [{"kid": ..., "method": "rid", ...}]}
type TrustSHCIssuer struct {
	ISS    string            `json:"iss"`
	JWKS   json.RawMessage   `json:"jwks,omitempty"`
	CRLs   []json.RawMessage `json:"crls,omitempty"`
	Remove bool              `json:"remove,omitempty"`
}

func (m *TrustSHCIssuer) Validate() error {
	u, err := url.Parse(m.ISS)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(m.ISS) > 256 {
		return fmt.Errorf("iss: the issuer's https URL (no query, no fragment, at most 256 characters), got %q", m.ISS)
	}
	if m.Remove {
		if len(m.JWKS) > 0 || len(m.CRLs) > 0 {
			return errors.New("remove: give the iss only")
		}
		return nil
	}
	if len(m.JWKS) == 0 || len(m.JWKS) > MaxJWKS {
		return fmt.Errorf("jwks: the issuer's JSON Web Key Set, at most %d bytes", MaxJWKS)
	}
	keys, err := vc.ParseJWKS(m.JWKS)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	if len(m.CRLs) > MaxCRLs {
		return fmt.Errorf("crls: at most %d", MaxCRLs)
	}
	for i, raw := range m.CRLs {
		if len(raw) > MaxCRL {
			return fmt.Errorf("crls[%d]: at most %d bytes", i, MaxCRL)
		}
		c, err := vc.ParseCRL(raw)
		if err != nil {
			return fmt.Errorf("crls[%d]: %w", i, err)
		}
		found := false
		for _, k := range keys {
			found = found || k.KeyID == c.Kid
		}
		if !found {
			return fmt.Errorf("crls[%d]: kid %q is not a key of the jwks", i, c.Kid)
		}
	}
	return nil
}

// SHCIssuer is a trusted SMART Health Card issuer in the directory.
type SHCIssuer struct {
	ISS    string            `json:"iss"`
	JWKS   json.RawMessage   `json:"jwks"`
	CRLs   []json.RawMessage `json:"crls,omitempty"`
	Height int64             `json:"height"`
}

var shcIssuers = state.NewMap[SHCIssuer](Name, "cr/shc/").Public()

func (k *Keeper) trustSHCIssuer() ledger.ProposalAction {
	return ledger.ProposalAction{
		Type: ActionTrustSHCIssuer,
		Validate: func(ctx *ledger.Context, payload json.RawMessage) error {
			m, err := ledger.Decode[TrustSHCIssuer](payload)
			if err != nil {
				return err
			}
			if m.Remove && !shcIssuers.Has(ctx.Store, m.ISS) {
				return fmt.Errorf("%w: %s is not in the trusted-issuer directory", ErrNotFound, m.ISS)
			}
			return nil
		},
		Execute: func(ctx *ledger.Context, payload json.RawMessage) error {
			m, err := ledger.Decode[TrustSHCIssuer](payload)
			if err != nil {
				return err
			}
			if m.Remove {
				if !shcIssuers.Has(ctx.Store, m.ISS) {
					return fmt.Errorf("%w: %s is not in the trusted-issuer directory", ErrNotFound, m.ISS)
				}
				shcIssuers.Delete(ctx.Store, m.ISS)
				ctx.Emit(EventSHCIssuer.New(m.ISS, "removed", "0"))
				return nil
			}
			// Compact JSON: what the proposal said, the same bytes on every node.
			e := SHCIssuer{ISS: m.ISS, JWKS: compact(m.JWKS), Height: ctx.Height}
			for _, c := range m.CRLs {
				e.CRLs = append(e.CRLs, compact(c))
			}
			shcIssuers.Set(ctx.Store, m.ISS, e)
			ctx.Emit(EventSHCIssuer.New(m.ISS, "trusted", strconv.Itoa(len(e.CRLs))))
			return nil
		},
	}
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// SHCIssuers lists the trusted SMART Health Card issuers, by iss.
func (k *Keeper) SHCIssuers(r state.Reader, after string, limit int) ([]SHCIssuer, string) {
	return shcIssuers.Page(r, "", after, limit)
}

// SHCIssuerOptions is the verifier's view of the directory: every trusted
// issuer's keys (for its iss only) and revocation lists.
func (k *Keeper) SHCIssuerOptions(r state.Reader) (issuers []vc.Issuer, crls []*vc.CRL) {
	shcIssuers.Walk(r, "", func(_ string, e SHCIssuer) bool {
		keys, err := vc.ParseJWKS(e.JWKS)
		if err != nil {
			return true
		}
		issuers = append(issuers, vc.Issuer{ID: e.ISS, Keys: keys})
		for _, raw := range e.CRLs {
			if c, err := vc.ParseCRL(raw); err == nil {
				crls = append(crls, c)
			}
		}
		return true
	})
	return issuers, crls
}
