"""The site's hooks: ``on_decision`` may only make a decision stricter; ``consent_required``
never breaks a request."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from cookiewarden import ConfigurationError, Policy
from cookiewarden.engine.core import Engine
from cookiewarden.engine.hooks import (
    DecisionEvent,
    RequestInfo,
    apply_hook,
    is_required,
    loosening,
)
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.decide import decide
from cookiewarden.rules.decision import Action, Decision, Reason, RequestFacts
from cookiewarden.rules.setcookie import SetCookie

NOW = 1_800_000_000.0
FACTS = RequestFacts(host="example.com", secure=True, path="/shop")
REQUEST = RequestInfo.build(FACTS, [("Host", "example.com"), ("CF-IPCountry", "FR")])
POLICY_DATA: dict[str, Any] = {
    "version": "1",
    "categories": {"necessary": {"necessary": True}, "performance": {}},
    "cookies": [
        {"name": "sid", "category": "necessary"},
        {"name": "_ga", "category": "performance", "lifetime": "30d"},
    ],
}
POLICY = Policy.from_dict(POLICY_DATA)
EVERYTHING = Consent(frozenset({"necessary", "performance"}), True, "1")
NOTHING = Consent(frozenset({"necessary"}), True, "1")


def decision(header: str, consent: Consent = EVERYTHING) -> Decision:
    return decide(header, policy=POLICY, consent=consent, facts=FACTS, now=NOW)


BASE = SetCookie("_ga", "1", max_age=3600, path="/", same_site="lax")


@pytest.mark.parametrize(
    ("proposed", "why"),
    [
        pytest.param(BASE.with_changes(secure=True), None, id="adds-secure"),
        pytest.param(BASE.with_changes(http_only=True), None, id="adds-httponly"),
        pytest.param(BASE.with_changes(same_site="strict"), None, id="raises-samesite"),
        pytest.param(BASE.with_changes(max_age=60), None, id="shortens"),
        pytest.param(BASE.with_changes(max_age=None), None, id="makes-session"),
        pytest.param(BASE.with_changes(max_age=0), None, id="makes-deletion"),
        pytest.param(
            BASE.with_changes(expires=datetime.fromtimestamp(NOW + 60, UTC), max_age=None),
            None,
            id="expires-sooner",
        ),
        pytest.param(BASE, None, id="unchanged"),
        pytest.param(BASE.with_changes(max_age=7200), "lengthens its life", id="lengthens"),
        pytest.param(
            BASE.with_changes(expires=datetime.fromtimestamp(NOW + 7200, UTC), max_age=None),
            "lengthens its life",
            id="expires-later",
        ),
        pytest.param(BASE.with_changes(same_site=None), "lowers SameSite", id="unsets-samesite"),
        pytest.param(BASE.with_changes(same_site="none"), "lowers SameSite", id="samesite-none"),
        pytest.param(BASE.with_changes(value="2"), "changes its value", id="value"),
        pytest.param(BASE.with_changes(name="_gb"), "changes its name", id="name"),
        pytest.param(BASE.with_changes(domain="example.com"), "changes its domain", id="domain"),
        pytest.param(BASE.with_changes(path="/shop"), "changes its path", id="path"),
        pytest.param(
            BASE.with_changes(extensions=("Priority=High",)),
            "changes its extensions",
            id="extension",
        ),
    ],
)
def test_loosening(proposed: SetCookie, why: str | None) -> None:
    assert loosening(BASE, proposed, now=NOW) == why


def test_removing_attributes_is_loosening() -> None:
    strict = BASE.with_changes(secure=True, http_only=True)
    assert loosening(strict, BASE.with_changes(http_only=True), now=NOW) == "removes Secure"
    assert loosening(strict, BASE.with_changes(secure=True), now=NOW) == "removes HttpOnly"


def test_a_session_cookie_cannot_be_given_a_life() -> None:
    session = BASE.with_changes(max_age=None)
    assert loosening(session, BASE.with_changes(max_age=1), now=NOW) == "lengthens its life"


# -- apply_hook -----------------------------------------------------------------------------


def run(hook: Any, header: str, consent: Consent = EVERYTHING) -> tuple[Decision, Any]:
    return apply_hook(hook, decision(header, consent), REQUEST, now=NOW)


def test_none_leaves_the_policys_decision() -> None:
    original = decision("_ga=1; Max-Age=60")
    assert apply_hook(lambda e: None, original, REQUEST, now=NOW) == (original, None)


@pytest.mark.parametrize("answer", ["drop", Action.DROP])
def test_the_hook_may_drop_what_the_policy_keeps(answer: Any) -> None:
    changed, outcome = run(lambda e: answer, "_ga=1; Max-Age=60")
    assert outcome == "dropped"
    assert (changed.action, changed.reason, changed.header) == (Action.DROP, Reason.HOOK, None)
    assert (changed.name, changed.category) == ("_ga", "performance")


def test_the_hook_may_rewrite_stricter() -> None:
    def tighten(event: DecisionEvent) -> SetCookie | None:
        assert event.cookie is not None
        return event.cookie.with_changes(max_age=60, secure=True, same_site="strict")

    changed, outcome = run(tighten, "_ga=1; Max-Age=600; Path=/")
    assert outcome == "rewritten"
    assert (changed.action, changed.reason) == (Action.REWRITE, Reason.HOOK)
    assert changed.header == "_ga=1; Max-Age=60; Path=/; Secure; SameSite=Strict"


def test_the_hook_sees_the_decision_and_the_request() -> None:
    seen: list[DecisionEvent] = []
    run(seen.append, "_ga=1; Max-Age=99999999")
    (event,) = seen
    assert (event.name, event.category) == ("_ga", "performance")
    assert (event.action, event.reason) == (Action.REWRITE, Reason.CAPPED)
    assert event.cookie is not None and event.cookie.max_age == 30 * 86400
    assert event.request.headers["cf-ipcountry"] == "FR"
    assert (event.request.host, event.request.path, event.request.secure) == (
        "example.com",
        "/shop",
        True,
    )


@pytest.mark.parametrize(
    ("hook", "header", "consent", "why"),
    [
        pytest.param(
            lambda e: "keep",
            "_ga=1",
            NOTHING,
            "would keep a cookie the policy dropped",
            id="keep-a-refused-cookie",
        ),
        pytest.param(
            lambda e: SetCookie("_ga", "1"),
            "_ga=1",
            NOTHING,
            "would set a cookie the policy dropped",
            id="set-a-refused-cookie",
        ),
        pytest.param(
            lambda e: e.cookie.with_changes(max_age=99999999),
            "_ga=1; Max-Age=60",
            EVERYTHING,
            "lengthens its life",
            id="lengthen",
        ),
        pytest.param(
            lambda e: e.cookie.with_changes(secure=False),
            "_ga=1; Max-Age=60; Secure",
            EVERYTHING,
            "removes Secure",
            id="remove-secure",
        ),
        pytest.param(
            lambda e: "drop",
            "_ga=; Max-Age=0",
            NOTHING,
            "would drop a deletion (deletions always pass)",
            id="drop-a-deletion",
        ),
        pytest.param(
            lambda e: Action.REWRITE,
            "_ga=1; Max-Age=60",
            EVERYTHING,
            "answered Action; expected None, 'drop' or a SetCookie",
            id="wrong-answer",
        ),
    ],
)
def test_a_looser_answer_is_refused_and_logged(
    hook: Any, header: str, consent: Consent, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    original = decision(header, consent)
    with caplog.at_level(logging.WARNING, logger="cookiewarden"):
        stands, outcome = apply_hook(hook, original, REQUEST, now=NOW)
    assert (stands, outcome) == (original, "refused")
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert why in record.getMessage()
    assert "the policy's decision" in record.getMessage()


def test_a_hook_that_raises_is_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    def broken(event: DecisionEvent) -> None:
        raise RuntimeError("boom")

    original = decision("_ga=1; Max-Age=60")
    with caplog.at_level(logging.ERROR, logger="cookiewarden"):
        assert apply_hook(broken, original, REQUEST, now=NOW) == (original, "error")
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None


def test_keep_and_drop_of_what_already_is_change_nothing() -> None:
    kept = decision("_ga=1; Max-Age=60")
    assert apply_hook(lambda e: "keep", kept, REQUEST, now=NOW) == (kept, None)
    dropped = decision("_ga=1", NOTHING)
    assert apply_hook(lambda e: "drop", dropped, REQUEST, now=NOW) == (dropped, None)


# -- consent_required -------------------------------------------------------------------------


def test_is_required_passes_the_answer_through() -> None:
    assert is_required(lambda r: r.headers.get("cf-ipcountry") == "FR", REQUEST) is True
    assert is_required(lambda r: False, REQUEST) is False


def test_is_required_fails_closed(caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: RequestInfo) -> bool:
        raise KeyError("cf-ipcountry")

    with caplog.at_level(logging.WARNING, logger="cookiewarden"):
        assert is_required(broken, REQUEST) is True
        assert is_required(lambda r: None, REQUEST) is True  # type: ignore[arg-type, return-value]
        assert is_required(lambda r: 0, REQUEST) is True  # type: ignore[arg-type, return-value]
    assert [r.levelno for r in caplog.records] == [logging.ERROR, logging.WARNING, logging.WARNING]


def test_request_info_headers_are_lower_case_joined_and_read_only() -> None:
    info = RequestInfo.build(
        FACTS,
        [("Accept", "a"), ("ACCEPT", "b"), ("Cookie", "x=1"), ("cookie", "y=2")],
    )
    assert dict(info.headers) == {"accept": "a, b", "cookie": "x=1; y=2"}
    with pytest.raises(TypeError):
        info.headers["accept"] = "c"  # type: ignore[index]


@pytest.mark.parametrize("option", ["consent_required", "on_decision"])
def test_a_hook_that_is_not_callable_is_refused_at_start(option: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Engine(POLICY, ["k"], consent_log=None, **{option: "drop"})
    assert info.value.option == option


def test_without_hooks_the_adapters_pass_no_headers_and_the_mode_decides() -> None:
    engine = Engine(POLICY, ["k"], consent_log=None)
    assert engine.wants_headers is False
    exchange = engine.begin(FACTS, None)
    assert (exchange.required, exchange.request) == (True, None)
    opt_out = Policy.from_dict({**POLICY_DATA, "mode": "opt-out"})
    relaxed = Engine(opt_out, ["k"], consent_log=None).begin(FACTS, "_ga=1")
    assert relaxed.required is False
    assert relaxed.consent.granted == {"necessary", "performance"}
    assert relaxed.app_cookie_header is None and relaxed.deletions == ()
