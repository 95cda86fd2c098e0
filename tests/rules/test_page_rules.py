"""What the engine compiles for the page guard (rules/page_rules.py): the policy's
browser-relevant part for one host, and what the guard is told of one visitor."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cookiewarden import Policy
from cookiewarden.rules.consent import Consent, choose
from cookiewarden.rules.page_rules import page_rules, page_state

POLICY = Policy.from_dict(
    {
        "version": "2026-12-01",
        "max_age": "365d",
        "unknown": "functionality",
        "root_domain": "example.co.uk",
        "mode": "opt-out",
        "gpc_refuses": ["targeting"],
        "secure": "same-as-request",
        "categories": {
            "necessary": {"necessary": True, "label": "Needed"},
            "functionality": {"label": "Features"},
            "targeting": {"label": "Ads"},
        },
        "cookies": [
            {"name": "sid", "category": "necessary", "http_only": True},
            {"name": "_g*", "category": "targeting", "lifetime": "30d"},
            {"name": "_ga_*", "category": "targeting", "lifetime": "2y"},
            {"name": "_ga", "category": "targeting", "lifetime": "400d"},
            {"name": "pref", "category": "functionality", "lifetime": "2y", "path": "/shop"},
        ],
        "storage": [{"name": "_hj*", "category": "targeting", "area": "local"}],
        "hosts": [{"host": "*.ads.example", "category": "targeting"}],
        "unknown_hosts": "block",
    }
)


def rules(host: str = "www.example.co.uk", **kw: Any) -> dict[str, Any]:
    compiled = page_rules(POLICY, host, **kw)
    assert json.loads(json.dumps(compiled)) == compiled  # plain JSON
    return compiled


def test_cookies_come_in_lookup_order_with_their_effective_lifetimes() -> None:
    names = [(c["name"], c["pattern"] is not None, c["limit"]) for c in rules()["cookies"]]
    year = 365 * 86400
    assert names == [
        ("sid", False, None),
        ("_ga", False, year),  # 400 days, capped by max_age
        ("pref", False, year),
        ("cw_consent", False, 180 * 86400),
        ("_ga_*", True, year),  # the longest glob first
        ("_g*", True, 30 * 86400),
    ]
    sid = rules()["cookies"][0]
    assert sid["session"] and sid["http_only"]
    assert rules()["cookies"][2]["path"] == "/shop"


def test_undeclared_cookies_follow_unknown_with_its_cap() -> None:
    r = rules()
    assert (r["unknown"], r["unknown_limit"]) == ("functionality", 365 * 86400)


@pytest.mark.parametrize(
    ("host", "domains", "site"),
    [
        pytest.param(
            "www.example.co.uk",
            {
                "www.example.co.uk": "domain",
                "example.co.uk": "domain",
                "co.uk": "public-suffix",
                "uk": "public-suffix",
            },
            "example.co.uk",
            id="registrable-domain-and-suffixes",
        ),
        pytest.param(
            "a.github.io",
            {"a.github.io": "domain", "github.io": "public-suffix", "io": "public-suffix"},
            "a.github.io",
            id="private-suffix",
        ),
        pytest.param("localhost", {"localhost": "host-only"}, None, id="single-label"),
        pytest.param("127.0.0.1", {"127.0.0.1": "host-only"}, None, id="ip"),
        pytest.param(
            "www.example.com.",
            {"www.example.com.": "domain", "example.com.": "domain", "com.": "public-suffix"},
            "example.com",
            id="fully-qualified-keeps-its-dot",
        ),
    ],
)
def test_the_public_suffix_facts_are_those_of_this_host(
    host: str, domains: dict[str, str], site: str | None
) -> None:
    facts = rules(host)["host"]
    assert facts["domains"] == domains
    assert facts["site"] == site
    assert facts["ip"] == (host == "127.0.0.1")


def test_storage_hosts_and_the_options_the_page_needs() -> None:
    r = rules(report_only=True, consent_path="/privacy")
    assert r["storage"] == [
        {
            "name": "_hj*",
            "pattern": "^_hj[\\s\\S]*(?![\\s\\S])",
            "category": "targeting",
            "area": "local",
        }
    ]
    assert r["hosts"][0]["host"] == "*.ads.example" and r["unknown_hosts"] == "block"
    assert (r["report_only"], r["consent_path"]) == (True, "/privacy")
    assert (r["secure"], r["root_domain"]) == ("same-as-request", "example.co.uk")
    assert [c["key"] for c in r["categories"]] == ["necessary", "functionality", "targeting"]
    # Nothing of one visitor: the state is added per request (page_state), so this part caches.
    assert {"state", "mode", "gpc_refuses", "granted"}.isdisjoint(r)
    assert r["own_cookies"] == ["cw_consent"]


def _chosen(granted: list[str]) -> Consent:
    return choose(POLICY, granted, gpc=False, accept_all=False, method="api", now=1e9)


def test_the_state_is_the_consent_as_the_server_reads_it() -> None:
    assert page_state(POLICY, _chosen(["targeting", "functionality"])) == {
        "decided": True,
        "granted": ["functionality", "necessary", "targeting"],
        "gpc": False,
        "version": "2026-12-01",
    }
    assert page_state(POLICY, _chosen([]))["granted"] == ["necessary"]


def test_an_undecided_visitor_gets_what_the_server_gives_them() -> None:
    # The server shapes an undecided visitor's grants (opt-in, opt-out, GPC, a consent_required
    # hook's answer); the page takes them as they are instead of guessing.
    opt_in = page_state(POLICY, Consent.undecided(POLICY))
    assert (opt_in["decided"], opt_in["granted"]) == (False, ["necessary"])
    opt_out = page_state(POLICY, Consent.undecided(POLICY, required=False))
    assert opt_out["granted"] == ["functionality", "necessary", "targeting"]
    gpc = page_state(POLICY, Consent.undecided(POLICY, gpc=True, required=False))
    assert (gpc["granted"], gpc["gpc"]) == (["functionality", "necessary"], True)


def test_the_state_holds_no_identifier() -> None:
    state = page_state(POLICY, _chosen(["targeting"]))
    assert _chosen(["targeting"]).consent_id  # the consent has one; the page is not told it
    assert set(state) == {"decided", "granted", "gpc", "version"}
