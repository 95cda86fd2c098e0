/*! cookiewarden page guard: see docs/GUARD.md */
((R) => {
"use strict";
// R: the rules the engine compiled for this host (cookiewarden.rules.page_rules). Every decision
// below is rules/decide.py's, step for step; tests/web/test_guard.py compares the two.
const W = window, D = document, N = W.navigator;
if (W.cookiewarden?.guard || !R || R.format !== 1) return;
const log = (...a) => console.info("cookiewarden:", ...a), warn = (...a) => console.warn("cookiewarden:", ...a);
const me = D.currentScript, NONCE = me?.nonce || me?.getAttribute("nonce") || "";
const CK = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
const getC = () => CK.get.call(D), setC = (v) => CK.set.call(D, v);
const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

// --- consent: the visitor's state as the server read it on the request for this script
// (R.state; the server-side cw_consent stays the one source of truth, HttpOnly)
const NEC = R.categories.filter((c) => c.necessary).map((c) => c.key);
const KEYS = R.categories.map((c) => c.key);
let granted, decided;
function setState(s) {
  granted = new Set(NEC.concat(s.granted.filter((k) => KEYS.includes(k))));
  decided = !!s.decided;
}
const allows = (c) => c == null || granted.has(c);

// --- Set-Cookie, parsed as rules/setcookie_parse.py parses it
const enc = new TextEncoder();
const octets = (s) => enc.encode(s).length;
const trim = (s) => s.replace(/^[ \t]+|[ \t]+$/g, "");
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
const ATTRS = ["expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "partitioned"];
const SS = { strict: "Strict", lax: "Lax", none: "None" };
const I64 = 9223372036854775807n;

function maxAge(v) { // base::StringToInt64, saturating, as a BigInt
  if (/^[0-9]+$/.test(v)) return BigInt(v);
  const sign = /^[+-]/.test(v) ? v[0] : "", u = v.slice(sign.length), d = u.match(/^[0-9]*/)[0];
  if (!d) return null;
  const n = BigInt(d);
  if (d.length < u.length && n < (sign == "-" ? I64 + 1n : I64)) return null;
  return sign == "-" ? -n : n;
}

function canonDomain(raw) {
  let d = raw[0] == "." ? raw.slice(1) : raw;
  if (!d) return null;
  d = d.toLowerCase();
  if (/^[\x00-\x7f]*$/.test(d)) { // Python's IDNA codec, ASCII fast path
    const ls = d.split(".");
    if (ls.slice(0, -1).some((l) => !l.length || l.length > 63) || ls[ls.length - 1].length > 63) return null;
  } else {
    try { d = new URL("http://" + d + "/").hostname.toLowerCase(); } catch (e) { return null; }
  }
  return !d || d[0] == "." || d.length > 1024 || /[\x00-\x20\x7f;]/.test(d) ? null : d;
}

const MON = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
function parseDate(t) { // rules/dates.py: Chromium's ParseCookieExpirationTime; Unix seconds
  let h = -1, mi = -1, s = -1, d = -1, mo = -1, y = -1;
  for (const k of t.match(/[^\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+/g) || []) {
    if (!(k[0] >= "0" && k[0] <= "9")) {
      const m = MON.indexOf(k.slice(0, 3).toLowerCase());
      if (mo < 0 && m >= 0) mo = m + 1;
    } else if (k.includes(":")) {
      const m = k.match(/^0*([0-9]{1,10}):0*([0-9]{1,10}):0*([0-9]{1,10})$/);
      if (h < 0 && m && Math.max(+m[1], +m[2], +m[3]) <= 4294967295) [h, mi, s] = [+m[1], +m[2], +m[3]];
    } else if (!/^[0-9]+$/.test(k)) continue;
    else if (d < 0 && k.length <= 2) d = +k;
    else if (y < 0 && k.length <= 5) y = +k;
  }
  if (h < 0 || d < 0 || mo < 0 || y < 0) return null;
  y += y <= 69 ? 2000 : y <= 99 ? 1900 : 0;
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const yy = y > 9999 ? 2000 + (y % 400) : y, dt = new Date(0);
  dt.setUTCFullYear(yy, mo - 1, d);
  if (dt.getUTCDate() != d) return null; // 31 April, 29 February of a common year
  if (y > 9999) return 253402300799; // the far future: 9999-12-31 23:59:59
  dt.setUTCHours(h, mi, s, 0);
  return dt.getTime() / 1000;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"], p2 = (n) => String(n).padStart(2, "0");
function fmtDate(t) {
  const d = new Date(t * 1000), M = MON[d.getUTCMonth()];
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${M[0].toUpperCase() + M.slice(1)} ` +
    `${String(d.getUTCFullYear()).padStart(4, "0")} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}

function parse(header) {
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(header) || LONE.test(header)) return null;
  const tab = header.includes("\t"), semi = header.indexOf(";");
  const pair = semi < 0 ? header : header.slice(0, semi), eq = pair.indexOf("=");
  let name = eq < 0 ? "" : trim(pair.slice(0, eq)), value = trim(eq < 0 ? pair : pair.slice(eq + 1));
  if (tab && (name.includes("\t") || value.includes("\t"))) return null;
  if (name.length + value.length > 1024 && octets(name) + octets(value) > 4096) return null;
  if (!name && (!value || value.includes("=") || /^(__secure-|__host-|__http-)/i.test(value))) return null;
  const c = { name, value, expires: null, maxAge: null, domain: null, path: null, secure: false,
    httpOnly: false, sameSite: null, partitioned: false, ext: [] };
  let raw = null;
  if (semi >= 0) for (const av of header.slice(semi + 1).split(";")) {
    const e = av.indexOf("="), an = trim(e < 0 ? av : av.slice(0, e)), v = e < 0 ? "" : trim(av.slice(e + 1));
    if (tab && (an.includes("\t") || v.includes("\t"))) return null;
    if (v.length > 256 && octets(v) > 1024) continue;
    const k = ATTRS.indexOf(an.toLowerCase());
    if (k < 0) { if (an) c.ext.push(e < 0 ? an : an + "=" + v); }
    else if (k == 0) c.expires = parseDate(v);
    else if (k == 1) c.maxAge = maxAge(v);
    else if (k == 2) raw = v;
    else if (k == 3) c.path = v[0] == "/" ? v : null;
    else if (k == 4) c.secure = true;
    else if (k == 5) c.httpOnly = true;
    else if (k == 6) c.sameSite = own(SS, v.toLowerCase()) ? v.toLowerCase() : null;
    else c.partitioned = true;
  }
  if (raw && (c.domain = canonDomain(raw)) == null) return null;
  return c;
}

function render(c) { // SetCookie.to_header
  const p = [c.name ? c.name + "=" + c.value : c.value];
  if (c.expires != null) p.push("Expires=" + fmtDate(c.expires));
  if (c.maxAge != null) p.push("Max-Age=" + c.maxAge);
  if (c.domain != null) p.push("Domain=" + c.domain);
  if (c.path != null) p.push("Path=" + c.path);
  if (c.secure) p.push("Secure");
  if (c.httpOnly) p.push("HttpOnly");
  if (c.sameSite) p.push("SameSite=" + SS[c.sameSite]);
  if (c.partitioned) p.push("Partitioned");
  return p.concat(c.ext).join("; ");
}

// --- lookups: exact names first, then the longest glob (the compiled order)
const compile = (list) => list.map((r) => ({ ...r, re: r.pattern && new RegExp(r.pattern) }));
const COOKIES = compile(R.cookies), STORE = compile(R.storage), HOSTS = compile(R.hosts);
const find = (list, key, k, ok = () => true) =>
  list.find((r) => ok(r) && (r.re ? r.re.test(k) : r[key] === k)) || null;

// --- the decision: rules/decide.py, rules 1 to 8
const RANK = { none: 0, null: 1, lax: 2, strict: 3 };
const within = (d, root) => d == root || d.endsWith("." + root);
const isIP = R.host.ip, HOST = R.host.name;
function decide(header, now = Date.now() / 1000, secureReq = location.protocol == "https:") {
  const out = (action, reason, name, category, c) =>
    ({ action, reason, name, category, header: c ? render(c) : null });
  const c = parse(String(header));
  if (!c) return out("drop", "unparseable", null, null);
  const name = c.name || (c.value.includes("=") ? trim(c.value.split("=")[0]) : null);
  if (c.maxAge != null ? c.maxAge <= 0n : c.expires != null && c.expires <= now) return out("keep", "deletion", name, null, c);
  const rule = name == null ? null : find(COOKIES, "name", name);
  let category = rule ? rule.category : R.unknown == "block" ? undefined : R.unknown == "allow" ? null : R.unknown;
  if (category === undefined) return out("drop", "undeclared", name, null);
  if (!allows(category)) return out("drop", "refused-category", name, category);
  const j = { ...c, ext: c.ext.slice() };
  let changed = null;
  const drop = (reason) => out("drop", reason, name, category);
  if (c.domain != null) { // rule 5
    if (isIP && c.domain != HOST) return drop("ip-host-domain");
    const o = HOST.endsWith(".") != c.domain.endsWith(".") ? null : R.host.domains[c.domain];
    if (o == "public-suffix") return drop("public-suffix");
    if (!o) return drop("foreign-domain");
    if (o == "host-only") { j.domain = null; changed = "domain-made-host-only"; }
    else if (R.root_domain && !within(c.domain.replace(/\.$/, ""), R.root_domain)) return drop("beyond-root-domain");
  }
  const lo = (j.name || j.value).slice(0, 12).toLowerCase(); // rule 6
  if (lo.startsWith("__host-") && (!j.secure || (c.domain != null && !isIP) || j.path != "/" || !j.name)) return drop("host-prefix");
  if (lo.startsWith("__secure-") && (!j.secure || !j.name)) return drop("secure-prefix");
  if (/^__(host-)?http-/.test(lo) && (!j.secure || !j.httpOnly || !j.name)) return drop("http-prefix");
  if (j.sameSite == "none" && !j.secure) return drop("samesite-none-insecure");
  if (j.partitioned && !j.secure) return drop("partitioned-insecure");
  const before = j.secure + "|" + j.httpOnly + "|" + j.sameSite; // rule 8
  if (R.secure == "always" || (R.secure == "same-as-request" && secureReq)) j.secure = true;
  if (rule?.http_only) j.httpOnly = true;
  if (R.same_site_min && RANK[j.sameSite] < RANK[R.same_site_min]) j.sameSite = R.same_site_min;
  if (before != j.secure + "|" + j.httpOnly + "|" + j.sameSite) changed = changed || "hardened";
  if (rule?.session) { // rule 7
    if (j.maxAge != null || j.expires != null) { j.maxAge = j.expires = null; changed = "session-cookie"; }
  } else {
    const limit = rule ? rule.limit : category != null && NEC.includes(category) ? null : R.unknown_limit;
    if (limit != null) {
      if (j.maxAge != null && j.maxAge > BigInt(limit)) { j.maxAge = BigInt(limit); changed = "lifetime-capped"; }
      if (j.expires != null && j.expires > now + limit) { j.expires = Math.floor(now) + limit; changed = "lifetime-capped"; }
    }
  }
  return out(changed ? "rewrite" : "keep", changed || "allowed", name, category, j);
}

// --- storage keys and hosts
const areaOf = (s) => (s === stores.local ? "local" : "session");
function decideStorage(key, area) {
  const r = find(STORE, "name", String(key), (r) => r.area == "any" || r.area == area);
  const category = r ? r.category : R.unknown == "block" ? undefined : R.unknown == "allow" ? null : R.unknown;
  const ok = category !== undefined && allows(category);
  return { allow: ok, category: category ?? null, reason: ok ? "allowed" : category === undefined ? "undeclared" : "refused-category" };
}
function decideURL(url) {
  let u;
  try { u = new URL(url, location.href); } catch (e) { return { allow: true }; }
  if (!/^(https?|wss?):$/.test(u.protocol)) return { allow: true }; // data:, blob:... fetch no host
  const h = u.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
  const r = find(HOSTS, "host", h), site = R.host.site;
  const mine = h == R.host.canonical || (site && (h == site || h.endsWith("." + site)));
  const category = r ? r.category : R.unknown_hosts == "block" && !mine ? undefined : null;
  const ok = category !== undefined && allows(category);
  return { allow: ok, host: h, category: category ?? null, reason: ok ? "allowed" : r ? "refused-category" : "undeclared" };
}

// --- enforcement: what a refusal means at once, what is written, what is fetched
const RO = R.report_only;
const said = new Set(); // each thing is said once a page: a tag in a loop floods no console
function say(what, d) {
  const line = `${RO ? "[report-only] would have " : ""}${d.action == "rewrite" ? "rewritten" : "refused"} ${what} (category ${d.category || "undeclared"}): ${d.reason}`;
  if (!said.has(line)) { said.add(line); (RO ? log : console.debug)(line); }
}
function writeCookie(v) {
  let d;
  try { d = decide(v); } catch (e) { warn(e); d = { action: "drop", reason: "unparseable", header: null }; }
  if (d.action != "keep") say(`document.cookie ${JSON.stringify(d.name)}`, d);
  if (RO) return setC(v);
  if (d.header != null) setC(d.header);
}
function sweep() { // delete what the refused categories left in this page's reach
  if (RO) return;
  const path = location.pathname.split("/").filter(Boolean), paths = ["/"];
  path.forEach((_, i) => { const p = "/" + path.slice(0, i + 1).join("/"); paths.push(p, p + "/"); });
  const doms = [""].concat(Object.keys(R.host.domains).filter((d) => R.host.domains[d] == "domain").map((d) => "; Domain=" + d));
  for (const pair of getC().split(";")) {
    const n = pair.split("=")[0].trim(), r = n && find(COOKIES, "name", n);
    if (!r || allows(r.category) || R.own_cookies.includes(n)) continue;
    const ps = r.path ? paths.concat(r.path) : paths, ds = r.domain ? doms.concat("; Domain=" + r.domain) : doms;
    for (const p of ps) for (const dm of ds) setC(`${n}=; Max-Age=0; Path=${p}${dm}`);
    log(`deleted cookie ${JSON.stringify(n)} (category ${r.category}): refused-category`);
  }
  for (const [area, s] of [["local", stores.local], ["session", stores.session]]) {
    if (!s) continue;
    for (let i = s.length - 1; i >= 0; i--) {
      const k = s.key(i), d = decideStorage(k, area);
      if (!d.allow) { RAW.removeItem.call(s, k); log(`removed ${area}Storage ${JSON.stringify(k)} (category ${d.category || "undeclared"}): ${d.reason}`); }
    }
  }
}
const stores = {};
try { stores.local = W.localStorage; } catch (e) {}
try { stores.session = W.sessionStorage; } catch (e) {}

// document.cookie and cookieStore.set: the same decision as a Set-Cookie header
Object.defineProperty(D, "cookie", { configurable: true, enumerable: true, get: getC, set: writeCookie });
const CS = W.CookieStore?.prototype, csSet = CS?.set;
if (csSet) CS.set = function (a, b) {
  const o = typeof a == "object" && a ? a : { name: a, value: b };
  let h = `${o.name ?? ""}=${o.value ?? ""}; Path=${o.path || "/"}; Secure; SameSite=${o.sameSite || "strict"}`;
  if (o.expires != null) h += "; Expires=" + fmtDate(Math.floor(+o.expires / 1000));
  if (o.domain) h += "; Domain=" + o.domain;
  if (o.partitioned) h += "; Partitioned";
  const d = decide(h);
  if (d.action != "keep") say(`cookieStore ${JSON.stringify(d.name)}`, d);
  if (RO) return csSet.call(this, a, b);
  if (d.header == null) return Promise.resolve();
  const c = parse(d.header), exp = c.maxAge != null ? Date.now() + Number(c.maxAge) * 1000 : c.expires != null ? c.expires * 1000 : null;
  return csSet.call(this, { name: c.name, value: c.value, expires: exp, domain: c.domain, path: c.path || "/",
    sameSite: c.sameSite || "strict", partitioned: c.partitioned });
};

// Storage: setItem, and plain property writes through a proxy of each area
const SP = Storage.prototype, RAW = { setItem: SP.setItem, removeItem: SP.removeItem };
function storeOk(s, k) {
  const d = decideStorage(k, areaOf(s));
  if (!d.allow) say(`${areaOf(s)}Storage ${JSON.stringify(String(k))}`, { ...d, action: "drop" });
  return d.allow || RO;
}
SP.setItem = function (k, v) { if (storeOk(this, k)) return RAW.setItem.call(this, k, v); };
for (const area of ["localStorage", "sessionStorage"]) {
  const s = stores[area.slice(0, -7)];
  if (!s) continue;
  const px = new Proxy(s, {
    get: (t, k) => { const v = Reflect.get(t, k, t); return typeof v == "function" ? v.bind(t) : v; },
    set: (t, k, v) => (typeof k != "string" || k in SP || !storeOk(t, k) || RAW.setItem.call(t, k, v), true),
    defineProperty: (t, k, d) => (typeof k != "string" || !storeOk(t, k) || RAW.setItem.call(t, k, d.value), true),
  });
  try { Object.defineProperty(W, area, { configurable: true, enumerable: true, get: () => px }); } catch (e) {}
}

// Requests to refused hosts: elements created by script, beacons, fetch, XHR
const held = new WeakMap(); // element -> [attribute, url] not fetched yet
function urlOk(url, what) {
  const d = decideURL(url);
  if (!d.allow) say(`${what} to ${d.host}`, { ...d, action: "drop" });
  return d.allow || RO;
}
for (const [C, attr] of [[HTMLScriptElement, "src"], [HTMLImageElement, "src"], [HTMLIFrameElement, "src"]]) {
  const pd = Object.getOwnPropertyDescriptor(C.prototype, attr);
  Object.defineProperty(C.prototype, attr, { configurable: true, enumerable: true, get: pd.get,
    set(v) { if (urlOk(v, C.name.slice(4, -7).toLowerCase())) pd.set.call(this, v); else held.set(this, [attr, String(v)]); } });
}
const setAttr = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (n, v) {
  if (String(n).toLowerCase() == "src" && (this instanceof HTMLScriptElement || this instanceof HTMLImageElement ||
    this instanceof HTMLIFrameElement) && !urlOk(v, this.localName)) return void held.set(this, ["src", String(v)]);
  return setAttr.call(this, n, v);
};
const beacon = N.sendBeacon;
if (beacon) N.sendBeacon = function (u, d) { return urlOk(u, "sendBeacon") ? beacon.call(this, u, d) : false; };
const fetch0 = W.fetch;
if (fetch0) W.fetch = function (u, o) {
  const url = u instanceof Request ? u.url : u;
  return urlOk(url, "fetch") ? fetch0.call(this, u, o) : Promise.reject(new TypeError("cookiewarden: refused host"));
};
const open0 = XMLHttpRequest.prototype.open;
XMLHttpRequest.prototype.open = function (m, u, ...rest) { return open0.call(this, m, urlOk(u, "XMLHttpRequest") ? u : "data:,", ...rest); };

// --- gated elements: data-cookiewarden-category or data-category (orestbida/cookieconsent)
const GATED = "[data-cookiewarden-category],[data-category]";
const need = (e) => (e.getAttribute("data-cookiewarden-category") ?? e.getAttribute("data-category")).split(/[\s,]+/).filter(Boolean);
const labelOf = (k) => R.categories.find((c) => c.key == k)?.label || k;
function activate(root = D) {
  const list = [...(root.querySelectorAll?.(GATED) || [])];
  if (root.matches?.(GATED)) list.unshift(root);
  for (const e of list) {
    if (e.hasAttribute("data-cookiewarden-activated")) continue;
    const cats = need(e), bad = cats.filter((k) => !KEYS.includes(k));
    if (bad.length) { if (!e.cwWarned) warn(`gated ${e.localName} names unknown category ${bad}: it stays off`, e); e.cwWarned = 1; continue; }
    if (e.localName == "script" && e.type != "text/plain") continue; // not held: an ordinary script
    if (!cats.length || !cats.every(allows)) { if (e.localName == "iframe") placeholder(e, cats); continue; }
    e.setAttribute("data-cookiewarden-activated", "");
    e.previousElementSibling?.cwFor === e && e.previousElementSibling.remove();
    if (e.localName == "script") {
      const s = D.createElement("script");
      for (const { name, value } of e.attributes) if (!/^(type|nonce)$/.test(name)) s.setAttribute(name.replace(/^data-(type|src)$/, "$1"), value);
      if (!s.hasAttribute("src")) s.text = e.text;
      else if (!e.hasAttribute("async")) s.async = false; // in document order
      if (NONCE) s.setAttribute("nonce", NONCE);
      e.after(s);
    } else for (const a of ["src", "srcset", "href"]) {
      const v = e.getAttribute("data-" + a);
      if (v != null) setAttr.call(e, a, v);
    }
  }
  for (const e of [...D.querySelectorAll("script,img,iframe")]) { // held by host: granted since?
    const h = held.get(e);
    if (h && decideURL(h[1]).allow) { held.delete(e); setAttr.call(e, h[0], h[1]); }
  }
}
function placeholder(e, cats) {
  if (e.previousElementSibling?.cwFor === e) return;
  const p = D.createElement("div"), b = D.createElement("button"), T = R.texts, l = D.documentElement.lang.toLowerCase();
  // In the page's language where the policy offers it (R.texts, per language), else its own.
  const [say, ok, names] = T[l] || T[l.split("-")[0]] || T[""];
  p.className = "cw-placeholder";
  p.cwFor = e;
  p.textContent = say.replace("{categories}", cats.map((k) => names[k] || labelOf(k)).join(", "));
  b.type = "button";
  b.textContent = ok;
  b.onclick = () => allow(...cats);
  p.append(b);
  e.before(p);
}

// --- the API the banner (and the site) call
async function allow(...cats) { // one click on an embed's placeholder: grant those categories
  const g = [...granted, ...cats].filter((k) => !NEC.includes(k));
  const r = await fetch0.call(W, R.consent_path, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify({ granted: g, action: "custom", source: "banner" }) });
  const j = await r.json();
  update(j);
  D.dispatchEvent(new CustomEvent("cookiewarden:consent", { detail: j }));
  return j;
}
function update(j) { // a new choice (the consent API's answer): refusal and grant act at once
  if (!j || !Array.isArray(j.granted)) return void fetch0.call(W, R.consent_path, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => r.json()).then((a) => Array.isArray(a?.granted) && update(a), () => {}); // an error answer: keep what it has
  setState(j);
  sweep();
  D.readyState != "loading" && activate(); // else DOMContentLoaded does
}

setState(R.state || { granted: [] }); // no state: nothing optional
sweep();
// Elements added once the page is parsed; those the parser adds wait for DOMContentLoaded (an
// iframe given its src while the parser inserts it stays blank in Chromium).
new MutationObserver((ms) => D.readyState != "loading" && ms.forEach((m) => m.addedNodes.forEach((n) => n.nodeType == 1 && activate(n))))
  .observe(D.documentElement, { childList: true, subtree: true });
D.readyState == "loading" ? D.addEventListener("DOMContentLoaded", () => activate()) : activate();
// A page the browser kept (the bfcache, history's copy, its HTTP cache) may name a state from
// before a choice: ask the server.
W.addEventListener("pageshow", (e) => e.persisted && update());
const nav = performance.getEntriesByType?.("navigation")[0];
if (nav && (nav.type == "back_forward" || (nav.transferSize === 0 && nav.decodedBodySize > 0))) update();
(W.cookiewarden ||= {}).guard = { version: "1", rules: R, decide, decideStorage, decideURL, update, allow, activate,
  consent: () => ({ decided, granted: [...granted] }) };
})(self.__cookiewardenRules);
