"""The consent path's static assets: the banner's script and style, and the page guard.

Contract: :func:`asset` answers ``GET`` of one of :data:`ASSET_PATHS` (the sub-path under
``consent_path``) for :func:`cookiewarden.web.endpoints.handle`, which adds the deletions due.

Rules:
1. The banner's script and style are the same for everyone: ``public``, an hour.
2. ``guard.js`` is the built guard with the rules the engine compiled for the request's host
   and the visitor's state, read from this request's ``Cookie`` header
   (:mod:`cookiewarden.engine.page`), so it is never for a shared cache (``private``,
   ``Vary: Cookie``).
3. Asked for under the token of that state (``?s=``, as the page's tags name it:
   :mod:`cookiewarden.web.page`), the browser may keep it a few minutes: a new choice is a new
   token, a new URL. Asked for under another token (a page a cache kept from before a choice),
   it is right for this request and kept nowhere (``no-store``). Asked for without one (a
   hand-written tag), the browser asks again on every page and is answered ``304`` while
   nothing changed (``ETag``).
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs

from .messages import EndpointRequest, EndpointResponse

if TYPE_CHECKING:
    from ..engine.core import Engine, Exchange

__all__ = ["ASSET_PATHS", "asset"]

_TYPES: Final = {
    "/banner.js": ("banner.min.js", "text/javascript; charset=utf-8"),
    "/banner.css": ("banner.css", "text/css; charset=utf-8"),
    "/guard.js": ("guard.min.js", "text/javascript; charset=utf-8"),
}
ASSET_PATHS: Final = frozenset(_TYPES)
"""The assets' paths under ``consent_path``."""

# Where the served guard takes its rules (the built script keeps this expression as it is).
_RULES_MARK: Final = b"self.__cookiewardenRules"
# Under its own state token, a few minutes in this browser's cache (the rules change with a
# deploy); never in a shared one (rule 3).
_GUARD_KEPT: Final = "private, max-age=300"


@cache
def _static(name: str) -> bytes:
    return resources.files("cookiewarden.web").joinpath("static", name).read_bytes()


def asset(
    engine: Engine, exchange: Exchange, request: EndpointRequest, sub: str
) -> EndpointResponse:
    """The answer to ``GET {consent_path}{sub}`` for one of :data:`ASSET_PATHS`."""
    name, ctype = _TYPES[sub]
    body = _static(name)
    headers = [("content-type", ctype), ("x-content-type-options", "nosniff")]
    if sub == "/guard.js":
        return _guard_script(engine, exchange, request, body, headers)
    headers.append(("cache-control", "public, max-age=3600"))  # rule 1
    return EndpointResponse(200, [*headers, ("content-length", str(len(body)))], body)


def _guard_script(
    engine: Engine,
    exchange: Exchange,
    request: EndpointRequest,
    script: bytes,
    headers: list[tuple[str, str]],
) -> EndpointResponse:
    """The guard with the rules for this host and this visitor's state (rules 2, 3)."""
    consent = exchange.consent
    rules = engine.page.script_rules(exchange.facts.host, consent)
    body = script.replace(_RULES_MARK, rules.encode())
    asked = parse_qs(request.query, keep_blank_values=True).get("s", [None])[0]
    headers.append(("vary", "Cookie"))
    if asked is not None and asked != engine.page.token(consent):
        headers.append(("cache-control", "no-store"))
    else:
        etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        headers += [
            ("cache-control", "private, no-cache" if asked is None else _GUARD_KEPT),
            ("etag", etag),
        ]
        seen = request.headers.get("if-none-match", "")
        if etag in (tag.strip().removeprefix("W/") for tag in seen.split(",")):
            return EndpointResponse(304, headers, b"")
    return EndpointResponse(200, [*headers, ("content-length", str(len(body)))], body)
