"""The WSGI adapter: moves strings between a WSGI server and :mod:`cookiewarden.engine`.

Rules:
1. ``start_response`` is wrapped in a closure; its header list is rewritten there, ``exc_info``
   passes through, and the ``write`` callable it returns is the server's own.
2. Only Set-Cookie entries (matched case-insensitively) change; every other header keeps its
   place and order. The body iterable passes through, and its ``close()`` is the app's.
3. WSGI header strings are latin-1 (PEP 3333); they are turned into UTF-8 text with
   ``surrogateescape`` for the core and back, so every octet survives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .engine import Engine, Exchange
from .policy import Policy

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["CookieWardenWSGI"]


def _text(latin1: str) -> str:
    if latin1.isascii():
        return latin1
    return latin1.encode("latin-1", "replace").decode("utf-8", "surrogateescape")


def _wsgi(text: str) -> str:
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


class CookieWardenWSGI:
    """WSGI middleware that enforces a cookie policy on every response.

    The same behaviour as :class:`~cookiewarden.CookieWarden`, for WSGI apps: the consent is
    exposed as ``environ["cookiewarden.consent"]`` (Flask: ``request.environ``), refused cookies
    are hidden from ``HTTP_COOKIE``, the consent API is served under ``consent_path``, and every
    ``Set-Cookie`` passed to ``start_response`` is kept, rewritten or dropped by the policy.

    :param app: the WSGI application to wrap.
    :param policy: the :class:`~cookiewarden.Policy` to enforce.
    :param secret_keys: consent-cookie signing keys, newest last (rotation).
    :param options: see :class:`~cookiewarden.CookieWarden`.

    Usage (Flask)::

        app.wsgi_app = CookieWardenWSGI(app.wsgi_app, policy=policy, secret_keys=keys)

    Usage (Django)::

        application = CookieWardenWSGI(get_wsgi_application(), policy=policy, secret_keys=keys)
    """

    def __init__(
        self,
        app: WSGIApplication | Callable[..., Any],
        *,
        policy: Policy,
        secret_keys: Sequence[str],
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        self.app = app
        self.engine = Engine(policy, secret_keys, clock=clock, **options)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        engine = self.engine
        cookie = environ.get("HTTP_COOKIE")
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        path = _text(environ.get("PATH_INFO", "/"))
        trusted = engine.options.trusted_proxies
        facts = engine.request_facts(
            host=_text(host),
            scheme=environ.get("wsgi.url_scheme", "http"),
            path=path,
            forwarded_host=environ.get("HTTP_X_FORWARDED_HOST") if trusted else None,
            forwarded_proto=environ.get("HTTP_X_FORWARDED_PROTO") if trusted else None,
        )
        exchange = engine.begin(
            facts,
            None if cookie is None else _text(cookie),
            gpc=environ.get("HTTP_SEC_GPC", "").strip() == "1",
        )
        if engine.is_endpoint(environ.get("SCRIPT_NAME", "") + path):
            return self._endpoint(environ, start_response, exchange)

        environ["cookiewarden.consent"] = exchange.consent
        if exchange.app_cookie_header is not None:
            if exchange.app_cookie_header:
                environ["HTTP_COOKIE"] = _wsgi(exchange.app_cookie_header)
            else:
                del environ["HTTP_COOKIE"]

        def start_with_policy(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            new_headers = rewrite_headers(headers, exchange)
            if exc_info is None:
                return start_response(status, new_headers)
            return start_response(status, new_headers, exc_info)

        return self.app(environ, start_with_policy)

    def _endpoint(
        self, environ: WSGIEnvironment, start_response: StartResponse, exchange: Exchange
    ) -> Iterable[bytes]:
        from .endpoints import MAX_BODY, EndpointRequest

        method = environ.get("REQUEST_METHOD", "GET")
        body = b""
        too_large = False
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > MAX_BODY:
                too_large = True
            elif length > 0:
                body = environ["wsgi.input"].read(length)
        headers = {
            key[5:].replace("_", "-").lower(): _text(value)
            for key, value in environ.items()
            if key.startswith("HTTP_") and isinstance(value, str)
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = EndpointRequest(
            method=method,
            path=environ.get("SCRIPT_NAME", "") + _text(environ.get("PATH_INFO", "/")),
            query=_text(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=body,
            body_too_large=too_large,
            client=environ.get("REMOTE_ADDR"),
        )
        response = self.engine.endpoint(exchange, request)
        if response.record is not None:
            self.engine.record(response.record)  # commit before answering
        status = f"{response.status} {_REASONS.get(response.status, 'Status')}"
        start_response(status, [(k, _wsgi(v)) for k, v in response.headers])
        return [response.body]


_REASONS = {
    200: "OK",
    204: "No Content",
    303: "See Other",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


def rewrite_headers(
    headers: Sequence[tuple[str, str]], exchange: Exchange
) -> list[tuple[str, str]]:
    """Replace the Set-Cookie entries of a WSGI header list, keeping every other header's place."""
    first = -1
    values: list[str] = []
    for i, (key, value) in enumerate(headers):
        if len(key) == 10 and key.lower() == "set-cookie":
            if first < 0:
                first = i
            values.append(_text(value))
    if first < 0 and not exchange.has_work:
        return list(headers)
    new_values = exchange.response_headers(values)
    out: list[tuple[str, str]] = []
    for i, (key, value) in enumerate(headers):
        if i == first:
            out.extend(("Set-Cookie", _wsgi(v)) for v in new_values)
        if not (len(key) == 10 and key.lower() == "set-cookie"):
            out.append((key, value))
    if first < 0:
        out.extend(("Set-Cookie", _wsgi(v)) for v in new_values)
    return out
