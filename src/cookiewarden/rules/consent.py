"""The visitor's consent: the value the app sees, and how a visitor's choice becomes one.

Contract: :class:`Consent` is an immutable value; :func:`choose` turns a visitor's choice into
one; :class:`~cookiewarden.rules.consent_codec.ConsentCodec` turns one into the signed
``cw_consent`` cookie value and back. Everything here is pure: time comes in as ``now`` (Unix
seconds), nothing reads a request.

Rules:

1. ``granted`` always holds the policy's necessary categories, whatever the cookie says.
2. GPC (``Sec-GPC: 1``) refuses ``policy.gpc_refuses`` for a visitor who has not chosen; "Accept
   all" under GPC grants everything but those; only switching such a category on explicitly
   overrides GPC (:func:`choose`).
3. A choice names only categories the policy declares (:class:`UnknownCategoryError`), a method
   of :data:`METHODS` and an id of :data:`CONSENT_ID` (a programming error otherwise).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ..errors import CookieWardenError

if TYPE_CHECKING:
    from .policy import Policy

__all__ = [
    "CLOCK_SKEW",
    "CONSENT_ID",
    "METHODS",
    "Consent",
    "UnknownCategoryError",
    "choose",
]

CLOCK_SKEW = 300
"""Seconds a cookie's ``issued_at`` may lie in the future (clocks of several servers differ)."""

METHODS = frozenset({"banner", "api", "gpc", "withdraw"})
"""How a choice was given: the banner, the API, "Accept all" under GPC, a withdrawal."""

CONSENT_ID: Final = re.compile(r"[A-Za-z0-9_-]{8,64}")
"""What a consent id is, in full (``fullmatch``): the ids :func:`choose` makes are 16 long."""


class UnknownCategoryError(CookieWardenError):
    """A choice names category keys the policy does not declare.

    :param keys: the unknown keys, available sorted as :attr:`keys`.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys: tuple[str, ...] = tuple(sorted(keys))
        super().__init__("unknown category keys: " + ", ".join(map(repr, self.keys)))


@dataclass(frozen=True, slots=True)
class Consent:
    """One visitor's consent, as the app sees it (``request.state.consent``).

    :param granted: granted category keys; the policy's necessary ones always included.
    :param decided: whether the visitor has chosen; an undecided visitor is granted only the
        necessary categories.
    :param policy_version: the policy version the choice was made under.
    :param consent_id: the random id of the choice (``None`` until the visitor chooses).
    :param issued_at: when the choice was made, Unix seconds (``None`` until then).
    :param gpc: whether *this request* carried ``Sec-GPC: 1``.
    :param method: how the choice was given, one of :data:`METHODS` (``None`` if unknown).

    Build one with :meth:`undecided`, :func:`choose` or
    :meth:`~cookiewarden.rules.consent_codec.ConsentCodec.loads`, which keep rule 1.
    ``granted`` is stored as a ``frozenset`` whatever iterable is passed.

    >>> from cookiewarden.rules.policy import Policy
    >>> Consent.undecided(Policy.default()).allows("necessary")
    True
    """

    granted: frozenset[str]
    decided: bool
    policy_version: str
    consent_id: str | None = None
    issued_at: int | None = None
    gpc: bool = False
    method: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.granted, frozenset):
            object.__setattr__(self, "granted", frozenset(self.granted))
        if self.method is not None and self.method not in METHODS:
            raise ValueError(f"method must be one of {sorted(METHODS)} or None: {self.method!r}")

    def allows(self, category: str) -> bool:
        """Tell whether cookies of ``category`` may be set and seen."""
        return category in self.granted

    @classmethod
    def undecided(cls, policy: Policy, *, gpc: bool = False, required: bool = True) -> Consent:
        """Return the consent of a visitor who has not chosen.

        Where consent is required (opt-in) that is the necessary categories only. Where it is
        not (opt-out: the policy's ``mode = "opt-out"``, or the middleware's
        ``consent_required`` said so for this request) it is every category except, while the
        request carries GPC, ``policy.gpc_refuses``.

        :param gpc: whether the request carried ``Sec-GPC: 1`` (shown to the banner, and
            remembered by :func:`choose` when the visitor then clicks "Accept all").
        :param required: whether this request needs opt-in consent.

        >>> from cookiewarden.rules.policy import Policy
        >>> sorted(Consent.undecided(Policy.default(), gpc=True, required=False).granted)
        ['functionality', 'necessary', 'performance']
        """
        if required:
            return cls(frozenset(policy.necessary_keys), False, policy.version, gpc=gpc)
        refused = policy.gpc_refuses if gpc else frozenset()
        return cls(policy.category_keys - refused, False, policy.version, gpc=gpc)


def _new_consent_id() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 random bits


def choose(
    policy: Policy,
    granted_keys: Iterable[str],
    *,
    gpc: bool,
    accept_all: bool,
    method: str,
    now: float,
    consent_id: str | None = None,
) -> Consent:
    """Turn a visitor's choice into a decided :class:`Consent`.

    The CONTRACT's GPC rule: with ``accept_all`` every category is granted except, while GPC is
    on, ``policy.gpc_refuses``; the keys in ``granted_keys`` are granted in any case (switching a
    category on explicitly overrides GPC). Without ``accept_all`` exactly ``granted_keys`` are
    granted. Necessary categories are always added.

    :param policy: the policy the choice is made under.
    :param granted_keys: category keys the visitor switched on.
    :param gpc: whether the request carries ``Sec-GPC: 1``.
    :param accept_all: whether the visitor clicked "Accept all".
    :param method: how the choice was given, one of :data:`METHODS`.
    :param now: the time of the choice, Unix seconds.
    :param consent_id: the id to keep (the visitor's earlier choice); a new random id if ``None``.
    :raises UnknownCategoryError: ``granted_keys`` names categories the policy lacks.
    :raises ValueError: ``method`` or ``consent_id`` is not valid (a programming error).

    >>> from cookiewarden.rules.policy import Policy
    >>> sorted(choose(Policy.default(), [], gpc=True, accept_all=True, method="banner",
    ...               now=1_800_000_000).granted)
    ['functionality', 'necessary', 'performance']
    """
    if isinstance(granted_keys, str):
        raise TypeError("granted_keys must be an iterable of category keys, not a string")
    keys = frozenset(granted_keys)
    unknown = keys - policy.category_keys
    if unknown:
        raise UnknownCategoryError(unknown)
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}: {method!r}")
    if consent_id is None:
        consent_id = _new_consent_id()
    elif not CONSENT_ID.fullmatch(consent_id):
        raise ValueError(f"consent_id must match {CONSENT_ID.pattern}: {consent_id!r}")
    granted = keys | policy.necessary_keys
    if accept_all:
        refused = policy.gpc_refuses if gpc else frozenset()
        granted |= policy.category_keys - refused
    return Consent(
        granted=granted,
        decided=True,
        policy_version=policy.version,
        consent_id=consent_id,
        issued_at=int(now),
        gpc=gpc,
        method=method,
    )
