"""The site's own code in the loop: ``consent_required`` and ``on_decision``.

Contract: the middleware calls two optional callables with plain values and never lets them
break a request. :class:`RequestInfo` is what they see of the request; :func:`is_required`
asks ``consent_required`` whether this request needs opt-in consent; :func:`apply_hook` offers
one :class:`~cookiewarden.rules.decision.Decision` to ``on_decision`` and returns the decision that
stands.

Rules:
1. Never looser than the policy. ``on_decision`` may answer ``None`` (the policy's decision
   stands), ``"drop"`` (or ``Action.DROP``) to drop a cookie the policy keeps, or a
   :class:`~cookiewarden.rules.setcookie.SetCookie` to rewrite it stricter: the same name, value,
   Domain, Path, ``Partitioned`` and extensions, with ``Secure``/``HttpOnly`` only added,
   ``SameSite`` only raised and a life only shortened (a session cookie stays one). Anything
   else — keeping a dropped cookie, lengthening a life, loosening an attribute, touching a
   deletion (deletions always pass), an answer of another type — is refused: logged at WARNING,
   counted as ``("hook", "refused", category)``, and the policy's decision stands.
2. A callable that raises is logged at ERROR with its traceback and ignored: ``on_decision``'s
   decision stands as the policy made it (counted ``("hook", "error", category)``), and
   ``consent_required`` counts as "required" (fail closed: opt-in). Nothing raises into the app.
3. ``consent_required`` must answer a ``bool``; anything else is logged at WARNING and counts as
   ``True``.
4. A decision changed by the hook has the reason ``hook`` (``Action.DROP`` or
   ``Action.REWRITE``), and is logged and counted like every other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias

from ..rules.decision import Action, Decision, Reason, RequestFacts
from ..rules.hardening import SAME_SITE_RANK
from ..rules.setcookie import SetCookie

__all__ = [
    "ConsentRequired",
    "DecisionEvent",
    "DecisionHook",
    "HookOutcome",
    "HookResult",
    "RequestInfo",
    "apply_hook",
    "is_required",
    "loosening",
]

logger = logging.getLogger("cookiewarden")


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What ``consent_required`` and ``on_decision`` see of a request.

    :param host: the canonical request host (``X-Forwarded-Host`` believed only with
        ``trusted_proxies``).
    :param path: the request path.
    :param secure: whether the request came over https.
    :param headers: the request headers, a read-only mapping with lower-case names (repeated
        headers joined with ``", "``, ``Cookie`` with ``"; "``).
    """

    host: str
    path: str
    secure: bool
    headers: Mapping[str, str]

    @classmethod
    def build(cls, facts: RequestFacts, headers: Iterable[tuple[str, str]]) -> RequestInfo:
        """A :class:`RequestInfo` from the request facts and the header pairs, in order."""
        joined: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            if key in joined:
                sep = "; " if key == "cookie" else ", "
                joined[key] = f"{joined[key]}{sep}{value}"
            else:
                joined[key] = value
        return cls(facts.host, facts.path, facts.secure, MappingProxyType(joined))


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    """One decision, as ``on_decision`` receives it.

    :param decision: what the policy decided for one ``Set-Cookie`` header.
    :param request: the request the response answers.
    """

    decision: Decision
    request: RequestInfo

    @property
    def cookie(self) -> SetCookie | None:
        """The cookie as it would leave (as parsed when dropped); ``None`` when unparseable."""
        return self.decision.cookie

    @property
    def name(self) -> str | None:
        """The name the cookie presents to servers."""
        return self.decision.name

    @property
    def category(self) -> str | None:
        """The category it was judged under (``None``: undeclared or unparseable)."""
        return self.decision.category

    @property
    def action(self) -> Action:
        """``keep``, ``rewrite`` or ``drop``."""
        return self.decision.action

    @property
    def reason(self) -> Reason:
        """Why, one stable word (``allowed``, ``refused-category``, ``lifetime-capped``...)."""
        return self.decision.reason


HookResult: TypeAlias = SetCookie | Action | Literal["drop", "keep"] | None
DecisionHook: TypeAlias = Callable[[DecisionEvent], HookResult]
ConsentRequired: TypeAlias = Callable[[RequestInfo], bool]
HookOutcome: TypeAlias = Literal["dropped", "rewritten", "refused", "error"] | None
"""What the hook did: ``None`` (nothing), or changed, refused or failed."""


def is_required(consent_required: ConsentRequired, request: RequestInfo) -> bool:
    """Ask ``consent_required`` whether ``request`` needs opt-in consent. Never raises (rules
    2 and 3: an error or a non-bool answer counts as ``True``)."""
    try:
        answer = consent_required(request)
    except Exception:
        logger.exception("cookiewarden: consent_required raised; consent is required")
        return True
    if not isinstance(answer, bool):
        logger.warning(
            "cookiewarden: consent_required returned %s, not a bool; consent is required",
            type(answer).__name__,
        )
        return True
    return answer


def _expiry(cookie: SetCookie, now: float) -> float | None:
    """When the browser forgets ``cookie`` (Max-Age wins over Expires); ``None``: session."""
    if cookie.max_age is not None:
        return now + cookie.max_age
    if cookie.expires is not None:
        return cookie.expires.timestamp()
    return None


def loosening(current: SetCookie, proposed: SetCookie, *, now: float) -> str | None:
    """Why ``proposed`` is not a tightening of ``current`` (``None`` when it is one).

    >>> loosening(SetCookie("a", "1", max_age=60), SetCookie("a", "1", max_age=3600), now=0)
    'lengthens its life'
    >>> loosening(SetCookie("a", "1"), SetCookie("a", "1", secure=True), now=0) is None
    True
    """
    for field in ("name", "value", "domain", "path", "partitioned", "extensions"):
        if getattr(proposed, field) != getattr(current, field):
            return f"changes its {field.replace('_', ' ')}"
    if current.secure and not proposed.secure:
        return "removes Secure"
    if current.http_only and not proposed.http_only:
        return "removes HttpOnly"
    if SAME_SITE_RANK[proposed.same_site] < SAME_SITE_RANK[current.same_site]:
        return "lowers SameSite"
    before, after = _expiry(current, now), _expiry(proposed, now)
    if after is not None and (before is None or after > before):
        return "lengthens its life"
    return None


def _refuse(decision: Decision, why: str) -> tuple[Decision, HookOutcome]:
    logger.warning(
        "cookiewarden: on_decision refused for Set-Cookie %r (category %s): it %s;"
        " the policy's decision (%s, %s) stands",
        decision.name,
        decision.category or "undeclared",
        why,
        decision.action.value,
        decision.reason.value,
    )
    return decision, "refused"


def apply_hook(
    hook: DecisionHook, decision: Decision, request: RequestInfo, *, now: float
) -> tuple[Decision, HookOutcome]:
    """Offer ``decision`` to ``hook``; return the decision that stands and what the hook did.

    Never raises; see the module's rules.
    """
    try:
        result = hook(DecisionEvent(decision, request))
    except Exception:
        logger.exception(
            "cookiewarden: on_decision raised for Set-Cookie %r; the policy's decision stands",
            decision.name,
        )
        return decision, "error"
    if result is None:
        return decision, None
    dropped = decision.action is Action.DROP
    deletion = decision.reason is Reason.DELETION
    if result is Action.DROP or (isinstance(result, str) and result == "drop"):
        if dropped:
            return decision, None
        if deletion:
            return _refuse(decision, "would drop a deletion (deletions always pass)")
        changed = Decision(
            Action.DROP,
            Reason.HOOK,
            decision.name,
            decision.category,
            decision.original,
            None,
            decision.cookie,
            decision.rule,
        )
        return changed, "dropped"
    if result is Action.KEEP or (isinstance(result, str) and result == "keep"):
        if dropped:
            return _refuse(decision, "would keep a cookie the policy dropped")
        return decision, None
    if not isinstance(result, SetCookie):
        return _refuse(
            decision, f"answered {type(result).__name__}; expected None, 'drop' or a SetCookie"
        )
    if dropped:
        return _refuse(decision, "would set a cookie the policy dropped")
    if deletion:
        return _refuse(decision, "would rewrite a deletion (deletions always pass)")
    current = decision.cookie
    assert current is not None  # every header that leaves was parsed
    why = loosening(current, result, now=now)
    if why is not None:
        return _refuse(decision, why)
    if result == current:
        return decision, None
    changed = Decision(
        Action.REWRITE,
        Reason.HOOK,
        decision.name,
        decision.category,
        decision.original,
        result.to_header(),
        result,
        decision.rule,
    )
    return changed, "rewritten"
