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
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ..engine.core import Engine, Exchange
from ..rules.consent import Consent
from ..rules.policy import Policy
from .inject import MAX_INJECT_BODY, inject, injectable

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["CookieWardenWSGI"]

_SET_COOKIE_LENGTH = len("set-cookie")


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
        self._consent_path = self.engine.options.consent_path
        # Without a hook or a proxy to believe, a request without cookies always has the same
        # consent (the lean path).
        self._by_raw_request = not (
            self.engine.options.trusted_proxies or self.engine.wants_headers
        )
        self._consent_without_gpc = self.engine.consent_without_cookies(False)
        self._consent_with_gpc = self.engine.consent_without_cookies(True)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (
            self._by_raw_request
            and "HTTP_COOKIE" not in environ
            and not (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")).startswith(
                self._consent_path
            )
        ):
            # The lean path: no Cookie header, so nothing to read, hide or clear, and the same
            # undecided consent every time; no exchange is made unless the app sets a cookie.
            gpc = environ.get("HTTP_SEC_GPC", "").strip() == "1"
            environ["cookiewarden.consent"] = (
                self._consent_with_gpc if gpc else self._consent_without_gpc
            )
            lean = partial(_start_lean, self, environ, start_response)  # cheaper than a closure
            if self.engine.inject_banner:
                return self._with_banner(environ, lean, environ["cookiewarden.consent"])
            return self.app(environ, lean)
        return self._read(environ, start_response)

    def _read(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A request with a ``Cookie`` header, for the consent API, or one that a hook sees or
        whose proxies are believed: read, hidden and cleared by the engine."""
        engine = self.engine
        cookie = environ.get("HTTP_COOKIE")
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        path = _text(environ.get("PATH_INFO", "/"))
        gpc = environ.get("HTTP_SEC_GPC", "").strip() == "1"
        scheme = environ.get("wsgi.url_scheme", "http")
        cookie_text = None if cookie is None else _text(cookie)
        if not (engine.options.trusted_proxies or engine.wants_headers):
            # No hook and no proxy to believe: one lookup on the raw request values.
            exchange = engine.begin_request(_text(host), scheme, path, cookie_text, gpc=gpc)
        else:
            if engine.options.trusted_proxies:
                facts = engine.request_facts(
                    host=_text(host),
                    scheme=scheme,
                    path=path,
                    forwarded_host=environ.get("HTTP_X_FORWARDED_HOST"),
                    forwarded_proto=environ.get("HTTP_X_FORWARDED_PROTO"),
                )
            else:
                facts = engine.facts(_text(host), scheme, path)
            exchange = engine.begin(
                facts,
                cookie_text,
                gpc=gpc,
                # Only a hook (consent_required, on_decision) reads the other headers.
                headers=_header_pairs(environ) if engine.wants_headers else None,
            )
        full_path = environ.get("SCRIPT_NAME", "") + path
        # Every consent-API path starts with consent_path: that cheap test comes first.
        if full_path.startswith(self._consent_path) and engine.is_endpoint(full_path):
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
            try:
                new_headers = rewrite_headers(headers, exchange)
            except Exception:
                new_headers = exchange.fail_closed(headers)
            if exc_info is None:
                return start_response(status, new_headers)
            return start_response(status, new_headers, exc_info)

        if engine.inject_banner:
            return self._with_banner(environ, start_with_policy, exchange.consent)
        return self.app(environ, start_with_policy)

    def begin_lean(self, environ: WSGIEnvironment) -> Exchange:
        """The exchange of a lean-path request whose response sets a cookie after all."""
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        return self.engine.begin_request(
            _text(host),
            environ.get("wsgi.url_scheme", "http"),
            _text(environ.get("PATH_INFO", "/")),
            None,
            gpc=environ.get("HTTP_SEC_GPC", "").strip() == "1",
        )

    def _with_banner(
        self,
        environ: WSGIEnvironment,
        start_response: Callable[..., Callable[[bytes], object]],
        consent: Consent,
    ) -> Iterable[bytes]:
        """Run the app, and add the page's tags to a complete HTML body (``inject_banner``),
        the guard's naming ``consent``'s state.

        The real ``start_response`` is called only once the body is known, so that
        ``Content-Length`` can be fixed; bodies over the buffer limit stream through unchanged.
        """
        captured: list[Any] = []
        written: list[bytes] = []

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            if exc_info is not None and captured:
                raise exc_info[1].with_traceback(exc_info[2])
            captured[:] = [status, headers, exc_info]
            return written.append

        result = self.app(environ, capture)
        status, headers, exc_info = captured or ("500 Internal Server Error", [], None)
        code = int(status.split(" ", 1)[0]) if status[:3].isdigit() else 500
        if not injectable(code, headers):
            write = start_response(status, headers, exc_info)
            for chunk in written:
                write(chunk)
            return result
        chunks = list(written)
        size = sum(map(len, chunks))
        iterator = iter(result)
        try:
            for chunk in iterator:
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_INJECT_BODY:
                    break
            else:
                body = b"".join(chunks)
                csp = next((v for k, v in headers if k.lower() == "content-security-policy"), None)
                path = self.engine.options.consent_path
                new = inject(body, path, csp, self.engine.page.token(consent))
                if new is not None:
                    body = new
                    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                    headers.append(("Content-Length", str(len(body))))
                start_response(status, headers, exc_info)
                return [body]
        except BaseException:
            _close(result)
            raise
        # Too large to hold: send what was read, then the rest, unchanged.
        start_response(status, headers, exc_info)
        return _Chained(chunks, iterator, result)

    def _endpoint(
        self, environ: WSGIEnvironment, start_response: StartResponse, exchange: Exchange
    ) -> Iterable[bytes]:
        from ..web.endpoints import MAX_BODY, EndpointRequest, handle

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
            elif not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
                # A chunked request: the server tells the input ends; read one byte past the cap.
                body = environ["wsgi.input"].read(MAX_BODY + 1)
                if len(body) > MAX_BODY:
                    body, too_large = b"", True
        headers = dict(_header_pairs(environ))
        request = EndpointRequest(
            method=method,
            path=environ.get("SCRIPT_NAME", "") + _text(environ.get("PATH_INFO", "/")),
            query=_text(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=body,
            body_too_large=too_large,
            client=environ.get("REMOTE_ADDR"),
        )
        response = handle(self.engine, exchange, request)
        if response.record is not None:
            self.engine.record(response.record)  # commit before answering
        status = f"{response.status} {_REASONS.get(response.status, 'Status')}"
        start_response(status, [(k, _wsgi(v)) for k, v in response.headers])
        return [response.body]


def _start_lean(
    warden: CookieWardenWSGI,
    environ: WSGIEnvironment,
    start_response: StartResponse,
    status: str,
    headers: list[tuple[str, str]],
    exc_info: Any = None,
) -> Callable[[bytes], object]:
    """``start_response`` for the lean path (a request without a ``Cookie`` header, for an
    engine without hooks): headers with a name of Set-Cookie's length are judged, by an exchange
    made then; all others pass as they are."""
    try:
        for key, _ in headers:
            if len(key) == _SET_COOKIE_LENGTH:  # may be Set-Cookie: judged below
                break
        else:
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)
    except Exception:  # not a header list: the rewrite below fails closed
        pass
    exchange = warden.begin_lean(environ)
    try:
        new_headers = rewrite_headers(headers, exchange)
    except Exception:
        new_headers = exchange.fail_closed(headers)
    if exc_info is None:
        return start_response(status, new_headers)
    return start_response(status, new_headers, exc_info)


def _header_pairs(environ: WSGIEnvironment) -> list[tuple[str, str]]:
    """The request headers as (lower-case name, text) pairs: ``HTTP_*`` and ``CONTENT_TYPE``.

    A WSGI server has already joined repeated headers into one ``HTTP_*`` value.
    """
    pairs = [
        (key[5:].replace("_", "-").lower(), _text(value))
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    ]
    if environ.get("CONTENT_TYPE"):
        pairs.append(("content-type", environ["CONTENT_TYPE"]))
    return pairs


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


class _Chained:
    """Chunks already read, then the rest of the app's body; ``close()`` reaches the app's."""

    def __init__(self, head: list[bytes], rest: Iterator[bytes], result: Iterable[bytes]) -> None:
        self._head = head
        self._rest = rest
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        yield from self._head
        yield from self._rest

    def close(self) -> None:
        _close(self._result)


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
    values: list[str] = []
    out: list[tuple[str, str]] | None = None  # the other headers, once a Set-Cookie shows
    first = 0  # where the first Set-Cookie was: every header before it is another one
    for i, (key, value) in enumerate(headers):
        if len(key) == 10 and key.lower() == "set-cookie":
            if out is None:
                out = [(k, v) for k, v in headers[:i]]
                first = i
            values.append(_text(value))
        elif out is not None:
            out.append((key, value))
    if out is None:
        if not exchange.has_work:
            return list(headers)
        out = [(k, v) for k, v in headers]
        first = len(out)
    out[first:first] = [("Set-Cookie", _wsgi(v)) for v in exchange.response_headers(values)]
    return out
