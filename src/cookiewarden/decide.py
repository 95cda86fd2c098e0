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
6. ``__Host-`` / ``__Secure-`` prefix rules, ``SameSite=None`` and ``Partitioned`` without
   ``Secure`` → dropped.
7. Lifetime: a declared session cookie loses Max-Age/Expires; Max-Age and Expires are cut to the
   declared lifetime and, for a non-necessary cookie, to ``max_age`` → rewritten.

``report_only`` is not decided here: the engine sends the original header and logs the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from .consent import Consent
from .domains import classify_cookie_domain, is_ip, within
from .policy import CookieRule, Policy
from .setcookie import SetCookie, parse_set_cookie

__all__ = ["Action", "Decision", "Reason", "RequestFacts", "decide", "effective_name"]


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
    SAMESITE_NONE_INSECURE = "samesite-none-insecure"
    PARTITIONED_INSECURE = "partitioned-insecure"
    SESSION = "session-cookie"
    CAPPED = "lifetime-capped"


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the decision needs to know about the request that the response answers.

    :param host: the canonical request host (:func:`~cookiewarden.domains.canonical_host`).
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


def decide(
    header: str, *, policy: Policy, consent: Consent, facts: RequestFacts, now: float
) -> Decision:
    """Judge one Set-Cookie header value for this visitor and request.

    :param header: the raw header value the app sent.
    :param now: the current time, Unix seconds (lifetimes and deletions depend on it).
    :returns: the :class:`Decision`; never raises.
    """
    # Rule 1: parse as a browser does.
    cookie = parse_set_cookie(header)
    if cookie is None:
        return Decision(Action.DROP, Reason.UNPARSEABLE, None, None, header, None)
    name = effective_name(cookie)

    # Rule 2: a deletion always passes (rendered from its parsed form).
    if cookie.is_deletion(now):
        return Decision(
            Action.KEEP, Reason.DELETION, name, None, header, cookie.to_header(), cookie
        )

    # Rule 3: the declaration, or ``unknown``.
    rule = policy.lookup(name) if name is not None else None
    if rule is not None:
        category: str | None = rule.category
    elif policy.unknown == "block":
        return Decision(Action.DROP, Reason.UNDECLARED, name, None, header, None, cookie)
    elif policy.unknown == "allow":
        category = None
    else:
        category = policy.unknown

    # Rule 4: refused category.
    if category is not None and not consent.allows(category):
        return Decision(Action.DROP, Reason.REFUSED, name, category, header, None, cookie, rule)

    def drop(reason: Reason) -> Decision:
        return Decision(Action.DROP, reason, name, category, header, None, cookie, rule)

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
            cookie = cookie.with_changes(domain=None)
            changed = Reason.HOST_ONLY
        elif policy.root_domain is not None and not within(domain, policy.root_domain):
            return drop(Reason.BEYOND_ROOT)

    # Rule 6: prefixes (matched case-insensitively, RFC 6265bis §4.1.3) and Secure-only features.
    lowered = (cookie.name or cookie.value)[:9].lower()
    if lowered.startswith(_PREFIX_HOST) and (
        not cookie.secure or cookie.domain is not None or cookie.path != "/" or not cookie.name
    ):
        return drop(Reason.HOST_PREFIX)
    if lowered.startswith(_PREFIX_SECURE) and (not cookie.secure or not cookie.name):
        return drop(Reason.SECURE_PREFIX)
    if cookie.same_site == "none" and not cookie.secure:
        return drop(Reason.SAMESITE_NONE_INSECURE)
    if cookie.partitioned and not cookie.secure:
        return drop(Reason.PARTITIONED_INSECURE)

    # Rule 7: lifetime.
    if rule is not None and rule.lifetime is None:
        if cookie.max_age is not None or cookie.expires is not None:
            cookie = cookie.with_changes(max_age=None, expires=None)
            changed = Reason.SESSION
    else:
        if rule is not None:
            limit = policy.effective_lifetime(rule)
        elif category is not None and policy.is_necessary(category):
            limit = None
        else:
            limit = policy.max_age
        if limit is not None:
            capped = _cap(cookie, limit, now)
            if capped is not cookie:
                cookie = capped
                changed = Reason.CAPPED

    if changed is None:
        return Decision(
            Action.KEEP, Reason.ALLOWED, name, category, header, cookie.to_header(), cookie, rule
        )
    return Decision(
        Action.REWRITE, changed, name, category, header, cookie.to_header(), cookie, rule
    )


def _cap(cookie: SetCookie, limit: int, now: float) -> SetCookie:
    """Cut Max-Age and Expires to ``limit`` seconds from ``now``; the same object if within."""
    max_age = cookie.max_age
    expires = cookie.expires
    changes: dict[str, object] = {}
    if max_age is not None and max_age > limit:
        changes["max_age"] = limit
    if expires is not None and expires.timestamp() > now + limit:
        changes["expires"] = datetime.fromtimestamp(int(now) + limit, UTC)
    if not changes:
        return cookie
    return cookie.with_changes(**changes)
