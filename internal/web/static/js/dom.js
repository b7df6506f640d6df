// Small DOM and formatting helpers. Everything is built with
// createElement and textContent: no innerHTML, no style attributes (the
// Content-Security-Policy forbids inline styles, and data from the ledger
// is never parsed as HTML).

const locale = undefined; // the browser's

const intFmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const pctFmt = new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const timeFmt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" });
const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });

/** A count for people: "1,234,567" (or the reader's locale's form). */
export function count(n) {
  return n === null || n === undefined || Number.isNaN(n) ? "–" : intFmt.format(n);
}

/** A ratio as a percentage: 0.0123 → "1.23%". */
export function percent(r) {
  return r === null || r === undefined || !Number.isFinite(r) ? "–" : pctFmt.format(r);
}

/** A timestamp (RFC 3339 string, or unix seconds) in the reader's time zone. */
export function time(t) {
  if (t === null || t === undefined || t === "" || t === 0) return "–";
  const d = typeof t === "number" ? new Date(t * 1000) : new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : timeFmt.format(d);
}

/** An ISO date (YYYY-MM-DD) for people. */
export function date(iso) {
  const d = new Date(iso + "T00:00:00Z");
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

/** The first and last characters of a long hash or key. */
export function short(hash, n = 8) {
  if (!hash) return "";
  return hash.length <= 2 * n + 1 ? hash : hash.slice(0, n) + "…" + hash.slice(-4);
}

/** Words from a code: "in_transit" → "in transit". */
export function words(code) {
  return String(code ?? "").replaceAll("_", " ").replaceAll("/", " / ");
}

/**
 * h("td", {class: "num"}, "12") builds an element. Attributes are set with
 * setAttribute (never "style"); children are nodes or text.
 */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "style") throw new Error("inline styles break the CSP");
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
}

/** Fills a table's body with rows, or one row saying empty when none. */
export function rows(table, trs, empty, cols) {
  const body = table.tBodies[0];
  if (trs.length === 0) {
    fill(body, h("tr", {}, h("td", { colspan: cols, class: "empty" }, empty)));
  } else {
    fill(body, trs);
  }
}

/**
 * Labels each cell of table's body with its column's heading
 * (data-label), for the stylesheet to show on a narrow screen where the
 * rows of a "stack" table become blocks.
 */
export function labelCells(table) {
  const heads = [...table.tHead.rows[0].cells].map((th) => th.textContent);
  for (const tr of table.tBodies[0].rows) {
    if (tr.cells.length !== heads.length) continue; // the "empty" row
    [...tr.cells].forEach((td, i) => td.setAttribute("data-label", heads[i]));
  }
}

/** A coloured pill: kind is "ok", "bad", "warn" or "". */
export function pill(text, kind = "") {
  return h("span", { class: kind ? "pill " + kind : "pill" }, text);
}

/** A definition list's term and description. */
export function stat(term, desc, attrs = {}) {
  return h("div", attrs, h("dt", {}, term), h("dd", {}, desc));
}
