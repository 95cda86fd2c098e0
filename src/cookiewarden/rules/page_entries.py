"""What a policy declares about the page itself: browser storage keys and third-party hosts.

Contract: :class:`StorageRule` (a ``[[storage]]`` entry: a ``localStorage``/``sessionStorage``
key, or a glob of them) and :class:`HostRule` (a ``[[hosts]]`` entry: a host the pages load
from or send to, or a glob of them) are immutable values;
:class:`~cookiewarden.rules.policy.Policy` holds them, checks their categories and answers
lookups (exact beats glob, then the longest glob). The page guard enforces them in the browser
from the rules the engine compiles (:mod:`cookiewarden.rules.page_rules`).

Rules:
1. A storage key matches case-sensitively, like a cookie name; a host matches in canonical
   form (lowercase, IDNA, no trailing dot), so ``*.Facebook.NET`` and ``*.facebook.net`` are
   one glob.
2. A glob's ``*`` matches any run of characters (dots included), ``?`` one character, ``[...]``
   one of a set (``[!...]``: not of it), exactly as :mod:`fnmatch` reads it;
   :func:`glob_pattern` writes the same pattern as a regular expression both Python and
   JavaScript read alike, for the page.
3. ``area`` is ``"local"``, ``"session"`` or ``"any"`` (the default): which storage a key
   entry covers.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Final, Literal

from ..errors import PolicyError

__all__ = [
    "STORAGE_AREAS",
    "HostRule",
    "PageIndex",
    "StorageArea",
    "StorageRule",
    "glob_pattern",
]

StorageArea = Literal["local", "session", "any"]
STORAGE_AREAS: Final[tuple[StorageArea, ...]] = ("local", "session", "any")
_GLOB_CHARS: Final = frozenset("*?[")


def glob_pattern(glob: str) -> str:
    r"""``glob`` as an anchored regular expression, in the syntax Python and JavaScript share.

    The same matches as :func:`fnmatch.fnmatchcase` (rule 2): ``*`` is ``[\s\S]*`` (any run,
    newlines too), ``?`` is ``[\s\S]``, a set keeps its members escaped, an unclosed ``[`` is
    a literal ``[``.

    :raises ValueError: for a ``[...]`` set this cannot write down alike (see
        :func:`_set_members`); the policy reports it as a :class:`PolicyError`.

    >>> glob_pattern("_ga_*")
    '^_ga_[\\s\\S]*(?![\\s\\S])'
    >>> import re; bool(re.match(glob_pattern("_h[!x]?"), "_hjA"))
    True
    """
    out = ["^"]
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        i += 1
        if c == "*":
            if out[-1] != ANY_RUN:  # "**" is "*"
                out.append(ANY_RUN)
        elif c == "?":
            out.append(ANY_ONE)
        elif c == "[":
            j = i
            if j < n and glob[j] == "!":
                j += 1
            if j < n and glob[j] == "]":
                j += 1
            while j < n and glob[j] != "]":
                j += 1
            if j >= n:  # no closing "]": a literal "["
                out.append("\\[")
                continue
            members = glob[i:j]
            i = j + 1
            negate = members.startswith("!")
            if negate:
                members = members[1:]
            if not members:  # "[!]": the empty set negated, any one character
                out.append(ANY_ONE)
                continue
            out.append(f"[{'^' if negate else ''}{_set_members(members, glob)}]")
        else:
            out.append(re.escape(c))
    out.append("(?![\\s\\S])")  # the very end: "$" in Python also matches before a last "\n"
    return "".join(out)


ANY_RUN: Final = "[\\s\\S]*"
ANY_ONE: Final = "[\\s\\S]"
_RANGE_END: Final = re.compile(r"[A-Za-z0-9]")


def _set_members(members: str, glob: str) -> str:
    r"""The members of a ``[...]`` set, escaped alike for both syntaxes. A range ``a-z`` is kept
    between two letters or digits in order; any other member stands for itself.

    :raises ValueError: for a set :mod:`fnmatch` reads in a way this cannot write down alike
        (a backslash, a range out of order or between other characters).
    """
    out = []
    i, n = 0, len(members)
    while i < n:
        ch = members[i]
        if ch == "\\":
            raise ValueError(f"{glob!r}: a backslash in [...] is not supported")
        if i + 2 < n and members[i + 1] == "-":
            low, high = ch, members[i + 2]
            if not (_RANGE_END.match(low) and _RANGE_END.match(high) and low <= high):
                raise ValueError(f"{glob!r}: the range {low}-{high} in [...] is not supported")
            out.append(f"{low}-{high}")
            i += 3
            continue
        out.append("\\" + ch if ch in "]^[-" else ch)
        i += 1
    return "".join(out)


def _matcher(name: str) -> re.Pattern[str] | None:
    if not any(ch in _GLOB_CHARS for ch in name):
        return None
    return re.compile(fnmatch.translate(name))


@dataclass(frozen=True, slots=True)
class StorageRule:
    """One declared ``localStorage``/``sessionStorage`` key, or a family (``"_hj*"``)."""

    name: str
    category: str
    area: StorageArea = "any"
    purpose: str = ""
    provider: str = ""
    description: str = ""
    is_glob: bool = field(init=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = _matcher(self.name)
        object.__setattr__(self, "is_glob", pattern is not None)
        object.__setattr__(self, "_pattern", pattern)

    def matches(self, key: str, area: str = "any") -> bool:
        """Whether the key ``key`` of storage ``area`` (``"local"``/``"session"``) is this
        entry's (rule 3)."""
        if self.area != "any" and area != "any" and area != self.area:
            return False
        if self._pattern is None:
            return key == self.name
        return self._pattern.match(key) is not None


@dataclass(frozen=True, slots=True)
class HostRule:
    """One declared third-party host, or a family (``"*.facebook.net"``), in canonical form."""

    host: str
    category: str
    purpose: str = ""
    provider: str = ""
    description: str = ""
    is_glob: bool = field(init=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = _matcher(self.host)
        object.__setattr__(self, "is_glob", pattern is not None)
        object.__setattr__(self, "_pattern", pattern)

    def matches(self, host: str) -> bool:
        """Whether the canonical ``host`` is this entry's (rule 1)."""
        if self._pattern is None:
            return host == self.host
        return self._pattern.match(host) is not None


class PageIndex:
    """The storage and host entries of one policy, checked and ready for lookups.

    :param storage: the ``[[storage]]`` entries, in declaration order.
    :param hosts: the ``[[hosts]]`` entries, in declaration order.
    :param category_keys: the policy's categories: every entry's must be one of them.
    :raises PolicyError: naming the entry (``storage[2].category``, ``hosts[0].host``) and the
        reason: an unknown category, a name declared twice, a glob that cannot be matched alike
        in the page.
    """

    def __init__(
        self,
        storage: tuple[StorageRule, ...],
        hosts: tuple[HostRule, ...],
        category_keys: tuple[str, ...],
    ) -> None:
        self._storage_exact: dict[str, list[StorageRule]] = {}
        self._storage_globs: list[StorageRule] = []
        seen: set[tuple[str, str]] = set()
        for i, rule in enumerate(storage):
            where = f"storage[{i}]"
            _check_entry(where, "name", rule.name, rule.category, rule.is_glob, category_keys)
            if rule.area not in STORAGE_AREAS:
                raise PolicyError(
                    f"{where}.area", f"must be 'local', 'session' or 'any', got {rule.area!r}"
                )
            if (rule.name, rule.area) in seen:
                raise PolicyError(f"{where}.name", f"{rule.name!r} is declared twice")
            seen.add((rule.name, rule.area))
            if rule.is_glob:
                self._storage_globs.append(rule)
            else:
                self._storage_exact.setdefault(rule.name, []).append(rule)
        self._host_exact: dict[str, HostRule] = {}
        self._host_globs: list[HostRule] = []
        for i, host_rule in enumerate(hosts):
            where = f"hosts[{i}]"
            _check_entry(
                where, "host", host_rule.host, host_rule.category, host_rule.is_glob, category_keys
            )
            if host_rule.host in self._host_exact or any(
                g.host == host_rule.host for g in self._host_globs
            ):
                raise PolicyError(f"{where}.host", f"{host_rule.host!r} is declared twice")
            if host_rule.is_glob:
                self._host_globs.append(host_rule)
            else:
                self._host_exact[host_rule.host] = host_rule
        # The longest glob first; sorted() is stable, so ties keep declaration order.
        self._storage_globs.sort(key=lambda r: len(r.name), reverse=True)
        self._host_globs.sort(key=lambda r: len(r.host), reverse=True)

    def storage(self, key: str, area: str = "any") -> StorageRule | None:
        """The entry for storage key ``key`` of ``area``: exact beats glob, then the longest."""
        for rule in self._storage_exact.get(key, ()):
            if rule.matches(key, area):
                return rule
        for glob in self._storage_globs:
            if glob.matches(key, area):
                return glob
        return None

    def host(self, host: str) -> HostRule | None:
        """The entry for the canonical ``host``: exact beats glob, then the longest glob."""
        rule = self._host_exact.get(host)
        if rule is not None:
            return rule
        for glob in self._host_globs:
            if glob.matches(host):
                return glob
        return None

    @property
    def storage_rules(self) -> tuple[StorageRule, ...]:
        """Every storage entry, exact ones first, then the globs longest first (lookup order)."""
        exact = tuple(r for rules in self._storage_exact.values() for r in rules)
        return exact + tuple(self._storage_globs)

    @property
    def host_rules(self) -> tuple[HostRule, ...]:
        """Every host entry, exact ones first, then the globs longest first (lookup order)."""
        return tuple(self._host_exact.values()) + tuple(self._host_globs)


def _check_entry(
    where: str, field_name: str, name: str, category: str, is_glob: bool, keys: tuple[str, ...]
) -> None:
    if not name:
        raise PolicyError(f"{where}.{field_name}", "must not be empty")
    if category not in keys:
        raise PolicyError(
            f"{where}.category",
            f"unknown category {category!r} for {name!r}; declared categories: {', '.join(keys)}",
        )
    if is_glob:
        try:
            glob_pattern(name)
        except ValueError as exc:
            raise PolicyError(f"{where}.{field_name}", str(exc)) from None
