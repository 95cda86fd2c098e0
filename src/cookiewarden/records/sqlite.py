"""The SQLite consent record sink, the default: one local file, no server.

Rules:
1. A write that returned is durable: WAL journal with ``synchronous=FULL``, each insert its
   own ``BEGIN IMMEDIATE`` transaction.
2. A record is stored once: ``record_id`` is the primary key and a duplicate insert is ignored
   (``ON CONFLICT DO NOTHING``), so a retried write never stores it twice.
3. Values reach the database through query parameters only; SQL text is constant. Categories
   are stored as JSON arrays.
4. :meth:`SQLiteSink.report` never writes: it reads through its own read-only connection (a
   file that does not exist is not created), in one transaction, so that writers go on.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from os import PathLike, fspath
from types import TracebackType
from typing import Any
from urllib.parse import quote

from ..errors import CookieWardenError
from .record import COLUMNS, TABLE, ConsentRecord
from .report import ConsentReport, collect
from .report_sql import SQLITE

__all__ = ["SQLiteSink"]


def _row(values: tuple[Any, ...]) -> ConsentRecord:
    (record_id, consent_id, at, version, granted, refused, method, subject) = values
    return ConsentRecord(
        consent_id=consent_id,
        recorded_at=at,
        policy_version=version,
        granted=tuple(json.loads(granted)),
        refused=tuple(json.loads(refused)),
        method=method,
        subject_hash=subject,
        record_id=record_id,
    )


def _report(conn: sqlite3.Connection, since: float, where: str) -> ConsentReport:
    # Sorts (the latest choice of each visitor) stay in memory up to 16 MiB, then spill to
    # temporary files: a hundred thousand records sort in memory, a million on disk.
    conn.execute("PRAGMA cache_size = -16384")
    conn.execute("BEGIN")  # one snapshot for every query (WAL: writers are not blocked)
    try:
        return collect(
            lambda sql, params: conn.execute(sql, params).fetchall(),
            SQLITE,
            since=since,
            where=where,
        )
    finally:
        conn.execute("ROLLBACK")


class SQLiteSink:
    """Keep consent records in a local SQLite file (the default sink).

    One connection, guarded by a lock, shared by every thread; WAL journal with
    ``synchronous=FULL``, so a write that returned survives a crash or a power cut. Several
    processes may share one file (SQLite locks it; a writer waits up to ``busy_timeout``
    seconds). The table and its indexes are created on first use.

    :param path: the database file (created if missing; its directory must exist), or
        ``":memory:"``.
    :param busy_timeout: seconds to wait for another process's write lock.
    :raises sqlite3.Error: from any method, when the file cannot be opened or written: the
        record is then *not* stored.

    >>> with SQLiteSink("consent.db") as sink:  # doctest: +SKIP
    ...     sink.write(record)
    """

    #: How many rows :meth:`since` fetches per query (a connection is never held between them).
    page_size: int = 500

    def __init__(self, path: str | PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path = fspath(path)
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"SQLiteSink({self.path!r})"

    def __enter__(self) -> SQLiteSink:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        # Called with self._lock held.
        if self._closed:
            raise CookieWardenError("the consent record sink is closed")
        if self._conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                self._set_wal(conn)
                conn.execute("PRAGMA synchronous=FULL")  # WAL + FULL: a commit survives power loss
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                    " record_id TEXT PRIMARY KEY, consent_id TEXT NOT NULL,"
                    " recorded_at REAL NOT NULL, policy_version TEXT NOT NULL,"
                    " granted TEXT NOT NULL, refused TEXT NOT NULL,"  # JSON arrays
                    " method TEXT NOT NULL, subject_hash TEXT NOT NULL)"
                )
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {TABLE}_consent_id"
                    f" ON {TABLE} (consent_id, recorded_at)"
                )
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {TABLE}_recorded_at ON {TABLE} (recorded_at)"
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _set_wal(self, conn: sqlite3.Connection) -> None:
        # Switching to WAL takes an exclusive lock and, while another connection is creating
        # the same file, may fail at once with "database is locked" rather than wait on the
        # busy timeout: retry it until the timeout. (The mode is then stored in the file.)
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    def write(self, record: ConsentRecord) -> None:
        """Store ``record`` and commit; a record already stored (same ``record_id``) is kept."""
        values = (
            record.record_id,
            record.consent_id,
            record.recorded_at,
            record.policy_version,
            json.dumps(record.granted, ensure_ascii=False),
            json.dumps(record.refused, ensure_ascii=False),
            record.method,
            record.subject_hash,
        )
        with self._lock:
            conn = self._connection()
            # IMMEDIATE takes the write lock now, so the insert cannot fail half-way on a lock
            # upgrade; ON CONFLICT (not OR IGNORE) ignores a duplicate id and nothing else.
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (record_id) DO NOTHING",
                    values,
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a failed COMMIT may already have rolled back
                    conn.execute("ROLLBACK")
                raise

    def get(self, consent_id: str) -> list[ConsentRecord]:
        """Return every record of ``consent_id``, oldest first."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    f"SELECT {COLUMNS} FROM {TABLE} WHERE consent_id = ?"
                    " ORDER BY recorded_at, record_id",
                    (consent_id,),
                )
                .fetchall()
            )
        return [_row(row) for row in rows]

    def since(self, when: float) -> Iterator[ConsentRecord]:
        """Yield every record with ``recorded_at >= when``, oldest first.

        Pages through the table by ``(recorded_at, record_id)``; the lock is held only while a
        page is read, so writers are not blocked by a slow consumer.
        """
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    f"SELECT {COLUMNS} FROM {TABLE} WHERE recorded_at >= ?"
                    " ORDER BY recorded_at, record_id LIMIT ?",
                    (float(when), self.page_size),
                )
                .fetchall()
            )
        while rows:
            yield from map(_row, rows)
            last_at, last_id = rows[-1][2], rows[-1][0]
            with self._lock:
                rows = (
                    self._connection()
                    .execute(
                        f"SELECT {COLUMNS} FROM {TABLE} WHERE (recorded_at, record_id) > (?, ?)"
                        " ORDER BY recorded_at, record_id LIMIT ?",
                        (last_at, last_id, self.page_size),
                    )
                    .fetchall()
                )

    def report(self, since: float = 0.0) -> ConsentReport:
        """Aggregate the records with ``recorded_at >= since`` into a :class:`ConsentReport`.

        The database does the counting (:mod:`~cookiewarden.records.report_sql`): memory stays
        small whatever the number of records. A file is read through a read-only connection of
        its own, in one transaction, so the sink's writers are not held up and nothing is
        created; ``":memory:"`` is read through the sink's connection.

        :raises sqlite3.Error: when the file cannot be opened or read (a missing file too).
        :raises CookieWardenError: when the file has no consent records table.

        >>> with SQLiteSink("consent.db") as sink:  # doctest: +SKIP
        ...     print(sink.report(since=time.time() - 30 * 86400).choices.accept_all)
        """
        if self.path == ":memory:":
            with self._lock:
                return _report(self._connection(), since, self.path)
        conn = sqlite3.connect(
            f"file:{quote(self.path)}?mode=ro",
            uri=True,
            timeout=self._busy_timeout,
            isolation_level=None,
        )
        try:
            return _report(conn, since, self.path)
        finally:
            conn.close()

    def close(self) -> None:
        """Close the connection (idempotent); later calls raise :class:`CookieWardenError`."""
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
