"""The Open Cookie Database (github.com/jkwakman/Open-Cookie-Database, Apache-2.0), shipped as
package data: what a cookie or storage key is, who sets it, for how long.

Contract: :func:`load_database` reads the shipped CSV once (:func:`read_database` reads any
text of that shape); :meth:`CookieDatabase.find` answers the entry for a name; :func:`map_category`
maps the database's categories onto a policy's; :func:`parse_retention` reads its retention
periods. ``data/README.md`` says which commit is shipped and how to refresh it
(``scripts/refresh_open_cookie_database.py``).

Rules:
1. An exact entry beats a wildcard one; among wildcards the longest pattern wins (as the
   policy's own globs). A wildcard entry (``Wildcard match`` = 1) is a glob: its name with
   ``*`` appended, unless it already holds a ``*`` (``SSPR_*``).
2. A name the database lists twice (another platform) is answered by the entry whose
   ``Domain`` the cookie's domain matches, else by the first.
3. The database's categories map onto the policy's by meaning: Functional, Security and
   Necessary are the policy's first necessary category; Personalization, Analytics and
   Marketing the first of the policy's categories whose key or label says so; none: ``"?"``.
"""

from __future__ import annotations

import csv
import fnmatch
import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

from ...errors import CookieWardenError
from ...rules.policy import Policy

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "CookieDatabase",
    "DatabaseError",
    "Entry",
    "load_database",
    "map_category",
    "parse_retention",
    "read_database",
]

COLUMNS: Final = (
    "ID",
    "Platform",
    "Category",
    "Cookie / Data Key name",
    "Domain",
    "Description",
    "Retention period",
    "Data Controller",
    "User Privacy & GDPR Rights Portals",
    "Wildcard match",
)
"""The CSV's header, as the database's own validator (``.github/workflows/validate.py``) has it."""
CATEGORIES: Final = (
    "Functional",
    "Personalization",
    "Analytics",
    "Marketing",
    "Security",
    "Necessary",
)
"""The database's categories (its validator names the first five; a few rows say Necessary)."""

#: Rule 3: words that say what a policy's category is, for each database category.
_MEANS: Final = {
    "Personalization": (
        "functionality",
        "preferences",
        "personalization",
        "personalisation",
        "functional",
        "preference",
    ),
    "Analytics": ("performance", "analytics", "statistics", "measurement", "stats"),
    "Marketing": ("targeting", "marketing", "advertising", "ads", "tracking", "advertisement"),
}
_NECESSARY: Final = frozenset({"Functional", "Security", "Necessary"})
#: What a suggested entry's ``purpose`` says, per database category.
PURPOSES: Final = {
    "Functional": "Site features",
    "Security": "Security",
    "Necessary": "Necessary",
    "Personalization": "Preferences",
    "Analytics": "Analytics",
    "Marketing": "Advertising",
}


class DatabaseError(CookieWardenError):
    """The database's CSV is not of the shape this version reads (a refresh went wrong)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the database: a cookie or storage key, or a family of them (``glob``)."""

    name: str
    platform: str
    category: str
    domain: str
    description: str
    retention: str
    controller: str
    wildcard: bool

    @property
    def glob(self) -> str | None:
        """The glob a wildcard entry matches (rule 1), ``None`` for an exact one."""
        if not self.wildcard:
            return None
        return self.name if "*" in self.name else self.name + "*"

    def matches(self, name: str) -> bool:
        """Whether the cookie or key ``name`` is this entry's (case-sensitive, as browsers)."""
        glob = self.glob
        return name == self.name if glob is None else fnmatch.fnmatchcase(name, glob)


class CookieDatabase:
    """The entries, indexed for :meth:`find` (rules 1 and 2)."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)
        self._exact: dict[str, list[Entry]] = {}
        globs: list[Entry] = []
        for entry in self.entries:
            if entry.wildcard:
                globs.append(entry)
            else:
                self._exact.setdefault(entry.name, []).append(entry)
        # The longest pattern first; sorted() is stable, so ties keep the file's order.
        self._globs = sorted(globs, key=lambda e: len(e.glob or ""), reverse=True)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, name: str, domain: str = "") -> Entry | None:
        """The entry for ``name`` (set for ``domain``, when known), or ``None``.

        >>> db = CookieDatabase([Entry("_ga_", "Google Analytics", "Analytics", "", "", "2 years",
        ...                            "Google", True)])
        >>> db.find("_ga_ABC123").glob
        '_ga_*'
        """
        exact = self._exact.get(name)
        if exact:
            return _by_domain(exact, domain)
        found = [e for e in self._globs if e.matches(name)]
        return _by_domain(found, domain) if found else None


def _by_domain(entries: Sequence[Entry], domain: str) -> Entry:
    """Rule 2: the entry whose ``Domain`` the cookie's domain falls in, else the first."""
    bare = domain.lstrip(".").lower()
    if bare and len(entries) > 1:
        for entry in entries:
            listed = entry.domain.split(" ")[0].lstrip(".").lower()
            if listed and (bare == listed or bare.endswith("." + listed)):
                return entry
    return entries[0]


def read_database(text: str, *, source: str = "open-cookie-database.csv") -> CookieDatabase:
    """Parse the database's CSV text.

    :raises DatabaseError: naming ``source`` when the header is not :data:`COLUMNS` or a row
        names a category outside :data:`CATEGORIES`.

    >>> text = open("open-cookie-database.csv", encoding="utf-8").read()  # doctest: +SKIP
    >>> len(read_database(text))  # doctest: +SKIP
    2264
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise DatabaseError(f"{source}: the header is not {', '.join(COLUMNS)}")
    entries = []
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(COLUMNS):
            raise DatabaseError(f"{source}: line {line} has {len(row)} fields, not {len(COLUMNS)}")
        _id, platform, category, name, domain, description, retention, controller, _portal, wild = (
            field.strip() for field in row
        )
        if category not in CATEGORIES:
            raise DatabaseError(f"{source}: line {line}: unknown category {category!r}")
        if not name:
            continue
        entries.append(
            Entry(name, platform, category, domain, description, retention, controller, wild == "1")
        )
    return CookieDatabase(entries)


@functools.cache
def load_database() -> CookieDatabase:
    """The shipped database (``data/open-cookie-database.csv``), read once.

    >>> load_database().find("_gid").category
    'Analytics'
    """
    data = resources.files(__package__).joinpath("data", "open-cookie-database.csv")
    return read_database(data.read_text("utf-8"))


def map_category(category: str, policy: Policy) -> str:
    """The policy's category for a database ``category`` (rule 3), or ``"?"``.

    >>> map_category("Analytics", Policy.default()), map_category("Functional", Policy.default())
    ('performance', 'necessary')
    """
    if category in _NECESSARY:
        return next(c.key for c in policy.categories if c.necessary)
    words = _MEANS.get(category, ())
    optional = [c for c in policy.categories if not c.necessary]
    for word in words:
        for cat in optional:
            if cat.key == word:
                return cat.key
    for word in words:
        for cat in optional:
            if re.search(rf"\b{re.escape(word)}", cat.label.lower()):
                return cat.key
    return "?"


_SESSION: Final = re.compile(r"^(end of )?sessions?\b|^browser session|^session cookie", re.I)
_PERIOD: Final = re.compile(
    r"^\s*(\d+)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b", re.I
)
_SIZES: Final = {"s": 1, "mi": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def parse_retention(text: str) -> int | str | None:
    """A retention period in seconds, ``None`` for a session cookie, or the text itself when it
    says no duration (``"Unknown"``, ``"Varies"``, ``"forever"``).

    A month is a twelfth of a 365-day year, rounded to whole days: ``"13 months"`` is 395 days.

    >>> parse_retention("2 years"), parse_retention("Session"), parse_retention("13 months")
    (63072000, None, 34128000)
    >>> parse_retention("Varies")
    'Varies'
    """
    if _SESSION.match(text.strip()):
        return None
    match = _PERIOD.match(text)
    if not match:
        return text
    n, unit = int(match.group(1)), match.group(2).lower()
    if n <= 0:
        return text
    if unit.startswith("mo"):
        return round(n * 365 / 12) * 86400
    return n * _SIZES["mi" if unit.startswith("mi") else unit[0]]
