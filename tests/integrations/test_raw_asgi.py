"""CookieWarden around a hand-written ASGI app, called with scope/receive/send directly.

The adapter contract, plus what only ASGI has: websockets, streaming bodies, lifespan, header
lists in either shape, header order and capitalisation.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs

import pytest

from cookiewarden import CookieWarden, Policy

from .contract import (
    BANNER_TAG,
    YEAR,
    AdapterContract,
    Client,
    asgi_client,
    asgi_response,
    call_asgi,
    deletion,
    http_scope,
    run_asgi,
)

DAY = 24 * 3600
PAGE = f"""<!doctype html>
<html><head>{BANNER_TAG}</head><body>
<button data-cookiewarden-open>Cookie settings</button>
<script type="text/plain" data-cookiewarden-category="performance">
window.analyticsLoaded = true;
</script>
</body></html>""".encode()


def page_cookies() -> list[bytes]:
    """The four cookies of ``/``, as a framework would write them (``_ga`` with Expires too)."""
    ga_expires = formatdate(time.time() + 365 * DAY, usegmt=True)
    return [
        b"sessionid=s-raw; Path=/; HttpOnly; SameSite=Lax",
        f"_ga=GA1.1.1.1; Expires={ga_expires}; Max-Age={365 * DAY}; Path=/".encode(),
        f"lang=en; Max-Age={365 * DAY}; Path=/".encode(),
        f"ads_id=a1; Max-Age={90 * DAY}; Path=/".encode(),
    ]


def request_cookies(scope: dict[str, Any]) -> dict[str, str]:
    header = b"; ".join(v for k, v in scope["headers"] if k == b"cookie").decode("latin-1")
    return dict(p.split("=", 1) for p in header.split("; ") if "=" in p)


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``/``, ``/whoami`` and ``/echo`` in plain ASGI."""
    assert scope["type"] == "http"
    path = scope["path"]
    status = 200
    body = b""
    headers: list[tuple[bytes, bytes]] = []
    if path == "/":
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        headers += [(b"set-cookie", value) for value in page_cookies()]
        body = PAGE
    elif path == "/whoami":
        consent = scope["state"]["consent"]
        headers = [(b"content-type", b"application/json")]
        answer = {
            "granted": sorted(consent.granted),
            "decided": consent.decided,
            "cookies": request_cookies(scope),
        }
        body = json.dumps(answer).encode()
    elif path == "/echo":
        query = parse_qs(scope["query_string"].decode(), keep_blank_values=True)
        headers = [(b"set-cookie", v.encode("latin-1")) for v in query.get("set", [])]
        body = b"echo"
    else:
        status = 404
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class TestRawASGI(AdapterContract):
    def serve(self, **options: Any) -> Client:
        return asgi_client(CookieWarden(raw_app, **options))


# -- ASGI only ----------------------------------------------------------------------------------


@pytest.fixture
def wrap(example_policy: Policy, keys: Any, clock: Callable[[], float]) -> Callable[..., Any]:
    """Wrap an ASGI app with the contract's options."""

    def wrap(app: Any, **options: Any) -> CookieWarden:
        return CookieWarden(
            app,
            policy=example_policy,
            secret_keys=[keys.new],
            clock=clock,
            consent_log=None,
            **options,
        )

    return wrap


def app_sending(headers: Any, body: bytes = b"ok") -> Any:
    """An ASGI app whose start message carries ``headers`` exactly as given."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def run(app: Any, *, cookie: bytes | None = None) -> list[dict[str, Any]]:
    headers = [(b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return asyncio.run(run_asgi(app, http_scope("GET", "/", headers)))


class TestWebsocket:
    @staticmethod
    def connect(app: Any, cookie: bytes | None = None) -> tuple[list[dict[str, Any]], Any]:
        """Open a websocket to ``app``; return what the server received and the app's scope."""
        headers = [(b"host", b"testserver")]
        if cookie is not None:
            headers.append((b"cookie", cookie))
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/ws",
            "raw_path": b"/ws",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 51000),
            "server": ("testserver", 80),
            "subprotocols": [],
        }
        sent: list[dict[str, Any]] = []
        inbox = [{"type": "websocket.connect"}]

        async def receive() -> dict[str, Any]:
            if inbox:
                return inbox.pop(0)
            return {"type": "websocket.disconnect", "code": 1000}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(app(scope, receive, send))
        return sent, scope

    @staticmethod
    def accepting(headers: list[tuple[bytes, bytes]] | None) -> Any:
        seen: dict[str, Any] = {}

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            assert (await receive())["type"] == "websocket.connect"
            seen["consent"] = scope["state"]["consent"]
            seen["cookie"] = [v for k, v in scope["headers"] if k == b"cookie"]
            accept: dict[str, Any] = {"type": "websocket.accept"}
            if headers is not None:
                accept["headers"] = headers
            await send(accept)
            await send({"type": "websocket.send", "text": "hello"})
            await send({"type": "websocket.close", "code": 1000})

        app.seen = seen  # type: ignore[attr-defined]
        return app

    def test_accept_set_cookies_are_filtered(self, wrap: Any) -> None:
        app = self.accepting(
            [
                (b"set-cookie", b"sessionid=w; Path=/"),
                (b"x-a", b"1"),
                (b"set-cookie", b"_ga=1; Max-Age=63072000"),
                (b"Set-Cookie", b"tracker=1"),
            ]
        )
        sent, _ = self.connect(wrap(app))
        assert [m["type"] for m in sent] == [
            "websocket.accept",
            "websocket.send",
            "websocket.close",
        ]
        assert sent[0]["headers"] == [(b"set-cookie", b"sessionid=w; Path=/"), (b"x-a", b"1")]
        assert sent[1] == {"type": "websocket.send", "text": "hello"}

    def test_accept_keeps_granted_cookies_capped(self, wrap: Any, mint: Any) -> None:
        app = self.accepting([(b"set-cookie", b"_ga=1; Max-Age=63072000")])
        sent, _ = self.connect(wrap(app), cookie=b"cw_consent=" + mint(["performance"]).encode())
        assert sent[0]["headers"] == [(b"set-cookie", f"_ga=1; Max-Age={YEAR}".encode())]
        assert app.seen["consent"].allows("performance")

    def test_accept_without_headers_gains_deletions_of_refused_cookies(self, wrap: Any) -> None:
        app = self.accepting(None)
        sent, _ = self.connect(wrap(app), cookie=b"sessionid=1; _ga=2")
        assert sent[0]["headers"] == [(b"set-cookie", deletion("_ga").encode())]
        assert app.seen["cookie"] == [b"sessionid=1"]
        assert not app.seen["consent"].decided


class TestStreaming:
    def test_many_chunks_flow_untouched_in_order_without_buffering(self, wrap: Any) -> None:
        chunks = [f"chunk {i:04d}\n".encode() for i in range(500)]
        delivered: list[dict[str, Any]] = []

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            start = {"type": "http.response.start", "status": 200}
            start["headers"] = [(b"set-cookie", b"_ga=1"), (b"content-type", b"text/plain")]
            await send(start)
            for chunk in chunks:
                message = {"type": "http.response.body", "body": chunk, "more_body": True}
                await send(message)
                # The server has it already: nothing is held back.
                assert delivered[-1] is message
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def main() -> None:
            async def receive() -> dict[str, Any]:
                await asyncio.sleep(3600)
                raise AssertionError("unreachable")

            async def send(message: dict[str, Any]) -> None:
                delivered.append(message)

            scope = http_scope("GET", "/", [(b"host", b"testserver")])
            await wrap(app)(scope, receive, send)

        asyncio.run(main())
        assert delivered[0]["headers"] == [(b"content-type", b"text/plain")]
        bodies = [m["body"] for m in delivered[1:]]
        assert bodies == [*chunks, b""]
        assert [m.get("more_body") for m in delivered[1:]] == [True] * len(chunks) + [False]


class TestLifespan:
    def test_lifespan_passes_through_untouched(self, wrap: Any) -> None:
        events: list[str] = []
        seen_scopes: list[dict[str, Any]] = []

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen_scopes.append(scope)
            while True:
                message = await receive()
                events.append(message["type"])
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return inbox.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(wrap(app)(scope, receive, send))
        assert events == ["lifespan.startup", "lifespan.shutdown"]
        assert sent == [
            {"type": "lifespan.startup.complete"},
            {"type": "lifespan.shutdown.complete"},
        ]
        assert seen_scopes[0] is scope
        assert scope == {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}

    def test_unknown_scope_types_pass_through(self, wrap: Any) -> None:
        seen: list[Any] = []

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append((scope, receive, send))

        async def receive() -> dict[str, Any]:
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            raise AssertionError

        scope = {"type": "something-new"}
        asyncio.run(wrap(app)(scope, receive, send))
        assert seen == [(scope, receive, send)]


class TestHeaders:
    HEADERS = [
        (b"x-first", b"1"),
        (b"set-cookie", b"sessionid=s; Path=/"),
        (b"x-second", b"2"),
        (b"set-cookie", b"_ga=g; Max-Age=63072000"),
        (b"content-type", b"text/plain"),
        (b"set-cookie", b"lang=en"),
        (b"x-first", b"again"),
    ]

    @pytest.mark.parametrize(
        "shape",
        [
            pytest.param(lambda h: h, id="list-of-tuples"),
            pytest.param(lambda h: [list(p) for p in h], id="list-of-lists"),
            pytest.param(lambda h: tuple(h), id="tuple-of-tuples"),
            pytest.param(lambda h: tuple(list(p) for p in h), id="tuple-of-lists"),
            pytest.param(lambda h: (p for p in h), id="generator"),
        ],
    )
    def test_header_lists_in_any_shape(
        self, wrap: Any, mint: Any, shape: Callable[[list[Any]], Any]
    ) -> None:
        cookie = b"cw_consent=" + mint(["functionality"]).encode()
        response = asgi_response(run(wrap(app_sending(shape(self.HEADERS))), cookie=cookie))
        assert response.set_cookies == ["sessionid=s; Path=/", "lang=en"]

    @pytest.mark.parametrize(
        ("headers", "left"),
        [
            pytest.param(
                [(b"set-cookie", b"sessionid=1"), 42, (b"content-type", b"text/plain")],
                [(b"content-type", b"text/plain")],
                id="an-int-among-pairs",
            ),
            pytest.param(
                [(b"content-type", b"text/plain"), (b"set-cookie",)],
                [(b"content-type", b"text/plain")],
                id="a-pair-of-one",
            ),
            pytest.param(42, [], id="not-iterable"),
        ],
    )
    def test_malformed_header_lists_fail_closed_without_raising(
        self, wrap: Any, headers: Any, left: list[tuple[bytes, bytes]]
    ) -> None:
        # No cookie leaves, the server gets what can be sent, and nothing raises into the app.
        start = run(wrap(app_sending(headers)))[0]
        assert start["headers"] == left

    def test_every_other_header_keeps_its_order(self, wrap: Any) -> None:
        start = run(wrap(app_sending(self.HEADERS)))[0]
        assert start["headers"] == [
            (b"x-first", b"1"),
            (b"set-cookie", b"sessionid=s; Path=/"),
            (b"x-second", b"2"),
            (b"content-type", b"text/plain"),
            (b"x-first", b"again"),
        ]

    def test_capitalised_set_cookie_names_are_matched(self, wrap: Any) -> None:
        headers = [
            (b"Set-Cookie", b"_ga=1"),
            (b"SET-COOKIE", b"sessionid=1"),
            (b"Content-Type", b"text/plain"),
            (b"sEt-CoOkIe", b"ads_id=1"),
        ]
        start = run(wrap(app_sending(headers)))[0]
        assert start["headers"] == [
            (b"set-cookie", b"sessionid=1"),
            (b"Content-Type", b"text/plain"),
        ]

    def test_response_without_set_cookie_is_passed_as_is(self, wrap: Any) -> None:
        headers = [(b"content-type", b"text/plain"), (b"x-a", b"1")]
        start = run(wrap(app_sending(headers)))[0]
        assert start["headers"] == headers

    @pytest.mark.parametrize(
        "headers",
        [
            pytest.param([(b"content-type", b"text/plain")], id="no-ten-octet-name"),
            pytest.param([(b"connection", b"close"), (b"x-a", b"1")], id="connection"),
            pytest.param([], id="empty"),
        ],
    )
    def test_response_without_set_cookie_gains_due_deletions_last(
        self, wrap: Any, headers: list[tuple[bytes, bytes]]
    ) -> None:
        assert run(wrap(app_sending(headers)))[0]["headers"] == headers
        clearing = run(wrap(app_sending(headers)), cookie=b"lang=fr")[0]
        assert clearing["headers"] == [*headers, (b"set-cookie", deletion("lang").encode())]

    def test_start_without_headers_key_gains_only_due_deletions(self, wrap: Any) -> None:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await send({"type": "http.response.start", "status": 204})
            await send({"type": "http.response.body"})

        quiet = run(wrap(app))[0]
        assert quiet.get("headers", []) == []
        clearing = run(wrap(app), cookie=b"lang=fr")[0]
        assert clearing["headers"] == [(b"set-cookie", deletion("lang").encode())]

    def test_split_cookie_headers_are_read_together(self, wrap: Any) -> None:
        seen: list[Any] = []

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append([v for k, v in scope["headers"] if k == b"cookie"])
            await app_sending([])(scope, receive, send)

        scope = http_scope(
            "GET",
            "/",
            [(b"host", b"testserver"), (b"cookie", b"sessionid=1"), (b"cookie", b"_ga=2")],
        )
        start = asyncio.run(run_asgi(wrap(app), scope))[0]
        assert seen == [[b"sessionid=1"]]
        assert start["headers"] == [(b"set-cookie", deletion("_ga").encode())]

    @pytest.mark.parametrize("hooked", [False, True], ids=["raw-values", "with-a-hook"])
    def test_split_cookie_headers_reach_the_app_as_one_as_they_were_judged(
        self, wrap: Any, hooked: bool
    ) -> None:
        # Nothing to hide, yet the app gets one header joined with "; " (Django's ASGI handler
        # would join the pieces with ", ", making "ads,id=1" of two cookies).
        seen: list[Any] = []

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append([v for k, v in scope["headers"] if k == b"cookie"])
            await app_sending([])(scope, receive, send)

        headers = [
            (b"host", b"testserver"),
            (b"cookie", b"sessionid=1"),
            (b"cookie", b"csrftoken=2"),
        ]
        options = {"on_decision": lambda event: None} if hooked else {}
        asyncio.run(run_asgi(wrap(app, **options), http_scope("GET", "/", headers)))
        assert seen == [[b"sessionid=1; csrftoken=2"]]

    def test_app_exceptions_propagate_unchanged(self, wrap: Any) -> None:
        class Boom(Exception):
            pass

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            raise Boom("from the app")

        with pytest.raises(Boom, match="from the app"):
            run(wrap(app))

    def test_consent_lands_in_the_servers_state(self, wrap: Any, mint: Any) -> None:
        seen: list[Any] = []

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append(scope["state"])
            await app_sending([])(scope, receive, send)

        state = {"db": "from lifespan"}
        headers = [
            (b"host", b"testserver"),
            (b"cookie", b"cw_consent=" + mint(["targeting"]).encode()),
        ]
        scope = http_scope("GET", "/", headers)
        scope["state"] = state
        asyncio.run(run_asgi(wrap(app), scope))
        assert seen[0] is state
        assert state["db"] == "from lifespan"
        assert state["consent"].granted == {"necessary", "targeting"}


class TestConsentEndpointASGI:
    def test_https_consent_cookie_and_deletions_are_secure(self, wrap: Any) -> None:
        headers = [(b"content-type", b"application/json"), (b"cookie", b"_ga=1")]
        response = call_asgi(
            wrap(raw_app), "POST", "/_consent", headers=headers, body=b"{}", scheme="https"
        )
        stored = response.cookie("cw_consent")
        assert stored.secure
        assert response.set_cookies[1:] == [deletion("_ga") + "; Secure"]

    def test_trusted_proxy_scheme_makes_the_consent_cookie_secure(self, wrap: Any) -> None:
        headers = [(b"content-type", b"application/json"), (b"x-forwarded-proto", b"https")]
        app = wrap(raw_app, trusted_proxies=1)
        response = call_asgi(app, "POST", "/_consent", headers=headers, body=b"{}")
        assert response.cookie("cw_consent").secure
        untrusted = call_asgi(wrap(raw_app), "POST", "/_consent", headers=headers, body=b"{}")
        assert not untrusted.cookie("cw_consent").secure

    def test_body_in_many_chunks_is_read_whole(self, wrap: Any) -> None:
        parts = [b'{"gran', b'ted": ["perfor', b'mance"]}']
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": parts.pop(0), "more_body": bool(parts)}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
        asyncio.run(wrap(raw_app)(http_scope("POST", "/_consent", headers), receive, send))
        assert asgi_response(sent).json()["granted"] == ["necessary", "performance"]

    def test_split_cookie_headers_are_all_expired_on_withdrawal(self, wrap: Any) -> None:
        # HTTP/2 lets a browser split Cookie into several fields (RFC 9113 §8.2.3).
        headers = [
            (b"content-type", b"application/json"),
            (b"cookie", b"_ga=x"),
            (b"cookie", b"ads_id=y"),
        ]
        response = call_asgi(wrap(raw_app), "POST", "/_consent", headers=headers, body=b"{}")
        assert response.set_cookies[1:] == [deletion("_ga"), deletion("ads_id")]


def test_inject_banner_adds_the_banner_to_html(wrap: Any) -> None:
    html = b"<!doctype html><html><head></head><body>hello</body></html>"
    app = app_sending([(b"content-type", b"text/html; charset=utf-8")], body=html)
    response = asgi_response(run(wrap(app, inject_banner=True)))
    assert b'<script src="/_consent/banner.js"' in response.body
