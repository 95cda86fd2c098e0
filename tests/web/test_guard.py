"""The page guard in real Chromium: a page that runs ordinary tag code, in every consent state.

The page (:data:`TAG_PAGE`) loads ``/_consent/guard.js`` first in ``<head>``, then runs, un-gated,
code shaped like real tags: a gtag-like snippet writing ``_ga`` for two years on the root domain,
a pixel-like snippet writing ``_fbp`` for 400 days, an undeclared id cookie, ``localStorage`` and
``sessionStorage`` writes of declared and undeclared keys, a script element inserted for a
declared tracking host, an image pixel to one, a ``navigator.sendBeacon`` and a ``fetch`` to one;
and it holds a ``data-category`` inline script (orestbida/cookieconsent's attribute), a
``data-cookiewarden-category`` external script and iframe (an embed with its placeholder). The
visitor is driven through the real banner.

The site runs behind the real middleware under uvicorn on 127.0.0.1; Chromium maps every
``*.test`` host there (``--host-resolver-rules``), so the page is ``www.cwshop.test`` (registrable
domain ``cwshop.test``) and the trackers ``px.adnet.test`` (declared, targeting) and
``stats.metrics.test`` (declared, performance) are other sites. What counts is what the browser
keeps: its own jar (``context.cookies()``), both storage areas, the requests it made, and which
gated scripts ran.

Skipped only where ``chromium`` is missing and ``CI`` is not ``true``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from cookiewarden import CookieWarden, Policy
from cookiewarden.rules.page_rules import state_token
from cookiewarden.templating import head_markup
from cookiewarden.web.page import guard_tag
from servers import CHROMIUM_ARGS, serve

CHROMIUM = shutil.which("chromium")
IN_CI = os.environ.get("CI") == "true"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not IN_CI, reason="Debian's chromium is not installed"),
]
DAY = 86400
HOST = "www.cwshop.test"
PIXEL_HOST = "px.adnet.test"
STATS_HOST = "stats.metrics.test"
SECRET = "guard-test-secret-0123456789abcdef"

POLICY = Policy.from_dict(
    {
        "version": "guard-1",
        "max_age": "365d",
        "root_domain": "cwshop.test",
        "categories": {
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "performance": {"label": "Performance"},
            "functionality": {"label": "Functionality"},
            "targeting": {"label": "Targeting"},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary", "lifetime": "session"},
            {"name": "_ga", "category": "performance", "lifetime": "2y", "domain": "cwshop.test"},
            {"name": "_fbp", "category": "targeting", "lifetime": "90d"},
            {"name": "lang", "category": "functionality", "lifetime": "30d"},
        ],
        "storage": [
            {"name": "_hj*", "category": "performance", "area": "local"},
            {"name": "cart", "category": "necessary"},
            {"name": "theme", "category": "functionality", "area": "session"},
        ],
        "hosts": [
            {"host": "*.adnet.test", "category": "targeting"},
            {"host": STATS_HOST, "category": "performance"},
        ],
    }
)

TAG_PAGE = """<!doctype html>
<html lang="en"><head>
<meta charset="utf-8"><title>Shop</title>
<script src="/_consent/guard.js"></script>
<script>
  window.ran = [];
  window.thrown = [];
  window.onerror = (m) => { thrown.push(String(m)); };
  // gtag-like: _ga for two years on the root domain
  document.cookie = "_ga=GA1.2.12345.67890; max-age=63072000; path=/; domain=.cwshop.test";
  // pixel-like: _fbp for 400 days
  document.cookie = "_fbp=fb.1.1700000000.123; expires=" +
    new Date(Date.now() + 400 * 864e5).toUTCString() + "; path=/";
  document.cookie = "uid=u-123; max-age=86400; path=/";           // undeclared
  document.cookie = "sessionid=s-1; max-age=86400; path=/";       // declared session
  document.cookie = "lang=it; max-age=31536000; path=/";          // functionality, 30 days
  localStorage.setItem("_hjSession", "h1");                       // performance (local)
  localStorage.cart = "3 items";                                  // necessary
  localStorage["tracker_id"] = "t-9";                             // undeclared
  sessionStorage.setItem("theme", "dark");                        // functionality (session)
  const s = document.createElement("script");                     // targeting host
  s.src = "http://px.adnet.test:PORT/tag.js";
  document.head.append(s);
  new Image().src = "http://px.adnet.test:PORT/px.gif?ev=PageView";
  try { navigator.sendBeacon("http://stats.metrics.test:PORT/collect", "x"); }
  catch (e) { thrown.push(String(e)); }
  fetch("http://stats.metrics.test:PORT/hit").catch(() => {});
</script>
<script type="text/plain" data-category="performance">window.ran.push("analytics-inline");</script>
<script type="text/plain" data-cookiewarden-category="targeting"
  data-src="http://px.adnet.test:PORT/ads.js"></script>
<script type="text/plain" data-category="marketing">window.ran.push("never");</script>
<link rel="stylesheet" data-category="functionality" data-href="/gated.css">
</head><body>
<h1>Shop</h1>
<button type="button" data-cookiewarden-open>Cookie settings</button>
<iframe data-cookiewarden-category="functionality" data-src="/embed" title="video"></iframe>
<img data-category="targeting" data-src="http://px.adnet.test:PORT/gated.gif" alt="">
<script src="/_consent/banner.js" defer></script>
</body></html>
"""
TRACKER_JS = "window.ran.push(document.currentScript.src.split('/').pop());"


@dataclass
class Site:
    """The shop and the trackers, and every request that reached them."""

    url: str
    port: int
    hits: list[str] = field(default_factory=list)


def _app(port_box: list[int], hits: list[str], **options: Any) -> Any:
    def page(request: Request) -> Response:
        hits.append(f"{request.url.hostname}{request.url.path}")
        host = request.url.hostname or ""
        if host.endswith("adnet.test") or host.endswith("metrics.test"):
            if request.url.path.endswith(".js"):
                return Response(TRACKER_JS, media_type="text/javascript")
            return PlainTextResponse("ok")
        if request.url.path == "/embed":
            return HTMLResponse("<p>video</p>")
        html = TAG_PAGE.replace("PORT", str(port_box[0]))
        if request.url.path.startswith("/made/"):
            # A page made by a framework's template helper, which knows the visitor's state.
            head = head_markup(policy=POLICY, consent=request.state.consent)
            html = html.replace('<script src="/_consent/banner.js" defer></script>', "")
            html = html.replace('<script src="/_consent/guard.js"></script>', head)
        if request.url.path.startswith("/kept/"):
            # A page the browser may keep a while, without the banner (which asks the server on
            # every page): the guard alone, its URL naming the state as the helpers do.
            guard = guard_tag("/_consent", state=state_token(POLICY, request.state.consent))
            html = html.replace('<script src="/_consent/banner.js" defer></script>', "")
            html = html.replace('<script src="/_consent/guard.js"></script>', guard)
            return HTMLResponse(html, headers={"Cache-Control": "private, max-age=600"})
        return HTMLResponse(html)

    inner = Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])
    guarded = CookieWarden(inner, policy=POLICY, secret_keys=[SECRET], consent_log=None, **options)

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_consent/guard.js":
            hits.append("guard.js")  # what reached the server, past the browser's cache
        await guarded(scope, receive, send)

    return counted


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, Site]]:
    """Two servers: the site enforcing, and the same site in ``report_only``."""
    with ExitStack() as stack:
        out = {}
        for name, options in (("enforcing", {}), ("report_only", {"report_only": True})):
            box: list[int] = [0]
            hits: list[str] = []
            port = stack.enter_context(serve(_app(box, hits, **options)))
            box[0] = port  # the page names the trackers by the server's own port
            out[name] = Site(f"http://{HOST}:{port}", port, hits)
        yield out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: in CI, .ci/run must install it")
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.test 127.0.0.1"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """A fresh context on one site: its page, the requests it made, what it logged."""

    site: Site
    page: Page
    context: Any
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self) -> None:
        self.page.goto(self.site.url + "/")
        self.page.evaluate("window.cookiewarden.ready")
        self.page.wait_for_load_state("networkidle")

    def jar(self) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in self.context.cookies()}

    def storage(self) -> tuple[dict[str, str], dict[str, str]]:
        return (
            self.page.evaluate("({...localStorage})"),
            self.page.evaluate("({...sessionStorage})"),
        )

    def ran(self) -> list[str]:
        return sorted(self.page.evaluate("window.ran"))

    def hosts(self) -> set[str]:
        return {r.split("/")[2].split(":")[0] for r in self.requests}

    def choose(self, button: str) -> None:
        self.page.evaluate(  # a function returning nothing: evaluate would await a promise
            "() => { window.changed = new Promise((r) => document.addEventListener("
            "'cookiewarden:consent', r, { once: true })); }"
        )
        self.page.get_by_role("button", name=button).click()
        self.page.evaluate("window.changed")
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def visit(
    browser: Browser, sites: dict[str, Site], request: pytest.FixtureRequest
) -> Iterator[Visit]:
    site = sites[getattr(request, "param", "enforcing")]
    context = browser.new_context()
    context.set_default_timeout(10_000)  # a step that hangs fails, with its name
    page = context.new_page()
    v = Visit(site, page, context)
    page.on("request", lambda r: v.requests.append(r.url))
    page.on("console", lambda m: v.console.append(m.text))
    page.on("pageerror", lambda e: v.errors.append(str(e)))
    try:
        yield v
    finally:
        context.close()


def _no_page_errors(v: Visit) -> None:
    assert v.errors == [] and v.page.evaluate("window.thrown") == []


def test_first_visit_nothing_optional_is_written_stored_fetched_or_run(visit: Visit) -> None:
    visit.open()
    jar = visit.jar()
    assert set(jar) == {"sessionid"}  # the declared necessary cookie, and nothing else
    assert jar["sessionid"]["expires"] == -1  # a declared session cookie stays a session one
    local, session = visit.storage()
    assert (local, session) == ({"cart": "3 items"}, {})
    assert visit.hosts() == {HOST}  # no tracker was ever asked for anything
    assert not any(r.endswith(("/gated.css", "/gated.gif")) for r in visit.requests)
    assert visit.ran() == []
    assert visit.page.locator(".cw-placeholder").count() == 1  # the embed waits, with a button
    assert "Functionality" in visit.page.locator(".cw-placeholder").inner_text()
    # A gated element whose category the policy lacks is never silently ignored.
    assert any(
        m.startswith("cookiewarden: gated script names unknown category marketing")
        for m in visit.console
    ), visit.console
    _no_page_errors(visit)


def test_reject_all_leaves_nothing_optional_and_a_reload_stays_clean(visit: Visit) -> None:
    visit.open()
    visit.choose("Reject all")
    visit.page.reload()
    visit.open()
    assert set(visit.jar()) == {"sessionid", "cw_consent"}
    assert visit.storage() == ({"cart": "3 items"}, {})
    assert PIXEL_HOST not in visit.hosts() and STATS_HOST not in visit.hosts()
    assert visit.ran() == []
    _no_page_errors(visit)


def test_accept_all_writes_what_the_policy_allows_for_as_long_as_it_allows(visit: Visit) -> None:
    visit.open()
    visit.choose("Accept all")
    now = time.time()
    # The choice activates the gated scripts at once, and releases the script element the tag
    # code inserted for the tracking host (each external one as soon as it loads).
    visit.page.wait_for_function("['ads.js', 'tag.js'].every((s) => window.ran.includes(s))")
    assert visit.ran() == ["ads.js", "analytics-inline", "tag.js"]
    visit.page.reload()
    visit.open()
    jar = visit.jar()
    assert {"_ga", "_fbp", "lang", "sessionid", "cw_consent"} <= set(jar)
    assert "uid" not in jar  # undeclared: unknown = "block"
    assert jar["_ga"]["domain"] == ".cwshop.test"
    assert jar["_ga"]["expires"] - now == pytest.approx(365 * DAY, abs=120)  # 2 years → max_age
    assert jar["_fbp"]["expires"] - now == pytest.approx(90 * DAY, abs=120)  # 400 d → declared 90
    assert jar["lang"]["expires"] - now == pytest.approx(30 * DAY, abs=120)
    assert jar["sessionid"]["expires"] == -1
    local, session = visit.storage()
    assert local == {"cart": "3 items", "_hjSession": "h1"}  # tracker_id: undeclared
    assert session == {"theme": "dark"}
    assert PIXEL_HOST in visit.hosts() and STATS_HOST in visit.hosts()
    assert any(r.endswith("/gated.css") for r in visit.requests)  # a held link, activated
    assert any(r.endswith("/gated.gif") for r in visit.requests)  # a held image, activated
    assert visit.ran() == ["ads.js", "analytics-inline", "tag.js"]
    assert visit.page.locator(".cw-placeholder").count() == 0
    assert visit.page.frame_locator("iframe").locator("p").inner_text() == "video"
    _no_page_errors(visit)


def test_one_category_only(visit: Visit) -> None:
    visit.open()
    visit.page.get_by_role("button", name="Customise").click()
    visit.page.get_by_role("switch", name="Performance").check()
    visit.choose("Save choices")
    assert visit.ran() == ["analytics-inline"]
    visit.page.reload()
    visit.open()
    jar = visit.jar()
    assert "_ga" in jar and "_fbp" not in jar and "lang" not in jar
    local, session = visit.storage()
    assert local == {"cart": "3 items", "_hjSession": "h1"} and session == {}
    assert STATS_HOST in visit.hosts() and PIXEL_HOST not in visit.hosts()
    assert visit.ran() == ["analytics-inline"]
    _no_page_errors(visit)


def test_withdrawal_deletes_at_once_without_a_reload(visit: Visit) -> None:
    visit.open()
    visit.choose("Accept all")
    visit.page.reload()
    visit.open()
    assert {"_ga", "_fbp", "lang"} <= set(visit.jar())
    # Reopen the preferences and refuse everything: the page acts before any response.
    visit.page.get_by_role("button", name="Cookie settings").click()
    visit.choose("Reject all")
    jar = visit.jar()
    assert not {"_ga", "_fbp", "lang"} & set(jar), jar.keys()
    assert visit.storage() == ({"cart": "3 items"}, {})
    before = len(visit.requests)
    visit.page.evaluate(f"new Image().src = 'http://px.adnet.test:{visit.site.port}/again.gif'")
    visit.page.wait_for_timeout(300)
    assert all(PIXEL_HOST not in r for r in visit.requests[before:])
    _no_page_errors(visit)


@pytest.mark.parametrize("visit", ["report_only"], indirect=True)
def test_report_only_writes_everything_and_says_what_it_would_have_refused(visit: Visit) -> None:
    visit.open()
    assert {"_ga", "_fbp", "uid", "sessionid", "lang"} <= set(visit.jar())
    local, session = visit.storage()
    assert {"_hjSession", "cart", "tracker_id"} <= set(local) and "theme" in session
    assert PIXEL_HOST in visit.hosts()
    said = [m for m in visit.console if m.startswith("cookiewarden: [report-only] would have")]
    for expected in (
        'refused document.cookie "_ga" (category performance): refused-category',
        'refused document.cookie "uid" (category undeclared): undeclared',
        'refused localStorage "tracker_id" (category undeclared): undeclared',
        "refused image to px.adnet.test (category targeting): refused-category",
    ):
        assert any(expected in m for m in said), (expected, said)
    _no_page_errors(visit)


def test_the_embed_placeholder_allows_its_category_in_one_click(visit: Visit) -> None:
    visit.open()
    visit.page.locator(".cw-placeholder button").click()
    visit.page.frame_locator("iframe").locator("p").wait_for()
    assert visit.page.evaluate("cookiewarden.guard.consent()")["granted"] == [
        "necessary",
        "functionality",
    ]
    # The choice is the server's: a new page asks guard.js, and it is told the grant.
    visit.page.reload()
    visit.page.wait_for_function("window.cookiewarden && window.cookiewarden.guard")
    assert visit.page.evaluate("cookiewarden.guard.rules.state")["granted"] == [
        "functionality",
        "necessary",
    ]
    _no_page_errors(visit)


def test_bad_input_never_throws_into_the_page(visit: Visit) -> None:
    visit.open()
    results = visit.page.evaluate(
        """() => {
          const out = [];
          for (const v of ["", ";;;", "=", "\\u0000a=1", "a=\\ud800", "x".repeat(1 << 20),
                           "a=1; expires=" + "9".repeat(5000), "a=1; domain=" + ".".repeat(300),
                           null, undefined, 12, {toString() { return "obj=1"; }}]) {
            try { document.cookie = v; out.push("ok"); } catch (e) { out.push(String(e)); }
          }
          try { localStorage.setItem({toString() { return "_hjX"; }}, "1"); out.push("ok"); }
          catch (e) { out.push(String(e)); }
          return out;
        }"""
    )
    assert all(r == "ok" for r in results), results
    assert "obj" not in visit.jar() and "a" not in visit.jar()
    _no_page_errors(visit)


def _guard_loads(visit: Visit) -> int:
    return visit.site.hits.count("guard.js")


def _go(visit: Visit, path: str) -> dict[str, Any]:
    """A new page of the site; what its guard was told of the visitor."""
    visit.page.goto(visit.site.url + path)
    visit.page.evaluate("window.cookiewarden.ready")
    state: dict[str, Any] = visit.page.evaluate("cookiewarden.guard.rules.state")
    return state


def test_a_hand_written_tag_is_asked_for_on_every_page_and_always_right(visit: Visit) -> None:
    before = _guard_loads(visit)
    visit.open()
    assert _go(visit, "/second")["decided"] is False
    assert _guard_loads(visit) == before + 2  # no token in its URL: asked again (a 304)
    # A choice the guard never heard of (the consent API called by the site's own code).
    visit.page.evaluate(
        """() => fetch("/_consent", {method: "POST", headers: {"Content-Type":
        "application/json"}, body: JSON.stringify({granted: ["performance"]})})"""
    )
    state = _go(visit, "/next")
    assert (state["decided"], state["granted"]) == (True, ["necessary", "performance"])
    assert visit.page.evaluate("window.ran") == ["analytics-inline"]  # held until then
    _no_page_errors(visit)


def test_a_made_page_takes_the_guard_from_the_cache_until_the_visitor_chooses(
    visit: Visit,
) -> None:
    before = _guard_loads(visit)
    assert _go(visit, "/made/first")["decided"] is False
    assert _go(visit, "/made/second")["decided"] is False
    assert _guard_loads(visit) == before + 1  # the next page took it from the cache
    visit.choose("Accept all")
    state = _go(visit, "/made/third")  # a new state, a new URL
    assert (state["decided"], len(state["granted"])) == (True, 4)
    assert _go(visit, "/made/fourth")["decided"] is True
    assert _guard_loads(visit) == before + 2
    assert sorted(visit.page.evaluate("window.ran")) == ["ads.js", "analytics-inline", "tag.js"]
    _no_page_errors(visit)


def test_a_choice_made_past_the_guard_reaches_the_next_made_page(visit: Visit) -> None:
    assert _go(visit, "/made/first")["decided"] is False
    visit.page.evaluate(
        """() => fetch("/_consent", {method: "POST", headers: {"Content-Type":
        "application/json"}, body: JSON.stringify({granted: ["performance"]})})"""
    )
    state = _go(visit, "/made/next")
    assert (state["decided"], state["granted"]) == (True, ["necessary", "performance"])
    _no_page_errors(visit)


def test_a_choice_posted_as_a_form_reaches_the_page_it_leads_to(visit: Visit) -> None:
    assert _go(visit, "/made/first")["decided"] is False
    visit.page.evaluate(
        """() => { const f = document.createElement("form");
        f.method = "post"; f.action = "/_consent";
        for (const [n, v] of [["granted", "functionality"], ["next", "/made/after"]]) {
          const i = document.createElement("input"); i.name = n; i.value = v; f.append(i); }
        document.body.append(f); f.submit(); }"""
    )
    visit.page.wait_for_url("**/made/after")
    visit.page.evaluate("window.cookiewarden.ready")
    state = visit.page.evaluate("cookiewarden.guard.rules.state")
    assert (state["decided"], state["granted"]) == (True, ["functionality", "necessary"])
    _no_page_errors(visit)


def test_back_to_a_page_from_before_the_choice_takes_the_choice(visit: Visit) -> None:
    _go(visit, "/made/first")
    _go(visit, "/made/second")
    visit.choose("Reject all")
    visit.page.go_back()  # a page, and a guard, from before the choice
    visit.page.wait_for_function("cookiewarden.guard.consent().decided")
    assert visit.page.evaluate("cookiewarden.guard.consent()")["granted"] == ["necessary"]
    _no_page_errors(visit)


def test_a_page_from_the_browsers_cache_takes_the_choice_made_since(visit: Visit) -> None:
    assert _go(visit, "/kept/page")["decided"] is False
    _go(visit, "/made/other")
    visit.choose("Accept all")
    before = len(visit.site.hits)
    visit.page.goto(visit.site.url + "/kept/page")  # the page, and its guard, from the cache
    visit.page.wait_for_function("cookiewarden.guard.consent().decided")
    assert "www.cwshop.test/kept/page" not in visit.site.hits[before:]  # it was the cache's
    assert len(visit.page.evaluate("cookiewarden.guard.consent()")["granted"]) == 4
    _no_page_errors(visit)


def test_an_error_from_the_consent_api_leaves_the_state_as_it_is(visit: Visit) -> None:
    _go(visit, "/kept/error")  # no banner: only the guard asks the consent API here
    asked: list[str] = []

    def failing(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=500, content_type="application/json", body='{"error": "x"}')

    visit.page.route("**/_consent", failing)
    visit.page.evaluate("cookiewarden.guard.update()")  # as a page from history does
    visit.page.wait_for_timeout(1000)
    assert len(asked) == 1  # asked once, not again and again
    assert visit.page.evaluate("cookiewarden.guard.consent()") == {
        "decided": False,
        "granted": ["necessary"],
    }
    _no_page_errors(visit)
