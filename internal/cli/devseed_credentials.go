package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
)

// Files the credentials seed writes into the dev home: the credentials
// themselves, which go to their holders and never to the chain.
const (
	DevLicenceFile = "credentials/dr-grey-licence.jwt"
	DevDegreeFile  = "credentials/nurse-joy-degree.jwt"
)

// seedCredentials tells the demo's credentials story on a new `medchain
// dev` network, as its members would: the State Medical Board (authorised
// at genesis for medical licences and board certifications) issues
// dr-grey's licence, and City University (degrees and course
// certificates) nurse-joy's degree, both SD-JWTs naming their status
// lists. The credentials are written to the dev home (DevLicenceFile,
// DevDegreeFile), as their holders would keep them. It returns the
// licence's ledger ID. docs/credentials.md goes on from there by hand,
// authorising St Mary's by a governance proposal.
func seedCredentials(ctx context.Context, nodeURL string, ks *keystore.Store, home string, now time.Time) (string, error) {
	c := client.New(nodeURL)
	signer := demoKeys{c: c, ks: ks}.signer
	day := now.UTC().Truncate(24 * time.Hour)
	issue := []struct {
		signer, file string
		d            client.CredentialDraft
	}{
		{"board-registrar", DevLicenceFile, client.CredentialDraft{Type: client.CredentialMedicalLicence, Issuer: "state-medical-board",
			Subject: "st-marys-hospital/dr-grey", ValidFrom: day.AddDate(-1, 0, 0), ValidUntil: day.AddDate(2, 0, 0),
			Claims: map[string]any{"name": "Meredith Grey", "licenceNumber": "MD-2019-04417", "jurisdiction": "US-MA", "profession": "physician"}}},
		{"university-registrar", DevDegreeFile, client.CredentialDraft{Type: client.CredentialDegree, Issuer: "city-university",
			Subject: "st-marys-hospital/nurse-joy", ValidFrom: day.AddDate(-3, 0, 0),
			Claims: map[string]any{"name": "Joy Kimura", "degree": "Bachelor of Science in Nursing", "awarded": day.AddDate(-3, 0, 0).Format(time.DateOnly)}}},
	}
	var licence string
	for _, it := range issue {
		s, err := signer(it.signer)
		if err != nil {
			return "", err
		}
		it.d.StatusLists = client.StatusListsURL(nodeURL, it.d.Issuer)
		it.d.Selective = true
		iss, err := c.IssueCredential(ctx, s, it.d)
		if err != nil {
			return "", fmt.Errorf("issuing the %s of %s: %w", it.d.Type, it.d.Subject, err)
		}
		path := filepath.Join(home, it.file)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", err
		}
		if err := os.WriteFile(path, []byte(iss.Credential+"\n"), 0o600); err != nil {
			return "", err
		}
		if it.d.Type == client.CredentialMedicalLicence {
			licence = iss.ID
		}
	}
	return licence, nil
}
