package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/client/keystore"
)

// demoKeys signs and sends the dev seed's transactions with the demo's
// keys (in the dev keystore under keystore.DevPassphrase).
type demoKeys struct {
	c  *client.Client
	ks *keystore.Store
}

func (d demoKeys) signer(name string) (*client.Signer, error) {
	k, err := d.ks.Key(name, keystore.DevPassphrase)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", name, err)
	}
	return client.NewSigner(k), nil
}

// send signs msg with name's key, sends it, and decodes its result into
// out (nil: not decoded).
func (d demoKeys) send(ctx context.Context, name string, msg client.Msg, out any) (*client.TxResult, error) {
	s, err := d.signer(name)
	if err != nil {
		return nil, err
	}
	res, err := d.c.Send(ctx, s, msg)
	if err != nil {
		return nil, fmt.Errorf("%s by %s: %w", msg.MsgType(), name, err)
	}
	if out != nil {
		return res, res.Decode(out)
	}
	return res, nil
}

// seedDonations tells the demo's mask story on a new `medchain dev`
// network, as its members would with the CLI: Riverside Family Clinic
// needs four surgical masks, Care For All runs a campaign for them,
// PharmaCo gives them, ships them and the clinic receives them, so the
// donation is received; Acme Health pledges cash the charity confirms. It
// returns the campaign's ID. docs/donations.md tells a second story by
// hand.
func seedDonations(ctx context.Context, c *client.Client, ks *keystore.Store, now time.Time) (string, error) {
	keys := demoKeys{c: c, ks: ks}
	var lastID string
	send := func(name string, msg client.Msg) error {
		var created struct {
			ID string `json:"id"`
		}
		res, err := keys.send(ctx, name, msg, nil)
		if err == nil && len(res.Result) > 0 && json.Unmarshal(res.Result, &created) == nil {
			lastID = created.ID
		}
		return err
	}
	const gtin = "09506000990514"
	var units []string
	for i := 1; i <= 4; i++ {
		units = append(units, fmt.Sprintf("01/%s/21/S%03d", gtin, i))
	}
	day := func(d int) string { return now.AddDate(0, 0, d).UTC().Format(time.DateOnly) }
	doc := sha256.Sum256([]byte("Care For All: surgical masks for Riverside Family Clinic (medchain dev demo)."))
	var need, campaign, gift, shipment string
	steps := []func() error{
		func() error {
			return send("pharmaco-quality", client.RegisterProduct{GTIN: gtin, Name: "Surgical mask", Kind: client.KindPPE})
		},
		func() error {
			return send("pharmaco-quality", client.Commission{GTIN: gtin, Lot: "S26", Expiry: day(3 * 365), Serials: client.Serials{Prefix: "S", Start: 1, Count: 4, Width: 3}})
		},
		func() error {
			err := send("clinic-admin", client.PostNeed{Item: "mask-surgical", Quantity: 4, NeededBy: day(30)})
			need = lastID
			return err
		},
		func() error {
			err := send("charity-admin", client.OpenCampaign{Needs: []string{need}, Currency: "USD", Closes: day(21), Doc: hex.EncodeToString(doc[:])})
			campaign = lastID
			return err
		},
		func() error {
			err := send("pharmaco-quality", client.Donate{Campaign: campaign, Need: need, Quantity: 4, GTIN: gtin})
			gift = lastID
			return err
		},
		func() error {
			err := send("pharmaco-quality", client.Ship{To: "riverside-clinic", Items: units})
			shipment = lastID
			return err
		},
		func() error { return send("pharmaco-quality", client.LinkShipment{Of: gift, Shipment: shipment}) },
		func() error { return send("clinic-admin", client.Receive{Shipment: shipment, Items: units}) },
		func() error { return send("clinic-admin", client.Settle{Shipment: shipment}) },
		func() error {
			err := send("insurer-admin", client.Donate{Campaign: campaign, Amount: 10000, Currency: "USD"})
			if err == nil {
				err = send("charity-admin", client.ConfirmFunds{Donation: lastID})
			}
			return err
		},
	}
	// The genesis identities are known once the first blocks are committed.
	for {
		if st, err := c.Status(ctx); err == nil && st.LatestBlockHeight >= 2 {
			break
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return campaign, fmt.Errorf("seeding the donations demo: %w", err)
		}
	}
	return campaign, nil
}
