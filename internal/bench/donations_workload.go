package bench

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/medchain/medchain/internal/donations"
	"github.com/medchain/medchain/internal/governance"
	"github.com/medchain/medchain/internal/ledger"
	"github.com/medchain/medchain/internal/supply"
	"github.com/medchain/medchain/internal/tx"
)

// Donations measures donations and deliveries end to end: half the timed
// txs are donations/pledge (a manufacturer gives one mask to a hospital's
// need), half are deliveries, donations/link-shipment of a shipment the
// hospital has received, whose receipt the chain then reads from supply
// (custody, quantities, cold chain, recalls) and counts against the
// donation, the need and the campaign. donations/s and deliveries/s are
// each half the committed tx/s.
//
// The setup admits a charity and a manufacturer by proposals of the admin
// (Env.Admin, a hospital's admin in the one-organisation network bench
// starts; the charity votes the manufacturer in), registers a PPE product, posts the hospital's need, opens the
// campaign, commissions the masks, pledges and ships one per delivery and
// has the hospital receive each shipment.
type Donations struct{}

func (Donations) Name() string { return "donations" }

func (Donations) Prepare(ctx context.Context, env Env, n int) (Plan, error) {
	if env.Admin == nil {
		return Plan{}, fmt.Errorf("bench: the donations workload admits a charity and a manufacturer by proposal and posts a hospital's need: it needs a hospital admin's key (--as NAME against a running node)")
	}
	if n < 2 {
		return Plan{}, fmt.Errorf("bench: donations: at least 2 txs (a donation and a delivery)")
	}
	deliveries := n / 2
	sign := env.signer()
	idOf := func(prefix string, raw []byte) string { return ledger.IDFrom(prefix, tx.HashOf(raw)) }
	pub := func(k ed25519.PrivKey) tx.PubKey { return tx.PubKey(k.PubKey().Bytes()) }

	charity, maker := ed25519.GenPrivKey(), ed25519.GenPrivKey()
	tag := fmt.Sprintf("%x", maker.PubKey().Bytes()[:4])
	charityID, makerID := "bench-charity-"+tag, "bench-mfr-"+tag
	var setup [][]byte
	var adminNonce uint64
	for _, o := range []governance.AdmitOrg{
		{ID: charityID, Name: "Bench Charity " + tag, Kind: ledger.OrgCharity, Admin: "admin", AdminKey: pub(charity)},
		{ID: makerID, Name: "Bench Manufacturer " + tag, Kind: ledger.OrgManufacturer, Admin: "admin", AdminKey: pub(maker)},
	} {
		payload, err := json.Marshal(o)
		if err != nil {
			return Plan{}, err
		}
		adminNonce++
		b, err := sign(env.Admin, adminNonce, governance.TypePropose, governance.Propose{
			Action: governance.Action{Type: governance.ActionAdmitOrg, Payload: payload}, Title: "bench: for the donations workload"})
		if err != nil {
			return Plan{}, err
		}
		setup = append(setup, b)
	}
	gtin, err := randomGTIN()
	if err != nil {
		return Plan{}, err
	}
	// The charity's admission passes at once; the manufacturer's, proposed
	// next, needs the charity's vote too.
	vote, err := sign(charity, 1, governance.TypeVote, governance.CastVote{Proposal: max(env.NextProposal, 1) + 1, Approve: true})
	if err != nil {
		return Plan{}, err
	}
	var makerNonce uint64
	mk := func(typ string, msg any) ([]byte, error) { makerNonce++; return sign(maker, makerNonce, typ, msg) }
	register, err := mk(supply.TypeRegisterProduct, supply.RegisterProduct{GTIN: gtin, Name: "Bench N95 " + tag, Kind: supply.KindPPE})
	if err != nil {
		return Plan{}, err
	}
	adminNonce++
	need, err := sign(env.Admin, adminNonce, donations.TypeNeed, donations.PostNeed{Item: gtin, Quantity: int64(n), NeededBy: "2099-12-31"})
	if err != nil {
		return Plan{}, err
	}
	needID := idOf("nd-", need)
	campaign, err := sign(charity, 2, donations.TypeCampaign, donations.OpenCampaign{Needs: []string{needID}, Currency: "USD", Closes: "2099-12-31"})
	if err != nil {
		return Plan{}, err
	}
	campaignID := idOf("cp-", campaign)
	lot := "B" + tag
	var stage2 [][]byte
	for start := 0; start < deliveries; start += supply.MaxCommission {
		b, err := mk(supply.TypeCommission, supply.Commission{GTIN: gtin, Lot: lot, Expiry: "2030-12-31",
			Serials: supply.Serials{Prefix: "D", Start: int64(start), Count: int64(min(supply.MaxCommission, deliveries-start)), Width: 8}})
		if err != nil {
			return Plan{}, err
		}
		stage2 = append(stage2, b)
	}
	stage2 = append(stage2, campaign)
	// One goods donation and one shipment of one mask per delivery.
	var stage3, stage4 [][]byte
	gifts, ships := make([]string, deliveries), make([]string, deliveries)
	for i := range deliveries {
		p, err := mk(donations.TypePledge, donations.MakePledge{Campaign: campaignID, Need: needID, Quantity: 1})
		if err != nil {
			return Plan{}, err
		}
		unit := supply.UnitID(gtin, fmt.Sprintf("D%08d", i))
		s, err := mk(supply.TypeShip, supply.Ship{To: "general-hospital", Items: []string{unit}})
		if err != nil {
			return Plan{}, err
		}
		gifts[i], ships[i] = idOf("dn-", p), idOf("sh-", s)
		stage3 = append(stage3, p, s)
		adminNonce++
		r, err := sign(env.Admin, adminNonce, supply.TypeReceive, supply.Receive{Shipment: ships[i], Items: []string{unit}})
		if err != nil {
			return Plan{}, err
		}
		stage4 = append(stage4, r)
	}
	base := makerNonce
	txs, err := signAll(ctx, n, env.Progress, func(i int) ([]byte, error) {
		if i%2 == 1 && i/2 < deliveries {
			return sign(maker, base+uint64(i)+1, donations.TypeLinkShipment, donations.LinkShipment{Of: gifts[i/2], Shipment: ships[i/2]})
		}
		return sign(maker, base+uint64(i)+1, donations.TypePledge, donations.MakePledge{Campaign: campaignID, Need: needID, Quantity: 1})
	})
	return Plan{Setup: setup, SetupStages: [][][]byte{{vote}, {register, need}, stage2, stage3, stage4}, Txs: txs}, err
}
