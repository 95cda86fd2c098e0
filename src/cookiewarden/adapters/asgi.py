"""The ASGI adapter: moves bytes between an ASGI server and :mod:`cookiewarden.engine`.

Rules:
1. ``http`` and ``websocket`` scopes are handled; ``lifespan`` and anything else pass through
   untouched.
2. Only ``http.response.start``, ``websocket.accept`` and ``websocket.http.response.start`` are
   touched: their Set-Cookie headers (matched case-insensitively) are replaced by what the engine
   returns, every other header keeps its place and order. Bodies stream through untouched.
3. Per-request state lives in the closure of ``send``; nothing is stored on the middleware.
4. Header bytes are decoded as UTF-8 with ``surrogateescape``, so every octet survives the trip.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from asgiref.compatibility import guarantee_single_callable

from ..engine.core import Engine, Exchange
from ..rules.policy import Policy
from .asgi_send import (
    ASGIApp,
    BannerInjector,
    Receive,
    Scope,
    Send,
    raw,
    send_judged,
    send_lean,
    text,
)

__all__ = ["ASGIApp", "CookieWarden"]


class CookieWarden:
    """Pure ASGI middleware that enforces a cookie policy on every response.

    On each request it reads the visitor's signed ``cw_consent`` cookie, exposes the consent as
    ``scope["state"]["consent"]`` (Starlette/FastAPI: ``request.state.consent``), hides refused
    cookies from the app, serves the consent API and banner under ``consent_path``, and on the way
    out keeps, rewrites or drops every ``Set-Cookie`` by the policy. It fails closed: a header it
    cannot understand is dropped, and nothing it does raises into the app or the server.

    :param app: the ASGI application to wrap.
    :param policy: the :class:`~cookiewarden.Policy` to enforce.
    :param secret_keys: consent-cookie signing keys, newest last (rotation).
    :param options: ``report_only``, ``consent_path``, ``filter_request_cookies``,
        ``clear_refused``, ``secure_consent_cookie``, ``trusted_proxies``, ``consent_log``,
        ``inject_banner``, ``consent_required``, ``on_decision``, ``consent_cookie_domain``,
        ``consent_sources``, ``clock`` — see :class:`~cookiewarden.engine.core.Engine`.
    :raises ConfigurationError: for an invalid option; :class:`PolicyError` for a bad policy.

    Usage (Starlette/FastAPI)::

        app.add_middleware(CookieWarden, policy=Policy.from_toml("cookies.toml"),
                           secret_keys=[os.environ["COOKIEWARDEN_KEY"]])

    Usage (any ASGI app, Django included)::

        application = CookieWarden(get_asgi_application(), policy=policy, secret_keys=keys)
    """

    def __init__(
        self,
        app: ASGIApp | Callable[..., Any],
        *,
        policy: Policy,
        secret_keys: Sequence[str],
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        # ASGI 2 ("double callable") apps are adapted to ASGI 3 by asgiref.
        self.app: ASGIApp = guarantee_single_callable(app)  # type: ignore[no-untyped-call]
        self.engine = Engine(policy, secret_keys, clock=clock, **options)
        self._trusted_proxies = self.engine.options.trusted_proxies
        self._consent_path = self.engine.options.consent_path
        self._inject_banner = self.engine.inject_banner
        # Without a hook or a proxy to believe, the raw request values are all begin needs.
        self._by_raw_request = not (self._trusted_proxies or self.engine.wants_headers)
        # ...and a request without cookies always has the same consent (the lean path).
        self._consent_without_gpc = self.engine.consent_without_cookies(False)
        self._consent_with_gpc = self.engine.consent_without_cookies(True)
        # What a lean-path request's response builds its exchange with, bound once.
        self._lean_exchange: Callable[[Scope], Exchange] = self._begin_raw_exchange

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"] if "path" in scope else "/"  # noqa: SIM401 - a call costs more
        if self._by_raw_request:
            # No hook and no proxy to believe: the raw request values are all the engine needs,
            # read in one pass; a request without a Cookie header takes the lean path.
            host: bytes | None = None
            gpc = False
            headers = iter(scope["headers"])
            for key, value in headers:
                if key == b"cookie":
                    cookie: bytes | None = value
                    break
                if key == b"host":
                    host = value
                elif key == b"sec-gpc":
                    gpc = value.strip() == b"1"
            else:
                if kind == "http" and not path.startswith(self._consent_path):
                    # The lean path, written out here (a call costs every request): nothing to
                    # read, hide or clear, the same undecided consent every time, no exchange,
                    # no copy of the scope. The response is judged only if it has a header
                    # name of Set-Cookie's length (send_lean).
                    consent = self._consent_with_gpc if gpc else self._consent_without_gpc
                    if "state" in scope:  # not .get(): a call costs more than the test
                        scope["state"]["consent"] = consent
                    else:
                        scope["state"] = {"consent": consent}
                    lean: Send = partial(
                        send_lean, self._lean_exchange, scope, send
                    )  # cheaper than a closure
                    if self._inject_banner:
                        page = self.engine.page
                        lean = BannerInjector(lean, self._consent_path, page, consent).send
                    await self.app(scope, receive, lean)
                    return
                cookie = None
            split = False  # several Cookie headers (HTTP/2 crumbs), joined below
            for key, value in headers:  # the rest, after the first Cookie header
                if key == b"cookie":
                    # HTTP/2 may split the Cookie header; browsers join them with "; ".
                    cookie, split = cookie + b"; " + value, True  # type: ignore[operator]
                elif key == b"host":
                    host = value
                elif key == b"sec-gpc":
                    gpc = value.strip() == b"1"
            exchange = self.engine.begin_request(
                _server_name(scope) if host is None else host,
                scope.get("scheme", "http"),
                path,
                cookie,
                gpc=gpc,
            )
        else:
            exchange, cookie, split = self._begin(scope, path)
        engine = self.engine

        # Every consent-API path starts with consent_path: that cheap test comes first.
        if kind == "http" and path.startswith(self._consent_path) and engine.is_endpoint(path):
            await self._endpoint(scope, receive, send, exchange)
            return

        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["consent"] = exchange.consent
        app_cookie = exchange.app_cookie_header
        if app_cookie is not None or split:
            # The app sees one Cookie header: what the engine lets through, or the crumbs joined
            # as they were judged (Django's ASGI handler would join them with ", ").
            scope = dict(scope)
            kept = [(k, v) for k, v in scope["headers"] if k != b"cookie"]
            if app_cookie is None:
                kept.append((b"cookie", cookie))
            elif app_cookie:
                kept.append((b"cookie", raw(app_cookie)))
            scope["headers"] = kept

        judged: Send = partial(send_judged, exchange, send)  # no closure: see send_lean
        if self._inject_banner and kind == "http":
            judged = BannerInjector(judged, self._consent_path, engine.page, exchange.consent).send
        await self.app(scope, receive, judged)

    def _begin_raw_exchange(self, scope: Scope) -> Exchange:
        """The exchange of a lean-path request whose response sets a cookie after all."""
        return self._beginraw(scope)[0]

    def _beginraw(
        self, scope: Scope, path: str | None = None
    ) -> tuple[Exchange, bytes | None, bool]:
        """:meth:`Engine.begin_request` from the raw request values (no hook, no proxy); with
        the ``Cookie`` header it judged, and whether it came in several pieces."""
        cookie: bytes | None = None
        split = False
        host: bytes | None = None
        gpc = False
        for key, value in scope["headers"]:
            if key == b"cookie":
                # HTTP/2 may split the Cookie header; browsers join them with "; ".
                if cookie is None:
                    cookie = value
                else:
                    cookie, split = cookie + b"; " + value, True
            elif key == b"host":
                host = value
            elif key == b"sec-gpc":
                gpc = value.strip() == b"1"
        exchange = self.engine.begin_request(
            _server_name(scope) if host is None else host,
            scope.get("scheme", "http"),
            scope.get("path", "/") if path is None else path,
            cookie,
            gpc=gpc,
        )
        return exchange, cookie, split

    def _begin(self, scope: Scope, path: str) -> tuple[Exchange, bytes | None, bool]:
        """:meth:`Engine.begin` for a request whose proxies are believed or that a hook sees;
        with the ``Cookie`` header it judged, and whether it came in several pieces."""
        engine = self.engine
        cookie: bytes | None = None
        split = False
        host: bytes | None = None
        gpc = False
        fwd_host: bytes | None = None
        fwd_proto: bytes | None = None
        for key, value in scope["headers"]:
            if key == b"cookie":
                if cookie is None:
                    cookie = value
                else:
                    cookie, split = cookie + b"; " + value, True
            elif key == b"host":
                host = value
            elif key == b"sec-gpc":
                gpc = value.strip() == b"1"
            elif key == b"x-forwarded-host":
                fwd_host = value
            elif key == b"x-forwarded-proto":
                fwd_proto = value
        host_text = _server_name(scope) if host is None else text(host)
        scheme = scope.get("scheme", "http")
        if self._trusted_proxies:
            facts = engine.request_facts(
                host=host_text,
                scheme=scheme,
                path=path,
                forwarded_host=None if fwd_host is None else text(fwd_host),
                forwarded_proto=None if fwd_proto is None else text(fwd_proto),
            )
        else:
            facts = engine.facts(host_text, scheme, path)
        # Only a hook (consent_required, on_decision) reads the other headers.
        headers = (
            [(text(k), text(v)) for k, v in scope["headers"]] if engine.wants_headers else None
        )
        return engine.begin(facts, cookie, gpc=gpc, headers=headers), cookie, split

    async def _endpoint(
        self, scope: Scope, receive: Receive, send: Send, exchange: Exchange
    ) -> None:
        from ..web.endpoints import MAX_BODY, EndpointRequest, handle

        body = b""
        too_large = False
        if scope.get("method", "GET") in ("POST", "PUT", "PATCH", "DELETE"):
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                if len(body) + len(chunk) > MAX_BODY:
                    too_large = True
                else:
                    body += chunk
                more = message.get("more_body", False)
        request = EndpointRequest(
            method=scope.get("method", "GET"),
            path=scope.get("path", "/"),
            query=text(scope.get("query_string", b"")),
            headers=_headers_dict(scope["headers"]),
            body=body,
            body_too_large=too_large,
            client=(scope.get("client") or (None,))[0],
        )
        response = handle(self.engine, exchange, request)
        if response.record is not None:
            # Commit before answering, off the event loop so a slow disk blocks nobody else.
            await asyncio.to_thread(self.engine.record, response.record)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(raw(k.lower()), raw(v)) for k, v in response.headers],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def _server_name(scope: Scope) -> str:
    """The host a request without a ``Host`` header was sent to: the server's own name."""
    server = scope.get("server")
    return str(server[0]) if server else ""


def _headers_dict(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in raw:
        name = text(key).lower()
        if name in headers:
            # HTTP/2 may split the Cookie header; browsers join those with "; ", not ", ".
            sep = "; " if name == "cookie" else ", "
            headers[name] = f"{headers[name]}{sep}{text(value)}"
        else:
            headers[name] = text(value)
    return headers
