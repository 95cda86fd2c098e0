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
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from functools import partial
from typing import Any

from asgiref.compatibility import guarantee_single_callable

from ..engine.core import Engine, Exchange
from ..rules.policy import Policy
from .inject import MAX_INJECT_BODY, banner_tag, inject, injectable

__all__ = ["ASGIApp", "CookieWarden"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SET_COOKIE_LENGTH = len(b"set-cookie")
_ANY = (b"set-cookie", b"")  # a stand-in for headers that are not a list: always rewritten
_START_TYPES = frozenset(
    {"http.response.start", "websocket.accept", "websocket.http.response.start"}
)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


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
        ``consent_sources``, ``clock`` — see :class:`~cookiewarden.engine.Engine`.
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
                    # name of Set-Cookie's length (_send_lean).
                    consent = self._consent_with_gpc if gpc else self._consent_without_gpc
                    if "state" in scope:  # not .get(): a call costs more than the test
                        scope["state"]["consent"] = consent
                    else:
                        scope["state"] = {"consent": consent}
                    lean: Send = partial(_send_lean, self, scope, send)  # cheaper than a closure
                    if self._inject_banner:
                        lean = _BannerInjector(lean, self._consent_path).send
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
                kept.append((b"cookie", _raw(app_cookie)))
            scope["headers"] = kept

        judged: Send = partial(_send_judged, exchange, send)  # no closure: see _send_lean
        if self._inject_banner and kind == "http":
            judged = _BannerInjector(judged, self._consent_path).send
        await self.app(scope, receive, judged)

    def _begin_raw(
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
        host_text = _server_name(scope) if host is None else _text(host)
        scheme = scope.get("scheme", "http")
        if self._trusted_proxies:
            facts = engine.request_facts(
                host=host_text,
                scheme=scheme,
                path=path,
                forwarded_host=None if fwd_host is None else _text(fwd_host),
                forwarded_proto=None if fwd_proto is None else _text(fwd_proto),
            )
        else:
            facts = engine.facts(host_text, scheme, path)
        # Only a hook (consent_required, on_decision) reads the other headers.
        headers = (
            [(_text(k), _text(v)) for k, v in scope["headers"]] if engine.wants_headers else None
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
            query=_text(scope.get("query_string", b"")),
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
                "headers": [(_raw(k.lower()), _raw(v)) for k, v in response.headers],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def _may_be_set_cookie(name: bytes) -> bool:
    """Whether a raw header name may be ``Set-Cookie``: it is ten octets long. The whole test
    (in any case) is :func:`~cookiewarden.engine.responding.is_set_cookie`, in the rewrite;
    this one only decides, cheaply, whether the rewrite is worth calling."""
    return len(name) == _SET_COOKIE_LENGTH


def _has_set_cookie(headers: list[Any]) -> bool:
    """Whether a response's raw header list may hold a Set-Cookie (see
    :func:`_may_be_set_cookie`). Frameworks append Set-Cookie last, so the last name is
    tried first."""
    if not headers:
        return False
    if len(headers[-1][0]) == _SET_COOKIE_LENGTH:  # _may_be_set_cookie, inlined: hot path
        return True
    for header in headers:  # noqa: SIM110 - a generator would cost more than the test
        if len(header[0]) == _SET_COOKIE_LENGTH:
            return True
    return False


def _send_judged(exchange: Exchange, send: Send, message: Message) -> Awaitable[None]:
    """``send`` for a request the engine read: a response start leaves with its Set-Cookie
    headers judged by ``exchange`` (and the deletions due); every other message passes as it
    is. A plain function that hands back the server's own awaitable: the rewrite is synchronous,
    so no coroutine is made for every message of every response."""
    if message["type"] in _START_TYPES:
        headers = message.get("headers")
        if type(headers) is list:
            # _rewrite_start for a header list, written out: this runs for every response.
            try:
                for header in headers:
                    if len(header[0]) == _SET_COOKIE_LENGTH:  # may be Set-Cookie
                        new = exchange.rewrite_raw_headers(headers)
                        break
                else:
                    new = exchange.rewrite_raw_headers(headers) if exchange.has_work else None
            except Exception:
                new = exchange.fail_closed(headers)
            if new is not None:
                message = dict(message)
                message["headers"] = new
        else:
            message = _rewrite_start(message, exchange)
    return send(message)


def _send_lean(warden: CookieWarden, scope: Scope, send: Send, message: Message) -> Awaitable[None]:
    """``send`` for the lean path (a request without a ``Cookie`` header, for an engine without
    hooks): a response start whose headers hold a name of Set-Cookie's length is judged, by an
    exchange made then; every other message passes as it is."""
    if message["type"] == "http.response.start" and "headers" in message:
        headers = message["headers"]
        try:
            # _has_set_cookie, written out: a call would cost more than the test.
            for header in headers if type(headers) is list else (_ANY,):
                if len(header[0]) == _SET_COOKIE_LENGTH:
                    break
            else:
                return send(message)
        except Exception:  # not a header list: the rewrite fails closed
            pass
        message = _rewrite_start(message, warden._begin_raw(scope)[0])
    return send(message)


def _rewrite_start(message: Message, exchange: Exchange) -> Message:
    """A response's start message with its Set-Cookie headers judged (rule 2), or the message
    itself when nothing changes. Never raises: a failure leaves with no cookie at all."""
    headers = message.get("headers")
    if headers is None:
        headers = ()
    elif type(headers) is not list:
        try:
            headers = list(headers)  # any iterable: it is read more than once below
        except Exception:  # not even iterable: nothing of it leaves
            headers = exchange.fail_closed(())
        message = dict(message)
        message["headers"] = headers
    new_headers = None
    try:
        # A response with no header name of Set-Cookie's length needs no rewrite, unless
        # deletions are due: then no lookup is made at all.
        if _has_set_cookie(headers) or exchange.has_work:  # type: ignore[arg-type]
            new_headers = exchange.rewrite_raw_headers(headers)
    except Exception:
        new_headers = exchange.fail_closed(headers)
    if new_headers is not None:
        message = dict(message)
        message["headers"] = new_headers
    return message


def _server_name(scope: Scope) -> str:
    """The host a request without a ``Host`` header was sent to: the server's own name."""
    server = scope.get("server")
    return str(server[0]) if server else ""


def _headers_dict(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in raw:
        name = _text(key).lower()
        if name in headers:
            # HTTP/2 may split the Cookie header; browsers join those with "; ", not ", ".
            sep = "; " if name == "cookie" else ", "
            headers[name] = f"{headers[name]}{sep}{_text(value)}"
        else:
            headers[name] = _text(value)
    return headers


class _BannerInjector:
    """Holds back an HTML response until its body is complete, then adds the banner's tag.

    One per request (``inject_banner``); see :mod:`cookiewarden.inject` for the rules.
    """

    __slots__ = ("chunks", "consent_path", "next_send", "size", "start")

    def __init__(self, next_send: Send, consent_path: str) -> None:
        self.next_send = next_send
        self.consent_path = consent_path
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = [(_text(k), _text(v)) for k, v in message.get("headers") or ()]
            if injectable(int(message.get("status", 200)), headers):
                self.start = message  # don't send it until the body tells what to change
                return
        elif kind == "http.response.body" and self.start is not None:
            chunk = bytes(message.get("body", b""))
            self.chunks.append(chunk)
            self.size += len(chunk)
            more = bool(message.get("more_body", False))
            if self.size > MAX_INJECT_BODY:
                await self._flush(b"".join(self.chunks), more, changed=False)
            elif not more:
                body = b"".join(self.chunks)
                csp = next(
                    (
                        _text(v)
                        for k, v in self.start.get("headers") or ()
                        if k.lower() == b"content-security-policy"
                    ),
                    None,
                )
                new = inject(body, banner_tag(self.consent_path, csp), self.consent_path)
                await self._flush(body if new is None else new, False, changed=new is not None)
            return
        await self.next_send(message)

    async def _flush(self, body: bytes, more: bool, *, changed: bool) -> None:
        start = self.start
        assert start is not None
        self.start = None
        self.chunks = []
        if changed:
            headers = [
                (k, v) for k, v in start.get("headers") or () if k.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(body)).encode()))
            start = {**start, "headers": headers}
        await self.next_send(start)
        await self.next_send({"type": "http.response.body", "body": body, "more_body": more})


def rewrite_headers(
    headers: Sequence[tuple[bytes, bytes]] | Sequence[list[bytes]], exchange: Exchange
) -> list[tuple[bytes, bytes]] | None:
    """Replace the Set-Cookie entries of a raw ASGI header list; ``None`` when nothing changes.

    See :meth:`~cookiewarden.engine.Exchange.rewrite_raw_headers`.
    """
    return exchange.rewrite_raw_headers(headers)
