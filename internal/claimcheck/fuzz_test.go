package claimcheck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/medchain/medchain/internal/claims"
	"github.com/medchain/medchain/internal/fhirdoc"
)

// FuzzJudge: a claim document from outside is refused with a FHIR error
// (*fhirdoc.Error) or ErrNotClaim, or judged; a judgement is the same
// twice, names the document's hash, passes exactly when it lists no
// problem, uses only the stable reason codes, and is a decision the chain
// accepts the form of (claims/adjudicate's Validate), whose amounts add up.
func FuzzJudge(f *testing.F) {
	for _, pattern := range []string{"testdata/claim-*.json", "testdata/fhir-r4/Claim-*.json"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	pv, cv := plan(), coverage()
	f.Fuzz(func(t *testing.T, doc []byte) {
		v, err := Parse(doc)
		if err != nil {
			var fe *fhirdoc.Error
			if !errors.As(err, &fe) && !errors.Is(err, ErrNotClaim) {
				t.Fatalf("refused with %T %v", err, err)
			}
			return
		}
		r := Judge(v, pv, cv)
		v2, _ := Parse(doc)
		again, _ := json.Marshal(Judge(v2, pv, cv))
		first, _ := json.Marshal(r)
		if !bytes.Equal(first, again) {
			t.Fatalf("judged differently twice:\n%s\n%s", first, again)
		}
		sum := sha256.Sum256(doc)
		if r.Claim != hex.EncodeToString(sum[:]) {
			t.Fatalf("claim hash %s, not the document's", r.Claim)
		}
		if r.Pass != (len(r.Problems) == 0) {
			t.Fatalf("pass %v with %d problems", r.Pass, len(r.Problems))
		}
		for _, p := range r.Problems {
			if !slices.Contains(claims.Reasons, p.Code) || p.Path == "" {
				t.Fatalf("problem %+v: not a stable code or no element", p)
			}
		}
		if len(r.Items) == 0 {
			return
		}
		if len(r.Items) > claims.MaxItems {
			return // the chain refuses more items than that at submission
		}
		m := claims.Adjudicate{Claim: "cl-0123456789abcdef01234567", Version: 1, Response: hex.EncodeToString(sum[:]), Items: r.Items}
		if err := m.Validate(); err != nil {
			t.Fatalf("a judgement the chain refuses the form of: %v", err)
		}
		var total int64
		for _, d := range r.Items {
			total += d.Allowed
			if d.Patient != pv.PatientShare(d.Allowed) {
				t.Fatalf("item %d: patient share %d of %d", d.Sequence, d.Patient, d.Allowed)
			}
		}
		if total != r.Allowed || r.Payer+r.Patient != r.Allowed {
			t.Fatalf("totals do not add up: %+v", r)
		}
	})
}
