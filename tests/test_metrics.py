"""Counters for operators: ``stats`` and the Prometheus text exposition (format 0.0.4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from cookiewarden import CookieWarden, CookieWardenWSGI, Engine, Policy, prometheus_text, stats
from cookiewarden.metrics import CONTENT_TYPE, METRIC, find_engine
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.decision import RequestFacts

FACTS = RequestFacts(host="testserver", secure=False)
# One sample line of the text format: name{labels} value (no timestamp).
SAMPLE = re.compile(
    r'^cookiewarden_decisions_total\{action="(?:[^"\\\n]|\\["\\n])*",'
    r'reason="(?:[^"\\\n]|\\["\\n])*",category="(?:[^"\\\n]|\\["\\n])*"\} \d+$'
)


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
    raise AssertionError("never called")


def make_engine(policy: Policy, clock: Callable[[], float]) -> Engine:
    return Engine(policy, ["k"], consent_log=None, clock=clock)


def test_empty_engine_has_help_and_type_only(
    example_policy: Policy, clock: Callable[[], float]
) -> None:
    assert prometheus_text(make_engine(example_policy, clock)) == (
        f"# HELP {METRIC} Set-Cookie decisions and consent events of cookiewarden,"
        " by action, reason and category, since start.\n"
        f"# TYPE {METRIC} counter\n"
    )


def test_decisions_are_counted_per_action_reason_and_category(
    example_policy: Policy, clock: Callable[[], float]
) -> None:
    engine = make_engine(example_policy, clock)
    nobody = Consent.undecided(example_policy)
    for header in ("_ga=1", "_ga=2", "sessionid=s", "tracker=1", "lang=en; Max-Age=999999999"):
        engine.decide(header, nobody, FACTS)
    text = prometheus_text(engine)
    lines = text.splitlines()
    assert lines[2:] == [
        f'{METRIC}{{action="drop",reason="refused-category",category="functionality"}} 1',
        f'{METRIC}{{action="drop",reason="refused-category",category="performance"}} 2',
        f'{METRIC}{{action="drop",reason="undeclared",category="-"}} 1',
        f'{METRIC}{{action="keep",reason="allowed",category="necessary"}} 1',
    ]
    assert all(SAMPLE.match(line) for line in lines[2:])
    assert text.endswith("\n")


def test_label_values_are_escaped(example_policy: Policy, clock: Callable[[], float]) -> None:
    engine = make_engine(example_policy, clock)
    engine.ledger.count('say "hi"', "back\\slash", "two\nlines")
    (line,) = prometheus_text(engine).splitlines()[2:]
    assert line == (
        f'{METRIC}{{action="say \\"hi\\"",reason="back\\\\slash",category="two\\nlines"}} 1'
    )
    assert SAMPLE.match(line)


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda app, **kw: CookieWarden(app, **kw), id="asgi"),
        pytest.param(lambda app, **kw: CookieWardenWSGI(app, **kw), id="wsgi"),
    ],
)
def test_the_engine_is_found_inside_a_wrapped_app(
    wrap: Callable[..., Any], example_policy: Policy
) -> None:
    middleware = wrap(asgi_app, policy=example_policy, secret_keys=["k"], consent_log=None)

    class Outer:
        app = middleware

    assert find_engine(Outer()) is middleware.engine
    assert stats(Outer()) == {}
    assert prometheus_text(Outer()).startswith("# HELP")


def test_an_app_without_cookiewarden_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no cookiewarden middleware"):
        prometheus_text(object())


def test_prometheus_client_parses_it_when_installed(
    example_policy: Policy, clock: Callable[[], float]
) -> None:
    parser = pytest.importorskip("prometheus_client.parser")
    engine = make_engine(example_policy, clock)
    engine.decide("_ga=1", Consent.undecided(example_policy), FACTS)
    (family,) = parser.text_string_to_metric_families(prometheus_text(engine))
    assert family.type == "counter"
    assert [s.labels for s in family.samples] == [
        {"action": "drop", "reason": "refused-category", "category": "performance"}
    ]


def test_content_type_names_the_format_version() -> None:
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"
