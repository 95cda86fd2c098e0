"""Attribute hardening: the policy's ``secure``, ``same_site_min`` and per-cookie ``http_only``.

Contract: :func:`harden` is a pure function of a cookie that is about to leave, the policy, its
declaration and whether the request came over https. :mod:`cookiewarden.rules.decide` applies it
to every cookie that leaves (never to a deletion, never to a dropped cookie) and rewrites the
header with the reason ``hardened`` when it changed anything.

Rules:
1. Only ever tighten: ``Secure`` and ``HttpOnly`` are added, never removed; ``SameSite`` is
   raised (``None`` < unset < ``Lax`` < ``Strict``), never lowered. A cookie already as strict
   as the policy asks is returned as it is (the same object).
2. ``secure = "always"`` adds ``Secure`` to every cookie; ``"same-as-request"`` only to those
   answering an https request. Browsers refuse a ``Secure`` cookie set from a plain-http page
   (localhost aside in Chromium), so ``"always"`` on an http development server means those
   cookies are not stored at all.
3. ``same_site_min = "lax"`` turns a missing or ``None`` SameSite into ``Lax``;
   ``"strict"`` turns missing, ``None`` and ``Lax`` into ``Strict``.
4. ``http_only = true`` on a declared cookie adds ``HttpOnly`` to it (undeclared cookies have no
   declaration to ask for it).
"""

from __future__ import annotations

from typing import Final

from .policy import Policy
from .policy_entries import CookieRule
from .setcookie import SameSite, SetCookie

__all__ = ["SAME_SITE_RANK", "harden", "same_site_rank"]

SAME_SITE_RANK: Final[dict[SameSite | None, int]] = {"none": 0, None: 1, "lax": 2, "strict": 3}
"""How strict each ``SameSite`` is: ``None`` (cross-site allowed) below unset ("Default"), below
``Lax``, below ``Strict``. Chromium treats unset as Lax-by-default, other browsers as None, so
unset ranks between the two."""


def same_site_rank(value: SameSite | None) -> int:
    """:data:`SAME_SITE_RANK` of ``value``."""
    return SAME_SITE_RANK[value]


def harden(
    cookie: SetCookie, *, policy: Policy, rule: CookieRule | None, secure_request: bool
) -> SetCookie:
    """``cookie`` with the policy's hardening applied; the same object when nothing changes.

    :param cookie: the cookie as it is about to leave.
    :param policy: the policy (``secure``, ``same_site_min``).
    :param rule: the cookie's declaration (``http_only``), ``None`` when undeclared.
    :param secure_request: whether the request came over https.

    >>> from cookiewarden.rules.policy import Policy
    >>> strict = Policy.from_dict({"version": "1", "secure": "always", "same_site_min": "lax",
    ...                            "categories": {"necessary": {"necessary": True}}})
    >>> harden(SetCookie("a", "1"), policy=strict, rule=None, secure_request=False).to_header()
    'a=1; Secure; SameSite=Lax'
    """
    rule_secure = policy.secure
    secure = cookie.secure or rule_secure == "always"
    if rule_secure == "same-as-request" and secure_request:
        secure = True
    http_only = cookie.http_only or (rule is not None and rule.http_only)
    same_site = cookie.same_site
    minimum = policy.same_site_min
    if minimum is not None and SAME_SITE_RANK[same_site] < SAME_SITE_RANK[minimum]:
        same_site = minimum
    if secure == cookie.secure and http_only == cookie.http_only and same_site == cookie.same_site:
        return cookie
    return cookie.with_changes(secure=secure, http_only=http_only, same_site=same_site)
