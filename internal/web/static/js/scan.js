// The scan page: a barcode string to GET /v1/supply/verify, and the verdict
// in plain words and colour. Every field of the verdict is shown.
import { get, showError, status } from "./api.js";
import { count, fill, h, pill, time, words } from "./dom.js";

const form = document.getElementById("scan-form");
const input = document.getElementById("code");
const out = document.getElementById("result");

// Why a scan is suspect, in words (supply.Verdict.suspect).
// Organisation names by ID, for people (IDs stay in the title).
let orgs = new Map();
const orgsLoaded = get("/v1/orgs", { limit: 1000 })
  .then((p) => { orgs = new Map(p.items.map((o) => [o.id, o.name])); })
  .catch(() => {});
status().catch(() => {});

function org(id) {
  return orgs.has(id) ? h("span", { title: id }, orgs.get(id)) : id;
}

const SUSPECT = {
  unknown_product: "No manufacturer on this network registered this product. The pack may be counterfeit.",
  unknown_serial: "This serial number was never commissioned by the product's manufacturer. The pack may be counterfeit.",
  already_dispensed: "This pack was already dispensed to a patient. A second pack with the same code is a copy or a diverted pack.",
  destroyed: "This pack was recorded as destroyed. It should not exist.",
  missing: "This pack was reported missing in transit. It may have been stolen or diverted.",
};

// What a status means for the person holding the pack.
const STATUS = {
  active: ["In the supply chain", "ok"],
  in_transit: ["In transit between organisations", "ok"],
  dispensed: ["Dispensed to a patient", "warn"],
  transfused: ["Transfused", "warn"],
  recalled: ["Recalled: do not use", "bad"],
  quarantined: ["Quarantined: do not use until released", "bad"],
  expired: ["Expired: do not use", "bad"],
  destroyed: ["Destroyed", "bad"],
  missing: ["Missing", "bad"],
  consumed: ["Used up in making another product", "warn"],
  unknown: ["Unknown to the ledger", "bad"],
};

const COLD = {
  pass: ["Cold chain kept", "ok"],
  fail: ["Cold chain broken", "bad"],
  none: ["No cold-chain record", ""],
};

function celsius(mc) {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(mc / 1000) + " °C";
}

function verdictBox(v) {
  const [statusWords, statusKind] = STATUS[v.status] || [words(v.status), "warn"];
  let kind, title, lines;
  if (v.suspect || !v.genuine) {
    kind = "suspect";
    title = v.suspect === "unknown_serial" || v.suspect === "unknown_product" ? "Counterfeit warning: unknown to the ledger" : "Suspect pack";
    lines = [SUSPECT[v.suspect] || "The ledger does not vouch for this pack (" + words(v.suspect) + ")."];
    lines.push("Do not use it. Keep it and tell the pharmacy or the manufacturer.");
    if (v.alert) lines.push("This node recorded the scan as alert " + v.alert + " for the manufacturer.");
  } else if (statusKind === "bad" || v.cold_chain === "fail" || v.recall) {
    kind = "warning";
    title = "Genuine, but do not use";
    lines = ["The manufacturer commissioned this pack, but: " + statusWords.toLowerCase() + "."];
  } else {
    kind = "genuine";
    title = "Genuine";
    lines = ["The manufacturer commissioned this pack, and the ledger knows where it has been."];
  }
  return h("section", { class: "verdict " + kind, id: "verdict", "data-verdict": kind, "aria-labelledby": "verdict-h" },
    h("h2", { id: "verdict-h" }, title),
    lines.map((l) => h("p", {}, l)),
    v.alert_error ? h("p", {}, "The node could not record this scan as an alert: " + v.alert_error) : null);
}

function facts(v) {
  const [statusWords, statusKind] = STATUS[v.status] || [words(v.status), "warn"];
  const [coldWords, coldKind] = COLD[v.cold_chain] || [words(v.cold_chain), ""];
  const rowsOf = [
    ["Scanned", h("code", {}, v.code)],
    ["Item", h("code", {}, v.item)],
    v.product && ["Product", `${v.product.name} (${words(v.product.kind)})`],
    v.gtin && ["GTIN", h("code", {}, v.gtin)],
    v.product?.ndc && ["NDC", h("code", {}, v.product.ndc)],
    v.manufacturer && ["Manufacturer", org(v.manufacturer)],
    v.lot && ["Lot", h("code", {}, v.lot)],
    v.expiry && ["Expiry", v.expiry],
    ["Status", pill(statusWords, statusKind)],
    v.custodian && ["Held by", org(v.custodian)],
    v.container && ["Packed in", h("code", {}, v.container)],
    v.contents ? ["Contains", count(v.contents) + " items"] : null,
    ["Cold chain", [pill(coldWords, coldKind), v.cold_chain_reason ? " " + words(v.cold_chain_reason) : ""]],
    v.product && (v.product.min_mc || v.product.max_mc) ? ["Storage range", `${celsius(v.product.min_mc)} to ${celsius(v.product.max_mc)}`] : null,
    v.recall && ["Recall", [pill("recalled", "bad"), " by ", org(v.recall.org), ` (${words(v.recall.reason)}), block ${count(v.recall.height)}, ${time(v.recall.time)}`]],
    v.alert && ["Alert", h("code", {}, v.alert)],
  ].filter(Boolean);
  return h("section", { class: "card", "aria-labelledby": "facts-h" },
    h("h2", { id: "facts-h" }, "What the ledger says"),
    h("dl", { class: "facts" }, rowsOf.map(([k, val]) => [h("dt", {}, k), h("dd", {}, val)])));
}

function journey(v) {
  if (!v.custody || v.custody.length === 0) return null;
  return h("section", { class: "card", "aria-labelledby": "journey-h" },
    h("h2", { id: "journey-h" }, "Custody journey"),
    h("ol", { class: "journey", id: "journey" }, v.custody.map((c) =>
      h("li", {},
        h("strong", {}, words(c.event)), " · ", org(c.org),
        c.shipment ? [" · shipment ", h("code", {}, c.shipment)] : null,
        c.from ? [" · from ", h("code", {}, c.from)] : null,
        c.reason ? " · " + words(c.reason) : null,
        c.by ? " · by " + c.by : null,
        h("span", { class: "muted" }, ` · block ${count(c.height)}` + (c.time ? `, ${time(c.time)}` : ""))))));
}

async function verify(code) {
  fill(out, h("p", { class: "empty" }, "Checking…"));
  try {
    const [v] = await Promise.all([get("/v1/supply/verify", { code }), orgsLoaded]);
    fill(out, verdictBox(v), facts(v), journey(v));
  } catch (e) {
    showError(out, e);
  }
  document.body.dataset.scanned = code;
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const code = input.value.trim();
  if (!code) return;
  // The address says what was scanned: it can be bookmarked or shared.
  history.replaceState(null, "", "/scan?" + new URLSearchParams({ code }));
  verify(code);
});

const initial = new URLSearchParams(location.search).get("code");
if (initial) {
  input.value = initial;
  verify(initial);
} else {
  input.focus();
}
document.body.dataset.ready = "true";
