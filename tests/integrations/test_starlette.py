"""The Starlette example (``examples/starlette_app.py``) through ``starlette.testclient``.

The adapter contract, plus Starlette's websockets (accept and denial), streaming responses and
lifespan state next to the consent in ``request.state``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from examples import starlette_app
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket

from cookiewarden import CookieWarden

from .contract import (
    YEAR,
    AdapterContract,
    Client,
    deletion,
    httpx_response,
    no_cookie_jar,
)
from .contract import Response as RawResponse


async def echo(request: Request) -> Response:
    response = PlainTextResponse("echo")
    for value in request.query_params.getlist("set"):
        response.raw_headers.append((b"set-cookie", value.encode("latin-1")))
    return response


def make_client(app: Any) -> TestClient:
    """A test client with no cookie jar (raw Set-Cookie lists only)."""
    return TestClient(app, base_url="http://testserver", cookies=no_cookie_jar())


class TestStarlette(AdapterContract):
    def serve(self, **options: Any) -> Client:
        app = starlette_app.create_app(**options)
        app.router.routes.append(Route("/echo", echo))
        client = make_client(app)

        def request(
            method: str, target: str, *, headers: list[tuple[str, str]], body: bytes
        ) -> RawResponse:
            response = client.request(
                method, target, headers=headers, content=body, follow_redirects=False
            )
            return httpx_response(response)

        return request


def test_the_module_level_app_works_as_shipped() -> None:
    client = make_client(starlette_app.app)
    assert httpx_response(client.get("/")).names() == ["sessionid"]
    stored = httpx_response(client.post("/_consent", json={"granted": ["performance"]}))
    cookie = "cw_consent=" + stored.cookie("cw_consent").value
    page = httpx_response(client.get("/", headers={"cookie": cookie}))
    assert page.names() == ["sessionid", "_ga"]
    assert page.cookie("_ga").max_age == YEAR


# -- Starlette-specific ASGI behaviour ----------------------------------------------------------


@pytest.fixture
def options(example_policy: Any, keys: Any, clock: Any) -> dict[str, Any]:
    return {
        "policy": example_policy,
        "secret_keys": [keys.new],
        "clock": clock,
        "consent_log": None,
    }


async def ws_accept(websocket: WebSocket) -> None:
    consent = websocket.scope["state"]["consent"]
    await websocket.accept(
        headers=[
            (b"set-cookie", b"sessionid=w; Path=/"),
            (b"set-cookie", b"_ga=g; Max-Age=63072000"),
            (b"x-kept", b"yes"),
        ]
    )
    await websocket.send_json({"granted": sorted(consent.granted)})
    await websocket.close()


async def ws_deny(websocket: WebSocket) -> None:
    response = PlainTextResponse("go away", status_code=403)
    response.raw_headers += [(b"set-cookie", b"ads_id=1"), (b"set-cookie", b"sessionid=2")]
    await websocket.send_denial_response(response)


async def stream(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(300):
            yield f"{i:03d},".encode()

    response = StreamingResponse(chunks(), media_type="text/plain")
    response.set_cookie("_ga", "g", max_age=730 * 24 * 3600)
    response.set_cookie("sessionid", "s")
    return response


class TestStarletteASGI:
    def app(self, options: dict[str, Any], **kw: Any) -> Starlette:
        routes = [
            WebSocketRoute("/ws", ws_accept),
            WebSocketRoute("/deny", ws_deny),
            Route("/stream", stream),
        ]
        return Starlette(routes=routes, middleware=[Middleware(CookieWarden, **options)], **kw)

    def test_websocket_accept_headers_are_filtered(self, options: dict[str, Any]) -> None:
        client = make_client(self.app(options))
        with client.websocket_connect("/ws", headers={"cookie": "ads_id=1"}) as session:
            assert session.receive_json() == {"granted": ["necessary"]}
            assert session.extra_headers == [
                (b"set-cookie", b"sessionid=w; Path=/"),
                (b"set-cookie", deletion("ads_id").encode()),
                (b"x-kept", b"yes"),
            ]

    def test_websocket_accept_keeps_granted_cookies(
        self, options: dict[str, Any], mint: Any
    ) -> None:
        client = make_client(self.app(options))
        cookie = "cw_consent=" + mint(["performance"])
        with client.websocket_connect("/ws", headers={"cookie": cookie}) as session:
            assert session.receive_json() == {"granted": ["necessary", "performance"]}
            assert (b"set-cookie", f"_ga=g; Max-Age={YEAR}".encode()) in session.extra_headers

    def test_websocket_denial_response_is_filtered(self, options: dict[str, Any]) -> None:
        client = make_client(self.app(options))
        with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect("/deny"):
            pass  # pragma: no cover
        response = httpx_response(denied.value)
        assert response.status == 403
        assert response.set_cookies == ["sessionid=2"]

    def test_streaming_response_flows_in_order(self, options: dict[str, Any], mint: Any) -> None:
        client = make_client(self.app(options))
        cookie = "cw_consent=" + mint(["performance"])
        with client.stream("GET", "/stream", headers={"cookie": cookie}) as response:
            body = b"".join(response.iter_bytes())
            raw = httpx_response(response, body)
        assert body == b"".join(f"{i:03d},".encode() for i in range(300))
        assert raw.names() == ["_ga", "sessionid"]
        assert raw.cookie("_ga").max_age == YEAR

    def test_lifespan_runs_and_its_state_sits_next_to_the_consent(
        self, options: dict[str, Any]
    ) -> None:
        events: list[str] = []

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
            events.append("startup")
            yield {"started": time.monotonic()}
            events.append("shutdown")

        async def state(request: Request) -> JSONResponse:
            return JSONResponse(
                {
                    "lifespan": hasattr(request.state, "started"),
                    "decided": request.state.consent.decided,
                }
            )

        app = self.app(options, lifespan=lifespan)
        app.router.routes.append(Route("/state", state))
        with make_client(app) as client:
            assert events == ["startup"]
            assert client.get("/state").json() == {"lifespan": True, "decided": False}
        assert events == ["startup", "shutdown"]
