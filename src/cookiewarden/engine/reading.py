"""The request side: what a request's ``Cookie`` header means for the app and the visitor.

Contract: :class:`RequestReader` turns one ``Cookie`` header (with ``Sec-GPC``, whether the
request came over https and whether it needs opt-in consent) into a
:class:`~cookiewarden.engine.cache.RequestSide`: the visitor's consent, the ``Cookie`` header
the app should see, and the deletions of refused cookies the browser still sends. The engine
(:mod:`cookiewarden.engine.core`) asks it once per request it has not seen; nothing here reads a
scope, an environ or a response.

Rules:

1. The signed ``cw_consent`` wins (the newest valid one); adopted banner cookies
   (``consent_sources``, :mod:`cookiewarden.engine.adopted`) are read only when no valid one is
   present; else the visitor is undecided, shaped by GPC and by whether consent is required.
2. A value from the network is never an exception: a bad consent cookie is no consent (counted
   by its reason), and an internal error fails closed (no consent, no cookie for the app).
3. Two bounded caches, keyed on everything their answer depends on: ``_verified`` (one
   ``cw_consent`` value → its signed content, its time window re-checked on every use) and
   ``_requests`` (Cookie header, GPC, https, consent required → the request side, used while
   its consent holds and never when a cookie was refused for a reason the clock may change).
4. Only *declared* cookies are ever expired: undeclared ones may belong to another site
   sharing the domain (:func:`refused_deletions`).
5. The app never sees a refused cookie under any name its framework may read it by: a cookie
   is hidden when its name as a browser sends it, its name as Starlette or Django trim it (all
   Unicode whitespace, and the latin-1 whitespace octets), its name in each framework's
   decoding of the octets, or, for a nameless cookie, its value (Werkzeug's reading; up to
   Werkzeug 3.1.8 trimmed of whitespace) is refused or blocked (``tests/integrations/
   test_request_filter_parsers.py`` runs each framework's own parser).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from ..rules.consent import CLOCK_SKEW, Consent
from ..rules.consent_codec import ConsentCodec
from ..rules.cookies import deletion_header, parse_cookie_header, render_cookie_header
from ..rules.policy import Policy
from ..rules.policy_entries import CONSENT_COOKIE
from .adopted import adopt
from .cache import REQUEST_CACHE_MAX, REQUEST_KEY_MAX, BoundedCache, RequestSide
from .options import Options

__all__ = ["FOREVER", "RequestReader", "refused_deletions"]

logger = logging.getLogger("cookiewarden")

FOREVER: Final = math.inf
"""The end of what holds at any time (a request without cookies)."""

_MISSING: Final = object()

_WSP: Final = " \t"
# Every character ``str.strip()`` removes (Starlette and Django trim cookie names with it; the
# set is fixed by Unicode's White_Space property, tests/test_reading.py checks it), and the lone
# octets 0x85 and 0xA0 as our surrogate-escaped text holds them: whitespace to a framework that
# decodes headers as latin-1 (Starlette, Django on ASGI).
_ANY_SPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\udc85\udca0"
)


def _forms(text: str) -> tuple[str, ...]:
    """``text`` as each framework decodes the octets: as we do (UTF-8, the others escaped), as
    latin-1 (Starlette, Werkzeug, Django on ASGI) and as UTF-8 with U+FFFD (Django on WSGI)."""
    if text.isascii():
        return (text,)
    raw = text.encode("utf-8", "surrogateescape")
    return text, raw.decode("latin-1"), raw.decode("utf-8", "replace")


def _readings(name: str, value: str) -> tuple[str, ...]:
    """Every name an app's framework may read one request cookie by (rule 5).

    A browser sends a nameless cookie as its value alone: ``a=b`` (judged as ``a``, which every
    parser reads) or ``v``, which Werkzeug reads as a cookie *named* ``v``. Starlette and Django
    trim a name of any whitespace, where a browser trims only spaces and tabs, so
    ``"\\u00a0_ga"`` (a cookie of its own in the browser) is ``_ga`` to them; and a name that
    is not ASCII reads otherwise in each framework's decoding (:func:`_forms`), which a declared
    glob such as ``ab??`` may match.
    """
    if not name:
        head, equals, _ = value.partition("=")
        if equals:
            return tuple(r for f in _forms(head) for r in (f.strip(_WSP), f.strip(_ANY_SPACE)))
        # The value as Werkzeug reads it as a name: as it is (3.1.9 on), or trimmed of any
        # whitespace of its latin-1 text (up to 3.1.8: ``"\x1clang\x0b"`` was ``lang``).
        forms = _forms(value)
        return ("", *forms, forms[-2 if len(forms) > 1 else 0].strip(_ANY_SPACE))
    if name.isascii() and name[0] not in _ANY_SPACE and name[-1] not in _ANY_SPACE:
        return (name,)
    return tuple(r for f in _forms(name) for r in (f, f.strip(_ANY_SPACE)))


def refused_deletions(
    policy: Policy, names: Iterable[str], consent: Consent, *, secure: bool
) -> list[tuple[str, str, str]]:
    """``(name, category, Set-Cookie)`` deletions for the refused *declared* cookies in ``names``.

    Pure (no logging, no counting), so the demo and the audit can show exactly what
    ``clear_refused`` sends. The rules:

    - only *declared* cookies of a category ``consent`` refuses; undeclared ones may belong to
      another site sharing the domain, so they are never expired;
    - each name once, in the order given; empty names are skipped;
    - a ``__Host-`` cookie is deleted host-only on ``/``; any other with its declared ``domain``
      and ``path``;
    - ``Secure`` when the request is secure or the name carries a ``__Secure-``/``__Host-``
      prefix (a browser ignores such a deletion without it);
    - a name no Set-Cookie header can carry (a control character...) is skipped.
    """
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for name in names:
        if not name or name in seen:
            continue
        seen.add(name)
        rule = policy.lookup(name)
        if rule is None or consent.allows(rule.category):
            continue
        host_prefixed = name[:7].lower() == "__host-"
        try:
            header = deletion_header(
                name,
                domain=None if host_prefixed else rule.domain,
                path="/" if host_prefixed else rule.path,
                secure=secure or host_prefixed or name[:9].lower() == "__secure-",
            )
        except ValueError:
            continue
        out.append((name, rule.category, header))
    return out


class RequestReader:
    """Reads requests' ``Cookie`` headers for one engine (see the module's rules).

    :param policy: the policy in force.
    :param codec: verifies ``cw_consent`` values.
    :param options: the engine's checked options (``filter_request_cookies``,
        ``clear_refused``, ``report_only``, ``consent_sources``).
    :param clock: returns the current Unix time.
    :param count: counts one ``(action, reason, category)`` in the engine's statistics.
    """

    def __init__(
        self,
        policy: Policy,
        codec: ConsentCodec,
        options: Options,
        *,
        clock: Callable[[], float],
        count: Callable[[str, str, str], None],
    ) -> None:
        self.policy = policy
        self.codec = codec
        self.options = options
        self.clock = clock
        self._count = count
        self.consent_sources = options.consent_sources
        self._adopting = len(self.consent_sources) > 1
        self._blocks_unknown = policy.unknown == "block"
        self._verified: BoundedCache[str, Consent | None] = BoundedCache()
        # Keyed on the header as the adapter has it: text (WSGI) or raw bytes (ASGI).
        self._requests: BoundedCache[tuple[str | bytes, bool, bool, bool], RequestSide] = (
            BoundedCache(REQUEST_CACHE_MAX)
        )
        # A visitor without cookies: the consent is immutable, so one instance serves them all,
        # by (GPC, consent required) ...
        self._undecided = {
            (gpc, required): Consent.undecided(policy, gpc=gpc, required=required)
            for gpc in (False, True)
            for required in (False, True)
        }
        # ... and what such a request means: nothing to read, hide or clear, at any time.
        self._no_cookies = {
            key: RequestSide(consent, None, (), (), -FOREVER, FOREVER)
            for key, consent in self._undecided.items()
        }

    def side(
        self, cookie_header: str | bytes | None, gpc: bool, secure: bool, required: bool
    ) -> tuple[RequestSide, bool]:
        """What one ``Cookie`` header means (:class:`RequestSide`), and whether it may be kept.

        A request without cookies has nothing to read, hide or clear. Otherwise the outcome is
        a function of the header, ``gpc``, ``secure``, ``required`` and the clock, so it is
        cached under the first four and used only while the clock says it still holds.
        """
        if not cookie_header:
            return self._no_cookies[(gpc, required)], True
        key = (cookie_header, gpc, secure, required)
        now = self.clock()
        side = self._requests.get(key)
        if side is not None and side.valid_from <= now < side.valid_until:
            return side, True
        try:
            text = (
                cookie_header.decode("utf-8", "surrogateescape")
                if type(cookie_header) is bytes
                else cookie_header
            )
            side, steady = self._request_side(text, gpc, secure, now, required)  # type: ignore[arg-type]
        except Exception:
            # A bug here must never reach the host app or the server. Fail closed: no
            # consent, and the app sees no cookie at all for this one request.
            logger.exception("cookiewarden: internal error reading the request's cookies")
            self._count("error", "request-side", "-")
            undecided = Consent.undecided(self.policy, gpc=gpc, required=required)
            return RequestSide(undecided, "", (), (), now, now), False
        if steady and len(cookie_header) <= REQUEST_KEY_MAX:
            self._requests.put(key, side)
        return side, steady

    def _request_side(
        self, cookie_header: str, gpc: bool, secure: bool, now: float, required: bool = True
    ) -> tuple[RequestSide, bool]:
        """Work out :class:`RequestSide` for one ``Cookie`` header, and whether it may be kept."""
        pairs = parse_cookie_header(cookie_header)
        consent, until, steady = self.consent_at(pairs, gpc, now, required)
        app_cookie_header: str | None = None
        deletions: list[str] = []
        cleared: list[tuple[str, str]] = []
        # Consent to every category hides nothing, unless undeclared cookies are blocked.
        if pairs and (self._blocks_unknown or not consent.granted >= self.policy.category_keys):
            hidden = self.hidden_cookies(pairs, consent)
            if hidden:
                if self.options.filter_request_cookies and not self.options.report_only:
                    app_cookie_header = render_cookie_header(
                        p for i, p in enumerate(pairs) if i not in hidden
                    )
                if self.options.clear_refused:
                    deletions, cleared = self.deletions(
                        (pairs[i][0] for i in hidden), consent, secure=secure
                    )
        side = RequestSide(consent, app_cookie_header, tuple(deletions), tuple(cleared), now, until)
        return side, steady

    def hidden_cookies(self, pairs: Sequence[tuple[str, str]], consent: Consent) -> set[int]:
        """Indexes of the request cookies the app must not see under ``consent`` (rule 5).

        A cookie is hidden when any name a framework may read it by is refused or blocked.
        """
        policy = self.policy
        lookup, allows = policy.lookup, consent.allows
        unknown = policy.unknown
        undeclared_hidden = unknown == "block" or (unknown != "allow" and not allows(unknown))
        hidden: set[int] = set()
        for i, (name, value) in enumerate(pairs):
            # The common case: an ASCII name with no whitespace or control character at either
            # end, which every framework reads as it is.
            if name and name.isascii() and name[0] > " " and name[-1] > " ":
                rule = lookup(name)
                if not allows(rule.category) if rule is not None else undeclared_hidden:
                    hidden.add(i)
                continue
            for reading in _readings(name, value):
                rule = lookup(reading) if reading else None
                if not allows(rule.category) if rule is not None else undeclared_hidden:
                    hidden.add(i)
                    break
        return hidden

    def consent_at(
        self, pairs: Iterable[tuple[str, str]], gpc: bool, now: float, required: bool = True
    ) -> tuple[Consent, float, bool]:
        """The consent at ``now``; until when it holds; whether that bound is the whole story.

        The result holds from ``now`` until the first of its valid cookies expires, unless a
        cookie was refused for a reason that the clock alone may change (then: not cacheable).
        The signed cookie wins; adopted sources are read only when no valid one is present.
        """
        if self._adopting and not isinstance(pairs, list | tuple):
            pairs = list(pairs)  # read twice below
        best: Consent | None = None
        until = math.inf
        steady = True
        for name, value in pairs:
            if name != CONSENT_COOKIE:
                continue
            consent, known = self._verify(value, now)
            steady = steady and known
            if consent is not None:
                lifetime = self.policy.consent_lifetime(consent.granted)
                until = min(until, (consent.issued_at or 0) + lifetime)
                if best is None or (consent.issued_at or 0) > (best.issued_at or 0):
                    best = consent
        if best is None and self._adopting:
            adopted, adopted_until, adopted_steady = adopt(
                pairs, self.consent_sources, self.policy, now=now, gpc=gpc
            )
            steady = steady and adopted_steady
            if adopted is not None:
                # Until a signed cookie of this header would count again, or this one expires.
                return adopted, min(until, adopted_until), steady
        if best is None:
            return self._undecided[(gpc, required)], until, steady
        if gpc and not best.gpc:
            return dataclasses.replace(best, gpc=True), until, steady
        return best, until, steady

    def _verify(self, value: str, now: float) -> tuple[Consent | None, bool]:
        """One ``cw_consent`` value at ``now``, and whether the answer holds for later times
        (a valid one: until it expires, which the caller checks)."""
        cached = self._verified.get(value, _MISSING)
        if cached is _MISSING:
            consent, reason = self.codec.loads(value, now=now)
            if consent is None:
                self._count("consent", reason, "-")
                if reason in ("expired", "future"):
                    return None, False  # depends on the clock: never cached
            self._verified.put(value, consent)
            return consent, True
        if cached is None:
            return None, True
        assert isinstance(cached, Consent)
        # The signature was checked once; the time window depends on the clock and is checked
        # every time (a clock set back may put the cookie in the future again).
        issued_at = cached.issued_at or 0
        if issued_at + self.policy.consent_lifetime(cached.granted) <= now:
            self._count("consent", "expired", "-")  # counted as codec.loads counts it
            return None, False
        if issued_at > now + CLOCK_SKEW:
            self._count("consent", "future", "-")
            return None, False
        return cached, True

    def deletions(
        self, names: Iterable[str], consent: Consent, *, secure: bool
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """:meth:`Engine.deletions_for <cookiewarden.engine.core.Engine.deletions_for>` without the
        logging: the headers, and (name, category) each."""
        found = refused_deletions(self.policy, names, consent, secure=secure)
        return [header for _, _, header in found], [(name, cat) for name, cat, _ in found]
