"""Proof of consent: the record of each choice and where it is kept.

Owns: :class:`ConsentRecord` and :func:`subject_hash` (``record``), the sink interface and the
factory that picks a sink for a URL (``sink``: :class:`RecordSink`, :func:`open_sink`), and the
two stores (``sqlite``: :class:`SQLiteSink`; ``postgres``: :class:`PostgresSink`, needs the
``postgres`` extra, with its outage queue in ``outbox``), and the consent report that each store
aggregates itself (``report``: :class:`ConsentReport` and how choices are counted;
``report_sql``: its queries in both dialects). Neither store imports the other.

May import: :mod:`cookiewarden.errors` and :mod:`cookiewarden.rules`.
"""

from __future__ import annotations

from .postgres import PostgresSink
from .record import ConsentRecord, Method, RecordError, subject_hash
from .report import ConsentReport
from .sink import RecordSink, awrite, open_sink
from .sqlite import SQLiteSink

__all__ = [
    "ConsentRecord",
    "ConsentReport",
    "Method",
    "PostgresSink",
    "RecordError",
    "RecordSink",
    "SQLiteSink",
    "awrite",
    "open_sink",
    "subject_hash",
]
