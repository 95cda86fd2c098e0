"""What a policy declares: its categories, its cookies, the adopted banners' cookies, and the
closed sets its options choose from.

Contract: :class:`Category`, :class:`CookieRule` and :class:`SourceSettings` are immutable
values, each one entry of a policy file; :class:`~cookiewarden.rules.policy.Policy` holds them
and checks them against each other (a cookie's category is declared, a name is declared once).
:data:`MODES`, :data:`SECURE_RULES` and :data:`SAME_SITE_MINIMUMS` are what ``mode``,
``secure`` and ``same_site_min`` may be; :data:`CONSENT_COOKIE` is cookiewarden's own cookie.

Rules:

1. A category key is lowercase letters, digits, ``-`` or ``_``, starting with a letter
   (``PolicyError`` otherwise).
2. A declared name is either exact or a glob (:data:`GLOB_CHARS`: ``*``, ``?``, ``[...]``),
   matched case-sensitively, as browsers treat names; a glob is compiled once.
3. ``http_only`` is added to a declared cookie, never removed.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Final, Literal

from ..errors import PolicyError

__all__ = [
    "BAD_NAME_CHAR",
    "CONSENT_COOKIE",
    "GLOB_CHARS",
    "MODES",
    "SAME_SITE_MINIMUMS",
    "SECURE_RULES",
    "Category",
    "CookieRule",
    "Mode",
    "SameSiteMinimum",
    "SecureRule",
    "SourceSettings",
]

Mode = Literal["opt-in", "opt-out"]
SecureRule = Literal["always", "same-as-request"]
SameSiteMinimum = Literal["lax", "strict"]
MODES: tuple[Mode, ...] = ("opt-in", "opt-out")
"""``mode``: whether an undecided visitor gets only the necessary categories (``"opt-in"``) or
every category except what GPC refuses (``"opt-out"``)."""
SECURE_RULES: tuple[SecureRule, ...] = ("always", "same-as-request")
"""``secure``: add ``Secure`` to every cookie that leaves, or only to those answering https."""
SAME_SITE_MINIMUMS: tuple[SameSiteMinimum, ...] = ("lax", "strict")
"""``same_site_min``: the lowest ``SameSite`` a cookie may leave with."""

CONSENT_COOKIE = "cw_consent"
"""The name of cookiewarden's own signed consent cookie, always declared."""

#: The characters that make a declared name a glob.
GLOB_CHARS: Final = frozenset("*?[")
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
#: A character a declared cookie name may not hold: RFC 6265 token characters only; glob
#: characters are allowed on top.
BAD_NAME_CHAR: Final = re.compile(r"[\x00-\x20\x7f()<>@,;:\\\"/\]{}=]")


@dataclass(frozen=True, slots=True)
class Category:
    """One category of cookies (``necessary``, ``performance``...)."""

    key: str
    label: str
    description: str = ""
    necessary: bool = False

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise PolicyError(
                f"categories.{self.key}",
                "a category key is lowercase letters, digits, '-' or '_', starting with a letter",
            )


@dataclass(frozen=True, slots=True)
class CookieRule:
    """One declared cookie, or a family of them when ``name`` is a glob (``"_ga_*"``).

    ``lifetime`` is in seconds; ``None`` declares a session cookie. ``http_only`` makes every
    such cookie leave with ``HttpOnly`` (it is added, never removed).
    """

    name: str
    category: str
    purpose: str = ""
    provider: str = ""
    lifetime: int | None = None
    description: str = ""
    domain: str | None = None
    path: str | None = None
    http_only: bool = False
    is_glob: bool = field(init=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        glob = any(ch in GLOB_CHARS for ch in self.name)
        object.__setattr__(self, "is_glob", glob)
        object.__setattr__(
            self, "_pattern", re.compile(fnmatch.translate(self.name)) if glob else None
        )

    def matches(self, name: str) -> bool:
        """Whether the cookie called ``name`` is this declared cookie (case-sensitive)."""
        if self._pattern is None:
            return name == self.name
        return self._pattern.match(name) is not None

    @property
    def session(self) -> bool:
        """A session cookie ends with the browser session."""
        return self.lifetime is None


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """How the cookies of an adopted consent banner map onto the policy's categories.

    Read by :mod:`cookiewarden.engine.adopted` when the middleware's ``consent_sources`` lists
    ``"cookieconsent"`` or ``"klaro"``; the policy file's ``[sources.cookieconsent]`` and
    ``[sources.klaro]`` tables.

    :param cookieconsent_name: the cookie orestbida/cookieconsent writes (its ``cookie.name``).
    :param cookieconsent_categories: its category names → the policy's category keys, as
        ``(name, key)`` pairs; a name missing here maps to the category of the same key.
    :param cookieconsent_revision: the lowest ``revision`` a cookieconsent choice may carry.
    :param klaro_name: the cookie Klaro writes (its ``storageName``).
    :param klaro_services: Klaro service names → the policy's category keys, as pairs; every
        service a Klaro cookie names must be mapped.
    """

    cookieconsent_name: str = "cc_cookie"
    cookieconsent_categories: tuple[tuple[str, str], ...] = ()
    cookieconsent_revision: int = 0
    klaro_name: str = "klaro"
    klaro_services: tuple[tuple[str, str], ...] = ()
    _cc: dict[str, str] = field(init=False, repr=False, compare=False)
    _klaro: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cc", dict(self.cookieconsent_categories))
        object.__setattr__(self, "_klaro", dict(self.klaro_services))

    def cookieconsent_category(self, name: str, category_keys: frozenset[str]) -> str | None:
        """The category key a cookieconsent category ``name`` grants (``None``: unknown)."""
        key = self._cc.get(name)
        if key is not None:
            return key
        return name if name in category_keys else None

    def klaro_category(self, service: str) -> str | None:
        """The category key a Klaro ``service`` belongs to (``None``: not mapped)."""
        return self._klaro.get(service)

    @property
    def mapped_categories(self) -> frozenset[str]:
        """Every category key the two tables name (validated against the policy)."""
        return frozenset(self._cc.values()) | frozenset(self._klaro.values())
