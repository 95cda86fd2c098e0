"""The request side: a ``Cookie`` header → consent, what the app sees, what to clear."""

from __future__ import annotations

import pytest

from cookiewarden import Policy
from cookiewarden.engine.options import Options
from cookiewarden.engine.reading import FOREVER, RequestReader, refused_deletions
from cookiewarden.rules.consent import choose
from cookiewarden.rules.consent_codec import ConsentCodec

NOW = 1_795_000_000.0
DAY = 86400
POLICY = Policy.from_dict(
    {
        "version": "v1",
        "consent_max_age": "10d",
        "categories": {
            "necessary": {"necessary": True},
            "performance": {},
            "targeting": {},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
            {"name": "ads", "category": "targeting", "domain": "example.com", "path": "/shop"},
            {"name": "__Host-t", "category": "targeting", "lifetime": "1d"},
            {"name": "__Secure-s", "category": "targeting", "lifetime": "1d"},
        ],
    }
)
CODEC = ConsentCodec(POLICY, ["key"])
EXPIRED = "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
LONE_A0 = chr(0xDCA0)  # the octet 0xA0 alone, as our surrogate-escaped text holds it


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def reader(clock: Clock, counted: list[tuple[str, str, str]], **options: object) -> RequestReader:
    settings: dict[str, object] = {
        "report_only": False,
        "consent_path": "/_consent",
        "filter_request_cookies": True,
        "clear_refused": True,
        "secure_consent_cookie": None,
        "trusted_proxies": 0,
    }
    settings.update(options)
    return RequestReader(
        POLICY,
        CODEC,
        Options(**settings),  # type: ignore[arg-type]
        clock=clock,
        count=lambda *key: counted.append(key),
    )


def token(granted: list[str], at: float = NOW) -> str:
    return CODEC.dumps(choose(POLICY, granted, gpc=False, accept_all=False, method="api", now=at))


@pytest.mark.parametrize("header", [None, "", b""], ids=["none", "empty-text", "empty-bytes"])
def test_a_request_without_cookies_is_undecided_for_good(header: str | bytes | None) -> None:
    r = reader(Clock(), [])
    side, steady = r.side(header, False, True, True)
    assert steady
    assert (side.app_cookie_header, side.deletions, side.cleared) == (None, (), ())
    assert not side.consent.decided and side.consent.granted == {"necessary"}
    assert (side.valid_from, side.valid_until) == (-FOREVER, FOREVER)
    assert r.side(header, False, True, True)[0] is side  # one instance serves every such request
    assert r.side(header, True, True, True)[0].consent.gpc


def test_refused_cookies_are_hidden_and_cleared_while_the_consent_holds() -> None:
    clock, counted = Clock(), []
    r = reader(clock, counted)
    header = f"sessionid=s; _ga=1; ads=2; cw_consent={token(['performance'])}"
    side, steady = r.side(header, False, True, True)
    assert steady and side.consent.granted == {"necessary", "performance"}
    assert side.app_cookie_header is not None
    assert side.app_cookie_header.startswith("sessionid=s; _ga=1; cw_consent=")
    assert side.deletions == (
        "ads=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/shop; Domain=example.com;"
        " Secure",
    )
    assert side.cleared == (("ads", "targeting"),)
    assert (side.valid_from, side.valid_until) == (NOW, NOW + 10 * DAY)
    assert r.side(header, False, True, True)[0] is side  # kept, by the header and the rest
    clock.now = NOW + 10 * DAY  # the consent cookie has expired: worked out again
    expired, _ = r.side(header, False, True, True)
    assert not expired.consent.decided
    assert ("consent", "expired", "-") in counted


def test_report_only_hides_nothing_and_clears_nothing_but_still_reads_consent() -> None:
    r = reader(Clock(), [], report_only=True, clear_refused=True)
    side, _ = r.side(f"_ga=1; cw_consent={token([])}", False, True, True)
    assert side.consent.decided and side.consent.granted == {"necessary"}
    assert side.app_cookie_header is None
    assert side.deletions != ()  # what clear_refused would send; the engine does not send it


def test_a_forged_consent_cookie_is_no_consent_and_is_counted() -> None:
    counted: list[tuple[str, str, str]] = []
    r = reader(Clock(), counted)
    forged = token(["performance", "targeting"])[:-2] + "xx"
    side, steady = r.side(f"cw_consent={forged}", False, True, True)
    assert not side.consent.decided
    assert steady  # a bad signature stays bad whatever the clock says: kept
    assert counted == [("consent", "bad-signature", "-")]


def test_the_newest_valid_consent_cookie_wins() -> None:
    r = reader(Clock(), [])
    older, newer = token(["targeting"], at=NOW - DAY), token(["performance"], at=NOW - 60)
    consent, until, steady = r.consent_at(
        [("cw_consent", newer), ("cw_consent", older)], False, NOW, True
    )
    assert consent.granted == {"necessary", "performance"}
    assert (until, steady) == (NOW - DAY + 10 * DAY, True)  # the first to expire bounds it


@pytest.mark.parametrize(
    ("names", "secure", "expected"),
    [
        pytest.param(["sessionid", "stranger", ""], False, [], id="necessary-undeclared-empty"),
        pytest.param(
            ["_ga", "_ga"],
            False,
            [("_ga", "performance", f"_ga={EXPIRED}; Path=/")],
            id="once-each",
        ),
        pytest.param(
            ["__Host-t"],
            False,
            [("__Host-t", "targeting", f"__Host-t={EXPIRED}; Path=/; Secure")],
            id="host-prefix-secure-on-http",
        ),
        pytest.param(
            ["__Secure-s"],
            False,
            [("__Secure-s", "targeting", f"__Secure-s={EXPIRED}; Path=/; Secure")],
            id="secure-prefix-secure-on-http",
        ),
        pytest.param(
            ["ads"],
            True,
            [("ads", "targeting", f"ads={EXPIRED}; Path=/shop; Domain=example.com; Secure")],
            id="declared-domain-and-path",
        ),
    ],
)
def test_refused_deletions(
    names: list[str], secure: bool, expected: list[tuple[str, str, str]]
) -> None:
    consent = choose(POLICY, [], gpc=False, accept_all=False, method="api", now=NOW)
    assert refused_deletions(POLICY, names, consent, secure=secure) == expected


def test_any_space_is_what_str_strip_removes_and_the_latin1_octets() -> None:
    from cookiewarden.engine.reading import _ANY_SPACE

    unicode_space = {c for c in map(chr, range(0x110000)) if c.isspace()}
    assert set(_ANY_SPACE) == unicode_space | {chr(0xDC85), chr(0xDCA0)}  # lone 0x85, 0xA0


@pytest.mark.parametrize(
    ("name", "value", "readings"),
    [
        pytest.param("_ga", "1", {"_ga"}, id="plain"),
        pytest.param(
            "\u00a0_ga", "1", {"\u00a0_ga", "_ga", "\u00c2\u00a0_ga"}, id="unicode-space-before"
        ),
        pytest.param(
            "_ga\u3000",
            "1",
            {"_ga\u3000", "_ga", "_ga\u00e3\x80\x80"},
            id="ideographic-space-after",
        ),
        pytest.param(
            LONE_A0 + "_ga",
            "1",
            {LONE_A0 + "_ga", "_ga", "\xa0_ga", "\ufffd_ga"},
            id="lone-octet-a0",
        ),
        pytest.param("ab\u00e9", "1", {"ab\u00e9", "ab\u00c3\u00a9"}, id="non-ascii-as-latin1"),
        pytest.param("_g a", "1", {"_g a"}, id="space-inside-is-another-name"),
        pytest.param("", "_ga", {"", "_ga"}, id="nameless-werkzeug-reads-a-name"),
        pytest.param(
            "", "\u3000lang", {"", "\u3000lang", "\u00e3\x80\x80lang"}, id="nameless-not-trimmed"
        ),
        pytest.param(
            "", "\x1clang\x0b", {"", "\x1clang\x0b", "lang"}, id="nameless-as-werkzeug-3.1.8"
        ),
        pytest.param("", "a=b", {"a"}, id="nameless-with-equals-is-judged-by-its-head"),
        pytest.param("", "\u2003ads=1", {"\u2003ads", "ads", "\u00e2\x80\x83ads"}, id="head"),
    ],
)
def test_readings_are_every_name_a_framework_may_see(
    name: str, value: str, readings: set[str]
) -> None:
    from cookiewarden.engine.reading import _readings

    assert set(_readings(name, value)) == readings


@pytest.mark.parametrize(
    ("header", "seen"),
    [
        pytest.param("sessionid=s; \u00a0_ga=1", "sessionid=s", id="refused-under-unicode-space"),
        pytest.param("sessionid=s; _ga", "sessionid=s", id="refused-as-a-nameless-value"),
        # Werkzeug up to 3.1.8 trimmed a nameless value of any whitespace into a name.
        pytest.param("sessionid=s; \x0b_ga\x1c", "sessionid=s", id="refused-once-trimmed"),
        pytest.param("sessionid=s; \u00a0x=1", None, id="an-allowed-name-stays"),
    ],
)
def test_a_cookie_any_framework_reads_as_refused_is_hidden(header: str, seen: str | None) -> None:
    policy = Policy.from_dict(
        {
            "version": "v1",
            "unknown": "allow",
            "categories": {"necessary": {"necessary": True}, "performance": {}},
            "cookies": [
                {"name": "sessionid", "category": "necessary"},
                {"name": "_ga", "category": "performance", "lifetime": "1y"},
            ],
        }
    )
    r = RequestReader(
        policy,
        ConsentCodec(policy, ["key"]),
        reader(Clock(), []).options,
        clock=Clock(),
        count=lambda *key: None,
    )
    side, _ = r.side(header, False, True, True)
    assert side.app_cookie_header == seen


def test_a_declared_glob_is_matched_in_every_framework_s_decoding() -> None:
    # "abé" as UTF-8 is "abÃ©" to a framework that decodes headers as latin-1: four
    # characters, which the refused glob "ab??" matches.
    policy = Policy.from_dict(
        {
            "version": "v1",
            "unknown": "allow",
            "categories": {"necessary": {"necessary": True}, "performance": {}},
            "cookies": [
                {"name": "sessionid", "category": "necessary"},
                {"name": "ab??", "category": "performance", "lifetime": "1y"},
            ],
        }
    )
    r = RequestReader(
        policy,
        ConsentCodec(policy, ["key"]),
        reader(Clock(), []).options,
        clock=Clock(),
        count=lambda *key: None,
    )
    header = "sessionid=s; ab\u00e9=1; abc=2".encode().decode("utf-8", "surrogateescape")
    assert r.side(header, False, True, True)[0].app_cookie_header == "sessionid=s; abc=2"
