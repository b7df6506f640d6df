// The node's public API, read from the browser. Every path is under /v1
// on the same origin (the CSP allows no other); no key is ever sent.

/** An API error: the problem details the node answered (RFC 9457). */
export class APIError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail || problem?.title || `HTTP ${status} for ${path}`);
    this.status = status;
    this.code = problem?.code || "";
    this.path = path;
  }
}

/** GET a JSON document of the API; throws APIError on a non-2xx answer. */
export async function get(path, params) {
  let url = path;
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== "") q.set(k, v);
    }
    const s = q.toString();
    if (s) url += "?" + s;
  }
  let res;
  try {
    res = await fetch(url, { headers: { Accept: "application/json" }, credentials: "omit" });
  } catch (e) {
    throw new APIError(0, { detail: "the node did not answer (" + e.message + ")" }, path);
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) throw new APIError(res.status, body, path);
  return body;
}

/** The node's status; sets the footer's "as of block N". */
export async function status() {
  const st = await get("/v1/status");
  const asof = document.getElementById("asof");
  if (asof) asof.textContent = `As of block ${new Intl.NumberFormat().format(st.latest_block_height)} of ${st.chain_id}.`;
  return st;
}

/** Shows an error in el, in words, with the node's code when it gave one. */
export function showError(el, e) {
  const p = document.createElement("p");
  p.className = "error";
  p.setAttribute("role", "alert");
  p.textContent = e instanceof APIError && e.code ? `${e.message} (${e.code})` : String(e.message || e);
  el.replaceChildren(p);
}
