"""Consent records for the report tests: many, made fast, and the report they must give.

A helper module (the tests of ``cookiewarden.records.report`` and of ``cookiewarden report``
import it), not a conftest. :func:`generate` makes records whose choice is known by
construction; :func:`write_sqlite` and :func:`write_postgres` store them in one transaction
with ``executemany`` (never through a sink one by one); :func:`expected_report` computes the
report from the rows in plain Python, independently of the SQL under test.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cookiewarden.records.record import COLUMNS, TABLE
from cookiewarden.records.report import (
    CategoryShare,
    ChoiceCounts,
    ConsentReport,
    DayCounts,
    VersionReport,
)
from cookiewarden.records.sqlite import SQLiteSink

OPTIONAL = ("functionality", "performance", "targeting")
GPC_REFUSES = ("targeting",)
SUBJECT = "0" * 64


@dataclass(frozen=True, slots=True)
class Row:
    """One stored record, in :data:`~cookiewarden.records.record.COLUMNS` order."""

    record_id: str
    consent_id: str
    recorded_at: float
    policy_version: str
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    method: str
    #: The choice the row was made as (what the report must count it as).
    choice: str


def row(
    n: int,
    consent_id: str,
    at: float,
    granted: Iterable[str],
    *,
    method: str = "banner",
    version: str = "2026-11-01",
    optional: Sequence[str] = OPTIONAL,
    choice: str = "",
) -> Row:
    """A row granting ``granted`` (necessary added) and refusing the other ``optional``."""
    chosen = sorted({"necessary", *granted})
    refused = tuple(c for c in sorted(optional) if c not in chosen)
    return Row(f"{n:032x}", consent_id, at, version, tuple(chosen), refused, method, choice)


def generate(count: int, *, now: float, days: int = 25, seed: int = 18) -> list[Row]:
    """``count`` rows over the ``days`` before ``now``, under two policy versions (the newer
    one for the last third), every choice of every kind, visitors choosing again."""
    rnd = random.Random(seed)
    rows = []
    for n in range(count):
        at = now - rnd.random() * days * 86400
        version = "2026-11-01" if at > now - days * 86400 / 3 else "2026-06-01"
        consent_id = f"v{rnd.randrange(count * 2 // 3):07d}"
        choice = rnd.choices(
            ("accept_all", "reject_all", "customise", "gpc", "withdraw"), (45, 25, 15, 10, 5)
        )[0]
        method = rnd.choice(("banner", "banner", "api"))
        if choice == "accept_all":
            granted: Sequence[str] = OPTIONAL
        elif choice == "reject_all":
            granted = ()
        elif choice == "customise":
            granted = rnd.choice([("performance",), ("functionality",), OPTIONAL[:2]])
        elif choice == "gpc":
            granted, method = [c for c in OPTIONAL if c not in GPC_REFUSES], "gpc"
        else:
            granted, method = (), "withdraw"
        rows.append(row(n, consent_id, at, granted, method=method, version=version, choice=choice))
    return rows


def _values(rows: Iterable[Row], encode: Any) -> list[tuple[Any, ...]]:
    return [
        (
            r.record_id,
            r.consent_id,
            r.recorded_at,
            r.policy_version,
            encode(r.granted),
            encode(r.refused),
            r.method,
            SUBJECT,
        )
        for r in rows
    ]


def write_sqlite(path: Path, rows: Iterable[Row]) -> Path:
    """Store ``rows`` in a SQLite consent database at ``path`` (the sink creates the table)."""
    with SQLiteSink(path) as sink:
        sink.get("")  # the sink's own schema
    with sqlite3.connect(path) as conn:  # one transaction
        conn.executemany(
            f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _values(rows, json.dumps),
        )
    conn.close()
    return path


def write_postgres(url: str, rows: Iterable[Row]) -> None:
    """Store ``rows`` in the PostgreSQL consent table at ``url`` (the sink creates it)."""
    import psycopg

    from cookiewarden.records.postgres import PostgresSink

    with PostgresSink(url) as sink:
        sink.migrate()
    with psycopg.connect(url) as conn, conn.cursor() as cursor:  # one transaction
        cursor.executemany(
            f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            _values(rows, list),
        )


def _kind(r: Row, optional: set[str]) -> str:
    if r.method in ("withdraw", "gpc"):
        return r.method
    if not r.refused:
        return "accept_all"
    if not set(r.granted) & optional:
        return "reject_all"
    return "customise"


def _latest(rows: Iterable[Row]) -> Row:
    return max(rows, key=lambda r: (r.recorded_at, r.record_id))


def _shares(latest: Iterable[Row], optional: set[str]) -> tuple[CategoryShare, ...]:
    accepted: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for r in latest:
        accepted.update(r.granted)
        refused.update(r.refused)
    shares = [
        CategoryShare(c, accepted[c], refused[c], necessary=c not in optional)
        for c in set(accepted) | set(refused)
    ]
    return tuple(sorted(shares, key=lambda s: (not s.necessary, s.category)))


def expected_report(rows: Sequence[Row], *, since: float) -> ConsentReport:
    """The report of ``rows`` since ``since``, computed row by row (the oracle)."""
    window = [r for r in rows if r.recorded_at >= since]
    optional = {c for r in window for c in r.refused}
    by_version: dict[str, list[Row]] = defaultdict(list)
    by_visitor: dict[str, list[Row]] = defaultdict(list)
    for r in window:
        by_version[r.policy_version].append(r)
        by_visitor[r.consent_id].append(r)
    versions = []
    for version, chosen in by_version.items():
        days: dict[Any, Counter[str]] = defaultdict(Counter)
        for r in chosen:
            days[datetime.fromtimestamp(r.recorded_at, UTC).date()][_kind(r, optional)] += 1
        per_visitor: dict[str, list[Row]] = defaultdict(list)
        for r in chosen:
            per_visitor[r.consent_id].append(r)
        day_counts = tuple(DayCounts(d, ChoiceCounts(**days[d])) for d in sorted(days))
        versions.append(
            VersionReport(
                policy_version=version,
                visitors=len(per_visitor),
                first_at=min(r.recorded_at for r in chosen),
                last_at=max(r.recorded_at for r in chosen),
                choices=sum((d.choices for d in day_counts), ChoiceCounts()),
                days=day_counts,
                categories=_shares(map(_latest, per_visitor.values()), optional),
            )
        )
    versions.sort(key=lambda v: (v.last_at, v.policy_version), reverse=True)
    return ConsentReport(
        since=since,
        visitors=len(by_visitor),
        versions=tuple(versions),
        categories=_shares(map(_latest, by_visitor.values()), optional),
    )


#: 2026-11-01T00:00:00Z: the hand-built store's first day under its newer version.
DAY = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
HOUR = 3600.0


def hand_built() -> list[Row]:
    """Eight choices whose report is worked out by hand in the tests (and one too old).

    ========  ====================  ===============================================
    visitor   when (UTC)            choice
    ========  ====================  ===============================================
    e         10-22 00:00, v06      Accept all
    a         10-23 00:00, v06      Customise: performance
    a         11-01 01:00, v11      Accept all
    b         11-01 02:00, v11      Reject all
    c         11-01 23:59:59, v11   Customise: performance (api)
    c         11-02 00:00, v11      GPC: functionality, performance
    a         11-02 05:00, v11      Withdraw
    d         11-04 00:00, v11      Customise: functionality, targeting
    old       10-01 00:00, v06      Accept all (before 2026-10-15: outside the window)
    ========  ====================  ===============================================
    """
    v06, v11 = "2026-06-01", "2026-11-01"
    everything = OPTIONAL
    return [
        row(1, "e", DAY - 10 * 86400, everything, version=v06),
        row(2, "a", DAY - 9 * 86400, ["performance"], version=v06),
        row(3, "a", DAY + HOUR, everything, version=v11),
        row(4, "b", DAY + 2 * HOUR, [], version=v11),
        row(5, "c", DAY + 86400 - 1, ["performance"], method="api", version=v11),
        row(6, "c", DAY + 86400, ["functionality", "performance"], method="gpc", version=v11),
        row(7, "a", DAY + 86400 + 5 * HOUR, [], method="withdraw", version=v11),
        row(8, "d", DAY + 3 * 86400, ["functionality", "targeting"], version=v11),
        row(9, "old", DAY - 31 * 86400, everything, version=v06),
    ]


#: The hand-built store's window: from 2026-10-15T00:00:00Z.
HAND_SINCE = datetime(2026, 10, 15, tzinfo=UTC).timestamp()
