"""The banner tag added to HTML responses (inject_banner), in the core and through both adapters."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy
from cookiewarden.adapters.inject import MAX_INJECT_BODY, banner_tag, inject, injectable

HTML = b"<!doctype html><html><head></head><body><p>hi</p></BODY ></html>"
TAG = b'<script src="/_consent/banner.js" defer></script>'


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


def test_inject_before_the_last_body_end() -> None:
    body = b"<body><pre></body></pre></body>"
    assert inject(body, TAG, "/_consent") == b"<body><pre></body></pre>" + TAG + b"</body>"
    assert inject(HTML, TAG, "/_consent") == HTML.replace(b"</BODY >", TAG + b"</BODY >")


def test_inject_leaves_pages_without_body_or_with_the_banner() -> None:
    assert inject(b"<p>fragment</p>", TAG, "/_consent") is None
    assert inject(b"<body>" + TAG + b"</body>", TAG, "/_consent") is None


def test_banner_tag_carries_the_csp_nonce() -> None:
    csp = "default-src 'self'; script-src 'self' 'nonce-r4nd0m+/='"
    assert banner_tag("/_consent", csp) == (
        b'<script src="/_consent/banner.js" defer nonce="r4nd0m+/="></script>'
    )
    assert banner_tag("/c", None) == b'<script src="/c/banner.js" defer></script>'


def _asgi(body_chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[Any, bytes]:
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

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"x.test")]}
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
    tag = b'<script src="/_consent/banner.js" defer nonce="abc"></script>'
    assert body == HTML.replace(b"</BODY >", tag + b"</BODY >")
    assert (b"content-length", str(len(body)).encode()) in start["headers"]
    assert [k for k, _ in start["headers"]].count(b"content-length") == 1


def test_asgi_leaves_other_responses_alone() -> None:
    _start, body = _asgi([b'{"a": 1}'], [(b"content-type", b"application/json")])
    assert body == b'{"a": 1}'
    big = b"<body>" + b"x" * (MAX_INJECT_BODY + 10) + b"</body>"
    _start, body = _asgi([big[:1000], big[1000:]], [(b"content-type", b"text/html")])
    assert body == big


def _wsgi(chunks: list[bytes], headers: list[tuple[str, str]]) -> tuple[Any, bytes, list[int]]:
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
    result = mw(
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_HOST": "x.test"},
        lambda status, hdrs, exc_info=None: started.append((status, hdrs)),
    )
    body = b"".join(result)
    getattr(result, "close", lambda: closed.append(1))()
    return started[0], body, closed


def test_wsgi_injects_and_fixes_content_length() -> None:
    headers = [("Content-Type", "text/html"), ("Content-Length", str(len(HTML)))]
    (_status, sent_headers), body, closed = _wsgi([HTML[:10], HTML[10:]], headers)
    assert body == HTML.replace(b"</BODY >", TAG + b"</BODY >")
    assert ("Content-Length", str(len(body))) in sent_headers
    assert closed == [1]


def test_wsgi_leaves_other_responses_alone() -> None:
    (_status, _sent_headers), body, closed = _wsgi([b"{}"], [("Content-Type", "application/json")])
    assert body == b"{}"
    assert closed == [1]
