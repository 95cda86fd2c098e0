"""Decisions in words, and a side-effect-free preview of the middleware's clear-refused deletions.

Contract: :func:`describe` turns one :class:`~cookiewarden.rules.decision.Decision` into the
sentence that ``cookiewarden audit`` and the demo page show beside it; :func:`refused_deletions`
lists the deletion headers the middleware would append for cookies of refused categories, for pages
that show them (the demo) without going through the engine.

Rules:
1. Pure: functions of their arguments and the clock passed in as ``now``. No I/O, no logging, no
   framework, nothing counted.
2. Every :class:`~cookiewarden.rules.decision.Reason` has its own sentence, and the sentence names
   what the visitor or the developer can check (the domain, the host, the category, the lifetimes).
3. :func:`refused_deletions` is the engine's own pure rule
   (:func:`cookiewarden.engine.reading.refused_deletions`), reshaped for the demo's table.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..engine.reading import refused_deletions as engine_refused_deletions
from ..rules.consent import Consent
from ..rules.decision import Decision, Reason, RequestFacts
from ..rules.policy import Policy
from ..rules.setcookie import SetCookie
from ..rules.setcookie_parse import parse_set_cookie
from ..web.declaration.strings import human_duration

__all__ = ["category_label", "describe", "refused_deletions", "requested_lifetime"]


def requested_lifetime(cookie: SetCookie, now: float) -> int | None:
    """How long ``cookie`` asks to live, in seconds (Max-Age wins); ``None``: a session cookie.

    An ``Expires`` already past counts as 0, never negative.

    >>> requested_lifetime(SetCookie("a", "1", max_age=60), now=0.0)
    60
    """
    if cookie.max_age is not None:
        return cookie.max_age
    if cookie.expires is not None:
        return max(0, round(cookie.expires.timestamp() - now))
    return None


def category_label(policy: Policy, category: str | None) -> str:
    """The human label of ``category``: ``"undeclared"`` for ``None``, the key if unknown."""
    if category is None:
        return "undeclared"
    try:
        return policy.category(category).label
    except KeyError:
        return category


def describe(decision: Decision, policy: Policy, *, facts: RequestFacts, now: float) -> str:
    """One sentence saying why cookiewarden kept, rewrote or dropped a Set-Cookie header.

    :param decision: what :func:`~cookiewarden.rules.decide.decide` returned for the header.
    :param policy: the policy it was decided under (for labels, ``root_domain`` and lifetimes).
    :param facts: the request it was decided for (the host is named in domain sentences).
    :param now: the clock the decision used, to turn ``Expires`` into a lifetime.
    """
    reason = decision.reason
    original = parse_set_cookie(decision.original)
    domain = original.domain if original is not None else None
    if reason is Reason.ALLOWED:
        if decision.category is None:
            return 'Undeclared, but the policy lets unknown cookies through (unknown = "allow").'
        label = category_label(policy, decision.category)
        if decision.rule is None:
            return f"Undeclared; the policy treats unknown cookies as {label}, which is allowed."
        if policy.is_necessary(decision.category):
            return f"Declared as {label}: always allowed."
        return f"Declared as {label}, which this visitor allows."
    if reason is Reason.DELETION:
        return "A deletion: always passes, so a site can always forget a cookie."
    if reason is Reason.UNPARSEABLE:
        return "A browser would ignore this header entirely."
    if reason is Reason.UNDECLARED:
        return "Not declared in the cookie policy, and the policy blocks unknown cookies."
    if reason is Reason.REFUSED:
        label = category_label(policy, decision.category)
        if decision.rule is None:
            return f"Undeclared; the policy treats unknown cookies as {label}, which is refused."
        return f"“{label}” is not allowed by this visitor."
    if reason is Reason.PUBLIC_SUFFIX:
        return f"Domain={domain} is a public suffix: no browser would store it."
    if reason is Reason.FOREIGN_DOMAIN:
        return f"Domain={domain} does not cover the request host {facts.host}."
    if reason is Reason.BEYOND_ROOT:
        return f"Domain={domain} is wider than the policy's root_domain {policy.root_domain}."
    if reason is Reason.IP_HOST_DOMAIN:
        return (
            f"The site was reached by IP address ({facts.host}), which can only get host-only"
            f" cookies; Domain={domain} is refused."
        )
    if reason is Reason.HOST_ONLY:
        return f"Domain={domain} is a public suffix equal to the host: made host-only."
    if reason is Reason.HOST_PREFIX:
        return "A __Host- cookie needs Secure, Path=/ and no Domain."
    if reason is Reason.SECURE_PREFIX:
        return "A __Secure- cookie needs Secure."
    if reason is Reason.HTTP_PREFIX:
        return "A __Http- or __Host-Http- cookie needs Secure and HttpOnly."
    if reason is Reason.SAMESITE_NONE_INSECURE:
        return "SameSite=None needs Secure."
    if reason is Reason.PARTITIONED_INSECURE:
        return "Partitioned needs Secure."
    if reason is Reason.SESSION:
        return "Declared as a session cookie: its Max-Age/Expires were removed."
    if reason is Reason.HARDENED:
        return _hardened(original, decision)
    if reason is Reason.HOOK:
        if decision.header is None:
            return "Dropped by the site's on_decision hook."
        return "Made stricter by the site's on_decision hook."
    # Reason.CAPPED
    asked = requested_lifetime(original, now) if original is not None else None
    rule = decision.rule
    allowed = policy.effective_lifetime(rule) if rule is not None else policy.max_age
    why = (
        "the policy's max_age"
        if rule is None or (rule.lifetime is not None and allowed != rule.lifetime)
        else "its declared lifetime"
    )
    return f"Asked for {human_duration(asked)}; cut to {human_duration(allowed)} by {why}."


def _hardened(original: SetCookie | None, decision: Decision) -> str:
    """The attributes that hardening added, in words."""
    after = decision.cookie
    added: list[str] = []
    if after is not None:
        if after.secure and not (original is not None and original.secure):
            added.append("Secure")
        if after.http_only and not (original is not None and original.http_only):
            added.append("HttpOnly")
        before = original.same_site if original is not None else None
        if after.same_site is not None and after.same_site != before:
            added.append(f"SameSite={after.same_site.capitalize()}")
    what = " and ".join(added) if added else "stricter attributes"
    return f"The policy hardens cookies: {what} added."


def refused_deletions(
    policy: Policy, names: Iterable[str], consent: Consent, *, secure: bool
) -> list[tuple[str, str]]:
    """The ``(name, Set-Cookie)`` deletions the middleware's ``clear_refused`` adds for ``names``.

    The engine's own :func:`~cookiewarden.engine.reading.refused_deletions` (pure: the engine
    logs and counts around it), in the shape the demo's table wants.

    :param policy: the policy being enforced.
    :param names: the cookie names the browser sent (leave out those the response sets itself).
    :param consent: the visitor's consent.
    :param secure: whether the request came over https.
    """
    return [
        (name, header)
        for name, _, header in engine_refused_deletions(policy, names, consent, secure=secure)
    ]
