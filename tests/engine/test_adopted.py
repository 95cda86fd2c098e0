"""Adopted consent: orestbida/cookieconsent v3's ``cc_cookie`` and Klaro's ``klaro`` cookie.

The values follow the projects' own writers: cookieconsent v3 stores
``encodeURIComponent(JSON.stringify(cookie))`` of an object with ``categories``, ``revision``,
``data``, ``consentTimestamp``, ``consentId``, ``services`` and ``lastConsentTimestamp``
(``src/utils/cookies.js``, ``types/index.d.ts`` ``CookieValue``); Klaro 0.7+ stores
``encodeURIComponent(JSON.stringify(consents))`` of ``{service: bool}`` (``saveConsents``), and
older Klaro the same JSON unencoded.
"""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cookiewarden import Policy, PolicyError
from cookiewarden.engine.adopted import (
    MAX_SOURCE_VALUE,
    adopt,
    read_cookieconsent,
    read_klaro,
    read_source,
    source_cookie_names,
)

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC).timestamp()
DAY = 86400
CONSENT_ID = "4c4b2e3a-5a3f-4c0e-9b5e-2f0f2f7e9d11"


def policy_with(**overrides: Any) -> Policy:
    data: dict[str, Any] = {
        "version": "2026-11-01",
        "consent_max_age": "180d",
        "consent_max_age_refused": "30d",
        "categories": {
            "necessary": {"necessary": True},
            "performance": {},
            "functionality": {},
            "targeting": {},
        },
        "sources": {
            "cookieconsent": {
                "categories": {"analytics": "performance", "ads": "targeting"},
                "revision": 2,
            },
            "klaro": {
                "services": {
                    "google-analytics": "performance",
                    "matomo": "performance",
                    "youtube": "functionality",
                    "google-ads": "targeting",
                    "cloudflare": "necessary",
                }
            },
        },
    }
    data.update(overrides)
    return Policy.from_dict(data)


POLICY = policy_with()


def encode_uri_component(text: str) -> str:
    """JavaScript's ``encodeURIComponent``."""
    return quote(text, safe="-_.!~*'()")


def iso(when: float) -> str:
    """JavaScript's ``Date.prototype.toISOString``."""
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "117Z"


def cc_cookie(
    categories: list[str],
    *,
    revision: int = 2,
    at: float = NOW - DAY,
    encode: bool = True,
    **extra: Any,
) -> str:
    """A ``cc_cookie`` value exactly as cookieconsent v3's ``setCookie`` writes it."""
    content: dict[str, Any] = {
        "categories": categories,
        "revision": revision,
        "data": None,
        "consentTimestamp": iso(at),
        "consentId": CONSENT_ID,
        "services": {name: [] for name in categories},
        "lastConsentTimestamp": iso(at),
    }
    content.update(extra)
    text = json.dumps(content, separators=(",", ":"))
    return encode_uri_component(text) if encode else text


def klaro_cookie(consents: dict[str, Any], *, encode: bool = True) -> str:
    """A ``klaro`` value as Klaro 0.7+ writes it (``encode=False``: as Klaro before 0.7)."""
    text = json.dumps(consents, separators=(",", ":"))
    return encode_uri_component(text) if encode else text


# -- cookieconsent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "granted"),
    [
        pytest.param(["necessary"], {"necessary"}, id="necessary-only"),
        pytest.param(
            ["necessary", "analytics"], {"necessary", "performance"}, id="mapped-analytics"
        ),
        pytest.param(["necessary", "functionality"], {"necessary", "functionality"}, id="identity"),
        pytest.param(
            ["necessary", "analytics", "functionality", "ads"],
            {"necessary", "performance", "functionality", "targeting"},
            id="everything",
        ),
        pytest.param([], {"necessary"}, id="empty-list-is-a-refusal"),
    ],
)
def test_cookieconsent_categories_map_onto_the_policy(
    categories: list[str], granted: set[str]
) -> None:
    consent, reason = read_cookieconsent(cc_cookie(categories), POLICY, now=NOW)
    assert reason == "ok"
    assert consent is not None
    assert consent.granted == granted
    assert consent.decided is True
    assert consent.policy_version == POLICY.version


def test_cookieconsent_carries_its_id_and_time() -> None:
    consent, _ = read_cookieconsent(cc_cookie(["analytics"]), POLICY, now=NOW)
    assert consent is not None
    assert consent.consent_id == CONSENT_ID
    assert consent.issued_at == int(NOW - DAY)


def test_cookieconsent_last_consent_time_wins_over_the_first() -> None:
    value = cc_cookie(
        ["analytics"],
        consentTimestamp=iso(NOW - 400 * DAY),
        lastConsentTimestamp=iso(NOW - 10 * DAY),
    )
    consent, reason = read_cookieconsent(value, POLICY, now=NOW)
    assert reason == "ok"
    assert consent is not None and consent.issued_at == int(NOW - 10 * DAY)


def test_cookieconsent_unencoded_json_is_read_too() -> None:
    consent, reason = read_cookieconsent(cc_cookie(["ads"], encode=False), POLICY, now=NOW)
    assert reason == "ok"
    assert consent is not None and "targeting" in consent.granted


def test_cookieconsent_unusable_id_is_dropped_not_fatal() -> None:
    consent, reason = read_cookieconsent(cc_cookie(["ads"], consentId="x y"), POLICY, now=NOW)
    assert reason == "ok"
    assert consent is not None and consent.consent_id is None


def test_cookieconsent_without_times_has_no_age_limit() -> None:
    text = json.dumps({"categories": ["analytics"], "revision": 2})
    consent, reason = read_cookieconsent(encode_uri_component(text), POLICY, now=NOW)
    assert reason == "ok"
    assert consent is not None and consent.issued_at is None


@pytest.mark.parametrize(
    ("revision", "reason"),
    [
        pytest.param(1, "old-revision", id="below"),
        pytest.param(2, "ok", id="equal"),
        pytest.param(7, "ok", id="above"),
    ],
)
def test_cookieconsent_revision_below_the_minimum_is_no_consent(revision: int, reason: str) -> None:
    value = cc_cookie(["analytics"], revision=revision)
    assert read_cookieconsent(value, POLICY, now=NOW)[1] == reason


def test_cookieconsent_missing_revision_counts_as_zero() -> None:
    text = json.dumps({"categories": ["performance"]})
    assert read_cookieconsent(text, POLICY, now=NOW)[1] == "old-revision"
    assert read_cookieconsent(text, policy_with(sources={}), now=NOW)[1] == "ok"


@pytest.mark.parametrize(
    ("categories", "age", "reason"),
    [
        pytest.param(["analytics"], 180 * DAY - 1, "ok", id="choice-just-within"),
        pytest.param(["analytics"], 180 * DAY, "expired", id="choice-at-the-limit"),
        pytest.param(["necessary"], 30 * DAY - 1, "ok", id="refusal-just-within"),
        pytest.param(["necessary"], 30 * DAY, "expired", id="refusal-kept-shorter"),
        pytest.param(["analytics"], -3600, "future", id="an-hour-ahead"),
        pytest.param(["analytics"], -60, "ok", id="within-clock-skew"),
    ],
)
def test_cookieconsent_age_follows_the_policy(categories: list[str], age: int, reason: str) -> None:
    value = cc_cookie(categories, at=NOW - age)
    assert read_cookieconsent(value, POLICY, now=NOW)[1] == reason


def test_cookieconsent_unknown_category_is_no_consent() -> None:
    assert read_cookieconsent(cc_cookie(["analytics", "social"]), POLICY, now=NOW) == (
        None,
        "unknown-category",
    )


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("not json", id="not-json"),
        pytest.param("%7B%22categories%22", id="truncated"),
        pytest.param("%FF%FE", id="bad-utf8-escape"),
        pytest.param(encode_uri_component('["analytics"]'), id="array"),
        pytest.param(encode_uri_component('"analytics"'), id="string"),
        pytest.param(encode_uri_component("42"), id="number"),
        pytest.param(encode_uri_component("null"), id="null"),
        pytest.param(encode_uri_component("{}"), id="no-categories"),
        pytest.param(encode_uri_component('{"categories":"analytics"}'), id="categories-str"),
        pytest.param(encode_uri_component('{"categories":[1,2]}'), id="categories-ints"),
        pytest.param(cc_cookie(["analytics"], revision=True), id="revision-bool"),  # type: ignore[arg-type]
        pytest.param(cc_cookie(["analytics"], revision="2"), id="revision-str"),  # type: ignore[arg-type]
        pytest.param(cc_cookie(["analytics"], revision=2.5), id="revision-float"),  # type: ignore[arg-type]
        pytest.param(cc_cookie(["analytics"], consentId=5), id="id-number"),
        pytest.param(cc_cookie(["analytics"], lastConsentTimestamp="yesterday"), id="bad-time"),
        pytest.param(cc_cookie(["analytics"], consentTimestamp=17e11), id="time-number"),
        pytest.param("[" * 3000, id="deeply-nested"),
    ],
)
def test_malformed_cookieconsent_values_are_no_consent(value: str) -> None:
    assert read_cookieconsent(value, POLICY, now=NOW) == (None, "malformed")


def test_huge_value_is_refused_before_parsing() -> None:
    value = cc_cookie(["analytics"], data="x" * MAX_SOURCE_VALUE)
    assert read_cookieconsent(value, POLICY, now=NOW) == (None, "too-large")
    assert read_klaro("{" + " " * MAX_SOURCE_VALUE + "}", POLICY, now=NOW) == (None, "too-large")


# -- Klaro ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("consents", "granted"),
    [
        pytest.param(
            {"google-analytics": True, "matomo": True, "youtube": False, "google-ads": False},
            {"necessary", "performance"},
            id="analytics-only",
        ),
        pytest.param(
            {"google-analytics": True, "matomo": False, "youtube": True},
            {"necessary", "functionality"},
            id="one-refused-service-keeps-its-category-off",
        ),
        pytest.param(
            {"google-analytics": True, "matomo": True, "youtube": True, "google-ads": True},
            {"necessary", "performance", "functionality", "targeting"},
            id="everything",
        ),
        pytest.param({"cloudflare": True, "google-ads": False}, {"necessary"}, id="refusal"),
        pytest.param({}, {"necessary"}, id="no-services"),
    ],
)
@pytest.mark.parametrize("encode", [True, False], ids=["klaro-0.7", "legacy-unencoded"])
def test_klaro_services_map_onto_categories(
    consents: dict[str, bool], granted: set[str], encode: bool
) -> None:
    consent, reason = read_klaro(klaro_cookie(consents, encode=encode), POLICY, now=NOW)
    assert reason == "ok"
    assert consent is not None
    assert consent.granted == granted
    assert consent.decided is True
    assert (consent.issued_at, consent.consent_id) == (None, None)


def test_klaro_unknown_service_is_no_consent() -> None:
    value = klaro_cookie({"google-analytics": True, "hotjar": False})
    assert read_klaro(value, POLICY, now=NOW) == (None, "unknown-service")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(klaro_cookie({"google-analytics": 1}), id="number-not-bool"),
        pytest.param(klaro_cookie({"google-analytics": "true"}), id="string-not-bool"),
        pytest.param(klaro_cookie({"google-analytics": None}), id="null"),
        pytest.param(klaro_cookie(["google-analytics"]), id="array"),  # type: ignore[arg-type]
        pytest.param("%7B%22google-analytics%22%3Atrue", id="truncated"),
        pytest.param("{'google-analytics': true}", id="single-quotes"),
    ],
)
def test_malformed_klaro_values_are_no_consent(value: str) -> None:
    assert read_klaro(value, POLICY, now=NOW) == (None, "malformed")


# -- reading, adopting ----------------------------------------------------------------------


def test_rejections_are_logged_at_debug_without_the_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    value = cc_cookie(["analytics", "social-secret-marker"])
    with caplog.at_level(logging.DEBUG, logger="cookiewarden"):
        assert read_source("cookieconsent", value, POLICY, now=NOW)[0] is None
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "cookieconsent consent cookie rejected: unknown-category")
    ]
    assert "secret-marker" not in caplog.text


def test_source_cookie_names_follow_the_policy_and_the_order() -> None:
    renamed = policy_with(sources={"cookieconsent": {"name": "cc_v3"}, "klaro": {"name": "kl"}})
    assert source_cookie_names(renamed, ["cookiewarden", "klaro", "cookieconsent"]) == {
        "kl": "klaro",
        "cc_v3": "cookieconsent",
    }
    assert source_cookie_names(POLICY, ["cookiewarden"]) == {}


def test_adopt_follows_the_order_of_the_sources() -> None:
    pairs = [
        ("klaro", klaro_cookie({"youtube": True})),
        ("cc_cookie", cc_cookie(["analytics"])),
    ]
    cc_first, _, _ = adopt(pairs, ["cookiewarden", "cookieconsent", "klaro"], POLICY, now=NOW)
    klaro_first, _, _ = adopt(pairs, ["cookiewarden", "klaro", "cookieconsent"], POLICY, now=NOW)
    assert cc_first is not None and cc_first.granted == {"necessary", "performance"}
    assert klaro_first is not None and klaro_first.granted == {"necessary", "functionality"}


def test_adopt_skips_a_source_whose_cookie_is_invalid() -> None:
    pairs = [("cc_cookie", "garbage"), ("klaro", klaro_cookie({"youtube": True}))]
    consent, until, steady = adopt(pairs, ["cookieconsent", "klaro"], POLICY, now=NOW)
    assert consent is not None and consent.granted == {"necessary", "functionality"}
    assert (until, steady) == (math.inf, True)


def test_adopt_reads_only_the_listed_sources() -> None:
    pairs = [("cc_cookie", cc_cookie(["analytics"])), ("klaro", klaro_cookie({"youtube": True}))]
    assert adopt(pairs, ["cookiewarden"], POLICY, now=NOW) == (None, math.inf, True)
    only_klaro, _, _ = adopt(pairs, ["cookiewarden", "klaro"], POLICY, now=NOW)
    assert only_klaro is not None and only_klaro.granted == {"necessary", "functionality"}


def test_adopt_takes_the_newest_of_several_values_and_says_until_when() -> None:
    older = cc_cookie(["analytics"], at=NOW - 5 * DAY)
    newer = cc_cookie(["ads"], at=NOW - 2 * DAY)
    consent, until, steady = adopt(
        [("cc_cookie", older), ("cc_cookie", newer)], ["cookieconsent"], POLICY, now=NOW
    )
    assert consent is not None and consent.granted == {"necessary", "targeting"}
    assert until == int(NOW - 2 * DAY) + 180 * DAY
    assert steady is True


def test_adopt_marks_clock_dependent_rejections_unsteady() -> None:
    ahead = cc_cookie(["analytics"], at=NOW + 3600)
    assert adopt([("cc_cookie", ahead)], ["cookieconsent"], POLICY, now=NOW) == (
        None,
        math.inf,
        False,
    )


def test_adopt_records_gpc() -> None:
    consent, _, _ = adopt(
        [("cc_cookie", cc_cookie(["ads"]))], ["cookieconsent"], POLICY, now=NOW, gpc=True
    )
    assert consent is not None
    assert consent.gpc is True
    assert "targeting" in consent.granted  # an explicit choice stands under GPC


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=300), source=st.sampled_from(["cookieconsent", "klaro"]))
def test_reading_never_raises_on_any_text(value: str, source: str) -> None:
    consent, reason = read_source(source, value, POLICY, now=NOW)
    assert (consent is None) == (reason != "ok")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    data=st.dictionaries(
        st.sampled_from(
            ["categories", "revision", "consentId", "consentTimestamp", "lastConsentTimestamp"]
        ),
        json_values,
    )
)
def test_reading_never_raises_on_any_cookieconsent_shape(data: dict[str, Any]) -> None:
    value = encode_uri_component(json.dumps(data))
    consent, reason = read_source("cookieconsent", value, POLICY, now=NOW)
    assert (consent is None) == (reason != "ok")
    if consent is not None:
        assert consent.granted >= POLICY.necessary_keys


# -- the policy tables ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "key"),
    [
        pytest.param({"onetrust": {}}, "sources.onetrust", id="unknown-source"),
        pytest.param({"klaro": {"apps": {}}}, "sources.klaro.apps", id="unknown-key"),
        pytest.param(
            {"klaro": {"services": {"matomo": "analytics"}}},
            "sources.klaro.services.matomo",
            id="unknown-category",
        ),
        pytest.param(
            {"cookieconsent": {"categories": {"ads": "marketing"}}},
            "sources.cookieconsent.categories.ads",
            id="cc-unknown-category",
        ),
        pytest.param(
            {"cookieconsent": {"revision": -1}},
            "sources.cookieconsent.revision",
            id="negative-revision",
        ),
        pytest.param(
            {"cookieconsent": {"revision": "3"}},
            "sources.cookieconsent.revision",
            id="string-revision",
        ),
        pytest.param(
            {"cookieconsent": {"name": "cc cookie"}},
            "sources.cookieconsent.name",
            id="bad-name",
        ),
        pytest.param({"klaro": "yes"}, "sources.klaro", id="not-a-table"),
        pytest.param({"klaro": {"name": "cw_consent"}}, "sources.klaro.name", id="our-own-cookie"),
        pytest.param({"klaro": {"name": "cc_cookie"}}, "sources.klaro.name", id="the-same-cookie"),
    ],
)
def test_source_tables_are_validated(sources: dict[str, Any], key: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy_with(sources=sources)
    assert info.value.key == key
