"""The per-cookie decision: keep, rewrite or drop one Set-Cookie header, and why.

Contract: :func:`decide` is a pure function of the header, the policy, the visitor's consent,
the request facts and the clock. It never raises on any header text. What leaves (``header``) is
always rendered from the parsed cookie, so the browser stores exactly what was judged.

Rules (CONTRACT.md, "Set-Cookie rules, in order"):
1. Parse as a browser does; a header a browser would ignore is dropped. A nameless cookie is
   judged by the name its value presents to servers (the text before its first ``=``); one whose
   value has no ``=`` is undeclared.
2. A deletion (Max-Age ≤ 0, or Expires in the past) always passes.
3. Find the declared cookie by name (exact beats glob); undeclared ones follow ``unknown``.
4. Refused category → dropped.
5. Domain: a public suffix, a domain the request host does not domain-match, or one wider than
   ``root_domain`` → dropped.
6. ``__Host-`` / ``__Secure-`` / ``__Http-`` / ``__Host-Http-`` prefix rules, ``SameSite=None``
   and ``Partitioned`` without ``Secure`` → dropped.
7. Lifetime: a declared session cookie loses Max-Age/Expires; Max-Age and Expires are cut to the
   declared lifetime and, for a non-necessary cookie, to ``max_age`` → rewritten.
8. Hardening (the policy's ``secure``, ``same_site_min``, per-cookie ``http_only``;
   :mod:`cookiewarden.hardening`): attributes only ever tightened → rewritten, reason
   ``hardened`` unless rule 5 or 7 rewrote the cookie too (their reason is kept). Applied to
   every cookie that leaves, after rule 6 so it never rescues a cookie a browser would reject.

``report_only`` is not decided here: the engine sends the original header and logs the decision.

For speed, the decision comes in two steps that the engine caches separately:
:func:`judge` applies every rule that does not read the clock (the result depends on the
header, the policy, the granted categories and the request host and scheme, nothing else), and
a :class:`Pending` applies the two that do (rule 2 by ``Expires``, rule 7's cut of ``Expires``)
afresh each time it is finished. :func:`revalue` turns the judgement of one named cookie into
that of another which differs in its value alone. :func:`decide` is ``judge`` then ``finish``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, overload

from .consent import Consent
from .dates import format_cookie_date_cached
from .domains import classify_cookie_domain, is_ip, within
from .hardening import harden
from .policy import CookieRule, Policy
from .setcookie import SetCookie
from .setcookie_edits import (
    expires_template,
    host_only,
    with_lifetime,
    with_value,
    without_lifetime,
)
from .setcookie_parse import parse_set_cookie, split_named

__all__ = [
    "Action",
    "Decision",
    "Pending",
    "Reason",
    "RequestFacts",
    "decide",
    "effective_name",
    "judge",
    "revalue",
    "value_free",
]


class Action(StrEnum):
    """What happens to one Set-Cookie header."""

    KEEP = "keep"
    REWRITE = "rewrite"
    DROP = "drop"


class Reason(StrEnum):
    """Why: one stable, greppable word per rule outcome."""

    ALLOWED = "allowed"
    DELETION = "deletion"
    UNPARSEABLE = "unparseable"
    UNDECLARED = "undeclared"
    REFUSED = "refused-category"
    PUBLIC_SUFFIX = "public-suffix"
    FOREIGN_DOMAIN = "foreign-domain"
    BEYOND_ROOT = "beyond-root-domain"
    IP_HOST_DOMAIN = "ip-host-domain"
    HOST_ONLY = "domain-made-host-only"
    HOST_PREFIX = "host-prefix"
    SECURE_PREFIX = "secure-prefix"
    HTTP_PREFIX = "http-prefix"
    SAMESITE_NONE_INSECURE = "samesite-none-insecure"
    PARTITIONED_INSECURE = "partitioned-insecure"
    SESSION = "session-cookie"
    CAPPED = "lifetime-capped"
    HARDENED = "hardened"
    HOOK = "hook"  # the site's on_decision made it stricter (cookiewarden.hooks)


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the decision needs to know about the request that the response answers.

    :param host: the canonical request host (:func:`~cookiewarden.domains.request_host`).
    :param secure: whether the request came over https.
    :param path: the request path (informational; a cookie without Path gets the default-path).
    """

    host: str
    secure: bool
    path: str = "/"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one Set-Cookie header.

    ``header`` is what leaves (``None`` when dropped); ``name`` the name the cookie presents to
    servers (``None`` when unparseable or nameless without ``=``); ``category`` the category it
    was judged under (``None`` when undeclared or unparseable).
    """

    action: Action
    reason: Reason
    name: str | None
    category: str | None
    original: str
    header: str | None
    cookie: SetCookie | None = None
    rule: CookieRule | None = None

    @property
    def kept(self) -> bool:
        """Whether a header leaves (kept as it was or rewritten)."""
        return self.action is not Action.DROP


_new_decision = object.__new__
# The slot descriptors' own setters: they store a field without the frozen __setattr__.
_SETTERS: dict[str, Any] = {field: getattr(Decision, field).__set__ for field in Decision.__slots__}
_set_action, _set_reason = _SETTERS["action"], _SETTERS["reason"]
_set_name, _set_category = _SETTERS["name"], _SETTERS["category"]
_set_original, _set_header = _SETTERS["original"], _SETTERS["header"]
_set_cookie, _set_rule = _SETTERS["cookie"], _SETTERS["rule"]


def _decision(
    action: Action,
    reason: Reason,
    name: str | None,
    category: str | None,
    original: str,
    header: str | None,
    cookie: SetCookie | None = None,
    rule: CookieRule | None = None,
) -> Decision:
    """``Decision(...)``, the same value, made faster (a decision is made for every header)."""
    decision: Decision = _new_decision(Decision)
    _set_action(decision, action)
    _set_reason(decision, reason)
    _set_name(decision, name)
    _set_category(decision, category)
    _set_original(decision, original)
    _set_header(decision, header)
    _set_cookie(decision, cookie)
    _set_rule(decision, rule)
    return decision


def effective_name(cookie: SetCookie) -> str | None:
    """The name a cookie presents to servers.

    A nameless cookie is sent as its bare value, so a server reading ``a=b`` from it sees a
    cookie ``a``; a nameless value without ``=`` names nothing (``None``).
    """
    if cookie.name:
        return cookie.name
    if "=" in cookie.value:
        return cookie.value.split("=", 1)[0].strip(" \t")
    return None


_PREFIX_SECURE = "__secure-"
_PREFIX_HOST = "__host-"
_PREFIX_HTTP = ("__http-", "__host-http-")


def decide(
    header: str, *, policy: Policy, consent: Consent, facts: RequestFacts, now: float
) -> Decision:
    """Judge one Set-Cookie header value for this visitor and request.

    :param header: the raw header value the app sent.
    :param now: the current time, Unix seconds (lifetimes and deletions depend on it).
    :returns: the :class:`Decision`; never raises.
    """
    judged = judge(header, policy=policy, consent=consent, facts=facts)
    if isinstance(judged, Pending):
        return judged.finish(now)
    return judged


class Pending:
    """What is left of a decision once everything but the clock has been judged.

    Two rules read the clock: rule 2 for a cookie that a past ``Expires`` alone (no
    ``Max-Age``) makes a deletion, and rule 7 where an ``Expires`` is cut to the declared
    lifetime. :func:`judge` decides everything else; :meth:`finish` applies those two rules to
    the time it is given, afresh on every call. So a ``Pending`` may be kept and reused at any
    time, while no decision that depends on the clock is ever reused.
    """

    __slots__ = (
        "_capped",
        "_category",
        "_changed",
        "_cookie",
        "_cut_max_age",
        "_expires_at",
        "_header",
        "_judged",
        "_kept",
        "_limit",
        "_max_age",
        "_name",
        "_outcome",
        "_rule",
        "_template",
    )

    def __init__(
        self,
        header: str,
        name: str | None,
        cookie: SetCookie,
        *,
        outcome: Decision | None = None,
        judged: SetCookie | None = None,
        limit: int = 0,
        changed: Reason | None = None,
        category: str | None = None,
        rule: CookieRule | None = None,
    ) -> None:
        self._header = header
        self._name = name
        self._cookie = cookie  # as parsed: what a deletion leaves as
        self._outcome = outcome  # rules 3-7, when they do not depend on the clock
        self._judged = judged if judged is not None else cookie  # after rules 5 and 7, uncapped
        self._limit = limit
        self._changed = changed
        self._category = category
        self._rule = rule
        # Rule 7, as far as it can be worked out once: the capped Max-Age, and when Expires is.
        judged = self._judged
        max_age = judged.max_age
        self._max_age = limit if max_age is not None and max_age > limit else max_age
        self._expires_at = judged.expires.timestamp() if judged.expires is not None else 0.0
        # Made on first use, as every use makes them the same (see finish).
        self._kept: Decision | None = None
        self._cut_max_age: Decision | None = None
        self._template: tuple[str, str] | None = None
        # The last Expires cut, by the whole second it was cut at (see finish).
        self._capped: tuple[int, Decision] | None = None

    def _revalue(self, header: str, value: str) -> Pending:
        """This judgement for ``header``, a header with another value (see :func:`revalue`)."""
        other: Pending = Pending.__new__(Pending)
        other._header = header
        other._name = self._name
        other._cookie = with_value(self._cookie, value)
        outcome = self._outcome
        other._outcome = None if outcome is None else revalue(outcome, header, value)
        judged = self._judged
        other._judged = other._cookie if judged is self._cookie else with_value(judged, value)
        other._limit = self._limit
        other._changed = self._changed
        other._category = self._category
        other._rule = self._rule
        other._max_age = self._max_age
        other._expires_at = self._expires_at
        # What finish makes on first use renders the value: made afresh for this one.
        other._kept = other._cut_max_age = None
        other._template = None
        other._capped = None
        return other

    def finish(self, now: float) -> Decision:
        """The decision at ``now`` (Unix seconds)."""
        cookie = self._cookie
        # Rule 2: a deletion always passes (rendered from its parsed form).
        if cookie.is_deletion(now):
            return _decision(
                Action.KEEP, Reason.DELETION, self._name, None, self._header, cookie.to_header(),
                cookie,
            )  # fmt: skip
        if self._outcome is not None:
            return self._outcome
        # Rule 7: Max-Age and Expires cut to the limit, Expires counted from ``now`` (what
        # _cap does, with the parts that do not depend on the clock worked out beforehand).
        judged = self._judged
        limit = self._limit
        if self._expires_at > now + limit:
            # The cut reads the clock to the whole second only: within one second every use
            # makes the same decision, so the last one is kept for the second it was made in.
            second = int(now)
            last = self._capped
            if last is not None and last[0] == second:
                return last[1]
            expires = datetime.fromtimestamp(second + limit, UTC)
            capped = with_lifetime(judged, self._max_age, expires)
            template = self._template
            if template is None:
                template = self._template = expires_template(capped)
            decision = _decision(
                Action.REWRITE, Reason.CAPPED, self._name, self._category, self._header,
                template[0] + format_cookie_date_cached(expires) + template[1], capped, self._rule,
            )  # fmt: skip
            self._capped = (second, decision)
            return decision
        # Expires within the limit: the decision rests on the clock, yet reads the same every
        # time it is reached.
        if self._max_age != judged.max_age:
            cut = self._cut_max_age
            if cut is None:
                cut = self._cut_max_age = _settled(
                    self._header, self._name, self._category,
                    with_lifetime(judged, self._max_age, judged.expires), self._rule,
                    Reason.CAPPED,
                )  # fmt: skip
            return cut
        kept = self._kept
        if kept is None:
            kept = self._kept = _settled(
                self._header, self._name, self._category, judged, self._rule, self._changed
            )
        return kept


def judge(
    header: str, *, policy: Policy, consent: Consent, facts: RequestFacts
) -> Decision | Pending:
    """Everything :func:`decide` concludes without reading the clock.

    The result is a function of ``header``, ``policy``, the categories ``consent`` grants,
    ``facts.host`` and ``facts.secure``, nothing else: the engine caches it under exactly these
    (a rule that comes to read anything more must join those keys: ``tests/test_cache.py``
    checks that nothing else counts). It is the :class:`Decision` itself when the clock plays
    no part, else a :class:`Pending` to :meth:`~Pending.finish` with the time of each use.
    Never raises on any header text.
    """
    # Rule 1: parse as a browser does.
    cookie = parse_set_cookie(header)
    if cookie is None:
        return _decision(Action.DROP, Reason.UNPARSEABLE, None, None, header, None)
    name = effective_name(cookie)

    # Rule 2: a deletion always passes (rendered from its parsed form). Max-Age tells at once;
    # Expires alone is a deletion only once it is past, so that waits for the clock.
    if cookie.max_age is not None and cookie.max_age <= 0:
        return _decision(
            Action.KEEP, Reason.DELETION, name, None, header, cookie.to_header(), cookie
        )
    by_clock = cookie.max_age is None and cookie.expires is not None

    def done(decision: Decision) -> Decision | Pending:
        return Pending(header, name, cookie, outcome=decision) if by_clock else decision

    # Rule 3: the declaration, or ``unknown``.
    rule = policy.lookup(name) if name is not None else None
    if rule is not None:
        category: str | None = rule.category
    elif policy.unknown == "block":
        return done(_decision(Action.DROP, Reason.UNDECLARED, name, None, header, None, cookie))
    elif policy.unknown == "allow":
        category = None
    else:
        category = policy.unknown

    # Rule 4: refused category.
    if category is not None and not consent.allows(category):
        return done(
            _decision(Action.DROP, Reason.REFUSED, name, category, header, None, cookie, rule)
        )

    judged = cookie  # the cookie as it would leave: rule 5 may make it host-only

    def drop(reason: Reason) -> Decision | Pending:
        return done(_decision(Action.DROP, reason, name, category, header, None, judged, rule))

    # Rule 5: Domain, as the browser's storage model would judge it (RFC 6265bis §5.7 step 9).
    changed: Reason | None = None
    if cookie.domain is not None:
        domain = cookie.domain
        if is_ip(facts.host) and domain != facts.host:
            # An IP host only ever gets host-only cookies; Domain must be the address itself.
            return drop(Reason.IP_HOST_DOMAIN)
        # "If the domain-attribute is a public suffix: if it is identical to the canonicalized
        # request-host, set the domain-attribute to the empty string; otherwise ignore the
        # cookie entirely." Chromium applies it through registrable domains, as does this.
        outcome = classify_cookie_domain(facts.host, domain)
        if outcome == "public-suffix":
            return drop(Reason.PUBLIC_SUFFIX)
        if outcome == "domain-mismatch":
            return drop(Reason.FOREIGN_DOMAIN)
        if outcome == "host-only":
            judged = host_only(cookie)
            changed = Reason.HOST_ONLY
        elif policy.root_domain is not None and not within(domain, policy.root_domain):
            return drop(Reason.BEYOND_ROOT)

    # Rule 6: prefixes (matched case-insensitively, RFC 6265bis §4.1.3) and Secure-only features.
    # A __Host- cookie may carry no Domain: one that rule 5 made host-only is still refused
    # (``__Host-a=1; Secure; Path=/; Domain=localhost``), as in Chromium, which lets only an IP
    # host name itself (``Domain=127.0.0.1`` from 127.0.0.1, never a Domain for a browser).
    lowered = (judged.name or judged.value)[:12].lower()
    if lowered.startswith(_PREFIX_HOST) and (
        not judged.secure
        or (cookie.domain is not None and not is_ip(facts.host))
        or judged.path != "/"
        or not judged.name
    ):
        return drop(Reason.HOST_PREFIX)
    if lowered.startswith(_PREFIX_SECURE) and (not judged.secure or not judged.name):
        return drop(Reason.SECURE_PREFIX)
    # __Http- and __Host-Http- (RFC 6265bis draft 20, enforced by Chromium): Secure and
    # HttpOnly, so only the server ever sets them.
    if lowered.startswith(_PREFIX_HTTP) and (
        not judged.secure or not judged.http_only or not judged.name
    ):
        return drop(Reason.HTTP_PREFIX)
    if judged.same_site == "none" and not judged.secure:
        return drop(Reason.SAMESITE_NONE_INSECURE)
    if judged.partitioned and not judged.secure:
        return drop(Reason.PARTITIONED_INSECURE)

    # Rule 8 (applied here, as it is independent of the lifetime that rule 7 may still cut
    # with the clock): hardening only ever tightens attributes.
    if (
        policy.secure is not None
        or policy.same_site_min is not None
        or (rule is not None and rule.http_only)
    ):
        hardened = harden(judged, policy=policy, rule=rule, secure_request=facts.secure)
        if hardened is not judged:
            judged = hardened
            changed = changed or Reason.HARDENED

    # Rule 7: lifetime.
    if rule is not None and rule.lifetime is None:
        if judged.max_age is not None or judged.expires is not None:
            judged = without_lifetime(judged)
            changed = Reason.SESSION
    else:
        if rule is not None:
            limit = policy.effective_lifetime(rule)
        elif category is not None and policy.is_necessary(category):
            limit = None
        else:
            limit = policy.max_age
        if limit is not None:
            if judged.expires is not None:
                # Whether and where Expires is cut depends on the clock: finished per use.
                return Pending(
                    header, name, cookie, judged=judged, limit=limit, changed=changed,
                    category=category, rule=rule,
                )  # fmt: skip
            capped = _cap(judged, limit, 0.0)  # without Expires, ``now`` is never read
            if capped is not judged:
                judged = capped
                changed = Reason.CAPPED

    return done(_settled(header, name, category, judged, rule, changed))


def value_free(header: str) -> tuple[str, str, str] | None:
    """``(name, attributes, value)`` of a header whose judgement does not depend on its value.

    For a named cookie the rules read the value only to parse it (control characters, HTAB
    inside it, the 4096-octet limit, all checked here) and to render it. So every such header
    with the same name and attributes (and the same host and granted categories) is judged
    alike, and :func:`revalue` turns the judgement of one into the judgement of another:
    session ids and analytics ids differ on every response, their attributes rarely do.
    ``None`` for a header whose value may matter (a nameless cookie) or that does not parse as
    a named cookie.
    """
    return split_named(header)


@overload
def revalue(judged: Decision, header: str, value: str) -> Decision: ...
@overload
def revalue(judged: Pending, header: str, value: str) -> Pending: ...
def revalue(judged: Decision | Pending, header: str, value: str) -> Decision | Pending:
    """What :func:`judge` concludes for ``header``, from its judgement ``judged`` of another
    header with the same :func:`value_free` name and attributes; ``value`` is ``header``'s.

    Exactly :func:`judge`'s answer: the same rules reach the same outcome, and what leaves is
    rendered with the new value in place of the old. A :class:`Pending` stays pending: the
    clock is read when it is finished, as ever.
    """
    if isinstance(judged, Pending):
        return judged._revalue(header, value)
    cookie = judged.cookie
    assert cookie is not None and cookie.name, "only the judgement of a named, parsed cookie"
    leaving = judged.header
    if leaving is not None:
        # SetCookie.to_header renders "name=value" first, then the attributes.
        leaving = f"{cookie.name}={value}{leaving[len(cookie.name) + 1 + len(cookie.value) :]}"
    return _decision(
        judged.action, judged.reason, judged.name, judged.category, header, leaving,
        with_value(cookie, value), judged.rule,
    )  # fmt: skip


def _settled(
    header: str,
    name: str | None,
    category: str | None,
    cookie: SetCookie,
    rule: CookieRule | None,
    changed: Reason | None,
) -> Decision:
    """The decision for a cookie that leaves: kept as judged, or rewritten for ``changed``."""
    if changed is None:
        return _decision(
            Action.KEEP, Reason.ALLOWED, name, category, header, cookie.to_header(), cookie, rule
        )
    return _decision(
        Action.REWRITE, changed, name, category, header, cookie.to_header(), cookie, rule
    )


def _cap(cookie: SetCookie, limit: int, now: float) -> SetCookie:
    """Cut Max-Age and Expires to ``limit`` seconds from ``now``; the same object if within.

    ``now`` is read only when ``cookie`` has an ``Expires``.
    """
    max_age = cookie.max_age
    expires = cookie.expires
    changed = False
    if max_age is not None and max_age > limit:
        max_age = limit
        changed = True
    if expires is not None and expires.timestamp() > now + limit:
        expires = datetime.fromtimestamp(int(now) + limit, UTC)
        changed = True
    if not changed:
        return cookie
    return with_lifetime(cookie, max_age, expires)
