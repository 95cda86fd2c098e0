"""Unit tests for cookiewarden.rules.cookies: the request Cookie header, and deletion headers."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cookiewarden.rules.cookies import deletion_header, parse_cookie_header, render_cookie_header
from cookiewarden.rules.setcookie_parse import parse_set_cookie

EPOCH_HEADER = "Expires=Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.mark.parametrize(
    ("header", "pairs"),
    [
        pytest.param("a=1; b=2", [("a", "1"), ("b", "2")], id="browser-form"),
        pytest.param("a=1;b=2", [("a", "1"), ("b", "2")], id="no-space"),
        pytest.param("  a = 1 ;\tb=2\t", [("a", "1"), ("b", "2")], id="whitespace-trimmed"),
        pytest.param("a=1; foo; b=2", [("a", "1"), ("", "foo"), ("b", "2")], id="nameless"),
        pytest.param("a=1; a=2", [("a", "1"), ("a", "2")], id="duplicates-in-order"),
        pytest.param("a=", [("a", "")], id="empty-value"),
        pytest.param("=b", [("", "b")], id="leading-equals"),
        pytest.param("a=b=c", [("a", "b=c")], id="equals-in-value"),
        pytest.param('a="x y"', [("a", '"x y"')], id="quotes-kept"),
        pytest.param("a=%41", [("a", "%41")], id="not-percent-decoded"),
        pytest.param("a=1, b=2", [("a", "1, b=2")], id="comma-is-not-a-separator"),
        pytest.param("a=\u00e9\udcff", [("a", "\u00e9\udcff")], id="octets-kept"),
        pytest.param("", [], id="empty"),
        pytest.param("   ", [], id="blank"),
        pytest.param(";;; ;", [], id="only-separators"),
        pytest.param("=", [], id="bare-equals"),
        pytest.param("a=1;;b=2;", [("a", "1"), ("b", "2")], id="empty-pieces-skipped"),
    ],
)
def test_parse_cookie_header(header: str, pairs: list[tuple[str, str]]) -> None:
    assert parse_cookie_header(header) == pairs


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("a=" + "x" * 4_000_000, id="one-huge-value"),
        pytest.param("; ".join(f"c{i}=v{i}" for i in range(100_000)), id="100k-pairs"),
        pytest.param(";" * 2_000_000, id="separators"),
        pytest.param("=" * 2_000_000, id="equals"),
        pytest.param(" " * 2_000_000 + "a=b", id="whitespace"),
        pytest.param("\x00\udcff=;\t" * 500_000, id="garbage"),
    ],
)
def test_parse_cookie_header_is_fast_on_huge_input(header: str) -> None:
    started = time.perf_counter()
    parse_cookie_header(header)
    # Linear and in C-level string operations: these take tens of milliseconds. The bound is
    # loose for shared CI machines; a quadratic parser would take minutes.
    assert time.perf_counter() - started < 5


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_parse_cookie_header_never_raises(header: str) -> None:
    for name, value in parse_cookie_header(header):
        assert ";" not in name + value
        assert name or value


@pytest.mark.parametrize(
    ("pairs", "header"),
    [
        pytest.param([("a", "1"), ("b", "2")], "a=1; b=2", id="pairs"),
        pytest.param([("", "foo"), ("a", "")], "foo; a=", id="nameless-and-empty-value"),
        pytest.param([("a", "1"), ("", ""), ("b", "2")], "a=1; b=2", id="empty-pair-left-out"),
        pytest.param([], "", id="none"),
        pytest.param(iter([("a", "1")]), "a=1", id="any-iterable"),
    ],
)
def test_render_cookie_header(pairs: list[tuple[str, str]], header: str) -> None:
    assert render_cookie_header(pairs) == header


NAME_CHARS = st.characters(exclude_characters=";=", exclude_categories=["Cs"])
VALUE_CHARS = st.characters(exclude_characters=";", exclude_categories=["Cs"])
TRIMMED_NAME = st.text(NAME_CHARS, min_size=1, max_size=8).filter(lambda s: s.strip(" \t") == s)
TRIMMED_VALUE = st.text(VALUE_CHARS, max_size=8).filter(lambda s: s.strip(" \t") == s)
NAMELESS_VALUE = TRIMMED_VALUE.filter(lambda v: v != "" and "=" not in v)
PAIRS = st.lists(
    st.tuples(TRIMMED_NAME, TRIMMED_VALUE) | st.tuples(st.just(""), NAMELESS_VALUE), max_size=8
)


@settings(max_examples=400, deadline=None)
@given(PAIRS)
def test_render_then_parse_round_trips(pairs: list[tuple[str, str]]) -> None:
    assert parse_cookie_header(render_cookie_header(pairs)) == pairs


@pytest.mark.parametrize(
    ("arguments", "header"),
    [
        pytest.param(
            {"name": "_ga", "domain": None, "path": None},
            f"_ga=; Max-Age=0; {EPOCH_HEADER}; Path=/",
            id="host-only-root",
        ),
        pytest.param(
            {"name": "_ga", "domain": "example.com", "path": "/shop"},
            f"_ga=; Max-Age=0; {EPOCH_HEADER}; Path=/shop; Domain=example.com",
            id="domain-and-path",
        ),
        pytest.param(
            {"name": "__Host-id", "domain": None, "path": "/", "secure": True},
            f"__Host-id=; Max-Age=0; {EPOCH_HEADER}; Path=/; Secure",
            id="secure",
        ),
        pytest.param(
            {"name": "a", "domain": "", "path": ""},
            f"a=; Max-Age=0; {EPOCH_HEADER}; Path=/",
            id="empty-domain-and-path",
        ),
    ],
)
def test_deletion_header(arguments: dict[str, object], header: str) -> None:
    assert deletion_header(**arguments) == header  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("domain", "path", "secure"),
    [(None, None, False), ("example.com", "/a", False), ("example.com", "/", True)],
)
def test_a_deletion_header_is_a_deletion_to_a_browser(
    domain: str | None, path: str | None, secure: bool
) -> None:
    cookie = parse_set_cookie(deletion_header("sid", domain=domain, path=path, secure=secure))
    assert cookie is not None
    assert cookie.is_deletion(now=0.0)
    assert (cookie.name, cookie.value) == ("sid", "")
    assert (cookie.domain, cookie.path, cookie.secure) == (domain, path or "/", secure)


@pytest.mark.parametrize(
    ("name", "domain", "path"),
    [
        pytest.param("", None, None, id="empty-name"),
        pytest.param("a=b", None, None, id="name-with-equals"),
        pytest.param("a;b", None, None, id="name-with-semicolon"),
        pytest.param(" a", None, None, id="name-untrimmed"),
        pytest.param("a\r\nX-Evil: 1", None, None, id="name-with-crlf"),
        pytest.param("a", "x.org; Secure", None, id="domain-with-semicolon"),
        pytest.param("a", None, "/\x00", id="path-with-nul"),
        pytest.param("a", None, "/x ", id="path-untrimmed"),
    ],
)
def test_deletion_header_refuses_what_it_cannot_send(
    name: str, domain: str | None, path: str | None
) -> None:
    with pytest.raises(ValueError):
        deletion_header(name, domain=domain, path=path)
