"""Policy loading, validation and lookup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cookiewarden import Policy, PolicyError
from cookiewarden.rules.durations import parse_duration
from cookiewarden.rules.policy_entries import CONSENT_COOKIE

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def base(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "2026-11-01",
        "categories": {
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "performance": {"label": "Performance"},
            "functionality": {"label": "Functionality"},
            "targeting": {"label": "Targeting"},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
            {"name": "_ga_*", "category": "performance", "lifetime": "1y"},
            {"name": "_g*", "category": "targeting", "lifetime": "30d"},
            {"name": "lang", "category": "functionality", "lifetime": "400d"},
        ],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("30d", 30 * 86400, id="days"),
        pytest.param("1y", 365 * 86400, id="year-is-365-days"),
        pytest.param("2w", 14 * 86400, id="weeks"),
        pytest.param("12h", 12 * 3600, id="hours"),
        pytest.param("15m", 900, id="minutes"),
        pytest.param("45s", 45, id="seconds"),
        pytest.param("3600", 3600, id="plain-seconds-string"),
        pytest.param(86400, 86400, id="integer"),
        pytest.param(" 7D ", 7 * 86400, id="spaces-and-case"),
    ],
)
def test_parse_duration_accepts_units(text: str | int, seconds: int) -> None:
    assert parse_duration(text, key="k") == seconds


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("1 year", id="word"),
        pytest.param("-5d", id="negative"),
        pytest.param("0", id="zero"),
        pytest.param("1.5d", id="fraction"),
        pytest.param(True, id="bool"),
    ],
)
def test_parse_duration_rejects_with_key(text: Any) -> None:
    with pytest.raises(PolicyError) as info:
        parse_duration(text, key="max_age")
    assert info.value.key == "max_age"


def test_default_policy_has_four_categories_and_cookiewardens_own_cookies() -> None:
    policy = Policy.default()
    assert [c.key for c in policy.categories] == [
        "necessary",
        "performance",
        "functionality",
        "targeting",
    ]
    assert policy.necessary_keys == {"necessary"}
    # The signed consent cookie (the page guard learns the choice from guard.js, no cookie).
    assert [r.name for r in policy.cookies] == [CONSENT_COOKIE]
    rule = policy.lookup(CONSENT_COOKIE)
    assert rule is not None and rule.category == "necessary" and rule.path == "/"
    assert policy.storage == () and policy.hosts == () and policy.unknown_hosts == "allow"
    assert policy.max_age == 365 * 86400


def test_examples_policy_loads() -> None:
    policy = Policy.from_toml(EXAMPLES / "policy.toml")
    assert policy.version == "2026-11-01"
    assert policy.site["organisation"] == "Example Ltd"
    assert policy.gpc_refuses == {"targeting"}


@pytest.mark.parametrize(
    ("name", "declared"),
    [
        pytest.param("_ga", "_ga", id="exact-beats-glob"),
        pytest.param("_ga_ABC", "_ga_*", id="longest-glob-wins"),
        pytest.param("_gid", "_g*", id="shorter-glob"),
        pytest.param("sessionid", "sessionid", id="exact"),
        pytest.param("SESSIONID", None, id="case-sensitive"),
        pytest.param("sessionid ", None, id="spaces-are-part-of-the-name"),
        pytest.param("unknown", None, id="undeclared"),
    ],
)
def test_lookup(name: str, declared: str | None) -> None:
    rule = Policy.from_dict(base()).lookup(name)
    assert (rule.name if rule else None) == declared


def test_effective_lifetime_caps_non_necessary_only() -> None:
    policy = Policy.from_dict(
        base(
            cookies=[
                {"name": "csrf", "category": "necessary", "lifetime": "2y"},
                {"name": "_ga", "category": "performance", "lifetime": "2y"},
                {"name": "s", "category": "performance"},
            ]
        )
    )
    year = 365 * 86400
    assert policy.effective_lifetime(policy.lookup("csrf")) == 2 * year  # type: ignore[arg-type]
    assert policy.effective_lifetime(policy.lookup("_ga")) == year  # type: ignore[arg-type]
    assert policy.effective_lifetime(policy.lookup("s")) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        pytest.param(
            {"cookies": [{"name": "x", "category": "nope"}]},
            "cookies[0].category",
            "unknown category",
            id="unknown-category",
        ),
        pytest.param(
            {"cookies": [{"name": "x", "category": "performance", "lifetime": "soon"}]},
            "cookies[0].lifetime",
            "duration",
            id="bad-duration",
        ),
        pytest.param({"max_age": "forever"}, "max_age", "duration", id="bad-max-age"),
        pytest.param(
            {
                "cookies": [
                    {"name": "x", "category": "performance"},
                    {"name": "x", "category": "targeting"},
                ]
            },
            "cookies[1].name",
            "declared twice",
            id="duplicate-name",
        ),
        pytest.param(
            {"categories": {"performance": {"label": "P"}}},
            "categories",
            "necessary",
            id="missing-necessary-category",
        ),
        pytest.param({"colour": "blue"}, "colour", "unknown key", id="unknown-top-level-key"),
        pytest.param(
            {"cookies": [{"name": "x", "category": "performance", "lifespan": "1d"}]},
            "cookies[0].lifespan",
            "unknown key",
            id="unknown-cookie-key",
        ),
        pytest.param({"unknown": "maybe"}, "unknown", "block", id="bad-unknown"),
        pytest.param({"gpc_refuses": ["ads"]}, "gpc_refuses", "unknown category", id="gpc-unknown"),
        pytest.param(
            {"gpc_refuses": ["necessary"]}, "gpc_refuses", "necessary", id="gpc-necessary"
        ),
        pytest.param({"root_domain": "co.uk"}, "root_domain", "public suffix", id="root-suffix"),
        pytest.param({"root_domain": "10.0.0.1"}, "root_domain", "IP", id="root-ip"),
        pytest.param(
            {
                "root_domain": "example.com",
                "cookies": [{"name": "x", "category": "performance", "domain": "other.com"}],
            },
            "cookies[0].domain",
            "outside root_domain",
            id="cookie-domain-outside-root",
        ),
        pytest.param(
            {"cookies": [{"name": "a;b", "category": "performance"}]},
            "cookies[0].name",
            "not a valid cookie name",
            id="bad-name",
        ),
        pytest.param(
            {"cookies": [{"name": "x", "category": "performance", "path": "app"}]},
            "cookies[0].path",
            "start with '/'",
            id="bad-path",
        ),
        pytest.param(
            {"cookies": [{"category": "performance"}]},
            "cookies[0].name",
            "missing",
            id="missing-name",
        ),
        pytest.param({"version": ""}, "version", "non-empty", id="empty-version"),
        pytest.param({"cookies": {"name": "x"}}, "cookies", "array", id="cookies-not-array"),
    ],
)
def test_policy_errors_name_key_and_reason(
    overrides: dict[str, Any], key: str, fragment: str
) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(base(**overrides))
    assert info.value.key == key
    assert fragment in info.value.reason
    assert "\n" not in str(info.value)


def test_missing_version_is_an_error() -> None:
    data = base()
    del data["version"]
    with pytest.raises(PolicyError, match="version: missing"):
        Policy.from_dict(data)


def test_toml_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "cookies.toml"
    bad.write_text(
        'version = "1"\n[categories.necessary]\nnecessary = true\n[[cookies]]\n'
        'name = "x"\ncategory = "ads"\n'
    )
    with pytest.raises(PolicyError) as info:
        Policy.from_toml(bad)
    assert str(info.value).startswith(f"{bad}: cookies[0].category: unknown category 'ads'")

    broken = tmp_path / "broken.toml"
    broken.write_text("version = \n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        Policy.from_toml(broken)
    with pytest.raises(PolicyError, match="no such file"):
        Policy.from_toml(tmp_path / "missing.toml")


def test_consent_cookie_is_always_declared_necessary() -> None:
    policy = Policy.from_dict(base(consent_max_age="30d"))
    rule = policy.lookup(CONSENT_COOKIE)
    assert rule is not None
    assert rule.category == "necessary"
    assert rule.lifetime == 30 * 86400


# -- beyond the basics: mode, hardening, refusal lifetime --------------------------------------


def test_new_keys_default_to_the_basic_behaviour() -> None:
    policy = Policy.from_dict(base())
    assert policy.mode == "opt-in"
    assert (policy.secure, policy.same_site_min) == (None, None)
    assert policy.consent_max_age_refused == policy.consent_max_age
    assert not any(rule.http_only for rule in policy.cookies if rule.name != CONSENT_COOKIE)


def test_new_keys_are_read() -> None:
    cookies = [{"name": "sessionid", "category": "necessary", "http_only": True}]
    policy = Policy.from_dict(
        base(
            mode="opt-out",
            secure="same-as-request",
            same_site_min="Strict",
            consent_max_age="180d",
            consent_max_age_refused="30d",
            cookies=cookies,
        )
    )
    assert policy.mode == "opt-out"
    assert policy.secure == "same-as-request"
    assert policy.same_site_min == "strict"
    assert policy.consent_max_age_refused == 30 * 86400
    assert policy.lookup("sessionid").http_only is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        pytest.param({"mode": "opt_in"}, "mode", id="mode"),
        pytest.param({"mode": True}, "mode", id="mode-bool"),
        pytest.param({"secure": "yes"}, "secure", id="secure"),
        pytest.param({"secure": True}, "secure", id="secure-bool"),
        pytest.param({"same_site_min": "none"}, "same_site_min", id="same-site-none"),
        pytest.param({"consent_max_age_refused": "0"}, "consent_max_age_refused", id="zero"),
        pytest.param(
            {"cookies": [{"name": "a", "category": "necessary", "http_only": "yes"}]},
            "cookies[0].http_only",
            id="http-only",
        ),
    ],
)
def test_new_keys_are_validated(overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(base(**overrides))
    assert info.value.key == key


def test_a_refusal_can_be_kept_for_its_own_time() -> None:
    policy = Policy.from_dict(base(consent_max_age="180d", consent_max_age_refused="400d"))
    assert policy.consent_lifetime(frozenset({"necessary"})) == 400 * 86400
    assert policy.consent_lifetime(frozenset({"necessary", "performance"})) == 180 * 86400
    # The consent cookie is declared for the longer of the two.
    assert policy.lookup(CONSENT_COOKIE).lifetime == 400 * 86400  # type: ignore[union-attr]
