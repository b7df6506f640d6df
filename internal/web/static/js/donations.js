// The donations page: the campaigns, and for the one chosen
// (?campaign=cp-…) its public ledger: cash raised, funded, disbursed,
// delivered and available, per beneficiary and item what was committed,
// shipped, received, rejected and is outstanding, late deliveries flagged,
// and links to its IATI export. Totals only: never a donation. Field names
// are in donfields.js only.
import { get, status, showError } from "./api.js";
import { count, date, fill, h, labelCells, pill, rows, stat, words } from "./dom.js";
import { CAMPAIGN_ID, EXPORT_FORMATS, PAGE, PARAM, ROUTES, campaign as C, campaigns as CS, ledger as L, line as N } from "./donfields.js";

const $ = (id) => document.getElementById(id);

// Currency formatters by code; amounts arrive in minor units.
const moneyFmts = new Map();

/** minor units of currency for people: 12345, "USD" → "$123.45". */
function money(minor, currency) {
  if (minor === null || minor === undefined || !currency) return "–";
  let f = moneyFmts.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: "currency", currency });
    } catch {
      f = null; // a code the browser does not know: the amount as it is
    }
    moneyFmts.set(currency, f);
  }
  if (!f) return count(minor) + " " + currency + " (minor units)";
  return f.format(minor / 10 ** f.resolvedOptions().maximumFractionDigits);
}

let orgNames = new Map();

async function loadOrgs() {
  try {
    const page = await get("/v1/orgs", { limit: 1000 });
    orgNames = new Map((page?.items ?? []).map((o) => [o.id, o.name]));
  } catch {
    orgNames = new Map(); // IDs only
  }
}

function org(id) {
  const name = orgNames.get(id);
  return name ? h("span", {}, name, " ", h("span", { class: "muted" }, "(" + id + ")")) : h("code", {}, id);
}

/** The campaign's status in words and colour. */
function statusPill(c) {
  return pill(words(C.status(c)), C.open(c) ? "ok" : "");
}

/** The address of a campaign's ledger on this page. */
const pageOf = (id) => "/donations?" + new URLSearchParams({ [PARAM.campaign]: id });

async function allCampaigns() {
  const out = [];
  let after = "";
  do {
    const res = await get(ROUTES.campaigns, { [PARAM.after]: after, [PARAM.limit]: PAGE });
    out.push(...CS.items(res));
    after = CS.next(res);
  } while (after && out.length < 10 * PAGE);
  return out.sort((a, b) => C.height(b) - C.height(a)); // newest first
}

function showCampaigns(list, chosen) {
  rows($("campaigns"), list.map((c) => {
    const here = C.id(c) === chosen;
    return h("tr", { "data-campaign": C.id(c), class: here ? "chosen" : null },
      h("td", {}, h("a", { href: pageOf(C.id(c)), "aria-current": here ? "page" : null }, h("code", {}, C.id(c)))),
      h("td", {}, org(C.charity(c))),
      h("td", {}, C.currency(c)),
      h("td", {}, date(C.closes(c))),
      h("td", {}, statusPill(c)));
  }), "No campaign yet.", 5);
  labelCells($("campaigns"));
}

/** A figure of a line, in units for goods or money for a cash need. */
function amount(x, n) {
  return N.currency(x) ? money(n, N.currency(x)) : count(n);
}

function lineRow(x) {
  const late = N.late(x);
  const item = N.item(x) ? words(N.item(x)) : N.currency(x) ? "cash (" + N.currency(x) + ")" : "–";
  const lateNote = late
    ? [" ", pill(N.lateUnits(x) ? `Late: ${count(N.lateUnits(x))} received after the date` : "Late: past its date", "bad")]
    : null;
  return h("tr", { "data-need": N.need(x), "data-late": String(late), class: late ? "late" : null },
    h("td", {}, org(N.beneficiary(x))),
    h("td", {}, item),
    h("td", {}, h("span", {}, date(N.neededBy(x)), lateNote)),
    h("td", { class: "num" }, amount(x, N.target(x))),
    h("td", { class: "num" }, amount(x, N.committed(x))),
    h("td", { class: "num" }, amount(x, N.shipped(x))),
    h("td", { class: "num received" }, amount(x, N.received(x))),
    h("td", { class: "num" }, amount(x, N.rejected(x))),
    h("td", { class: "num outstanding" }, amount(x, N.outstanding(x))));
}

async function showLedger(id) {
  const l = await get(ROUTES.campaign(id));
  const c = L.campaign(l);
  const cur = C.currency(c);
  $("ledger-id").textContent = C.id(c);
  fill($("ledger-about"), "Run by ", org(C.charity(c)), `, in ${cur}, closes ${date(C.closes(c))} `, statusPill(c),
    ` · ${count(C.needs(c).length)} need${C.needs(c).length === 1 ? "" : "s"} · ${count(L.shipments(l).length)} shipment${L.shipments(l).length === 1 ? "" : "s"} linked`);
  fill($("cash"),
    stat("Raised", money(C.raised(c), cur), { id: "cash-raised" }),
    stat("Funded", money(C.funded(c), cur), { id: "cash-funded" }),
    stat("Disbursed", money(C.disbursed(c), cur), { id: "cash-disbursed" }),
    stat("Delivered", money(C.delivered(c), cur), { id: "cash-delivered" }),
    stat("Available", money(L.available(l), cur), { id: "cash-available" }));
  rows($("lines"), L.lines(l).map(lineRow), "This campaign has no needs.", 9);
  labelCells($("lines"));
  fill($("exports"), EXPORT_FORMATS.map((f) =>
    h("li", {}, h("a", { href: ROUTES.exportOf(C.id(c), f), download: `${C.id(c)}-iati.${f}`, "data-format": f },
      `IATI export (${f.toUpperCase()})`))));
  $("ledger").hidden = false;
  document.body.dataset.campaign = C.id(c);
}

async function main() {
  await status().catch(() => null);
  const asked = new URLSearchParams(location.search).get(PARAM.campaign) || "";
  const [list] = await Promise.all([allCampaigns(), loadOrgs()]);
  showCampaigns(list, asked);
  if (asked) {
    if (!CAMPAIGN_ID.test(asked)) {
      showError($("don-status"), new Error(`"${asked}" is not a campaign ID (cp- and 24 hex digits).`));
    } else {
      try {
        await showLedger(asked);
        $("ledger-h").focus(); // a campaign chosen by keyboard lands on its ledger
      } catch (e) {
        showError($("don-status"), e);
      }
    }
  } else if (list.length) {
    fill($("don-status"), h("p", { class: "hint" }, "Choose a campaign to see its ledger."));
  }
  document.body.dataset.donations = "ready";
}

main().catch((e) => {
  showError($("don-status"), e);
  document.body.dataset.donations = "error";
});
