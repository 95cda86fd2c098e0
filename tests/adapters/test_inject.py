"""The page's tags added to HTML responses (inject_banner): the guard first in <head>, the banner
before </body>, in the core and through both adapters."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy
from cookiewarden.adapters.inject import MAX_INJECT_BODY, inject, injectable
from cookiewarden.rules.consent import Consent, choose
from cookiewarden.rules.consent_codec import ConsentCodec
from cookiewarden.rules.page_rules import state_token
from cookiewarden.web.page import banner_tag, guard_tag

HTML = (
    b'<!doctype html><html><HEAD lang="en"><script>window.early = 1;</script></HEAD>'
    b"<body><p>hi</p></BODY ></html>"
)
GUARD = b'<script src="/_consent/guard.js"></script>'
TAG = b'<script src="/_consent/banner.js" defer></script>'
DEFAULT = Policy.default()
FIRST_VISIT = state_token(DEFAULT, Consent.undecided(DEFAULT))


def with_tags(html: bytes, guard: bytes = GUARD, banner: bytes = TAG) -> bytes:
    """``html`` as inject leaves it: the guard after <head ...>, the banner before </BODY >."""
    head = html.index(b">", html.index(b"<HEAD")) + 1
    html = html[:head] + guard + html[head:]
    return html.replace(b"</BODY >", banner + b"</BODY >")


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        pytest.param(200, [("Content-Type", "text/html; charset=utf-8")], True, id="html"),
        pytest.param(200, [("content-type", "application/json")], False, id="json"),
        pytest.param(200, [], False, id="no-type"),
        pytest.param(404, [("content-type", "text/html")], False, id="error-page"),
        pytest.param(204, [("content-type", "text/html")], False, id="no-content"),
        pytest.param(
            200,
            [("content-type", "text/html"), ("Content-Encoding", "gzip")],
            False,
            id="compressed",
        ),
        pytest.param(
            200,
            [("content-type", "text/html"), ("content-encoding", "identity")],
            True,
            id="identity-encoding",
        ),
    ],
)
def test_injectable(status: int, headers: list[tuple[str, str]], expected: bool) -> None:
    assert injectable(status, headers) is expected


def test_the_guard_goes_first_in_head_and_the_banner_before_the_last_body_end() -> None:
    assert inject(HTML, "/_consent") == with_tags(HTML)
    body = b"<body><pre></body></pre></body>"
    assert inject(body, "/_consent") == (
        b"<body>" + GUARD + b"<pre></body></pre>" + TAG + b"</body>"
    )


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        pytest.param(
            b"<html><script>a()</script><body></body>",
            b"<html>" + GUARD + b"<script>a()</script><body>" + TAG + b"</body>",
            id="no-head-before-the-first-script",
        ),
        pytest.param(
            b"<html><body class=x><p></body>",
            b"<html><body class=x>" + GUARD + b"<p>" + TAG + b"</body>",
            id="no-head-no-script-start-of-body",
        ),
        pytest.param(
            b"<header>x</header><body></body>",
            b"<header>x</header><body>" + GUARD + TAG + b"</body>",
            id="header-is-not-head",
        ),
    ],
)
def test_where_a_page_has_no_head(page: bytes, expected: bytes) -> None:
    assert inject(page, "/_consent") == expected


def test_inject_leaves_pages_without_a_place_or_with_their_own_tags() -> None:
    assert inject(b"<p>fragment</p>", "/_consent") is None
    assert inject(b"<head>" + GUARD + b"</head><body>" + TAG + b"</body>", "/_consent") is None
    # A page that loads the banner by hand still gets the guard, and keeps its own banner tag.
    own = b"<head></head><body>" + TAG + b"</body>"
    assert inject(own, "/_consent") == b"<head>" + GUARD + b"</head><body>" + TAG + b"</body>"


def test_the_tags_carry_the_csp_nonce() -> None:
    csp = "default-src 'self'; script-src 'self' 'nonce-r4nd0m+/='"
    got = inject(HTML, "/_consent", csp)
    assert got == with_tags(
        HTML,
        b'<script src="/_consent/guard.js" nonce="r4nd0m+/="></script>',
        b'<script src="/_consent/banner.js" defer nonce="r4nd0m+/="></script>',
    )
    assert banner_tag("/c") == '<script src="/c/banner.js" defer></script>'


def _asgi(
    body_chunks: list[bytes], headers: list[tuple[bytes, bytes]], cookie: str | None = None
) -> tuple[Any, bytes]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, chunk in enumerate(body_chunks):
            more = i < len(body_chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    mw = CookieWarden(
        app, policy=Policy.default(), secret_keys=["k"], consent_log=None, inject_banner=True
    )
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    request = [(b"host", b"x.test")] + ([(b"cookie", cookie.encode())] if cookie else [])
    scope = {"type": "http", "method": "GET", "path": "/", "headers": request}
    asyncio.run(mw(scope, receive, send))
    return sent[0], b"".join(m.get("body", b"") for m in sent[1:])


def test_asgi_injects_into_a_streamed_page_and_fixes_content_length() -> None:
    chunks = [HTML[:20], HTML[20:50], HTML[50:]]
    headers = [
        (b"content-type", b"text/html"),
        (b"content-length", str(len(HTML)).encode()),
        (b"content-security-policy", b"script-src 'nonce-abc'"),
    ]
    start, body = _asgi(chunks, headers)
    assert body == with_tags(
        HTML,
        f'<script src="/_consent/guard.js?s={FIRST_VISIT}" nonce="abc"></script>'.encode(),
        b'<script src="/_consent/banner.js" defer nonce="abc"></script>',
    )
    assert (b"content-length", str(len(body)).encode()) in start["headers"]
    assert [k for k, _ in start["headers"]].count(b"content-length") == 1


def test_asgi_leaves_other_responses_alone() -> None:
    _start, body = _asgi([b'{"a": 1}'], [(b"content-type", b"application/json")])
    assert body == b'{"a": 1}'
    big = b"<body>" + b"x" * (MAX_INJECT_BODY + 10) + b"</body>"
    _start, body = _asgi([big[:1000], big[1000:]], [(b"content-type", b"text/html")])
    assert body == big


def _wsgi(
    chunks: list[bytes], headers: list[tuple[str, str]], cookie: str | None = None
) -> tuple[Any, bytes, list[int]]:
    closed: list[int] = []

    class Body:
        def __iter__(self) -> Any:
            return iter(chunks)

        def close(self) -> None:
            closed.append(1)

    def app(environ: Any, start_response: Any) -> Any:
        start_response("200 OK", headers)
        return Body()

    mw = CookieWardenWSGI(
        app, policy=Policy.default(), secret_keys=["k"], consent_log=None, inject_banner=True
    )
    started: list[Any] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_HOST": "x.test"}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    result = mw(
        environ,
        lambda status, hdrs, exc_info=None: started.append((status, hdrs)),
    )
    body = b"".join(result)
    getattr(result, "close", lambda: closed.append(1))()
    return started[0], body, closed


def test_wsgi_injects_and_fixes_content_length() -> None:
    headers = [("Content-Type", "text/html"), ("Content-Length", str(len(HTML)))]
    (_status, sent_headers), body, closed = _wsgi([HTML[:10], HTML[10:]], headers)
    assert body == with_tags(HTML, guard_tag("/_consent", state=FIRST_VISIT).encode())
    assert ("Content-Length", str(len(body))) in sent_headers
    assert closed == [1]


def test_wsgi_leaves_other_responses_alone() -> None:
    (_status, _sent_headers), body, closed = _wsgi([b"{}"], [("Content-Type", "application/json")])
    assert body == b"{}"
    assert closed == [1]


def test_the_last_body_end_is_found_however_far_from_the_end_it_is() -> None:
    # Looked for in the last 4 KiB first; a page with a long tail after </body> is scanned whole.
    tail = b"<!--" + b"y" * 5000 + b"-->"
    body = b"<head></head><body><p>a</p></body>" + tail
    assert inject(body, "/_consent") == (
        b"<head>" + GUARD + b"</head><body><p>a</p>" + TAG + b"</body>" + tail
    )
    near = b"<body></body>" + b"z" * 5000 + b"<p></body>"
    assert inject(near, "/_consent").endswith(TAG + b"</body>")  # type: ignore[union-attr]


@pytest.mark.parametrize("adapter", ["asgi", "wsgi"])
def test_the_guards_url_names_the_visitors_state(adapter: str) -> None:
    # A visitor who chose: their state's token, so their browser never takes a guard it kept
    # from before the choice. A forged consent cookie is no consent: the first visit's token.
    now = time.time()
    chosen = choose(DEFAULT, ["performance"], gpc=False, accept_all=False, method="api", now=now)
    value = ConsentCodec(DEFAULT, ["k"]).dumps(chosen)
    for cookie, token in (
        (f"cw_consent={value}", state_token(DEFAULT, chosen)),
        (f"cw_consent={value[:-2]}xx", FIRST_VISIT),
    ):
        if adapter == "asgi":
            _start, body = _asgi([HTML], [(b"content-type", b"text/html")], cookie)
        else:
            _started, body, _closed = _wsgi([HTML], [("Content-Type", "text/html")], cookie)
        assert f'<script src="/_consent/guard.js?s={token}"></script>'.encode() in body
    assert state_token(DEFAULT, chosen) != FIRST_VISIT


def test_a_page_that_loads_the_guard_with_a_token_is_not_given_another() -> None:
    page = b'<head><script src="/_consent/guard.js?s=0123456789ab"></script></head><body></body>'
    assert inject(page, "/_consent", state=FIRST_VISIT) == page.replace(
        b"</body>", TAG + b"</body>"
    )
