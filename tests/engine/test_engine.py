"""One request's work: consent reading, request filtering, response rewriting, counting."""

from __future__ import annotations

import logging

import pytest

from cookiewarden import ConfigurationError, Policy, stats
from cookiewarden.engine.core import Engine
from cookiewarden.engine.facts import forwarded_value
from cookiewarden.rules.consent import choose

NOW = 1_795_000_000.0
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
            {"name": "_ga_*", "category": "performance", "lifetime": "1y"},
            {
                "name": "ads",
                "category": "targeting",
                "lifetime": "30d",
                "domain": "example.com",
                "path": "/shop",
            },
            {"name": "__Host-t", "category": "targeting", "lifetime": "1d"},
        ],
    }
)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def engine(**options: object) -> Engine:
    options.setdefault("consent_log", None)
    options.setdefault("clock", Clock())
    return Engine(POLICY, ["key"], **options)  # type: ignore[arg-type]


def token(e: Engine, granted: list[str], at: float = NOW) -> str:
    consent = choose(POLICY, granted, gpc=False, accept_all=False, method="api", now=at)
    return e.codec.dumps(consent)


@pytest.mark.parametrize(
    ("value", "trusted", "expected"),
    [
        pytest.param("a, b, c", 1, "c", id="one-proxy-believes-the-last"),
        pytest.param("a, b, c", 2, "b", id="two-proxies"),
        pytest.param("a", 2, None, id="fewer-entries-than-proxies"),
        pytest.param("a", 0, None, id="no-trust"),
        pytest.param(None, 1, None, id="absent"),
    ],
)
def test_forwarded_value(value: str | None, trusted: int, expected: str | None) -> None:
    assert forwarded_value(value, trusted) == expected


def test_forwarded_headers_ignored_by_default() -> None:
    facts = engine().request_facts(
        host="internal:8000",
        scheme="http",
        forwarded_host="www.example.com",
        forwarded_proto="https",
    )
    assert (facts.host, facts.secure) == ("internal", False)
    trusting = engine(trusted_proxies=1).request_facts(
        host="internal:8000",
        scheme="http",
        forwarded_host="evil, www.example.com",
        forwarded_proto="https",
    )
    assert (trusting.host, trusting.secure) == ("www.example.com", True)


def test_a_fully_qualified_host_keeps_its_dot() -> None:
    # A browser keeps www.example.com. apart from www.example.com, and so do the decisions.
    e = engine()
    for begin in (
        lambda: e.begin(e.request_facts(host="WWW.example.com.:443", scheme="https"), None),
        lambda: e.begin_request(b"WWW.example.com.:443", "https", "/", None),
    ):
        ex = begin()
        assert ex.facts.host == "www.example.com."
        leaving = ex.response_headers(
            ["sessionid=a; Domain=example.com", "sessionid=b; Domain=example.com.", "sessionid=c"]
        )
        assert leaving == ["sessionid=b; Domain=example.com.", "sessionid=c"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        pytest.param("consent_path", "_consent", id="relative-path"),
        pytest.param("consent_path", "/c/", id="trailing-slash"),
        pytest.param("trusted_proxies", -1, id="negative-proxies"),
        pytest.param("consent_log", "redis://x", id="unknown-sink"),
    ],
)
def test_bad_options_raise_at_construction(option: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        engine(**{option: value})
    assert info.value.option == option


def test_secret_keys_must_be_a_list() -> None:
    with pytest.raises(ConfigurationError):
        Engine(POLICY, "key")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Engine(POLICY, [])


def test_request_cookies_of_refused_categories_are_hidden_and_cleared() -> None:
    e = engine()
    facts = e.request_facts(host="www.example.com", scheme="https")
    ex = e.begin(facts, f"sessionid=s; _ga=1; _ga_X=2; ads=3; other=4; cw_consent={token(e, [])}")
    assert ex.consent.decided
    assert ex.app_cookie_header is not None
    assert ex.app_cookie_header.startswith("sessionid=s; cw_consent=")
    assert ex.deletions == (
        "_ga=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure",
        "_ga_X=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure",
        "ads=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/shop; Domain=example.com;"
        " Secure",
    )


def test_host_prefixed_deletion_keeps_the_prefix_rules() -> None:
    e = engine()
    ex = e.begin(e.request_facts(host="example.com", scheme="http"), "__Host-t=1")
    assert ex.deletions == (
        "__Host-t=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Secure",
    )


def test_nothing_hidden_leaves_the_request_untouched() -> None:
    e = engine()
    ex = e.begin(e.request_facts(host="example.com", scheme="http"), "sessionid=1")
    assert ex.app_cookie_header is None
    assert ex.deletions == ()
    assert not ex.has_work


def test_filter_and_clear_can_be_switched_off() -> None:
    e = engine(filter_request_cookies=False, clear_refused=False)
    ex = e.begin(e.request_facts(host="example.com", scheme="http"), "_ga=1; junk=2")
    assert ex.app_cookie_header is None
    assert ex.deletions == ()


def test_newest_valid_consent_cookie_counts() -> None:
    e = engine(clock=Clock())
    old = token(e, ["performance"], at=NOW - 100)
    new = token(e, ["targeting"], at=NOW - 10)
    forged = new[:-3] + "AAA"
    ex = e.begin(
        e.request_facts(host="example.com", scheme="http"),
        f"cw_consent={old}; cw_consent={forged}; cw_consent={new}",
    )
    assert ex.consent.granted == {"necessary", "targeting"}


def test_cached_consent_still_expires_with_the_clock() -> None:
    clock = Clock()
    e = engine(clock=clock)
    value = token(e, ["performance"])
    facts = e.request_facts(host="example.com", scheme="http")
    assert e.begin(facts, f"cw_consent={value}").consent.decided
    clock.now = NOW + 10 * 86400 + 1
    assert not e.begin(facts, f"cw_consent={value}").consent.decided


def test_response_headers_judge_rewrite_and_append_deletions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    e = engine(clock=Clock())
    facts = e.request_facts(host="example.com", scheme="https")
    ex = e.begin(facts, f"ads=1; cw_consent={token(e, ['performance'])}")
    caplog.set_level(logging.INFO, logger="cookiewarden")
    out = ex.response_headers(["sessionid=a", "_ga=b; Max-Age=99999999", "ads=c", "bad\x01=1"])
    assert out == [
        "sessionid=a",
        "_ga=b; Max-Age=31536000",
        "ads=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/shop; Domain=example.com;"
        " Secure",
    ]
    assert [d.action.value for d in ex.decisions] == ["keep", "rewrite", "drop", "drop"]
    messages = "\n".join(caplog.messages)
    assert "rewritten Set-Cookie '_ga' (category performance): lifetime-capped" in messages
    assert "dropped Set-Cookie 'ads' (category targeting): refused-category" in messages
    assert "dropped Set-Cookie None (category undeclared): unparseable" in messages
    counts = e.stats()
    assert counts[("rewrite", "lifetime-capped", "performance")] == 1
    assert counts[("drop", "refused-category", "targeting")] == 1
    assert counts[("clear", "refused-category", "targeting")] == 1


def test_report_only_changes_nothing_but_logs(caplog: pytest.LogCaptureFixture) -> None:
    e = engine(report_only=True)
    facts = e.request_facts(host="example.com", scheme="https")
    ex = e.begin(facts, "_ga=1; junk=2")
    assert ex.app_cookie_header is None
    caplog.set_level(logging.INFO, logger="cookiewarden")
    headers = ["_ga=1; Max-Age=99999999", "junk=1"]
    assert ex.response_headers(headers) == headers
    assert not ex.has_work
    assert "[report-only] would have dropped Set-Cookie '_ga'" in "\n".join(caplog.messages)


def test_stats_finds_the_engine_through_wrappers() -> None:
    from cookiewarden import CookieWarden

    async def app(scope: object, receive: object, send: object) -> None:
        pass

    mw = CookieWarden(app, policy=POLICY, secret_keys=["k"], consent_log=None)

    class Outer:
        def __init__(self, inner: object) -> None:
            self.app = inner

    assert stats(Outer(mw)) == {}
    with pytest.raises(TypeError):
        stats(object())


def test_an_internal_error_on_the_request_side_fails_closed(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: whatever goes wrong inside, the app gets no consent and no cookie."""

    def faulty(*args: object, **kwargs: object) -> object:
        raise RuntimeError("injected fault")

    e = engine()
    monkeypatch.setattr(e.reader, "_request_side", faulty)
    ex = e.begin(
        e.request_facts(host="example.com", scheme="https"),
        f"sessionid=s; cw_consent={token(e, ['performance'])}",
    )
    assert not ex.consent.decided
    assert ex.consent.granted == {"necessary"}
    assert ex.app_cookie_header == ""
    assert "internal error reading the request's cookies" in caplog.text
    assert e.stats()[("error", "request-side", "-")] == 1


@pytest.mark.parametrize(
    ("unknown", "seen"),
    [
        pytest.param("block", "sessionid=1; _ga=2; ads=3", id="block"),
        pytest.param("allow", "sessionid=1; _ga=2; ads=3; stranger=4; nameless", id="allow"),
        pytest.param("targeting", "sessionid=1; _ga=2; ads=3; stranger=4; nameless", id="category"),
    ],
)
def test_a_visitor_who_accepted_everything_sees_what_the_unknown_rule_allows(
    unknown: str, seen: str
) -> None:
    policy = Policy.from_dict(
        {
            "version": "v1",
            "unknown": unknown,
            "categories": {"necessary": {"necessary": True}, "performance": {}, "targeting": {}},
            "cookies": [
                {"name": "sessionid", "category": "necessary"},
                {"name": "_ga", "category": "performance"},
                {"name": "ads", "category": "targeting"},
            ],
        }
    )
    e = Engine(policy, ["key"], consent_log=None, clock=Clock())
    everything = choose(
        policy, ["performance", "targeting"], gpc=False, accept_all=True, method="api", now=NOW
    )
    cookie = (
        f"sessionid=1; _ga=2; ads=3; stranger=4; nameless; cw_consent={e.codec.dumps(everything)}"
    )
    exchange = e.begin(e.facts("example.com", "https", "/"), cookie)
    assert exchange.consent.granted == policy.category_keys
    visible = exchange.app_cookie_header
    if visible is None:  # nothing hidden: the app sees the header as it came
        visible = cookie
    assert visible.split("; cw_consent=")[0] == seen


def test_counts_from_many_threads_are_exact() -> None:
    """Counting takes no lock (one C call per count): no thread ever loses one."""
    import threading

    e = engine()
    facts = e.facts("example.com", "https", "/")
    cookie = f"_ga=1; cw_consent={token(e, [])}"  # one refused cookie to clear, each request
    per_thread, threads = 3000, 8

    def work() -> None:
        for n in range(per_thread):
            exchange = e.begin(facts, cookie)
            if n % 2:
                exchange.response_headers_raw([b"sessionid=1", f"ads={n}".encode()])
            else:
                exchange.response_headers(["sessionid=1", f"ads={n}"])

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    total = per_thread * threads
    assert e.stats() == {
        ("keep", "allowed", "necessary"): total,
        ("drop", "refused-category", "targeting"): total,
        ("clear", "refused-category", "performance"): total,
    }
