package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
)

// DemoPoolTerms are the terms of the demo pool `medchain dev` seeds: Acme
// Health's pool for breast cancer, heart attack and stroke, in dollars.
// Its times are seconds so that the demo runs through a period in a
// minute; a real pool's are days (docs/pools.md).
var DemoPoolTerms = client.CreatePool{PoolTerms: client.PoolTerms{
	Conditions: []string{"C50", "I21", "I63"}, Currency: "USD",
	WaitingSeconds: 3, PeriodSeconds: 10, MemberCap: 60000, ClaimCap: 500000,
	ReserveLevy: 50, ReserveTarget: 100000, Quorum: 2, ReviewSeconds: 3600,
}, ReserveInitial: 20000}

// demoLabResult is the lab result the seed anchors for alice, as the
// evidence of her aid claim (encrypted at City Diagnostics Lab's node; on
// the ledger only its hash).
const demoLabResult = `{
  "resourceType": "Observation",
  "id": "ca-15-3",
  "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "6875-9", "display": "Cancer Ag 15-3 [Units/volume] in Serum or Plasma"}]},
  "effectiveDateTime": "2026-01-05T09:30:00Z",
  "valueQuantity": {"value": 61, "unit": "U/mL", "system": "http://unitsofmeasure.org", "code": "U/mL"}
}`

// DemoPoolSalt is the salt of the seeded aid claim's commitment, so that
// docs/pools.md can show its opening (C50 and this salt). A real claim's
// salt is random (medchain pools claim draws one).
const DemoPoolSalt = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"

// PoolSeed is what seedPools made.
type PoolSeed struct {
	Pool, Claim, Record string
}

// seedPools tells the demo's mutual-aid story on a new `medchain dev`
// network, as its members would with the CLI: Acme Health's claims
// officer creates a pool; dr-grey and dr-patel volunteer for its board;
// alice, bob and carol join; City Diagnostics Lab anchors a lab result of
// alice's; once her waiting period is over alice claims $1,500.00 for C50
// with it as evidence; both reviewers approve; when the period is over
// alice settles it: three members share the payout, 50000 each plus the
// reserve levy of 50. docs/pools.md goes on from there.
func seedPools(ctx context.Context, c *client.Client, ks *keystore.Store) (PoolSeed, error) {
	var seed PoolSeed
	signer := demoKeys{c: c, ks: ks}.signer
	// send sends msg as name; while the chain answers one of wait (the
	// waiting period or the period is not over yet), it tries again.
	send := func(name string, msg client.Msg, out any, wait ...string) error {
		s, err := signer(name)
		if err != nil {
			return err
		}
		for deadline := time.Now().Add(time.Minute); ; {
			res, err := c.Send(ctx, s, msg)
			retry := false
			for _, code := range wait {
				retry = retry || client.IsCode(err, code)
			}
			switch {
			case retry && time.Now().Before(deadline):
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(500 * time.Millisecond):
				}
				continue
			case err != nil:
				return fmt.Errorf("%s by %s: %w", msg.MsgType(), name, err)
			case out != nil:
				return json.Unmarshal(res.Result, out)
			}
			return nil
		}
	}
	patient := func(name string) (string, error) {
		e, err := ks.Get(name)
		if err != nil || !strings.HasPrefix(e.Identity, "pt-") {
			return "", fmt.Errorf("key %s is no patient's: %v", name, err)
		}
		return e.Identity, nil
	}
	alice, err := patient("alice")
	if err != nil {
		return seed, err
	}
	terms := sha256.Sum256([]byte("Acme Health mutual aid: terms (medchain dev demo)."))
	create := DemoPoolTerms
	create.Conditions = append([]string{}, create.Conditions...)
	create.Doc = hex.EncodeToString(terms[:])
	var pool client.AidPool
	var claim client.Created
	steps := []func() error{
		func() error { return send("claims-officer", create, &pool) },
		func() error { seed.Pool = pool.ID; return send("dr-grey", client.Volunteer{Pool: pool.ID}, nil) },
		func() error { return send("dr-patel", client.Volunteer{Pool: pool.ID}, nil) },
		func() error { return send("alice", client.JoinPool{Pool: pool.ID}, nil) },
		func() error { return send("bob", client.JoinPool{Pool: pool.ID}, nil) },
		func() error { return send("carol", client.JoinPool{Pool: pool.ID}, nil) },
		func() error {
			s, err := signer("lab-tech")
			if err != nil {
				return err
			}
			up, err := c.AddRecord(ctx, s, alice, "", []byte(demoLabResult))
			if err != nil {
				return fmt.Errorf("alice's lab result: %w", err)
			}
			seed.Record = up.Record
			return nil
		},
		func() error {
			return send("alice", client.FileAidClaim{Pool: pool.ID, Condition: client.ConditionCommitment(pool.ID, "C50", DemoPoolSalt),
				Evidence: []string{seed.Record}, Amount: 150000, Currency: "USD"}, &claim, client.CodePoolsWaitingPeriod)
		},
		func() error {
			seed.Claim = claim.ID
			return send("dr-grey", client.VoteAidClaim{Claim: claim.ID, Approve: true}, nil)
		},
		func() error { return send("dr-patel", client.VoteAidClaim{Claim: claim.ID, Approve: true}, nil) },
		func() error {
			return send("alice", client.SettlePeriod{Pool: pool.ID}, nil, client.CodePoolsPeriodOpen)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return seed, fmt.Errorf("seeding the pools demo: %w", err)
		}
	}
	return seed, nil
}
