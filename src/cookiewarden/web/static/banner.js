/*! cookiewarden consent banner: see docs/BANNER.md */
(() => {
"use strict";
const W = window, D = document;
const me = D.currentScript;
if (!me || W.cookiewarden?.version) return; // not a classic script, or loaded twice
const NONCE = me.nonce || me.getAttribute("nonce") || ""; // read now: browsers hide it later
const data = (n) => me.getAttribute("data-" + n);
const SRC = new URL(me.src, location.href);
const PATH = data("consent-path") || (SRC.pathname.match(/^(.*)\/banner\.js$/) || [0, "/_consent"])[1];
const warn = (e) => console.warn("cookiewarden:", e);
const json = (n) => {
  try { return JSON.parse(data(n)); } catch (e) { warn(`data-${n} ignored: ${e}`); }
};

const S = {
  title: "Cookies on this site",
  intro: "We use cookies that the site needs to work. With your permission we would also like to use " +
    "cookies that measure how the site is used, remember your preferences and show relevant advertising. " +
    "You can change your choice at any time.",
  accept_all: "Accept all", reject_all: "Reject all", customise: "Customise", save: "Save choices",
  close: "Close", always_on: "Always on", policy_link: "Cookie policy",
  settings_title: "Choose which cookies to allow",
  settings_intro: "Strictly necessary cookies are always on. Switch on the purposes you agree to, then save.",
  gpc_note: "Your browser sends a Global Privacy Control signal, and we honour it: the purposes it " +
    "covers stay off unless you switch them on yourself.",
  error: "Sorry, something went wrong. Please try again.",
};
// The server's words for the language it answers in, then the page's own (data-strings).
const custom = json("strings");
const say = (o) => { for (const k in S) if (typeof o?.[k] == "string") S[k] = o[k]; };
say(custom);
const DECL = data("declaration-url"); // "" hides the link
// The page's language first (data-lang, else <html lang>), then the browser's: the server
// answers in the first of them its policy offers (docs/BANNER.md, "Languages").
const LANGS = [...new Set([data("lang"), D.documentElement.lang, ...(navigator.languages || [])])]
  .filter((l) => /^[a-z]{1,8}(-[a-z0-9]{1,8})*$/i.test(l || "")).slice(0, 9)
  .map((l, i) => (i ? `${l};q=0.${9 - i}` : l)).join(", ");

// Consent Mode type -> category, [categories] (all needed), true/false, or null (not sent)
const cm = json("consent-mode");
const CM = cm !== false && {
  ad_storage: "targeting", ad_user_data: "targeting", ad_personalization: "targeting",
  analytics_storage: "performance", functionality_storage: "functionality",
  personalization_storage: "functionality", security_storage: true, ...(typeof cm == "object" && cm),
};

let state = null; // the last consent JSON
let root, dialog, closeBtn, msgs, note, err, list, cssReady, returnTo, decl;
let isOpen = false, busy = false;
const layers = []; // [, first, second]

// --- consent API
const cats = () => state?.categories || [];
const has = (k) => !!state?.granted.includes(k); // the server lists necessary categories too
const free = () => state?.decided || state?.required === false; // closable

async function call(method, body) {
  const headers = { Accept: "application/json" };
  if (LANGS) headers["Accept-Language"] = LANGS;
  if (body) headers["Content-Type"] = "application/json";
  const r = await fetch(PATH, {
    method, headers, body: body && JSON.stringify(body), credentials: "same-origin", cache: "no-store",
  });
  if (!r.ok) throw new Error(`${method} ${PATH}: HTTP ${r.status}`);
  const j = await r.json().catch(() => null);
  if (!Array.isArray(j?.granted)) {
    if (method != "GET") return call("GET"); // e.g. 204: ask for the new state
    throw new Error(`GET ${PATH}: not consent JSON`);
  }
  if (j.strings) {
    say(j.strings);
    say(custom);
  }
  return j;
}

async function load() {
  try { state = api.consent = await call("GET"); } catch (e) { warn(e); }
  return state;
}

function after(j, changed) {
  state = api.consent = j;
  W.cookiewarden.guard?.update(j); // the page guard acts on it at once
  activate();
  consentMode();
  if (changed) D.dispatchEvent(new CustomEvent("cookiewarden:consent", { detail: j }));
}

async function send(method, body) {
  if (busy) return null;
  const setBusy = (b) => { busy = b; dialog?.setAttribute("aria-busy", b); };
  setBusy(true);
  setError("");
  try {
    const j = await call(method, body);
    close();
    after(j, true);
    if (!j.decided) openAt(1);
    return j;
  } catch (e) {
    warn(e);
    if (!isOpen) await openAt(1);
    setError(S.error);
    return null;
  } finally {
    setBusy(false);
  }
}

async function choose(action) {
  if (busy) return;
  if (!state && !(await load())) return setError(S.error);
  const granted = action == "custom" ? [...list.querySelectorAll(":checked")].map((i) => i.value)
    : cats().filter((c) => action == "accept_all" || c.necessary).map((c) => c.key);
  return send("POST", { granted, action, source: "banner" });
}

// --- gated scripts and Consent Mode
function activate() {
  if (W.cookiewarden.guard) return W.cookiewarden.guard.activate();
  const gated = 'script[type="text/plain"][data-cookiewarden-category]:not([data-cookiewarden-activated])';
  D.querySelectorAll(gated).forEach((old) => {
    const need = old.dataset.cookiewardenCategory.split(/[\s,]+/).filter(Boolean);
    if (!need.length || !need.every(has)) return;
    const s = D.createElement("script"); // data-type and data-src become type and src
    for (const { name, value } of old.attributes) {
      if (!/^(type|nonce)$/.test(name)) s.setAttribute(name.replace(/^data-(type|src)$/, "$1"), value);
    }
    if (!s.hasAttribute("src")) s.text = old.text;
    else if (!old.hasAttribute("async")) s.async = false; // run in document order
    if (NONCE) s.setAttribute("nonce", NONCE);
    old.setAttribute("data-cookiewarden-activated", "");
    old.after(s);
  });
}

function consentMode() {
  if (!CM || !state || typeof W.gtag != "function") return;
  const on = (v) => v === true || v == "granted" || (v && v != "denied" && [].concat(v).every(has));
  const u = {};
  for (const [k, v] of Object.entries(CM)) if (v != null) u[k] = on(v) ? "granted" : "denied";
  try { W.gtag("consent", "update", u); } catch (e) { warn(e); }
}

// --- the banner
// Text is appended as text, never as HTML: labels may contain markup.
function el(tag, cls, attrs = {}, ...kids) {
  const e = D.createElement(tag);
  if (cls) e.className = cls;
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  e.append(...kids);
  return e;
}

function btn(text, fn, cls = "cw-btn", attrs) {
  const b = el("button", cls, { type: "button", ...attrs }, text);
  b.onclick = fn;
  return b;
}

// heading, text, extra, (messages: see show), buttons
function makeLayer(n, title, text, extra, buttons) {
  const p = el("p", "cw-text", { id: "cw-d" + n }, text);
  if (decl) p.append(" ", el("a", "cw-link", { href: decl }, S.policy_link));
  const h = el("h2", "cw-title", { id: "cw-t" + n, tabindex: "-1" }, title);
  const acts = el("div", "cw-actions", {}, ...buttons.map((b) => btn(...b)));
  return (layers[n] = el("div", "cw-layer", {}, h, p, ...extra, acts));
}

function build() {
  root = el("div", "cw-banner", { hidden: "" });
  const lang = data("lang") || state?.lang; // the page's word, else the language answered
  if (lang) root.lang = lang;
  decl = DECL ?? PATH + "/declaration" + (state?.lang ? "?lang=" + encodeURIComponent(state.lang) : "");
  if (data("theme") == "light") root.classList.add("cw-light");
  const all = [S.accept_all, () => choose("accept_all")], none = [S.reject_all, () => choose("reject_all")];
  list = el("ul", "cw-cats");
  note = el("p", "cw-note", {}, S.gpc_note);
  err = el("p", "cw-error", { role: "alert", hidden: "" });
  msgs = el("div", "cw-msgs", {}, note, err);
  closeBtn = btn("\u00d7", close, "cw-close", { "aria-label": S.close, title: S.close });
  dialog = el("div", "cw-dialog", { role: "dialog", "aria-modal": "true", tabindex: "-1" },
    makeLayer(1, S.title, S.intro, [], [all, none, [S.customise, () => show(2)]]),
    makeLayer(2, S.settings_title, S.settings_intro, [list], [[S.save, () => choose("custom")], all, none]),
    closeBtn);
  root.append(dialog);
  D.body.append(root);
}

function renderCats() {
  list.replaceChildren(...cats().map((c, i) => {
    const id = "cw-c" + i;
    const sw = el("input", "cw-switch", { type: "checkbox", role: "switch", id, value: c.key });
    sw.checked = c.necessary || has(c.key);
    sw.disabled = !!c.necessary;
    const always = c.necessary ? el("span", "cw-always", { id: id + "a" }, S.always_on) : "";
    const desc = c.description ? el("p", "cw-cat-desc", { id: id + "d" }, c.description) : "";
    const by = [always.id, desc.id].filter(Boolean).join(" ");
    if (by) sw.setAttribute("aria-describedby", by);
    const label = el("label", "cw-cat-label", { for: id }, c.label || c.key);
    return el("li", "cw-cat", {}, el("div", "cw-cat-head", {}, label, always, sw), desc);
  }));
}

function css() {
  return cssReady || (cssReady = new Promise((done) => {
    const href = SRC.href.replace(/banner\.js(?=[?#]|$)/, "banner.css");
    const link = el("link", null, { rel: "stylesheet", href });
    if (NONCE) link.setAttribute("nonce", NONCE);
    link.onload = link.onerror = done;
    setTimeout(done, 3000); // works unstyled too
    D.head.prepend(link); // first: the site's own rules win ties
  }));
}

function show(n) {
  if (!root) build();
  const first = !isOpen, l = layers[n];
  if (first) returnTo = D.activeElement;
  isOpen = true;
  root.hidden = false;
  if (n == 2) renderCats();
  layers.forEach((x, i) => (x.hidden = i != n));
  l.insertBefore(msgs, l.lastChild);
  root.dataset.layer = n; // the second layer gets a backdrop
  dialog.setAttribute("aria-labelledby", "cw-t" + n);
  dialog.setAttribute("aria-describedby", "cw-d" + n);
  closeBtn.hidden = !free();
  note.hidden = !state?.gpc || state.decided;
  (first ? dialog : l.firstChild).focus();
}

async function openAt(n) {
  await css();
  show(n);
}

function close() {
  if (!isOpen) return;
  isOpen = false;
  root.hidden = true;
  setError("");
  if (returnTo != D.body && returnTo?.isConnected) returnTo.focus?.();
  returnTo = null;
}

function setError(text) {
  if (!err) return;
  err.textContent = text;
  err.hidden = !text;
}

D.addEventListener("keydown", (e) => {
  if (!isOpen) return;
  if (e.key == "Escape" && (!layers[2].hidden || free())) {
    e.preventDefault(); // on a first visit the first layer waits for a choice
    if (layers[2].hidden) return close();
    show(1);
    layers[1].lastChild.lastChild.focus(); // back to "Customise"
  } else if (e.key == "Tab") { // keep focus inside the dialog
    const f = [...dialog.querySelectorAll("a[href],button:enabled,input:enabled")]
      .filter((x) => !x.closest("[hidden]"));
    const i = f.indexOf(D.activeElement);
    if (f.length && (i < 0 || (e.shiftKey ? i == 0 : i == f.length - 1))) {
      e.preventDefault();
      f[e.shiftKey ? f.length - 1 : 0].focus();
    }
  }
}, true);

D.addEventListener("click", (e) => {
  const at = (a) => e.target.closest?.(`[data-cookiewarden-${a}]`);
  const fn = at("open") ? open : at("withdraw") ? withdraw : null;
  if (fn) {
    e.preventDefault();
    fn();
  }
});

// --- public API
async function open() {
  await openAt(state || (await load()) ? 2 : 1);
  if (!state) setError(S.error);
}

const withdraw = () => send("DELETE");

// On load, and on a return from the back/forward cache. Not required: no pop-up.
async function refresh() {
  const j = await load();
  if (free()) {
    if (j.decided) close();
    after(j, false);
  } else if (j) {
    activate(); // scripts of necessary categories
    if (!isOpen) await openAt(1);
  }
  return j;
}
W.addEventListener("pageshow", (e) => e.persisted && !busy && refresh());

const api = Object.assign((W.cookiewarden ||= {}), { version: "1", consent: null, open, withdraw, activate });
api.ready = new Promise((r) => (D.readyState == "loading" ? D.addEventListener("DOMContentLoaded", r) : r()))
  .then(refresh).catch((e) => (warn(e), null));
})();
