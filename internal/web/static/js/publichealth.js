// The public-health page: totals, daily new cases and deaths as charts,
// mortality, a region filter, corrections marked, CSV export and the block
// the figures are read at. Field names are in phfields.js only.
import { get, status, showError } from "./api.js";
import { draw } from "./charts.js";
import { count, date, fill, h, percent, rows, stat, words } from "./dom.js";
import { METRIC, PARAM, ROUTES, regions as R, series as S, totals as T } from "./phfields.js";

const $ = (id) => document.getElementById(id);
const state = { region: "", names: new Map(), series: {}, height: null, gen: 0, totals: {} };

/** Whether this node serves the public-health API: its OpenAPI document says. */
async function available() {
  try {
    const doc = await get("/v1/openapi.json");
    return Boolean(doc?.paths?.[ROUTES.series]);
  } catch {
    return false;
  }
}

function noData(why) {
  fill($("ph-status"), h("p", { class: "empty", id: "ph-none" }, "No public-health data on this node. ", why));
  document.body.dataset.ph = "none";
}

const day = (iso) => Date.parse(iso + "T00:00:00Z") / 1000;

async function loadSeries(metric) {
  try {
    return await get(ROUTES.series, { [PARAM.region]: state.region, [PARAM.metric]: metric });
  } catch (e) {
    if (e.status === 404) return null; // this region does not report this metric
    throw e;
  }
}

function chart(id, label, colour, res) {
  const el = $(id);
  const pts = S.points(res);
  if (pts.length === 0) {
    fill(el, h("p", { class: "empty" }, "No figures for this region."));
    el.dataset.points = "0";
    return;
  }
  el.replaceChildren();
  draw(el, label, colour, pts.map((p) => day(S.date(p))), pts.map(S.change),
    pts.map((p) => (S.corrected(p) || S.flag(p) ? S.change(p) : null)));
}

/** The proof link and provenance of a point that is one reported figure. */
function source(p, metric) {
  if (!S.tx(p)) return S.cumulative(p) === null ? "suppressed" : "sum of its provinces";
  const href = ROUTES.figure + "?" + new URLSearchParams({
    [PARAM.region]: state.region, [PARAM.metric]: metric, [PARAM.date]: S.date(p), [PARAM.prove]: "true" });
  return [state.names.get(S.org(p)) || S.org(p), ", block ", count(S.block(p)), " · ",
    h("a", { href, class: "proof", title: `transaction ${S.tx(p)}` }, "proof")];
}

function lastCumulative(res) {
  const pts = S.points(res);
  return pts.length ? S.cumulative(pts[pts.length - 1]) : null;
}

function showTotals() {
  const { cases, deaths } = state.series;
  const c = lastCumulative(cases), d = lastCumulative(deaths);
  const pts = S.points(cases);
  fill($("totals"),
    stat("Region", state.names.get(state.region) || state.region),
    stat("Cases", count(c), { id: "total-cases" }),
    stat("Deaths", count(d), { id: "total-deaths" }),
    stat("Mortality", c ? percent(d / c) : "–", { id: "mortality" }),
    stat("Recovered", recovered(state.region) === null || !c ? "–" : percent(recovered(state.region) / c), { id: "recovery" }),
    pts.length ? stat("Latest day", date(S.date(pts[pts.length - 1]))) : null,
    pts.length ? stat("Reported by", source(pts[pts.length - 1], METRIC.cases), { id: "source" }) : null,
    stat("As of block", state.height ? count(state.height) : "–", { id: "ph-height" }));
}

function showCorrections() {
  const out = [];
  for (const [key, res] of Object.entries(state.series)) {
    for (const p of S.points(res)) {
      if (!S.corrected(p) && !S.flag(p)) continue;
      const note = [S.corrected(p) ? "corrected" : "", S.flag(p) ? words(S.flag(p)) : ""].filter(Boolean).join(" · ");
      out.push(h("tr", {}, h("td", {}, S.date(p)), h("td", {}, key), h("td", { class: "num" }, count(S.cumulative(p))), h("td", {}, note),
        h("td", {}, source(p, METRIC[key]))));
    }
  }
  rows($("corrections"), out, "No corrected or flagged figures for this region.", 5);
}

async function showRegion() {
  const gen = ++state.gen; // only the latest choice is drawn
  const [cases, deaths] = await Promise.all([loadSeries(METRIC.cases), loadSeries(METRIC.deaths)]);
  if (gen !== state.gen) return;
  state.series = { cases, deaths };
  state.height = S.height(cases) ?? S.height(deaths) ?? state.height;
  chart("chart-cases", "New cases", "#0b5cad", cases);
  chart("chart-deaths", "Deaths", "#5b6470", deaths);
  showTotals();
  showCorrections();
  if (state.height) $("asof").textContent = `Figures as of block ${count(state.height)}.`;
  document.body.dataset.region = state.region;
}

async function loadTotals() {
  const [cases, deaths, rec] = await Promise.all([
    get(ROUTES.totals, { [PARAM.metric]: METRIC.cases }),
    get(ROUTES.totals, { [PARAM.metric]: METRIC.deaths }).catch(() => null),
    get(ROUTES.totals, { [PARAM.metric]: METRIC.recovered }).catch(() => null),
  ]);
  state.totals = { cases, deaths, recovered: rec };
  state.recovered = new Map(T.items(rec).map((x) => [T.region(x), T.value(x)]));
  return T.items(cases).slice().sort((a, b) => T.value(b) - T.value(a));
}

/** A country's latest recovered count, from the totals (null: none reported). */
function recovered(region) {
  return state.recovered?.get(region) ?? null;
}

function showCountries(items) {
  const { cases, deaths } = state.totals;
  const dead = new Map(T.items(deaths).map((x) => [T.region(x), T.value(x)]));
  const wc = T.world(cases), wd = T.world(deaths);
  const wr = T.world(state.totals.recovered);
  const rate = (part, whole) => (whole && part !== null && part !== undefined ? percent(part / whole) : "–");
  const worldRow = h("tr", { id: "world-row" },
    h("th", { scope: "row" }, "World"),
    h("td", { class: "num" }, count(wc)),
    h("td", { class: "num" }, count(wd)),
    h("td", { class: "num" }, rate(wd, wc)),
    h("td", { class: "num" }, rate(wr, wc)));
  rows($("countries"), [worldRow].concat(items.map((x) => {
    const c = T.value(x), d = dead.get(T.region(x));
    return h("tr", {},
      h("td", {}, state.names.get(T.region(x)) || T.region(x)),
      h("td", { class: "num" }, count(c)),
      h("td", { class: "num" }, count(d)),
      h("td", { class: "num" }, rate(d, c)),
      h("td", { class: "num" }, rate(recovered(T.region(x)), c)));
  })), "No totals reported.", 5);
}

function csv() {
  const esc = (v) => (/[",\n]/.test(String(v)) ? '"' + String(v).replaceAll('"', '""') + '"' : String(v));
  const lines = [["region", "metric", "date", "cumulative", "change", "corrected", "flag", "suppressed", "height"].join(",")];
  for (const [key, res] of Object.entries(state.series)) {
    for (const p of S.points(res)) {
      lines.push([state.region, METRIC[key], S.date(p), S.cumulative(p) ?? "", S.change(p) ?? "", S.corrected(p), S.flag(p), S.suppressed(p), S.height(res) ?? ""].map(esc).join(","));
    }
  }
  return lines.join("\n") + "\n";
}

function exportCSV() {
  const text = csv();
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const a = h("a", { href: url, download: `medchain-${state.region}-${state.height ?? "latest"}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  document.body.dataset.csvRows = String(text.trim().split("\n").length - 1);
}

async function main() {
  await status().catch(() => null);
  if (!(await available())) {
    noData("This node's API has no public-health routes (see /v1/openapi.json).");
    return;
  }
  let regs, ranked;
  try {
    [regs, ranked] = await Promise.all([get(ROUTES.regions).then(R.items), loadTotals()]);
  } catch (e) {
    showError($("ph-status"), e);
    return;
  }
  if (ranked.length === 0) {
    noData("No organisation has reported case figures yet (medchain publichealth import-jhu loads the JHU series; see docs/publichealth.md).");
    return;
  }
  state.names = new Map(regs.map((x) => [R.code(x), R.name(x)]));
  const select = $("region");
  fill(select, regs.slice().sort((a, b) => R.name(a).localeCompare(R.name(b)))
    .map((x) => h("option", { value: R.code(x) }, R.isCountry(x) ? R.name(x) : "\u00a0\u00a0" + R.name(x))));
  const asked = new URLSearchParams(location.search).get(PARAM.region);
  state.region = asked && state.names.has(asked) ? asked : T.region(ranked[0]);
  select.value = state.region;
  $("ph-status").replaceChildren();
  $("ph").hidden = false;
  const go = async () => {
    state.region = select.value;
    history.replaceState(null, "", "/public-health?" + new URLSearchParams({ [PARAM.region]: state.region }));
    try {
      await showRegion();
    } catch (e) {
      showError($("ph-status"), e);
    }
  };
  $("ph-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    go();
  });
  select.addEventListener("change", go);
  $("csv").addEventListener("click", exportCSV);
  showCountries(ranked);
  await showRegion();
  document.body.dataset.ph = "ready";
}

main().catch((e) => showError($("ph-status"), e));
