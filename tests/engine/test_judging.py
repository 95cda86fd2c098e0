"""The Judge on its own: a cached judgement is the judgement :func:`decide` takes afresh.

The engine-level promises (one visitor never decides another's response, bounds, counts on
every use) are held in ``tests/test_cache.py``; here the Judge is driven directly, with its own
tallies and clock.
"""

from __future__ import annotations

from collections import defaultdict
from email.utils import formatdate
from itertools import count

import pytest

from cookiewarden import Policy
from cookiewarden.engine.bookkeeping import Tally, tally_value
from cookiewarden.engine.cache import JUDGED_KEY_MAX
from cookiewarden.engine.judging import Judge, decision_of
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.decide import decide
from cookiewarden.rules.decision import Decision, RequestFacts

NOW = 1_795_000_000.0
DAY = 86400
POLICY = Policy.from_dict(
    {
        "version": "v1",
        "max_age": "365d",
        "categories": {"necessary": {"necessary": True}, "performance": {}},
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
        ],
    }
)
GRANTED = Consent(frozenset({"necessary", "performance"}), True, "v1")
REFUSED = Consent(frozenset({"necessary"}), True, "v1")
FACTS = RequestFacts(host="example.com", secure=True)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def make_judge(clock: Clock | None = None) -> tuple[Judge, dict[tuple[str, str], Tally]]:
    tallies: dict[tuple[str, str], Tally] = defaultdict(count)

    def tally_of(decision: Decision) -> Tally:
        return tallies[(decision.action.value, decision.reason.value)]

    return Judge(POLICY, clock=clock or Clock(), tally_of=tally_of), tallies


def fresh(header: str, consent: Consent, now: float = NOW) -> Decision:
    return decide(header, policy=POLICY, consent=consent, facts=FACTS, now=now)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("sessionid=abc; Path=/; HttpOnly", id="necessary"),
        pytest.param(f"_ga=GA1.2.3; Max-Age={800 * DAY}", id="capped"),
        pytest.param("_ga=1; Domain=co.uk", id="public-suffix"),
        pytest.param("unknown=1", id="undeclared"),
        pytest.param("=nameless", id="nameless"),
        pytest.param("bad\x01=1", id="control"),
    ],
)
@pytest.mark.parametrize("consent", [GRANTED, REFUSED], ids=["granted", "refused"])
def test_a_judgement_text_or_raw_fresh_or_cached_is_what_decide_takes(
    header: str, consent: Consent
) -> None:
    judge, _ = make_judge()
    expected = fresh(header, consent)
    for _ in range(2):  # the second answer comes from the cache
        assert judge.decide(header, consent, FACTS)[0] == expected
        raw = header.encode("utf-8", "surrogateescape")
        entry, _tally, leaves, _steady = judge.decide_raw(raw, consent, FACTS)
        assert decision_of(entry) == expected
        assert leaves == (None if expected.header is None else expected.header.encode())


def test_a_new_value_of_a_known_shape_is_spliced_and_decides_as_afresh() -> None:
    judge, _ = make_judge()
    judge.decide_raw(b"_ga=GA1.2.3; Max-Age=63072000; Path=/", GRANTED, FACTS)
    entry, _, leaves, steady = judge.decide_raw(
        b"_ga=GA1.9.9; Max-Age=63072000; Path=/", GRANTED, FACTS
    )
    assert type(entry) is tuple and steady  # spliced: not parsed, made when read
    expected = fresh("_ga=GA1.9.9; Max-Age=63072000; Path=/", GRANTED)
    assert decision_of(entry) == expected and leaves == expected.header.encode()  # type: ignore[union-attr]


def test_a_new_value_with_htab_inside_is_judged_afresh_not_spliced() -> None:
    # HTAB inside a value rejects the header (setcookie.py, as Chromium 156 does): a value of
    # a known shape that holds one must not leave spliced.
    judge, _ = make_judge()
    judge.decide_raw(b"sessionid=abc; Path=/", GRANTED, FACTS)
    entry, _, leaves, _ = judge.decide_raw(b"sessionid=a\tb; Path=/", GRANTED, FACTS)
    assert decision_of(entry) == fresh("sessionid=a\tb; Path=/", GRANTED)
    assert decision_of(entry).header is None and leaves is None


def test_a_judgement_that_waits_for_the_clock_is_finished_afresh_every_time() -> None:
    clock = Clock()
    judge, _ = make_judge(clock)
    header = f"_ga=1; Expires={formatdate(NOW + 800 * DAY, usegmt=True)}"
    first = judge.decide(header, GRANTED, FACTS)[0]
    clock.now = NOW + 5 * DAY
    later = judge.decide(header, GRANTED, FACTS)[0]
    assert first == fresh(header, GRANTED, NOW)
    assert later == fresh(header, GRANTED, NOW + 5 * DAY)
    assert first.header != later.header  # the cut moves with the clock
    assert judge.decide_raw(header.encode(), GRANTED, FACTS)[3] is False  # never kept whole


def test_each_decision_comes_with_the_tally_it_counts_in() -> None:
    judge, tallies = make_judge()
    decision, tally = judge.decide("_ga=1", REFUSED, FACTS)
    next(tally)
    assert tally_value(tallies[(decision.action.value, decision.reason.value)]) == 1
    assert judge.decide("_ga=1", REFUSED, FACTS)[1] is tally  # a cached one: the same tally


def test_oversized_values_are_judged_but_never_kept() -> None:
    judge, _ = make_judge()
    header = "sessionid=" + "v" * JUDGED_KEY_MAX
    assert judge.decide(header, GRANTED, FACTS)[0] == fresh(header, GRANTED)
    judge.decide_raw(header.encode(), GRANTED, FACTS)
    assert len(judge._judged) == len(judge._judged_raw) == len(judge._shapes) == 0
