"""Consent adopted from an existing banner's cookie: orestbida/cookieconsent v3 and Klaro.

Contract: pure functions of a cookie value, the policy and the clock (``now``, Unix seconds).
:func:`read_source` turns one cookie value into a decided
:class:`~cookiewarden.rules.consent.Consent` or the reason there is none; :func:`adopt` picks the
consent of a request from its cookies, following the middleware's ``consent_sources`` order. Nothing
here reads a request.

Rules:

1. These cookies are **unsigned**: any script on the page, or a sibling subdomain sharing the
   parent domain, can write one. The engine reads them only when the request carries no valid
   signed ``cw_consent``, which always wins.
2. A value comes from the network, so nothing here raises: a value over
   :data:`MAX_SOURCE_VALUE` characters, not (percent-encoded) JSON, of the wrong shape or types,
   naming a category or service the policy does not map, below the required revision, dated in
   the future or older than the policy keeps a choice, is *no consent from that source*, with a
   short stable reason logged at DEBUG on the ``cookiewarden`` logger (never the value).
3. ``cc_cookie`` (orestbida/cookieconsent v3, ``CookieConsent.getCookie()``) is
   ``encodeURIComponent(JSON.stringify(...))`` of an object with ``categories`` (the accepted
   category names), ``revision`` (int), ``consentId``, ``consentTimestamp`` and
   ``lastConsentTimestamp`` (ISO 8601), ``services`` and ``data``. Its categories map onto the
   policy's through ``[sources.cookieconsent] categories`` (a name missing there maps to the
   category of the same key); ``revision`` below ``[sources.cookieconsent] revision`` is no
   consent. Its time (``lastConsentTimestamp``, else ``consentTimestamp``) is held to
   ``consent_max_age`` / ``consent_max_age_refused`` like a ``cw_consent``.
4. ``klaro`` (Klaro's ``storageName``) is a JSON object of service name → true/false,
   percent-encoded since Klaro 0.7 and raw before. Every service it names must be mapped in
   ``[sources.klaro] services``; a category is granted only when every service of it that the
   cookie names is true (a refused service keeps its whole category off). It carries no time:
   only the browser's expiry of the cookie limits it.
5. Necessary categories are always granted; the result is decided, under the current policy
   version, with the source's id when it has a usable one.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import unquote

from ..rules.consent import CLOCK_SKEW, Consent
from ..rules.policy import Policy

__all__ = [
    "MAX_SOURCE_VALUE",
    "SOURCES",
    "adopt",
    "read_cookieconsent",
    "read_klaro",
    "read_source",
    "source_cookie_names",
]

logger = logging.getLogger("cookiewarden")

SOURCES: Final = ("cookiewarden", "cookieconsent", "klaro")
"""What ``consent_sources`` may list: our signed cookie, and the banners we can adopt."""

MAX_SOURCE_VALUE: Final = 4096
"""Longest adopted cookie value looked at, in characters; a browser stores no longer cookie."""

_ID: Final = re.compile(r"[A-Za-z0-9_-]{8,64}")  # the ids a Consent may carry (consent.py)
# Reasons a later request may see differently for the same value: the clock decides them.
CLOCK_REASONS: Final = frozenset({"expired", "future"})

Reading = tuple[Consent | None, str]


def _decode(value: str) -> Any:
    """The JSON in ``value`` (raw, or percent-encoded as ``encodeURIComponent`` writes it), or a
    reason string when there is none. Wrapped in a one-item list so that a JSON string is
    never mistaken for a reason."""
    if len(value) > MAX_SOURCE_VALUE:
        return "too-large"
    text = value.strip()
    if not text.startswith("{"):
        try:
            text = unquote(text, errors="strict")
        except UnicodeDecodeError:
            return "malformed"
    try:
        return [json.loads(text)]
    except (ValueError, RecursionError):
        return "malformed"


def _timestamp(value: object) -> int | str | None:
    """Unix seconds from an ISO 8601 text (``None`` when absent), or ``"malformed"``."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        return "malformed"
    try:
        when = datetime.fromisoformat(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)  # toISOString() always writes "Z"; be lenient
        return math.floor(when.timestamp())
    except (ValueError, OverflowError):
        return "malformed"


def _consent(
    policy: Policy,
    granted: Iterable[str],
    *,
    now: float,
    issued_at: int | None,
    consent_id: str | None,
) -> Reading:
    keys = frozenset(granted) | policy.necessary_keys
    if issued_at is not None:
        if issued_at > now + CLOCK_SKEW:
            return None, "future"
        if issued_at + policy.consent_lifetime(keys) <= now:
            return None, "expired"
    if consent_id is not None and not _ID.fullmatch(consent_id):
        consent_id = None
    consent = Consent(
        granted=keys,
        decided=True,
        policy_version=policy.version,
        consent_id=consent_id,
        issued_at=issued_at,
    )
    return consent, "ok"


def read_cookieconsent(value: str, policy: Policy, *, now: float) -> Reading:
    """Read one orestbida/cookieconsent v3 ``cc_cookie`` value. Never raises.

    :returns: ``(consent, "ok")``, or ``(None, reason)`` with ``reason`` one of
        ``"too-large"``, ``"malformed"``, ``"unknown-category"``, ``"old-revision"``,
        ``"future"``, ``"expired"``.

    >>> from cookiewarden import Policy
    >>> value = '{"categories":["necessary","performance"],"revision":0}'
    >>> sorted(read_cookieconsent(value, Policy.default(), now=0)[0].granted)
    ['necessary', 'performance']
    """
    decoded = _decode(value)
    if isinstance(decoded, str):
        return None, decoded
    data = decoded[0]
    if not isinstance(data, dict):
        return None, "malformed"
    names = data.get("categories")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None, "malformed"
    revision = data.get("revision", 0)
    if type(revision) is not int:  # JSON true/false load as bool, a subclass of int
        return None, "malformed"
    consent_id = data.get("consentId")
    if consent_id is not None and not isinstance(consent_id, str):
        return None, "malformed"
    last = _timestamp(data.get("lastConsentTimestamp"))
    first = _timestamp(data.get("consentTimestamp"))
    if isinstance(last, str) or isinstance(first, str):
        return None, "malformed"
    settings = policy.sources
    granted: list[str] = []
    for name in names:
        key = settings.cookieconsent_category(name, policy.category_keys)
        if key is None:
            return None, "unknown-category"
        granted.append(key)
    if revision < settings.cookieconsent_revision:
        return None, "old-revision"
    issued_at = last if last is not None else first
    return _consent(policy, granted, now=now, issued_at=issued_at, consent_id=consent_id)


def read_klaro(value: str, policy: Policy, *, now: float) -> Reading:
    """Read one Klaro ``klaro`` cookie value. Never raises.

    :returns: ``(consent, "ok")``, or ``(None, reason)`` with ``reason`` one of
        ``"too-large"``, ``"malformed"``, ``"unknown-service"``.

    >>> from cookiewarden import Policy
    >>> policy = Policy.from_dict({"version": "1", "categories": {
    ...     "necessary": {"necessary": True}, "performance": {}},
    ...     "sources": {"klaro": {"services": {"matomo": "performance"}}}})
    >>> sorted(read_klaro("%7B%22matomo%22%3Atrue%7D", policy, now=0)[0].granted)
    ['necessary', 'performance']
    """
    decoded = _decode(value)
    if isinstance(decoded, str):
        return None, decoded
    data = decoded[0]
    if not isinstance(data, dict):
        return None, "malformed"
    settings = policy.sources
    on: set[str] = set()
    off: set[str] = set()
    for service, chosen in data.items():
        if not isinstance(chosen, bool):
            return None, "malformed"
        key = settings.klaro_category(service)
        if key is None:
            return None, "unknown-service"
        (on if chosen else off).add(key)
    # Categories are coarser than services: one refused service keeps its category off.
    return _consent(policy, on - off, now=now, issued_at=None, consent_id=None)


_READERS: Final[Mapping[str, Callable[..., Reading]]] = {
    "cookieconsent": read_cookieconsent,
    "klaro": read_klaro,
}


def read_source(source: str, value: str, policy: Policy, *, now: float) -> Reading:
    """Read one adopted cookie value of ``source`` (``"cookieconsent"`` or ``"klaro"``).

    Never raises on any value; a rejection is logged at DEBUG with its reason.

    :raises KeyError: ``source`` is not one this module reads (a programming error).
    """
    reader = _READERS[source]
    try:
        consent, reason = reader(value, policy, now=now)
    except Exception:  # pragma: no cover - a bug must never break the host app
        logger.exception("cookiewarden: internal error reading a %s cookie", source)
        return None, "malformed"
    if consent is None:
        logger.debug("%s consent cookie rejected: %s", source, reason)
    return consent, reason


def source_cookie_names(policy: Policy, sources: Sequence[str]) -> dict[str, str]:
    """Cookie name → source, for the adopted sources listed in ``sources`` (in their order)."""
    names = {
        "cookieconsent": policy.sources.cookieconsent_name,
        "klaro": policy.sources.klaro_name,
    }
    return {names[s]: s for s in sources if s in names}


def adopt(
    pairs: Iterable[tuple[str, str]],
    sources: Sequence[str],
    policy: Policy,
    *,
    now: float,
    gpc: bool = False,
) -> tuple[Consent | None, float, bool]:
    """The consent a request's adopted cookies carry, by the order of ``sources``.

    The first source in ``sources`` with a valid value counts; among several values of one
    source, the newest (largest time; the first on a tie or without times). ``"cookiewarden"``
    in ``sources`` is skipped: the engine reads the signed cookie itself, first.

    :param pairs: the request's cookies, as :func:`~cookiewarden.rules.cookies.parse_cookie_header`
        gives them.
    :param gpc: whether the request carried ``Sec-GPC: 1`` (recorded on the consent).
    :returns: the consent (``None``: none of the sources holds one); until when it holds (its
        time plus the policy's lifetime for it; infinity when it carries no time); and whether
        that bound is the whole story (``False`` when a value was refused for a reason the clock
        alone may change, such as ``"future"``).
    """
    wanted = source_cookie_names(policy, sources)
    if not wanted:
        return None, math.inf, True
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        source = wanted.get(name)
        if source is not None:
            found.setdefault(source, []).append(value)
    steady = True
    for source in sources:
        best: Consent | None = None
        for value in found.get(source, ()):
            consent, reason = read_source(source, value, policy, now=now)
            if consent is None:
                steady = steady and reason not in CLOCK_REASONS
            elif best is None or (consent.issued_at or 0) > (best.issued_at or 0):
                best = consent
        if best is not None:
            until = math.inf
            if best.issued_at is not None:
                until = best.issued_at + policy.consent_lifetime(best.granted)
            if gpc:
                best = dataclasses.replace(best, gpc=True)
            return best, until, steady
    return None, math.inf, steady
