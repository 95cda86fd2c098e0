"""Attribute hardening: ``secure``, ``same_site_min`` and per-cookie ``http_only``.

:func:`cookiewarden.rules.hardening.harden` on its own, then as the decision applies it (reason
``hardened``, over http and https, never on a deletion, never rescuing a cookie a browser
would reject, and never loosening).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cookiewarden import Policy
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.dates import format_cookie_date
from cookiewarden.rules.decide import decide
from cookiewarden.rules.decision import Action, Reason, RequestFacts
from cookiewarden.rules.hardening import harden
from cookiewarden.rules.setcookie import SetCookie
from cookiewarden.rules.setcookie_parse import parse_set_cookie

NOW = 1_800_000_000.0
HTTP = RequestFacts(host="example.com", secure=False)
HTTPS = RequestFacts(host="example.com", secure=True)


def policy(**overrides: Any) -> Policy:
    data: dict[str, Any] = {
        "version": "1",
        "unknown": "allow",
        "categories": {"necessary": {"necessary": True}, "performance": {}},
        "cookies": [
            {"name": "sid", "category": "necessary", "http_only": True},
            {"name": "theme", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "30d"},
        ],
    }
    data.update(overrides)
    return Policy.from_dict(data)


def hardened(header: str, p: Policy, *, secure_request: bool) -> str:
    cookie = parse_set_cookie(header)
    assert cookie is not None
    name = cookie.name
    return harden(cookie, policy=p, rule=p.lookup(name), secure_request=secure_request).to_header()


@pytest.mark.parametrize(
    ("rule", "secure_request", "expected"),
    [
        pytest.param("always", False, "theme=1; Secure", id="always-over-http"),
        pytest.param("always", True, "theme=1; Secure", id="always-over-https"),
        pytest.param("same-as-request", False, "theme=1", id="same-as-request-over-http"),
        pytest.param("same-as-request", True, "theme=1; Secure", id="same-as-request-over-https"),
        pytest.param(None, True, "theme=1", id="absent-changes-nothing"),
    ],
)
def test_secure(rule: str | None, secure_request: bool, expected: str) -> None:
    assert hardened("theme=1", policy(secure=rule), secure_request=secure_request) == expected


@pytest.mark.parametrize(
    ("minimum", "header", "expected"),
    [
        pytest.param("lax", "theme=1", "theme=1; SameSite=Lax", id="lax-unset"),
        pytest.param(
            "lax", "theme=1; Secure; SameSite=None", "theme=1; Secure; SameSite=Lax", id="lax-none"
        ),
        pytest.param("lax", "theme=1; SameSite=Lax", "theme=1; SameSite=Lax", id="lax-lax"),
        pytest.param(
            "lax", "theme=1; SameSite=Strict", "theme=1; SameSite=Strict", id="never-lowered"
        ),
        pytest.param("strict", "theme=1", "theme=1; SameSite=Strict", id="strict-unset"),
        pytest.param(
            "strict", "theme=1; SameSite=Lax", "theme=1; SameSite=Strict", id="strict-lax"
        ),
        pytest.param(
            "strict",
            "theme=1; Secure; SameSite=None",
            "theme=1; Secure; SameSite=Strict",
            id="strict-none",
        ),
    ],
)
def test_same_site_min(minimum: str, header: str, expected: str) -> None:
    assert hardened(header, policy(same_site_min=minimum), secure_request=True) == expected


def test_http_only_is_added_to_declared_cookies_that_ask_for_it() -> None:
    p = policy()
    assert hardened("sid=1", p, secure_request=False) == "sid=1; HttpOnly"
    assert hardened("theme=1", p, secure_request=False) == "theme=1"
    assert hardened("undeclared=1", p, secure_request=False) == "undeclared=1"


def test_nothing_is_ever_removed() -> None:
    p = policy(secure="same-as-request", same_site_min="lax")
    header = "theme=1; Secure; HttpOnly; SameSite=Strict"
    assert hardened(header, p, secure_request=False) == header


def test_an_already_strict_cookie_is_returned_as_it_is() -> None:
    cookie = SetCookie("sid", "1", secure=True, http_only=True, same_site="strict")
    p = policy(secure="always", same_site_min="strict")
    assert harden(cookie, policy=p, rule=p.lookup("sid"), secure_request=True) is cookie


# -- as the decision applies it ---------------------------------------------------------------

STRICT = policy(secure="same-as-request", same_site_min="lax")
ALL = frozenset({"necessary", "performance"})


def judged(header: str, p: Policy = STRICT, facts: RequestFacts = HTTPS) -> Any:
    consent = Consent(ALL, True, p.version)
    return decide(header, policy=p, consent=consent, facts=facts, now=NOW)


def test_hardening_rewrites_with_its_own_reason() -> None:
    decision = judged("sid=1; Path=/")
    assert (decision.action, decision.reason) == (Action.REWRITE, Reason.HARDENED)
    assert decision.header == "sid=1; Path=/; Secure; HttpOnly; SameSite=Lax"
    assert decision.cookie == parse_set_cookie(decision.header)


def test_hardening_on_http_adds_no_secure_with_same_as_request() -> None:
    decision = judged("sid=1; Path=/", facts=HTTP)
    assert decision.header == "sid=1; Path=/; HttpOnly; SameSite=Lax"


def test_secure_always_is_added_over_http_too() -> None:
    decision = judged("theme=1", policy(secure="always"), facts=HTTP)
    assert (decision.reason, decision.header) == (Reason.HARDENED, "theme=1; Secure")


def test_a_compliant_cookie_is_kept() -> None:
    decision = judged("sid=1; Secure; HttpOnly; SameSite=Lax")
    assert (decision.action, decision.reason) == (Action.KEEP, Reason.ALLOWED)


def test_deletions_are_never_hardened() -> None:
    decision = judged("sid=; Max-Age=0")
    assert (decision.reason, decision.header) == (Reason.DELETION, "sid=; Max-Age=0")


def test_hardening_never_rescues_what_a_browser_rejects() -> None:
    # SameSite=None without Secure is dropped by rule 6 before hardening could add Secure.
    decision = judged("theme=1; SameSite=None", policy(secure="always"))
    assert (decision.action, decision.reason) == (Action.DROP, Reason.SAMESITE_NONE_INSECURE)
    decision = judged("__Secure-x=1", policy(secure="always", unknown="allow"))
    assert (decision.action, decision.reason) == (Action.DROP, Reason.SECURE_PREFIX)


def test_a_lifetime_cut_keeps_its_reason_and_is_hardened_too() -> None:
    capped = judged("_ga=1; Max-Age=99999999")
    assert capped.reason is Reason.CAPPED
    assert capped.header == "_ga=1; Max-Age=2592000; Secure; SameSite=Lax"
    expires = judged("_ga=1; Expires=Wed, 01 Jan 2070 00:00:00 GMT")
    assert expires.reason is Reason.CAPPED
    assert expires.cookie is not None and expires.cookie.secure
    assert expires.cookie.same_site == "lax"


def test_an_expires_within_the_limit_is_hardened() -> None:
    tomorrow = format_cookie_date(datetime.fromtimestamp(NOW + 86400, UTC))
    decision = judged(f"_ga=1; Expires={tomorrow}")
    assert decision.reason is Reason.HARDENED
    assert decision.header == f"_ga=1; Expires={tomorrow}; Secure; SameSite=Lax"


def test_hardening_is_not_applied_to_dropped_cookies() -> None:
    consent = Consent(frozenset({"necessary"}), True, STRICT.version)
    decision = decide("_ga=1", policy=STRICT, consent=consent, facts=HTTPS, now=NOW)
    assert (decision.action, decision.reason) == (Action.DROP, Reason.REFUSED)
