package client_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/medchain/medchain/client"
	"github.com/medchain/medchain/internal/api/apitest"
)

// TestDonations: a charity's campaign for a hospital's need, an insurer's
// cash it confirms, read back through every donations read of the SDK.
func TestDonations(t *testing.T) {
	h, c := start(t, apitest.Options{})
	ctx := context.Background()
	send := func(who string, m client.Msg) *client.TxResult {
		t.Helper()
		res, err := c.Send(ctx, signer(who), m)
		if err != nil {
			t.Fatalf("%s by %s: %v", m.MsgType(), who, err)
		}
		return res
	}
	var o client.Outcome
	send("hospital-admin", client.Propose{Action: client.AdmitOrg{ID: "relief", Name: "Relief", Kind: "charity", Admin: "admin",
		AdminKey: signer("relief-admin").PublicKey()}.Action()}).Decode(&o)
	for _, voter := range []string{"insurer-admin", "lab-admin"} {
		send(voter, client.Vote{Proposal: o.Proposal, Approve: true})
	}
	var need client.Need
	send("hospital-admin", client.PostNeed{Item: "mask-n95", Quantity: 10, NeededBy: "2026-06-01"}).Decode(&need)
	var cp client.Campaign
	send("relief-admin", client.OpenCampaign{Needs: []string{need.ID}, Currency: "USD", Closes: "2026-05-01"}).Decode(&cp)
	var gift client.Created
	send("insurer-admin", client.Donate{Campaign: cp.ID, Amount: 2500, Currency: "USD"}).Decode(&gift)
	send("relief-admin", client.ConfirmFunds{Donation: gift.ID})

	if _, err := c.Send(ctx, signer("insurer-admin"), client.Donate{Campaign: cp.ID, Amount: 1, Currency: "EUR"}); !client.IsCode(err, client.CodeDonationsCurrencyMismatch) {
		t.Fatalf("pledge in euros: %v", err)
	}
	if page, err := c.Campaigns(ctx, "", 10); err != nil || len(page.Items) != 1 || page.Items[0].Funded != 2500 {
		t.Fatalf("campaigns %+v %v", page, err)
	}
	if l, err := c.CampaignLedger(ctx, cp.ID); err != nil || l.Available != 2500 || len(l.Lines) != 1 || l.Lines[0].Outstanding != 10 || len(l.Donations) != 1 {
		t.Fatalf("ledger %+v %v", l, err)
	}
	if n, err := c.Need(ctx, need.ID); err != nil || n.Campaign != cp.ID {
		t.Fatalf("need %+v %v", n, err)
	}
	st, err := c.DonationStatus(ctx, gift.ID, client.WithProof())
	if err != nil || st.Stage != "funded" || len(st.Proofs) != 1 {
		t.Fatalf("status %+v %v", st, err)
	}
	// The proof of receipt verifies against the next block's app hash.
	if _, err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	next, err := c.Block(ctx, st.Proofs[0].Height+1)
	if err != nil {
		t.Fatal(err)
	}
	appHash, _ := hex.DecodeString(next.AppHash)
	if err := client.VerifyProof(&st.Proofs[0], appHash); err != nil {
		t.Fatalf("proof: %v", err)
	}
	if g, err := c.DonorGifts(ctx, "acme-insurance"); err != nil || len(g.Items) != 1 {
		t.Fatalf("donor %+v %v", g, err)
	}
	if a, err := c.CampaignIATI(ctx, cp.ID); err != nil || len(a.Transactions) != 1 || a.Transactions[0].Type != "1" || *a.Transactions[0].Value != 2500 {
		t.Fatalf("iati %+v %v", a, err)
	}
	csv, err := c.CampaignIATICSV(ctx, cp.ID)
	if err != nil || !strings.HasPrefix(string(csv), "iati_identifier,") || strings.Count(string(csv), "\n") != 2 {
		t.Fatalf("csv %q %v", csv, err)
	}
}
