"""CookieWardenWSGI around a hand-written WSGI app, called with a built environ.

The adapter contract, plus what only WSGI has: ``exc_info``, the iterable's ``close()``, the
``write()`` callable, and latin-1 header strings.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs
from wsgiref.validate import validator

import pytest

from cookiewarden import CookieWardenWSGI, Policy

from .contract import (
    BANNER_TAG,
    AdapterContract,
    Client,
    deletion,
    run_wsgi,
    wsgi_client,
    wsgi_environ,
)

DAY = 24 * 3600
PAGE = f"""<!doctype html>
<html><head>{BANNER_TAG}</head><body>
<button data-cookiewarden-open>Cookie settings</button>
<script type="text/plain" data-cookiewarden-category="performance">
window.analyticsLoaded = true;
</script>
</body></html>""".encode()


def page_cookies() -> list[str]:
    """The four cookies of ``/``, as a framework would write them (``_ga`` with Expires too)."""
    ga_expires = formatdate(time.time() + 365 * DAY, usegmt=True)
    return [
        "sessionid=s-raw; Path=/; HttpOnly; SameSite=Lax",
        f"_ga=GA1.1.1.1; Expires={ga_expires}; Max-Age={365 * DAY}; Path=/",
        f"lang=en; Max-Age={365 * DAY}; Path=/",
        f"ads_id=a1; Max-Age={90 * DAY}; Path=/",
    ]


def raw_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """``/``, ``/whoami`` and ``/echo`` in plain WSGI."""
    path = environ["PATH_INFO"]
    headers: list[tuple[str, str]] = []
    body = b""
    status = "200 OK"
    if path == "/":
        headers = [("Content-Type", "text/html; charset=utf-8")]
        headers += [("Set-Cookie", value) for value in page_cookies()]
        body = PAGE
    elif path == "/whoami":
        consent = environ["cookiewarden.consent"]
        header = environ.get("HTTP_COOKIE", "")
        answer = {
            "granted": sorted(consent.granted),
            "decided": consent.decided,
            "cookies": dict(p.split("=", 1) for p in header.split("; ") if "=" in p),
        }
        headers = [("Content-Type", "application/json")]
        body = json.dumps(answer).encode()
    elif path == "/echo":
        query = parse_qs(environ["QUERY_STRING"], keep_blank_values=True)
        headers = [("Content-Type", "text/plain")]
        headers += [("Set-Cookie", v) for v in query.get("set", [])]
        body = b"echo"
    else:
        status = "404 Not Found"
    start_response(status, headers)
    return [body]


class TestRawWSGI(AdapterContract):
    def serve(self, **options: Any) -> Client:
        return wsgi_client(CookieWardenWSGI(raw_app, **options))


# -- WSGI only ----------------------------------------------------------------------------------


@pytest.fixture
def wrap(example_policy: Policy, keys: Any, clock: Callable[[], float]) -> Callable[..., Any]:
    """Wrap a WSGI app with the contract's options."""

    def wrap(app: Any, **options: Any) -> CookieWardenWSGI:
        return CookieWardenWSGI(
            app,
            policy=example_policy,
            secret_keys=[keys.new],
            clock=clock,
            consent_log=None,
            **options,
        )

    return wrap


def environ(cookie: str | None = None, path: str = "/") -> dict[str, Any]:
    headers = [] if cookie is None else [("Cookie", cookie)]
    return wsgi_environ("GET", path, headers)


class TestExcInfo:
    def test_exc_info_reaches_the_server_unchanged(self, wrap: Any) -> None:
        captured: list[Any] = []

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            start_response("200 OK", [("Set-Cookie", "_ga=1"), ("Content-Type", "text/plain")])
            try:
                raise RuntimeError("late failure")
            except RuntimeError:
                info = sys.exc_info()
                captured.append(info)
                start_response(
                    "500 Internal Server Error",
                    [
                        ("Content-Type", "text/plain"),
                        ("Set-Cookie", "sessionid=1"),
                        ("Set-Cookie", "ads_id=1"),
                    ],
                    info,
                )
            return [b"error page"]

        call = run_wsgi(wrap(app), environ())
        assert len(call.starts) == 2
        status, headers, exc_info = call.starts[1]
        assert status == "500 Internal Server Error"
        assert exc_info is captured[0]
        assert headers == [("Content-Type", "text/plain"), ("Set-Cookie", "sessionid=1")]
        assert call.response.body == b"error page"

    def test_exc_info_after_the_body_started_reraises(self, wrap: Any) -> None:
        def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
            start_response("200 OK", [("Content-Type", "text/plain")])
            yield b"partial"
            try:
                raise RuntimeError("too late")
            except RuntimeError:
                start_response("500 Internal Server Error", [], sys.exc_info())
            yield b"never"

        with pytest.raises(RuntimeError, match="too late"):
            run_wsgi(wrap(app), environ())


class ClosingBody:
    """A body iterable that counts ``close()`` calls."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed += 1


class TestClose:
    def test_close_is_called_exactly_once(self, wrap: Any) -> None:
        body = ClosingBody([b"a", b"b"])

        def app(environ: dict[str, Any], start_response: Any) -> ClosingBody:
            start_response("200 OK", [("Set-Cookie", "_ga=1")])
            return body

        call = run_wsgi(wrap(app), environ())
        assert call.response.body == b"ab"
        assert call.response.set_cookies == []
        assert body.closed == 1

    def test_the_apps_iterable_is_returned_as_is(self, wrap: Any) -> None:
        body = ClosingBody([b"x"])

        def app(environ: dict[str, Any], start_response: Any) -> ClosingBody:
            start_response("200 OK", [])
            return body

        assert wrap(app)(environ(), lambda status, headers, exc_info=None: None) is body
        assert body.closed == 0

    def test_generator_apps_start_lazily(self, wrap: Any, mint: Any) -> None:
        def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
            start_response("200 OK", [("Set-Cookie", "lang=en"), ("Set-Cookie", "_ga=1")])
            yield b"lazy"

        consent = "cw_consent=" + mint(["functionality"])
        call = run_wsgi(wrap(app), environ(consent))
        assert call.response.set_cookies == ["lang=en"]
        assert call.response.body == b"lazy"


class TestWrite:
    def test_write_style_app(self, wrap: Any) -> None:
        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            write = start_response(
                "200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", "ads_id=1")]
            )
            write(b"written ")
            write(b"directly")
            return []

        call = run_wsgi(wrap(app), environ("ads_id=old; sessionid=s"))
        assert call.response.body == b"written directly"
        assert call.response.headers == [
            ("Content-Type", "text/plain"),
            ("Set-Cookie", deletion("ads_id")),
        ]


class TestHeaders:
    def test_every_other_header_keeps_its_order(self, wrap: Any) -> None:
        headers = [
            ("X-First", "1"),
            ("Set-Cookie", "sessionid=s; Path=/"),
            ("X-Second", "2"),
            ("set-cookie", "_ga=g"),
            ("Content-Type", "text/plain"),
            ("SET-COOKIE", "lang=en"),
            ("X-First", "again"),
        ]

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            start_response("200 OK", headers)
            return [b""]

        assert run_wsgi(wrap(app), environ()).starts[0][1] == [
            ("X-First", "1"),
            ("Set-Cookie", "sessionid=s; Path=/"),
            ("X-Second", "2"),
            ("Content-Type", "text/plain"),
            ("X-First", "again"),
        ]

    def test_non_ascii_header_octets_survive_as_latin1(self, wrap: Any, mint: Any) -> None:
        value = "lang=caf\u00c3\u00a9; Path=/"  # "café" in UTF-8, as PEP 3333 latin-1 text

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            start_response("200 OK", [("Set-Cookie", value), ("X-Raw", "\u00ff")])
            return [b""]

        call = run_wsgi(wrap(app), environ("cw_consent=" + mint(["functionality"])))
        assert call.starts[0][1] == [("Set-Cookie", value), ("X-Raw", "\u00ff")]

    def test_the_app_sees_the_filtered_cookie_header(self, wrap: Any) -> None:
        seen: list[Any] = []

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            seen.append(environ.get("HTTP_COOKIE"))
            start_response("200 OK", [])
            return [b""]

        run_wsgi(wrap(app), environ("_ga=1; ads_id=2"))
        run_wsgi(wrap(app), environ("sessionid=1; _ga=2"))
        assert seen == [None, "sessionid=1"]

    def test_passes_wsgiref_validation_on_both_sides(self, wrap: Any) -> None:
        app = validator(wrap(validator(raw_app)))
        call = run_wsgi(app, environ("_ga=x"))
        assert call.response.status == 200
        assert call.response.set_cookies[0].startswith("sessionid=")
        assert call.response.set_cookies[1:] == [deletion("_ga")]

    def test_app_exceptions_propagate_unchanged(self, wrap: Any) -> None:
        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            raise KeyError("from the app")

        with pytest.raises(KeyError, match="from the app"):
            run_wsgi(wrap(app), environ())


class TestConsentEndpointWSGI:
    def test_https_consent_cookie_is_secure(self, wrap: Any) -> None:
        env = wsgi_environ("POST", "/_consent", [("Content-Type", "application/json")], b"{}")
        env["wsgi.url_scheme"] = "https"
        assert run_wsgi(wrap(raw_app), env).response.cookie("cw_consent").secure

    def test_trusted_proxy_scheme_makes_the_consent_cookie_secure(self, wrap: Any) -> None:
        headers = [("Content-Type", "application/json"), ("X-Forwarded-Proto", "https")]
        env = wsgi_environ("POST", "/_consent", headers, b"{}")
        response = run_wsgi(wrap(raw_app, trusted_proxies=1), env).response
        assert response.cookie("cw_consent").secure

    def test_chunked_body_without_content_length_is_read(self, wrap: Any) -> None:
        body = b'{"granted": ["performance"]}'
        env = wsgi_environ("POST", "/_consent", [("Content-Type", "application/json")], body)
        del env["CONTENT_LENGTH"]  # Transfer-Encoding: chunked; the server ends the stream
        env["HTTP_TRANSFER_ENCODING"] = "chunked"
        env["wsgi.input_terminated"] = True
        response = run_wsgi(wrap(raw_app), env).response
        assert response.json()["granted"] == ["necessary", "performance"]
