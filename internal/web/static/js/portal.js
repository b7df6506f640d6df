// The portal (/portal): a patient or a clinician unlocks their own key in
// the browser (keys.js) and works with the node's API as the CLI does:
// private reads with a bearer token the key asked for, records read with a
// signed request and opened in the browser, changes as signed transactions.

import { APIError, get, showError, status } from "./api.js";
import { h, fill, rows, labelCells, pill, time, words, short } from "./dom.js";
import * as keys from "./keys.js";
import { renderFHIR, recordTypes } from "./fhirview.js";

const $ = (id) => document.getElementById(id);
/** A code for people: "patient-unconscious" → "patient unconscious". */
const code = (c) => words(c).replaceAll("-", " ");
const STORE = "medchain.portal.keys"; // the keystore entries chosen here, still sealed

const PURPOSES = ["treatment", "payment", "operations", "research", "emergency", "public-health"];
const BREAK_GLASS_REASONS = ["life-threatening", "patient-unconscious", "emergency-treatment", "public-health-emergency"];

/** What a refused read or write means, in plain words, by the node's code. */
const REFUSALS = {
  "records.no_grant": "The patient has not granted you or your organisation access.",
  "records.wrong_org": "The patient's grants are for another organisation, not yours.",
  "records.purpose_not_granted": "The patient's grant does not allow this purpose of use.",
  "records.grant_expired": "The patient's grant has expired.",
  "records.grant_revoked": "The patient revoked the grant.",
  "records.out_of_scope": "This record is outside what the patient granted (another kind of record).",
  "records.condition_not_met": "The condition the patient set on the grant does not hold now.",
  "records.break_glass_refused": "The break-glass window does not allow this read (closed, or another patient's).",
  "records.break_glass_limit": "You have reached your break-glass limits.",
  "records.erased": "The record was erased: nobody can read it any more.",
  "records.not_custodian": "Another organisation's node keeps this record: open the portal on that node.",
  "records.unavailable": "The node that keeps the record cannot serve it now: try again later.",
  "records.unauthorized": "Your key may not do this.",
  "chain.not_entitled": "Your key is not entitled to see this.",
  "api.unauthenticated": "The node did not accept your key's credential.",
};

const explain = (e) => (e instanceof APIError && REFUSALS[e.code] ? `${REFUSALS[e.code]} (${e.code})` : null);

let key = null; // the unlocked key (keys.unlock), in memory only
let token = null; // {token, expires_at, identity}
let entries = []; // the keystore file's entries
let orgNames = new Map();

// ---- talking to the node ----------------------------------------------------

async function chain() {
  const st = await status();
  return { id: st.chain_id, height: st.latest_block_height, ttl: 30 };
}

async function newToken() {
  const env = await keys.envelope(key, await chain(), "auth/token", { ttl_seconds: 900 });
  token = await post("/v1/auth/tokens", JSON.stringify({ request: keys.b64.encode(env) }), "application/json");
}

/** A private GET, with the key's bearer token (renewed when it ends). */
async function read(path) {
  for (let attempt = 0; ; attempt++) {
    if (!token || Date.parse(token.expires_at) - Date.now() < 30_000) await newToken();
    const res = await fetch(path, { headers: { Accept: "application/json", Authorization: "Bearer " + token.token }, credentials: "omit" });
    const body = await res.json().catch(() => null);
    if (res.ok) return body;
    if (res.status === 401 && attempt === 0) {
      token = null;
      continue;
    }
    throw new APIError(res.status, body, path);
  }
}

async function post(path, body, type) {
  let res;
  try {
    res = await fetch(path, { method: "POST", headers: { "Content-Type": type, Accept: "application/json" }, body, credentials: "omit" });
  } catch (e) {
    throw new APIError(0, { detail: "the node did not answer (" + e.message + ")" }, path);
  }
  const out = await res.json().catch(() => null);
  if (!res.ok) throw new APIError(res.status, out, path);
  return out;
}

/** Signs msg as a transaction of type, submits it and waits for its block. */
async function send(type, msg) {
  const env = await keys.envelope(key, { ...(await chain()), ttl: 100 }, type, msg);
  const r = await post("/v1/txs?wait=commit", env, "application/octet-stream");
  if (r.status !== "committed") throw new Error(`the transaction ${short(r.hash)} is not in a block yet: look for it later`);
  return r;
}

/** Reads a record through the custodian's consent check and opens it here. */
async function openRecord(record, purpose, breakGlass) {
  const env = await keys.envelope(key, await chain(), "records/read-request", { record, purpose, ...(breakGlass ? { break_glass: breakGlass } : {}) });
  const r = await post("/v1/records/reads", JSON.stringify({ request: keys.b64.encode(env) }), "application/json");
  const ct = keys.b64.decode(r.ciphertext);
  if (keys.sha256hex(ct) !== r.version.hash) throw new Error(`the node's ciphertext of ${record} is not the one the ledger anchors`);
  const dataKey = await key.unwrap(keys.b64.decode(r.wrapped_key));
  const doc = JSON.parse(new TextDecoder().decode(keys.openSealed(ct, dataKey)));
  dataKey.fill(0);
  return { ...r, doc };
}

function say(el, text, kind = "") {
  fill(el, h("p", { class: kind === "bad" ? "error" : "notice", role: kind === "bad" ? "alert" : "status" }, text));
}

function fail(el, e) {
  const plain = explain(e);
  if (plain) say(el, plain, "bad");
  else showError(el, e);
}

// ---- unlocking ---------------------------------------------------------------

/** The keystore entries this browser keeps (sealed), newest first. */
function remembered() {
  try {
    const list = JSON.parse(localStorage.getItem(STORE) || "[]");
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function remember(entry) {
  const list = remembered().filter((e) => e.public_key !== entry.public_key);
  localStorage.setItem(STORE, JSON.stringify([entry, ...list]));
}

function forget(publicKey) {
  localStorage.setItem(STORE, JSON.stringify(remembered().filter((e) => e.public_key !== publicKey)));
}

/** The remembered entry chosen, when the page offers the remembered keys. */
function rememberedChoice() {
  if ($("remembered").hidden) return null;
  return remembered().find((e) => e.public_key === $("remembered-key").value) || null;
}

function showUnlock() {
  const list = remembered();
  $("remembered").hidden = list.length === 0;
  $("choose").hidden = list.length > 0;
  fill($("remembered-key"), list.map((e) => h("option", { value: e.public_key }, `${e.name}${e.identity ? " · " + e.identity : ""}`)));
  passField(list[0]);
  $("unlock-button").disabled = list.length === 0 && !$("ks-key").value;
}

function passField(entry) {
  const dev = entry?.dev;
  $("pass-field").hidden = !!dev;
  $("ks-pass").required = !dev;
  if (dev) $("unlock-status").textContent = "A demo key of medchain dev: it needs no passphrase, and is never for real data.";
}

async function chooseFile() {
  const f = $("ks-file").files[0];
  if (!f) return;
  try {
    entries = keys.parseKeystore(await f.text());
  } catch (e) {
    entries = [];
    say($("unlock-status"), e.message, "bad");
  }
  const sel = $("ks-key");
  fill(sel, entries.map((e) => h("option", { value: e.name }, `${e.name}${e.identity ? " · " + e.identity : ""}${e.note ? " · " + e.note : ""}`)));
  sel.disabled = entries.length === 0;
  passField(entries[0]);
  $("unlock-button").disabled = entries.length === 0;
}

async function doUnlock(ev) {
  ev.preventDefault();
  const entry = rememberedChoice() || entries.find((e) => e.name === $("ks-key").value);
  if (!entry) return;
  const st = $("unlock-status");
  say(st, "Opening the key…");
  $("unlock-button").disabled = true;
  try {
    key = await keys.unlock(entry, $("ks-pass").value);
    $("ks-pass").value = "";
    remember(entry);
    await newToken();
  } catch (e) {
    key = null;
    $("unlock-button").disabled = false;
    $("ks-pass").value = "";
    if (!$("pass-field").hidden) $("ks-pass").focus();
    if (e instanceof keys.KeyError) say(st, e.message, "bad");
    else fail(st, e);
    return;
  }
  fill(st);
  await signedIn();
}

async function lock() {
  if (token) {
    await fetch("/v1/auth/tokens/current", { method: "DELETE", headers: { Authorization: "Bearer " + token.token }, credentials: "omit" }).catch(() => {});
  }
  key?.lock();
  key = token = null;
  $("session").hidden = $("patient").hidden = $("clinician").hidden = true;
  $("unlock").hidden = false;
  fill($("message"));
  showUnlock();
}

async function signedIn() {
  const who = token.identity;
  $("who").textContent = who.kind === "member" ? `${who.id} (${(who.roles || []).join(", ")})` : `${who.id} (patient)`;
  $("unlock").hidden = true;
  $("session").hidden = false;
  if (orgNames.size === 0) {
    const orgs = await get("/v1/orgs", { limit: 1000 });
    orgNames = new Map(orgs.items.map((o) => [o.id, o.name]));
  }
  if (who.kind === "patient") {
    $("patient").hidden = false;
    await loadPatient();
  } else {
    $("clinician").hidden = false;
    await loadClinician();
  }
  document.body.dataset.ready = "true";
}

const orgName = (id) => orgNames.get(id) || id;

// ---- the patient ---------------------------------------------------------------

let myRecords = [];

async function loadPatient() {
  await Promise.all([loadRecords(), loadGrants(), loadDelegates(), loadLog()]);
}

async function loadRecords() {
  const me = token.identity.id;
  try {
    const page = await read(`/v1/patients/${encodeURIComponent(me)}/records?limit=200`);
    myRecords = await Promise.all(page.items.map((r) => read(`/v1/records/${encodeURIComponent(r.id)}`)));
  } catch (e) {
    return fail($("record-view"), e);
  }
  myRecords.sort((a, b) => latest(b).time - latest(a).time);
  const types = [...new Set(myRecords.flatMap((r) => latest(r).types || []))].sort();
  const filter = $("type-filter");
  const chosen = filter.value;
  fill(filter, h("option", { value: "" }, "All types"), types.map((t) => h("option", { value: t, selected: t === chosen }, recordTypes[t] || t)));
  fill($("grant-types"), types.map((t) => h("option", { value: t }, recordTypes[t] || t)));
  showRecords();
}

const latest = (r) => r.versions[r.versions.length - 1];

function showRecords() {
  const t = $("type-filter").value;
  const list = myRecords.filter((r) => !t || (latest(r).types || []).includes(t));
  rows($("records"), list.map((r) => {
    const v = latest(r);
    const erased = r.status === "erased";
    return h("tr", { "data-record": r.id },
      h("td", {}, time(v.time)),
      h("td", {}, (v.types || []).map((x) => recordTypes[x] || x).join(", ")),
      h("td", {}, orgName(r.custodian)),
      h("td", {}, v.author),
      h("td", {}, erased ? [pill("erased", "bad"), " ", h("span", { class: "hint" }, `${time(r.erasure?.time)}, ${code(r.erasure?.reason)}`)]
        : pill(r.latest > 1 ? `version ${r.latest}` : "active", "ok")),
      h("td", {}, erased ? "" : [
        h("button", { type: "button", class: "secondary", "data-show": r.id, "aria-label": `Show the record of ${time(v.time)}` }, "Show"), " ",
        h("button", { type: "button", class: "secondary", "data-erase": r.id, "aria-label": `Erase the record of ${time(v.time)}` }, "Erase"),
      ]));
  }), t ? "No records of this type." : "No records yet.", 6);
  labelCells($("records"));
}

async function showRecord(id) {
  const view = $("record-view");
  say(view, "Reading the record (this read is in your access log)…");
  try {
    const r = await openRecord(id, "treatment");
    fill(view, h("article", { class: "card record", "aria-label": "Record " + id }, h("h3", {}, `Record ${short(id, 12)}, version ${r.version.version}`), renderFHIR(r.doc)));
    await loadLog();
  } catch (e) {
    fail(view, e);
  }
}

async function erase(id, button) {
  // Two steps, in the page: the first press asks, the second erases.
  if (button.dataset.confirming !== "true") {
    button.dataset.confirming = "true";
    button.textContent = "Erase for good?";
    say($("message"), "Erasing destroys the record's data on every node that keeps it, for good; the ledger keeps only that it was erased. Press \u201cErase for good?\u201d to go on.");
    return;
  }
  try {
    await send("records/erase", { record: id, reason: "patient-request" });
    say($("message"), "The record is erased.");
    await loadRecords();
  } catch (e) {
    fail($("message"), e);
  }
}

let myGrants = [];

async function loadGrants() {
  try {
    myGrants = (await read(`/v1/patients/${encodeURIComponent(token.identity.id)}/grants`)).items;
  } catch (e) {
    return fail($("message"), e);
  }
  const now = Date.now() / 1000;
  rows($("grants"), myGrants.map((g) => {
    const active = g.status === "active" && g.expires > now;
    const who = g.grantee.member || orgName(g.grantee.org) + (g.grantee.role ? ` (${g.grantee.role}s)` : "");
    return h("tr", { "data-grant": g.id, class: active ? "" : "muted" },
      h("td", {}, who),
      h("td", {}, g.purposes.map(code).join(", ")),
      h("td", {}, g.records?.length ? `${g.records.length} records` : g.types?.length ? g.types.map((t) => recordTypes[t] || t).join(", ") : "All records"),
      h("td", {}, time(g.start)),
      h("td", {}, time(g.expires)),
      h("td", {}, active ? pill("active", "ok") : pill(g.status === "active" ? "expired" : g.status, "")),
      h("td", {}, active ? [
        h("button", { type: "button", class: "secondary", "data-change": g.id, "aria-label": `Change the grant to ${who}` }, "Change"), " ",
        h("button", { type: "button", class: "secondary", "data-revoke": g.id, "aria-label": `Revoke the grant to ${who}` }, "Revoke"),
      ] : ""));
  }), "You have granted nobody access.", 7);
  labelCells($("grants"));
}

function grantForm(g) {
  $("grant-replaces").value = g ? g.id : "";
  $("grant-replacing").hidden = !g;
  $("grant-cancel").hidden = !g;
  $("grant-submit").textContent = g ? "Replace the grant" : "Grant";
  if (g) $("grant-replacing").textContent = `Changing grant ${g.id}: a new grant replaces it, and it is revoked.`;
  $("grant-org").value = g?.grantee.org || $("grant-org").value;
  for (const box of $("grant-purposes").querySelectorAll("input")) box.checked = g ? g.purposes.includes(box.value) : box.value === "treatment";
  for (const o of $("grant-types").options) o.selected = !!g?.types?.includes(o.value);
  const until = g ? new Date(g.expires * 1000) : new Date(Date.now() + 365 * 86400_000);
  $("grant-expires").value = until.toISOString().slice(0, 10);
  if (g) $("grant-org").focus();
}

async function submitGrant(ev) {
  ev.preventDefault();
  const purposes = [...$("grant-purposes").querySelectorAll("input:checked")].map((b) => b.value);
  if (purposes.length === 0) return say($("message"), "Choose at least one purpose.", "bad");
  const expires = new Date($("grant-expires").value + "T23:59:59Z");
  const types = [...$("grant-types").selectedOptions].map((o) => o.value);
  const replaces = $("grant-replaces").value;
  try {
    const r = await send("records/grant", {
      grantee: { org: $("grant-org").value }, purposes, ...(types.length ? { types } : {}), expires: expires.toISOString().replace(/\.\d+Z$/, "Z"),
    });
    if (replaces) await send("records/revoke", { grant: replaces });
    say($("message"), `${orgName($("grant-org").value)} may now read ${types.length ? "these kinds of" : "your"} records for ${purposes.map(code).join(", ")} (grant ${r.result?.id || ""})${replaces ? `; grant ${replaces} is revoked` : ""}.`);
    grantForm(null);
    await loadGrants();
  } catch (e) {
    fail($("message"), e);
  }
}

async function revoke(id) {
  try {
    await send("records/revoke", { grant: id });
    say($("message"), `Grant ${id} is revoked: from the next block on, nobody reads under it.`);
    await loadGrants();
  } catch (e) {
    fail($("message"), e);
  }
}

async function loadDelegates() {
  let ds;
  try {
    ds = (await read(`/v1/patients/${encodeURIComponent(token.identity.id)}/delegates`)).items;
  } catch (e) {
    return fail($("message"), e);
  }
  rows($("delegates"), ds.map((d) => h("tr", {},
    h("td", {}, d.delegate),
    h("td", {}, time(d.expires)),
    h("td", {}, h("button", { type: "button", class: "secondary", "data-undelegate": d.delegate, "aria-label": `Remove delegate ${d.delegate}` }, "Remove")))),
  "Nobody acts for you.", 3);
  labelCells($("delegates"));
}

async function delegate(id, expires) {
  try {
    await send("records/delegate", { delegate: id, ...(expires ? { expires } : {}) });
    say($("message"), expires ? `${id} may act for you until ${time(expires)}.` : `${id} no longer acts for you.`);
    await loadDelegates();
  } catch (e) {
    fail($("message"), e);
  }
}

async function loadLog() {
  let items, windows;
  const me = encodeURIComponent(token.identity.id);
  try {
    [items, windows] = await Promise.all([
      read(`/v1/patients/${me}/access-log?limit=200`).then((p) => p.items),
      read(`/v1/patients/${me}/break-glass`).then((p) => new Map(p.items.map((w) => [w.id, w]))),
    ]);
  } catch (e) {
    return fail($("message"), e);
  }
  // A break-glass read shows its window's review: the outcome, or that it waits.
  const review = (id) => {
    const w = windows.get(id);
    if (!w) return "";
    if (!w.review) return w.expires * 1000 > Date.now() ? " (window open)" : " (awaiting review)";
    return w.review.outcome === "flagged" ? ` (review: flagged, ${code(w.review.reason)})` : " (review: acknowledged)";
  };
  items.sort((a, b) => b.time - a.time);
  rows($("access-log"), items.map((r) => {
    const glass = !!r.break_glass;
    let why = glass ? `Break-glass: ${code(r.reason)}${review(r.break_glass)}` : code(r.purpose);
    if (r.kind === "break-glass-review") why = `Review of break-glass ${short(r.break_glass)}`;
    let outcome;
    if (r.kind === "break-glass-review") outcome = pill(r.review?.outcome === "flagged" ? `flagged: ${code(r.review.reason)}` : "acknowledged", r.review?.outcome === "flagged" ? "bad" : "ok");
    else if (r.outcome === "granted") outcome = pill(r.basis === "owner" ? "you" : "read", glass ? "warn" : "ok");
    else outcome = pill(`refused: ${REFUSALS[r.denial] ? REFUSALS[r.denial].replace(/\.$/, "") : code(r.denial)}`, "bad");
    return h("tr", { class: glass ? "glass" : "", "data-outcome": r.outcome || r.kind },
      h("td", {}, time(r.time)),
      h("td", {}, r.reader),
      h("td", {}, r.reader_org ? orgName(r.reader_org) : "–"),
      h("td", {}, why),
      h("td", {}, outcome),
      h("td", {}, r.record ? short(r.record, 12) : "–"));
  }), "Nobody has read your records.", 6);
  labelCells($("access-log"));
}

// ---- the clinician ---------------------------------------------------------------

async function loadClinician() {
  const org = token.identity.org;
  try {
    const page = await read(`/v1/orgs/${encodeURIComponent(org)}/patients?limit=200`);
    rows($("patients"), page.items.map((p) => {
      const gs = p.grants;
      return h("tr", { "data-patient": p.patient },
        h("td", {}, p.patient),
        h("td", {}, [...new Set(gs.flatMap((g) => g.purposes))].map(code).join(", ")),
        h("td", {}, gs.some((g) => !g.types?.length && !g.records?.length) ? "All records" : [...new Set(gs.flatMap((g) => g.types || []))].map((t) => recordTypes[t] || t).join(", ")),
        h("td", {}, time(Math.max(...gs.map((g) => g.expires)))),
        h("td", {}, h("button", { type: "button", class: "secondary", "data-pick": p.patient, "aria-label": `Read the records of ${p.patient}` }, "Records")));
    }), `No patient has granted ${orgName(org)} access.`, 5);
    labelCells($("patients"));
  } catch (e) {
    fail($("clinician-view"), e);
  }
}

let glassWindow = null; // {id, patient}

async function listPatientRecords(ev, keepView) {
  ev?.preventDefault();
  const pt = $("read-patient").value.trim();
  const view = $("clinician-view");
  if (!keepView) fill(view);
  try {
    const page = await read(`/v1/patients/${encodeURIComponent(pt)}/records?limit=200`);
    const recs = await Promise.all(page.items.map((r) => read(`/v1/records/${encodeURIComponent(r.id)}`)));
    recs.sort((a, b) => latest(b).time - latest(a).time);
    const t = $("patient-records");
    t.hidden = false;
    rows(t, recs.map((r) => h("tr", { "data-record": r.id },
      h("td", {}, time(latest(r).time)),
      h("td", {}, (latest(r).types || []).map((x) => recordTypes[x] || x).join(", ")),
      h("td", {}, orgName(r.custodian)),
      h("td", {}, r.status),
      h("td", {}, r.status === "erased" ? "" : h("button", { type: "button", class: "secondary", "data-read": r.id }, "Read")))), "No records.", 5);
    labelCells(t);
  } catch (e) {
    $("patient-records").hidden = true;
    fail(view, e);
  }
}

async function clinicianRead(id) {
  const view = $("clinician-view");
  const pt = $("read-patient").value.trim();
  const glass = glassWindow && glassWindow.patient === pt ? glassWindow.id : "";
  const purpose = glass ? "emergency" : $("read-purpose").value;
  say(view, `Reading ${id} for ${code(purpose)}${glass ? " under break-glass" : ""}…`);
  try {
    const r = await openRecord(id, purpose, glass);
    fill(view, h("article", { class: "card record", "aria-label": "Record " + id },
      h("h3", {}, `Record ${short(id, 12)} of ${pt}`),
      h("p", { class: "hint" }, `Read on the basis of ${code(r.basis)}${r.grant ? " " + r.grant : ""}; access receipt ${short(r.receipt)}.`),
      renderFHIR(r.doc)));
  } catch (e) {
    fail(view, e);
  }
}

async function breakGlass(ev) {
  ev.preventDefault();
  const pt = $("glass-patient").value.trim();
  const view = $("clinician-view");
  say(view, `Opening a break-glass window on ${pt}…`);
  try {
    const r = await send("records/break-glass", { patient: pt, reason: $("glass-reason").value, minutes: Number($("glass-minutes").value) });
    glassWindow = { id: r.result.id, patient: pt };
    $("read-patient").value = pt;
    await listPatientRecords(null, true);
    say(view, `Break-glass window ${r.result.id} is open on ${pt} for ${$("glass-minutes").value} minutes. Reads of this patient now go under it, for emergency.`);
  } catch (e) {
    fail(view, e);
  }
}

// ---- wiring ------------------------------------------------------------------------

function wire() {
  fill($("grant-purposes"), h("legend", {}, "Purposes"), PURPOSES.map((p) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", value: p, checked: p === "treatment" }), " ", code(p))));
  fill($("read-purpose"), PURPOSES.filter((p) => p !== "emergency").map((p) => h("option", { value: p }, code(p))));
  fill($("glass-reason"), BREAK_GLASS_REASONS.map((r) => h("option", { value: r }, code(r))));
  const inYear = new Date(Date.now() + 365 * 86400_000).toISOString().slice(0, 10);
  $("grant-expires").value = $("delegate-expires").value = inYear;
  const tomorrow = new Date(Date.now() + 86400_000).toISOString().slice(0, 10);
  $("grant-expires").min = $("delegate-expires").min = tomorrow;

  $("ks-file").addEventListener("change", chooseFile);
  $("ks-key").addEventListener("change", () => passField(entries.find((e) => e.name === $("ks-key").value)));
  $("unlock-form").addEventListener("submit", doUnlock);
  $("remembered-key").addEventListener("change", () => passField(rememberedChoice()));
  $("forget").addEventListener("click", () => { forget($("remembered-key").value); showUnlock(); });
  $("other-key").addEventListener("click", () => { $("remembered").hidden = true; $("choose").hidden = false; passField(entries[0]); $("unlock-button").disabled = !entries.length; });
  $("lock").addEventListener("click", lock);
  $("type-filter").addEventListener("change", showRecords);
  $("log-refresh").addEventListener("click", loadLog);
  $("grant-form").addEventListener("submit", submitGrant);
  $("grant-cancel").addEventListener("click", () => grantForm(null));
  $("delegate-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    delegate($("delegate-id").value.trim(), new Date($("delegate-expires").value + "T23:59:59Z").toISOString().replace(/\.\d+Z$/, "Z"));
  });
  $("read-form").addEventListener("submit", listPatientRecords);
  $("glass-form").addEventListener("submit", breakGlass);
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (!b) return;
    const d = b.dataset;
    if (d.show) showRecord(d.show);
    else if (d.erase) erase(d.erase, b);
    else if (d.revoke) revoke(d.revoke);
    else if (d.change) grantForm(myGrants.find((g) => g.id === d.change));
    else if (d.undelegate) delegate(d.undelegate, null);
    else if (d.read) clinicianRead(d.read);
    else if (d.pick) { $("read-patient").value = d.pick; listPatientRecords(); }
  });
  window.addEventListener("pagehide", () => key?.lock());
}

async function main() {
  wire();
  showUnlock();
  try {
    const orgs = await get("/v1/orgs", { limit: 1000 });
    orgNames = new Map(orgs.items.map((o) => [o.id, o.name]));
    fill($("grant-org"), orgs.items.filter((o) => o.status === "active").map((o) => h("option", { value: o.id }, `${o.name} (${o.kind})`)));
    await status();
  } catch (e) {
    showError($("message"), e);
  }
  document.body.dataset.loaded = "true";
}

main();
