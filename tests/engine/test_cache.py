"""The engine's caches: they change how fast an answer comes, never what it is.

Three promises, each held through the engine API, the raw (ASGI) path and the adapters:
one visitor's consent never decides another's response; a decision that depends on the clock
is never reused once the clock moves; every cache stays within its bound. And a property that
ties them together: a cached engine answers exactly what :func:`cookiewarden.rules.decide.decide`
answers afresh, for any header, visitor and time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

import pytest

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy
from cookiewarden.engine.core import Engine
from cookiewarden.rules.consent import CLOCK_SKEW, Consent, choose
from cookiewarden.rules.dates import format_cookie_date_cached
from cookiewarden.rules.decide import decide, judge
from cookiewarden.rules.decision import Action, Decision, Reason, RequestFacts
from cookiewarden.rules.reuse import Pending, revalue, value_free
from cookiewarden.rules.setcookie_edits import expires_template
from cookiewarden.rules.setcookie_parse import parse_set_cookie

NOW = 1_795_000_000.0
DAY = 86400
POLICY = Policy.from_dict(
    {
        "version": "v1",
        "consent_max_age": "10d",
        "max_age": "365d",
        "categories": {
            "necessary": {"necessary": True},
            "performance": {},
            "targeting": {},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
            {"name": "_ga_*", "category": "performance", "lifetime": "1y"},
            {"name": "ads", "category": "targeting", "lifetime": "30d", "domain": "example.com"},
        ],
    }
)


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def engine(**options: Any) -> Engine:
    options.setdefault("consent_log", None)
    options.setdefault("clock", Clock())
    return Engine(POLICY, ["key"], **options)


def token(e: Engine, granted: list[str], at: float = NOW, n: int = 0) -> str:
    consent = choose(
        POLICY, granted, gpc=False, accept_all=False, method="api", now=at, consent_id=f"id{n:08d}"
    )
    return e.codec.dumps(consent)


def http_date(when: float) -> str:
    return formatdate(when, usegmt=True)


def respond(e: Engine, cookie: str | None, set_cookies: list[str], *, host: str = "example.com",
            scheme: str = "https", gpc: bool = False, raw: bool = False) -> list[str]:  # fmt: skip
    exchange = e.begin(e.facts(host, scheme, "/"), cookie, gpc=gpc)
    if raw:
        values = exchange.response_headers_raw([v.encode() for v in set_cookies])
        return [v.decode() for v in values]
    return exchange.response_headers(set_cookies)


# -- one visitor's consent never decides another's ----------------------------------------------


@pytest.mark.parametrize("raw", [False, True], ids=["str", "raw"])
def test_a_cached_decision_is_never_another_visitors(raw: bool) -> None:
    e = engine()
    yes, no = f"cw_consent={token(e, ['performance'], n=1)}", f"cw_consent={token(e, [], n=2)}"
    header = "_ga=GA1.1.1.1; Max-Age=3600; Path=/"
    for _ in range(3):  # interleaved, so every answer after the first comes from a cache
        assert respond(e, yes, [header], raw=raw) == ["_ga=GA1.1.1.1; Max-Age=3600; Path=/"]
        assert respond(e, no, [header], raw=raw) == []
        assert respond(e, None, [header], raw=raw) == []
    assert (
        len(e.judge._judged_raw if raw else e.judge._judged) == 2
    )  # one judgement per granted set


@pytest.mark.parametrize("raw", [False, True], ids=["str", "raw"])
def test_a_cached_decision_is_never_another_hosts(raw: bool) -> None:
    e = engine()
    visitor = f"cw_consent={token(e, ['targeting'])}"
    header = "ads=1; Max-Age=60; Domain=example.com"
    for _ in range(3):
        assert respond(e, visitor, [header], host="www.example.com", raw=raw) == [header]
        assert respond(e, visitor, [header], host="other.org", raw=raw) == []


def test_the_same_cookie_header_under_gpc_or_https_is_another_request() -> None:
    e = engine()
    cookie = "_ga=1; ads=2"  # no consent cookie: GPC and the scheme decide what is seen
    for _ in range(2):
        plain = e.begin(e.facts("example.com", "http", "/"), cookie)
        gpc = e.begin(e.facts("example.com", "http", "/"), cookie, gpc=True)
        https = e.begin(e.facts("example.com", "https", "/"), cookie)
        assert (plain.consent.gpc, gpc.consent.gpc) == (False, True)
        assert not any(d.endswith("; Secure") for d in plain.deletions)
        assert all(d.endswith("; Secure") for d in https.deletions)


def test_requests_share_no_mutable_state() -> None:
    e = engine()
    cookie = f"_ga=1; cw_consent={token(e, [])}"
    first = e.begin(e.facts("example.com", "http", "/"), cookie)
    assert isinstance(first.deletions, tuple)  # shared between requests, so never mutable
    first.response_headers(["sessionid=1"])
    second = e.begin(e.facts("example.com", "http", "/"), cookie)
    assert second.deletions == ("_ga=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",)
    assert second.decisions == []
    assert first.decisions != []


def test_visitors_through_the_asgi_adapter_each_get_their_own_answer() -> None:
    warden = CookieWarden(_cookie_app, policy=POLICY, secret_keys=["key"], consent_log=None,
                          clock=Clock())  # fmt: skip
    e = warden.engine
    visitors = {
        f"cw_consent={token(e, ['performance', 'targeting'], n=3)}": ["_ga", "ads", "sessionid"],
        f"cw_consent={token(e, ['performance'], n=4)}": ["_ga", "sessionid"],
        f"cw_consent={token(e, [], n=5)}": ["sessionid"],
        "": ["sessionid"],
    }
    order = list(visitors) * 5
    random.Random(1).shuffle(order)
    for cookie in order:
        assert sorted(_names(_call_asgi(warden, cookie))) == visitors[cookie]


def test_visitors_through_the_wsgi_adapter_each_get_their_own_answer() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Set-Cookie", v.decode()) for v in _PAGE])
        return [b"ok"]

    warden = CookieWardenWSGI(app, policy=POLICY, secret_keys=["key"], consent_log=None,
                              clock=Clock())  # fmt: skip
    e = warden.engine
    yes, no = f"cw_consent={token(e, ['performance'], n=6)}", f"cw_consent={token(e, [], n=7)}"
    for _ in range(3):
        for cookie, expected in ((yes, ["_ga", "sessionid"]), (no, ["sessionid"])):
            got: list[Any] = []
            environ = {"HTTP_HOST": "www.example.com", "HTTP_COOKIE": cookie, "PATH_INFO": "/"}
            warden(environ, lambda status, headers, exc_info=None, got=got: got.append(headers))
            assert sorted(v.split("=", 1)[0] for _, v in got[0]) == expected


# -- a decision that depends on the clock is never reused once it moves --------------------------


@pytest.mark.parametrize("raw", [False, True], ids=["str", "raw"])
def test_a_deletion_by_expires_follows_the_clock(raw: bool) -> None:
    clock = Clock()
    e = engine(clock=clock)
    visitor = f"cw_consent={token(e, ['performance'])}"
    header = f"_ga=1; Expires={http_date(NOW + 60)}"
    assert respond(e, visitor, [header], raw=raw) == [header]
    assert e.begin(e.facts("example.com", "https", "/"), visitor).consent.decided
    clock.now = NOW + 61  # the same header is now a deletion, which passes even when refused
    refused = f"cw_consent={token(e, [], n=9)}"
    exchange = e.begin(e.facts("example.com", "https", "/"), refused)
    assert exchange.response_headers([header]) == [header]
    assert exchange.decisions[0].reason is Reason.DELETION
    clock.now = NOW  # and back: a cookie again, which a refusal drops
    assert respond(e, refused, [header], raw=raw) == []


@pytest.mark.parametrize("raw", [False, True], ids=["str", "raw"])
def test_a_capped_expires_is_cut_from_the_current_time_every_time(raw: bool) -> None:
    clock = Clock()
    e = engine(clock=clock)
    visitor = f"cw_consent={token(e, ['performance'])}"
    header = f"_ga=1; Expires={http_date(NOW + 3 * 365 * DAY)}; Max-Age={3 * 365 * DAY}"
    # Within one second the cut is the same (kept); a second later it moves; back in time too.
    for moved in (0, 0.4, 0.9, 1, 1.5, 2, DAY, 9 * DAY, 0.3, -5):
        clock.now = NOW + moved
        capped = datetime.fromtimestamp(int(clock.now) + 365 * DAY, UTC)
        expected = f"_ga=1; Expires={format_cookie_date_cached(capped)}; Max-Age={365 * DAY}"
        assert respond(e, visitor, [header], raw=raw) == [expected], moved


def test_an_expires_within_the_limit_is_kept_until_the_clock_makes_it_a_cut() -> None:
    clock = Clock()
    e = engine(clock=clock)
    visitor = f"cw_consent={token(e, ['performance'], at=NOW - 2 * DAY)}"
    header = f"_ga=1; Expires={http_date(NOW + 300 * DAY)}"
    clock.now = NOW - 2 * DAY  # 302 days before Expires: within the 365-day cap
    assert respond(e, visitor, [header]) == [header]
    clock.now = NOW - 80 * DAY  # the clock went back: 380 days ahead is now beyond it
    visitor = f"cw_consent={token(e, ['performance'], at=clock.now, n=1)}"
    cut = format_cookie_date_cached(datetime.fromtimestamp(int(clock.now) + 365 * DAY, UTC))
    assert respond(e, visitor, [header]) == [f"_ga=1; Expires={cut}"]


def test_a_cached_consent_expires_with_the_clock() -> None:
    clock = Clock()
    e = engine(clock=clock)
    cookie = f"_ga=1; cw_consent={token(e, ['performance'])}"
    assert e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided
    clock.now = NOW + 10 * DAY - 1
    assert e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided
    clock.now = NOW + 10 * DAY  # consent_max_age is up
    exchange = e.begin(e.facts("example.com", "https", "/"), cookie)
    assert not exchange.consent.decided
    assert exchange.app_cookie_header == cookie.split("; ")[1]  # _ga is hidden again...
    assert exchange.deletions[0].startswith("_ga=;")  # ...and cleared
    clock.now = NOW  # and when the clock goes back, the cookie counts again
    assert e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided


def test_a_consent_from_the_future_counts_once_the_clock_catches_up() -> None:
    clock = Clock()
    e = engine(clock=clock)
    cookie = f"cw_consent={token(e, ['performance'], at=NOW + 2 * CLOCK_SKEW)}"
    assert not e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided
    assert e.stats()[("consent", "future", "-")] == 1
    clock.now = NOW + CLOCK_SKEW
    assert e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided


def test_deletions_and_decisions_are_counted_and_logged_on_every_cached_use(
    caplog: pytest.LogCaptureFixture,
) -> None:
    e = engine()
    cookie = f"_ga=1; cw_consent={token(e, [])}"
    with caplog.at_level(logging.INFO, logger="cookiewarden"):
        for raw in (False, True, False, True):
            respond(e, cookie, ["ads=1; Max-Age=60", "sessionid=1"], raw=raw)
    stats = e.stats()
    assert stats[("clear", "refused-category", "performance")] == 4
    assert stats[("drop", "refused-category", "targeting")] == 4
    assert stats[("keep", "allowed", "necessary")] == 4
    assert sum("expiring Set-Cookie '_ga'" in r.getMessage() for r in caplog.records) == 4
    assert sum("dropped Set-Cookie 'ads'" in r.getMessage() for r in caplog.records) == 4
    assert e.counters == stats


# -- the bound holds -----------------------------------------------------------------------------


def test_every_cache_stays_within_its_bound() -> None:
    e = engine()
    caches = {
        "_verified": e.reader._verified,
        "_requests": e.reader._requests,
        "_judged": e.judge._judged,
        "_judged_raw": e.judge._judged_raw,
        "_responses": e.responder.responses,
        "fact_reader.cache": e.fact_reader.cache,
        "_shapes": e.judge._shapes,
        "_raw_shapes": e.judge._raw_shapes,
        "_seen_responses": e.responder.seen_responses,
        "_header_lists": e.responder.header_lists,
        "_plans": e._plans,
    }
    limits = {name: cache.limit for name, cache in caches.items()}
    for n in range(max(limits.values()) + 500):
        cookie = f"sessionid={n}; cw_consent={token(e, ['performance'], n=n)}" if n < 5000 else ""
        exchange = e.begin(e.facts(f"h{n}.example.com", "https", f"/{n}"), cookie or f"x={n}")
        e.begin_request(f"h{n}.example.com".encode(), "https", f"/{n}", cookie or f"x={n}")
        exchange.response_headers([f"_ga={n}; Max-Age={60 + n}"])  # a new shape every time
        for _ in range(2):  # a response is kept whole on its second sighting
            exchange.response_headers_raw(
                [f"_ga={n}; Max-Age=60".encode(), b"sessionid=1", f"ads={n}; X={n}".encode()]
            )
        for _ in range(3):  # and a whole header list once its Set-Cookie values are
            e.begin(exchange.facts, cookie or f"x={n}").rewrite_raw_headers(
                [(b"x-n", str(n).encode()), (b"set-cookie", b"a=1")]
            )
        for name, cache in caches.items():
            assert len(cache) <= limits[name], name
    assert all(len(cache) > 0 for cache in caches.values())


def test_oversized_keys_are_worked_out_but_not_kept() -> None:
    e = engine()
    huge_value = "v" * 3000
    exchange = e.begin(e.facts("example.com", "https", "/"), f"big={'x' * 5000}")
    exchange.response_headers([f"sessionid={huge_value}"])
    exchange.response_headers_raw([f"sessionid={huge_value}".encode()] * 2)
    assert (
        len(e.reader._requests)
        == len(e.judge._judged)
        == len(e.judge._judged_raw)
        == len(e.responder.responses)
        == 0
    )
    assert exchange.decisions[0].header == f"sessionid={huge_value}"
    assert e.begin_request("example.com", "https", "/", f"big={'x' * 5000}").consent == (
        exchange.consent
    )
    assert e.begin_request("h" * 600, "https", "/", "a=1").facts.host == "h" * 600
    assert len(e._plans) == 0


# -- cached answers are fresh answers ------------------------------------------------------------

_NAMES = ["sessionid", "_ga", "_ga_X", "ads", "__Host-x", "__Secure-y", "other", ""]
_ATTRIBUTES = [
    "Max-Age=-1", "Max-Age=0", "Max-Age=60", f"Max-Age={800 * DAY}", "Domain=example.com",
    "Domain=co.uk", "Domain=other.org", "Domain=www.example.com", "Path=/", "Path=/x", "Secure",
    "HttpOnly", "SameSite=None", "SameSite=Lax", "Partitioned", "Priority=High",
]  # fmt: skip


def _random_header(rng: random.Random, now: float) -> str:
    name = rng.choice(_NAMES)
    parts = [f"{name}={rng.choice(['1', 'a=b', ''])}" if name else rng.choice(["v", "a=b"])]
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.3:
            offset = rng.choice([-DAY, -1, 0, 1, 100, 40 * DAY, 800 * DAY])
            parts.append(f"Expires={http_date(now + offset)}")
        else:
            parts.append(rng.choice(_ATTRIBUTES))
    return "; ".join(parts)


@pytest.mark.parametrize("seed", range(4))
def test_a_cached_engine_answers_what_decide_answers_afresh(seed: int) -> None:
    rng = random.Random(seed)
    clock = Clock()
    e = engine(clock=clock)
    consents = [
        Consent(frozenset({"necessary", *granted}), True, "v1")
        for granted in ([], ["performance"], ["performance", "targeting"])
    ]
    hosts = ["example.com", "www.example.com", "10.0.0.1", "other.org"]
    headers = [_random_header(rng, NOW) for _ in range(40)]
    for _ in range(1500):
        clock.now += rng.choice([0, 0.5, 1, 3600, -1, 200 * DAY, -300 * DAY])
        header, consent = rng.choice(headers), rng.choice(consents)
        facts = e.facts(rng.choice(hosts), rng.choice(["http", "https"]), "/")
        fresh = decide(header, policy=POLICY, consent=consent, facts=facts, now=clock.now)
        assert e.decide(header, consent, facts) == fresh
        exchange = e.begin(facts, None)
        exchange.consent = consent
        raw = exchange.response_headers_raw([header.encode(), b"sessionid=1"])
        assert exchange.decisions[0] == fresh
        assert raw[: 1 if fresh.header is not None else 0] == (
            [fresh.header.encode()] if fresh.header is not None else []
        )


def _comparable(judged: Decision | Pending) -> str:
    """A judgement as text: a Pending by what it finishes as, at times around NOW."""
    if isinstance(judged, Pending):
        times = (NOW - 400 * DAY, NOW, NOW + 0.5, NOW + 40 * DAY, NOW + 900 * DAY)
        return repr([judged.finish(now) for now in times])
    return repr(judged)


@pytest.mark.parametrize("seed", range(2))
def test_a_judgement_reads_nothing_of_the_visitor_but_what_the_keys_hold(seed: int) -> None:
    # The engine caches judge() under (header, host, secure, granted categories): a consent
    # that differs in anything else, or a request path, must not change a judgement. A rule
    # that comes to read more (the path, the consent id...) must join the keys first.
    rng = random.Random(seed)
    for _ in range(300):
        header = _random_header(rng, NOW)
        granted = frozenset({"necessary", *rng.sample(["performance", "targeting"], 1)})
        host, secure = rng.choice(["example.com", "10.0.0.1"]), rng.random() < 0.5
        seen = {
            _comparable(judge(header, policy=POLICY, consent=consent, facts=facts))
            for consent in (
                Consent(granted, True, "v1", "id-aaaaaaaa", int(NOW), gpc=False, method="api"),
                Consent(granted, False, "v1", None, None, gpc=True),
            )
            for facts in (RequestFacts(host, secure, "/"), RequestFacts(host, secure, "/a/b"))
        }
        assert len(seen) == 1, header


def test_judge_leaves_to_the_clock_only_what_depends_on_it() -> None:
    facts = Engine(POLICY, ["key"], consent_log=None).facts("example.com", "https", "/")
    consent = Consent(frozenset({"necessary", "performance"}), True, "v1")

    def judged(header: str) -> object:
        return judge(header, policy=POLICY, consent=consent, facts=facts)

    assert not isinstance(judged("_ga=1; Max-Age=99999999"), Pending)  # Max-Age: no clock
    assert not isinstance(judged("_ga=1; Max-Age=0; Expires=Thu, 01 Jan 2099 00:00:00 GMT"),
                          Pending)  # fmt: skip
    assert isinstance(judged("_ga=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT"), Pending)
    assert isinstance(judged("ads=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT"), Pending)  # deletion?
    assert judged("ads=1; Max-Age=60").action is Action.DROP  # type: ignore[attr-defined]


_VALUES = ["", "x=y", '"q"', "é", "__Secure-x", " padded ", "v" * 4000, "v" * 4100, "bad\x01"]


@pytest.mark.parametrize("seed", range(3))
def test_a_revalued_judgement_is_the_judgement_of_the_other_value(seed: int) -> None:
    rng = random.Random(seed)
    facts = Engine(POLICY, ["key"], consent_log=None).facts("www.example.com", "https", "/")
    times = (NOW - 400 * DAY, NOW - 1, NOW, NOW + 0.5, NOW + 1, NOW + 40 * DAY, NOW + 900 * DAY)
    pending = 0
    for _ in range(400):
        granted = rng.sample(["performance", "targeting"], rng.randint(0, 2))
        consent = Consent(frozenset({"necessary", *granted}), True, "v1")
        template = _random_header(rng, NOW)
        split = value_free(template)
        judged = judge(template, policy=POLICY, consent=consent, facts=facts)
        if split is None or (isinstance(judged, Decision) and judged.cookie is None):
            continue
        name, attributes, _ = split
        if isinstance(judged, Pending):
            pending += 1
            judged.finish(NOW)  # what finish makes on first use is made afresh when revalued
        for value in rng.sample(_VALUES, 4):
            header = (
                f" {name} ={value};{attributes}"
                if rng.random() < 0.2
                else f"{name}={value};{attributes}"
            )
            other = value_free(header)
            fresh = judge(header, policy=POLICY, consent=consent, facts=facts)
            if other is None:  # the value is what the parse refuses: never revalued
                assert not isinstance(fresh, Decision) or fresh.cookie is None or fresh.name != name
                continue
            assert other[:2] == (name, attributes)
            revalued = revalue(judged, header, other[2])
            if isinstance(fresh, Pending):
                assert isinstance(revalued, Pending)
                for now in rng.sample(times, 4):
                    assert revalued.finish(now) == fresh.finish(now), (header, now)
            else:
                assert revalued == fresh
    assert pending > 20


def test_unique_values_are_judged_by_their_shape_through_the_engine() -> None:
    e = engine()
    visitor = f"cw_consent={token(e, ['performance'])}"
    for n in range(50):
        assert respond(e, visitor, [f"_ga=GA1.1.{n}; Max-Age={800 * DAY}; Path=/"], raw=n % 2) == [
            f"_ga=GA1.1.{n}; Max-Age={365 * DAY}; Path=/"
        ]
        assert respond(e, None, [f"_ga=GA1.1.{n}; Max-Age=60"]) == []  # another visitor
    assert len(e.judge._shapes) == 2


_RAW_VALUES = [
    "", "1", "x=y", '"q"', "é", "__Host-x", " padded", "padded ", "\tt", "a b", "v" * 1000,
    "bad\x01", "bad\x7f", "semi\x09colon", "\udcff", "GA1.1.{n}",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(3))
def test_a_spliced_raw_value_leaves_as_decide_judges_it_afresh(seed: int) -> None:
    """Raw values of a known shape are not parsed: what leaves, the decision made when read,
    the counts and the log lines are exactly those of a fresh judgement."""
    rng = random.Random(seed)
    clock = Clock()
    e = engine(clock=clock)
    consents = [
        Consent(frozenset({"necessary", *granted}), True, "v1")
        for granted in ([], ["performance"], ["performance", "targeting"])
    ]
    shapes = [_random_header(rng, NOW) for _ in range(30)]
    spliced = 0
    for n in range(1500):
        shape = rng.choice(shapes)
        name, _, rest = shape.partition("=")
        _, semicolon, attributes = rest.partition(";")
        value = rng.choice(_RAW_VALUES).format(n=n)
        header = f"{name}={value}{semicolon}{attributes}" if "=" in shape else shape
        consent = rng.choice(consents)
        facts = e.facts(rng.choice(["example.com", "www.example.com"]), "https", "/")
        fresh = decide(header, policy=POLICY, consent=consent, facts=facts, now=clock.now)
        exchange = e.begin(facts, None)
        exchange.consent = consent
        raw = header.encode("utf-8", "surrogateescape")
        spliced += type(e.judge.decide_raw(raw, consent, facts)[0]) is tuple
        left = exchange.response_headers_raw([raw])
        assert left == (
            [] if fresh.header is None else [fresh.header.encode("utf-8", "surrogateescape")]
        )
        assert exchange.decisions == [fresh], header
    assert spliced > 200  # about a quarter: the rest have a clock in them, or no name


def test_a_spliced_decision_is_counted_and_logged_like_any_other(
    caplog: pytest.LogCaptureFixture,
) -> None:
    e = engine()
    consent = Consent(frozenset({"necessary"}), True, "v1")
    facts = e.facts("example.com", "https", "/")
    caplog.set_level(logging.INFO, logger="cookiewarden")
    for n in range(5):
        exchange = e.begin(facts, None)
        exchange.consent = consent
        assert exchange.response_headers_raw([f"_ga=GA1.1.{n}; Max-Age=60".encode()]) == []
    assert e.stats()[("drop", "refused-category", "performance")] == 5
    logged = [
        r.getMessage() for r in caplog.records if "dropped Set-Cookie '_ga'" in r.getMessage()
    ]
    assert len(logged) == 5
    assert exchange.decisions[0].original == "_ga=GA1.1.4; Max-Age=60"
    assert (
        len(e.judge._raw_shapes) == 1 and len(e.judge._judged_raw) == 1
    )  # one judged, four spliced


@pytest.mark.parametrize(
    "header",
    [
        "a=1; Max-Age=60; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax; X=1",
        "a=1",
        "nameless",
        "a=1; Partitioned; Secure",
        "a=; Priority=High",
    ],
)
def test_the_expires_template_renders_as_to_header(header: str) -> None:
    cookie = parse_set_cookie(header)
    assert cookie is not None
    head, tail = expires_template(cookie)
    for when in (datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(1999, 12, 31, tzinfo=UTC)):
        expected = cookie.with_changes(expires=when).to_header()
        assert head + format_cookie_date_cached(when) + tail == expected
        later = when + timedelta(seconds=1)
        assert (
            head + format_cookie_date_cached(later) + tail
            == cookie.with_changes(expires=later).to_header()
        )


# -- helpers -------------------------------------------------------------------------------------

_PAGE = [
    b"sessionid=s; Path=/; HttpOnly",
    b"_ga=GA1.1.1.1; Max-Age=3600; Path=/",
    b"ads=a; Max-Age=60; Domain=example.com",
]


async def _cookie_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/plain"), *((b"set-cookie", v) for v in _PAGE)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def _call_asgi(warden: CookieWarden, cookie: str) -> list[tuple[bytes, bytes]]:
    headers = [(b"host", b"www.example.com")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {"type": "http", "method": "GET", "scheme": "https", "path": "/", "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(warden(scope, receive, send))
    return list(sent[0]["headers"])


_HEADERS = [
    (b"content-type", b"text/plain"),
    (b"set-cookie", b"sessionid=1; Path=/"),
    (b"x-frame-options", b"DENY"),
    (b"Set-Cookie", b"_ga=GA1.1.1; Max-Age=99999999"),
    (b"set-cookie", b"ads=1; Max-Age=60"),
]


def test_a_whole_header_list_seen_before_leaves_as_it_did_for_the_same_visitor_only() -> None:
    e = engine()
    facts = e.facts("example.com", "https", "/")
    visitors = {
        f"cw_consent={token(e, ['performance'], n=1)}": [
            (b"content-type", b"text/plain"),
            (b"set-cookie", b"sessionid=1; Path=/"),
            (b"set-cookie", f"_ga=GA1.1.1; Max-Age={365 * DAY}".encode()),
            (b"x-frame-options", b"DENY"),
        ],
        f"cw_consent={token(e, ['performance', 'targeting'], n=2)}": [
            (b"content-type", b"text/plain"),
            (b"set-cookie", b"sessionid=1; Path=/"),
            (b"set-cookie", f"_ga=GA1.1.1; Max-Age={365 * DAY}".encode()),
            (b"set-cookie", b"ads=1; Max-Age=60"),
            (b"x-frame-options", b"DENY"),
        ],
    }
    for _ in range(4):
        for cookie, expected in visitors.items():
            exchange = e.begin(facts, cookie)
            assert exchange.rewrite_raw_headers(list(_HEADERS)) == expected
            assert [d.name for d in exchange.decisions] == ["sessionid", "_ga", "ads"]
    assert len(e.responder.header_lists) == 2  # from the third sighting on, one lookup per response
    assert e.stats()[("keep", "allowed", "necessary")] == 8  # every use counted
    assert e.stats()[("drop", "refused-category", "targeting")] == 4


def test_a_header_list_without_set_cookie_is_left_alone_unless_deletions_are_due() -> None:
    # Both are kept whole from their second sighting: the deletions due are part of the key.
    e = engine()
    facts = e.facts("example.com", "https", "/")
    plain = [(b"content-type", b"text/html"), (b"content-length", b"2")]
    refused = f"_ga=old; cw_consent={token(e, [], n=4)}"
    for _ in range(4):
        assert e.begin(facts, None).rewrite_raw_headers(list(plain)) is None
        due = e.begin(facts, refused)
        assert due.rewrite_raw_headers(list(plain)) == [
            *plain,
            (b"set-cookie", due.deletions[0].encode()),
        ]
    assert len(e.responder.header_lists) == 2  # the plain list, and with the deletion due


def test_a_header_list_is_reused_only_with_the_same_deletions_and_never_as_lists() -> None:
    e = engine()
    facts = e.facts("example.com", "https", "/")
    refused = f"_ga=old; cw_consent={token(e, [], n=3)}"  # the browser sent a refused cookie
    also = f"_ga=old; _ga_x=1; cw_consent={token(e, [], n=3)}"  # and another one
    outputs: dict[str, set[tuple[tuple[bytes, bytes], ...]]] = {refused: set(), also: set()}
    for _ in range(4):
        for cookie in (refused, also):
            exchange = e.begin(facts, cookie)
            out = exchange.rewrite_raw_headers(list(_HEADERS))
            assert out is not None
            assert [v for k, v in out if k == b"set-cookie"] == [
                b"sessionid=1; Path=/",
                *(d.encode() for d in exchange.deletions),
            ]
            outputs[cookie].add(tuple(out))
        as_lists = e.begin(facts, f"cw_consent={token(e, [], n=3)}").rewrite_raw_headers(
            [[k, v] for k, v in _HEADERS]
        )
        assert as_lists == [
            (b"content-type", b"text/plain"),
            (b"set-cookie", b"sessionid=1; Path=/"),
            (b"x-frame-options", b"DENY"),
        ]
    assert all(len(seen) == 1 for seen in outputs.values())
    assert len(e.responder.header_lists) == 2  # one per set of deletions; lists are never kept
    assert e.stats()[("clear", "refused-category", "performance")] == 12  # each use counted


def _names(headers: list[tuple[bytes, bytes]]) -> list[str]:
    return [v.decode().split("=", 1)[0] for k, v in headers if k == b"set-cookie"]


# -- beyond the basics: what the new options add to the keys, or keep out of the caches ----------


def policy_with(**overrides: Any) -> Policy:
    data: dict[str, Any] = {
        "version": "v1",
        "consent_max_age": "10d",
        "categories": {"necessary": {"necessary": True}, "performance": {}, "targeting": {}},
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
        ],
    }
    data.update(overrides)
    return Policy.from_dict(data)


def test_consent_required_is_part_of_the_request_key() -> None:
    def in_eu(request: Any) -> bool:
        return request.headers.get("cf-ipcountry") == "FR"

    e = engine(consent_required=in_eu)
    cookie = "_ga=1"  # no consent cookie: whether consent is required decides what is seen
    facts = e.facts("example.com", "https", "/")
    for _ in range(3):  # interleaved, so every answer after the first could come from a cache
        fr = e.begin(facts, cookie, headers=[("CF-IPCountry", "FR")])
        us = e.begin(facts, cookie, headers=[("CF-IPCountry", "US")])
        assert (fr.required, us.required) == (True, False)
        assert fr.consent.granted == {"necessary"} and fr.app_cookie_header == ""
        assert us.consent.granted == POLICY.category_keys and us.app_cookie_header is None
        assert fr.deletions and not us.deletions
    for cookie in (None, ""):  # and without cookies
        assert e.begin(facts, cookie, headers=[("CF-IPCountry", "US")]).consent.granted == (
            POLICY.category_keys
        )


@pytest.mark.parametrize("raw", [False, True], ids=["str", "raw"])
def test_the_hook_sees_every_request_even_for_a_response_seen_before(raw: bool) -> None:
    seen: list[str] = []

    def no_ads_on_checkout(event: Any) -> Any:
        seen.append(event.request.path)
        return "drop" if event.request.path == "/checkout" else None

    e = engine(on_decision=no_ads_on_checkout)
    visitor = f"cw_consent={token(e, ['performance'])}"
    header = "_ga=1; Max-Age=60"
    for _ in range(3):
        for path, expected in (("/", [header]), ("/checkout", [])):
            exchange = e.begin(e.facts("example.com", "https", path), visitor, headers=[])
            if raw:
                out = [v.decode() for v in exchange.response_headers_raw([header.encode()])]
            else:
                out = exchange.response_headers([header])
            assert out == expected, path
    assert seen == ["/", "/checkout"] * 3
    assert e.stats()[("drop", "hook", "performance")] == 3
    assert e.stats()[("keep", "allowed", "performance")] == 3


@pytest.mark.parametrize("raw", [False, True], ids=["str", "raw"])
def test_hardening_by_the_request_scheme_is_never_reused_across_schemes(raw: bool) -> None:
    e = Engine(
        policy_with(secure="same-as-request", same_site_min="lax"),
        ["key"],
        consent_log=None,
        clock=Clock(),
    )
    for _ in range(3):
        assert respond(e, None, ["sessionid=1"], scheme="https", raw=raw) == [
            "sessionid=1; Secure; SameSite=Lax"
        ]
        assert respond(e, None, ["sessionid=1"], scheme="http", raw=raw) == [
            "sessionid=1; SameSite=Lax"
        ]
        # A value seen before in another shape (revalue) is hardened alike.
        assert respond(e, None, ["sessionid=2"], scheme="http", raw=raw) == [
            "sessionid=2; SameSite=Lax"
        ]


def test_a_cached_refusal_expires_after_consent_max_age_refused() -> None:
    clock = Clock()
    e = Engine(policy_with(consent_max_age_refused="2d"), ["key"], consent_log=None, clock=clock)
    refusal = choose(e.policy, [], gpc=False, accept_all=False, method="api", now=NOW)
    cookie = f"_ga=1; cw_consent={e.codec.dumps(refusal)}"
    assert e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided
    clock.now = NOW + 2 * DAY - 1
    assert e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided
    clock.now = NOW + 2 * DAY  # the refusal is up, long before consent_max_age
    assert not e.begin(e.facts("example.com", "https", "/"), cookie).consent.decided


def test_a_cached_adopted_consent_expires_with_the_clock() -> None:
    clock = Clock()
    e = Engine(
        policy_with(),
        ["key"],
        consent_log=None,
        clock=clock,
        consent_sources=["cookiewarden", "cookieconsent"],
    )
    iso = datetime.fromtimestamp(NOW, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    value = {"categories": ["performance"], "revision": 0, "lastConsentTimestamp": iso}
    cookie = "cc_cookie=" + quote(json.dumps(value))
    facts = e.facts("example.com", "https", "/")
    assert e.begin(facts, cookie).consent.granted == {"necessary", "performance"}
    clock.now = NOW + 10 * DAY - 1
    assert e.begin(facts, cookie).consent.decided
    clock.now = NOW + 10 * DAY  # consent_max_age holds for adopted choices too
    assert not e.begin(facts, cookie).consent.decided
    # A signed cookie in the same header wins over the adopted one while it is valid.
    clock.now = NOW
    signed = choose(e.policy, [], gpc=False, accept_all=False, method="api", now=NOW)
    both = f"{cookie}; cw_consent={e.codec.dumps(signed)}"
    assert e.begin(facts, both).consent.granted == {"necessary"}


def test_a_header_list_given_as_any_iterable_is_read_whole() -> None:
    e = engine()
    facts = e.facts("example.com", "https", "/")
    for _ in range(3):
        out = e.begin(facts, None).rewrite_raw_headers(iter(_HEADERS))
        assert out == [
            (b"content-type", b"text/plain"),
            (b"set-cookie", b"sessionid=1; Path=/"),
            (b"x-frame-options", b"DENY"),
        ]


# -- begin_request: one lookup on the raw request values ------------------------------------------


def _same_request_side(one: Any, other: Any) -> None:
    assert one.facts == other.facts
    assert one.consent == other.consent
    assert one.app_cookie_header == other.app_cookie_header
    assert one.deletions == other.deletions
    assert one.required == other.required


@pytest.mark.parametrize("seed", range(3))
def test_begin_request_answers_what_begin_answers(seed: int) -> None:
    rng = random.Random(seed)
    clock = Clock()
    e = engine(clock=clock)
    fresh = engine(clock=clock)  # its caches are cleared before every answer
    tokens = [
        token(e, granted, at=NOW + offset, n=n)
        for n, (granted, offset) in enumerate(
            [([], 0), (["performance"], 0), (["performance", "targeting"], -DAY),
             (["targeting"], 2 * CLOCK_SKEW), (["performance"], -11 * DAY)]
        )
    ]  # fmt: skip
    tokens.append(tokens[1][:-2] + "xx")  # forged
    pieces = ["_ga=GA1.2", "ads=9", "sessionid=s", "other=1", "nameless", "_ga_X=1"]
    for _ in range(300):
        cookies = rng.sample(pieces, rng.randint(0, 3))
        if rng.random() < 0.7:
            cookies.append(f"cw_consent={rng.choice(tokens)}")
        rng.shuffle(cookies)
        header = "; ".join(cookies) if cookies or rng.random() < 0.5 else None
        host = rng.choice(["example.com", "www.example.com", "example.com:8443", "\udcffx.test"])
        scheme, path = rng.choice(["http", "https"]), rng.choice(["/", "/a/b", "/_x"])
        gpc = rng.random() < 0.3
        clock.now = NOW + rng.choice([0, 1, 5 * DAY, 10 * DAY, -2 * CLOCK_SKEW])
        raw = rng.random() < 0.5
        for _ in range(2):  # the second answer may come from the cache
            got = e.begin_request(
                host.encode("utf-8", "surrogateescape") if raw else host,
                scheme,
                path,
                None if header is None else header.encode() if raw else header,
                gpc=gpc,
            )
            reader = fresh.reader
            for cache in (
                fresh._plans,
                reader._requests,
                reader._verified,
                fresh.fact_reader.cache,
            ):
                cache.clear()
            _same_request_side(got, fresh.begin(fresh.facts(host, scheme, path), header, gpc=gpc))
    assert len(e._plans) > 0


def test_begin_request_follows_the_clock_and_counts_every_use() -> None:
    clock = Clock()
    e = engine(clock=clock)
    cookie = f"_ga=1; cw_consent={token(e, ['performance'])}".encode()
    assert e.begin_request(b"example.com", "https", "/", cookie).consent.decided
    clock.now = NOW + 10 * DAY  # consent_max_age is up
    expired = e.begin_request(b"example.com", "https", "/", cookie)
    assert not expired.consent.decided and expired.deletions[0].startswith("_ga=;")
    e.begin_request(b"example.com", "https", "/", cookie)
    assert e.stats()[("clear", "refused-category", "performance")] == 2
    clock.now = NOW  # the clock goes back: the cookie counts again
    assert e.begin_request(b"example.com", "https", "/", cookie).consent.decided


def test_begin_request_never_answers_for_another_request() -> None:
    e = engine()
    granted = f"cw_consent={token(e, ['performance', 'targeting'])}"
    refused = f"cw_consent={token(e, [], n=1)}"
    for _ in range(2):
        assert "targeting" in e.begin_request("example.com", "https", "/", granted).consent.granted
        assert (
            "targeting" not in e.begin_request("example.com", "https", "/", refused).consent.granted
        )
        assert e.begin_request("example.com", "https", "/", granted, gpc=True).consent.gpc
        assert not e.begin_request("example.com", "https", "/", granted).consent.gpc
        assert e.begin_request("example.com", "http", "/", granted).facts.secure is False
        assert e.begin_request("example.com", "https", "/x/y", granted).facts.path == "/x/y"
        assert e.begin_request("other.test", "https", "/", granted).facts.host == "other.test"


def test_begin_request_is_for_an_engine_without_hooks() -> None:
    e = engine(consent_required=lambda request: True)
    with pytest.raises(TypeError, match="begin"):
        e.begin_request("example.com", "https", "/", None)


def test_a_verified_consent_is_refused_again_when_the_clock_is_set_back() -> None:
    clock = Clock(NOW + DAY)
    e = engine(clock=clock)
    value = token(e, ["performance"], at=NOW + DAY)
    assert e.begin_request("example.com", "https", "/", f"cw_consent={value}").consent.decided
    clock.now = NOW  # a day back: the cookie was made in the future
    other = f"a=1; cw_consent={value}"  # another header: only the verified value is cached
    assert not e.begin_request("example.com", "https", "/", other).consent.decided
    assert not e.begin(e.facts("example.com", "https", "/"), other).consent.decided
    clock.now = NOW + 11 * DAY  # past consent_max_age
    assert not e.begin_request("example.com", "https", "/", other).consent.decided
    assert e.stats()[("consent", "future", "-")] == 2
    assert e.stats()[("consent", "expired", "-")] == 1
