"""The consent report: what visitors chose in a window of time, as a few aggregates.

Contract: :func:`collect` runs :mod:`~cookiewarden.records.report_sql`'s queries through a
store's ``execute`` and returns a :class:`ConsentReport`, a small frozen value whatever the
number of records. Each sink's ``report(since)`` calls it in one read-only transaction.

Rules:
1. A **visitor** is a consent id (the id a ``cw_consent`` cookie carries across a visitor's
   later changes). What a visitor accepted is what their *latest* choice in the window says:
   per policy version, their latest choice under that version; in the summary, their latest
   choice under any version. The share of a category is the visitors whose latest choice
   granted it over those whose latest choice granted or refused it.
2. The records keep what was granted and refused, not the button: the **choice** is derived,
   first rule that matches:

   ================  ==================================================================
   ``withdraw``      the method is ``withdraw`` (``DELETE /_consent``)
   ``gpc``           the method is ``gpc`` ("Accept all" while the browser sent
                     ``Sec-GPC: 1``: everything but ``gpc_refuses``)
   ``accept_all``    nothing refused
   ``reject_all``    nothing optional granted
   ``customise``     the rest: some optional categories granted, some refused
   ================  ==================================================================

   The records do not say which categories are necessary either: a category is **optional**
   when some record in the window refuses it, under any policy version, and **necessary**
   when none does. Every "Reject all" and every withdrawal refuses every optional category,
   so one of them in the window is enough; the versions are pooled, so a version few
   visitors have seen yet is judged with what the others show. A category that nobody
   refused in the window counts as necessary (and one that a new version made necessary
   still counts as optional); the report lists the necessary categories it inferred.
3. Days are UTC days; a day without choices is not listed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any, Final, Literal

from ..errors import CookieWardenError
from .record import TABLE
from .report_sql import ReportQueries

__all__ = [
    "CHOICES",
    "CategoryShare",
    "Choice",
    "ChoiceCounts",
    "ConsentReport",
    "DayCounts",
    "VersionReport",
    "collect",
]

#: The five choices a record is counted as (rule 2), in the order a report shows them.
Choice = Literal["accept_all", "reject_all", "customise", "gpc", "withdraw"]
CHOICES: Final[tuple[Choice, ...]] = ("accept_all", "reject_all", "customise", "gpc", "withdraw")

_EPOCH: Final = date(1970, 1, 1)

#: A store's query runner: SQL text and its parameters in, the rows out.
Execute = Callable[[str, Mapping[str, float]], Sequence[Sequence[Any]]]


@dataclass(frozen=True, slots=True)
class ChoiceCounts:
    """How many choices were of each kind (rule 2).

    >>> counts = ChoiceCounts(accept_all=3, reject_all=1)
    >>> counts.total, (counts + counts).accept_all
    (4, 6)
    """

    accept_all: int = 0
    reject_all: int = 0
    customise: int = 0
    gpc: int = 0
    withdraw: int = 0

    @property
    def total(self) -> int:
        """Every choice counted."""
        return self.accept_all + self.reject_all + self.customise + self.gpc + self.withdraw

    def items(self) -> tuple[tuple[Choice, int], ...]:
        """``(choice, count)`` pairs in :data:`CHOICES` order."""
        return tuple((choice, getattr(self, choice)) for choice in CHOICES)

    def __add__(self, other: ChoiceCounts) -> ChoiceCounts:
        return ChoiceCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True, slots=True)
class DayCounts:
    """The choices of one UTC day.

    >>> DayCounts(date(2026, 11, 2), ChoiceCounts(gpc=2)).choices.total
    2
    """

    day: date
    choices: ChoiceCounts


@dataclass(frozen=True, slots=True)
class CategoryShare:
    """How many visitors' latest choice accepted, and refused, one category (rule 1).

    >>> CategoryShare("performance", accepted=3, refused=1, necessary=False).share
    0.75
    """

    category: str
    accepted: int
    refused: int
    #: No record in the window refuses it (rule 2): it is, or is counted as, necessary.
    necessary: bool

    @property
    def visitors(self) -> int:
        """The visitors whose latest choice granted or refused the category."""
        return self.accepted + self.refused

    @property
    def share(self) -> float:
        """``accepted / visitors``, from 0.0 to 1.0 (0.0 when no visitor saw it)."""
        return self.accepted / self.visitors if self.visitors else 0.0


@dataclass(frozen=True, slots=True)
class VersionReport:
    """The choices made under one policy version in the window."""

    policy_version: str
    #: Distinct consent ids with a choice under this version.
    visitors: int
    #: The first and last choice's ``recorded_at`` (Unix seconds).
    first_at: float
    last_at: float
    choices: ChoiceCounts
    #: Days with choices, oldest first.
    days: tuple[DayCounts, ...]
    #: By each visitor's latest choice under this version; necessary first, then by key.
    categories: tuple[CategoryShare, ...]

    @property
    def necessary(self) -> tuple[str, ...]:
        """This version's categories that no choice in the window refused (rule 2)."""
        return tuple(c.category for c in self.categories if c.necessary)


@dataclass(frozen=True, slots=True)
class ConsentReport:
    """The consent report of one store since a time (:meth:`RecordSink.report
    <cookiewarden.records.sink.RecordSink.report>`).

    >>> report = ConsentReport(since=0.0, visitors=0, versions=(), categories=())
    >>> report.choices.total, report.days
    (0, ())
    """

    #: The start of the window (Unix seconds, inclusive).
    since: float
    #: Distinct consent ids with a choice in the window.
    visitors: int
    #: One per policy version, the one chosen under most recently first.
    versions: tuple[VersionReport, ...]
    #: By each visitor's latest choice in the window, whatever its version.
    categories: tuple[CategoryShare, ...]

    @property
    def choices(self) -> ChoiceCounts:
        """The choices of every version."""
        total = ChoiceCounts()
        for version in self.versions:
            total += version.choices
        return total

    @property
    def days(self) -> tuple[DayCounts, ...]:
        """The choices of every version per day, oldest first."""
        per_day: dict[date, ChoiceCounts] = defaultdict(ChoiceCounts)
        for version in self.versions:
            for day in version.days:
                per_day[day.day] += day.choices
        return tuple(DayCounts(day, per_day[day]) for day in sorted(per_day))


def collect(execute: Execute, queries: ReportQueries, *, since: float, where: str) -> ConsentReport:
    """Build the report of the records with ``recorded_at >= since`` from a store's aggregates.

    :param execute: runs one of ``queries`` with its parameters and returns the rows; call it
        inside one read transaction, so the queries agree with each other.
    :param queries: the store's dialect (:data:`~cookiewarden.records.report_sql.SQLITE`...).
    :param since: the start of the window, Unix seconds.
    :param where: the store, for the error message (a path or a redacted URL).
    :raises CookieWardenError: when the store has no records table.

    >>> import sqlite3
    >>> from cookiewarden.records.report_sql import SQLITE
    >>> conn = sqlite3.connect(":memory:")
    >>> def execute(sql, params):
    ...     return conn.execute(sql, params).fetchall()
    >>> collect(execute, SQLITE, since=0.0, where=":memory:")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    cookiewarden.errors.CookieWardenError: :memory:: no consent records table ...
    """
    params = {"since": float(since)}
    if not execute(queries.has_table, params)[0][0]:
        raise CookieWardenError(
            f"{where}: no consent records table ({TABLE}): is this the consent_log database?"
        )
    refusable = {category for (category,) in execute(queries.refusable, params)}
    days: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for version, day, choice, count in execute(queries.days, params):
        days[version][int(day)][choice] = int(count)
    shares: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    overall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    visitors: Counter[str | None] = Counter()  # per version; None: in the whole window
    for version, latest, category, accepted, refused in execute(queries.categories, params):
        if category is None:  # the visitors whose latest choice this is
            visitors[version] += int(accepted)
            visitors[None] += int(accepted) if latest else 0
            continue
        for counts in (shares[version][category], *([overall[category]] if latest else [])):
            counts[0] += int(accepted)
            counts[1] += int(refused)
    versions = [
        _version(
            version,
            visitors[version],
            (first_at, last_at),
            days[version],
            shares[version],
            refusable,
        )
        for version, first_at, last_at in execute(queries.versions, params)
    ]
    versions.sort(key=lambda v: (v.last_at, v.policy_version), reverse=True)
    return ConsentReport(
        since=float(since),
        visitors=visitors[None],
        versions=tuple(versions),
        categories=_shares(overall.items(), refusable.__contains__),
    )


def _version(
    version: str,
    visitors: int,
    span: tuple[float, float],
    days: Mapping[int, Mapping[str, int]],
    shares: Mapping[str, list[int]],
    refusable: set[str],
) -> VersionReport:
    per_day = sorted(
        (_EPOCH + timedelta(days=n), ChoiceCounts(**counts)) for n, counts in days.items()
    )
    return VersionReport(
        policy_version=version,
        visitors=visitors,
        first_at=float(span[0]),
        last_at=float(span[1]),
        choices=sum((counts for _, counts in per_day), ChoiceCounts()),
        days=tuple(DayCounts(day, counts) for day, counts in per_day),
        categories=_shares(shares.items(), refusable.__contains__),
    )


def _shares(
    counts: Iterable[tuple[str, list[int]]], optional: Callable[[str], bool]
) -> tuple[CategoryShare, ...]:
    shares = [
        CategoryShare(key, accepted=a, refused=r, necessary=not optional(key))
        for key, (a, r) in counts
    ]
    return tuple(sorted(shares, key=lambda s: (not s.necessary, s.category)))
