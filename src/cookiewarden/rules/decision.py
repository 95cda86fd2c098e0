"""The values of a per-cookie decision: what happens to one Set-Cookie header, why, and for whom.

Contract: :class:`Action` (keep, rewrite, drop), :class:`Reason` (one stable, greppable word per
rule outcome), :class:`RequestFacts` (what the decision knows of the request) and
:class:`Decision` (the outcome) are immutable values; :func:`effective_name` is the name a
cookie presents to servers, by which it is judged. The rules that reach a decision are in
:mod:`cookiewarden.rules.decide`.

Rules:

1. A :class:`Decision` carries what leaves (``header``, ``None`` when dropped) beside what came
   (``original``), and the parsed cookie and its declaration when there are any.
2. :func:`fast_decision` makes the same value as ``Decision(...)``, faster: a decision is made
   for every header, so this is the hot path. :func:`settled_decision` is the decision for a
   cookie that leaves, kept or rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .policy_entries import CookieRule
from .setcookie import SetCookie

__all__ = [
    "Action",
    "Decision",
    "Reason",
    "RequestFacts",
    "effective_name",
    "fast_decision",
    "settled_decision",
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

    :param host: the canonical request host (:func:`~cookiewarden.rules.domains.request_host`).
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


def fast_decision(
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


def settled_decision(
    header: str,
    name: str | None,
    category: str | None,
    cookie: SetCookie,
    rule: CookieRule | None,
    changed: Reason | None,
) -> Decision:
    """The decision for a cookie that leaves: kept as judged, or rewritten for ``changed``."""
    if changed is None:
        return fast_decision(
            Action.KEEP, Reason.ALLOWED, name, category, header, cookie.to_header(), cookie, rule
        )
    return fast_decision(
        Action.REWRITE, changed, name, category, header, cookie.to_header(), cookie, rule
    )


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
