"""``cookiewarden.tools.scan.findings``: the judgement of hand-built observations against a
policy, kind by kind, with no browser."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from cookiewarden import Policy
from cookiewarden.tools.scan.findings import about, is_third_party, judge, site_of
from cookiewarden.tools.scan.model import (
    CookieSeen,
    RequestSeen,
    Scan,
    State,
    StateRun,
    StorageSeen,
    parse_states,
)

T = 1_800_000_000.0
DAY = 86400
SITE = "www.example.com"
BASE: dict[str, Any] = {
    "version": "findings-1",
    "max_age": "365d",
    "unknown": "block",
    "categories": {
        "necessary": {"label": "Necessary", "necessary": True},
        "performance": {"label": "Performance"},
        "functionality": {"label": "Functionality"},
        "targeting": {"label": "Targeting"},
    },
    "cookies": [
        {"name": "sessionid", "category": "necessary", "lifetime": "session"},
        {"name": "csrftoken", "category": "necessary", "lifetime": "2y"},
        {"name": "_ga", "category": "performance", "lifetime": "2y"},
        {
            "name": "lang",
            "category": "functionality",
            "lifetime": "30d",
            "domain": "shop.example.com",
        },
        {"name": "tid", "category": "targeting", "lifetime": "90d"},
    ],
    "storage": [{"name": "ab_variant", "category": "functionality", "area": "local"}],
    "hosts": [{"host": "tracker.example", "category": "targeting"}],
}


def policy(**changes: Any) -> Policy:
    return Policy.from_dict({**BASE, **changes}, source="findings test policy")


def cookie(name: str, domain: str = SITE, life: float | None = None) -> CookieSeen:
    """A cookie written at ``T`` to live ``life`` seconds (``None``: a session cookie)."""
    expires = None if life is None else T + life
    return CookieSeen(name, domain, "/", expires, False, False, "Lax", "http", "https://x/", T)


def local(name: str, area: Literal["local", "session"] = "local") -> StorageSeen:
    return StorageSeen(area, name, "https://www.example.com")


def request(host: str) -> RequestSeen:
    return RequestSeen(host, T, 1, f"https://{host}/p.gif")


def state(text: str) -> State:
    return parse_states(text, tuple(BASE["categories"]), frozenset({"necessary"}))[0]


def found(
    name: str = "none",
    *,
    cookies: tuple[CookieSeen, ...] = (),
    storage: tuple[StorageSeen, ...] = (),
    requests: tuple[RequestSeen, ...] = (),
    before: tuple[CookieSeen, ...] = (),
    before_storage: tuple[StorageSeen, ...] = (),
    site: str = SITE,
    against: Policy | None = None,
) -> list[tuple[str, str, str, str | None]]:
    """The findings of one reached state, as (kind, what, name, category)."""
    run = StateRun(
        state(name),
        True,
        None,
        (f"https://{site}/",),
        T,
        T,
        cookies,
        storage,
        requests,
        before,
        before_storage,
    )
    scan = Scan((f"https://{site}/",), site, (run,), T)
    judgement = judge(scan, against or policy())
    return [(f.kind, f.what, f.name, f.category) for f in judgement.findings]


@pytest.mark.parametrize(
    ("name", "cookies", "expected"),
    [
        pytest.param("none", (cookie("sessionid"),), [], id="necessary-session-cookie-is-fine"),
        pytest.param(
            "none",
            (cookie("_ga", life=DAY),),
            [("before-consent", "cookie", "_ga", "performance")],
            id="optional-cookie-before-consent",
        ),
        pytest.param(
            "reject",
            (cookie("lang", life=DAY),),
            [("before-consent", "cookie", "lang", "functionality")],
            id="optional-cookie-after-reject",
        ),
        pytest.param(
            "accept",
            (cookie("_ga", life=DAY), cookie("lang", life=DAY)),
            [],
            id="accept-grants-every-category",
        ),
        pytest.param(
            "only:performance",
            (cookie("_ga", life=DAY), cookie("lang", life=DAY)),
            [("before-consent", "cookie", "lang", "functionality")],
            id="only-grants-its-category",
        ),
        pytest.param(
            "accept",
            (cookie("tracker_xyz", life=DAY),),
            [("undeclared", "cookie", "tracker_xyz", None)],
            id="undeclared",
        ),
        pytest.param(
            "accept",
            (cookie("_ga", life=400 * DAY),),
            [("over-lifetime", "cookie", "_ga", "performance")],
            id="over-lifetime-past-max-age",
        ),
        pytest.param(
            "accept", (cookie("_ga", life=365 * DAY + 30),), [], id="within-the-tolerance"
        ),
        pytest.param(
            "accept",
            (cookie("_ga", life=365 * DAY + 120),),
            [("over-lifetime", "cookie", "_ga", "performance")],
            id="past-the-tolerance",
        ),
        pytest.param(
            "none",
            (cookie("csrftoken", life=2 * 365 * DAY),),
            [],
            id="necessary-is-exempt-from-max-age",
        ),
        pytest.param(
            "none",
            (cookie("sessionid", life=DAY),),
            [("session-persists", "cookie", "sessionid", "necessary")],
            id="session-persists",
        ),
        pytest.param(
            "accept",
            (cookie("lang", ".example.com", DAY),),
            [("wide-domain", "cookie", "lang", "functionality")],
            id="wider-than-declared-domain",
        ),
        pytest.param(
            "accept", (cookie("lang", ".shop.example.com", DAY),), [], id="the-declared-domain"
        ),
        pytest.param(
            "accept",
            (cookie("_ga", ".example.com", DAY),),
            [],
            id="a-domain-cookie-declared-without-domain",
        ),
        pytest.param(
            "accept",
            (cookie("uid", ".ads.example.net", DAY),),
            [("third-party-cookie", "cookie", "uid", None)],
            id="undeclared-third-party-cookie",
        ),
        pytest.param(
            "none",
            (cookie("tid", "tracker.example", DAY),),
            [("third-party-cookie", "cookie", "tid", "targeting")],
            id="declared-third-party-cookie-refused",
        ),
        pytest.param(
            "accept",
            (cookie("tid", "tracker.example", 900 * DAY),),
            [],
            id="declared-third-party-cookie-granted-is-not-ours-to-cap",
        ),
    ],
)
def test_cookies_are_judged_kind_by_kind(
    name: str, cookies: tuple[CookieSeen, ...], expected: list[tuple[str, ...]]
) -> None:
    assert found(name, cookies=cookies) == expected


def test_an_undeclared_cookie_under_unknown_category_counts_by_that_category() -> None:
    against = policy(unknown="performance")
    assert found("none", cookies=(cookie("x", life=2 * 365 * DAY),), against=against) == [
        ("undeclared", "cookie", "x", "performance"),
        ("before-consent", "cookie", "x", "performance"),
        ("over-lifetime", "cookie", "x", "performance"),
    ]


def test_an_undeclared_cookie_under_unknown_allow_is_capped_by_max_age() -> None:
    against = policy(unknown="allow")
    assert found("none", cookies=(cookie("x", life=400 * DAY),), against=against) == [
        ("undeclared", "cookie", "x", None),
        ("over-lifetime", "cookie", "x", None),
    ]
    assert found("none", cookies=(cookie("y", life=DAY),), against=against) == [
        ("undeclared", "cookie", "y", None)
    ]


def test_a_cookie_wider_than_root_domain() -> None:
    against = policy(root_domain="shop.example.com", cookies=[])
    site = "www.shop.example.com"
    assert found(
        "none", cookies=(cookie("cw_consent", ".example.com", DAY),), site=site, against=against
    ) == [("wide-domain", "cookie", "cw_consent", "necessary")]
    assert (
        found(
            "none",
            cookies=(cookie("cw_consent", ".shop.example.com", DAY),),
            site=site,
            against=against,
        )
        == []
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(
            (cookie("_ga", life=DAY),),
            (cookie("_ga", life=DAY),),
            [("not-cleared", "cookie", "_ga", "performance")],
            id="still-there",
        ),
        pytest.param(
            (),
            (cookie("_ga", life=DAY),),
            [("before-consent", "cookie", "_ga", "performance")],
            id="set-after-the-withdrawal",
        ),
        pytest.param((cookie("_ga", life=DAY),), (), [], id="cleared"),
        pytest.param((cookie("sessionid"),), (cookie("sessionid"),), [], id="necessary-stays"),
        pytest.param(
            (cookie("tid", "tracker.example", DAY),),
            (cookie("tid", "tracker.example", DAY),),
            [("not-cleared", "cookie", "tid", "targeting")],
            id="a-third-party-cookie-stays-too",
        ),
    ],
)
def test_withdraw_tells_not_cleared_from_set_again(
    before: tuple[CookieSeen, ...], after: tuple[CookieSeen, ...], expected: list[tuple[str, ...]]
) -> None:
    assert found("withdraw", cookies=after, before=before) == expected


@pytest.mark.parametrize(
    ("name", "storage", "before", "expected"),
    [
        pytest.param(
            "none",
            (local("ab_variant"),),
            (),
            [("before-consent", "storage", "ab_variant", "functionality")],
            id="before-consent",
        ),
        pytest.param("accept", (local("ab_variant"),), (), [], id="granted"),
        pytest.param(
            "accept",
            (local("ab_variant", "session"),),
            (),
            [("undeclared", "storage", "ab_variant", None)],
            id="declared-for-the-other-area",
        ),
        pytest.param(
            "accept", (local("fp"),), (), [("undeclared", "storage", "fp", None)], id="undeclared"
        ),
        pytest.param(
            "withdraw",
            (local("ab_variant"),),
            (local("ab_variant"),),
            [("not-cleared", "storage", "ab_variant", "functionality")],
            id="not-cleared",
        ),
    ],
)
def test_storage_keys(
    name: str,
    storage: tuple[StorageSeen, ...],
    before: tuple[StorageSeen, ...],
    expected: list[tuple[str, ...]],
) -> None:
    assert found(name, storage=storage, before_storage=before) == expected


@pytest.mark.parametrize(
    ("name", "host", "unknown_hosts", "expected"),
    [
        pytest.param(
            "none",
            "tracker.example",
            "allow",
            [("before-consent", "request", "tracker.example", "targeting")],
            id="declared-host-refused",
        ),
        pytest.param("accept", "tracker.example", "allow", [], id="declared-host-granted"),
        pytest.param("none", "cdn.example.net", "allow", [], id="undeclared-host-allowed"),
        pytest.param(
            "none",
            "cdn.example.net",
            "block",
            [("undeclared", "request", "cdn.example.net", None)],
            id="undeclared-host-under-block",
        ),
        pytest.param("none", "static.example.com", "block", [], id="first-party-host"),
    ],
)
def test_requests(
    name: str, host: str, unknown_hosts: str, expected: list[tuple[str, ...]]
) -> None:
    against = policy(unknown_hosts=unknown_hosts)
    assert found(name, requests=(request(host),), against=against) == expected


def test_opt_out_grants_everything_to_an_undecided_visitor() -> None:
    assert found("none", cookies=(cookie("_ga", life=DAY),), against=policy(mode="opt-out")) == []
    assert found("reject", cookies=(cookie("_ga", life=DAY),), against=policy(mode="opt-out")) == [
        ("before-consent", "cookie", "_ga", "performance")
    ]


def test_a_state_not_reached_is_never_judged_and_never_passes() -> None:
    missed = StateRun(State("reject"), reached=False, reason="no banner")
    clean = StateRun(
        State("none"), True, None, ("https://www.example.com/",), T, None, (cookie("sessionid"),)
    )
    judgement = judge(Scan(("https://www.example.com/",), SITE, (clean, missed), T), policy())
    assert judgement.findings == ()
    assert judgement.not_reached == (missed,)
    assert judgement.exit_code == 1
    assert judge(Scan(("https://www.example.com/",), SITE, (clean,), T), policy()).exit_code == 0


def test_judged_items_carry_category_and_status() -> None:
    run = StateRun(
        State("none"),
        True,
        None,
        (),
        T,
        None,
        (cookie("_ga", life=DAY), cookie("x", life=DAY), cookie("sessionid")),
    )
    judged = judge(Scan((), SITE, (run,), T), policy()).states[0].cookies
    assert [(j.name, j.category, j.declared, j.kinds) for j in judged] == [
        ("_ga", "performance", True, ("before-consent",)),
        ("x", None, False, ("undeclared",)),
        ("sessionid", "necessary", True, ()),
    ]


@pytest.mark.parametrize(
    ("host", "site", "third"),
    [
        pytest.param("www.example.co.uk", "example.co.uk", False, id="same-registrable-domain"),
        pytest.param(".shop.example.com", "example.com", False, id="a-domain-cookie"),
        pytest.param("tracker.example", "example.com", True, id="another-site"),
        pytest.param("127.0.0.1", "127.0.0.1", False, id="an-ip-is-its-own-site"),
        pytest.param("localhost", "127.0.0.1", True, id="localhost-is-not-127.0.0.1"),
        pytest.param("foo.github.io", "bar.github.io", True, id="private-suffixes-count"),
    ],
)
def test_first_or_third_party(host: str, site: str, third: bool) -> None:
    assert is_third_party(host, site_of(site)) is third


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        pytest.param(34_560_000, "400 days", id="days"),
        pytest.param(3 * 3600 + 100, "3 hours", id="hours"),
        pytest.param(3600, "60 minutes", id="an-hour-in-minutes"),
        pytest.param(45, "45 seconds", id="seconds"),
        pytest.param(1, "1 second", id="one-second"),
    ],
)
def test_about_rounds_a_measured_duration(seconds: float, words: str) -> None:
    assert about(seconds) == words
