// The donations API as the dashboard reads it: every route, parameter and
// field name in one place, so that the page follows the API by editing
// this file only (internal/api/openapi.json has the exact shapes).
//
//   GET /v1/donations/campaigns[?after=&limit=]
//       → {"items": [{"id": "cp-…", "charity": "care-for-all", "currency": "USD",
//                     "closes": "2026-12-28", "status": "open", "needs": ["nd-…"],
//                     "raised": 10000, "funded": 10000, "disbursed": 0, "delivered": 0,
//                     "height": 17}, ...],
//          "next": "…"}
//   GET /v1/donations/campaigns/{id}
//       → {"campaign": {…as above}, "available": 10000,
//          "lines": [{"need": "nd-…", "beneficiary": "riverside-clinic", "item": "mask-surgical",
//                     "currency": "", "needed_by": "2027-01-06", "target": 4, "committed": 4,
//                     "shipped": 4, "received": 4, "rejected": 0, "outstanding": 0,
//                     "late_units": 0, "late": false}, ...],
//          "shipments": [...], "disbursements": [...], "donations": [...]}
//   GET /v1/donations/campaigns/{id}/export?format=json|csv   (IATI)
//
// Amounts are in minor units of the campaign's (or a cash need's) currency.
// The page shows totals and needs only: never a donation.

export const ROUTES = {
  campaigns: "/v1/donations/campaigns",
  campaign: (id) => "/v1/donations/campaigns/" + encodeURIComponent(id),
  exportOf: (id, format) => "/v1/donations/campaigns/" + encodeURIComponent(id) + "/export?format=" + format,
};

// Query parameter names: the page's own (?campaign=) and the API's paging.
export const PARAM = { campaign: "campaign", after: "after", limit: "limit" };

// The largest page of the campaigns route.
export const PAGE = 100;

// A campaign ID: "cp-" and 24 lower-case hex digits.
export const CAMPAIGN_ID = /^cp-[0-9a-f]{24}$/;

export const EXPORT_FORMATS = ["json", "csv"];

export const campaigns = {
  items: (r) => r?.items ?? [],
  next: (r) => r?.next || "",
};

export const campaign = {
  id: (c) => c.id,
  charity: (c) => c.charity,
  currency: (c) => c.currency,
  closes: (c) => c.closes,
  status: (c) => c.status,
  open: (c) => c.status === "open",
  needs: (c) => c.needs ?? [],
  raised: (c) => c.raised ?? 0,
  funded: (c) => c.funded ?? 0,
  disbursed: (c) => c.disbursed ?? 0,
  delivered: (c) => c.delivered ?? 0,
  // The block the campaign was opened in.
  height: (c) => c.height ?? 0,
};

export const ledger = {
  campaign: (l) => l?.campaign ?? {},
  available: (l) => l?.available ?? 0,
  lines: (l) => l?.lines ?? [],
  shipments: (l) => l?.shipments ?? [],
};

export const line = {
  need: (x) => x.need,
  beneficiary: (x) => x.beneficiary,
  item: (x) => x.item || "",
  // A cash need's currency; goods needs count units.
  currency: (x) => x.currency || "",
  neededBy: (x) => x.needed_by,
  target: (x) => x.target ?? 0,
  committed: (x) => x.committed ?? 0,
  shipped: (x) => x.shipped ?? 0,
  received: (x) => x.received ?? 0,
  rejected: (x) => x.rejected ?? 0,
  outstanding: (x) => x.outstanding ?? 0,
  lateUnits: (x) => x.late_units ?? 0,
  late: (x) => Boolean(x.late),
};
