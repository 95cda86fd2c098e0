"""The engine's bookkeeping: what it counts, what it logs, and the hand-off of consent records.

Contract: one :class:`Ledger` and one :class:`RecordDesk` per
:class:`~cookiewarden.engine.core.Engine`. The parts that decide (the request side, the judge,
the response side) never count or log themselves: they hand their decisions here, on every use,
whether the decision came from a cache or not.

Rules:
1. Counts are kept per (action, reason, category); ``category`` is ``"-"`` where none applies.
   Each key has its own :data:`Tally`, an ``itertools.count``: ``next(tally)`` is one call into
   C, so threads never lose a count and no lock is taken on the way. A cached decision holds its
   tally, so counting it needs no lookup either.
2. Every Set-Cookie decision that drops or rewrites, and every refused cookie expired, is logged
   at INFO on the ``cookiewarden`` logger with the cookie's name, category and reason (in
   ``report_only``: what *would* have happened).
3. A proof-of-consent record is written before the visitor's answer leaves; a failing sink never
   breaks the choice: the failure is logged at ERROR with the record itself.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import count
from typing import TYPE_CHECKING, Final

from ..rules.decision import Action, Decision

if TYPE_CHECKING:
    from ..records.record import ConsentRecord
    from ..records.sink import RecordSink

__all__ = ["NO_TALLY", "Ledger", "RecordDesk", "Tally", "tally_value"]

logger = logging.getLogger("cookiewarden")

# How many times one (action, reason, category) was counted: ``next(tally)`` counts one more,
# tally_value reads it. (Subscripted for the type checker only.)
if TYPE_CHECKING:
    Tally = count[int]
else:
    Tally = count
NO_TALLY: Final[Tally] = count()  # a Pending judgement counts in the tally of what it finishes as


def tally_value(tally: Tally) -> int:
    """How many times ``tally`` was counted (``repr`` of a count is ``count(<next value>)``)."""
    return int(repr(tally)[6:-1])


class Ledger:
    """Counts and log lines of one engine (rules 1 and 2).

    :param report_only: log what *would* have happened.
    """

    def __init__(self, *, report_only: bool) -> None:
        self.report_only = report_only
        self._tallies: dict[tuple[str, str, str], Tally] = {}
        self._lock = threading.Lock()  # taken only to make a new tally, or to read them all

    def tally(self, key: tuple[str, str, str]) -> Tally:
        """The tally of ``key``, made on first use."""
        tally = self._tallies.get(key)
        if tally is None:
            with self._lock:
                tally = self._tallies.setdefault(key, count())
        return tally

    def tally_of(self, decision: Decision) -> Tally:
        """The tally a decision counts in: (action, reason, category or "-")."""
        # ``_value_``: the member's value itself, without the cost of the ``value`` property.
        action, reason = decision.action._value_, decision.reason._value_
        return self.tally((action, reason, decision.category or "-"))

    def count(self, action: str, reason: str, category: str) -> None:
        """Count one event that is not a Set-Cookie decision (a consent refused, a record...)."""
        next(self.tally((action, reason, category)))

    def record(self, decisions: Iterable[Decision], tallies: Iterable[Tally]) -> None:
        """Count decisions and log those that drop or rewrite."""
        for tally in tallies:
            next(tally)
        if logger.isEnabledFor(logging.INFO):
            self.log(decisions)

    def log(self, decisions: Iterable[Decision]) -> None:
        """Log every decision that drops or rewrites, at INFO."""
        for decision in decisions:
            if decision.action is not Action.KEEP:
                logger.info(
                    "%s%s Set-Cookie %r (category %s): %s",
                    "[report-only] would have " if self.report_only else "",
                    "dropped" if decision.action is Action.DROP else "rewritten",
                    decision.name,
                    decision.category or "undeclared",
                    decision.reason.value,
                )

    def log_cleared(self, cleared: Sequence[tuple[str, str]]) -> None:
        """Count and log the deletions of refused cookies, by (name, category)."""
        for _, category in cleared:
            next(self.tally(("clear", "refused-category", category)))
        if logger.isEnabledFor(logging.INFO):
            for name, category in cleared:
                logger.info(
                    "%sexpiring Set-Cookie %r (category %s): refused-category",
                    "[report-only] would be " if self.report_only else "",
                    name,
                    category,
                )

    def stats(self) -> dict[tuple[str, str, str], int]:
        """Counts per (action, reason, category) since start; keys never counted left out."""
        with self._lock:
            tallies = list(self._tallies.items())
        counts = {key: tally_value(tally) for key, tally in tallies}
        return {key: n for key, n in counts.items() if n}

    @property
    def counters(self) -> Counter[tuple[str, str, str]]:
        """:meth:`stats` as a :class:`~collections.Counter` (a snapshot)."""
        return Counter(self.stats())


class RecordDesk:
    """Where an engine's consent records go (rule 3): the sink, opened on the first choice.

    :param consent_log: a ``sqlite:///`` or ``postgresql://`` URL, a
        :class:`~cookiewarden.records.sink.RecordSink`, or ``None`` for none.
    :param ledger: counts each record written, as ``("record", method, "-")``.
    """

    def __init__(self, consent_log: str | RecordSink | None, ledger: Ledger) -> None:
        self._consent_log = consent_log
        self._sink: RecordSink | None = None if isinstance(consent_log, str) else consent_log
        self._lock = threading.Lock()
        self._ledger = ledger

    @property
    def sink(self) -> RecordSink | None:
        """The sink, opened on first use (``None``: no records are kept)."""
        if self._sink is None and isinstance(self._consent_log, str):
            with self._lock:
                if self._sink is None:
                    from ..records.sink import open_sink

                    self._sink = open_sink(self._consent_log)
        return self._sink

    def write(self, record: ConsentRecord) -> None:
        """Commit ``record`` to the sink (blocking: ASGI calls it in a worker thread); a failure
        is logged at ERROR with the record, never raised."""
        try:
            sink = self.sink
            if sink is not None:
                sink.write(record)
                self._ledger.count("record", record.method, "-")
        except Exception:
            logger.exception("cookiewarden: could not record consent %s", record.to_json())

    def close(self) -> None:
        """Close the sink, if one was opened."""
        if self._sink is not None:
            self._sink.close()
