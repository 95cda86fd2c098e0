"""The demo site of ``cookiewarden demo``: a small Starlette app that shows the middleware at work.

Contract: :func:`build_app` returns an ASGI app: a Starlette site wrapped in
:class:`~cookiewarden.CookieWarden`, with the demo policy (``demo_policy.toml``) or a given one.
Its page ``/`` tries to set cookies of every category, one undeclared cookie and one with an
impossible ``Domain=.com``, shows the consent banner and a "Cookie settings" button, and lists,
for the current request, every Set-Cookie it sent and what cookiewarden did with it. Its scripts
then write cookies and ``localStorage`` keys the same way, through the page guard, and list what
the guard did with each.

Rules:
1. Keep it honest: the table is computed with :func:`cookiewarden.rules.decide.decide`, the function
   the middleware runs, over exactly the headers the handler then sends, with the visitor's
   consent (``request.state.consent``) and the same request facts. The deletions the middleware
   adds for refused cookies that the browser still holds are listed too, previewed with
   :func:`cookiewarden.tools.explain.refused_deletions` (the engine's own method would log them
   twice).
2. Starlette is an optional extra: this is the only module that imports it.
3. Consent records go to a SQLite file in a temporary directory, removed when the app shuts down.
4. The page side is as honest: the page carries the guard first in ``<head>`` (the tags the
   framework helpers write, :func:`~cookiewarden.web.page.head_tags`, naming the visitor's
   state), and its table is computed in the page with ``cookiewarden.guard.decide`` and
   ``decideStorage``, the functions the guard runs on each write the script then makes.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..adapters.asgi import CookieWarden
from ..rules.consent import Consent
from ..rules.cookies import parse_cookie_header
from ..rules.decide import decide
from ..rules.decision import Action, Decision, RequestFacts
from ..rules.page_rules import state_token
from ..rules.policy import Policy
from ..web.page import head_tags
from .explain import describe, refused_deletions

__all__ = ["build_app", "demo_policy"]

#: Where the outer wrapper leaves the Cookie header as the browser sent it, before filtering.
_BROWSER_COOKIES = "cookiewarden_demo_browser_cookies"
_SESSION_ID = re.compile(r"[0-9a-f]{16}")


def demo_policy() -> Policy:
    """The demo's policy: the four usual categories, one or two declared cookies in each."""
    import tomllib

    text = resources.files("cookiewarden.tools").joinpath("demo_policy.toml").read_text("utf-8")
    return Policy.from_dict(tomllib.loads(text), source="<demo policy>")


def _cookies_to_set(sessionid: str) -> list[str]:
    """The Set-Cookie headers the demo page sends, every outcome represented."""
    now = int(time.time())
    return [
        f"sessionid={sessionid}; Path=/; HttpOnly; SameSite=Lax",
        f"_ga=GA1.1.{secrets.randbelow(10**9)}.{now}; Max-Age={2 * 365 * 86400}; Path=/;"
        " SameSite=Lax",
        f"lang=en; Max-Age={365 * 86400}; Path=/; SameSite=Lax",
        f"region=eu; Domain=.com; Max-Age={30 * 86400}; Path=/; SameSite=Lax",
        f"ads_id={secrets.token_hex(8)}; Max-Age={90 * 86400}; Path=/; SameSite=Lax",
        f"tracker_xyz={secrets.token_hex(4)}; Max-Age={365 * 86400}; Path=/",
    ]


_BADGES = {Action.KEEP: "Kept", Action.REWRITE: "Rewritten", Action.DROP: "Dropped"}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _consent_panel(policy: Policy, consent: Consent) -> str:
    chips = []
    for cat in policy.categories:
        on = consent.allows(cat.key)
        state = "always on" if cat.necessary else ("allowed" if on else "refused")
        chips.append(
            f'<li class="chip {"on" if on else "off"}"><span aria-hidden="true">'
            f"{'✓' if on else '✕'}</span> {_e(cat.label)} <small>({state})</small></li>"
        )
    if consent.decided and consent.issued_at is not None:
        when = datetime.fromtimestamp(consent.issued_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        status = f"You chose on {_e(when)} (consent id <code>{_e(consent.consent_id)}</code>)."
    else:
        status = (
            "You have not chosen yet, so only strictly necessary cookies are allowed. "
            "The banner asks you."
        )
    gpc = (
        "<p>Your browser sends <strong>Global Privacy Control</strong>: the categories it covers"
        " stay off unless you switch them on yourself.</p>"
        if consent.gpc
        else ""
    )
    return (
        f'<section class="card" aria-labelledby="consent-h"><h2 id="consent-h">Your consent</h2>'
        f'<p>{status}</p>{gpc}<ul class="chips">{"".join(chips)}</ul>'
        '<p class="actions"><button type="button" data-cookiewarden-open>Cookie settings</button> '
        '<button type="button" class="secondary" data-cookiewarden-withdraw>Withdraw consent'
        "</button></p></section>"
    )


def _rows(
    policy: Policy,
    decisions: list[Decision],
    deletions: list[tuple[str, str]],
    facts: RequestFacts,
    now: float,
) -> str:
    rows = []
    for d in decisions:
        if d.category is not None:
            category = _e(policy.category(d.category).label)
        else:
            category = '<span class="undeclared">undeclared</span>'
        got = f"<code>{_e(d.header)}</code>" if d.header is not None else "—"
        rows.append(
            f'<tr><th scope="row"><code>{_e(d.name or "?")}</code><br><small>{category}</small>'
            f"</th><td><code>{_e(d.original)}</code></td>"
            f'<td><span class="badge {d.action.value}">{_BADGES[d.action]}</span></td>'
            f"<td>{_e(describe(d, policy, facts=facts, now=now))}"
            f' <small class="reason">{_e(d.reason.value)}</small></td><td>{got}</td></tr>'
        )
    for name, header in deletions:
        rule = policy.lookup(name)
        label = policy.category(rule.category).label if rule is not None else "?"
        rows.append(
            f'<tr><th scope="row"><code>{_e(name)}</code><br><small>{_e(label)}</small></th>'
            "<td><em>not sent by the page: your browser still holds it</em></td>"
            '<td><span class="badge expire">Expired</span></td>'
            f"<td>“{_e(label)}” is refused, so cookiewarden asks your browser to delete it."
            ' <small class="reason">clear-refused</small></td>'
            f"<td><code>{_e(header)}</code></td></tr>"
        )
    return "".join(rows)


def _names(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return "<em>none</em>"
    return ", ".join(f"<code>{_e(name or value)}</code>" for name, value in pairs)


_STYLE = """\
:root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;\
--keep:#1a7f37;--rewrite:#9a6700;--drop:#cf222e;font-family:system-ui,-apple-system,"Segoe UI",\
Roboto,sans-serif;line-height:1.5;color:var(--ink)}
body{margin:0;background:var(--bg)}
header{background:#0d1117;color:#fff;padding:1rem 1.5rem}
header h1{margin:0;font-size:1.35rem}header p{margin:.25rem 0 0;color:#c9d1d9}
main{max-width:76rem;margin:0 auto;padding:1.25rem 1.5rem 3rem}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1rem 1.25rem;\
margin:0 0 1.25rem}
h2{font-size:1.15rem;margin:.1rem 0 .6rem}
.chips{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:.5rem 0}
.chip{border-radius:999px;padding:.2rem .75rem;border:1px solid var(--line)}
.chip.on{background:#dafbe1;border-color:#aceebb}.chip.off{background:#f6f8fa;color:var(--muted)}
button{font:inherit;padding:.45rem 1rem;border-radius:6px;border:1px solid #1f6feb;\
background:#1f6feb;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f6feb}
button:focus-visible,a:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem;table-layout:fixed;min-width:60rem}
caption{text-align:left;color:var(--muted);padding:0 0 .5rem}
th,td{text-align:left;vertical-align:top;padding:.55rem .6rem;border-top:1px solid var(--line)}
thead th{border-top:0;color:var(--muted);font-weight:600;font-size:.8rem;text-transform:uppercase;\
letter-spacing:.03em}
thead th:nth-child(1){width:10rem}thead th:nth-child(3){width:6.5rem}
thead th:nth-child(4){width:17rem}
td code{overflow-wrap:anywhere;font-size:.82rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
small{color:var(--muted)}.reason{font-family:ui-monospace,Menlo,monospace;font-size:.75rem}
.undeclared{color:var(--drop)}
.badge{display:inline-block;border-radius:999px;padding:.1rem .6rem;font-weight:600;\
font-size:.8rem;color:#fff}
.badge.keep{background:var(--keep)}.badge.rewrite{background:var(--rewrite)}
.badge.drop{background:var(--drop)}.badge.expire{background:#6e7781}
footer{color:var(--muted);font-size:.85rem}"""


#: What the demo page's own script writes with ``document.cookie`` (tag code, as a site's
#: would be) and with ``localStorage.setItem``; ``_PAGE_SCRIPT`` draws the table of what the
#: guard did with each (rule 4).
SCRIPT_WRITES = [
    "_ga=GA1.1.script.1; max-age=63072000; path=/",
    "lang=fr; max-age=31536000; path=/",
    "region=eu; domain=.com; max-age=2592000; path=/",
    "tracker_js=1; max-age=31536000; path=/",
]
STORAGE_WRITES = [("theme", "dark"), ("_hjSessionUser", "h1"), ("tracker_id", "t-9")]
_PAGE_SCRIPT = """<script>
(function () {
  var guard = window.cookiewarden && window.cookiewarden.guard;
  if (!guard) return;
  var badge = {keep: "Kept", rewrite: "Rewritten", drop: "Dropped"}, rows = [];
  function cell(text) { var td = document.createElement("td"), c = document.createElement("code");
    c.textContent = text; td.append(text == null ? "\u2014" : c); return td; }
  function row(name, wrote, action, reason, got) {
    var tr = document.createElement("tr"), th = document.createElement("th"),
      b = document.createElement("span"), why = document.createElement("td");
    th.scope = "row"; th.append(cell(name).firstChild);
    b.className = "badge " + action; b.textContent = badge[action];
    why.textContent = reason;
    var outcome = document.createElement("td"); outcome.append(b);
    tr.append(th, cell(wrote), outcome, why, cell(got)); rows.push(tr);
  }
  WRITES.forEach(function (w) {
    var d = guard.decide(w);
    row(d.name, w, d.action, d.reason, d.header);
    document.cookie = w;
  });
  STORAGE.forEach(function (kv) {
    var d = guard.decideStorage(kv[0], "local");
    row(kv[0], "localStorage.setItem(" + JSON.stringify(kv[0]) + ", " + JSON.stringify(kv[1]) + ")",
      d.allow ? "keep" : "drop", d.reason, d.allow ? "localStorage " + kv[0] : null);
    localStorage.setItem(kv[0], kv[1]);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("script-rows").replaceChildren.apply(
      document.getElementById("script-rows"), rows);
    document.getElementById("script-jar").textContent = document.cookie || "(nothing)";
  });
})();
</script>""".replace("WRITES", json.dumps(SCRIPT_WRITES)).replace(
    "STORAGE", json.dumps(STORAGE_WRITES)
)


def _page(
    policy: Policy,
    consent: Consent,
    rows: str,
    browser: list[tuple[str, str]],
    app_saw: list[tuple[str, str]],
    consent_log: str,
) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{head_tags(state=state_token(policy, consent))}
<title>cookiewarden demo</title>
<style>
{_STYLE}
</style>
</head>
<body>
<header><h1>cookiewarden demo</h1>
<p>Every Set-Cookie this page sends passes through cookiewarden, and so does everything its scripts
store. Change your choice and watch the tables change.</p></header>
<main>
{_consent_panel(policy, consent)}
<section class="card" aria-labelledby="set-h">
<h2 id="set-h">What this response tried to set, and what cookiewarden did</h2>
<div class="scroll"><table>
<caption>Set-Cookie headers of this very response, in order (policy version
{_e(policy.version)})</caption>
<thead><tr><th scope="col">Cookie</th><th scope="col">The app sent</th>
<th scope="col">Outcome</th><th scope="col">Why</th><th scope="col">Your browser got</th></tr>
</thead>
<tbody>{rows}</tbody>
</table></div>
</section>
<section class="card" aria-labelledby="page-h">
<h2 id="page-h">What this page's scripts tried to store, and what the page guard did</h2>
<div class="scroll"><table>
<caption>Writes made by the script below, through <code>/_consent/guard.js</code></caption>
<thead><tr><th scope="col">Cookie or key</th><th scope="col">The script wrote</th>
<th scope="col">Outcome</th><th scope="col">Why</th><th scope="col">Your browser got</th></tr>
</thead>
<tbody id="script-rows"><tr><td colspan="5">The page guard did not run.</td></tr></tbody>
</table></div>
<p>Your browser now holds, visible to scripts: <code id="script-jar"></code></p>
</section>
{_PAGE_SCRIPT}
<section class="card" aria-labelledby="req-h">
<h2 id="req-h">What the app could read</h2>
<p>Your browser sent: {_names(browser)}</p>
<p>The app saw: {_names(app_saw)} <small>(cookies of refused categories and undeclared ones are
hidden from it)</small></p>
</section>
<footer>
<p><a href="/_consent/declaration">Cookie declaration</a> ·
<a href="/_consent">Consent API (JSON)</a> ·
<a href="/">Reload</a></p>
<p>The secret key is random for this run; consent records go to <code>{_e(consent_log)}</code>.</p>
</footer>
</main>
<script>
document.addEventListener("cookiewarden:consent", function () {{ location.reload(); }});
</script>
</body>
</html>
"""


def build_app(policy: Policy | None = None, secret_keys: Sequence[str] | None = None) -> ASGIApp:
    """Build the demo site, wrapped in :class:`~cookiewarden.CookieWarden`.

    :param policy: the policy to enforce; the demo policy when ``None``.
    :param secret_keys: consent-cookie keys; a random one for this process when ``None``.
    :returns: the ASGI app to serve (``cookiewarden demo`` runs it under uvicorn).
    """
    policy = policy if policy is not None else demo_policy()
    keys = list(secret_keys) if secret_keys else [secrets.token_urlsafe(32)]
    folder = tempfile.mkdtemp(prefix="cookiewarden-demo-")
    consent_log = f"{folder}/consent.db"

    async def home(request: Request) -> Response:
        state: dict[str, Any] = request.scope["state"]
        consent: Consent = state["consent"]
        host = None
        for key, value in request.scope["headers"]:
            if key == b"host":  # the last one, as the middleware reads it
                host = value.decode("utf-8", "surrogateescape")
        if host is None:
            server = request.scope.get("server")
            host = str(server[0]) if server else ""
        facts = middleware.engine.request_facts(
            host=host, scheme=request.scope.get("scheme", "http"), path=request.url.path
        )
        now = time.time()
        sessionid = request.cookies.get("sessionid", "")
        if not _SESSION_ID.fullmatch(sessionid):  # keep the visitor's, if it is one of ours
            sessionid = secrets.token_hex(8)
        headers = _cookies_to_set(sessionid)
        decisions = [
            decide(header, policy=policy, consent=consent, facts=facts, now=now)
            for header in headers
        ]
        browser = parse_cookie_header(state.get(_BROWSER_COOKIES, ""))
        app_saw = parse_cookie_header(request.headers.get("cookie", ""))
        # What clear_refused will append for refused cookies the browser still holds, minus
        # those this response sets itself (the middleware lets the response's own header win).
        sent = {d.name for d in decisions if d.header is not None}
        names = [name for name, _value in browser if name not in sent]
        deletions = refused_deletions(policy, names, consent, secure=facts.secure)
        rows = _rows(policy, decisions, deletions, facts, now)
        body = _page(policy, consent, rows, browser, app_saw, consent_log)
        response = HTMLResponse(body, headers={"cache-control": "no-store"})
        for header in headers:
            response.raw_headers.append((b"set-cookie", header.encode("latin-1")))
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            middleware.engine.close()
            shutil.rmtree(folder, ignore_errors=True)

    site = Starlette(routes=[Route("/", home)], lifespan=lifespan)
    middleware = CookieWarden(site, policy=policy, secret_keys=keys, consent_log=consent_log)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # Outside the middleware: keep the Cookie header as the browser sent it, for the page.
        if scope["type"] == "http":
            raw = b"; ".join(v for k, v in scope["headers"] if k == b"cookie")
            state = dict(scope.get("state") or {})
            state[_BROWSER_COOKIES] = raw.decode("utf-8", "surrogateescape")
            scope = {**scope, "state": state}
        await middleware(scope, receive, send)

    app.app = middleware  # type: ignore[attr-defined]  # cookiewarden.stats(app) finds it
    return app
