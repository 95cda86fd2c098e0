"""Decisions in words (``describe``), and the side-effect-free clear-refused preview."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cookiewarden import Policy
from cookiewarden.engine.core import Engine
from cookiewarden.engine.hooks import RequestInfo, apply_hook
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.decide import decide
from cookiewarden.rules.decision import Reason, RequestFacts
from cookiewarden.rules.setcookie import SetCookie
from cookiewarden.tools.explain import (
    category_label,
    describe,
    refused_deletions,
    requested_lifetime,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()
YEAR = 365 * 86400
WWW = "www.example.com"


def make_policy(**overrides: Any) -> Policy:
    data: dict[str, Any] = {
        "version": "v1",
        "max_age": "365d",
        "unknown": "block",
        "categories": {
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "performance": {"label": "Performance"},
            "functionality": {"label": "Functionality"},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "csrftoken", "category": "necessary", "lifetime": "2y"},
            {"name": "__Host-id", "category": "necessary", "lifetime": "1d"},
            {"name": "__Secure-id", "category": "necessary", "lifetime": "1d"},
            {"name": "__Http-id", "category": "necessary", "lifetime": "1d"},
            {"name": "_ga", "category": "performance", "lifetime": "2y", "domain": "example.com"},
            {"name": "_ga_*", "category": "performance", "lifetime": "30d"},
            {"name": "prefs", "category": "functionality", "lifetime": "session"},
            {"name": "lang", "category": "functionality", "lifetime": "30d", "path": "/shop"},
            {"name": "__Host-theme", "category": "functionality", "domain": "example.com"},
            {"name": "__Secure-region", "category": "functionality", "path": "/eu"},
        ],
    }
    data.update(overrides)
    return Policy.from_dict(data)


POLICY = make_policy()
ALL = frozenset(POLICY.category_keys)
NONE = frozenset({"necessary"})


def consent(granted: frozenset[str]) -> Consent:
    return Consent(granted=granted, decided=True, policy_version="v1", consent_id="c", issued_at=1)


# -- describe: one sentence per reason -----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "header", "granted", "host", "reason", "sentence"),
    [
        pytest.param(
            {},
            "sessionid=1",
            NONE,
            WWW,
            Reason.ALLOWED,
            "Declared as Strictly necessary: always allowed.",
            id="allowed-necessary",
        ),
        pytest.param(
            {},
            "_ga=1; Max-Age=60",
            ALL,
            WWW,
            Reason.ALLOWED,
            "Declared as Performance, which this visitor allows.",
            id="allowed-by-consent",
        ),
        pytest.param(
            {"unknown": "allow"},
            "x=1",
            NONE,
            WWW,
            Reason.ALLOWED,
            'Undeclared, but the policy lets unknown cookies through (unknown = "allow").',
            id="allowed-unknown-allow",
        ),
        pytest.param(
            {"unknown": "functionality"},
            "x=1",
            ALL,
            WWW,
            Reason.ALLOWED,
            "Undeclared; the policy treats unknown cookies as Functionality, which is allowed.",
            id="allowed-unknown-as-category",
        ),
        pytest.param(
            {},
            "_ga=; Max-Age=0",
            NONE,
            WWW,
            Reason.DELETION,
            "A deletion: always passes, so a site can always forget a cookie.",
            id="deletion",
        ),
        pytest.param(
            {},
            "=a=b",
            ALL,
            WWW,
            Reason.UNPARSEABLE,
            "A browser would ignore this header entirely.",
            id="unparseable",
        ),
        pytest.param(
            {},
            "tracker=1",
            ALL,
            WWW,
            Reason.UNDECLARED,
            "Not declared in the cookie policy, and the policy blocks unknown cookies.",
            id="undeclared",
        ),
        pytest.param(
            {},
            "_ga=1",
            NONE,
            WWW,
            Reason.REFUSED,
            "“Performance” is not allowed by this visitor.",
            id="refused-declared",
        ),
        pytest.param(
            {"unknown": "functionality"},
            "x=1",
            NONE,
            WWW,
            Reason.REFUSED,
            "Undeclared; the policy treats unknown cookies as Functionality, which is refused.",
            id="refused-unknown-as-category",
        ),
        pytest.param(
            {},
            "sessionid=1; Domain=com",
            ALL,
            WWW,
            Reason.PUBLIC_SUFFIX,
            "Domain=com is a public suffix: no browser would store it.",
            id="public-suffix",
        ),
        pytest.param(
            {},
            "sessionid=1; Domain=other.org",
            ALL,
            WWW,
            Reason.FOREIGN_DOMAIN,
            "Domain=other.org does not cover the request host www.example.com.",
            id="foreign-domain-names-the-host",
        ),
        pytest.param(
            {
                "root_domain": "shop.example.com",
                "cookies": [{"name": "sessionid", "category": "necessary"}],
            },
            "sessionid=1; Domain=example.com",
            ALL,
            "www.shop.example.com",
            Reason.BEYOND_ROOT,
            "Domain=example.com is wider than the policy's root_domain shop.example.com.",
            id="beyond-root-domain",
        ),
        pytest.param(
            {},
            "sessionid=1; Domain=example.com",
            ALL,
            "192.0.2.1",
            Reason.IP_HOST_DOMAIN,
            "The site was reached by IP address (192.0.2.1), which can only get host-only"
            " cookies; Domain=example.com is refused.",
            id="ip-host-domain",
        ),
        pytest.param(
            {},
            "sessionid=1; Domain=github.io",
            ALL,
            "github.io",
            Reason.HOST_ONLY,
            "Domain=github.io is a public suffix equal to the host: made host-only.",
            id="domain-made-host-only",
        ),
        pytest.param(
            {},
            "__Host-id=1; Path=/",
            ALL,
            WWW,
            Reason.HOST_PREFIX,
            "A __Host- cookie needs Secure, Path=/ and no Domain.",
            id="host-prefix",
        ),
        pytest.param(
            {},
            "__Secure-id=1",
            ALL,
            WWW,
            Reason.SECURE_PREFIX,
            "A __Secure- cookie needs Secure.",
            id="secure-prefix",
        ),
        pytest.param(
            {},
            "__Http-id=1; Secure",
            ALL,
            WWW,
            Reason.HTTP_PREFIX,
            "A __Http- or __Host-Http- cookie needs Secure and HttpOnly.",
            id="http-prefix",
        ),
        pytest.param(
            {},
            "sessionid=1; SameSite=None",
            ALL,
            WWW,
            Reason.SAMESITE_NONE_INSECURE,
            "SameSite=None needs Secure.",
            id="samesite-none-insecure",
        ),
        pytest.param(
            {},
            "sessionid=1; Partitioned",
            ALL,
            WWW,
            Reason.PARTITIONED_INSECURE,
            "Partitioned needs Secure.",
            id="partitioned-insecure",
        ),
        pytest.param(
            {},
            "prefs=1; Max-Age=60",
            ALL,
            WWW,
            Reason.SESSION,
            "Declared as a session cookie: its Max-Age/Expires were removed.",
            id="session-cookie",
        ),
        pytest.param(
            {},
            f"_ga=1; Max-Age={5 * YEAR}",
            ALL,
            WWW,
            Reason.CAPPED,
            "Asked for 5 years; cut to 1 year by the policy's max_age.",
            id="capped-by-max-age",
        ),
        pytest.param(
            {},
            f"lang=1; Max-Age={2 * YEAR}",
            ALL,
            WWW,
            Reason.CAPPED,
            "Asked for 2 years; cut to 30 days by its declared lifetime.",
            id="capped-by-declared-lifetime",
        ),
        pytest.param(
            {},
            f"csrftoken=1; Max-Age={5 * YEAR}",
            ALL,
            WWW,
            Reason.CAPPED,
            "Asked for 5 years; cut to 2 years by its declared lifetime.",
            id="capped-necessary-ignores-max-age",
        ),
        pytest.param(
            {},
            "lang=1; Expires=Sun, 29 Nov 2027 12:00:00 GMT",
            ALL,
            WWW,
            Reason.CAPPED,
            "Asked for 1 year; cut to 30 days by its declared lifetime.",
            id="capped-expires-read-against-now",
        ),
        pytest.param(
            {"unknown": "functionality"},
            f"x=1; Max-Age={5 * YEAR}",
            ALL,
            WWW,
            Reason.CAPPED,
            "Asked for 5 years; cut to 1 year by the policy's max_age.",
            id="capped-undeclared-by-max-age",
        ),
        pytest.param(
            {"secure": "always", "same_site_min": "lax"},
            "sessionid=1; SameSite=None; Secure",
            ALL,
            WWW,
            Reason.HARDENED,
            "The policy hardens cookies: SameSite=Lax added.",
            id="hardened-samesite",
        ),
        pytest.param(
            {"secure": "always"},
            "sessionid=1",
            ALL,
            WWW,
            Reason.HARDENED,
            "The policy hardens cookies: Secure added.",
            id="hardened-secure",
        ),
    ],
)
def test_describe_says_why_in_one_sentence(
    overrides: dict[str, Any],
    header: str,
    granted: frozenset[str],
    host: str,
    reason: Reason,
    sentence: str,
) -> None:
    policy = make_policy(**overrides)
    facts = RequestFacts(host=host, secure=False)
    decision = decide(header, policy=policy, consent=consent(granted), facts=facts, now=NOW)
    assert decision.reason is reason
    assert describe(decision, policy, facts=facts, now=NOW) == sentence


def test_describe_has_a_sentence_for_every_reason() -> None:
    # Keeps the table above complete: a new Reason needs its own sentence and its own row.
    ids = {
        "allowed",
        "deletion",
        "unparseable",
        "undeclared",
        "refused-category",
        "public-suffix",
        "foreign-domain",
        "beyond-root-domain",
        "ip-host-domain",
        "domain-made-host-only",
        "host-prefix",
        "secure-prefix",
        "http-prefix",
        "samesite-none-insecure",
        "partitioned-insecure",
        "session-cookie",
        "lifetime-capped",
        "hardened",
        "hook",  # made by cookiewarden.engine.hooks, not decide: test_describe_the_hook_s_decisions
    }
    assert {r.value for r in Reason} == ids


def test_describe_the_hook_s_decisions() -> None:
    facts = RequestFacts(host=WWW, secure=False)
    request = RequestInfo.build(facts, ())
    kept = decide("lang=1; Max-Age=60", policy=POLICY, consent=consent(ALL), facts=facts, now=NOW)
    dropped, _ = apply_hook(lambda e: "drop", kept, request, now=NOW)
    assert describe(dropped, POLICY, facts=facts, now=NOW) == (
        "Dropped by the site's on_decision hook."
    )
    assert kept.cookie is not None
    tighter, _ = apply_hook(lambda e: kept.cookie.with_changes(max_age=1), kept, request, now=NOW)  # type: ignore[union-attr]
    assert describe(tighter, POLICY, facts=facts, now=NOW) == (
        "Made stricter by the site's on_decision hook."
    )


# -- small helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        pytest.param(SetCookie("a", "1", max_age=60), 60, id="max-age"),
        pytest.param(
            SetCookie(
                "a",
                "1",
                max_age=60,
                expires=datetime(2027, 11, 29, 12, 0, tzinfo=UTC),
            ),
            60,
            id="max-age-wins-over-expires",
        ),
        pytest.param(
            SetCookie("a", "1", expires=datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
            86400,
            id="expires-from-now",
        ),
        pytest.param(
            SetCookie("a", "1", expires=datetime(2020, 1, 1, tzinfo=UTC)), 0, id="past-is-zero"
        ),
        pytest.param(SetCookie("a", "1"), None, id="session"),
    ],
)
def test_requested_lifetime(cookie: SetCookie, expected: int | None) -> None:
    assert requested_lifetime(cookie, NOW) == expected


def test_category_label_falls_back_to_the_key_and_names_undeclared() -> None:
    assert category_label(POLICY, "performance") == "Performance"
    assert category_label(POLICY, "no-such-category") == "no-such-category"
    assert category_label(POLICY, None) == "undeclared"


# -- refused_deletions ---------------------------------------------------------------------------

DEL = "=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.mark.parametrize(
    ("names", "granted", "secure", "expected"),
    [
        pytest.param(
            ["sessionid", "_ga", "tracker", "lang"],
            NONE,
            False,
            [
                ("_ga", f"_ga{DEL}; Path=/; Domain=example.com"),
                ("lang", f"lang{DEL}; Path=/shop"),
            ],
            id="declared-refused-only-with-their-domain-and-path",
        ),
        pytest.param(["_ga", "lang", "_ga_x"], ALL, False, [], id="allowed-cookies-stay"),
        pytest.param(["tracker", "other"], NONE, False, [], id="undeclared-never-expired"),
        pytest.param(
            ["", "_ga_x", "_ga_x"],
            NONE,
            False,
            [("_ga_x", f"_ga_x{DEL}; Path=/")],
            id="each-name-once-empty-skipped",
        ),
        pytest.param(
            ["__Host-theme"],
            NONE,
            False,
            [("__Host-theme", f"__Host-theme{DEL}; Path=/; Secure")],
            id="host-prefix-host-only-on-root-and-secure",
        ),
        pytest.param(
            ["__Secure-region"],
            NONE,
            False,
            [("__Secure-region", f"__Secure-region{DEL}; Path=/eu; Secure")],
            id="secure-prefix-secure-over-http",
        ),
        pytest.param(
            ["lang"],
            NONE,
            True,
            [("lang", f"lang{DEL}; Path=/shop; Secure")],
            id="secure-request-adds-secure",
        ),
        pytest.param(["_ga_\x01"], NONE, False, [], id="unsendable-name-skipped"),
    ],
)
def test_refused_deletions(
    names: list[str],
    granted: frozenset[str],
    secure: bool,
    expected: list[tuple[str, str]],
) -> None:
    assert refused_deletions(POLICY, names, consent(granted), secure=secure) == expected


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("granted", [NONE, ALL, frozenset({"necessary", "performance"})])
def test_refused_deletions_match_what_the_engine_sends(
    granted: frozenset[str], secure: bool
) -> None:
    # The preview exists only because the engine's method logs; the headers must be the same.
    names = [
        "sessionid",
        "_ga",
        "_ga_abc",
        "_ga_abc",
        "lang",
        "prefs",
        "__Host-theme",
        "__HOST-theme",
        "__Secure-region",
        "tracker",
        "",
        "_ga_\x01",
    ]
    engine = Engine(POLICY, ["k" * 32], consent_log=None)
    try:
        expected = engine.deletions_for(names, consent(granted), secure=secure)
    finally:
        engine.close()
    preview = refused_deletions(POLICY, names, consent(granted), secure=secure)
    assert [header for _name, header in preview] == expected
    assert [name for name, _header in preview] == [h.split("=", 1)[0] for h in expected]
