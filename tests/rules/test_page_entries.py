"""Browser storage keys and third-party hosts in the policy: ``[[storage]]``, ``[[hosts]]``,
``unknown_hosts`` (read, validated, looked up), and the glob patterns the page matches with."""

from __future__ import annotations

import fnmatch
import random
import re
from typing import Any

import pytest

from cookiewarden import Policy, PolicyError
from cookiewarden.rules.page_entries import glob_pattern


def policy(**overrides: Any) -> Policy:
    data: dict[str, Any] = {
        "version": "1",
        "categories": {
            "necessary": {"necessary": True},
            "performance": {},
            "targeting": {},
        },
    }
    data.update(overrides)
    return Policy.from_dict(data)


STORAGE = [
    {"name": "_hj*", "category": "performance", "area": "local", "provider": "hotjar.com"},
    {"name": "_hjSession", "category": "targeting", "area": "session"},
    {"name": "cart", "category": "necessary"},
    {"name": "_hjSessionUser*", "category": "targeting"},
]
HOSTS = [
    {"host": "*.facebook.net", "category": "targeting", "provider": "Meta"},
    {"host": "connect.facebook.net", "category": "performance"},
    {"host": "*.Google-Analytics.COM", "category": "performance"},
    {"host": "bücher.example", "category": "targeting"},
]


@pytest.mark.parametrize(
    ("key", "area", "expected"),
    [
        pytest.param("cart", "local", "necessary", id="exact-any-area"),
        pytest.param("cart", "session", "necessary", id="exact-any-area-session"),
        pytest.param("_hjFirst", "local", "performance", id="glob-local"),
        pytest.param("_hjFirst", "session", None, id="glob-local-only"),
        pytest.param("_hjSession", "session", "targeting", id="exact-beats-glob"),
        pytest.param("_hjSession", "local", "performance", id="exact-other-area-then-glob"),
        pytest.param("_hjSessionUser_1", "local", "targeting", id="longest-glob-wins"),
        pytest.param("_HJfirst", "local", None, id="case-sensitive"),
        pytest.param("other", "local", None, id="undeclared"),
    ],
)
def test_storage_keys_are_looked_up_by_area_exact_before_glob(
    key: str, area: str, expected: str | None
) -> None:
    rule = policy(storage=STORAGE).lookup_storage(key, area)
    assert (rule.category if rule else None) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("connect.facebook.net", "performance", id="exact-beats-glob"),
        pytest.param("www.facebook.net", "targeting", id="glob"),
        pytest.param("a.b.facebook.net", "targeting", id="glob-any-depth"),
        pytest.param("facebook.net", None, id="glob-needs-a-label"),
        pytest.param("ssl.google-analytics.com", "performance", id="glob-canonical-case"),
        pytest.param("xn--bcher-kva.example", "targeting", id="idna"),
        pytest.param("cdn.example.org", None, id="undeclared"),
    ],
)
def test_hosts_are_looked_up_in_canonical_form(host: str, expected: str | None) -> None:
    rule = policy(hosts=HOSTS).lookup_host(host)
    assert (rule.category if rule else None) == expected


def test_entries_keep_their_texts_and_unknown_hosts_is_read() -> None:
    p = policy(storage=STORAGE, hosts=HOSTS, unknown_hosts="block")
    assert p.unknown_hosts == "block"
    assert p.lookup_host("www.facebook.net").provider == "Meta"  # type: ignore[union-attr]
    assert p.storage[0].provider == "hotjar.com" and p.storage[0].area == "local"
    assert [h.host for h in p.hosts][:3] == [
        "*.facebook.net",
        "connect.facebook.net",
        "*.google-analytics.com",
    ]


@pytest.mark.parametrize(
    ("overrides", "key", "reason"),
    [
        pytest.param({"storage": {"name": "a"}}, "storage", "array of tables", id="not-array"),
        pytest.param(
            {"storage": [{"category": "necessary"}]}, "storage[0].name", "missing", id="no-name"
        ),
        pytest.param(
            {"storage": [{"name": "a"}]}, "storage[0].category", "missing", id="no-category"
        ),
        pytest.param(
            {"storage": [{"name": "a", "category": "ads"}]},
            "storage[0].category",
            "unknown category 'ads'",
            id="unknown-category",
        ),
        pytest.param(
            {"storage": [{"name": "a", "category": "necessary", "area": "cookie"}]},
            "storage[0].area",
            "'local', 'session' or 'any'",
            id="bad-area",
        ),
        pytest.param(
            {"storage": [{"name": "a", "category": "necessary", "lifetime": "1d"}]},
            "storage[0].lifetime",
            "unknown key",
            id="unknown-key",
        ),
        pytest.param(
            {"storage": [{"name": "a", "category": "necessary"}] * 2},
            "storage[1].name",
            "declared twice",
            id="twice",
        ),
        pytest.param(
            {"storage": [{"name": "_x[z-a]", "category": "necessary"}]},
            "storage[0].name",
            "range z-a",
            id="reversed-range",
        ),
        pytest.param(
            {"hosts": [{"host": "a.example"}]},
            "hosts[0].category",
            "missing",
            id="host-no-category",
        ),
        pytest.param(
            {"hosts": [{"host": "https://a.example/x", "category": "targeting"}]},
            "hosts[0].host",
            "not a host name",
            id="host-url",
        ),
        pytest.param(
            {"hosts": [{"host": "a..example", "category": "targeting"}]},
            "hosts[0].host",
            "not a host name",
            id="host-empty-label",
        ),
        pytest.param(
            {
                "hosts": [
                    {"host": "A.example", "category": "targeting"},
                    {"host": "a.example", "category": "targeting"},
                ]
            },
            "hosts[1].host",
            "declared twice",
            id="host-twice-canonically",
        ),
        pytest.param(
            {"unknown_hosts": "deny"}, "unknown_hosts", "'allow' or 'block'", id="unknown-hosts"
        ),
        pytest.param(
            {"cookies": [{"name": "_a[z-a]", "category": "necessary"}]},
            "cookies[0].name",
            "range z-a",
            id="cookie-glob-the-page-cannot-match",
        ),
    ],
)
def test_mistakes_name_the_key(overrides: dict[str, Any], key: str, reason: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy(**overrides)
    assert info.value.key == key
    assert reason in info.value.reason


def test_a_policy_without_storage_or_hosts_declares_none() -> None:
    p = policy()
    assert (p.storage, p.hosts) == ((), ())
    assert p.lookup_storage("anything") is None and p.lookup_host("a.example") is None


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        pytest.param("_ga_*", ["_ga_", "_ga_ABC", "_ga_\n"], ["_ga", "x_ga_1"], id="star"),
        pytest.param("_h?", ["_hj", "_h\n"], ["_h", "_hjk"], id="question"),
        pytest.param("a[bc]d", ["abd", "acd"], ["aad", "abcd"], id="set"),
        pytest.param("a[!bc]d", ["aad", "a-d"], ["abd"], id="negated-set"),
        pytest.param("v[0-9]", ["v0", "v9"], ["va", "v-"], id="range"),
        pytest.param("a[", ["a["], ["a"], id="unclosed-set-is-literal"),
        pytest.param("a.b+c", ["a.b+c"], ["aXb+c", "a.bbc"], id="regex-characters-are-literal"),
        pytest.param("x*", ["x", "x\n"], ["\nx"], id="anchored"),
    ],
)
def test_glob_pattern_matches_as_fnmatch_does(
    glob: str, matches: list[str], misses: list[str]
) -> None:
    pattern = re.compile(glob_pattern(glob))
    for text in matches:
        assert pattern.match(text) and fnmatch.fnmatchcase(text, glob), text
    for text in misses:
        assert not pattern.match(text) and not fnmatch.fnmatchcase(text, glob), text


def test_glob_pattern_agrees_with_fnmatch_on_random_globs() -> None:
    rng = random.Random(6265)
    alphabet = "ab*?[]!-x.^"
    checked = 0
    for _ in range(5000):
        glob = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7)))
        try:
            pattern = re.compile(glob_pattern(glob))
        except ValueError:
            continue  # a set the page cannot match alike: the policy refuses it
        for _ in range(20):
            text = "".join(rng.choice("abx.!-[]?*\n^") for _ in range(rng.randint(0, 5)))
            assert bool(pattern.match(text)) == fnmatch.fnmatchcase(text, glob), (glob, text)
            checked += 1
    assert checked > 50_000
