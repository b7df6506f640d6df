// The public-health API as the dashboard reads it: every route, parameter
// and field name in one place, so that the page follows the API when the
// public-health module lands (or changes) by editing this file only.
//
// The API's shape (internal/api, docs/publichealth.md):
//   GET /v1/publichealth/regions
//       → {"items": [{"code": "FR", "name": "France", "alpha3": "FRA"},
//                    {"code": "CA/ontario", "name": "Ontario", "parent": "CA"}, ...]}
//   GET /v1/publichealth/series?region=R&metric=M[&from=&to=&at=]
//       → {"region": "FR", "name": "France", "metric": "confirmed", "height": 1234, "min_count": 10,
//          "points": [{"date": "2020-06-14", "cumulative": 157220, "change": 407,
//                      "corrected": true, "flag": "negative-change", "suppressed": true, ...}, ...]}
//     (cumulative and change are null on a suppressed day)
//   GET /v1/publichealth/totals?metric=M[&date=D]
//       → {"metric": "confirmed", "height": 1234, "world": {"cumulative": 8034461, "change": 122035},
//          "countries": [{"region": "FR", "name": "France", "cumulative": 38618509, "change": 0,
//                         "date": "2023-03-09"}, ...]}
// There is no world series: the page charts one region at a time, the
// country with the most cases first.

export const ROUTES = {
  series: "/v1/publichealth/series",
  figure: "/v1/publichealth/figures",
  regions: "/v1/publichealth/regions",
  totals: "/v1/publichealth/totals",
};

// Metric codes of the API.
export const METRIC = { cases: "confirmed", deaths: "deaths", recovered: "recovered" };

// Query parameter names.
export const PARAM = { region: "region", metric: "metric", at: "at", date: "date", prove: "prove" };

export const regions = {
  items: (r) => r?.items ?? [],
  code: (x) => x.code,
  name: (x) => x.name || x.code,
  // A country has no parent region; a province names its country.
  isCountry: (x) => !x.parent,
};

export const series = {
  points: (r) => r?.points ?? [],
  height: (r) => r?.height,
  date: (p) => p.date,
  cumulative: (p) => p.cumulative,
  change: (p) => p.change,
  corrected: (p) => Boolean(p.corrected),
  flag: (p) => p.flag || "",
  suppressed: (p) => Boolean(p.suppressed),
  // The provenance of a point that is one reported figure (a country's
  // summed point has none: its parts are figures of their own).
  org: (p) => p.org || "",
  tx: (p) => p.tx || "",
  block: (p) => p.height,
};

export const totals = {
  items: (r) => r?.countries ?? [],
  world: (r) => r?.world?.cumulative ?? null,
  height: (r) => r?.height,
  date: (r) => r?.date,
  region: (x) => x.region,
  value: (x) => x.cumulative,
};
