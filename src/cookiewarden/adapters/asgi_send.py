"""What the ASGI adapter's ``send`` does to a response, and the ASGI types it speaks.

Contract: :func:`send_judged` and :func:`send_lean` are bound (with :func:`functools.partial`)
to one request and handed to the app as its ``send``; only a response's start message
(``http.response.start``, ``websocket.accept``, ``websocket.http.response.start``) is touched:
its Set-Cookie headers, matched in any case, are replaced by what the engine returns, every
other header keeping its place and order (:func:`rewrite_start`). :class:`BannerInjector` holds
an HTML response back until its body is complete to add the page's tags (``inject_banner``).

Rules:
1. Never raise into the app or the server: a response whose headers cannot be read leaves with
   no cookie at all (:meth:`Exchange.fail_closed
   <cookiewarden.engine.responding.Exchange.fail_closed>`).
2. This runs for every message of every response: a header name whose length is not
   Set-Cookie's rules the header out at once, and the shortcuts written out inline say so.
3. Header bytes are decoded as UTF-8 with ``surrogateescape``, so every octet survives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..engine.page import PageCompiler
from ..engine.responding import Exchange
from ..rules.consent import Consent
from .inject import MAX_INJECT_BODY, inject, injectable

__all__ = [
    "START_TYPES",
    "ASGIApp",
    "BannerInjector",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "has_set_cookie",
    "raw",
    "rewrite_start",
    "send_judged",
    "send_lean",
    "text",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SET_COOKIE_LENGTH = len(b"set-cookie")
_ANY = (b"set-cookie", b"")  # a stand-in for headers that are not a list: always rewritten
START_TYPES = frozenset(
    {"http.response.start", "websocket.accept", "websocket.http.response.start"}
)


def text(raw: bytes) -> str:
    """Raw header bytes as text (UTF-8 with ``surrogateescape``: every octet survives)."""
    return raw.decode("utf-8", "surrogateescape")


def raw(text: str) -> bytes:
    """Text back to raw header bytes (the inverse of :func:`text`)."""
    return text.encode("utf-8", "surrogateescape")


def has_set_cookie(headers: list[Any]) -> bool:
    """Whether a response's raw header list may hold a Set-Cookie: a name of its length (the
    whole test, in any case, is :func:`~cookiewarden.engine.responding.is_set_cookie`, in the
    rewrite; this one only decides, cheaply, whether the rewrite is worth calling). Frameworks
    append Set-Cookie last, so the last name is tried first."""
    if not headers:
        return False
    if len(headers[-1][0]) == SET_COOKIE_LENGTH:
        return True
    for header in headers:  # noqa: SIM110 - a generator would cost more than the test
        if len(header[0]) == SET_COOKIE_LENGTH:
            return True
    return False


def send_judged(exchange: Exchange, send: Send, message: Message) -> Awaitable[None]:
    """``send`` for a request the engine read: a response start leaves with its Set-Cookie
    headers judged by ``exchange`` (and the deletions due); every other message passes as it
    is. A plain function that hands back the server's own awaitable: the rewrite is synchronous,
    so no coroutine is made for every message of every response."""
    if message["type"] in START_TYPES:
        headers = message.get("headers")
        if type(headers) is list:
            # rewrite_start for a header list, written out: this runs for every response.
            try:
                # A list without a name of Set-Cookie's length is rewritten only for the
                # deletions due.
                if has_set_cookie(headers) or exchange.has_work:
                    new = exchange.rewrite_raw_headers(headers)
                else:
                    new = None
            except Exception:
                new = exchange.fail_closed(headers)
            if new is not None:
                message = dict(message)
                message["headers"] = new
        else:
            message = rewrite_start(message, exchange)
    return send(message)


def send_lean(
    begin: Callable[[Scope], Exchange], scope: Scope, send: Send, message: Message
) -> Awaitable[None]:
    """``send`` for the lean path (a request without a ``Cookie`` header, for an engine without
    hooks): a response start whose headers hold a name of Set-Cookie's length is judged, by the
    exchange ``begin`` makes for the request then; every other message passes as it is."""
    if message["type"] == "http.response.start" and "headers" in message:
        headers = message["headers"]
        try:
            # has_set_cookie, written out: a call would cost more than the test.
            for header in headers if type(headers) is list else (_ANY,):
                if len(header[0]) == SET_COOKIE_LENGTH:
                    break
            else:
                return send(message)
        except Exception:  # not a header list: the rewrite fails closed
            pass
        message = rewrite_start(message, begin(scope))
    return send(message)


def rewrite_start(message: Message, exchange: Exchange) -> Message:
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
        if has_set_cookie(headers) or exchange.has_work:  # type: ignore[arg-type]
            new_headers = exchange.rewrite_raw_headers(headers)
    except Exception:
        new_headers = exchange.fail_closed(headers)
    if new_headers is not None:
        message = dict(message)
        message["headers"] = new_headers
    return message


class BannerInjector:
    """Holds back an HTML response until its body is complete, then adds the banner's tag.

    One per request (``inject_banner``); see :mod:`cookiewarden.adapters.inject` for the rules.
    """

    __slots__ = ("chunks", "consent", "consent_path", "next_send", "page", "size", "start")

    def __init__(
        self, next_send: Send, consent_path: str, page: PageCompiler, consent: Consent
    ) -> None:
        self.next_send = next_send
        self.consent_path = consent_path
        self.page = page  # names the visitor's state in the guard's URL, if a page gets it
        self.consent = consent
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = [(text(k), text(v)) for k, v in message.get("headers") or ()]
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
                        text(v)
                        for k, v in self.start.get("headers") or ()
                        if k.lower() == b"content-security-policy"
                    ),
                    None,
                )
                new = inject(body, self.consent_path, csp, self.page.token(self.consent))
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
