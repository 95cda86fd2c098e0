"""Sites for the scanner's tests, served by real uvicorn servers in threads of the test process.

- ``leaky.test``: a site that misbehaves on purpose, behind cookiewarden in ``report_only``
  (its banner and consent API work; nothing is enforced) and without the page guard. ``/``
  sets over HTTP ``sessionid`` (necessary, session), ``lang`` for two years (declared 30 days)
  and the undeclared ``srv_track``; its script ``/static/tags.js`` writes ``_ga`` for two years
  (declared two, capped to one by ``max_age``) and the undeclared ``js_undeclared``, the
  localStorage keys ``ab_variant`` (functionality) and the undeclared ``fp_blob``, and loads a
  pixel from ``tracker.test`` (a declared targeting host, https with a self-signed certificate),
  which sets the third-party cookie ``tid``.
- ``guarded.test``: the same app and page behind the enforcing middleware, with
  ``/_consent/guard.js`` first in ``<head>``.
- ``plain.test``: no cookiewarden at all: ``/`` (no banner), ``/data.json`` (not HTML),
  ``/slow`` (an image that never finishes, so the page never loads), ``/page-2`` and
  ``/page-3`` linked from ``/`` (a crawl), ``/missing`` linked too (404); also served as
  ``127.0.0.1``, a secure context, where ``/cookie-store`` writes a cookie with
  ``cookieStore.set`` from an inline script.

Every host name is mapped to 127.0.0.1 by :data:`RESOLVER_RULES` (``--browser-arg``).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cookiewarden import CookieWarden, Policy

RESOLVER_RULES = "--host-resolver-rules=MAP *.test 127.0.0.1"
TWO_YEARS = 2 * 365 * 86400
POLICY = """
version = "scan-fixture-1"
max_age = "365d"
unknown = "block"
consent_max_age = "180d"

[categories.necessary]
label = "Strictly necessary"
necessary = true
[categories.performance]
label = "Performance"
[categories.functionality]
label = "Functionality"
[categories.targeting]
label = "Targeting or advertising"

[[cookies]]
name = "sessionid"
category = "necessary"
lifetime = "session"

[[cookies]]
name = "_ga"
category = "performance"
lifetime = "2y"

[[cookies]]
name = "lang"
category = "functionality"
lifetime = "30d"

[[cookies]]
name = "tid"
category = "targeting"
lifetime = "90d"
provider = "tracker.test"

[[storage]]
name = "ab_variant"
category = "functionality"
area = "local"

[[hosts]]
host = "tracker.test"
category = "targeting"
"""
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  {guard}
  <title>A site for the scanner</title>
  <script src="/_consent/banner.js" defer></script>
  <script src="/static/tags.js"></script>
</head>
<body>
  <h1>A site for the scanner</h1>
  <button type="button" data-cookiewarden-open>Cookie settings</button>
</body>
</html>
"""
TAGS = """
document.cookie = "_ga=GA1.1.42.42; Max-Age={two_years}; Path=/";
document.cookie = "js_undeclared=1; Max-Age=3600; Path=/";
localStorage.setItem("ab_variant", "B");
localStorage.setItem("fp_blob", "x");
new Image().src = "https://tracker.test:{tracker}/pixel.gif";
"""
COOKIE_STORE = """<script>
  // An inline script, in a secure context (127.0.0.1): its writer is the page itself.
  window.written = cookieStore.set({name: "cs_pref", value: "1", expires: Date.now() + 3600e3});
</script>"""
PLAIN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>
"""
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def policy() -> Policy:
    """The fixture site's policy."""
    import tomllib

    return Policy.from_dict(tomllib.loads(POLICY), source="scan fixture policy")


def site_app(tracker_port: int, *, guarded: bool) -> Any:
    """The leaky site, or with ``guarded`` the same site enforced and guarded."""

    def home(request: Request) -> HTMLResponse:
        guard = '<script src="/_consent/guard.js"></script>' if guarded else ""
        response = HTMLResponse(PAGE.format(guard=guard))
        response.set_cookie("sessionid", "abc123", httponly=True)
        response.set_cookie("lang", "en", max_age=TWO_YEARS)
        response.set_cookie("srv_track", "1", max_age=3600)
        return response

    def tags(request: Request) -> Response:
        script = TAGS.format(two_years=TWO_YEARS, tracker=tracker_port)
        return Response(script, media_type="text/javascript")

    app = Starlette(routes=[Route("/", home), Route("/static/tags.js", tags)])
    return CookieWarden(
        app,
        policy=policy(),
        secret_keys=["scan-fixture-key"],
        consent_log=None,
        report_only=not guarded,
    )


def tracker_app() -> Any:
    """``tracker.test``: a pixel that sets a third-party cookie."""

    def pixel(request: Request) -> Response:
        response = Response(GIF, media_type="image/gif")
        response.set_cookie("tid", "t-1", max_age=90 * 86400, samesite="none", secure=True)
        return response

    return Starlette(routes=[Route("/pixel.gif", pixel)])


def plain_app() -> Any:
    """``plain.test``: no banner, and the bad pages."""

    def page(title: str, body: str = "") -> HTMLResponse:
        return HTMLResponse(PLAIN.format(title=title, body=body))

    async def hang(request: Request) -> StreamingResponse:
        async def never() -> Any:
            yield b"GIF89a"
            for _ in range(600):  # until the browser goes away (or a minute has passed)
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.1)

        return StreamingResponse(never(), media_type="image/gif")

    links = '<a href="/page-2">two</a> <a href="/page-3#top">three</a> <a href="/missing">x</a>'
    routes = [
        Route(
            "/",
            lambda r: page(
                "No banner here", links + ' <a href="https://elsewhere.test/">elsewhere</a>'
            ),
        ),
        Route("/page-2", lambda r: page("Page two", '<a href="/page-3">three</a>')),
        Route("/page-3", lambda r: page("Page three", '<a href="/">home</a>')),
        Route("/data.json", lambda r: JSONResponse({"not": "html"})),
        Route("/slow", lambda r: page("Never loads", '<img src="/hang" alt="">')),
        Route("/hang", hang),
        Route("/cookie-store", lambda r: page("cookieStore", COOKIE_STORE)),
    ]
    return Starlette(routes=routes)


def by_host(apps: dict[str, Any]) -> Any:
    """One ASGI app answering each ``Host`` (without its port) with its own app."""

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})
            return
        host = dict(scope["headers"]).get(b"host", b"").decode().rsplit(":", 1)[0]
        app = apps.get(host)
        if app is None:
            await send({"type": "http.response.start", "status": 421, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    return dispatch


def self_signed(directory: Path) -> tuple[Path, Path] | None:
    """A certificate and key for ``tracker.test``, made by ``openssl`` (``None`` without it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = directory / "tracker.pem", directory / "tracker.key"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=tracker.test",
            "-addext",
            "subjectAltName=DNS:tracker.test",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
