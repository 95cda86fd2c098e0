"""The PostgreSQL sink's outbox: records the database could not take yet, and the thread that
writes them when it answers again.

Contract: :class:`Outbox` holds at most ``limit`` records in memory, oldest first. Putting the
first one starts a background flusher that writes them in batches through its own connection
and removes each only once it is committed. :meth:`Outbox.close` gives the flusher a deadline
and logs what is left.

Rules:
1. Order is kept: while records are queued a new one joins the queue (:meth:`Outbox.queue_behind`)
   rather than overtake them; only the flusher (or :meth:`Outbox.close`) removes records.
2. Nothing disappears silently. A record that cannot be queued (queue full, outbox closed) or
   that is still queued when :meth:`Outbox.close` gives up is logged at ERROR on the
   ``cookiewarden`` logger *with its JSON*, so an operator can replay it.
3. psycopg is imported only by the flusher thread, which runs only once a record is queued.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from ..errors import CookieWardenError
from .record import ConsentRecord

if TYPE_CHECKING:
    import psycopg

__all__ = ["Outbox"]

logger = logging.getLogger("cookiewarden")

_FLUSH_BACKOFF: Final = (0.1, 2.0)  # the flusher's first and longest wait while the DB is down
_BATCH: Final = 500  # records per flusher transaction


class Outbox:
    """The records a :class:`~cookiewarden.records.postgres.PostgresSink` could not store yet.

    :param url: the database, for the flusher's own connection (a libpq URL or conninfo).
    :param connect_timeout: seconds the flusher waits for a new connection.
    :param limit: most records kept in memory; further records are logged at ERROR with their
        JSON instead.
    :param insert: stores a batch through a connection in one transaction (the sink's insert,
        which also creates the table).
    :param recovered: called by the flusher once a batch is stored after the database failed,
        before the batch leaves the queue: the sink renews its pool then.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: int,
        limit: int,
        insert: Callable[[psycopg.Connection[Any], list[ConsentRecord]], None],
        recovered: Callable[[], None],
    ) -> None:
        self._url = url
        self._connect_timeout = connect_timeout
        self._limit = limit
        self._insert = insert
        self._recovered = recovered
        self._queue: deque[ConsentRecord] = deque()
        #: Guards the queue, :attr:`closed` and the flusher. The sink swaps its pool under it,
        #: and only while not :attr:`closed`, so no new pool appears after :meth:`close`.
        self.lock = threading.Condition()
        self._wake = threading.Event()  # set by close(): the flusher stops waiting
        #: Set once, by :meth:`close`, under :attr:`lock`.
        self.closed = False
        self._close_deadline = 0.0
        self._flusher: threading.Thread | None = None
        # Set when the database failed (not merely a busy pool): the pool is renewed once the
        # queue is flushed. Written under lock.
        self._outage = False

    def queue_behind(self, record: ConsentRecord) -> bool:
        """Queue ``record`` behind the records already waiting, if any; return whether it was.

        While records wait, an outage is in progress: a new one keeps its place in line rather
        than wait on a database that is down.

        :raises CookieWardenError: when the outbox (its sink) is closed.
        """
        with self.lock:
            if self.closed:
                raise CookieWardenError("the consent record sink is closed")
            if self._queue:  # an outage is in progress: keep order, don't wait on it
                self._enqueue([record], None)
                return True
        return False

    def put(self, record: ConsentRecord, error: Exception, *, outage: bool) -> None:
        """Queue ``record``, which could not be written because of ``error``.

        :param outage: the database failed (not merely a busy pool): the ``recovered`` callback
            runs once a batch is stored again.
        """
        with self.lock:
            self._outage |= outage
            self._enqueue([record], error)

    def _enqueue(self, records: Iterable[ConsentRecord], error: Exception | None) -> None:
        # Called with self.lock held.
        for record in records:
            if self.closed:
                logger.error("consent record not stored: the sink is closed: %s", record.to_json())
            elif len(self._queue) >= self._limit:
                logger.error(
                    "consent record not stored: the queue is full (%d records): %s",
                    self._limit,
                    record.to_json(),
                )
            else:
                if not self._queue:
                    logger.warning(
                        "consent records are being queued: the database is unreachable: %s",
                        error,
                    )
                self._queue.append(record)
        if self._queue and self._flusher is None and not self.closed:
            self._flusher = threading.Thread(
                target=self._flush_loop, name="cookiewarden-records-flusher", daemon=True
            )
            self._flusher.start()
        self.lock.notify_all()

    def _flush_loop(self) -> None:
        # Writes the queue, oldest first, through its own connection (not the pool, whose
        # reconnections back off for longer), and removes records only once committed.
        import psycopg

        conn: psycopg.Connection[Any] | None = None
        delay = _FLUSH_BACKOFF[0]
        try:
            while True:
                with self.lock:
                    while not self._queue and not self.closed:
                        self.lock.wait()
                    if not self._queue:
                        return
                    batch = list(islice(self._queue, _BATCH))
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(self._url, connect_timeout=self._connect_timeout)
                    self._insert(conn, batch)
                except psycopg.Error as exc:
                    logger.debug("consent record queue: flush failed: %s", exc)
                    with self.lock:
                        self._outage = True
                    if conn is not None:
                        conn.close()
                        conn = None
                    if self.closed:
                        remaining = self._close_deadline - time.monotonic()
                        if remaining <= 0:
                            return
                        time.sleep(min(delay, remaining))
                    else:
                        self._wake.wait(delay)
                    delay = min(delay * 2, _FLUSH_BACKOFF[1])
                    continue
                delay = _FLUSH_BACKOFF[0]
                with self.lock:
                    renew, self._outage = self._outage, False
                if renew:  # the database is back: give writers a working pool before they return
                    self._recovered()
                with self.lock:
                    for record in batch:  # only this thread (or close) removes records
                        if self._queue and self._queue[0] is record:
                            self._queue.popleft()
                    drained = not self._queue
                    self.lock.notify_all()
                if drained:
                    logger.warning("consent record queue flushed: every queued record is stored")
                    conn.close()  # the pool serves again; don't keep a second connection
                    conn = None
        finally:
            if conn is not None:
                conn.close()

    @property
    def pending(self) -> int:
        """How many records wait in memory for the database."""
        with self.lock:
            return len(self._queue)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until no record is queued; return ``False`` if ``timeout`` passed first."""
        with self.lock:
            return self.lock.wait_for(lambda: not self._queue, timeout)

    def snapshot(self) -> list[ConsentRecord]:
        """The records queued now, oldest first."""
        with self.lock:
            return list(self._queue)

    def close(self, timeout: float) -> bool:
        """Stop taking records, give the flusher ``timeout`` seconds, then drop what is left.

        Records still queued afterwards are logged at ERROR with their JSON. Return ``False``
        when the outbox was already closed (and do nothing).
        """
        with self.lock:
            if self.closed:
                return False
            self.closed = True
            self._close_deadline = time.monotonic() + timeout
            flusher = self._flusher
            self.lock.notify_all()
        self._wake.set()
        if flusher is not None:
            flusher.join(timeout + self._connect_timeout + 1.0)
        with self.lock:
            lost, self._queue = list(self._queue), deque()
            self.lock.notify_all()
        for record in lost:
            logger.error(
                "consent record not stored: the database was unreachable until close: %s",
                record.to_json(),
            )
        return True
