// The network page: organisations, validators, latest blocks and their
// transactions, open proposals, from the public routes of /v1.
import { get, status, showError } from "./api.js";
import { count, fill, h, pill, rows, short, stat, time, words } from "./dom.js";

const $ = (id) => document.getElementById(id);
const BLOCKS = 10; // latest blocks listed
const TXS = 15; // recent transactions listed
// Blocks searched back for them at a time; ?lookback=N asks for another
// number (1 to 1000).
const LOOKBACK = Math.min(1000, Math.max(1, Number(new URLSearchParams(location.search).get("lookback")) || 120));

let orgNames = new Map();

function orgLabel(id) {
  const name = orgNames.get(id);
  return name ? h("span", {}, name, " ", h("span", { class: "muted" }, "(" + id + ")")) : id;
}

async function loadOrgs() {
  const page = await get("/v1/orgs", { limit: 1000 });
  orgNames = new Map(page.items.map((o) => [o.id, o.name]));
  rows($("orgs"), page.items.map((o) =>
    h("tr", { "data-org": o.id },
      h("td", {}, h("strong", {}, o.name), h("br"), h("code", {}, o.id)),
      h("td", {}, words(o.kind)),
      h("td", {}, pill(o.status, o.status === "active" ? "ok" : "warn"), o.validator ? [" ", pill("validator")] : null))),
  "No organisations.", 3);
}

async function loadValidators() {
  const v = await get("/v1/validators");
  rows($("validators"), v.items.map((x) =>
    h("tr", {},
      h("td", {}, orgLabel(x.org)),
      h("td", { class: "num" }, count(x.power)),
      h("td", { class: "hide-narrow" }, h("code", { title: x.public_key }, short(x.public_key))))),
  "No validators.", 3);
  $("total-power").textContent = `Total voting power ${count(v.total_power)}; a block needs more than two thirds of it.`;
}

function txRow(height, tx) {
  const ok = tx.code === 0;
  return h("tr", {},
    h("td", { class: "num" }, count(height)),
    h("td", {}, tx.type ? h("code", {}, tx.type) : h("span", { class: "muted" }, "undecodable")),
    h("td", {}, ok ? pill("committed", "ok") : pill("refused: " + (tx.code_id || "code " + tx.code), "bad")),
    h("td", {}, h("a", { href: "/v1/txs/" + tx.hash, title: tx.hash }, h("code", {}, short(tx.hash)))));
}

// The search for recent transactions: from which height it goes on, and
// what it found so far (newest first).
const search = { next: 0, txs: [] };

async function fetchBlocks(from, n) {
  const heights = [];
  for (let i = from; i > 0 && i > from - n; i--) heights.push(i);
  const out = [];
  for (let i = 0; i < heights.length; i += 10) {
    out.push(...(await Promise.all(heights.slice(i, i + 10).map((x) => get("/v1/blocks/" + x).catch(() => null)))));
  }
  return out.filter(Boolean);
}

// searchTxs reads up to LOOKBACK more blocks, newest first, until TXS
// more transactions are found.
async function searchTxs() {
  const want = search.txs.length + TXS;
  const stop = Math.max(0, search.next - LOOKBACK);
  while (search.next > stop && search.txs.length < want) {
    const blocks = await fetchBlocks(search.next, Math.min(10, search.next - stop));
    search.next -= Math.min(10, search.next - stop);
    for (const b of blocks) for (const tx of b.txs) search.txs.push(txRow(b.height, tx));
  }
  const searched = search.top - search.next;
  rows($("txs"), search.txs, `No transactions in the last ${count(searched)} blocks.`, 4);
  $("txs-note").textContent = search.next > 0
    ? `Searched blocks ${count(search.next + 1)} to ${count(search.top)}.` : `Searched every block.`;
  $("older").hidden = search.next <= 0;
}

async function loadBlocks(latest) {
  const blocks = await fetchBlocks(latest, BLOCKS);
  rows($("blocks"), blocks.map((b) =>
    h("tr", { "data-height": b.height },
      h("td", { class: "num" }, h("a", { href: "/v1/blocks/" + b.height }, count(b.height))),
      h("td", {}, time(b.time)),
      h("td", { class: "num" }, count(b.txs.length)),
      h("td", { class: "hide-narrow" }, h("code", { title: b.hash }, short(b.hash))))),
  "No blocks yet.", 4);
  search.top = search.next = latest;
  search.txs = [];
  await searchTxs();
}

async function loadProposals(height) {
  const page = await get("/v1/proposals", { limit: 1000 });
  const open = page.items.filter((p) => p.status === "open");
  rows($("proposals"), open.map((p) =>
    h("tr", {},
      h("td", { class: "num" }, String(p.id)),
      h("td", {}, p.title ? [h("strong", {}, p.title), h("br")] : null, h("code", {}, p.action.type)),
      h("td", {}, orgLabel(p.org)),
      h("td", {}, `${p.tally.yes} yes, ${p.tally.no} no of ${p.tally.members}`, " ",
        p.tally.passes ? pill("passes", "ok") : pill("not yet", "warn")),
      h("td", { class: "num" }, "block " + count(p.deadline), h("br"),
        h("span", { class: "muted" }, p.deadline > height ? `in ${count(p.deadline - height)} blocks` : "due")))),
  "No open proposals.", 5);
}

async function load() {
  const err = $("net-error");
  try {
    const st = await status();
    fill($("status"),
      stat("Height", count(st.latest_block_height), { id: "height" }),
      stat("Chain", st.chain_id),
      stat("Latest block", time(st.latest_block_time)),
      stat("App hash", h("code", { title: st.latest_app_hash }, short(st.latest_app_hash))),
      stat("Node", st.moniker || short(st.node_id)),
      stat("Catching up", st.catching_up ? "yes" : "no"));
    await loadOrgs(); // names for the other tables
    await Promise.all([loadValidators(), loadBlocks(st.state_height || st.latest_block_height), loadProposals(st.latest_block_height)]);
    err.replaceChildren();
    document.body.dataset.loaded = "true";
  } catch (e) {
    showError(err, e);
    document.body.dataset.loaded = "error";
  }
}

$("older").addEventListener("click", async () => {
  $("older").disabled = true;
  try {
    await searchTxs();
  } catch (e) {
    showError($("net-error"), e);
  }
  $("older").disabled = false;
});

await load();
