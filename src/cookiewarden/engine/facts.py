"""What a request is, as the rules need it: its host, whether it came over https, its path.

Contract: :class:`FactsReader` turns the values an adapter reads (the ``Host`` header or the
server's name, the scheme, the path, and the ``X-Forwarded-Host``/``-Proto`` headers) into the
frozen :class:`~cookiewarden.rules.decision.RequestFacts` every decision is taken under.

Rules:
1. ``X-Forwarded-*`` is believed only as far as ``trusted_proxies`` says: each proxy appends
   what it saw, so with *n* proxies in front of the app the value to believe is the *n*-th from
   the right (:func:`forwarded_value`); fewer entries than that, and nothing is believed.
2. The host is canonical as a browser's cookie store sees it (:func:`~cookiewarden.rules.domains
   .request_host`): port and brackets gone, lower case, IDNA, a fully qualified name's dot kept.
3. Facts are a pure function of their inputs and immutable, so requests that repeat them share
   one instance (a bounded cache; long inputs are worked out every time).
"""

from __future__ import annotations

from ..rules.decision import RequestFacts
from ..rules.domains import request_host
from .cache import FACTS_CACHE_MAX, FACTS_KEY_MAX, BoundedCache

__all__ = ["FactsReader", "forwarded_value"]


def forwarded_value(value: str | None, trusted: int) -> str | None:
    """The value that the outermost of ``trusted`` proxies appended to an ``X-Forwarded-*`` list.

    Each proxy appends what it saw, so with ``trusted`` proxies in front of the app the value to
    believe is the ``trusted``-th from the right. Fewer entries than that: nothing is believed.

    >>> forwarded_value("203.0.113.9, 10.0.0.1", 2)
    '203.0.113.9'
    >>> forwarded_value("10.0.0.1", 2) is None
    True
    """
    if not value or trusted <= 0:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) < trusted:
        return None
    return parts[-trusted] or None


class FactsReader:
    """Builds :class:`RequestFacts` for one engine (rules 1-3).

    :param trusted_proxies: how many proxies' ``X-Forwarded-*`` to believe (0: none).
    """

    def __init__(self, trusted_proxies: int) -> None:
        self.trusted_proxies = trusted_proxies
        # (host, scheme, path) -> RequestFacts, for requests whose proxies are not believed.
        self.cache: BoundedCache[tuple[str, str, str], RequestFacts] = BoundedCache(FACTS_CACHE_MAX)

    def request_facts(
        self,
        *,
        host: str | None,
        scheme: str,
        path: str = "/",
        forwarded_host: str | None = None,
        forwarded_proto: str | None = None,
    ) -> RequestFacts:
        """The facts of a request, believing ``X-Forwarded-*`` only as configured (rule 1)."""
        trusted = self.trusted_proxies
        if trusted:
            host = forwarded_value(forwarded_host, trusted) or host
            scheme = forwarded_value(forwarded_proto, trusted) or scheme
        return RequestFacts(
            host=request_host(host or ""),
            secure=scheme.lower() in ("https", "wss"),
            path=path,
        )

    def facts(self, host: str, scheme: str, path: str) -> RequestFacts:
        """:meth:`request_facts` for an adapter that believes no ``X-Forwarded-*``, cached
        (rule 3)."""
        key = (host, scheme, path)
        facts = self.cache.get(key)
        if facts is None:
            facts = self.request_facts(host=host, scheme=scheme, path=path)
            if len(host) + len(path) <= FACTS_KEY_MAX:
                self.cache.put(key, facts)
        return facts
