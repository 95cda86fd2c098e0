"""The consent banner (docs/BANNER.md) in a real browser: Debian's Chromium, driven by Playwright.

The FastAPI example's ``app`` (``examples/fastapi_app.py``) runs under a real uvicorn server in a
thread of this process, on 127.0.0.1 and a free port, for the whole module. Two pages the example
lacks come from a small Starlette app in front of it: ``/csp`` sends a strict nonce-based
Content-Security-Policy, ``/options`` sets the script tag's ``data-*`` options. One browser serves
the module; every test gets a fresh context, so an empty cookie jar.

Rules:
1. Skipped only where ``chromium`` is not installed and ``CI`` is not ``true``: in CI a missing
   browser fails the run (``.ci/run`` installs it).
2. Cookies are read from the browser's own jar (``context.cookies()``), never from headers: what
   counts is what the browser keeps.
3. Every page is watched: an uncaught exception, a ``cookiewarden:`` warning or a CSP violation
   fails the test, unless the test expects it and says so.
4. The documentation's screenshots (``docs/banner-first-layer.png``, ``-second-layer.png``,
   1280x800) are rewritten only when ``COOKIEWARDEN_SCREENSHOTS=1``.
5. Languages: the examples' policy is complete in Italian, so pages in Italian (``/it``, by
   ``<html lang>``, ``data-lang`` or the browser's ``Accept-Language``) get the Italian banner,
   placeholders and declaration; ``/langs/<tag>`` serve a policy offered in all six shipped
   languages under ``/langs/_consent``.
"""

from __future__ import annotations

import os
import shutil
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from examples import fastapi_app
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    expect,
    sync_playwright,
)
from playwright.sync_api import Route as Interception
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from cookiewarden import CookieWarden, Policy
from cookiewarden.rules.wording import SHIPPED, page_words
from servers import CHROMIUM_ARGS, serve

CHROMIUM = shutil.which("chromium")
IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parents[2]
DAY = 24 * 3600
OPTIONAL = {"_ga", "lang", "ads_id"}
"""The non-necessary cookies ``/`` sets: performance, functionality and targeting."""
CSP = "script-src 'nonce-abc' 'self'; style-src 'self'"
CSP_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>cookiewarden under a strict CSP</title>
  <script src="/_consent/banner.js" defer nonce="abc"></script>
</head>
<body>
  <h1>Strict CSP</h1>
  <script type="text/plain" data-cookiewarden-category="performance">
    window.gatedRan = true;
  </script>
</body>
</html>
"""
OPTIONS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>The banner's options</title>
  <script>window.dataLayer = []; window.gtag = (...args) => dataLayer.push(args);</script>
  <script src="/_consent/banner.js" defer data-lang="de" data-declaration-url=""
    data-strings='{"title": "Cookies auf dieser Website", "intro": "<b>nur Text</b>"}'
    data-consent-mode='{"analytics_storage": ["performance", "functionality"],
                        "personalization_storage": null}'></script>
</head>
<body><h1>Options</h1></body>
</html>
"""
ELSEWHERE_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Consent is not required here</title>
  <script src="/elsewhere/_consent/banner.js" defer></script>
</head>
<body>
  <h1>Elsewhere</h1>
  <button type="button" data-cookiewarden-open>Cookie settings</button>
  <script type="text/plain" data-cookiewarden-category="performance">
    window.gatedRan = true;
  </script>
</body>
</html>
"""
LOCALISED_PAGE = """<!doctype html>
<html{lang}>
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  {guard}<script src="{path}/banner.js" defer{data_lang}></script>
</head>
<body>
  <h1>{title}</h1>
  <button type="button" data-cookiewarden-open>{settings}</button>
  {body}
</body>
</html>
"""
EMBED = (
    '<iframe title="Mappa" data-cookiewarden-category="functionality" data-src="/embedded">'
    "</iframe>"
)
LOCALISED_PAGES = {
    "/it": {"lang": "it", "settings": "Impostazioni dei cookie"},
    "/it/embed": {"lang": "it", "guard": True, "body": EMBED, "settings": "Impostazioni"},
    "/plain": {"lang": None, "settings": "Cookie settings"},
    "/data-lang": {"lang": "en", "data_lang": "it", "settings": "Cookie settings"},
}
"""The pages of rule 5, by path: their ``<html lang>``, ``data-lang``, guard and body."""


def _in_six_languages() -> Policy:
    """The examples' policy offered in every shipped language (rule 5)."""
    data = tomllib.loads((ROOT / "examples" / "policy.toml").read_text("utf-8"))
    data["locales"].update({tag: {} for tag in SHIPPED if tag not in data["locales"]})
    data["locales"].pop("en")
    return Policy.from_dict(data)


def _localised_page(
    lang: str | None,
    *,
    path: str = "/_consent",
    guard: bool = False,
    body: str = "",
    data_lang: str | None = None,
    settings: str = "Cookie settings",
) -> str:
    return LOCALISED_PAGE.format(
        lang="" if lang is None else f' lang="{lang}"',
        title=f"A page in {lang or 'no language'}",
        guard=f'<script src="{path}/guard.js"></script>\n  ' if guard else "",
        path=path,
        data_lang="" if data_lang is None else f' data-lang="{data_lang}"',
        settings=settings,
        body=body,
    )


LAUNCH_ARGS = CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not IN_CI, reason="Debian's chromium is not installed"),
]


def _site() -> Any:
    """The FastAPI example; ``/csp`` and ``/options`` come from a Starlette app of their own."""

    def csp_page(request: Request) -> HTMLResponse:
        return HTMLResponse(CSP_PAGE, headers={"Content-Security-Policy": CSP})

    def options_page(request: Request) -> HTMLResponse:
        return HTMLResponse(OPTIONS_PAGE)

    def localised_page(request: Request) -> HTMLResponse:
        return HTMLResponse(_localised_page(**LOCALISED_PAGES[request.url.path]))

    def embedded(request: Request) -> HTMLResponse:
        return HTMLResponse("<!doctype html><p>La mappa</p>")

    pages = Starlette(
        routes=[
            Route("/csp", csp_page),
            Route("/options", options_page),
            Route("/embedded", embedded),
            *(Route(path, localised_page) for path in LOCALISED_PAGES),
        ],
        middleware=[
            Middleware(
                CookieWarden,
                policy=fastapi_app.POLICY,
                secret_keys=[fastapi_app.SECRET],
                consent_log=None,
            )
        ],
    )

    def elsewhere_page(request: Request) -> HTMLResponse:
        return HTMLResponse(ELSEWHERE_PAGE)

    # A region where consent is not required (consent_required answers False), with its own
    # consent API, which the banner finds from its own src.
    elsewhere = Starlette(
        routes=[Route("/elsewhere/", elsewhere_page)],
        middleware=[
            Middleware(
                CookieWarden,
                policy=fastapi_app.POLICY,
                secret_keys=[fastapi_app.SECRET],
                consent_log=None,
                consent_path="/elsewhere/_consent",
                consent_required=lambda request: False,
            )
        ],
    )

    def langs_page(request: Request) -> HTMLResponse:
        return HTMLResponse(_localised_page(request.path_params["tag"], path="/langs/_consent"))

    # Rule 5: one page per shipped language, with a policy offered in all of them.
    langs = Starlette(
        routes=[Route("/langs/{tag}", langs_page)],
        middleware=[
            Middleware(
                CookieWarden,
                policy=_in_six_languages(),
                secret_keys=[fastapi_app.SECRET],
                consent_log=None,
                consent_path="/langs/_consent",
            )
        ],
    )
    own_paths = {"/csp", "/options", "/embedded", *LOCALISED_PAGES}

    async def site(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/elsewhere/"):
            await elsewhere(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"].startswith("/langs/"):
            await langs(scope, receive, send)
            return
        own = scope["type"] == "http" and scope["path"] in own_paths
        await (pages if own else fastapi_app.app)(scope, receive, send)

    return site


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The site under uvicorn in a background thread, on 127.0.0.1 and a free port."""
    with serve(_site()) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: in CI, .ci/run must install it")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """A fresh browser context and its page, and the problems the page reported."""

    context: BrowserContext
    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str = "/") -> None:
        """Open ``path`` and wait until the banner has asked the consent API."""
        self.page.goto(self.base_url + path)
        self.settle("window.cookiewarden.ready")

    def reload(self) -> None:
        self.page.reload()
        self.settle("window.cookiewarden.ready")

    def settle(self, promise: str) -> Any:
        """The value of the page's ``promise``, or an error after 10 s (never a hang)."""
        return self.page.evaluate(
            f"Promise.race([{promise}, new Promise((_, reject) => setTimeout("
            f"() => reject(new Error('{promise}: still pending after 10 s')), 10000))])"
        )

    def jar(self) -> dict[str, dict[str, Any]]:
        """The browser's cookies, by name."""
        return {c["name"]: dict(c) for c in self.context.cookies()}

    def choose(self, button: str) -> dict[str, Any]:
        """Click ``button``; see :meth:`changing`."""
        return self.changing(lambda: self.page.get_by_role("button", name=button).click())

    def changing(self, act: Callable[[], object]) -> dict[str, Any]:
        """Do ``act`` and wait until the banner has applied the new choice.

        Returns the ``cookiewarden:consent`` event's detail: the banner dispatches it last, after
        hiding itself and activating the scripts that the choice allows.
        """
        self.page.evaluate(
            "() => { window.changed = new Promise((resolve) => document.addEventListener("
            "'cookiewarden:consent', (e) => resolve(e.detail), { once: true })); }"
        )
        act()
        return dict(self.settle("window.changed"))


def _watch(visit: Visit, message: ConsoleMessage) -> None:
    """Record CSP violations and the banner's warnings (Chromium's own messages are not ours)."""
    text = message.text
    if "Content Security Policy" in text or text.startswith("cookiewarden:"):
        visit.problems.append(f"console.{message.type}: {text}")


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator[Visit]:
    """A fresh context at 1280x800; the test fails if the page reported a problem."""
    yield from _visit(browser, base_url)


@pytest.fixture
def italian_visit(browser: Browser, base_url: str) -> Iterator[Visit]:
    """The same, from a browser set to Italian (``Accept-Language: it-IT``)."""
    yield from _visit(browser, base_url, locale="it-IT")


def _visit(browser: Browser, base_url: str, **options: Any) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
    context.set_default_timeout(10_000)
    # Init scripts run outside the page's CSP: record every violation the page reports.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    v = Visit(context, context.new_page(), base_url)
    v.page.on("console", lambda message: _watch(v, message))
    v.page.on("pageerror", lambda error: v.problems.append(f"uncaught: {error}"))
    try:
        yield v
        assert v.problems == []
    finally:
        context.close()


def _dialog(visit: Visit) -> Locator:
    """The banner, as assistive technology finds it."""
    return visit.page.get_by_role("dialog")


def _focused(visit: Visit) -> str:
    """The text of the focused element."""
    return str(visit.page.evaluate("document.activeElement.textContent.trim()"))


def test_first_visit_shows_the_banner_and_sets_no_optional_cookie(visit: Visit) -> None:
    visit.goto()
    expect(_dialog(visit)).to_be_visible()
    expect(_dialog(visit)).to_have_accessible_name("Cookies on this site")
    assert not OPTIONAL & visit.jar().keys()
    assert "sessionid" in visit.jar()  # necessary: no consent needed
    assert visit.page.evaluate("window.analyticsLoaded") is None  # the gated script waits


def test_reject_all_hides_the_banner_for_good(visit: Visit) -> None:
    visit.goto()
    visit.choose("Reject all")
    expect(_dialog(visit)).to_be_hidden()
    for _ in range(2):
        visit.reload()
        expect(_dialog(visit)).to_be_hidden()
        assert not OPTIONAL & visit.jar().keys()
        assert visit.page.evaluate("window.analyticsLoaded") is None
    assert visit.jar()["cw_consent"]["httpOnly"]


def test_customise_performance_only_lets_ga_in_capped_to_a_year(visit: Visit) -> None:
    visit.goto()
    visit.page.get_by_role("button", name="Customise").click()
    expect(_dialog(visit)).to_have_accessible_name("Choose which cookies to allow")
    necessary = visit.page.get_by_role("switch", name="Strictly necessary")
    expect(necessary).to_be_checked()
    expect(necessary).to_be_disabled()
    for name in ("Performance", "Functionality", "Targeting or advertising"):
        expect(visit.page.get_by_role("switch", name=name)).not_to_be_checked()
    visit.page.get_by_role("switch", name="Performance").check()
    visit.choose("Save choices")
    expect(_dialog(visit)).to_be_hidden()

    visit.reload()
    jar = visit.jar()
    assert "_ga" in jar
    assert not {"lang", "ads_id"} & jar.keys()
    now = time.time()  # the example asks for two years; the policy caps it to 365 days
    assert now + 365 * DAY - 60 <= jar["_ga"]["expires"] <= now + 365 * DAY + 60


def test_reopen_and_withdraw_removes_ga_from_the_jar(visit: Visit) -> None:
    visit.goto()
    visit.choose("Accept all")
    visit.reload()
    assert visit.jar().keys() >= OPTIONAL

    # "Cookie settings" opens the second layer with the current choice; "Reject all" there.
    settings = visit.page.get_by_role("button", name="Cookie settings")
    settings.click()
    expect(_dialog(visit)).to_have_accessible_name("Choose which cookies to allow")
    expect(visit.page.get_by_role("switch", name="Performance")).to_be_checked()
    expect(visit.page.get_by_role("button", name="Close")).to_be_visible()  # decided: may close
    visit.choose("Reject all")
    expect(_dialog(visit)).to_be_hidden()
    expect(settings).to_be_focused()  # focus returns where it was
    assert not OPTIONAL & visit.jar().keys()  # the server expired them, HttpOnly or not

    # A withdraw control added after load works too (DELETE), and tells the page.
    settings.click()
    visit.choose("Accept all")
    visit.reload()
    assert "_ga" in visit.jar()
    visit.page.evaluate(
        """() => {
          const b = document.createElement("button");
          b.setAttribute("data-cookiewarden-withdraw", "");
          b.textContent = "Withdraw consent";
          document.body.append(b);
        }"""
    )
    assert visit.choose("Withdraw consent")["granted"] == ["necessary"]
    assert not OPTIONAL & visit.jar().keys()
    expect(_dialog(visit)).to_be_hidden()


def test_gated_script_runs_only_after_consent(visit: Visit) -> None:
    visit.goto()
    script = visit.page.locator('script[data-cookiewarden-category="performance"]')
    assert visit.page.evaluate("window.analyticsLoaded") is None
    assert script.get_attribute("data-cookiewarden-activated") is None
    visit.choose("Accept all")
    visit.page.wait_for_function("window.analyticsLoaded === true")
    # A returning visitor: it runs on load, once.
    visit.reload()
    assert visit.page.evaluate("window.analyticsLoaded") is True
    copies = 'script[data-cookiewarden-category="performance"]:not([type])'
    assert visit.page.locator(copies).count() == 1


def test_keyboard_only(visit: Visit) -> None:
    visit.goto()
    keys = visit.page.keyboard
    assert visit.page.evaluate("!!document.activeElement.closest('[role=dialog]')")
    keys.press("Escape")  # a first visit waits for a choice
    expect(_dialog(visit)).to_be_visible()

    keys.press("Tab")
    assert _focused(visit) == "Cookie policy"
    seen = []
    for _ in range(3):
        keys.press("Tab")
        seen.append(_focused(visit))
    assert seen == ["Accept all", "Reject all", "Customise"]
    keys.press("Tab")  # focus stays inside the dialog
    assert _focused(visit) == "Cookie policy"
    keys.press("Shift+Tab")
    assert _focused(visit) == "Customise"

    # The second layer: Space toggles a switch, Escape goes back to "Customise".
    keys.press("Enter")
    expect(_dialog(visit)).to_have_accessible_name("Choose which cookies to allow")
    performance = visit.page.get_by_role("switch", name="Performance")
    for _ in range(8):  # the heading has focus: Tab on to the switch
        if visit.page.evaluate("document.activeElement.id") == performance.get_attribute("id"):
            break
        keys.press("Tab")
    keys.press("Space")
    expect(performance).to_be_checked()
    keys.press("Escape")
    expect(_dialog(visit)).to_have_accessible_name("Cookies on this site")
    assert _focused(visit) == "Customise"

    keys.press("Shift+Tab")
    assert _focused(visit) == "Reject all"
    assert visit.changing(lambda: keys.press("Enter"))["granted"] == ["necessary"]
    expect(_dialog(visit)).to_be_hidden()
    visit.reload()
    expect(_dialog(visit)).to_be_hidden()
    assert not OPTIONAL & visit.jar().keys()


def test_strict_csp_with_a_nonce(visit: Visit) -> None:
    response = visit.page.goto(visit.base_url + "/csp")
    assert response is not None and response.headers["content-security-policy"] == CSP
    visit.settle("window.cookiewarden.ready")
    expect(_dialog(visit)).to_be_visible()
    # The stylesheet loaded under style-src 'self': the banner is laid out, not raw.
    assert visit.page.locator(".cw-banner").evaluate("e => getComputedStyle(e).position") == "fixed"
    assert visit.page.evaluate("window.gatedRan") is None
    visit.choose("Accept all")
    visit.page.wait_for_function("window.gatedRan === true")
    assert visit.problems == []  # no CSP violation, no error


def test_gpc_is_noted_and_accept_all_keeps_targeting_off(visit: Visit) -> None:
    visit.context.set_extra_http_headers({"Sec-GPC": "1"})
    visit.goto()
    note = visit.page.get_by_text("Global Privacy Control")
    expect(note).to_be_visible()
    visit.page.get_by_role("button", name="Customise").click()
    expect(note).to_be_visible()
    expect(visit.page.get_by_role("switch", name="Targeting or advertising")).not_to_be_checked()
    assert visit.choose("Accept all")["granted"] == ["functionality", "necessary", "performance"]
    visit.reload()
    assert visit.jar().keys() & OPTIONAL == {"_ga", "lang"}  # no ads_id: GPC refuses targeting


def test_options_on_the_script_tag(visit: Visit) -> None:
    visit.goto("/options")
    expect(_dialog(visit)).to_have_accessible_name("Cookies auf dieser Website")
    expect(visit.page.locator(".cw-banner")).to_have_attribute("lang", "de")
    expect(_dialog(visit)).to_contain_text("<b>nur Text</b>")  # strings are text, never HTML
    expect(_dialog(visit).locator("b, a")).to_have_count(0)  # no markup, no declaration link

    def consent_mode() -> Any:
        return visit.page.evaluate("dataLayer.at(-1)")

    visit.page.get_by_role("button", name="Customise").click()
    visit.page.get_by_role("switch", name="Performance").check()
    visit.choose("Save choices")
    denied = dict.fromkeys(["ad_storage", "ad_user_data", "ad_personalization"], "denied")
    assert consent_mode() == [
        "consent",
        "update",
        {
            **denied,
            "analytics_storage": "denied",  # needs performance and functionality
            "functionality_storage": "denied",
            "security_storage": "granted",  # personalization_storage: null, left out
        },
    ]
    visit.page.evaluate("window.cookiewarden.open()")
    visit.choose("Accept all")
    granted = dict.fromkeys(
        [*denied, "analytics_storage", "functionality_storage", "security_storage"], "granted"
    )
    assert consent_mode() == ["consent", "update", granted]


def test_api_failures_fail_closed_and_the_banner_stays_usable(visit: Visit) -> None:
    def down(route: Interception) -> None:
        route.fulfill(status=503, body="down")

    visit.page.route("**/_consent", down)
    visit.page.goto(visit.base_url + "/")
    assert visit.settle("window.cookiewarden.ready") is None
    expect(_dialog(visit)).to_have_count(0)  # no answer, no banner ...
    assert visit.page.evaluate("window.analyticsLoaded") is None  # ... and nothing gated runs

    visit.page.get_by_role("button", name="Cookie settings").click()
    alert = visit.page.get_by_role("alert")
    expect(alert).to_have_text("Sorry, something went wrong. Please try again.")
    visit.page.get_by_role("button", name="Accept all").click()  # still down
    expect(alert).to_be_visible()
    expect(_dialog(visit)).to_be_visible()

    visit.page.unroute("**/_consent", down)
    visit.choose("Accept all")  # the same button works once the API is back
    expect(_dialog(visit)).to_be_hidden()
    assert visit.page.evaluate("window.analyticsLoaded") is True
    assert visit.problems and all("cookiewarden: Error:" in p for p in visit.problems)
    visit.problems.clear()  # the warnings above were expected


def test_the_two_layers_look_right(visit: Visit) -> None:
    """Equal-weight buttons in the viewport; screenshots for docs/ when asked for."""
    visit.goto()
    buttons = visit.page.get_by_role("dialog").get_by_role("button")
    assert buttons.all_inner_texts() == ["Accept all", "Reject all", "Customise"]
    boxes = [b.bounding_box() for b in buttons.all()]
    looks = buttons.evaluate_all(
        "bs => bs.map(b => { const s = getComputedStyle(b);"
        " return [s.backgroundColor, s.color, s.fontSize, s.fontWeight]; })"
    )
    assert all(box is not None for box in boxes)
    sizes = {(round(b["width"]), round(b["height"])) for b in boxes if b}
    assert len(sizes) == 1, sizes  # one size ...
    assert len({tuple(x) for x in looks}) == 1, looks  # ... and one look for every choice
    assert all(b["y"] >= 0 and b["y"] + b["height"] <= 800 for b in boxes if b)
    _screenshot(visit, "banner-first-layer.png")

    visit.page.get_by_role("button", name="Customise").click()
    visit.page.get_by_role("switch", name="Performance").wait_for()
    _screenshot(visit, "banner-second-layer.png")


def _screenshot(visit: Visit, name: str) -> None:
    visit.page.mouse.move(0, 0)  # no hover effect in the picture
    png = visit.page.screenshot(animations="disabled")
    assert png.startswith(b"\x89PNG")
    if os.environ.get("COOKIEWARDEN_SCREENSHOTS") == "1":
        (ROOT / "docs" / name).write_bytes(png)


def test_where_consent_is_not_required_the_banner_waits_to_be_opened(visit: Visit) -> None:
    visit.goto("/elsewhere/")
    expect(_dialog(visit)).to_be_hidden()
    assert visit.page.evaluate("window.cookiewarden.consent.required") is False
    assert visit.page.evaluate("window.cookiewarden.consent.decided") is False
    assert visit.page.evaluate("window.gatedRan") is True  # undecided, not required: granted
    # Still reachable: it opens from the page's control, and closes without a choice.
    visit.page.get_by_role("button", name="Cookie settings").click()
    expect(_dialog(visit)).to_be_visible()
    visit.page.get_by_role("button", name="Close").click()
    expect(_dialog(visit)).to_be_hidden()
    assert "cw_consent" not in visit.jar()


# -- languages (rule 5) ---------------------------------------------------------------------------


def _choices(visit: Visit) -> Locator:
    """The buttons of the layer shown: the choices, not the close button."""
    return _dialog(visit).locator(".cw-layer:not([hidden]) .cw-actions").get_by_role("button")


def _equal_weight(buttons: Locator) -> None:
    """One size and one look for every button, all in the viewport."""
    buttons.page.mouse.move(0, 0)  # no hover effect on the one under the pointer
    boxes = [b.bounding_box() for b in buttons.all()]
    looks = buttons.evaluate_all(
        "bs => bs.map(b => { const s = getComputedStyle(b);"
        " return [s.backgroundColor, s.color, s.fontSize, s.fontWeight]; })"
    )
    assert all(box is not None for box in boxes)
    sizes = {(round(b["width"]), round(b["height"])) for b in boxes if b}
    assert len(sizes) == 1, sizes
    assert len({tuple(x) for x in looks}) == 1, looks
    assert all(b["y"] >= 0 and b["y"] + b["height"] <= 800 for b in boxes if b)


def test_the_banner_in_italian_labels_buttons_and_choices(visit: Visit) -> None:
    visit.goto("/it")
    dialog = _dialog(visit)
    expect(dialog).to_have_accessible_name("Cookie su questo sito")
    expect(visit.page.locator(".cw-banner")).to_have_attribute("lang", "it")
    expect(dialog).to_contain_text("Usiamo i cookie necessari al funzionamento del sito.")
    buttons = _choices(visit)
    assert buttons.all_inner_texts() == ["Accetta tutti", "Rifiuta tutti", "Personalizza"]
    _equal_weight(buttons)
    link = dialog.get_by_role("link", name="Informativa sui cookie")
    expect(link).to_have_attribute("href", "/_consent/declaration?lang=it")

    visit.page.get_by_role("button", name="Personalizza").click()
    expect(dialog).to_have_accessible_name("Scegli quali cookie consentire")
    necessary = visit.page.get_by_role("switch", name="Strettamente necessari")
    expect(necessary).to_be_checked()
    expect(necessary).to_be_disabled()
    expect(dialog.get_by_text("Sempre attivi", exact=True)).to_be_visible()
    expect(dialog).to_contain_text("Ricordano le tue preferenze, come la lingua e la regione.")
    for name in ("Prestazioni", "Funzionalità", "Profilazione e pubblicità"):
        expect(visit.page.get_by_role("switch", name=name)).not_to_be_checked()
    layer = _choices(visit)
    assert layer.all_inner_texts() == ["Salva le scelte", "Accetta tutti", "Rifiuta tutti"]
    visit.page.get_by_role("switch", name="Prestazioni").check()
    assert visit.choose("Salva le scelte")["granted"] == ["necessary", "performance"]

    # Reopened, the settings are still Italian: the choice was answered in Italian too.
    visit.reload()
    visit.page.get_by_role("button", name="Impostazioni dei cookie").click()
    expect(visit.page.get_by_role("switch", name="Prestazioni")).to_be_checked()
    expect(visit.page.get_by_role("button", name="Chiudi")).to_be_visible()
    assert visit.choose("Rifiuta tutti")["granted"] == ["necessary"]


@pytest.mark.parametrize(
    ("path", "locale", "title"),
    [
        pytest.param("/it", "en-US", "Cookie su questo sito", id="the-pages-lang"),
        pytest.param("/data-lang", "en-US", "Cookie su questo sito", id="data-lang-over-lang"),
        pytest.param("/plain", "it-IT", "Cookie su questo sito", id="accept-language"),
        pytest.param("/", "it-IT", "Cookies on this site", id="the-page-over-the-browser"),
        pytest.param("/plain", "fr-FR", "Cookies on this site", id="else-the-policys-own"),
    ],
)
def test_the_banner_picks_the_page_then_the_browser_then_the_policy(
    browser: Browser, base_url: str, path: str, locale: str, title: str
) -> None:
    for visit in _visit(browser, base_url, locale=locale):
        visit.goto(path)
        expect(_dialog(visit)).to_have_accessible_name(title)
        lang = "it" if title.startswith("Cookie su") else "en"
        expect(visit.page.locator(".cw-banner")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("tag", SHIPPED)
def test_accept_and_reject_weigh_the_same_in_every_language(visit: Visit, tag: str) -> None:
    visit.goto(f"/langs/{tag}")
    words = page_words(tag, "banner")
    expect(_dialog(visit)).to_have_accessible_name(words["title"])
    buttons = _choices(visit)
    assert buttons.all_inner_texts() == [
        words["accept_all"],
        words["reject_all"],
        words["customise"],
    ]
    _equal_weight(buttons)
    visit.page.get_by_role("button", name=words["customise"]).click()
    layer = _choices(visit)
    assert layer.all_inner_texts() == [words["save"], words["accept_all"], words["reject_all"]]
    _equal_weight(layer)


def test_the_declaration_page_in_italian(italian_visit: Visit) -> None:
    visit = italian_visit
    visit.goto("/it")
    with visit.page.expect_navigation():
        _dialog(visit).get_by_role("link", name="Informativa sui cookie").click()
    visit.settle("window.cookiewarden.ready")
    page = visit.page
    assert page.url.endswith("/_consent/declaration?lang=it")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dichiarazione sui cookie")
    expect(page.get_by_role("heading", name="Profilazione e pubblicità")).to_be_visible()
    table = page.get_by_role("table", name="Cookie della categoria «Prestazioni»")
    headers = table.get_by_role("columnheader").all_inner_texts()
    assert headers == ["Nome", "Fornitore", "Finalità", "Descrizione", "Tipo", "Durata"]
    ga = table.get_by_role("row", name="_ga Google Analytics")
    expect(ga).to_contain_text("Distingue i visitatori per contare le visite.")
    expect(ga).to_contain_text("1 anno")  # declared for 2 years, capped by max_age
    # The page's banner speaks the page's language: its settings open from the page's button.
    expect(_dialog(visit)).to_have_accessible_name("Cookie su questo sito")
    visit.choose("Rifiuta tutti")
    page.get_by_role("button", name="Impostazioni dei cookie").click()
    expect(_dialog(visit)).to_have_accessible_name("Scegli quali cookie consentire")
    expect(page.get_by_role("switch", name="Strettamente necessari")).to_be_checked()


def test_a_held_embed_says_why_in_the_pages_language(visit: Visit) -> None:
    visit.goto("/it/embed")
    _dialog(visit).get_by_role("button", name="Rifiuta tutti").click()
    frame = visit.page.locator("iframe[title=Mappa]")
    placeholder = visit.page.locator(".cw-placeholder")
    expect(placeholder).to_have_text("Questo contenuto imposta cookie per: Funzionalità. Consenti")
    assert frame.get_attribute("src") is None  # held: it loads nothing
    visit.changing(lambda: placeholder.get_by_role("button", name="Consenti").click())
    expect(placeholder).to_have_count(0)
    expect(frame).to_have_attribute("src", "/embedded")
    assert visit.page.evaluate("window.cookiewarden.guard.consent().granted").count("functionality")
