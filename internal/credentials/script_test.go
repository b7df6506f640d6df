package credentials_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medchain/medchain/internal/credentials"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/ledgertest"
	"github.com/medchain/medchain/internal/vc"
)

// TestScripts runs testdata/*.txt: who may issue what, issuing, status
// changes with their history and their effect on the subject's roles,
// through the real chain. -rewrite regenerates the output.
func TestScripts(t *testing.T) {
	ledgertest.Run(t, "testdata", ledgertest.WithQueries(map[string]ledgertest.Query{
		// issuers: every authorised issuer and its types.
		"issuers": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			list, _ := c.App().Credentials().Authorisations(c.View(), "", 100)
			return list, nil
		},
		// valid id=cr-… [at=RFC3339]: the ledger's answer at an instant,
		// or now (its status in the committed state) by default.
		"valid": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Credentials()
			cr, ok := k.Credential(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no credential %q", a["id"])
			}
			v := k.ValidNow(c.View(), cr, c.Time())
			if s, ok := a["at"]; ok {
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					return nil, err
				}
				v = k.ValidAt(c.View(), cr, t)
			}
			return map[string]any{"at": v.At, "status": v.Status, "reason": v.Reason, "valid": v.Valid, "why": v.Why, "issuer_authorised": v.Authorised}, nil
		},
		// roles as=NAME: the roles the chain authenticates NAME's key with
		// (a barred member's lack the licensed ones), and whether they practise.
		"roles": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			p, err := c.App().Identity().Authenticate(c.View(), c.Key(a["as"]))
			if err != nil {
				return nil, err
			}
			return map[string]any{"roles": p.Roles, "practising": c.App().Credentials().Practising(c.View(), p.ID)}, nil
		},
		// expiring days=N [issuer=ORG]: credentials in force whose validity
		// ends within N days of the last block.
		"expiring": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			n, err := strconv.Atoi(a["days"])
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, cr := range c.App().Credentials().Expiring(c.View(), c.Time(), c.Time().AddDate(0, 0, n), a["issuer"], "", 100) {
				ids = append(ids, cr.ID+" "+cr.Type+" until "+time.Unix(cr.ValidUntil, 0).UTC().Format(time.DateOnly))
			}
			return ids, nil
		},
		// vc signer=NAME id=cr-… type=T [subject=ORG/HANDLE] from=RFC3339
		// [until=RFC3339] [issuer=ORG]: the VC-JWT NAME signs (Ed25519 is
		// deterministic: the same arguments sign the same bytes) and its
		// hash, to put in a credentials/issue message.
		"vc": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			jwt, err := signVC(a)
			if err != nil {
				return nil, err
			}
			return map[string]string{"hash": credentials.Hash(jwt), "jwt": jwt}, nil
		},
		// verify (the vc arguments) [at=RFC3339] [tamper=payload|alg-none|hs256]:
		// the ledger's verdict on that VC-JWT, altered as tamper says.
		"verify": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			jwt, err := signVC(a)
			if err != nil {
				return nil, err
			}
			if jwt, err = tamper(jwt, a["tamper"]); err != nil {
				return nil, err
			}
			at, now := c.Time(), true
			if s, ok := a["at"]; ok {
				if at, err = time.Parse(time.RFC3339, s); err != nil {
					return nil, err
				}
				now = false
			}
			v := c.App().Credentials().Verify(c.View(), jwt, at, now)
			out := map[string]any{"valid": v.Valid, "code": v.Code, "message": v.Message, "signer": v.Signer}
			if v.Ledger != nil {
				out["status"] = v.Ledger.Status
			}
			if v.Credential != nil {
				out["says"] = v.Credential.Subject
			}
			return out, nil
		},
		// statuslist org=ORG [purpose=revocation|suspension index=N]: the
		// issuer's status lists as the ledger keeps them; with index, that
		// bit of the served bitstring.
		"statuslist": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			l := c.App().Credentials().StatusList(c.View(), a["org"])
			if _, ok := a["index"]; !ok {
				return l, nil
			}
			set := l.Revoked
			if a["purpose"] == vc.PurposeSuspension {
				set = l.Suspended
			}
			enc, err := vc.EncodeStatusList(set, credentials.StatusListSize)
			if err != nil {
				return nil, err
			}
			i, err := strconv.Atoi(a["index"])
			if err != nil {
				return nil, err
			}
			return vc.StatusListBit(enc, i)
		},
		// shc-issuers: the trusted-issuer directory.
		"shc-issuers": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			list, _ := c.App().Credentials().SHCIssuers(c.View(), "", 100)
			return list, nil
		},
		// case id=cs-… [as=NAME|anonymous]: a credentialing case; with as=,
		// whether that caller may see it.
		"case": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			k := c.App().Credentials()
			cs, ok := k.Case(c.View(), a["id"])
			if !ok {
				return nil, fmt.Errorf("no case %q", a["id"])
			}
			if as, ok := a["as"]; ok {
				var p ledger.Principal
				if as != "anonymous" {
					p, _ = c.App().Identity().Authenticate(c.View(), c.Key(as))
				}
				if err := k.SeesCase(p, cs); err != nil {
					return map[string]string{"refused": err.Error()}, nil
				}
				return "allowed", nil
			}
			return map[string]any{"case": cs, "missing": cs.Missing()}, nil
		},
		// of member=ORG/HANDLE: the credentials about a member.
		"of": func(c *ledgertest.Chain, a ledgertest.Args) (any, error) {
			var ids []string
			for _, cr := range c.App().Credentials().Of(c.View(), a["member"], 100) {
				ids = append(ids, cr.ID+" "+cr.Type+" "+cr.Status)
			}
			return ids, nil
		},
	}))
}

// signVC signs the credential the arguments describe with the signer's key.
func signVC(a ledgertest.Args) (string, error) {
	from, err := time.Parse(time.RFC3339, a["from"])
	if err != nil {
		return "", fmt.Errorf("from: %v", err)
	}
	d := vc.Draft{ID: a["id"], Type: a["type"], Subject: a["subject"], ValidFrom: from,
		Claims: map[string]any{"name": "Meredith Grey", "licenceNumber": "MD-0042", "jurisdiction": "US-MA"}}
	d.Issuer, _, _ = strings.Cut(a["signer"], "/")
	if iss, ok := a["issuer"]; ok {
		d.Issuer = iss
	}
	if u, ok := a["until"]; ok {
		if d.ValidUntil, err = time.Parse(time.RFC3339, u); err != nil {
			return "", fmt.Errorf("until: %v", err)
		}
	}
	doc, err := d.Document()
	if err != nil {
		return "", err
	}
	return vc.SignJWT(doc, ed25519.PrivateKey(ledgertest.Key(a["signer"])))
}

// tamper alters a compact JWS: its payload (the licence number, the
// signature kept), or its header to alg none (no signature) or HS256.
func tamper(jwt, how string) (string, error) {
	parts := strings.Split(jwt, ".")
	enc := base64.RawURLEncoding
	switch how {
	case "":
		return jwt, nil
	case "payload":
		p, _ := enc.DecodeString(parts[1])
		parts[1] = enc.EncodeToString([]byte(strings.Replace(string(p), "MD-0042", "MD-9999", 1)))
	case "alg-none", "hs256":
		h, _ := enc.DecodeString(parts[0])
		alg := map[string]string{"alg-none": "none", "hs256": "HS256"}[how]
		parts[0] = enc.EncodeToString([]byte(strings.Replace(string(h), `"alg":"EdDSA"`, `"alg":"`+alg+`"`, 1)))
		if how == "alg-none" {
			parts[2] = ""
		}
	default:
		return "", fmt.Errorf("tamper=%q: payload, alg-none or hs256", how)
	}
	return strings.Join(parts, "."), nil
}
