"""Tests for cookiewarden.rules.domains: canonical hosts, the public suffix list, domain-match."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from publicsuffixlist import PublicSuffixList

from cookiewarden.rules import domains
from cookiewarden.rules.domains import (
    canonical_host,
    classify_cookie_domain,
    domain_match,
    is_ip,
    is_public_suffix,
    registrable_domain,
    request_host,
    within,
)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("example.com", "example.com", id="plain"),
        pytest.param("WWW.Example.COM", "www.example.com", id="uppercase"),
        pytest.param("example.com:8000", "example.com", id="port"),
        pytest.param("example.com:80", "example.com", id="default-port"),
        pytest.param("example.com:", "example.com", id="empty-port"),
        pytest.param("example.com.", "example.com", id="trailing-dot"),
        pytest.param("example.com.:443", "example.com", id="trailing-dot-and-port"),
        pytest.param("example.com..", "example.com.", id="only-one-trailing-dot"),
        pytest.param("  example.com\t", "example.com", id="blanks"),
        pytest.param("127.0.0.1", "127.0.0.1", id="ipv4"),
        pytest.param("127.0.0.1:8000", "127.0.0.1", id="ipv4-port"),
        pytest.param("[::1]", "::1", id="ipv6-brackets"),
        pytest.param("[::1]:8000", "::1", id="ipv6-brackets-port"),
        pytest.param("::1", "::1", id="ipv6-bare"),
        pytest.param("[2001:DB8:0:0::1]", "2001:db8::1", id="ipv6-normalised"),
        pytest.param("[::1", "::1", id="ipv6-unclosed-bracket"),
        pytest.param("bücher.de", "xn--bcher-kva.de", id="idn"),
        pytest.param("BÜCHER.DE.:8080", "xn--bcher-kva.de", id="idn-upper-dot-port"),
        pytest.param("例え.テスト", "xn--r8jz45g.xn--zckzah", id="idn-japanese"),
        pytest.param("example\u3002com", "example.com", id="ideographic-full-stop"),
        pytest.param("xn--bcher-kva.de", "xn--bcher-kva.de", id="punycode-kept"),
        pytest.param("bü..de", "bü..de", id="idna-failure-empty-label"),
        pytest.param("B\udcff.COM", "b\udcff.com", id="idna-failure-surrogate"),
        pytest.param("localhost", "localhost", id="localhost"),
        pytest.param("", "", id="empty"),
        pytest.param(".", "", id="only-dot"),
    ],
)
def test_canonical_host(host: str, expected: str) -> None:
    assert canonical_host(host) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("127.0.0.1", True, id="ipv4"),
        pytest.param("::1", True, id="ipv6"),
        pytest.param("[::1]", True, id="ipv6-brackets"),
        pytest.param("2001:db8::1", True, id="ipv6-long"),
        pytest.param("example.com", False, id="name"),
        pytest.param("localhost", False, id="localhost"),
        pytest.param("1.2.3", False, id="three-parts"),
        pytest.param("256.0.0.1", False, id="out-of-range"),
        pytest.param("127.0.0.1:80", False, id="with-port-is-not-a-host"),
        pytest.param("", False, id="empty"),
    ],
)
def test_is_ip(host: str, expected: bool) -> None:
    assert is_ip(host) is expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        pytest.param("com", True, id="tld"),
        pytest.param(".com", True, id="tld-leading-dot"),
        pytest.param("COM.", True, id="tld-upper-trailing-dot"),
        pytest.param("co.uk", True, id="second-level"),
        pytest.param("github.io", True, id="private-section"),
        pytest.param("herokuapp.com", True, id="private-section-2"),
        pytest.param("ck", True, id="wildcard-parent"),
        pytest.param("foo.ck", True, id="wildcard-child"),
        pytest.param("www.ck", False, id="wildcard-exception"),
        pytest.param("x.kawasaki.jp", True, id="wildcard-under-second-level"),
        pytest.param("city.kawasaki.jp", False, id="exception-under-second-level"),
        pytest.param("xn--55qx5d.cn", True, id="idn-suffix-punycode"),
        pytest.param("公司.cn", True, id="idn-suffix-unicode"),
        pytest.param("example.com", False, id="registrable"),
        pytest.param("www.example.co.uk", False, id="subdomain"),
        pytest.param("foo.github.io", False, id="private-registrable"),
        pytest.param("localhost", False, id="unknown-single-label-chromium"),
        pytest.param("internal", False, id="unknown-tld-alone"),
        pytest.param("myapp.internal", False, id="unknown-tld-registrable"),
        pytest.param("127.0.0.1", False, id="ipv4"),
        pytest.param("::1", False, id="ipv6"),
        pytest.param("", False, id="empty"),
        pytest.param("co..uk", False, id="empty-label"),
    ],
)
def test_is_public_suffix(domain: str, expected: bool) -> None:
    assert is_public_suffix(domain) is expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("example.com", "example.com", id="registrable"),
        pytest.param("www.example.com", "example.com", id="subdomain"),
        pytest.param("a.b.example.com:8443", "example.com", id="deep-with-port"),
        pytest.param("www.example.co.uk", "example.co.uk", id="second-level-suffix"),
        pytest.param("WWW.EXAMPLE.CO.UK.", "example.co.uk", id="uppercase-trailing-dot"),
        pytest.param("foo.github.io", "foo.github.io", id="private-section"),
        pytest.param("a.foo.github.io", "foo.github.io", id="private-section-deep"),
        pytest.param("www.ck", "www.ck", id="wildcard-exception"),
        pytest.param("a.b.foo.ck", "b.foo.ck", id="wildcard"),
        pytest.param("www.bücher.de", "xn--bcher-kva.de", id="idn"),
        pytest.param("com", None, id="tld"),
        pytest.param("co.uk", None, id="public-suffix"),
        pytest.param("github.io", None, id="private-public-suffix"),
        pytest.param("127.0.0.1", None, id="ipv4"),
        pytest.param("[::1]:8000", None, id="ipv6"),
        pytest.param("", None, id="empty"),
        pytest.param("a..example.com", None, id="empty-label"),
        pytest.param("b\udcff.com", None, id="not-idna-encodable"),
    ],
)
def test_registrable_domain(host: str, expected: str | None) -> None:
    assert registrable_domain(host) == expected


@pytest.mark.parametrize(
    ("host", "domain", "expected"),
    [
        pytest.param("example.com", "example.com", True, id="identical"),
        pytest.param("www.example.com", "example.com", True, id="subdomain"),
        pytest.param("www.example.com", ".example.com", True, id="leading-dot"),
        pytest.param("WWW.Example.com:8000", "EXAMPLE.COM.", True, id="canonicalised"),
        pytest.param("a.b.example.com", "b.example.com", True, id="deep"),
        pytest.param("example.com", "www.example.com", False, id="superdomain"),
        pytest.param("badexample.com", "example.com", False, id="not-at-label-boundary"),
        pytest.param("example.com", "ample.com", False, id="partial-label"),
        pytest.param("example.org", "example.com", False, id="other-site"),
        pytest.param("www.example.com", "com", True, id="public-suffix-still-matches"),
        pytest.param("127.0.0.1", "127.0.0.1", True, id="ip-identical"),
        pytest.param("127.0.0.1", "0.0.1", False, id="ip-suffix"),
        pytest.param("[::1]:8000", "::1", True, id="ipv6-identical"),
        pytest.param("example.com", "example.com:8000", False, id="domain-with-port"),
        pytest.param("www.bücher.de", "BÜCHER.de", True, id="idn"),
        pytest.param("localhost", "localhost", True, id="localhost"),
        pytest.param("", "", False, id="empty"),
        pytest.param("example.com", "", False, id="empty-domain"),
        pytest.param("example.com", ".", False, id="only-dot"),
    ],
)
def test_domain_match(host: str, domain: str, expected: bool) -> None:
    assert domain_match(host, domain) is expected


@pytest.mark.parametrize(
    ("domain", "root", "expected"),
    [
        pytest.param("example.com", "example.com", True, id="identical"),
        pytest.param("shop.example.com", "example.com", True, id="subdomain"),
        pytest.param(".Shop.Example.com", "example.com.", True, id="canonicalised"),
        pytest.param("example.com", "shop.example.com", False, id="wider"),
        pytest.param("com", "example.com", False, id="suffix"),
        pytest.param("notexample.com", "example.com", False, id="not-at-label-boundary"),
        pytest.param("127.0.0.1", "0.0.1", False, id="ip"),
        pytest.param("", "example.com", False, id="empty"),
    ],
)
def test_within(domain: str, root: str, expected: bool) -> None:
    assert within(domain, root) is expected


@pytest.mark.parametrize(
    ("host", "domain", "expected"),
    [
        pytest.param("www.example.com", "example.com", "domain", id="parent"),
        pytest.param("www.example.com", ".example.com", "domain", id="leading-dot"),
        pytest.param("example.com", "example.com", "domain", id="itself"),
        pytest.param("a.www.ck", "www.ck", "domain", id="wildcard-exception"),
        pytest.param("api.myapp.internal", "myapp.internal", "domain", id="unknown-tld"),
        pytest.param("www.example.com", "shop.example.com", "domain-mismatch", id="sibling"),
        pytest.param("example.com", "www.example.com", "domain-mismatch", id="child"),
        pytest.param("example.org", "example.com", "domain-mismatch", id="other-site"),
        pytest.param("127.0.0.1", "0.0.1", "domain-mismatch", id="ip-suffix"),
        pytest.param("www.example.com", "com", "public-suffix", id="tld"),
        pytest.param("shop.example.co.uk", "co.uk", "public-suffix", id="second-level"),
        pytest.param("foo.github.io", "github.io", "public-suffix", id="private-section"),
        pytest.param("a.x.kawasaki.jp", "x.kawasaki.jp", "public-suffix", id="wildcard"),
        pytest.param("api.myapp.internal", "internal", "public-suffix", id="unknown-tld"),
        pytest.param("a.localhost", "localhost", "public-suffix", id="below-localhost"),
        pytest.param("localhost", "localhost", "host-only", id="localhost"),
        pytest.param("localhost:8000", "LOCALHOST", "host-only", id="localhost-port"),
        pytest.param("github.io", "github.io", "host-only", id="suffix-serving-itself"),
        pytest.param("127.0.0.1", "127.0.0.1", "host-only", id="ipv4"),
        pytest.param("[::1]:8000", "::1", "host-only", id="ipv6"),
        pytest.param("example.com", ".", "host-only", id="empty-after-canonicalising"),
        # A trailing dot: a fully qualified host and a dotted Domain match only each other.
        pytest.param("www.example.com", "example.com.", "domain-mismatch", id="dotted-domain"),
        pytest.param("www.example.com", ".example.com.", "domain-mismatch", id="dots-both-ends"),
        pytest.param("example.com", "example.com.", "domain-mismatch", id="dotted-itself"),
        pytest.param("localhost", "localhost.", "domain-mismatch", id="dotted-localhost"),
        pytest.param("www.example.com.", "example.com", "domain-mismatch", id="fqdn-host"),
        pytest.param("www.example.com.", "example.com.", "domain", id="fqdn-both"),
        pytest.param("www.example.com.:8443", ".example.com.", "domain", id="fqdn-both-port"),
    ],
)
def test_classify_cookie_domain(host: str, domain: str, expected: str) -> None:
    assert classify_cookie_domain(host, domain) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("www.example.com", "www.example.com", id="plain"),
        pytest.param("WWW.Example.COM.", "www.example.com.", id="fqdn-keeps-its-dot"),
        pytest.param("www.example.com.:8443", "www.example.com.", id="fqdn-port"),
        pytest.param("bücher.de.", "xn--bcher-kva.de.", id="fqdn-idn"),
        pytest.param("127.0.0.1.", "127.0.0.1", id="ipv4-loses-it"),
        pytest.param("[::1]:8000", "::1", id="ipv6"),
        pytest.param(".", "", id="only-dot"),
        pytest.param("", "", id="empty"),
    ],
)
def test_request_host(host: str, expected: str) -> None:
    assert request_host(host) == expected


class TestUnlistedTopLevelDomains:
    """Hosts under a TLD the list does not know: ``localhost``, ``myapp.internal``.

    The PSL algorithm's default rule is ``"*"``: an unlisted TLD is a public suffix. The
    ``publicsuffixlist`` package implements it (``accept_unknown=True`` by default), so on its
    own it calls ``localhost`` a public suffix with no registrable domain. Chromium agrees for
    names with a dot (``myapp.internal`` is a site, ``internal`` its registry) but not for a
    single unknown label: ``localhost`` is not registry-controlled there, and a cookie with
    ``Domain=localhost`` set by ``localhost`` is stored host-only. cookiewarden follows Chromium.
    """

    def test_publicsuffixlist_default_rule_calls_a_single_label_public(self) -> None:
        psl = PublicSuffixList()
        assert psl.is_public("localhost") is True
        assert psl.publicsuffix("localhost") == "localhost"
        assert psl.privatesuffix("localhost") is None
        assert psl.publicsuffix("myapp.internal") == "internal"
        assert psl.privatesuffix("myapp.internal") == "myapp.internal"

    @pytest.mark.parametrize("host", ["localhost", "intranet", "LOCALHOST.", "localhost:8000"])
    def test_single_label_is_not_a_public_suffix_as_in_chromium(self, host: str) -> None:
        assert is_public_suffix(host.partition(":")[0]) is False
        assert registrable_domain(host) is None
        assert classify_cookie_domain(host, host.partition(":")[0]) == "host-only"

    def test_unknown_tld_with_a_label_is_a_site(self) -> None:
        assert registrable_domain("myapp.internal") == "myapp.internal"
        assert registrable_domain("api.myapp.internal") == "myapp.internal"
        assert is_public_suffix("myapp.internal") is False
        assert domain_match("api.myapp.internal", "myapp.internal") is True

    def test_subdomain_of_localhost_cannot_scope_to_localhost(self) -> None:
        assert registrable_domain("app.localhost") == "app.localhost"
        assert classify_cookie_domain("app.localhost", "localhost") == "public-suffix"


class TestCaching:
    def test_list_is_parsed_once(self) -> None:
        assert domains._psl() is domains._psl()

    @pytest.mark.parametrize(
        "function",
        [canonical_host, request_host, is_ip, is_public_suffix, registrable_domain],
        ids=lambda f: f.__name__,
    )
    def test_per_response_functions_have_a_bounded_cache(self, function: object) -> None:
        info = function.cache_info()  # type: ignore[attr-defined]
        assert info.maxsize is not None
        assert 0 < info.maxsize <= 65536


_LABELS = st.sampled_from(
    [
        *("com", "co", "uk", "example", "github", "io", "ck", "www", "jp", "kawasaki", "city"),
        *("localhost", "internal", "a", "xn--bcher-kva", "127", "0", "1", "de"),
    ]
)
_HOSTNAMES = st.lists(_LABELS, min_size=1, max_size=5).map(".".join)
_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=80)


@settings(max_examples=500, deadline=None)
@given(text=_ANY_TEXT, other=_ANY_TEXT)
def test_no_function_raises_on_any_text(text: str, other: str) -> None:
    canonical_host(text)
    request_host(text)
    is_ip(text)
    is_public_suffix(text)
    registrable_domain(text)
    domain_match(text, other)
    within(text, other)
    classify_cookie_domain(text, other)


@settings(max_examples=500, deadline=None)
@given(host=_HOSTNAMES)
def test_registrable_domain_is_a_matching_non_suffix(host: str) -> None:
    site = registrable_domain(host)
    if site is None:
        return
    assert domain_match(host, site)
    assert not is_public_suffix(site)
    assert registrable_domain(site) == site
    assert classify_cookie_domain(host, site) == "domain"


@settings(max_examples=500, deadline=None)
@given(host=_HOSTNAMES)
def test_a_public_suffix_has_no_registrable_domain(host: str) -> None:
    if is_public_suffix(host):
        assert registrable_domain(host) is None
