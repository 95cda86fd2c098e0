"""A PostgreSQL consent record sink, for sites served by several machines.

Needs the optional ``postgres`` extra (psycopg 3 and psycopg_pool); psycopg is imported only when a
:class:`PostgresSink` is built, so the core never needs it.

Rules:
1. A record is stored exactly once. Its ``record_id`` (uuid4 hex) is the primary key and every
   insert is ``ON CONFLICT DO NOTHING``, so a retry after a lost acknowledgement, or a queued
   record flushed twice, never duplicates it.
2. An unreachable database never fails a request. :meth:`PostgresSink.write` retries a few times
   with short exponential back-off, then puts the record in a bounded in-memory queue that a
   background thread writes, oldest first, when the database answers again (the
   :class:`~cookiewarden.records.outbox.Outbox`).
3. Nothing disappears silently. A record that cannot be queued (queue full, sink closed) or that
   is still queued when :meth:`PostgresSink.close` gives up is logged at ERROR on the
   ``cookiewarden`` logger *with its JSON*, so an operator can replay it.
4. Values reach the database through query parameters only; SQL text is constant.
5. The table and its indexes are created on first use (and by :meth:`PostgresSink.migrate`),
   under an advisory lock so that several servers starting at once do not race.
   :meth:`PostgresSink.report` only reads: it creates nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import re
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TypeVar

from ..errors import ConfigurationError
from .outbox import Outbox
from .record import COLUMNS, TABLE, ConsentRecord
from .report import ConsentReport, collect
from .report_sql import POSTGRES

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["PostgresSink"]

_T = TypeVar("_T")

_INSERT: Final = (
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (record_id) DO NOTHING"
)
_SCHEMA: Final = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    ' record_id text COLLATE "C" PRIMARY KEY,'  # "C": byte order, the same as Python's
    " consent_id text NOT NULL,"
    " recorded_at double precision NOT NULL,"  # Unix seconds, exactly the float written
    " policy_version text NOT NULL,"
    " granted text[] NOT NULL,"
    " refused text[] NOT NULL,"
    " method text NOT NULL,"
    " subject_hash text NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_consent_id ON {TABLE} (consent_id, recorded_at)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_recorded_at ON {TABLE} (recorded_at)",
)
# pg_advisory_xact_lock key: the same on every server, so concurrent migrations serialise.
_LOCK_KEY: Final = int.from_bytes(hashlib.sha256(TABLE.encode()).digest()[:8], "big", signed=True)

_BACKOFF: Final = 0.05  # first wait between write attempts, doubled each time


def _values(record: ConsentRecord) -> tuple[Any, ...]:
    return (
        record.record_id,
        record.consent_id,
        record.recorded_at,
        record.policy_version,
        list(record.granted),
        list(record.refused),
        record.method,
        record.subject_hash,
    )


def _record(row: tuple[Any, ...]) -> ConsentRecord:
    record_id, consent_id, at, version, granted, refused, method, subject = row
    return ConsentRecord(
        consent_id=consent_id,
        recorded_at=at,
        policy_version=version,
        granted=tuple(granted),
        refused=tuple(refused),
        method=method,
        subject_hash=subject,
        record_id=record_id,
    )


def _redact(url: str) -> str:
    """Hide the password of a URL (for repr and logs)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _order(record: ConsentRecord) -> tuple[float, str]:
    return (record.recorded_at, record.record_id)


class PostgresSink:
    """Keep consent records in PostgreSQL, surviving database outages.

    Writes go through a psycopg_pool ``ConnectionPool``. :meth:`write` returns once the record
    is committed or, when the database cannot be reached, once it is queued in memory (at most
    ``queue_max`` records); a background thread writes the queue when the database is back.
    While records are queued, new ones join the queue at once rather than wait on a database
    that is down. :meth:`get` and :meth:`since` include queued records, and raise psycopg's
    ``OperationalError`` when the database cannot be read.

    :param url: a libpq URL or conninfo string (``postgresql://user:pw@host/db``).
    :param min_size: connections the pool keeps open.
    :param max_size: most connections the pool opens.
    :param queue_max: most records kept in memory while the database is unreachable; further
        records are logged at ERROR with their JSON instead.
    :param timeout: seconds a write waits for a pooled connection before queueing the record.
    :param attempts: write attempts (with back-off: 0.05 s, 0.1 s...) before queueing.
    :param connect_timeout: seconds to wait for a new connection (libpq ``connect_timeout``).
    :raises ConfigurationError: when psycopg is not installed or a size is out of range.

    >>> sink = PostgresSink("postgresql://consent@db.internal/site")  # doctest: +SKIP
    >>> sink.migrate()  # doctest: +SKIP

    (``migrate()`` is optional: it creates the table now rather than on first use.)
    """

    #: How many rows :meth:`since` fetches per query (a connection is never held between them).
    page_size: int = 500

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        queue_max: int = 10000,
        timeout: float = 1.0,
        attempts: int = 3,
        connect_timeout: int = 2,
    ) -> None:
        try:
            import psycopg_pool  # noqa: F401
        except ImportError:
            raise ConfigurationError(
                "consent_log",
                "a PostgreSQL sink needs the 'postgres' extra:"
                " pip install 'cookiewarden[postgres]'",
            ) from None
        for name, value, least in (
            ("min_size", min_size, 0),
            ("max_size", max_size, max(1, min_size)),
            ("queue_max", queue_max, 1),
            ("attempts", attempts, 1),
            ("connect_timeout", connect_timeout, 1),
        ):
            if value < least:
                raise ConfigurationError(name, f"must be at least {least}, not {value}")
        if not timeout > 0:
            raise ConfigurationError("timeout", f"must be positive, not {timeout}")
        self._url = url
        self._timeout = timeout
        self._attempts = attempts
        self._connect_timeout = connect_timeout
        self._outbox = Outbox(
            url,
            connect_timeout=connect_timeout,
            limit=queue_max,
            insert=self._insert,
            recovered=self._renew_pool,
        )
        self._ready = False  # the table is known to exist
        self._migrate_lock = threading.Lock()
        self._sizes = (min_size, max_size)
        self._pool = self._new_pool()

    def _new_pool(self) -> ConnectionPool[psycopg.Connection[tuple[Any, ...]]]:
        from psycopg_pool import ConnectionPool

        pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] = ConnectionPool(
            self._url,
            min_size=self._sizes[0],
            max_size=self._sizes[1],
            open=False,
            timeout=self._timeout,
            kwargs={"connect_timeout": self._connect_timeout},
            reconnect_timeout=10.0,
            name="cookiewarden-records",
        )
        pool.open(wait=False)  # never blocks, never fails: the database may be down
        return pool

    def _renew_pool(self) -> None:
        # After an outage the pool's own reconnections back off (1 s, 2 s, 4 s...) and a
        # client waiting for a connection does not hurry them, so requests would wait out
        # `timeout` long after the database is back. The flusher has just proved it is back:
        # swap in a fresh pool. Clients waiting on the old one get PoolClosed and retry.
        pool = self._new_pool()
        with self._outbox.lock:
            if self._outbox.closed:
                old = pool
            else:
                old, self._pool = self._pool, pool
        with contextlib.suppress(Exception):
            old.close(timeout=self._timeout)

    def __repr__(self) -> str:
        return f"PostgresSink({_redact(self._url)!r})"

    def __enter__(self) -> PostgresSink:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------

    def migrate(self) -> None:
        """Create the table and its indexes if missing.

        :raises psycopg.OperationalError: when the database cannot be reached.
        """
        self._retrying(lambda conn: self._migrate(conn, force=True), patient=True)

    def _migrate(self, conn: psycopg.Connection[Any], *, force: bool = False) -> None:
        if self._ready and not force:
            return
        with self._migrate_lock:
            if self._ready and not force:
                return  # another thread did it while we waited
            self._create(conn)
        self._ready = True

    @staticmethod
    def _create(conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            for statement in _SCHEMA:
                conn.execute(statement)

    def _insert(self, conn: psycopg.Connection[Any], records: list[ConsentRecord]) -> None:
        from psycopg import errors

        self._migrate(conn)
        try:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(_INSERT, [_values(r) for r in records])
        except errors.UndefinedTable:
            self._ready = False  # dropped behind our back: the next attempt recreates it
            raise

    # -- writing --------------------------------------------------------------------------

    def write(self, record: ConsentRecord) -> None:
        """Store ``record``: return once it is committed, or queued if the database is down.

        Never raises for an unreachable database (see the class docstring).

        :raises CookieWardenError: when the sink is closed.
        """
        import psycopg

        if self._outbox.queue_behind(record):
            return
        try:
            # A PoolTimeout has already waited `timeout` for a connection: queue at once.
            self._retrying(lambda conn: self._insert(conn, [record]), patient=False)
        except psycopg.Error as exc:
            from psycopg_pool import PoolTimeout

            self._outbox.put(record, exc, outage=not isinstance(exc, PoolTimeout))

    def _retrying(self, work: Callable[[psycopg.Connection[Any]], _T], *, patient: bool) -> _T:
        """Run ``work`` on a pooled connection, retrying with back-off; raise the last error.

        Unless ``patient``, a :class:`~psycopg_pool.PoolTimeout` is raised at once.
        """
        import psycopg
        from psycopg_pool import PoolTimeout

        delay, attempt = _BACKOFF, 1
        while True:
            try:
                with self._pool.connection(timeout=self._timeout) as conn:
                    return work(conn)
            except psycopg.Error as exc:
                if attempt >= self._attempts or (isinstance(exc, PoolTimeout) and not patient):
                    raise
            time.sleep(delay)
            delay, attempt = delay * 2, attempt + 1

    @property
    def pending(self) -> int:
        """How many records wait in memory for the database."""
        return self._outbox.pending

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until no record is queued; return ``False`` if ``timeout`` passed first."""
        return self._outbox.flush(timeout)

    # -- reading --------------------------------------------------------------------------

    def get(self, consent_id: str) -> list[ConsentRecord]:
        """Return every record of ``consent_id``, oldest first, queued ones included."""
        queued = {r.record_id: r for r in self._outbox.snapshot() if r.consent_id == consent_id}
        rows = self._select(f"SELECT {COLUMNS} FROM {TABLE} WHERE consent_id = %s", (consent_id,))
        stored = {r.record_id: r for r in map(_record, rows)}
        return sorted((stored | queued).values(), key=_order)

    def since(self, when: float) -> Iterator[ConsentRecord]:
        """Yield every record with ``recorded_at >= when``, oldest first, queued ones included.

        Pages through the table by ``(recorded_at, record_id)``; no connection is held while
        the caller consumes a page.
        """
        queued = sorted((r for r in self._outbox.snapshot() if r.recorded_at >= when), key=_order)
        ids = {r.record_id for r in queued}
        stored = (r for r in self._pages(float(when)) if r.record_id not in ids)
        yield from heapq.merge(queued, stored, key=_order)

    def _select(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        def work(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
            self._migrate(conn)
            return conn.execute(query, params).fetchall()

        return self._retrying(work, patient=True)

    def _pages(self, when: float) -> Iterator[ConsentRecord]:
        query = f"SELECT {COLUMNS} FROM {TABLE} WHERE recorded_at >= %s"
        params: tuple[Any, ...] = (when,)
        while True:
            rows = self._select(
                f"{query} ORDER BY recorded_at, record_id LIMIT %s", (*params, self.page_size)
            )
            yield from map(_record, rows)
            if len(rows) < self.page_size:
                return
            query = f"SELECT {COLUMNS} FROM {TABLE} WHERE (recorded_at, record_id) > (%s, %s)"
            params = (rows[-1][2], rows[-1][0])

    def report(self, since: float = 0.0) -> ConsentReport:
        """Aggregate the records with ``recorded_at >= since`` into a :class:`ConsentReport`.

        The database does the counting (:mod:`~cookiewarden.records.report_sql`), in one
        read-only ``REPEATABLE READ`` transaction: memory stays small whatever the number of
        records. Records still queued in memory during an outage are not counted.

        :raises psycopg.OperationalError: when the database cannot be reached.
        :raises CookieWardenError: when the database has no consent records table.

        >>> sink = PostgresSink("postgresql://consent@db.internal/site")  # doctest: +SKIP
        >>> sink.report(since=time.time() - 30 * 86400).choices.accept_all  # doctest: +SKIP
        """

        def work(conn: psycopg.Connection[Any]) -> ConsentReport:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return collect(
                    lambda sql, params: conn.execute(sql, params).fetchall(),
                    POSTGRES,
                    since=since,
                    where=_redact(self._url),
                )

        return self._retrying(work, patient=True)

    # -- closing --------------------------------------------------------------------------

    def close(self, timeout: float = 5.0) -> None:
        """Flush what can be flushed within ``timeout`` seconds, then close the pool.

        Records still queued afterwards are logged at ERROR with their JSON. Idempotent.
        """
        if not self._outbox.close(timeout):
            return  # already closed
        with contextlib.suppress(Exception):
            self._pool.close(timeout=timeout)  # no swap after close: this is the last pool
