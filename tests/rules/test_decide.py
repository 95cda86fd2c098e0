"""The per-cookie decision, rule by rule (CONTRACT.md "Set-Cookie rules, in order")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cookiewarden import Policy, parse_set_cookie
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.decide import decide
from cookiewarden.rules.decision import Action, Reason, RequestFacts, effective_name

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()
YEAR = 365 * 86400

POLICY = Policy.from_dict(
    {
        "version": "v1",
        "max_age": "365d",
        "root_domain": "example.com",
        "categories": {
            "necessary": {"necessary": True},
            "performance": {},
            "functionality": {},
            "targeting": {},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "csrftoken", "category": "necessary", "lifetime": "2y"},
            {"name": "__Host-id", "category": "necessary", "lifetime": "1d"},
            {"name": "__Secure-id", "category": "necessary", "lifetime": "1d"},
            {"name": "__Http-id", "category": "necessary", "lifetime": "1d"},
            {"name": "__Host-Http-id", "category": "necessary", "lifetime": "1d"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
            {"name": "_ga_*", "category": "performance", "lifetime": "30d"},
            {"name": "prefs", "category": "functionality", "lifetime": "session"},
            {"name": "lang", "category": "functionality", "lifetime": "400d"},
            {"name": "ads_id", "category": "targeting", "lifetime": "90d"},
            {"name": "cross", "category": "functionality", "lifetime": "1y"},
        ],
    }
)
ALL = frozenset(POLICY.category_keys)
NONE = frozenset({"necessary"})
HTTPS = RequestFacts(host="www.example.com", secure=True)
HTTP = RequestFacts(host="www.example.com", secure=False)


def consent(granted: frozenset[str] = ALL) -> Consent:
    return Consent(granted=granted, decided=True, policy_version="v1", consent_id="c", issued_at=1)


def run(header: str, granted: frozenset[str] = ALL, facts: RequestFacts = HTTPS):
    return decide(header, policy=POLICY, consent=consent(granted), facts=facts, now=NOW)


@pytest.mark.parametrize(
    ("header", "granted", "facts", "action", "reason", "out"),
    [
        # Rule 1: parse as a browser does.
        pytest.param(
            "=a=b",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.UNPARSEABLE,
            None,
            id="nameless-with-equals-rejected-like-chromium",
        ),
        pytest.param(
            "a=b\x00c", ALL, HTTPS, Action.DROP, Reason.UNPARSEABLE, None, id="control-character"
        ),
        pytest.param("", ALL, HTTPS, Action.DROP, Reason.UNPARSEABLE, None, id="empty"),
        pytest.param(
            "lang",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.UNDECLARED,
            None,
            id="nameless-without-equals-is-undeclared",
        ),
        pytest.param(
            "  sessionid = 1 ",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "sessionid=1",
            id="whitespace-trimmed-and-rerendered",
        ),
        # Rule 2: deletions always pass.
        pytest.param(
            "_ga=; Max-Age=0",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.DELETION,
            "_ga=; Max-Age=0",
            id="max-age-zero-deletion-without-consent",
        ),
        pytest.param(
            "ads_id=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.DELETION,
            "ads_id=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            id="past-expires-deletion-without-consent",
        ),
        pytest.param(
            "tracker=; Max-Age=-1",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.DELETION,
            "tracker=; Max-Age=-1",
            id="undeclared-deletion",
        ),
        # Rule 3: declarations and unknown.
        pytest.param(
            "tracker=1", ALL, HTTPS, Action.DROP, Reason.UNDECLARED, None, id="undeclared-blocked"
        ),
        pytest.param(
            "SessionID=1",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.UNDECLARED,
            None,
            id="name-differs-by-case-is-undeclared",
        ),
        pytest.param(
            "_ga_XYZ=1; Max-Age=60",
            ALL,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "_ga_XYZ=1; Max-Age=60",
            id="glob-declared",
        ),
        # Rule 4: refused categories.
        pytest.param(
            "_ga=1", NONE, HTTPS, Action.DROP, Reason.REFUSED, None, id="performance-refused"
        ),
        pytest.param(
            "ads_id=1",
            ALL - {"targeting"},
            HTTPS,
            Action.DROP,
            Reason.REFUSED,
            None,
            id="targeting-refused",
        ),
        pytest.param(
            "sessionid=1",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "sessionid=1",
            id="necessary-needs-no-consent",
        ),
        # Rule 5: domains.
        pytest.param(
            "cross=1; Domain=co.uk",
            ALL,
            RequestFacts("www.example.co.uk", True),
            Action.DROP,
            Reason.PUBLIC_SUFFIX,
            None,
            id="domain-co-uk",
        ),
        pytest.param(
            "cross=1; Domain=.com",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.PUBLIC_SUFFIX,
            None,
            id="domain-dot-com",
        ),
        pytest.param(
            "cross=1; Domain=github.io",
            ALL,
            RequestFacts("me.github.io", True),
            Action.DROP,
            Reason.PUBLIC_SUFFIX,
            None,
            id="private-suffix",
        ),
        pytest.param(
            "cross=1; Domain=other.org",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.FOREIGN_DOMAIN,
            None,
            id="another-site",
        ),
        pytest.param(
            "cross=1; Domain=example.com.",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.FOREIGN_DOMAIN,
            None,
            id="trailing-dot-domain",
        ),
        pytest.param(
            "cross=1; Domain=example.com",
            ALL,
            RequestFacts(host="www.example.com.", secure=True),
            Action.DROP,
            Reason.FOREIGN_DOMAIN,
            None,
            id="fully-qualified-host",
        ),
        pytest.param(
            "cross=1; Domain=.example.com.",
            ALL,
            RequestFacts(host="www.example.com.", secure=True),
            Action.KEEP,
            Reason.ALLOWED,
            "cross=1; Domain=example.com.",
            id="fully-qualified-host-and-domain",
        ),
        pytest.param(
            "cross=1; Domain=sub.www.example.com",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.FOREIGN_DOMAIN,
            None,
            id="child-domain-of-host",
        ),
        pytest.param(
            "cross=1; Domain=example.co.uk",
            ALL,
            RequestFacts("shop.example.co.uk", True),
            Action.DROP,
            Reason.BEYOND_ROOT,
            None,
            id="parent-beyond-root-domain",
        ),
        pytest.param(
            "cross=1; Domain=.Example.COM",
            ALL,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "cross=1; Domain=example.com",
            id="root-domain-itself",
        ),
        pytest.param(
            "cross=1; Domain=10.0.0.1",
            ALL,
            RequestFacts("10.0.0.1", True),
            Action.REWRITE,
            Reason.HOST_ONLY,
            "cross=1",
            id="ip-host-own-address",
        ),
        pytest.param(
            "cross=1; Domain=0.0.1",
            ALL,
            RequestFacts("10.0.0.1", True),
            Action.DROP,
            Reason.IP_HOST_DOMAIN,
            None,
            id="ip-host-with-suffix-domain",
        ),
        pytest.param(
            "cross=1; Domain=example.com",
            ALL,
            RequestFacts("10.0.0.1", True),
            Action.DROP,
            Reason.IP_HOST_DOMAIN,
            None,
            id="ip-host-with-name-domain",
        ),
        # Rule 6: prefixes and Secure-only features.
        pytest.param(
            "__Host-id=1; Secure; Path=/",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "__Host-id=1; Path=/; Secure",
            id="host-prefix-ok",
        ),
        pytest.param(
            "__Host-id=1; Secure; Path=/; Domain=example.com",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HOST_PREFIX,
            None,
            id="host-prefix-with-domain",
        ),
        pytest.param(
            "__Host-id=1; Secure",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HOST_PREFIX,
            None,
            id="host-prefix-without-path",
        ),
        pytest.param(
            "__Host-id=1; Path=/",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HOST_PREFIX,
            None,
            id="host-prefix-without-secure",
        ),
        pytest.param(
            "__Host-id=1; Secure; Path=/app",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HOST_PREFIX,
            None,
            id="host-prefix-other-path",
        ),
        pytest.param(
            "__Secure-id=1",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.SECURE_PREFIX,
            None,
            id="secure-prefix-without-secure",
        ),
        pytest.param(
            "__Host-id=1; Secure; Path=/; Domain=www.example.com",
            NONE,
            RequestFacts(host="www.example.com", secure=True),
            Action.DROP,
            Reason.HOST_PREFIX,
            None,
            id="host-prefix-with-domain-of-the-host",
        ),
        pytest.param(
            "__Host-id=1; Secure; Path=/; Domain=localhost",
            NONE,
            RequestFacts(host="localhost", secure=True),
            Action.DROP,
            Reason.HOST_PREFIX,
            None,
            id="host-prefix-with-domain-made-host-only",
        ),
        pytest.param(
            "__Http-id=1; Secure; HttpOnly",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "__Http-id=1; Secure; HttpOnly",
            id="http-prefix-ok",
        ),
        pytest.param(
            "__Http-id=1; Secure",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HTTP_PREFIX,
            None,
            id="http-prefix-without-httponly",
        ),
        pytest.param(
            "__Http-id=1; HttpOnly",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HTTP_PREFIX,
            None,
            id="http-prefix-without-secure",
        ),
        pytest.param(
            "__Host-Http-id=1; Secure; HttpOnly; Path=/",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "__Host-Http-id=1; Path=/; Secure; HttpOnly",
            id="host-http-prefix-ok",
        ),
        pytest.param(
            "__Host-Http-id=1; Secure; Path=/",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HTTP_PREFIX,
            None,
            id="host-http-prefix-without-httponly",
        ),
        pytest.param(
            "__Host-Http-id=1; HttpOnly; Secure",
            NONE,
            HTTPS,
            Action.DROP,
            Reason.HOST_PREFIX,
            None,
            id="host-http-prefix-without-path",
        ),
        pytest.param(
            "__Secure-id=1; secure",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "__Secure-id=1; Secure",
            id="secure-prefix-ok",
        ),
        pytest.param(
            "__SECURE-id=1",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.UNDECLARED,
            None,
            id="prefix-case-variant-is-another-name",
        ),
        pytest.param(
            "lang=en; SameSite=None",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.SAMESITE_NONE_INSECURE,
            None,
            id="samesite-none-without-secure",
        ),
        pytest.param(
            "lang=en; SameSite=None; Secure",
            ALL,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "lang=en; Secure; SameSite=None",
            id="samesite-none-with-secure",
        ),
        pytest.param(
            "lang=en; Partitioned",
            ALL,
            HTTPS,
            Action.DROP,
            Reason.PARTITIONED_INSECURE,
            None,
            id="partitioned-without-secure",
        ),
        # Rule 7: lifetimes.
        pytest.param(
            "_ga=1; Max-Age=315360000",
            ALL,
            HTTPS,
            Action.REWRITE,
            Reason.CAPPED,
            f"_ga=1; Max-Age={YEAR}",
            id="max-age-10-years-capped",
        ),
        pytest.param(
            "_ga=1; Expires=Mon, 01 Jan 2040 00:00:00 GMT",
            ALL,
            HTTPS,
            Action.REWRITE,
            Reason.CAPPED,
            "_ga=1; Expires=Mon, 29 Nov 2027 12:00:00 GMT",
            id="expires-2040-capped",
        ),
        pytest.param(
            "_ga=1; Expires=Mon, 01 Jan 2040 00:00:00 GMT; Max-Age=315360000",
            ALL,
            HTTPS,
            Action.REWRITE,
            Reason.CAPPED,
            f"_ga=1; Expires=Mon, 29 Nov 2027 12:00:00 GMT; Max-Age={YEAR}",
            id="both-capped",
        ),
        pytest.param(
            "_ga_X=1; Max-Age=31536000",
            ALL,
            HTTPS,
            Action.REWRITE,
            Reason.CAPPED,
            "_ga_X=1; Max-Age=2592000",
            id="declared-lifetime-below-cap",
        ),
        pytest.param(
            "csrftoken=1; Max-Age=63072000",
            NONE,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "csrftoken=1; Max-Age=63072000",
            id="necessary-exempt-from-max-age",
        ),
        pytest.param(
            "csrftoken=1; Max-Age=99999999",
            NONE,
            HTTPS,
            Action.REWRITE,
            Reason.CAPPED,
            "csrftoken=1; Max-Age=63072000",
            id="necessary-capped-to-its-declared-lifetime",
        ),
        pytest.param(
            "prefs=1; Max-Age=60",
            ALL,
            HTTPS,
            Action.REWRITE,
            Reason.SESSION,
            "prefs=1",
            id="declared-session-cookie-loses-max-age",
        ),
        pytest.param(
            "prefs=1; Expires=Mon, 01 Jan 2040 00:00:00 GMT",
            ALL,
            HTTPS,
            Action.REWRITE,
            Reason.SESSION,
            "prefs=1",
            id="session-loses-expires",
        ),
        pytest.param(
            "sessionid=1; HttpOnly; Path=/",
            NONE,
            HTTP,
            Action.KEEP,
            Reason.ALLOWED,
            "sessionid=1; Path=/; HttpOnly",
            id="session-without-lifetime-kept",
        ),
        # Attribute parsing details reach the decision.
        pytest.param(
            "_ga=1; max-AGE=999999999; MAX-age=10",
            ALL,
            HTTPS,
            Action.KEEP,
            Reason.ALLOWED,
            "_ga=1; Max-Age=10",
            id="duplicate-attribute-last-wins",
        ),
        pytest.param(
            "_ga=1; mAx-AgE=999999999",
            ALL,
            HTTPS,
            Action.REWRITE,
            Reason.CAPPED,
            f"_ga=1; Max-Age={YEAR}",
            id="mixed-case-attribute",
        ),
    ],
)
def test_decide_rules(
    header: str,
    granted: frozenset[str],
    facts: RequestFacts,
    action: Action,
    reason: Reason,
    out: str | None,
) -> None:
    decision = run(header, granted, facts)
    assert (decision.action, decision.reason) == (action, reason)
    assert decision.header == out
    assert decision.original == header


def test_decision_names_category_and_rule() -> None:
    decision = run("_ga_Q=1", NONE)
    assert decision.name == "_ga_Q"
    assert decision.category == "performance"
    assert decision.rule is not None and decision.rule.name == "_ga_*"


def test_unknown_allow_caps_to_max_age() -> None:
    policy = Policy.from_dict(
        {"version": "1", "unknown": "allow", "categories": {"n": {"necessary": True}}}
    )
    c = Consent(granted=frozenset({"n"}), decided=False, policy_version="1")
    d = decide("x=1; Max-Age=999999999", policy=policy, consent=c, facts=HTTPS, now=NOW)
    assert (d.action, d.header) == (Action.REWRITE, f"x=1; Max-Age={YEAR}")


def test_unknown_as_category_follows_that_category() -> None:
    policy = Policy.from_dict(
        {
            "version": "1",
            "unknown": "performance",
            "categories": {"n": {"necessary": True}, "performance": {}},
        }
    )
    refused = Consent(granted=frozenset({"n"}), decided=True, policy_version="1")
    granted = Consent(granted=frozenset({"n", "performance"}), decided=True, policy_version="1")
    d = decide("x=1", policy=policy, consent=refused, facts=HTTPS, now=NOW)
    assert (d.action, d.reason, d.category) == (Action.DROP, Reason.REFUSED, "performance")
    d = decide("x=1", policy=policy, consent=granted, facts=HTTPS, now=NOW)
    assert d.action is Action.KEEP


def test_effective_name_of_nameless_cookie() -> None:
    cookie = parse_set_cookie("justvalue")
    assert cookie is not None
    assert effective_name(cookie) is None


header_text = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda name, value, attrs: f"{name}={value}" + "".join(f"; {a}" for a in attrs),
        st.sampled_from(["_ga", "ads_id", "lang", "sessionid", "x", "", " _ga ", "_ga_1", "=_ga"]),
        st.text(alphabet='abc="; \t', max_size=10),
        st.lists(
            st.sampled_from(
                [
                    "Max-Age=99999999",
                    "Max-Age=-1",
                    "Expires=Wed, 01 Jan 2070 00:00:00 GMT",
                    "Domain=example.com",
                    "Domain=.com",
                    "Secure",
                    "Path=/",
                    "SameSite=None",
                ]
            ),
            max_size=4,
        ),
    ),
)


@settings(max_examples=400, deadline=None)
@given(header=header_text, granted=st.sets(st.sampled_from(sorted(ALL))))
def test_no_kept_header_names_a_refused_cookie(header: str, granted: set[str]) -> None:
    """Property: whatever leaves, a browser parses to a cookie of a granted category (or a
    deletion), and it parses to exactly what was judged."""
    allowed = frozenset(granted) | NONE
    decision = run(header, allowed)
    if decision.header is None:
        return
    cookie = parse_set_cookie(decision.header)
    assert cookie is not None
    assert cookie == decision.cookie or decision.reason is Reason.DELETION
    if cookie.is_deletion(NOW):
        return
    name = effective_name(cookie)
    rule = POLICY.lookup(name) if name is not None else None
    assert rule is not None, "undeclared cookies are blocked by this policy"
    assert rule.category in allowed
    if rule.category not in NONE:
        assert cookie.max_age is None or cookie.max_age <= YEAR
        assert cookie.expires is None or cookie.expires.timestamp() <= NOW + YEAR
