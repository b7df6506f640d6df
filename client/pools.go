package client

import (
	"context"
	"net/url"
	"strconv"
)

// AidPools lists mutual-aid pools, paged.
func (c *Client) AidPools(ctx context.Context, after string, limit int) (*Page[AidPool], error) {
	return fetch[Page[AidPool]](ctx, c, "/v1/pools", pageQuery(after, limit))
}

// AidPool reads a pool with the share its period in progress would charge
// now and the trend of its last periods.
func (c *Client) AidPool(ctx context.Context, id string) (*AidPoolView, error) {
	return fetch[AidPoolView](ctx, c, "/v1/pools/"+url.PathEscape(id), nil)
}

// PoolPeriods reads a pool's last limit settled periods (oldest first)
// and their trend.
func (c *Client) PoolPeriods(ctx context.Context, id string, limit int) (*PoolPeriods, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return fetch[PoolPeriods](ctx, c, "/v1/pools/"+url.PathEscape(id)+"/periods", q)
}

// AidClaims lists the claims of a pool the signer may see (As): all for
// its board and operator, their own for a member.
func (c *Client) AidClaims(ctx context.Context, pool string) (*Page[AidClaim], error) {
	return fetch[Page[AidClaim]](ctx, c, "/v1/pools/"+url.PathEscape(pool)+"/claims", nil)
}

// AidClaim reads a claim: for its claimant, its reviewers and the pool's
// operator (As).
func (c *Client) AidClaim(ctx context.Context, pool, id string) (*AidClaim, error) {
	return fetch[AidClaim](ctx, c, "/v1/pools/"+url.PathEscape(pool)+"/claims/"+url.PathEscape(id), nil)
}

// MemberPools lists the pools a patient is or was a member of: for the
// patient only (As).
func (c *Client) MemberPools(ctx context.Context, patient string) (*Page[MemberPool], error) {
	return fetch[Page[MemberPool]](ctx, c, "/v1/patients/"+url.PathEscape(patient)+"/pools", nil)
}

// PoolStatement reads a member's statement: for the member only (As).
func (c *Client) PoolStatement(ctx context.Context, pool, patient string) (*PoolStatement, error) {
	return fetch[PoolStatement](ctx, c, "/v1/pools/"+url.PathEscape(pool)+"/statements/"+url.PathEscape(patient), nil)
}
