"""Hosts, domains and the public suffix list: where a cookie may be scoped.

Contract: pure functions over strings, offline. The public suffix list is the copy shipped
inside the ``publicsuffixlist`` package (ICANN *and* private sections, so ``github.io`` is a
public suffix); nothing is ever fetched. Every function accepts untrusted text (a ``Host``
header, a ``Domain`` attribute) and never raises on it.

Rules:

1. Hosts and domains are compared in *canonical* form: no port, no IPv6 brackets, no single
   trailing dot, lowercase, IDNA-encoded (ASCII). :func:`canonical_host` makes a request host
   canonical; the other functions canonicalise their arguments themselves, so callers may pass
   either form. A ``Domain`` attribute keeps any ``:port`` it carries (a browser never matches
   it), and loses one leading dot (RFC 6265 §5.2.3). The trailing dot is the one thing
   canonical form forgets that a browser does not: a fully qualified host
   (``www.example.com.``) is another host, :func:`request_host` keeps its dot, and only a
   ``Domain`` that ends with a dot matches it (and matches nothing else).
2. Names the list does not know follow Chromium (``net/base/registry_controlled_domains``):
   an unknown top-level label is a registry *when it has a label under it* (the PSL's default
   ``"*"`` rule: ``myapp.internal`` is a registrable domain whose registry is ``internal``),
   but a single unknown label on its own (``localhost``, ``intranet``) is *not* a public
   suffix: it has no registrable domain, and a cookie it sets with ``Domain=localhost``
   becomes host-only, as in the browser.
3. IP addresses are never public suffixes, have no registrable domain and domain-match only
   themselves.
4. The functions are called per response, so they are cached with a bound (the inputs come
   from the network) and the list is parsed once, lazily, on first use.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import threading
from typing import Literal

from publicsuffixlist import PublicSuffixList

__all__ = [
    "DomainOutcome",
    "canonical_host",
    "classify_cookie_domain",
    "domain_match",
    "is_ip",
    "is_public_suffix",
    "registrable_domain",
    "request_host",
    "within",
]

_CACHE_SIZE = 4096

DomainOutcome = Literal["domain", "host-only", "public-suffix", "domain-mismatch"]
"""What a browser does with a ``Domain`` attribute, see :func:`classify_cookie_domain`."""

_psl_instance: PublicSuffixList | None = None
_psl_lock = threading.Lock()


def _psl() -> PublicSuffixList:
    """Return the one parsed list, parsing it on first use (about 30 ms)."""
    global _psl_instance
    psl = _psl_instance
    if psl is None:
        with _psl_lock:
            psl = _psl_instance
            if psl is None:
                # accept_unknown=True is the PSL algorithm's default "*" rule; rule 2 of this
                # module narrows it for single labels in is_public_suffix.
                psl = _psl_instance = PublicSuffixList(accept_unknown=True, only_icann=False)
    return psl


def _finish(name: str) -> str:
    """Lowercase, IDNA-encode and drop one trailing dot; the shared tail of canonicalisation."""
    lowered = name.lower()
    result = lowered
    if not lowered.isascii():
        try:
            # The stdlib codec is IDNA 2003 with nameprep; it also maps the ideographic and
            # fullwidth full stops to ".", as browsers do.
            result = lowered.encode("idna").decode("ascii")
        except UnicodeError:
            result = lowered
    if result.endswith("."):
        result = result[:-1]
    if ":" in result:
        # An IPv6 address has many spellings; keep the one ipaddress prints.
        with contextlib.suppress(ValueError):
            result = str(ipaddress.IPv6Address(result))
    return result


@functools.lru_cache(maxsize=_CACHE_SIZE)
def canonical_host(host: str) -> str:
    """Return a request host in canonical form.

    Strips surrounding blanks, the port (``example.com:8000``, ``[::1]:8000``), IPv6 brackets and
    one trailing dot; lowercases; encodes an internationalised name with IDNA. A bare IPv6
    address (``::1``, more than one colon) keeps its colons. Where IDNA encoding fails the
    lowercased name is returned as it is: it can then match nothing but itself.

    :param host: a ``Host`` header value or a URL's host.
    :returns: the canonical host; ``""`` for an empty host.

    >>> canonical_host("WWW.Example.COM.:8443")
    'www.example.com'
    >>> canonical_host("[::1]:8000")
    '::1'
    >>> canonical_host("bücher.de")
    'xn--bcher-kva.de'
    """
    return _finish(_without_port(host))


def _without_port(host: str) -> str:
    """A ``Host`` value without blanks, port and IPv6 brackets."""
    name = host.strip(" \t")
    if name.startswith("["):
        end = name.find("]")
        name = name[1:end] if end != -1 else name[1:]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    return name


@functools.lru_cache(maxsize=_CACHE_SIZE)
def request_host(host: str) -> str:
    """Return a request host as a browser keeps it apart: :func:`canonical_host`, except that
    a fully qualified name keeps its one trailing dot.

    To a browser ``www.example.com.`` is another host than ``www.example.com``: its host-only
    cookies are stored under the dotted name, and a ``Domain`` matches it only if it ends with
    a dot too (:func:`classify_cookie_domain`). An IP address never keeps one (a browser reads
    ``127.0.0.1.`` as ``127.0.0.1``).

    >>> request_host("WWW.Example.COM.:8443"), request_host("www.example.com")
    ('www.example.com.', 'www.example.com')
    """
    canonical = canonical_host(host)
    if canonical and _without_port(host).endswith(".") and not is_ip(canonical):
        return canonical + "."
    return canonical


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _canonical_domain(domain: str) -> str:
    """Canonicalise a ``Domain`` attribute (or a policy domain): like a host, but a port stays."""
    name = domain.strip(" \t")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    elif name.startswith("."):
        # RFC 6265 §5.2.3: "If the first character of the attribute-value string is %x2E ("."):
        # Let cookie-domain be the attribute-value without the leading %x2E (".") character."
        name = name[1:]
    return _finish(name)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def is_ip(host: str) -> bool:
    """Tell whether ``host`` is an IPv4 or IPv6 address (brackets allowed, no port).

    >>> is_ip("127.0.0.1"), is_ip("[::1]"), is_ip("example.com")
    (True, True, False)
    """
    name = host.strip(" \t")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=_CACHE_SIZE)
def is_public_suffix(domain: str) -> bool:
    """Tell whether ``domain`` is a public suffix: a name under which anyone may register.

    The whole list counts, its private section included (``github.io``, ``herokuapp.com``),
    with its wildcard and exception rules (``*.ck``, ``!www.ck``). A single label the list does
    not know (``localhost``) is *not* a public suffix, as in Chromium, where such a host is
    not registry-controlled; IP addresses never are.

    :param domain: a domain, in any case, with or without a leading or trailing dot.

    >>> is_public_suffix("co.uk"), is_public_suffix("github.io"), is_public_suffix("localhost")
    (True, True, False)
    """
    name = _canonical_domain(domain)
    if not name or is_ip(name):
        return False
    # accept_unknown=False: only names the list matches are suffixes; for multi-label names
    # this changes nothing (an unknown TLD never makes *them* a suffix), for a single unknown
    # label it is Chromium's answer instead of the PSL's default "*" rule.
    return _psl().is_public(name, accept_unknown=False)


def domain_match(host: str, domain: str) -> bool:
    """Tell whether ``host`` domain-matches ``domain`` (RFC 6265 §5.1.3).

    Both are canonicalised first (``domain`` may carry the leading dot of a ``Domain``
    attribute). An empty host or domain matches nothing.

    >>> domain_match("www.example.com", "example.com"), domain_match("example.com", "ample.com")
    (True, False)
    """
    string = canonical_host(host)
    domain_string = _canonical_domain(domain)
    if not string or not domain_string:
        return False
    # "The domain string and the string are identical."
    if string == domain_string:
        return True
    # "The domain string is a suffix of the string. The last character of the string that is
    # not included in the domain string is a %x2E (".") character. The string is a host name
    # (i.e., not an IP address)."
    return string.endswith("." + domain_string) and not is_ip(string)


def within(domain: str, root: str) -> bool:
    """Tell whether ``domain`` is ``root`` or a subdomain of it (a ``root_domain`` check).

    Both are canonicalised first. An IP address is within only itself.

    >>> within("shop.example.com", "example.com"), within("example.com", "shop.example.com")
    (True, False)
    """
    name = _canonical_domain(domain)
    root_name = _canonical_domain(root)
    if not name or not root_name:
        return False
    if name == root_name:
        return True
    return name.endswith("." + root_name) and not is_ip(name)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def registrable_domain(host: str) -> str | None:
    """Return the registrable domain ("eTLD+1", the site) of ``host``.

    ``www.example.co.uk`` → ``example.co.uk``; ``foo.github.io`` → ``foo.github.io``;
    ``api.myapp.internal`` → ``myapp.internal`` (an unknown TLD is a registry, rule 2).

    :param host: a host, canonical or not (a port is stripped).
    :returns: ``None`` for a public suffix, a single unknown label (``localhost``), an IP
        address, or a name that is not a valid host (empty labels, not IDNA-encodable).
    """
    name = canonical_host(host)
    if not name.isascii() or "" in name.split(".") or is_ip(name):
        # Empty labels, or a name IDNA could not encode: no browser would reach such a host.
        return None
    return _psl().privatesuffix(name)


def classify_cookie_domain(host: str, domain: str) -> DomainOutcome:
    """Tell what a browser does with ``Domain=domain`` on a cookie set by ``host``.

    RFC 6265bis §5.7 (storage model, steps on the domain attribute), as Chromium implements it
    (``cookie_util::GetCookieDomainWithString``): the cookie's domain and the host must share one
    registrable domain; where the host has none (an IP, ``localhost``, a public suffix serving
    itself) only ``Domain=<the host itself>`` is accepted, and the cookie becomes host-only.

    :param host: the request host.
    :param domain: the ``Domain`` attribute value (non-empty; an empty one means host-only and
        should not be passed here).
    :returns: ``"domain"`` (stored for ``domain`` and its subdomains), ``"host-only"`` (stored
        for ``host`` alone), or the reason the browser ignores the whole cookie:
        ``"public-suffix"`` (``domain`` is at or above a registry, e.g. ``Domain=co.uk``) or
        ``"domain-mismatch"`` (``host`` does not domain-match ``domain``).

    >>> classify_cookie_domain("www.example.com", ".example.com")
    'domain'
    >>> classify_cookie_domain("localhost", "localhost")
    'host-only'
    >>> classify_cookie_domain("shop.example.co.uk", "co.uk")
    'public-suffix'
    """
    string = canonical_host(host)
    domain_string = _canonical_domain(domain)
    if not domain_string:
        return "host-only"
    # A fully qualified host and a Domain ending with a dot match only each other (Chromium
    # compares the registrable domains with the dot kept): www.example.com does not take
    # Domain=example.com., nor www.example.com. Domain=example.com.
    if _without_port(host).endswith(".") != domain.strip(" \t").endswith("."):
        return "domain-mismatch"
    if not domain_match(string, domain_string):
        return "domain-mismatch"
    site = registrable_domain(string)
    if site is None:
        # domain_match held, so domain_string is the host itself or a suffix above it.
        return "host-only" if string == domain_string else "public-suffix"
    if registrable_domain(domain_string) != site:
        return "public-suffix"
    return "domain"
