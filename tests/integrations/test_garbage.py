"""No input makes the middleware raise into the host app or the server (STYLE.md rule 5).

Garbage ``Cookie`` headers from browsers, garbage ``Set-Cookie`` values from apps, hosts and
header octets that are not UTF-8, through the raw ASGI and the raw WSGI adapter; and a
property test: for arbitrary bytes, nothing raises, every ``Set-Cookie`` that leaves is one a
browser accepts and sets a cookie of a granted (or necessary) category, and the app only sees
cookies of granted categories.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy
from cookiewarden.rules.cookies import parse_cookie_header

from .contract import (
    OPTIONAL,
    Response,
    assert_only_allowed,
    call_asgi,
    run_wsgi,
    text,
    wsgi_environ,
)

PAGE_SET_COOKIES = [
    b"sessionid=s; Path=/; HttpOnly",
    b"_ga=g; Max-Age=63072000; Path=/",
    b"lang=en; Max-Age=31536000",
    b"ads_id=a; Max-Age=34560000",
]


class Recorder:
    """Raw ASGI and WSGI apps that send given ``Set-Cookie`` octets and record what they saw."""

    def __init__(self, set_cookies: Sequence[bytes] = PAGE_SET_COOKIES) -> None:
        self.set_cookies = list(set_cookies)
        self.seen_cookies: list[str | None] = []
        self.seen_consent: list[Any] = []

    async def asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        cookie = [v for k, v in scope["headers"] if k == b"cookie"]
        self.seen_cookies.append(text(b"; ".join(cookie)) if cookie else None)
        self.seen_consent.append(scope["state"]["consent"])
        headers = [(b"x-binary", b"\xff\xfe\x00\x80"), (b"content-type", b"text/plain")]
        headers += [(b"set-cookie", v) for v in self.set_cookies]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        cookie = environ.get("HTTP_COOKIE")
        self.seen_cookies.append(None if cookie is None else text(cookie.encode("latin-1")))
        self.seen_consent.append(environ["cookiewarden.consent"])
        headers = [("X-Binary", "\xff\xfe\x80"), ("Content-Type", "text/plain")]
        headers += [("Set-Cookie", v.decode("latin-1")) for v in self.set_cookies]
        start_response("200 OK", headers)
        return [b"ok"]


@pytest.fixture(scope="module")
def options(example_policy: Policy, keys: Any, clock: Callable[[], float]) -> dict[str, Any]:
    return {
        "policy": example_policy,
        "secret_keys": [keys.new],
        "clock": clock,
        "consent_log": None,
    }


def through_asgi(
    options: dict[str, Any],
    recorder: Recorder,
    *,
    cookie: bytes | None = None,
    host: bytes = b"testserver",
    method: str = "GET",
    target: str = "/",
    body: bytes = b"",
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> Response:
    headers = [(b"host", host), *extra]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    app = CookieWarden(recorder.asgi, **options)
    # call_asgi adds a Host of its own; the one given here comes last and wins in the adapter.
    return call_asgi(app, method, target, headers=headers, body=body)


def through_wsgi(
    options: dict[str, Any],
    recorder: Recorder,
    *,
    cookie: bytes | None = None,
    host: bytes = b"testserver",
    method: str = "GET",
    target: str = "/",
    body: bytes = b"",
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> Response:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in extra]
    if cookie is not None:
        headers.append(("Cookie", cookie.decode("latin-1")))
    environ = wsgi_environ(method, target, headers, body)
    environ["HTTP_HOST"] = host.decode("latin-1")
    app = CookieWardenWSGI(recorder.wsgi, **options)
    return run_wsgi(app, environ).response


ADAPTERS = [
    pytest.param(through_asgi, id="asgi"),
    pytest.param(through_wsgi, id="wsgi"),
]


def check(response: Response, recorder: Recorder, policy: Policy, now: float) -> None:
    """What leaves and what the app saw obey the consent the app was handed."""
    consent = recorder.seen_consent[-1] if recorder.seen_consent else None
    granted = consent.granted if consent is not None else policy.necessary_keys
    assert_only_allowed(response.set_cookies, granted, policy, now)
    for seen in recorder.seen_cookies:
        for name, _ in parse_cookie_header(seen or ""):
            rule = policy.lookup(name)
            assert rule is not None and rule.category in granted, (name, seen)


COOKIE_HEADERS = [
    pytest.param(b"x=" + b"y" * 2_000_000, id="two-megabytes"),
    pytest.param(bytes(range(256)), id="every-octet"),
    pytest.param(b"; ".join(b"c%d=%d" % (i, i) for i in range(10_000)), id="10000-pairs"),
    pytest.param(b"; ".join(b"_ga_%d=%d" % (i, i) for i in range(10_000)), id="10000-refused"),
    pytest.param(b"=", id="lone-equals"),
    pytest.param(b";", id="lone-semicolon"),
    pytest.param(b" ;; ; =;=;= ", id="separators"),
    pytest.param(b"", id="empty"),
    pytest.param(b"\xff\xfe=\xc3\x28; _ga=\x80", id="not-utf8"),
    pytest.param(b"_ga_\x01x=1; sessionid=s", id="control-char-in-glob-matched-name"),
    pytest.param(b"_ga_ x=1", id="space-in-glob-matched-name"),
    pytest.param(b"lang\x00=1; a\x7f=2", id="nul-and-del"),
    pytest.param(b"cw_consent=" + b"\xff" * 5000, id="binary-consent"),
    pytest.param(b"; ".join([b"cw_consent=a.b.c"] * 2000), id="2000-consents"),
    pytest.param(b"cw_consent=" + b"a" * 100_000, id="huge-consent"),
    pytest.param(b"cw_consent=W10.e30.e30", id="consent-like"),
    pytest.param(b"\xc3\xa9t\xc3\xa9=\xe2\x82\xac", id="utf8-name"),
]


@pytest.mark.parametrize("through", ADAPTERS)
@pytest.mark.parametrize("cookie", COOKIE_HEADERS)
def test_garbage_cookie_headers(
    through: Any, cookie: bytes, options: dict[str, Any], example_policy: Policy, now: float
) -> None:
    recorder = Recorder()
    response = through(options, recorder, cookie=cookie)
    assert response.status == 200
    assert response.body == b"ok"
    check(response, recorder, example_policy, now)


SET_COOKIES = [
    pytest.param(bytes(range(256)), id="every-octet"),
    pytest.param(b"\xff\xfe\xfd", id="not-utf8"),
    pytest.param(b"sessionid=\xff\xfe; Path=/", id="not-utf8-value"),
    pytest.param(b"sessionid=" + b"x" * 1_000_000, id="one-megabyte"),
    pytest.param(b"", id="empty"),
    pytest.param(b"; Max-Age=1; Path=/", id="only-attributes"),
    pytest.param(b";", id="lone-semicolon"),
    pytest.param(b"=", id="lone-equals"),
    pytest.param(b"sessionid=1; Expires=\xff\xff", id="binary-expires"),
    pytest.param(b"sessionid=1; Max-Age=" + b"9" * 100, id="huge-max-age"),
    pytest.param(b"_ga=1; Max-Age=-" + b"9" * 100, id="huge-negative-max-age"),
    pytest.param(b"lang=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT", id="year-9999"),
    pytest.param(b"lang=1; Expires=Mon, 01 Jan 1601 00:00:00 GMT", id="year-1601"),
    pytest.param(b"lang=1; Expires=Sat, 01 Jan 0001 00:00:00 GMT", id="year-1"),
    pytest.param(b"sessionid=1; Domain=\xff.example", id="binary-domain"),
    pytest.param(b"sessionid=1; Domain=" + b"a." * 600 + b"com", id="long-domain"),
    pytest.param(b"sessionid=1; Domain=xn--", id="bad-punycode"),
    pytest.param(b"sessionid=1; Domain=..", id="dots-domain"),
    pytest.param(b"sessionid=1; Domain=[::1]", id="ip-literal-domain"),
    pytest.param(b"sessionid=1; Path=" + b"/" * 5000, id="long-path"),
    pytest.param(b"sessionid=1" + b"; a=b" * 10_000, id="10000-attributes"),
    pytest.param(b"_ga_\x01=1", id="control-char-name"),
    pytest.param(b"__Host-x=1; Secure; Path=/; Domain=testserver", id="host-prefix-domain"),
    pytest.param(b"sessionid=1; SameSite=None", id="samesite-none-insecure"),
    pytest.param(b"\xc3\xa9=1", id="utf8-name"),
    pytest.param(b"sessionid=1\r\nX-Injected: 1", id="crlf"),
]


@pytest.mark.parametrize("through", ADAPTERS)
@pytest.mark.parametrize("granted", [(), OPTIONAL], ids=["no-consent", "accept-all"])
@pytest.mark.parametrize("set_cookie", SET_COOKIES)
def test_garbage_set_cookie_values(
    through: Any,
    granted: tuple[str, ...],
    set_cookie: bytes,
    options: dict[str, Any],
    example_policy: Policy,
    now: float,
    mint: Any,
) -> None:
    recorder = Recorder([set_cookie, b"sessionid=ok"])
    cookie = b"cw_consent=" + mint(granted).encode()
    response = through(options, recorder, cookie=cookie)
    assert response.status == 200
    assert response.set_cookies[-1] == "sessionid=ok"
    check(response, recorder, example_policy, now)


HOSTS = [
    pytest.param(b"\xff\xfe", id="not-utf8"),
    pytest.param(b"[::1", id="unclosed-bracket"),
    pytest.param(b"a" * 10_000, id="ten-thousand-octets"),
    pytest.param(b"exa mple.com:99999", id="space-and-bad-port"),
    pytest.param(b"", id="empty"),
    pytest.param(b"xn--", id="bad-punycode"),
    pytest.param(b"..", id="dots"),
    pytest.param(b"\x00", id="nul"),
    pytest.param(b"\xc3\xa9xample.com", id="utf8"),
    pytest.param(b"1.2.3.4:80", id="ip"),
]


@pytest.mark.parametrize("through", ADAPTERS)
@pytest.mark.parametrize("host", HOSTS)
def test_garbage_hosts(
    through: Any,
    host: bytes,
    options: dict[str, Any],
    example_policy: Policy,
    now: float,
    mint: Any,
) -> None:
    recorder = Recorder(
        [b"sessionid=1; Domain=example.com", b"lang=1; Domain=com", *PAGE_SET_COOKIES]
    )
    cookie = b"cw_consent=" + mint(OPTIONAL).encode() + b"; _ga=1"
    response = through(options, recorder, cookie=cookie, host=host)
    assert response.status == 200
    check(response, recorder, example_policy, now)


BODIES = [
    pytest.param("application/json", b"[" * 16_000, id="deep-json"),
    pytest.param("application/json", b"\xff\xfe{", id="binary-json"),
    pytest.param("application/json", b'{"granted": "performance"}', id="wrong-shape"),
    pytest.param("application/json", b'{"granted": [1, null]}', id="wrong-types"),
    pytest.param("application/json", b"x" * 100_000, id="too-large"),
    pytest.param("application/x-www-form-urlencoded", b"granted=%ff&next=%0d%0a", id="bad-form"),
    pytest.param("text/\xff", b"{}", id="binary-content-type"),
]


@pytest.mark.parametrize("through", ADAPTERS)
@pytest.mark.parametrize(("content_type", "body"), BODIES)
def test_garbage_consent_requests(
    through: Any, content_type: str, body: bytes, options: dict[str, Any]
) -> None:
    recorder = Recorder()
    extra = [(b"content-type", content_type.encode("latin-1"))]
    response = through(options, recorder, method="POST", target="/_consent", body=body, extra=extra)
    assert 400 <= response.status < 500
    assert response.set_cookies == []
    assert recorder.seen_cookies == []  # the app never saw the consent API


def test_garbage_wsgi_environ_strings(
    options: dict[str, Any], example_policy: Policy, now: float
) -> None:
    """PEP 3333 says latin-1, but some servers put any ``str`` in the environ."""
    recorder = Recorder()
    environ = wsgi_environ("GET", "/", [("Cookie", "a=\u20ac; _ga=\udcff; lang=\U0001f36a")])
    environ["HTTP_HOST"] = "\u20ac.example"
    environ["PATH_INFO"] = "/\u20ac"
    environ["wsgi.input"] = io.BytesIO()
    response = run_wsgi(CookieWardenWSGI(recorder.wsgi, **options), environ).response
    assert response.status == 200
    check(response, recorder, example_policy, now)


# -- property test ------------------------------------------------------------------------------

NAMES = st.sampled_from(
    [
        "sessionid",
        "_ga",
        "_ga_X1",
        "lang",
        "ads_id",
        "cw_consent",
        "csrftoken",
        "tracker",
        "",
        "__Host-id",
        "__Secure-id",
        "_ga_\x01",
    ]
)
ATTRIBUTES = st.sampled_from(
    [
        "Max-Age=0",
        "Max-Age=-1",
        "Max-Age=99999999999",
        "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "Expires=Fri, 31 Dec 9999 23:59:59 GMT",
        "Domain=testserver",
        "Domain=com",
        "Domain=.evil.example",
        "Domain=",
        "Path=/",
        "Path=x",
        "Secure",
        "HttpOnly",
        "SameSite=None",
        "SameSite=lax",
        "Partitioned",
        "",
        "=",
    ]
)


def _join(name: str, value: str, attributes: list[str]) -> bytes:
    header = f"{name}={value}" + "".join("; " + a for a in attributes)
    return header.encode("utf-8", "surrogateescape")


SET_COOKIE_VALUES = st.one_of(
    st.binary(max_size=200),
    st.builds(_join, NAMES, st.text(max_size=12), st.lists(ATTRIBUTES, max_size=5)),
)
COOKIE_GARBAGE = st.one_of(
    st.binary(max_size=200),
    st.lists(st.tuples(NAMES, st.text(max_size=8)), max_size=8).map(
        lambda pairs: "; ".join(f"{n}={v}" for n, v in pairs).encode("utf-8", "surrogateescape")
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    granted=st.sets(st.sampled_from(OPTIONAL)),
    garbage=COOKIE_GARBAGE,
    set_cookies=st.lists(SET_COOKIE_VALUES, max_size=5),
    gpc=st.booleans(),
)
def test_arbitrary_bytes_never_raise_and_only_granted_cookies_leave(
    granted: set[str],
    garbage: bytes,
    set_cookies: list[bytes],
    gpc: bool,
    options: dict[str, Any],
    example_policy: Policy,
    now: float,
    mint: Any,
) -> None:
    cookie = b"cw_consent=" + mint(granted).encode() + b"; " + garbage
    extra = [(b"sec-gpc", b"1")] if gpc else []
    for through in (through_asgi, through_wsgi):
        recorder = Recorder(set_cookies)
        response = through(options, recorder, cookie=cookie, extra=extra)
        assert response.status == 200
        check(response, recorder, example_policy, now)
        assert set(recorder.seen_consent[-1].granted) <= set(granted) | {"necessary"}
