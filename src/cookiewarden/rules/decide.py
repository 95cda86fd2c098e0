"""The per-cookie decision: keep, rewrite or drop one Set-Cookie header, and why.

Contract: :func:`decide` is a pure function of the header, the policy, the visitor's consent,
the request facts and the clock. It never raises on any header text. What leaves (``header``) is
always rendered from the parsed cookie, so the browser stores exactly what was judged. The
values it returns (:class:`~cookiewarden.rules.decision.Decision` and its parts) are in
:mod:`cookiewarden.rules.decision`.

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
   :mod:`cookiewarden.rules.hardening`): attributes only ever tightened → rewritten, reason
   ``hardened`` unless rule 5 or 7 rewrote the cookie too (their reason is kept). Applied to
   every cookie that leaves, after rule 6 so it never rescues a cookie a browser would reject.

``report_only`` is not decided here: the engine sends the original header and logs the decision.

For speed, the decision comes in two steps that the engine caches separately: :func:`judge`
applies every rule that does not read the clock, and a :class:`~cookiewarden.rules.reuse.Pending`
the two that do, afresh each time it is finished (:mod:`cookiewarden.rules.reuse`, which also
carries a judgement over to another value). :func:`decide` is ``judge`` then ``finish``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .consent import Consent
from .decision import (
    Action,
    Decision,
    Reason,
    RequestFacts,
    effective_name,
    fast_decision,
    settled_decision,
)
from .domains import classify_cookie_domain, is_ip, within
from .hardening import harden
from .policy import Policy
from .reuse import Pending
from .setcookie import SetCookie
from .setcookie_edits import host_only, with_lifetime, without_lifetime
from .setcookie_parse import parse_set_cookie

__all__ = ["decide", "judge"]


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
        return fast_decision(Action.DROP, Reason.UNPARSEABLE, None, None, header, None)
    name = effective_name(cookie)

    # Rule 2: a deletion always passes (rendered from its parsed form). Max-Age tells at once;
    # Expires alone is a deletion only once it is past, so that waits for the clock.
    if cookie.max_age is not None and cookie.max_age <= 0:
        return fast_decision(
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
        return done(fast_decision(Action.DROP, Reason.UNDECLARED, name, None, header, None, cookie))
    elif policy.unknown == "allow":
        category = None
    else:
        category = policy.unknown

    # Rule 4: refused category.
    if category is not None and not consent.allows(category):
        return done(
            fast_decision(Action.DROP, Reason.REFUSED, name, category, header, None, cookie, rule)
        )

    judged = cookie  # the cookie as it would leave: rule 5 may make it host-only

    def drop(reason: Reason) -> Decision | Pending:
        return done(fast_decision(Action.DROP, reason, name, category, header, None, judged, rule))

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

    return done(settled_decision(header, name, category, judged, rule, changed))


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
