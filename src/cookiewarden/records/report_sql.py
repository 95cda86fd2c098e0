"""The consent report's queries, in the SQL of each store: aggregates computed by the database.

Contract: :data:`SQLITE` and :data:`POSTGRES` are a :class:`ReportQueries` each, the same
queries in two dialects (SQLite keeps categories as JSON text and reads them with
``json_each``; PostgreSQL keeps ``text[]`` and reads them with ``unnest``). Each query takes
one named parameter, ``since`` (Unix seconds), and returns a few rows per policy version, per
day or per category, never one per record; :func:`cookiewarden.records.report.collect` turns
them into a :class:`~cookiewarden.records.report.ConsentReport`.

Rules:
1. Bounded memory: every query groups in the database (``GROUP BY``, window functions), so a
   million records cost the database a scan and a sort, and Python a few hundred rows.
2. SQL text is constant, built once from the dialect's pieces at import; the one value, the
   start of the window, is a query parameter.
3. The choice rule (:mod:`cookiewarden.records.report`, rule 2) is written once, in
   ``_queries``, for both dialects. A category is *optional* when some record in the window
   refuses it, under any policy version: the ``refusable`` set. A choice grants nothing
   optional when none of its granted categories is refusable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .record import TABLE

__all__ = ["POSTGRES", "SQLITE", "ReportQueries"]


@dataclass(frozen=True, slots=True)
class _Dialect:
    since: str  # the parameter's placeholder
    each: str  # a set-returning call over a category column, {col} and {alias} to fill
    empty: str  # "this category column is empty", {col} to fill
    day: str  # the UTC day number of recorded_at
    has_table: str  # one row, one column: 1 when the table exists, 0 otherwise


@dataclass(frozen=True, slots=True)
class ReportQueries:
    """The report's queries in one dialect; each returns the rows its field's comment says.

    >>> "GROUP BY" in SQLITE.days
    True
    """

    #: ``(exists,)``: 1 when the records table exists.
    has_table: str
    #: ``(policy_version, first_at, last_at)``, one row per version.
    versions: str
    #: ``(category,)``: the categories some record in the window refuses (the optional ones).
    refusable: str
    #: ``(policy_version, day, choice, count)``: choices per UTC day number (Unix days).
    days: str
    #: ``(policy_version, overall, category, accepted, refused)``: each visitor's latest choice
    #: per version; ``overall`` is 1 where that choice is also their latest in the window. The
    #: rows whose category is NULL count those visitors (in ``accepted``).
    categories: str


def _each(d: _Dialect, col: str, alias: str) -> str:
    return d.each.format(col=col, alias=alias)


def _queries(d: _Dialect) -> ReportQueries:
    window = f"FROM {TABLE} WHERE recorded_at >= {d.since}"
    refusable = (
        f"SELECT DISTINCT f.value AS category"
        f" FROM {TABLE} AS t, {_each(d, 't.refused', 'f')} WHERE t.recorded_at >= {d.since}"
    )
    choice = (
        "CASE WHEN t.method = 'withdraw' THEN 'withdraw'"
        " WHEN t.method = 'gpc' THEN 'gpc'"
        f" WHEN {d.empty.format(col='t.refused')} THEN 'accept_all'"
        f" WHEN NOT EXISTS (SELECT 1 FROM {_each(d, 't.granted', 'g')}"
        " WHERE g.value IN (SELECT category FROM refusable)) THEN 'reject_all'"
        " ELSE 'customise' END"
    )
    # The latest choice of each visitor, per version (rv = 1) and in the whole window (ro = 1).
    # The latest in the window is also the latest of its version: ro = 1 implies rv = 1.
    order = "ORDER BY recorded_at DESC, record_id DESC"
    ranked = (
        "SELECT policy_version, granted, refused,"
        f" row_number() OVER (PARTITION BY consent_id, policy_version {order}) AS rv,"
        f" row_number() OVER (PARTITION BY consent_id {order}) AS ro"
        f" {window}"
    )
    overall = "CASE WHEN r.ro = 1 THEN 1 ELSE 0 END"
    return ReportQueries(
        has_table=d.has_table,
        versions=(
            f"SELECT policy_version, min(recorded_at), max(recorded_at) {window}"
            " GROUP BY policy_version"
        ),
        refusable=refusable,
        days=(
            f"WITH refusable AS MATERIALIZED ({refusable})"
            f" SELECT t.policy_version, {d.day} AS day, {choice} AS choice, count(*)"
            f" FROM {TABLE} AS t WHERE t.recorded_at >= {d.since}"
            " GROUP BY t.policy_version, day, choice"
        ),
        categories=(
            f"WITH ranked AS MATERIALIZED ({ranked})"
            " SELECT policy_version, overall, category, sum(accepted), count(*) - sum(accepted)"
            f" FROM (SELECT r.policy_version, {overall} AS overall, g.value AS category,"
            f" 1 AS accepted FROM ranked AS r, {_each(d, 'r.granted', 'g')} WHERE r.rv = 1"
            f" UNION ALL SELECT r.policy_version, {overall}, f.value, 0"
            f" FROM ranked AS r, {_each(d, 'r.refused', 'f')} WHERE r.rv = 1"
            f" UNION ALL SELECT r.policy_version, {overall}, NULL, 1 FROM ranked AS r"
            " WHERE r.rv = 1) AS picks"
            " GROUP BY policy_version, overall, category"
        ),
    )


#: SQLite: categories are JSON arrays in text columns.
SQLITE: Final = _queries(
    _Dialect(
        since=":since",
        each="json_each({col}) AS {alias}",
        empty="json_array_length({col}) = 0",
        day="CAST(t.recorded_at / 86400 AS INTEGER)",  # recorded_at >= 0: truncation is floor
        has_table=f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'",
    )
)

#: PostgreSQL: categories are ``text[]`` columns.
POSTGRES: Final = _queries(
    _Dialect(
        since="%(since)s",
        each="unnest({col}) AS {alias}(value)",
        empty="cardinality({col}) = 0",
        day="floor(t.recorded_at / 86400)::bigint",
        has_table=f"SELECT CASE WHEN to_regclass('{TABLE}') IS NULL THEN 0 ELSE 1 END",
    )
)
