"""What a choice leaves behind: the ``cw_consent`` Set-Cookie and the proof-of-consent record."""

from __future__ import annotations

import pytest

from cookiewarden import Policy
from cookiewarden.engine.core import Engine
from cookiewarden.engine.issuing import ConsentIssuer
from cookiewarden.engine.options import Options
from cookiewarden.records.record import subject_hash
from cookiewarden.rules.consent import Consent, choose
from cookiewarden.rules.consent_codec import ConsentCodec
from cookiewarden.rules.decision import RequestFacts
from cookiewarden.rules.setcookie_parse import parse_set_cookie

NOW = 1_795_000_000
DAY = 86400
POLICY = Policy.from_dict(
    {
        "version": "v1",
        "consent_max_age": "180d",
        "consent_max_age_refused": "30d",
        "categories": {"necessary": {"necessary": True}, "performance": {}, "targeting": {}},
        "cookies": [{"name": "sessionid", "category": "necessary"}],
    }
)
KEYS = ["old", "new"]
HTTPS = RequestFacts(host="www.example.com", secure=True)


def options(domain: str | None = None, secure: bool | None = None) -> Options:
    return Options(
        report_only=False,
        consent_path="/_consent",
        filter_request_cookies=True,
        clear_refused=True,
        secure_consent_cookie=secure,
        trusted_proxies=0,
        consent_cookie_domain=domain,
    )


def issuer(
    domain: str | None = None, secure: bool | None = None, keys: list[str] = KEYS
) -> ConsentIssuer:
    codec = ConsentCodec(POLICY, keys)
    return ConsentIssuer(
        POLICY, codec, options(domain, secure), secret_keys=keys, clock=lambda: NOW + 5
    )


def chosen(granted: list[str]) -> Consent:
    return choose(POLICY, granted, gpc=False, accept_all=False, method="banner", now=NOW)


@pytest.mark.parametrize(
    ("granted", "max_age"),
    [
        pytest.param(["performance"], 180 * DAY, id="a-grant"),
        pytest.param([], 30 * DAY, id="a-refusal"),
    ],
)
def test_the_cookie_lives_as_long_as_the_policy_keeps_the_choice(
    granted: list[str], max_age: int
) -> None:
    header = issuer().cookie(chosen(granted), HTTPS)
    cookie = parse_set_cookie(header)
    assert cookie is not None
    assert (cookie.name, cookie.max_age, cookie.path) == ("cw_consent", max_age, "/")
    assert cookie.http_only and cookie.secure and cookie.same_site == "lax"
    assert cookie.domain is None
    assert ConsentCodec(POLICY, KEYS).loads(cookie.value, now=NOW + 1)[1] == "ok"


@pytest.mark.parametrize(
    ("secure_option", "facts", "secure"),
    [
        pytest.param(None, HTTPS, True, id="https-follows-the-scheme"),
        pytest.param(None, RequestFacts(host="www.example.com", secure=False), False, id="http"),
        pytest.param(True, RequestFacts(host="www.example.com", secure=False), True, id="forced"),
        pytest.param(False, HTTPS, False, id="turned-off"),
    ],
)
def test_secure_follows_the_scheme_unless_told(
    secure_option: bool | None, facts: RequestFacts, secure: bool
) -> None:
    cookie = parse_set_cookie(issuer(secure=secure_option).cookie(chosen([]), facts))
    assert cookie is not None and cookie.secure is secure


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        pytest.param("www.example.com", "example.com", id="within"),
        pytest.param("example.com", "example.com", id="the-domain-itself"),
        pytest.param("preview.example.org", None, id="outside"),
        pytest.param("127.0.0.1", None, id="ip"),
        pytest.param("www.example.com.", None, id="fully-qualified"),
    ],
)
def test_the_shared_domain_only_where_a_browser_takes_it(host: str, domain: str | None) -> None:
    shared = issuer(domain="example.com")
    facts = RequestFacts(host=host, secure=True)
    cookie = parse_set_cookie(shared.cookie(chosen(["performance"]), facts))
    assert cookie is not None and cookie.domain == domain
    deletion = shared.host_only_deletion(facts)
    if domain is None:
        assert deletion is None  # host-only anyway: nothing older to replace
    else:
        assert deletion is not None
        old = parse_set_cookie(deletion)
        assert old is not None and (old.name, old.domain, old.max_age) == ("cw_consent", None, 0)


def test_a_record_keeps_a_salted_hash_never_the_address_or_the_agent() -> None:
    record = issuer().record(
        chosen(["performance"]), source="banner", client="10.0.0.7", user_agent="Agent/1"
    )
    assert record is not None
    assert (record.granted, record.refused, record.method) == (
        ("necessary", "performance"),
        ("targeting",),
        "banner",
    )
    assert "10.0.0.7" not in record.to_json() and "Agent/1" not in record.to_json()
    assert record.subject_hash == subject_hash("10.0.0.7", "Agent/1", salt=issuer()._record_salt)
    again = issuer(keys=["other"]).record(
        chosen(["performance"]), source="banner", client="10.0.0.7", user_agent="Agent/1"
    )
    assert again is not None and again.subject_hash != record.subject_hash  # keyed by the secret


def test_the_engine_records_the_client_its_proxies_report() -> None:
    request = {"client": "10.0.0.2", "user_agent": "A", "forwarded_for": "203.0.113.9, 10.0.0.1"}
    consent = chosen([])
    direct = Engine(POLICY, KEYS, consent_log=None).make_record(consent, source="api", **request)
    proxied = Engine(POLICY, KEYS, consent_log=None, trusted_proxies=2).make_record(
        consent, source="api", **request
    )
    assert direct is not None and proxied is not None
    salt = issuer()._record_salt
    assert direct.subject_hash == subject_hash("10.0.0.2", "A", salt=salt)
    assert proxied.subject_hash == subject_hash("203.0.113.9", "A", salt=salt)


def test_a_record_that_cannot_be_made_is_logged_and_the_choice_stands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert (
        issuer().record(chosen([]), source="carrier-pigeon", client=None, user_agent=None) is None
    )
    assert "could not build the consent record" in caplog.text
