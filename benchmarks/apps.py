"""The apps under test and what they are called with: no timing, no targets here.

Contract: :func:`make_policy` is the policy every variant runs under (``large``: the one of
(d)); :class:`TokenMint` signs valid consent cookies before anything is timed; :func:`asgi_apps`
and :func:`wsgi_apps` build each interface's apps (bare, the do-nothing and send /
``start_response`` wrappers, the peer, cookiewarden under either policy), all on the same three
routes (``/`` sets three cookies, ``/plain`` none, ``/cold`` three never-seen values);
:func:`asgi_scope` and :func:`wsgi_environ` build one request; :func:`asgi_batch` and
:func:`wsgi_batch` time one batch of them, in nanoseconds.

Rules: the batch timers bind what they call to locals and do nothing per request but call the
app (and drain a WSGI body): they are the timed loop. Everything else runs before timing.
"""

from __future__ import annotations

import io
import itertools
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy
from cookiewarden.rules.consent import choose
from cookiewarden.rules.consent_codec import ConsentCodec

SECRET = "benchmark-secret-key-0123456789"
DAY = 86400
ALL = ["performance", "functionality", "targeting"]


# -- the policy -----------------------------------------------------------------------------


def make_policy(*, large: bool = False) -> Policy:
    """Four categories and the three cookies the routes set; ``large``: 1,000 + 100 globs."""
    cookies: list[dict[str, Any]] = [
        {"name": "sessionid", "category": "necessary", "lifetime": "session"},
        {"name": "_ga", "category": "performance", "lifetime": "2y"},
        {"name": "ads_id", "category": "targeting", "lifetime": "400d"},
    ]
    if large:
        categories = ["necessary", "performance", "functionality", "targeting"]
        cookies += [
            {"name": f"declared_{i:04d}", "category": categories[i % 4], "lifetime": "30d"}
            for i in range(1000 - len(cookies))
        ]
        cookies += [
            {"name": f"glob_{i:03d}_*", "category": categories[i % 4], "lifetime": "30d"}
            for i in range(100)
        ]
    return Policy.from_dict(
        {
            "version": "bench-1",
            "max_age": "365d",
            "unknown": "block",
            "consent_max_age": "180d",
            "gpc_refuses": ["targeting"],
            "categories": {
                "necessary": {"label": "Necessary", "necessary": True},
                "performance": {"label": "Performance"},
                "functionality": {"label": "Functionality"},
                "targeting": {"label": "Targeting"},
            },
            "cookies": cookies,
        }
    )


class TokenMint:
    """Signs distinct, valid ``cw_consent`` values (before the timed loops)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.codec = ConsentCodec(policy, [SECRET])
        self.now = time.time()

    def __call__(self, n: int = 0, granted: Sequence[str] = ALL) -> str:
        consent = choose(
            self.policy,
            list(granted),
            gpc=False,
            accept_all=False,
            method="banner",
            now=self.now - 60 - n % 86400,
            consent_id=f"bench{n:011d}",
        )
        return self.codec.dumps(consent)


_COLD = itertools.count()


def cold_values() -> tuple[str, str, str]:
    """Values no earlier response used (the cold route)."""
    n = next(_COLD)
    return f"s{n:012d}", f"GA1.1.{n}.1790000000", f"a{n:012x}"


# -- ASGI -----------------------------------------------------------------------------------


class DoNothing:
    """A pure ASGI middleware that passes everything through: what any middleware costs."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class SendWrapper:
    """A pure ASGI middleware that wraps ``send`` and does nothing else: the floor for any
    middleware that reads response headers (the send wrapper (a) is measured against)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def wrapped(message: Any) -> None:
            await send(message)

        await self.app(scope, receive, wrapped)


def asgi_apps(policy: Policy, large_policy: Policy) -> dict[str, Any]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def cookies(request: Request) -> PlainTextResponse:
        response = PlainTextResponse("hello")
        response.set_cookie("sessionid", "s0123456789abcdef", httponly=True)
        response.set_cookie("_ga", "GA1.1.123456789.1790000000", max_age=730 * DAY)
        response.set_cookie("ads_id", "a0123456789abcdef", max_age=400 * DAY)
        return response

    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    async def cold(request: Request) -> PlainTextResponse:
        session, ga, ads = cold_values()
        response = PlainTextResponse("hello")
        response.set_cookie("sessionid", session, httponly=True)
        response.set_cookie("_ga", ga, max_age=730 * DAY)
        response.set_cookie("ads_id", ads, max_age=400 * DAY)
        return response

    routes = [Route("/", cookies), Route("/plain", plain), Route("/cold", cold)]

    def warden(p: Policy) -> Middleware:
        return Middleware(CookieWarden, policy=p, secret_keys=[SECRET], consent_log=None)

    return {
        "bare": Starlette(routes=routes),
        "wrapper": Starlette(routes=routes, middleware=[Middleware(DoNothing)]),
        "send": Starlette(routes=routes, middleware=[Middleware(SendWrapper)]),
        "peer": Starlette(
            routes=routes, middleware=[Middleware(SessionMiddleware, secret_key=SECRET)]
        ),
        "cw": Starlette(routes=routes, middleware=[warden(policy)]),
        "cw_large": Starlette(routes=routes, middleware=[warden(large_policy)]),
    }


def asgi_scope(path: str, cookie: str | None) -> dict[str, Any]:
    headers = [
        (b"host", b"www.example.com"),
        (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) benchmark"),
        (b"accept", b"text/html,application/xhtml+xml"),
        (b"accept-language", b"en-GB,en;q=0.9"),
    ]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("www.example.com", 443),
    }


def session_cookie_asgi() -> str:
    """A valid Starlette session cookie, signed as SessionMiddleware signs it."""
    from base64 import b64encode

    import itsdangerous

    data = b64encode(json.dumps({"user": "alice", "cart": [1, 2, 3]}).encode())
    return itsdangerous.TimestampSigner(SECRET).sign(data).decode()


async def asgi_receive() -> dict[str, Any]:
    """An empty request body, at once."""
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


async def asgi_batch(app: Any, scopes: Sequence[dict[str, Any]]) -> int:
    receive, send, clock = asgi_receive, _send, time.perf_counter_ns
    start = clock()
    for scope in scopes:
        await app(scope.copy(), receive, send)
    return clock() - start


# -- WSGI -----------------------------------------------------------------------------------


def wsgi_apps(policy: Policy, large_policy: Policy) -> tuple[dict[str, Any], Any]:
    from flask import Flask, Response, session

    flask_app = Flask("benchmark")
    flask_app.secret_key = SECRET

    @flask_app.get("/")
    def cookies() -> Response:
        response = Response("hello", mimetype="text/plain")
        response.set_cookie("sessionid", "s0123456789abcdef", httponly=True)
        response.set_cookie("_ga", "GA1.1.123456789.1790000000", max_age=730 * DAY)
        response.set_cookie("ads_id", "a0123456789abcdef", max_age=400 * DAY)
        return response

    @flask_app.get("/plain")
    def plain() -> Response:
        return Response("hello", mimetype="text/plain")

    @flask_app.get("/cold")
    def cold() -> Response:
        session_id, ga, ads = cold_values()
        response = Response("hello", mimetype="text/plain")
        response.set_cookie("sessionid", session_id, httponly=True)
        response.set_cookie("_ga", ga, max_age=730 * DAY)
        response.set_cookie("ads_id", ads, max_age=400 * DAY)
        return response

    @flask_app.get("/peer")
    def peer() -> Response:
        # The peer: the same view, reading and writing the signed Flask session.
        session["visits"] = session.get("visits", 0) + 1
        return cookies()

    wsgi = flask_app.wsgi_app

    def do_nothing(environ: Any, start_response: Any) -> Any:
        return wsgi(environ, start_response)

    def start_wrapper(environ: Any, start_response: Any) -> Any:
        def wrapped(status: str, headers: Any, exc_info: Any = None) -> Any:
            return start_response(status, headers, exc_info)

        return wsgi(environ, wrapped)

    def warden(p: Policy) -> CookieWardenWSGI:
        return CookieWardenWSGI(wsgi, policy=p, secret_keys=[SECRET], consent_log=None)

    apps = {
        "bare": wsgi,
        "wrapper": do_nothing,
        "send": start_wrapper,
        "peer": wsgi,
        "cw": warden(policy),
        "cw_large": warden(large_policy),
    }
    return apps, flask_app


def wsgi_environ(path: str, cookie: str | None) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "www.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "www.example.com",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) benchmark",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
    return wsgi_write


def wsgi_write(data: bytes) -> None:
    """The ``write`` callable ``start_response`` returns: discards."""
    return None


def wsgi_batch(app: Any, environs: Sequence[dict[str, Any]]) -> int:
    start_response, clock = _start_response, time.perf_counter_ns
    start = clock()
    for environ in environs:
        result = app(environ.copy(), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return clock() - start
