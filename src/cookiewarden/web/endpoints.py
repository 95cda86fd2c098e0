"""The consent API and the banner's assets, as sans-I/O request → response.

Contract (CONTRACT.md, "HTTP"): under ``consent_path``

- ``GET``     → 200 JSON: the visitor's consent, the policy's ``mode``, whether this request
  needs opt-in consent (``required``) and the policy's categories.
- ``POST``    → JSON ``{"granted": [...], "action"?: "accept_all"|"reject_all"|"custom"}`` or a
  form with repeated ``granted`` (and optional ``next``): stores the choice in ``cw_consent``,
  records it, expires cookies of refused categories, answers as GET (or 303 to ``next``).
- ``DELETE``  → withdraws everything but necessary.
- ``GET /banner.js``, ``/banner.css``, ``/declaration`` → the banner and the declaration.
- ``GET /guard.js`` → the page guard, with the rules the engine compiled for the request host
  (:mod:`cookiewarden.engine.page`) and the visitor's state as this request reads it.

Where the policy offers languages (:mod:`cookiewarden.web.languages`), the consent state is
answered in the one negotiated (``?lang``, ``Accept-Language``, the policy's own) with
``lang`` and the banner's ``strings``, and so is the declaration.

Rules:
1. POST and DELETE refuse cross-site requests: ``Sec-Fetch-Site: cross-site``, or an ``Origin``
   (lacking it, a ``Referer``) that is not the request's own origin → 403. A request with neither
   header (a non-browser client) is allowed.
2. ``next`` redirects only to same-site paths: one leading ``/``, no ``//``, no ``\\``, no scheme,
   no control characters; anything else redirects to ``/``.
3. Bodies over :data:`MAX_BODY` → 413; malformed JSON, a wrong shape or unknown categories → 400
   with a JSON error naming the problem.
4. The endpoints work fully in ``report_only``: the visitor's choice is explicit.
5. Nothing here does I/O: the record of a choice is returned for the adapter to commit.
6. Every answer carries the deletions the request side found due (refused cookies the browser
   sent), as the app's responses do: what the log announces, leaves; such an answer is
   ``private`` to caches.
7. The assets (the banner, the guard with its rules and the visitor's state) and how caches
   may keep them: :mod:`cookiewarden.web.assets`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..rules.consent import Consent, UnknownCategoryError, choose
from ..rules.cookies import parse_cookie_header
from ..rules.policy_entries import CONSENT_COOKIE
from .assets import ASSET_PATHS, asset
from .languages import answer_language, banner_strings, declaration_page
from .messages import MAX_BODY, EndpointRequest, EndpointResponse

if TYPE_CHECKING:
    from ..engine.core import Engine, Exchange

__all__ = ["MAX_BODY", "EndpointRequest", "EndpointResponse", "handle", "safe_next"]

_JSON = "application/json"
_NO_STORE = ("cache-control", "no-store")
_ACTIONS = frozenset({"accept_all", "reject_all", "custom"})


def _json(
    status: int, payload: object, extra: list[tuple[str, str]] | None = None
) -> EndpointResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = [("content-type", _JSON), _NO_STORE, ("content-length", str(len(body)))]
    return EndpointResponse(status, headers + (extra or []), body)


def _error(status: int, error: str, detail: str) -> EndpointResponse:
    return _json(status, {"error": error, "detail": detail})


def consent_json(
    engine: Engine, consent: Consent, *, required: bool = True, lang: str | None = None
) -> dict[str, Any]:
    """The GET answer for ``consent``; ``required``: whether this request needs opt-in consent
    (the banner does not pop up by itself where it does not); ``lang``: the language to answer
    in (the categories' texts, and ``lang`` and the banner's ``strings`` added), ``None`` for
    the policy as written."""
    policy = engine.policy if lang is None else engine.policy.localised(lang)
    answer = {
        "policy_version": policy.version,
        "decided": consent.decided,
        "granted": sorted(consent.granted),
        "gpc": consent.gpc,
        "mode": policy.mode,
        "required": required,
        "categories": [
            {
                "key": c.key,
                "label": c.label,
                "description": c.description,
                "necessary": c.necessary,
                "granted": consent.allows(c.key),
            }
            for c in policy.categories
        ],
    }
    if lang is not None:
        answer["lang"] = lang
        answer["strings"] = dict(banner_strings(lang))
    return answer


def safe_next(target: str | None) -> str:
    """``target`` when it is a same-site path, else ``"/"`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x21 or c == "\\" or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _same_origin(request: EndpointRequest, exchange: Exchange) -> bool:
    """Rule 1: the request comes from the site itself, or from no browser at all."""
    headers = request.headers
    if headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        return False
    claimed = headers.get("origin")
    if claimed is None:
        claimed = headers.get("referer")
        if claimed is None:
            return True
    try:
        parts = urlsplit(claimed.strip())
        port = parts.port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    own_scheme = "https" if exchange.facts.secure else "http"
    default = 443 if own_scheme == "https" else 80
    host_header = headers.get("host", "")
    try:
        own = urlsplit(f"//{host_header}")
        own_port = own.port or default
    except ValueError:
        return False
    # Trusted proxies: the engine already believed X-Forwarded-Host for the facts.
    own_host = exchange.facts.host
    return (
        parts.scheme.lower() == own_scheme
        and parts.hostname.lower().rstrip(".") == own_host
        and (port or (443 if parts.scheme.lower() == "https" else 80)) == own_port
    )


def _parse_choice(
    request: EndpointRequest,
) -> tuple[list[str], str, str | None, str] | EndpointResponse:
    """(granted keys, action, next, source) from a JSON or form body, or a 400/415 response."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(
                request.body.decode("utf-8"), keep_blank_values=True, max_num_fields=200
            )
        except (UnicodeDecodeError, ValueError) as exc:
            return _error(400, "malformed-form", str(exc))
        action = (form.get("action") or ["custom"])[-1]
        nxts = form.get("next")
        nxt = nxts[-1] if nxts else None
        return [k for k in form.get("granted", []) if k], action, nxt, "form"
    if ctype not in ("application/json", "") and not ctype.endswith("+json"):
        return _error(415, "unsupported-media-type", "send application/json or a form")
    if not request.body.strip():
        return _error(400, "malformed-json", 'empty body: send {"granted": [...]}')
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        return _error(400, "malformed-json", f"the body is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return _error(400, "malformed-json", 'expected an object like {"granted": ["performance"]}')
    granted = data.get("granted", [])
    if not isinstance(granted, list) or not all(isinstance(k, str) for k in granted):
        return _error(400, "bad-granted", "'granted' must be a list of category keys")
    action = data.get("action", "custom")
    source = data.get("source", "api")
    return granted, action, None, "banner" if source == "banner" else "api"


def handle(engine: Engine, exchange: Exchange, request: EndpointRequest) -> EndpointResponse:
    """Answer one consent-API request. Never raises for any input."""
    response = _answer(engine, exchange, request)
    changing = request.method.upper() in ("POST", "DELETE")  # a choice writes its own deletions
    due = () if engine.options.report_only or changing else exchange.deletions
    if due:  # rule 6
        written = {v.split("=", 1)[0] for k, v in response.headers if k == "set-cookie"}
        extra = [("set-cookie", d) for d in due if d.split("=", 1)[0] not in written]
        # What this visitor's browser must delete is no answer for a shared cache to keep.
        headers = [
            (k, "private" + v[6:] if k == "cache-control" and v.startswith("public") else v)
            for k, v in response.headers
        ]
        response = EndpointResponse(
            response.status, headers + extra, response.body, response.record
        )
    return response


def _cookies(request: EndpointRequest) -> list[tuple[str, str]]:
    return parse_cookie_header(request.headers.get("cookie", ""))


def _answer(engine: Engine, exchange: Exchange, request: EndpointRequest) -> EndpointResponse:
    sub = request.path[len(engine.options.consent_path) :]
    method = request.method.upper()
    if sub in ("", "/"):
        if method in ("GET", "HEAD"):
            lang = answer_language(engine.policy, request.query, request.headers)
            payload = consent_json(engine, exchange.consent, required=exchange.required, lang=lang)
            return _json(200, payload)
        if method in ("POST", "DELETE"):
            return _change(engine, exchange, request, method)
        return _json(
            405, {"error": "method-not-allowed", "detail": method}, [("allow", "GET, POST, DELETE")]
        )
    if sub in ASSET_PATHS:
        if method not in ("GET", "HEAD"):
            return _json(405, {"error": "method-not-allowed", "detail": method}, [("allow", "GET")])
        return asset(engine, exchange, request, sub)
    if sub == "/declaration" and method in ("GET", "HEAD"):
        body, negotiated = declaration_page(
            engine.policy, engine.options.consent_path, request.query, request.headers
        )
        return EndpointResponse(
            200,
            [
                ("content-type", "text/html; charset=utf-8"),
                ("content-length", str(len(body))),
                ("cache-control", "public, max-age=300"),
                *negotiated,
            ],
            body,
        )
    return _error(404, "not-found", sub)


def _change(
    engine: Engine, exchange: Exchange, request: EndpointRequest, method: str
) -> EndpointResponse:
    if not _same_origin(request, exchange):
        return _error(403, "cross-site", "consent can only be changed from this site")
    if request.body_too_large:
        return _error(413, "too-large", f"the body is over {MAX_BODY} bytes")
    gpc = exchange.consent.gpc
    nxt: str | None = None
    if method == "DELETE":
        granted: list[str] = []
        action = "reject_all"
        source = "withdraw"
    else:
        parsed = _parse_choice(request)
        if isinstance(parsed, EndpointResponse):
            return parsed
        granted, action, nxt, source = parsed
        if action not in _ACTIONS:
            return _error(400, "bad-action", f"'action' must be one of {sorted(_ACTIONS)}")
        if source == "form":
            source = "api"
        if action != "custom":
            # "Accept all" means every category except what GPC refuses; only switching a
            # category on by itself ("custom") overrides GPC. The list sent along is ignored.
            granted = []
    now = engine.clock()
    try:
        consent = choose(
            engine.policy,
            granted,
            gpc=gpc,
            accept_all=action == "accept_all",
            method=source,
            now=now,
            consent_id=exchange.consent.consent_id,
        )
    except UnknownCategoryError as exc:
        return _error(400, "unknown-category", f"unknown category keys: {', '.join(exc.keys)}")

    set_cookies = [engine.issuer.cookie(consent, exchange.facts)]
    if any(name == CONSENT_COOKIE for name, _ in _cookies(request)):
        # A host-only cw_consent from before consent_cookie_domain: expired, before the shared
        # one is set, so that only the shared one remains.
        old = engine.issuer.host_only_deletion(exchange.facts)
        if old is not None:
            set_cookies.insert(0, old)
    set_cookies.extend(_expire_refused(engine, exchange, request, consent))
    record = engine.make_record(
        consent,
        source=_record_method(source, action, gpc),
        client=request.client,
        user_agent=request.headers.get("user-agent"),
        forwarded_for=request.headers.get("x-forwarded-for"),
    )
    extra = [("set-cookie", h) for h in set_cookies]
    if nxt is not None:
        location = safe_next(nxt)
        return EndpointResponse(
            303,
            [("location", location), _NO_STORE, ("content-length", "0"), *extra],
            b"",
            record,
        )
    lang = answer_language(engine.policy, request.query, request.headers)
    payload = consent_json(engine, consent, required=exchange.required, lang=lang)
    response = _json(200, payload, extra)
    return EndpointResponse(response.status, response.headers, response.body, record)


def _record_method(source: str, action: str, gpc: bool) -> str:
    if source == "withdraw":
        return "withdraw"
    if gpc and action == "accept_all":
        return "gpc"
    return source


def _expire_refused(
    engine: Engine, exchange: Exchange, request: EndpointRequest, consent: Consent
) -> list[str]:
    """Deletions for refused declared cookies: the ones the browser sent, and the ones declared
    with a path this endpoint cannot see (the browser would not send them here)."""
    sent = [name for name, _ in _cookies(request)]
    unseen = [
        r.name
        for r in engine.policy.cookies
        if not r.is_glob and r.path not in (None, "/") and not consent.allows(r.category)
    ]
    return engine.deletions_for([*sent, *unseen], consent, secure=exchange.facts.secure)
