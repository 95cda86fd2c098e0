"""Bounded caches, their limits, and the request side the engine keeps per ``Cookie`` header.

Contract: :class:`BoundedCache` is a dict with a size limit that forgets everything when full
(O(1), no bookkeeping per hit); every cache the engine keeps is one, keyed on everything its
answer depends on (see :mod:`cookiewarden.engine.core`, rule 4). Keys longer than the ``*_KEY_MAX``
limits are worked out every time instead, so memory stays flat whatever arrives
(``benchmarks/overhead.py --memory``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:
    from ..rules.consent import Consent

__all__ = ["BoundedCache", "RequestSide"]

CACHE_MAX: Final = 4096
# Caches keyed on network input hold at most this many entries, each of a bounded size: keys
# longer than these limits are worked out every time instead (memory stays flat, see
# benchmarks/overhead.py --memory).
REQUEST_CACHE_MAX: Final = 1024  # Cookie headers -> the request side of the exchange
REQUEST_KEY_MAX: Final = 4096  # characters of a Cookie header worth caching
JUDGED_CACHE_MAX: Final = 4096  # (Set-Cookie, host, granted) -> judgement
JUDGED_KEY_MAX: Final = 1024  # characters of a Set-Cookie value worth caching
SHAPE_CACHE_MAX: Final = 2048  # (name, attributes, host, granted) -> a judgement to revalue
RESPONSE_CACHE_MAX: Final = 1024  # (all Set-Cookie values, host, granted) -> what leaves
RESPONSE_KEY_MAX: Final = 4096  # characters of a response's Set-Cookie values worth caching
FACTS_CACHE_MAX: Final = 1024  # (host, scheme, path) -> RequestFacts
FACTS_KEY_MAX: Final = 512  # characters of host and path worth caching
RAW_SHAPE_MAX: Final = 2048  # (raw name, raw attributes, host, granted) -> a splice


_K = TypeVar("_K")
_V = TypeVar("_V")


class BoundedCache(dict[_K, _V]):
    """A dict that forgets everything when full: O(1), bounded, and good enough for hot keys."""

    __slots__ = ("limit",)

    def __init__(self, limit: int = CACHE_MAX) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: _K, value: _V) -> None:
        if len(self) >= self.limit:
            self.clear()
        self[key] = value


class RequestSide:
    """What one ``Cookie`` header means for a request: the consent, what the app sees, what to
    clear. Valid while ``valid_from <= now < valid_until``: consent cookies expire, so a cached
    one is re-checked against the clock on every use; never mutated once built.
    """

    __slots__ = (
        "app_cookie_header",
        "cleared",
        "consent",
        "deletions",
        "valid_from",
        "valid_until",
    )

    def __init__(
        self,
        consent: Consent,
        app_cookie_header: str | None,
        deletions: tuple[str, ...],
        cleared: tuple[tuple[str, str], ...],
        valid_from: float,
        valid_until: float,
    ) -> None:
        self.consent = consent
        self.app_cookie_header = app_cookie_header
        self.deletions = deletions
        self.cleared = cleared  # (name, category) of each deletion, logged and counted per use
        self.valid_from = valid_from
        self.valid_until = valid_until
