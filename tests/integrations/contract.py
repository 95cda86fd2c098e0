"""The adapter contract: one set of behaviours every integration is held to (STYLE.md rule 10).

:class:`AdapterContract` is a plain class; ``TestRawASGI``, ``TestRawWSGI``, ``TestStarlette``,
``TestFastAPI``, ``TestFlask``, ``TestDjangoASGI`` and ``TestDjangoWSGI`` inherit its ``test_*``
methods and implement one method, :meth:`AdapterContract.serve`: build the real app, wrapped by
cookiewarden with the given options, and return a :data:`Client` that sends one request to it.

The app behind every client has the examples' three pages:

- ``/`` sets ``sessionid`` (necessary, session), ``_ga`` (performance, two years), ``lang``
  (functionality, one year) and ``ads_id`` (targeting, 400 days), in that order, and answers
  HTML that includes the banner;
- ``/whoami`` answers JSON ``{"granted", "decided", "cookies"}``: the consent the app was handed
  and the cookies it received;
- ``/echo?set=<value>`` (test-only) answers with ``<value>`` as its one raw ``Set-Cookie``.

Responses keep raw header lists (:class:`Response`), never a cookie jar, so order, duplicates
and capitalisation stay visible. Requests run under the fixed clock of ``tests/conftest.py``.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import io
import json
import logging
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode
from wsgiref.util import setup_testing_defaults

import pytest

from cookiewarden import (
    ConfigurationError,
    Consent,
    DecisionEvent,
    Policy,
    RequestInfo,
    SetCookie,
    parse_set_cookie,
)
from cookiewarden.rules.decision import effective_name

HOST = "testserver"
YEAR = 365 * 24 * 3600
CONSENT_MAX_AGE = 180 * 24 * 3600
OPTIONAL = ("performance", "functionality", "targeting")
PAGE_COOKIES = {
    "sessionid": "necessary",
    "_ga": "performance",
    "lang": "functionality",
    "ads_id": "targeting",
}
"""The cookies ``/`` sets, in order, and their categories in ``examples/policy.toml``."""
BANNER_TAG = '<script src="/_consent/banner.js" defer></script>'
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "examples" / "policy.toml"


def first_visit_token(policy_file: Path = EXAMPLE_POLICY) -> str:
    """The state token a first visit's pages name in the guard's URL, under ``policy_file``."""
    from cookiewarden.rules.page_rules import state_token

    policy = Policy.from_toml(policy_file)
    return state_token(policy, Consent.undecided(policy))


FIRST = first_visit_token()
"""The guard URL's state token of a first visit under the example policy."""


def names_option(error: ConfigurationError, option: str) -> bool:
    """Whether ``error`` names ``option``: as the middleware spells it, or as a framework's
    settings do (Flask's ``COOKIEWARDEN_CONSENT_SOURCES``)."""
    return error.option in (option, "COOKIEWARDEN_" + option.upper())


def deletion(name: str) -> str:
    """The exact header that expires a refused, declared, host-only cookie at ``/``."""
    return f"{name}=; Max-Age=0; Expires={EPOCH}; Path=/"


def cc_cookie(categories: list[str], at: float | None = None) -> str:
    """A ``cc_cookie`` value as orestbida/cookieconsent v3 writes it:
    ``encodeURIComponent(JSON.stringify(...))``, times as ``toISOString()`` gives them."""
    content: dict[str, Any] = {
        "categories": categories,
        "revision": 0,
        "data": None,
        "consentId": "4c4b2e3a-5a3f-4c0e-9b5e-2f0f2f7e9d11",
        "services": {name: [] for name in categories},
    }
    if at is not None:
        when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        content["consentTimestamp"] = content["lastConsentTimestamp"] = when
    return quote(json.dumps(content, separators=(",", ":")), safe="-_.!~*'()")


def klaro_cookie(consents: dict[str, Any]) -> str:
    """A ``klaro`` value as Klaro 0.7+ writes it: ``encodeURIComponent(JSON.stringify(...))``."""
    return quote(json.dumps(consents, separators=(",", ":")), safe="-_.!~*'()")


def echo(value: str) -> str:
    """The request target that makes the app send ``value`` as its one ``Set-Cookie``."""
    return "/echo?" + urlencode({"set": value})


def text(raw: bytes) -> str:
    """Header octets as the core's text (UTF-8 with ``surrogateescape``)."""
    return raw.decode("utf-8", "surrogateescape")


def wsgi_text(latin1: str) -> str:
    """A WSGI (latin-1) header string as the core's text."""
    return text(latin1.encode("latin-1", "replace"))


@dataclass(frozen=True, slots=True)
class Response:
    """One response as it left the middleware: status, the raw ordered header list, body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def set_cookies(self) -> list[str]:
        """Every ``Set-Cookie`` value, in order, duplicates kept."""
        return [value for name, value in self.headers if name.lower() == "set-cookie"]

    def parsed(self) -> list[SetCookie]:
        """Every ``Set-Cookie`` parsed; each must be one a browser accepts."""
        cookies = [parse_set_cookie(value) for value in self.set_cookies]
        assert None not in cookies, f"a Set-Cookie a browser would ignore left: {self.set_cookies}"
        return [c for c in cookies if c is not None]

    def names(self) -> list[str]:
        """The names of the cookies set (not deleted), in order."""
        return [c.name for c in self.parsed() if c.max_age is None or c.max_age > 0]

    def deleted(self) -> list[str]:
        """The names of the cookies the response deletes, in order."""
        return [c.name for c in self.parsed() if c.max_age is not None and c.max_age <= 0]

    def cookie(self, name: str) -> SetCookie:
        """The one cookie named ``name`` that the response sets."""
        found = [c for c in self.parsed() if c.name == name]
        assert len(found) == 1, f"expected one {name!r} in {self.set_cookies}"
        return found[0]

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (any case)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


class Client(Protocol):
    """Sends one request to a wrapped app: ``client(method, target, headers=..., body=...)``."""

    def __call__(
        self, method: str, target: str, *, headers: list[tuple[str, str]], body: bytes
    ) -> Response: ...


class NoCookies(http.cookiejar.CookiePolicy):
    """A cookie-jar policy that stores and sends nothing.

    Tests send the ``Cookie`` header they mean and read raw ``Set-Cookie`` lists; a client's
    jar would replay earlier responses' cookies into later requests.
    """

    netscape = True
    rfc2965 = False
    hide_cookie2 = False

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: Any) -> bool:
        return False

    def path_return_ok(self, path: str, request: Any) -> bool:
        return False


def no_cookie_jar() -> http.cookiejar.CookieJar:
    """A cookie jar for httpx clients that never stores a cookie."""
    return http.cookiejar.CookieJar(policy=NoCookies())


# -- drivers: ASGI and WSGI called directly, as a server would --------------------------------


def http_scope(
    method: str, target: str, headers: Sequence[tuple[bytes, bytes]], *, scheme: str = "http"
) -> dict[str, Any]:
    """An ASGI ``http`` scope for ``target`` (path and query) with raw ``headers``."""
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": list(headers),
        "client": ("127.0.0.1", 51000),
        "server": (HOST, 80),
    }


async def run_asgi(app: Any, scope: dict[str, Any], body: bytes = b"") -> list[dict[str, Any]]:
    """Call ``app`` once as a server would; return every message it sent, in order.

    ``receive`` hands over the body, then blocks until the response is complete and reports
    the disconnect, as servers do (an early disconnect would cancel streaming responses).
    """
    messages: list[dict[str, Any]] = []
    complete = asyncio.Event()
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            complete.set()

    await app(scope, receive, send)
    return messages


def asgi_response(messages: Iterable[dict[str, Any]]) -> Response:
    """Fold ASGI ``http.response.*`` messages into a :class:`Response`."""
    status = 0
    headers: list[tuple[str, str]] = []
    body = b""
    for message in messages:
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(text(bytes(k)), text(bytes(v))) for k, v in message.get("headers", ())]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")
    return Response(status, headers, body)


def call_asgi(
    app: Any,
    method: str,
    target: str,
    *,
    headers: Sequence[tuple[bytes, bytes]] = (),
    body: bytes = b"",
    scheme: str = "http",
) -> Response:
    """One request straight into an ASGI app, headers as raw octets."""
    raw = [(b"host", HOST.encode()), *headers]
    scope = http_scope(method, target, raw, scheme=scheme)
    return asgi_response(asyncio.run(run_asgi(app, scope, body)))


def asgi_client(app: Any) -> Client:
    """A :data:`Client` that calls ``app`` directly (:func:`call_asgi`)."""

    def request(
        method: str, target: str, *, headers: list[tuple[str, str]], body: bytes
    ) -> Response:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        return call_asgi(app, method, target, headers=raw, body=body)

    return request


def wsgi_environ(
    method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes = b""
) -> dict[str, Any]:
    """A WSGI environ for ``target``, completed by :func:`wsgiref.util.setup_testing_defaults`.

    ``headers`` are WSGI (latin-1) strings; ``Content-Type`` and ``Content-Length`` go where
    PEP 3333 puts them, every other header becomes ``HTTP_*``.
    """
    path, _, query = target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "HTTP_HOST": HOST,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    setup_testing_defaults(environ)
    return environ


@dataclass(slots=True)
class WSGICall:
    """What a WSGI server saw of one call: every ``start_response`` and the body, in order."""

    starts: list[tuple[str, list[tuple[str, str]], Any]]
    chunks: list[bytes]

    @property
    def response(self) -> Response:
        status, headers, _ = self.starts[-1]
        pairs = [(wsgi_text(k), wsgi_text(v)) for k, v in headers]
        return Response(int(status.split(" ", 1)[0]), pairs, b"".join(self.chunks))


def run_wsgi(app: Any, environ: dict[str, Any]) -> WSGICall:
    """Call ``app`` as a WSGI server does: iterate the body, then ``close()`` it exactly once.

    ``start_response`` follows PEP 3333: a second call needs ``exc_info`` (re-raised once
    headers went out); the ``write`` callable it returns appends to the body.
    """
    call = WSGICall([], [])
    headers_sent = False

    def write(data: bytes) -> None:
        nonlocal headers_sent
        assert call.starts, "write() before start_response()"
        headers_sent = True
        call.chunks.append(bytes(data))

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if call.starts and exc_info is None:
            raise AssertionError("start_response called twice without exc_info")
        if exc_info is not None and headers_sent:
            raise exc_info[1].with_traceback(exc_info[2])
        for name, value in headers:
            assert isinstance(name, str) and isinstance(value, str), (name, value)
        call.starts.append((status, list(headers), exc_info))
        return write

    result = app(environ, start_response)
    try:
        for chunk in result:
            if chunk:
                headers_sent = True
            call.chunks.append(bytes(chunk))
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return call


def call_wsgi(
    app: Any,
    method: str,
    target: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
) -> Response:
    """One request straight into a WSGI app."""
    return run_wsgi(app, wsgi_environ(method, target, headers, body)).response


def wsgi_client(app: Any) -> Client:
    """A :data:`Client` that calls ``app`` directly (:func:`call_wsgi`)."""

    def request(
        method: str, target: str, *, headers: list[tuple[str, str]], body: bytes
    ) -> Response:
        return call_wsgi(app, method, target, headers=headers, body=body)

    return request


def httpx_response(response: Any, body: bytes | None = None) -> Response:
    """An ``httpx.Response`` as a :class:`Response`, from its raw header list; pass ``body``
    for a streamed response whose content was consumed."""
    headers = [(text(k), text(v)) for k, v in response.headers.raw]
    return Response(response.status_code, headers, response.content if body is None else body)


def asgi_httpx_client(app: Any) -> Client:
    """A :data:`Client` that sends through ``httpx.ASGITransport`` (no cookie jar)."""
    import httpx

    async def send(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{HOST}", cookies=no_cookie_jar()
        ) as client:
            return await client.request(method, target, headers=headers, content=body)

    def request(
        method: str, target: str, *, headers: list[tuple[str, str]], body: bytes
    ) -> Response:
        return httpx_response(asyncio.run(send(method, target, headers, body)))

    return request


# -- what may leave ---------------------------------------------------------------------------


def assert_only_allowed(
    set_cookies: Iterable[str], granted: Iterable[str], policy: Policy, now: float
) -> None:
    """Every ``Set-Cookie`` parses, and sets a declared cookie of a granted category, in the
    canonical form it was judged in.

    Deletions pass whatever their name (CONTRACT rule 2); necessary categories are granted.
    """
    allowed = set(granted) | set(policy.necessary_keys)
    for header in set_cookies:
        cookie = parse_set_cookie(header)
        assert cookie is not None, f"left but a browser would ignore it: {header!r}"
        if cookie.is_deletion(now):
            continue
        assert cookie.to_header() == header, f"left in another form than judged: {header!r}"
        name = effective_name(cookie)
        rule = policy.lookup(name) if name is not None else None
        assert rule is not None, f"undeclared cookie left: {header!r}"
        assert rule.category in allowed, f"{rule.category} cookie left unconsented: {header!r}"


# -- the contract -----------------------------------------------------------------------------


class AdapterContract:
    """The behaviours every integration must show; subclasses implement :meth:`serve`."""

    def serve(self, **options: Any) -> Client:
        """Build the real app wrapped by cookiewarden with ``options``; return its client."""
        raise NotImplementedError

    @pytest.fixture(autouse=True)
    def _contract(
        self,
        example_policy: Policy,
        old_policy: Policy,
        keys: Any,
        clock: Callable[[], float],
        now: float,
        mint: Any,
    ) -> None:
        self.policy = example_policy
        self.old_policy = old_policy
        self.keys = keys
        self.clock = clock
        self.now = now
        self.mint = mint

    def options(self, **overrides: Any) -> dict[str, Any]:
        """The middleware options of the contract: the examples' policy, the test key, the
        fixed clock and no consent log; ``overrides`` win."""
        return {
            "policy": self.policy,
            "secret_keys": [self.keys.new],
            "clock": self.clock,
            "consent_log": None,
            **overrides,
        }

    def request(
        self,
        method: str,
        target: str,
        *,
        cookie: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
        json_body: Any = None,
        form: Sequence[tuple[str, str]] | None = None,
        client: Client | None = None,
        **options: Any,
    ) -> Response:
        """Send one request; ``cookie`` is the raw ``Cookie`` header, ``json_body`` or ``form``
        the body, ``options`` configure a fresh middleware (ignored when ``client`` is given)."""
        if client is None:
            client = self.serve(**self.options(**options))
        all_headers = list(headers)
        if cookie is not None:
            all_headers.append(("Cookie", cookie))
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.append(("Content-Type", "application/json"))
        elif form is not None:
            body = urlencode(form).encode()
            all_headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        return client(method, target, headers=all_headers, body=body)

    def consent(self, granted: Iterable[str] = (), **kw: Any) -> str:
        """A ``Cookie`` header carrying a valid consent to ``granted``."""
        return "cw_consent=" + self.mint(granted, **kw)

    # -- the page's cookies, by consent ---------------------------------------------------

    def test_without_consent_only_necessary_cookies_leave(self) -> None:
        response = self.request("GET", "/")
        assert response.status == 200
        assert response.names() == ["sessionid"]
        assert response.deleted() == []
        session = response.cookie("sessionid")
        assert (session.max_age, session.expires) == (None, None)
        assert session.http_only

    def test_an_internal_error_rewriting_sends_the_page_without_any_cookie(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Fail closed: a bug in the response rewrite lets no cookie through unjudged, and the
        page still leaves (fault injected into the engine's rewrite, both raw and text)."""
        from cookiewarden.engine.responding import Exchange

        def bug(*args: object, **kwargs: object) -> object:
            raise RuntimeError("a bug in the rewrite")

        monkeypatch.setattr(Exchange, "rewrite_raw_headers", bug)
        monkeypatch.setattr(Exchange, "response_headers", bug)
        with caplog.at_level(logging.ERROR, logger="cookiewarden"):
            response = self.request("GET", "/", cookie=self.consent(OPTIONAL))
        assert response.status == 200
        assert response.set_cookies == []
        assert BANNER_TAG in response.text
        assert any("internal error rewriting" in r.getMessage() for r in caplog.records)

    def test_page_carries_the_banner_and_a_gated_script(self) -> None:
        page = self.request("GET", "/").text
        assert BANNER_TAG in page
        assert '<script type="text/plain" data-cookiewarden-category="performance">' in page
        assert "window.analyticsLoaded = true;" in page
        assert re.search(r"<button [^>]*data-cookiewarden-open[^>]*>Cookie settings</button>", page)

    def test_performance_consent_lets_ga_leave_capped_to_a_year(self) -> None:
        response = self.request("GET", "/", cookie=self.consent(["performance"]))
        assert response.names() == ["sessionid", "_ga"]
        ga = response.cookie("_ga")
        assert ga.max_age == YEAR
        if ga.expires is not None:
            assert ga.expires.timestamp() <= self.now + YEAR

    def test_accept_all_lets_all_four_leave_within_a_year(self) -> None:
        response = self.request("GET", "/", cookie=self.consent(OPTIONAL))
        assert response.names() == ["sessionid", "_ga", "lang", "ads_id"]
        for name in ("_ga", "lang", "ads_id"):
            cookie = response.cookie(name)
            assert cookie.max_age is not None and 0 < cookie.max_age <= YEAR, name
            if cookie.expires is not None:
                assert cookie.expires.timestamp() <= self.now + YEAR, name
        session = response.cookie("sessionid")
        assert (session.max_age, session.expires) == (None, None)

    @pytest.mark.parametrize(
        "granted",
        [
            pytest.param((), id="nothing"),
            pytest.param(("functionality",), id="functionality"),
            pytest.param(("targeting",), id="targeting"),
            pytest.param(("performance", "targeting"), id="performance+targeting"),
            pytest.param(("functionality", "targeting"), id="functionality+targeting"),
        ],
    )
    def test_exactly_the_granted_categories_leave(self, granted: tuple[str, ...]) -> None:
        response = self.request("GET", "/", cookie=self.consent(granted))
        expected = [n for n, c in PAGE_COOKIES.items() if c == "necessary" or c in granted]
        assert response.names() == expected

    # -- cookies the browser sends --------------------------------------------------------

    def test_refused_cookies_the_browser_sends_are_expired_and_hidden(self) -> None:
        response = self.request("GET", "/whoami", cookie="sessionid=s1; _ga=x; ads_id=y")
        assert response.json()["cookies"] == {"sessionid": "s1"}
        assert response.set_cookies == [deletion("_ga"), deletion("ads_id")]

    def test_refused_cookie_the_app_sets_again_is_expired_once(self) -> None:
        response = self.request("GET", "/", cookie="_ga=x; ads_id=y")
        assert response.names() == ["sessionid"]
        assert response.set_cookies[1:] == [deletion("_ga"), deletion("ads_id")]

    def test_granted_cookies_the_browser_sends_reach_the_app(self) -> None:
        cookie = self.consent(["performance"]) + "; sessionid=s1; _ga=x; lang=fr; ads_id=y"
        response = self.request("GET", "/whoami", cookie=cookie)
        seen = response.json()["cookies"]
        assert sorted(seen) == ["_ga", "cw_consent", "sessionid"]
        assert (seen["_ga"], seen["sessionid"]) == ("x", "s1")
        assert response.set_cookies == [deletion("lang"), deletion("ads_id")]

    def test_undeclared_request_cookies_are_hidden_but_never_expired(self) -> None:
        response = self.request("GET", "/whoami", cookie="tracker=t; sessionid=s1; other=o")
        assert response.json()["cookies"] == {"sessionid": "s1"}
        assert response.set_cookies == []

    # -- which consent counts -------------------------------------------------------------

    def test_consent_reaches_the_app(self) -> None:
        cookie = self.consent(["performance", "functionality"])
        seen = self.request("GET", "/whoami", cookie=cookie).json()
        assert seen["granted"] == ["functionality", "necessary", "performance"]
        assert seen["decided"] is True

    def test_no_consent_reaches_the_app_as_undecided(self) -> None:
        seen = self.request("GET", "/whoami").json()
        assert (seen["granted"], seen["decided"]) == (["necessary"], False)

    def untrusted(self, kind: str) -> str:
        """A ``cw_consent`` value granting everything that must not count, by ``kind``."""
        if kind == "tampered":
            # The payload of "accept all" under the signature of "nothing".
            everything = self.mint(OPTIONAL).rsplit(".", 1)[0]
            return everything + "." + self.mint().rsplit(".", 1)[1]
        if kind == "foreign-key":
            return self.mint(OPTIONAL, key=self.keys.foreign)
        if kind == "expired":
            return self.mint(OPTIONAL, issued_at=self.now - CONSENT_MAX_AGE - 1)
        if kind == "from-the-future":
            return self.mint(OPTIONAL, issued_at=self.now + 3600)
        if kind == "old-policy-version":
            return self.mint(OPTIONAL, policy=self.old_policy)
        if kind == "unsigned":
            return "performance,functionality,targeting"
        raise AssertionError(kind)

    @pytest.mark.parametrize(
        "kind",
        ["tampered", "foreign-key", "expired", "from-the-future", "old-policy-version", "unsigned"],
    )
    def test_untrusted_consent_counts_as_none(self, kind: str) -> None:
        cookie = "cw_consent=" + self.untrusted(kind)
        client = self.serve(**self.options())
        assert self.request("GET", "/", cookie=cookie, client=client).names() == ["sessionid"]
        seen = self.request("GET", "/whoami", cookie=cookie, client=client).json()
        assert (seen["granted"], seen["decided"]) == (["necessary"], False)

    def test_consent_just_within_consent_max_age_counts(self) -> None:
        cookie = self.consent(["performance"], issued_at=self.now - CONSENT_MAX_AGE + 60)
        assert self.request("GET", "/", cookie=cookie).names() == ["sessionid", "_ga"]

    def test_newest_valid_consent_counts_among_several(self) -> None:
        older = self.mint(["targeting"], issued_at=self.now - 60)
        newer = self.mint(["performance"], issued_at=self.now - 30)
        forged_newest = self.mint(OPTIONAL, key=self.keys.foreign, issued_at=self.now)
        cookie = f"cw_consent={older}; cw_consent={forged_newest}; cw_consent={newer}"
        assert self.request("GET", "/", cookie=cookie).names() == ["sessionid", "_ga"]

    # -- key rotation ---------------------------------------------------------------------

    def test_cookie_signed_with_the_old_key_verifies_after_rotation(self) -> None:
        cookie = self.consent(["performance"], key=self.keys.old)
        rotated = [self.keys.old, self.keys.new]
        response = self.request("GET", "/", cookie=cookie, secret_keys=rotated)
        assert response.names() == ["sessionid", "_ga"]

    def test_new_choice_is_signed_with_the_newest_key(self) -> None:
        rotated = [self.keys.old, self.keys.new]
        answer = self.request(
            "POST", "/_consent", json_body={"granted": ["performance"]}, secret_keys=rotated
        )
        assert answer.status == 200
        cookie = "cw_consent=" + answer.cookie("cw_consent").value
        only_new = self.request("GET", "/", cookie=cookie, secret_keys=[self.keys.new])
        assert only_new.names() == ["sessionid", "_ga"]
        only_old = self.request("GET", "/", cookie=cookie, secret_keys=[self.keys.old])
        assert only_old.names() == ["sessionid"]

    # -- report_only ----------------------------------------------------------------------

    @pytest.mark.parametrize(
        "header",
        [
            pytest.param("_ga=GA1.2.3; Max-Age=63072000; Path=/", id="refused-and-too-long"),
            pytest.param(" lang = en ; path=/ ;secure", id="untidy"),
            pytest.param("tracker=1; Domain=example.org", id="undeclared-foreign-domain"),
            pytest.param("=a=b", id="unparseable"),
        ],
    )
    def test_report_only_sends_every_header_as_the_app_sent_it(self, header: str) -> None:
        response = self.request("GET", echo(header), cookie="_ga=x; ads_id=y", report_only=True)
        assert response.set_cookies == [header]

    def test_report_only_changes_nothing_on_the_page(self) -> None:
        client = self.serve(**self.options(report_only=True))
        page = self.request("GET", "/", cookie="_ga=x; ads_id=y", client=client)
        assert page.names() == ["sessionid", "_ga", "lang", "ads_id"]
        assert page.cookie("ads_id").max_age == 90 * 24 * 3600
        assert page.deleted() == []
        seen = self.request("GET", "/whoami", cookie="_ga=x; tracker=t", client=client).json()
        assert seen["cookies"] == {"_ga": "x", "tracker": "t"}
        assert seen["decided"] is False

    # -- what the app sends, judged header by header ---------------------------------------

    @pytest.mark.parametrize(
        "header",
        [
            pytest.param("=a=b", id="nameless-with-equals"),
            pytest.param("sessionid=ok\x01", id="control-character"),
            pytest.param("sessionid=" + "x" * 5000, id="over-4096-octets"),
            pytest.param("", id="empty"),
            pytest.param("sessionid=1; Domain=example.org", id="foreign-domain"),
        ],
    )
    def test_set_cookie_a_browser_would_reject_is_dropped(self, header: str) -> None:
        response = self.request("GET", echo(header), cookie=self.consent(OPTIONAL))
        assert response.status == 200
        assert response.set_cookies == []

    def test_set_cookie_leaves_as_it_was_judged(self) -> None:
        cookie = self.consent(["functionality"])
        response = self.request("GET", echo(" lang = en ; path=/ ;secure"), cookie=cookie)
        assert response.set_cookies == ["lang=en; Path=/; Secure"]

    def test_set_cookie_of_a_granted_category_is_capped_to_the_policy(self) -> None:
        long_lived = echo("_ga=GA1.2.3; Max-Age=63072000; Path=/")
        response = self.request("GET", long_lived, cookie=self.consent(["performance"]))
        assert response.set_cookies == [f"_ga=GA1.2.3; Max-Age={YEAR}; Path=/"]

    def test_set_cookie_deletion_always_leaves(self) -> None:
        response = self.request("GET", echo("ads_id=; Max-Age=0"))
        assert response.set_cookies == ["ads_id=; Max-Age=0"]

    def test_the_apps_own_deletion_is_not_doubled(self) -> None:
        response = self.request("GET", echo("_ga=; Max-Age=0; Path=/"), cookie="_ga=x; lang=y")
        assert response.set_cookies == ["_ga=; Max-Age=0; Path=/", deletion("lang")]

    # -- the consent API ------------------------------------------------------------------

    def test_consent_endpoint_get_answers_json(self) -> None:
        response = self.request("GET", "/_consent")
        assert response.status == 200
        assert (response.header("content-type") or "").startswith("application/json")
        answer = response.json()
        assert answer["decided"] is False
        assert answer["granted"] == ["necessary"]
        assert answer["policy_version"] == "2026-11-01"
        assert [c["key"] for c in answer["categories"]] == ["necessary", *OPTIONAL]
        assert response.set_cookies == []

    def test_consent_endpoint_post_stores_the_choice(self) -> None:
        client = self.serve(**self.options())
        answer = self.request(
            "POST", "/_consent", json_body={"granted": ["performance"]}, client=client
        )
        assert answer.status == 200
        assert answer.json()["granted"] == ["necessary", "performance"]
        assert answer.json()["decided"] is True
        stored = answer.cookie("cw_consent")
        assert (stored.path, stored.http_only, stored.same_site) == ("/", True, "lax")
        assert stored.max_age == CONSENT_MAX_AGE
        assert not stored.secure  # plain http
        page = self.request("GET", "/", cookie=f"cw_consent={stored.value}", client=client)
        assert page.names() == ["sessionid", "_ga"]

    def test_consent_endpoint_refuses_unknown_categories(self) -> None:
        answer = self.request("POST", "/_consent", json_body={"granted": ["everything"]})
        assert answer.status == 400
        assert answer.set_cookies == []

    def test_consent_endpoint_refuses_cross_site_changes(self) -> None:
        answer = self.request(
            "POST",
            "/_consent",
            json_body={"granted": list(OPTIONAL)},
            headers=[("Origin", "https://evil.example")],
        )
        assert answer.status == 403
        assert answer.set_cookies == []

    def test_consent_endpoint_delete_withdraws(self) -> None:
        answer = self.request("DELETE", "/_consent", cookie=self.consent(OPTIONAL) + "; _ga=x")
        assert answer.status == 200
        assert answer.json()["granted"] == ["necessary"]
        assert answer.names() == ["cw_consent"]
        assert "_ga" in answer.deleted()

    def test_consent_form_post_redirects_to_next(self) -> None:
        form = [("granted", "performance"), ("granted", "functionality"), ("next", "/whoami")]
        answer = self.request("POST", "/_consent", form=form)
        assert answer.status == 303
        assert answer.header("location") == "/whoami"
        token = answer.cookie("cw_consent").value
        seen = self.request("GET", "/whoami", cookie=f"cw_consent={token}").json()
        assert seen["granted"] == ["functionality", "necessary", "performance"]

    def test_consent_form_post_never_redirects_off_site(self) -> None:
        form = [("granted", "performance"), ("next", "//evil.example/")]
        answer = self.request("POST", "/_consent", form=form)
        assert (answer.status, answer.header("location")) == (303, "/")

    def test_consent_endpoint_works_fully_in_report_only(self) -> None:
        answer = self.request(
            "POST", "/_consent", json_body={"granted": ["targeting"]}, report_only=True
        )
        assert answer.status == 200
        assert answer.names() == ["cw_consent"]

    def test_consent_path_is_configurable(self) -> None:
        client = self.serve(**self.options(consent_path="/privacy/consent"))
        moved = self.request("GET", "/privacy/consent", client=client)
        assert moved.json()["decided"] is False
        assert self.request("GET", "/_consent", client=client).status == 404

    def test_without_request_filtering_the_app_sees_every_cookie(self) -> None:
        cookie = "sessionid=s; _ga=x; tracker=t"
        response = self.request("GET", "/whoami", cookie=cookie, filter_request_cookies=False)
        assert response.json()["cookies"] == {"sessionid": "s", "_ga": "x", "tracker": "t"}
        assert response.set_cookies == [deletion("_ga")]

    def test_without_clear_refused_nothing_is_expired(self) -> None:
        response = self.request("GET", "/", cookie="_ga=x; ads_id=y", clear_refused=False)
        assert response.names() == ["sessionid"]
        assert response.deleted() == []

    def test_banner_script_is_served(self) -> None:
        response = self.request("GET", "/_consent/banner.js")
        assert response.status == 200
        assert (response.header("content-type") or "").startswith("text/javascript")
        assert b"cookiewarden" in response.body

    def test_gpc_alone_writes_no_cookie(self) -> None:
        response = self.request("GET", "/", headers=[("Sec-GPC", "1")])
        assert response.names() == ["sessionid"]

    # -- beyond the basics: where consent is required ---------------------------------------

    def policy_with(self, **overrides: Any) -> Policy:
        """The examples' policy with top-level ``overrides`` (``None`` removes a key)."""
        data = tomllib.loads(EXAMPLE_POLICY.read_text(encoding="utf-8"))
        for key, value in overrides.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return Policy.from_dict(data, source="test policy")

    def test_opt_out_gives_an_undecided_visitor_every_category(self) -> None:
        response = self.request("GET", "/", policy=self.policy_with(mode="opt-out"))
        assert response.names() == list(PAGE_COOKIES)
        assert response.deleted() == []

    def test_opt_out_under_gpc_refuses_what_gpc_refuses(self) -> None:
        opt_out = self.policy_with(mode="opt-out")
        response = self.request("GET", "/", headers=[("Sec-GPC", "1")], policy=opt_out)
        assert response.names() == ["sessionid", "_ga", "lang"]

    def test_opt_out_a_decided_choice_wins(self) -> None:
        opt_out = self.policy_with(mode="opt-out")
        response = self.request("GET", "/", cookie=self.consent(["performance"]), policy=opt_out)
        assert response.names() == ["sessionid", "_ga"]
        refusal = self.request("GET", "/whoami", cookie=self.consent(), policy=opt_out).json()
        assert (refusal["granted"], refusal["decided"]) == (["necessary"], True)

    def test_consent_required_decides_per_request(self) -> None:
        seen: list[Any] = []

        def in_eu(request: RequestInfo) -> bool:
            seen.append(request)
            return request.headers.get("cf-ipcountry", "").upper() in ("FR", "DE")

        client = self.serve(**self.options(consent_required=in_eu))
        us = self.request("GET", "/", headers=[("CF-IPCountry", "US")], client=client)
        assert us.names() == list(PAGE_COOKIES)
        fr = self.request("GET", "/", headers=[("CF-IPCountry", "FR")], client=client)
        assert fr.names() == ["sessionid"]
        seen_us = self.request(
            "GET", "/whoami", headers=[("CF-IPCountry", "US")], client=client
        ).json()
        assert (seen_us["granted"], seen_us["decided"]) == (
            ["functionality", "necessary", "performance", "targeting"],
            False,
        )
        assert (seen[0].host, seen[0].path, seen[0].secure) == (HOST, "/", False)

    def test_consent_required_that_raises_requires_consent(self) -> None:
        def broken(request: RequestInfo) -> bool:
            raise RuntimeError("no geo database")

        response = self.request("GET", "/", consent_required=broken)
        assert (response.status, response.names()) == (200, ["sessionid"])

    def test_consent_endpoint_reports_mode_and_required(self) -> None:
        answer = self.request("GET", "/_consent").json()
        assert (answer["mode"], answer["required"]) == ("opt-in", True)
        elsewhere = self.request("GET", "/_consent", consent_required=lambda r: False).json()
        assert (elsewhere["mode"], elsewhere["required"], elsewhere["decided"]) == (
            "opt-in",
            False,
            False,
        )
        assert elsewhere["granted"] == ["functionality", "necessary", "performance", "targeting"]
        opt_out = self.request("GET", "/_consent", policy=self.policy_with(mode="opt-out"))
        assert (opt_out.json()["mode"], opt_out.json()["required"]) == ("opt-out", False)

    # -- the decision hook ------------------------------------------------------------------

    def test_on_decision_may_drop_a_granted_cookie(self) -> None:
        def no_ads(event: DecisionEvent) -> Any:
            return "drop" if event.category == "targeting" else None

        response = self.request("GET", "/", cookie=self.consent(OPTIONAL), on_decision=no_ads)
        assert response.names() == ["sessionid", "_ga", "lang"]

    def test_on_decision_may_tighten_a_cookie(self) -> None:
        def shorter(event: DecisionEvent) -> Any:
            if event.name == "lang" and event.cookie is not None:
                return event.cookie.with_changes(max_age=3600, http_only=True, expires=None)
            return None

        response = self.request(
            "GET", "/", cookie=self.consent(["functionality"]), on_decision=shorter
        )
        lang = response.cookie("lang")
        assert (lang.max_age, lang.http_only) == (3600, True)

    def test_on_decision_can_never_loosen(self, caplog: pytest.LogCaptureFixture) -> None:
        def everything(event: DecisionEvent) -> Any:
            if event.cookie is not None and event.cookie.max_age:
                return event.cookie.with_changes(max_age=event.cookie.max_age * 10)
            return "keep"

        with caplog.at_level(logging.WARNING, logger="cookiewarden"):
            response = self.request("GET", "/", on_decision=everything)
        assert response.names() == ["sessionid"]
        refused = [r for r in caplog.records if "on_decision refused" in r.getMessage()]
        assert refused and all(r.levelno == logging.WARNING for r in refused)
        granted = self.request(
            "GET", "/", cookie=self.consent(["performance"]), on_decision=everything
        )
        assert granted.cookie("_ga").max_age == YEAR

    def test_on_decision_that_raises_changes_nothing(self) -> None:
        def broken(event: DecisionEvent) -> Any:
            raise RuntimeError("bug in the hook")

        response = self.request(
            "GET", "/", cookie=self.consent(["performance"]), on_decision=broken
        )
        assert (response.status, response.names()) == (200, ["sessionid", "_ga"])

    def test_on_decision_sees_the_request(self) -> None:
        seen: list[DecisionEvent] = []
        self.request("GET", "/", headers=[("X-Test", "yes")], on_decision=seen.append)
        assert [e.name for e in seen] == list(PAGE_COOKIES)
        assert all(e.request.headers.get("x-test") == "yes" for e in seen)
        assert [e.action.value for e in seen] == ["keep", "drop", "drop", "drop"]

    # -- hardening --------------------------------------------------------------------------

    HARDENED = {"secure": "same-as-request", "same_site_min": "strict"}

    def test_hardening_over_http_adds_no_secure(self) -> None:
        response = self.request(
            "GET", "/", cookie=self.consent(OPTIONAL), policy=self.policy_with(**self.HARDENED)
        )
        assert response.names() == list(PAGE_COOKIES)
        for cookie in response.parsed():
            assert (cookie.same_site, cookie.secure) == ("strict", False), cookie

    def test_hardening_over_https_adds_secure(self) -> None:
        response = self.request(
            "GET",
            "/",
            cookie=self.consent(OPTIONAL),
            headers=[("X-Forwarded-Proto", "https")],
            trusted_proxies=1,
            policy=self.policy_with(**self.HARDENED),
        )
        assert response.names() == list(PAGE_COOKIES)
        for cookie in response.parsed():
            assert (cookie.same_site, cookie.secure) == ("strict", True), cookie

    def test_secure_always_adds_secure_over_http_and_http_only_where_declared(self) -> None:
        data = tomllib.loads(EXAMPLE_POLICY.read_text(encoding="utf-8"))
        data["secure"] = "always"
        for cookie in data["cookies"]:
            if cookie["name"] == "lang":
                cookie["http_only"] = True
        response = self.request(
            "GET", "/", cookie=self.consent(OPTIONAL), policy=Policy.from_dict(data)
        )
        assert all(cookie.secure for cookie in response.parsed())
        assert response.cookie("lang").http_only
        assert not response.cookie("_ga").http_only

    # -- consent cookie placement and lifetime ----------------------------------------------

    def test_consent_cookie_domain_shares_consent_across_subdomains(self) -> None:
        client = self.serve(**self.options(consent_cookie_domain="example.com", trusted_proxies=1))
        on_www = [("X-Forwarded-Host", "www.example.com")]
        answer = self.request(
            "POST", "/_consent", json_body={"granted": ["performance"]}, headers=on_www,
            client=client,
        )  # fmt: skip
        stored = answer.cookie("cw_consent")
        assert stored.domain == "example.com"
        elsewhere = self.request(
            "POST", "/_consent", json_body={"granted": []}, client=client
        ).cookie("cw_consent")
        assert elsewhere.domain is None  # testserver is not within example.com
        fully_qualified = self.request(
            "POST", "/_consent", json_body={"granted": []}, client=client,
            headers=[("X-Forwarded-Host", "www.example.com.")],
        ).cookie("cw_consent")  # fmt: skip
        assert fully_qualified.domain is None  # a browser takes only Domain=example.com. there

    def test_consent_cookie_domain_replaces_an_old_host_only_cookie(self) -> None:
        client = self.serve(**self.options(consent_cookie_domain="example.com", trusted_proxies=1))
        answer = self.request(
            "POST", "/_consent", json_body={"granted": ["performance"]},
            headers=[("X-Forwarded-Host", "www.example.com")],
            cookie=self.consent(["targeting"]), client=client,
        )  # fmt: skip
        assert answer.set_cookies[0] == deletion("cw_consent")
        (shared,) = [c for c in answer.parsed() if c.name == "cw_consent" and c.domain]
        assert (shared.domain, answer.names()) == ("example.com", ["cw_consent"])

    @pytest.mark.parametrize("domain", ["co.uk", "github.io", "127.0.0.1", "example.org"])
    def test_consent_cookie_domain_is_checked_at_start(self, domain: str) -> None:
        policy = self.policy_with(root_domain="example.com")
        with pytest.raises(ConfigurationError) as info:
            self.request("GET", "/", consent_cookie_domain=domain, policy=policy)
        assert names_option(info.value, "consent_cookie_domain")

    def test_a_refusal_is_kept_for_consent_max_age_refused(self) -> None:
        policy = self.policy_with(consent_max_age_refused="30d")
        refused = self.request("POST", "/_consent", json_body={"granted": []}, policy=policy)
        assert refused.cookie("cw_consent").max_age == 30 * 86400
        chosen = self.request(
            "POST", "/_consent", json_body={"granted": ["performance"]},
            policy=policy,
        )  # fmt: skip
        assert chosen.cookie("cw_consent").max_age == CONSENT_MAX_AGE
        old_refusal = "cw_consent=" + self.mint([], issued_at=self.now - 31 * 86400, policy=policy)
        seen = self.request("GET", "/whoami", cookie=old_refusal, policy=policy).json()
        assert seen["decided"] is False  # asked again

    # -- adopting an existing banner --------------------------------------------------------

    SOURCES = {
        "cookieconsent": {"categories": {"analytics": "performance", "ads": "targeting"}},
        "klaro": {
            "services": {"ga": "performance", "youtube": "functionality", "ads": "targeting"}
        },
    }

    def adopting(self, **options: Any) -> Client:
        return self.serve(
            **self.options(
                policy=self.policy_with(sources=self.SOURCES),
                consent_sources=["cookiewarden", "cookieconsent", "klaro"],
                **options,
            )
        )

    def test_cookieconsent_choice_is_enforced(self) -> None:
        cookie = "cc_cookie=" + cc_cookie(["necessary", "analytics"], self.now)
        client = self.adopting()
        assert self.request("GET", "/", cookie=cookie, client=client).names() == [
            "sessionid",
            "_ga",
        ]
        seen = self.request("GET", "/whoami", cookie=cookie, client=client).json()
        assert (seen["granted"], seen["decided"]) == (["necessary", "performance"], True)
        answer = self.request("GET", "/_consent", cookie=cookie, client=client).json()
        assert (answer["decided"], answer["granted"]) == (True, ["necessary", "performance"])

    def test_klaro_choice_is_enforced(self) -> None:
        cookie = "klaro=" + klaro_cookie({"ga": False, "youtube": True, "ads": True})
        names = self.request("GET", "/", cookie=cookie, client=self.adopting()).names()
        assert names == ["sessionid", "lang", "ads_id"]

    def test_adopted_cookies_count_only_when_listed(self) -> None:
        cookie = "cc_cookie=" + cc_cookie(["analytics"], self.now)
        policy = self.policy_with(sources=self.SOURCES)
        assert self.request("GET", "/", cookie=cookie, policy=policy).names() == ["sessionid"]

    def test_signed_consent_wins_over_adopted_cookies(self) -> None:
        cookie = "; ".join(
            [
                "cc_cookie=" + cc_cookie(["analytics", "ads"], self.now),
                "klaro=" + klaro_cookie({"ga": True, "youtube": True, "ads": True}),
                self.consent(["functionality"], issued_at=self.now - 3600),
            ]
        )
        assert self.request("GET", "/", cookie=cookie, client=self.adopting()).names() == [
            "sessionid",
            "lang",
        ]

    @pytest.mark.parametrize(
        "cookie",
        [
            pytest.param("cc_cookie=%7Bnot-json", id="cc-not-json"),
            pytest.param("cc_cookie=" + cc_cookie(["social"]), id="cc-unknown-category"),
            pytest.param("klaro=" + klaro_cookie({"ga": "yes"}), id="klaro-not-bool"),
            pytest.param("klaro=" + klaro_cookie({"hotjar": True}), id="klaro-unknown-service"),
            pytest.param("klaro=" + "%20" * 3000, id="huge"),
        ],
    )
    def test_malformed_adopted_cookie_is_no_consent(self, cookie: str) -> None:
        response = self.request("GET", "/", cookie=cookie, client=self.adopting())
        assert (response.status, response.names()) == (200, ["sessionid"])

    def test_consent_sources_are_checked_at_start(self) -> None:
        for sources in (["cookieconsent"], ["cookiewarden", "onetrust"], "cookiewarden"):
            with pytest.raises(ConfigurationError) as info:
                self.request("GET", "/", consent_sources=sources)
            assert names_option(info.value, "consent_sources")
