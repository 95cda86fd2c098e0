"""One GET to an ASGI or WSGI app, in-process: no server, no network, no framework imported.

Contract: :func:`asgi_get` and :func:`wsgi_get` send one ``GET`` with the given headers and
return the status and the raw Set-Cookie values the app answered with (:class:`Reply`);
:func:`asgi_lifespan` runs an ASGI app's startup and hands back its shutdown.

Rules:
1. What the app does wrong is an :class:`AppFailed` with one line of text: it raised, timed out
   (:data:`REQUEST_TIMEOUT`), sent no response, or answered 5xx (WSGI: with the last line it
   wrote to ``wsgi.errors``). A failed lifespan startup is :class:`StartupFailed`.
2. Set-Cookie values are kept as the app sent them (as text, every octet kept: UTF-8 with
   ``surrogateescape``), in order, never folded.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = [
    "REQUEST_TIMEOUT",
    "AppFailed",
    "Reply",
    "StartupFailed",
    "asgi_get",
    "asgi_lifespan",
    "split_path",
    "wsgi_get",
]

REQUEST_TIMEOUT = 30.0  # seconds one request (or the app's startup) may take


class StartupFailed(Exception):
    """The app's lifespan startup failed: ``str(error)`` is the one line to show."""


@dataclass(slots=True)
class Reply:
    """What the app answered: its status and its Set-Cookie values, in order."""

    status: int
    set_cookies: list[str]


class AppFailed(Exception):
    """The app raised, timed out, sent nothing or answered 5xx: ``str(error)`` says which."""


def split_path(path: str) -> tuple[str, str]:
    """A request target as (path, query); an empty path is ``/``.

    >>> split_path("/shop?page=2")
    ('/shop', 'page=2')
    >>> split_path("")
    ('/', '')
    """
    parts = urlsplit(path)
    return parts.path or "/", parts.query


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def asgi_lifespan(app: Any, state: dict[str, Any]) -> Callable[[], Any] | None:
    """Run the app's lifespan startup; return its shutdown, or ``None`` if it has none."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    task = asyncio.ensure_future(app(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    reply = asyncio.ensure_future(from_app.get())
    await asyncio.wait({task, reply}, timeout=REQUEST_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if not reply.done():
        # The app returned or raised without starting up: it has no lifespan (uvicorn's "auto").
        reply.cancel()
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it
        return None
    message = reply.result()
    if message["type"] == "lifespan.startup.failed":
        raise StartupFailed(f"the app's startup failed: {message.get('message') or 'no message'}")

    async def shutdown() -> None:
        await to_app.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(Exception):  # a failing shutdown does not change the audit
            await asyncio.wait_for(task, REQUEST_TIMEOUT)

    return shutdown


async def asgi_get(
    app: Any, path: str, headers: list[tuple[str, str]], https: bool, state: dict[str, Any]
) -> Reply:
    """``GET path`` from an ASGI 3 app, with ``headers`` (a ``host`` among them).

    :param state: the request's ``scope["state"]`` (the lifespan state, plus what the caller adds).
    :raises AppFailed: see the module's rule 1.
    """
    route, query = split_path(path)
    host = dict(headers)["host"]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https" if https else "http",
        "path": unquote_to_bytes(route).decode("utf-8", "replace"),
        "raw_path": route.encode("ascii", "replace"),
        "query_string": query.encode("ascii", "replace"),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": (host, 443 if https else 80),
        "state": state,
    }
    finished = asyncio.Event()
    asked = False
    reply: list[Reply] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not reply:
            cookies = [
                bytes(v).decode("utf-8", "surrogateescape")
                for k, v in message.get("headers", ())
                if bytes(k).lower() == b"set-cookie"
            ]
            reply.append(Reply(int(message["status"]), cookies))
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            finished.set()

    try:
        await asyncio.wait_for(app(scope, receive, send), REQUEST_TIMEOUT)
    except TimeoutError:
        raise AppFailed(f"did not answer within {REQUEST_TIMEOUT:.0f} s") from None
    except Exception as exc:
        raise AppFailed(f"raised {_why(exc)}") from None
    finally:
        finished.set()
    if not reply:
        raise AppFailed("returned without sending a response")
    return reply[0]


def wsgi_get(app: Any, path: str, headers: list[tuple[str, str]], https: bool) -> Reply:
    """``GET path`` from a WSGI app, with ``headers`` (a ``host`` among them); the body is read
    to the end and closed.

    :raises AppFailed: see the module's rule 1.
    """
    route, query = split_path(path)
    host = dict(headers)["host"]
    errors = io.StringIO()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(route).decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "443" if https else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if https else "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": errors,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    reply: list[Reply] = []

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        cookies = [
            v.encode("latin-1").decode("utf-8", "surrogateescape")
            for k, v in response_headers
            if k.lower() == "set-cookie"
        ]
        reply[:] = [Reply(int(status.split(None, 1)[0]), cookies)]
        return lambda data: None

    try:
        body = app(environ, start_response)
        try:
            for _chunk in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
    except Exception as exc:
        raise AppFailed(f"raised {_why(exc)}") from None
    if not reply:
        raise AppFailed("returned without calling start_response")
    if reply[0].status >= 500:
        lines = [line for line in errors.getvalue().splitlines() if line.strip()]
        if lines:
            raise AppFailed(f"answered {reply[0].status}: {lines[-1].strip()}")
    return reply[0]
