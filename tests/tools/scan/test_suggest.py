"""``cookiewarden.tools.scan.suggest``: policy entries for what a scan found undeclared, from
the Open Cookie Database, and a first policy file (``init --from-scan``)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import Literal

import pytest

from cookiewarden import Policy
from cookiewarden.tools.scan.cookiedb import load_database
from cookiewarden.tools.scan.findings import Judgement, judge
from cookiewarden.tools.scan.model import CookieSeen, RequestSeen, Scan, State, StateRun
from cookiewarden.tools.scan.model import StorageSeen as Key
from cookiewarden.tools.scan.suggest import (
    Suggestion,
    duration_text,
    first_policy,
    render_entries,
    suggest,
)

T = 1_800_000_000.0
SITE = "www.example.com"


def cookie(name: str, life: float | None, domain: str = SITE) -> CookieSeen:
    expires = None if life is None else T + life
    return CookieSeen(name, domain, "/", expires, False, False, "Lax", "script", "https://x/", T)


def judgement(*runs: StateRun, policy: Policy | None = None) -> Judgement:
    return judge(Scan((f"https://{SITE}/",), SITE, runs, T), policy or Policy.default())


def run(
    kind: Literal["none", "accept"],
    cookies: Sequence[CookieSeen] = (),
    storage: Sequence[Key] = (),
    requests: Sequence[RequestSeen] = (),
) -> StateRun:
    return StateRun(
        State(kind),
        True,
        None,
        (f"https://{SITE}/",),
        T,
        None,
        tuple(cookies),
        tuple(storage),
        tuple(requests),
    )


SEEN = judgement(
    run(
        "none",
        [
            cookie("_ga", 400 * 86400),
            cookie("_ga_ABC", 400 * 86400),
            cookie("_ga_DEF", 400 * 86400),
            cookie("tracker_xyz", 3600),
            cookie("cw_consent", 86400),
            cookie("tid", 86400, "ads.example.net"),
            cookie("a[b]", None),
            cookie("bad(name)", 60),
        ],
        [
            Key("local", "fp_blob", "https://www.example.com"),
            Key("local", "_hjSession_1", "https://www.example.com"),
        ],
        [RequestSeen("ads.example.net", T, 2, "https://ads.example.net/p.gif")],
    ),
    run(
        "accept",
        [cookie("_ga", 400 * 86400)],
        [Key("session", "fp_blob", "https://www.example.com")],
    ),
)


def by_name() -> dict[str, Suggestion]:
    return {s.name: s for s in suggest(SEEN, load_database())}


def test_a_known_cookie_takes_the_databases_description_and_lifetime() -> None:
    ga = by_name()["_ga"]
    assert (ga.table, ga.category, ga.purpose, ga.provider, ga.lifetime, ga.known) == (
        "cookies",
        "performance",
        "Analytics",
        "Google Analytics",
        2 * 365 * 86400,
        True,
    )
    assert ga.description


def test_a_wildcard_family_is_one_glob_entry_for_every_name_seen() -> None:
    family = by_name()["_ga_*"]
    assert family.observed == ["_ga_ABC", "_ga_DEF"]
    assert family.category == "performance"


def test_an_unknown_cookie_gets_the_observed_lifetime_and_a_question_mark() -> None:
    unknown = by_name()["tracker_xyz"]
    assert (unknown.category, unknown.lifetime, unknown.known) == ("?", 3600, False)


def test_storage_keys_are_suggested_with_their_area() -> None:
    names = by_name()
    assert names["fp_blob"].table == "storage"
    assert names["fp_blob"].area == "any"  # seen in local and in session storage
    assert names["_hjSession_*"].area == "local"
    assert names["_hjSession_*"].known


def test_declared_and_third_party_cookies_are_not_suggested() -> None:
    names = by_name()
    assert "cw_consent" not in names  # always declared
    assert "tid" not in names  # the other site's to declare


def test_the_entries_are_toml_that_makes_a_policy_declaring_every_name() -> None:
    text = render_entries(suggest(SEEN, load_database()))
    assert "# tracker_xyz: not in the Open Cookie Database" in text
    assert 'category = "?"  # not in the Open Cookie Database: choose its category' in text
    assert 'lifetime = "1h"  # as observed' in text
    assert 'name = "a[[]b]"' in text  # an exact name with glob characters, escaped
    assert '# name = "bad(name)"' in text  # no policy can declare it: commented out
    data = tomllib.loads(text)
    for table in (*data["cookies"], *data["storage"]):
        if table["category"] == "?":
            table["category"] = "functionality"
    policy = Policy.from_dict({**tomllib.loads(_default()), **data})
    for name in ("_ga", "_ga_ABC", "_ga_DEF", "tracker_xyz", "a[b]"):
        assert policy.lookup(name) is not None, name
    assert policy.lookup("ab") is None  # "a[b]" is the one name, not a set
    assert policy.lookup_storage("fp_blob", "session") is not None


def _default() -> str:
    from importlib import resources

    return resources.files("cookiewarden.rules").joinpath("default_policy.toml").read_text()


def test_a_first_policy_file() -> None:
    text = first_policy(SEEN, suggest(SEEN, load_database()), now=T)
    assert text.startswith("# A first cookie policy for example.com, from `cookiewarden scan`")
    assert 'version = "2027-01-15"' in text
    assert '# root_domain = "example.com"  # no cookie may be scoped' in text
    assert "#   ads.example.net" in text  # a third-party host, to declare in [[hosts]]
    assert '3 entries have category = "?"' in text
    data = tomllib.loads(text)
    assert list(data["categories"]) == ["necessary", "performance", "functionality", "targeting"]
    assert {c["name"] for c in data["cookies"]} == {"_ga", "_ga_*", "tracker_xyz", "a[[]b]"}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(2 * 365 * 86400, "2y", id="years"),
        pytest.param(34_559_999.4, "400d", id="rounded-to-the-minute"),
        pytest.param(5400, "90m", id="minutes"),
        pytest.param(7200, "2h", id="hours"),
        pytest.param(45.4, "45s", id="seconds-under-ten-minutes"),
        pytest.param(59.6, "1m", id="a-whole-minute"),
        pytest.param(0.2, "1s", id="at-least-a-second"),
    ],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text
