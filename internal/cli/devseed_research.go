package cli

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
)

// The demo patients' records at St Mary's for the research demo: small
// FHIR Bundles, written for the demo (no real person), with the
// identifiers a release must strip (names, MRN, SSN, phone, address,
// exact dates, a note naming a relative; bob is over 89).
var (
	//go:embed devdata/research-alice.json
	researchAlice []byte
	//go:embed devdata/research-bob.json
	researchBob []byte
)

// researchSeed is what seedResearch made.
type researchSeed struct {
	Study, Release string
	Patients       int
	Resources      int
}

// seedResearch tells the research demo on a new `medchain dev` network,
// as its members would with the CLI: the City Research Institute's
// researcher registers a diabetes and hypertension study, the institute's
// ethics board chair approves it, Dr Grey adds alice's and bob's records
// at St Mary's, both enrol (bob refuses commercial buyers), and St Mary's
// node makes a de-identified release for the privacy officer.
// docs/research.md goes on from there by hand.
func seedResearch(ctx context.Context, c *client.Client, ks *keystore.Store) (researchSeed, error) {
	var out researchSeed
	keys := demoKeys{c: c, ks: ks}
	signer, send := keys.signer, func(name string, msg client.Msg, out any) error {
		_, err := keys.send(ctx, name, msg, out)
		return err
	}
	fail := func(err error) (researchSeed, error) { return out, fmt.Errorf("seeding the research demo: %w", err) }
	protocol := sha256.Sum256([]byte("City Research Institute: glycaemic control and blood pressure in adults, observational (medchain dev demo protocol)."))
	var st client.Study
	if err := send("researcher", client.RegisterStudy{Protocol: hex.EncodeToString(protocol[:]), Purpose: client.DUOHealthMedical,
		Terms: []string{client.DUOHealthMedical}, Types: []string{"Condition", "Observation", "Patient"}, Ends: "2027-12-31"}, &st); err != nil {
		return fail(err)
	}
	out.Study = st.ID
	if err := send("ethics-reviewer", client.ApproveStudy{Study: st.ID}, nil); err != nil {
		return fail(err)
	}
	grey, err := signer("dr-grey")
	if err != nil {
		return fail(err)
	}
	for _, p := range []struct {
		name    string
		doc     []byte
		refuses []string
	}{{"alice", researchAlice, nil}, {"bob", researchBob, []string{"commercial"}}} {
		e, err := ks.Get(p.name)
		if err != nil {
			return fail(err)
		}
		ups, err := c.Upload(ctx, grey, client.Upload{Patient: e.Identity, Document: p.doc, Split: true})
		if err != nil {
			return fail(fmt.Errorf("%s's records: %w", p.name, err))
		}
		if err := c.Anchor(ctx, grey, ups, nil); err != nil {
			return fail(err)
		}
		if err := send(p.name, client.Enrol{Study: st.ID, Custodians: []string{"st-marys-hospital"}, Refuses: p.refuses}, nil); err != nil {
			return fail(err)
		}
	}
	privacy, err := signer("hospital-privacy")
	if err != nil {
		return fail(err)
	}
	rl, err := c.As(privacy).BuildRelease(ctx, st.ID, "")
	if err != nil {
		return fail(err)
	}
	out.Release, out.Patients, out.Resources = rl.ID, rl.Patients, rl.Resources
	return out, nil
}
