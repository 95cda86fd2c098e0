"""Where consent records are kept: the sink interface, and the factory that opens a sink.

Contract: :class:`RecordSink` is what the engine writes to and the ``records`` and ``report``
commands read from; :func:`open_sink` turns the ``consent_log`` option into a sink;
:func:`awrite` writes from async code.

Rules:
1. :meth:`RecordSink.write` is synchronous and durable: it returns once the record is
   committed (or, for a sink that queues during an outage, once it is queued). Async code calls
   :func:`awrite`, which runs it in a worker thread, and answers the visitor only after it
   returns.
2. Values reach a database through query parameters only, never through SQL text.
3. The core never imports a database driver: :func:`open_sink` imports the PostgreSQL sink
   only when a ``postgresql://`` URL asks for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from ..errors import ConfigurationError
from .record import ConsentRecord
from .report import ConsentReport
from .sqlite import SQLiteSink

__all__ = ["RecordSink", "awrite", "open_sink"]


@runtime_checkable
class RecordSink(Protocol):
    """Where consent records are kept.

    Implementations are safe to call from many threads at once.
    """

    def write(self, record: ConsentRecord) -> None:
        """Store ``record``; return only once it is committed (durable)."""

    def get(self, consent_id: str) -> list[ConsentRecord]:
        """Return every record of ``consent_id``, oldest first."""

    def since(self, when: float) -> Iterator[ConsentRecord]:
        """Yield every record with ``recorded_at >= when``, oldest first."""

    def report(self, since: float = 0.0) -> ConsentReport:
        """Aggregate the records with ``recorded_at >= since`` in the store itself (never one
        record at a time in Python) into a :class:`~cookiewarden.records.report.ConsentReport`;
        read-only. Only ``cookiewarden report`` calls it: the middleware needs the other four
        methods alone."""

    def close(self) -> None:
        """Release the sink's resources; it cannot be used afterwards."""


async def awrite(sink: RecordSink, record: ConsentRecord) -> None:
    """Write ``record`` from async code without blocking the event loop.

    ``sink.write`` runs in a worker thread; the coroutine returns once it has returned, so a
    caller that awaits this before answering answers only after the record is committed.
    """
    await asyncio.to_thread(sink.write, record)


def open_sink(url: str | None) -> RecordSink | None:
    """Open the sink the ``consent_log`` option names.

    - ``None``: no sink (consent is not recorded).
    - ``"sqlite:///relative.db"``, ``"sqlite:////abs/path.db"``, or a plain path:
      :class:`SQLiteSink`.
    - ``"postgresql://..."`` or ``"postgres://..."``:
      :class:`~cookiewarden.records.postgres.PostgresSink` (needs the ``postgres`` extra).

    :raises ConfigurationError: naming ``consent_log``, for any other value.
    """
    if url is None:
        return None
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError("consent_log", "must be a database URL or a file path")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return SQLiteSink(url)
    scheme = scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs.db -> "/abs.db".
        if not rest.startswith("/") or not rest[1:]:
            raise ConfigurationError(
                "consent_log", "a SQLite URL is sqlite:///relative.db or sqlite:////abs/path.db"
            )
        return SQLiteSink(rest[1:])
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresSink

        return PostgresSink(url)
    raise ConfigurationError(
        "consent_log",
        f"unsupported scheme {scheme!r}: use sqlite:///path.db, postgresql://... or a file path",
    )
