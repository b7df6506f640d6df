package client

import (
	"context"
	"net/url"
)

// Campaigns lists campaigns, paged.
func (c *Client) Campaigns(ctx context.Context, after string, limit int) (*Page[Campaign], error) {
	return fetch[Page[Campaign]](ctx, c, "/v1/donations/campaigns", pageQuery(after, limit))
}

// CampaignLedger reads a campaign's public ledger: cash raised, funded,
// disbursed and delivered; per need what was committed, shipped, received
// and is outstanding, late deliveries flagged.
func (c *Client) CampaignLedger(ctx context.Context, id string) (*CampaignLedger, error) {
	return fetch[CampaignLedger](ctx, c, "/v1/donations/campaigns/"+url.PathEscape(id), nil)
}

// CampaignIATI exports a campaign as an IATI activity.
func (c *Client) CampaignIATI(ctx context.Context, id string) (*IATIActivity, error) {
	return fetch[IATIActivity](ctx, c, "/v1/donations/campaigns/"+url.PathEscape(id)+"/export", nil)
}

// CampaignIATICSV exports a campaign's IATI transactions as CSV: a header
// row, then a row per transaction.
func (c *Client) CampaignIATICSV(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := c.get(ctx, "/v1/donations/campaigns/"+url.PathEscape(id)+"/export", url.Values{"format": {"csv"}}, &b)
	return b, err
}

// Need reads a need.
func (c *Client) Need(ctx context.Context, id string) (*Need, error) {
	return fetch[Need](ctx, c, "/v1/donations/needs/"+url.PathEscape(id), nil)
}

// DonationStatus reads where a donation stands. A person's donation is
// answered only to that person: sign the read. WithProof attaches its
// proof of receipt (the proofs of its state keys and of the supply
// shipments read); check each with VerifyProof.
func (c *Client) DonationStatus(ctx context.Context, id string, opts ...ReadOption) (*GiftStatus, error) {
	return fetch[GiftStatus](ctx, c, "/v1/donations/pledges/"+url.PathEscape(id), readQuery(opts))
}

// DonorGifts lists a donor's donations: an organisation's, or (signed by
// them) a person's.
func (c *Client) DonorGifts(ctx context.Context, donor string) (*Page[Gift], error) {
	return fetch[Page[Gift]](ctx, c, "/v1/donations/donors/"+url.PathEscape(donor), nil)
}
