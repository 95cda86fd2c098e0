"""One GET in-process: what the app answered, and every way it can fail as one line."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cookiewarden.tools.inprocess import AppFailed, StartupFailed, asgi_get, asgi_lifespan, wsgi_get

HEADERS = [("host", "example.com"), ("cookie", "a=1")]


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        assert (await receive())["type"] == "lifespan.startup"
        if scope["state"].get("fail"):
            await send({"type": "lifespan.startup.failed", "message": "no database"})
            return
        scope["state"]["started"] = True
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/boom":
        raise ValueError("broken view")
    if scope["path"] == "/silent":
        return
    cookie = dict(scope["headers"])[b"cookie"]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"Set-Cookie", b"seen=" + cookie),
                (b"set-cookie", "caf\u00e9=1".encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": scope["query_string"]})


def test_asgi_get_returns_the_status_and_every_set_cookie_in_order() -> None:
    reply = asyncio.run(asgi_get(asgi_app, "/?x=1", HEADERS, True, {}))
    assert reply.status == 200
    assert reply.set_cookies == ["seen=a=1", "caf\u00e9=1"]


@pytest.mark.parametrize(
    ("path", "why"),
    [("/boom", "raised ValueError: broken view"), ("/silent", "returned without sending")],
)
def test_asgi_get_turns_what_the_app_does_wrong_into_one_line(path: str, why: str) -> None:
    with pytest.raises(AppFailed, match=why):
        asyncio.run(asgi_get(asgi_app, path, HEADERS, False, {}))


def test_asgi_lifespan_starts_the_app_and_hands_back_its_shutdown() -> None:
    async def run() -> dict[str, Any]:
        state: dict[str, Any] = {}
        shutdown = await asgi_lifespan(asgi_app, state)
        assert shutdown is not None
        await shutdown()
        return state

    assert asyncio.run(run()) == {"started": True}


def test_a_failed_startup_and_an_app_without_lifespan() -> None:
    with pytest.raises(StartupFailed, match="startup failed: no database"):
        asyncio.run(asgi_lifespan(asgi_app, {"fail": True}))

    async def no_lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise RuntimeError("only http")

    assert asyncio.run(asgi_lifespan(no_lifespan, {})) is None


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ["PATH_INFO"] == "/fail":
        environ["wsgi.errors"].write("Traceback...\nKeyError: 'user'\n")
        start_response("500 Internal Server Error", [])
        return [b""]
    start_response(
        "201 Created",
        [
            ("Set-Cookie", "seen=" + environ["HTTP_COOKIE"]),
            ("X-Scheme", environ["wsgi.url_scheme"]),
        ],
    )
    return [b"ok"]


def test_wsgi_get_returns_the_status_and_the_set_cookies() -> None:
    reply = wsgi_get(wsgi_app, "/", HEADERS, True)
    assert (reply.status, reply.set_cookies) == (201, ["seen=a=1"])


def test_wsgi_get_reports_a_server_error_with_the_last_line_the_app_logged() -> None:
    with pytest.raises(AppFailed, match="answered 500: KeyError: 'user'"):
        wsgi_get(wsgi_app, "/fail", HEADERS, False)
