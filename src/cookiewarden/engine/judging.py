"""Judging Set-Cookie values for one policy, with the caches that make a repeat cheap.

Contract: :class:`Judge` turns one Set-Cookie value (text, or raw bytes as ASGI carries it),
the visitor's consent and the request facts into the :class:`~cookiewarden.rules.decision.Decision`
that :func:`~cookiewarden.rules.decide.decide` would take, and the tally it counts in. It counts and
logs nothing itself: the :class:`~cookiewarden.engine.responding.Exchange` does, on every use.

Rules:
1. What :func:`~cookiewarden.rules.decide.judge` concludes depends on the value, the host, the
   scheme and the granted categories alone, so it is cached under exactly those; a judgement
   that waits for the clock (a :class:`~cookiewarden.rules.reuse.Pending`) is finished with
   the time afresh on every use, so no decision that depends on the clock is ever reused.
2. A value that differs from one judged before only in the value of a named cookie is judged
   by :func:`~cookiewarden.rules.reuse.revalue` from the judgement of its shape (name, attributes,
   host, scheme, granted); a raw ASCII value of a known shape is spliced, not parsed, and its
   decision made only when read (:data:`Spliced`).
3. Keys longer than ``JUDGED_KEY_MAX`` are judged every time, never kept; every cache is a
   :class:`~cookiewarden.engine.cache.BoundedCache`.
4. Nothing raises: an internal error drops the header (logged at ERROR).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Final

from ..rules.consent import Consent
from ..rules.decide import judge
from ..rules.decision import Action, Decision, Reason, RequestFacts
from ..rules.policy import Policy
from ..rules.reuse import Pending, revalue, value_free
from .bookkeeping import NO_TALLY, Tally
from .cache import JUDGED_CACHE_MAX, JUDGED_KEY_MAX, RAW_SHAPE_MAX, SHAPE_CACHE_MAX, BoundedCache

__all__ = ["Judge", "Spliced", "action_of", "decision_of", "name_left"]

logger = logging.getLogger("cookiewarden")

# The octets of a plain raw value: printable ASCII (deleting them leaves nothing). Only such
# values are spliced: a control character makes the parser reject the header whole, so does
# HTAB inside a value (as Chromium does), and other octets take the long way.
_PLAIN_RAW: Final = bytes(range(0x20, 0x7F))
_RAW_WSP: Final = (b" ", b"\t")


Spliced = tuple[Decision, bytes, bytes]
"""A decision not made yet: (the judgement of another value of the same shape, the raw
Set-Cookie, its raw value); :func:`decision_of` makes it."""


def decision_of(entry: Decision | Spliced) -> Decision:
    """The decision of a judged entry (a :class:`Decision` or a :data:`Spliced`), made if need
    be."""
    if type(entry) is not tuple:
        return entry  # type: ignore[return-value]
    template, raw, value = entry
    return revalue(template, raw.decode("utf-8", "surrogateescape"), value.decode("ascii"))


def action_of(entry: Decision | Spliced) -> Action:
    """What a judged entry does (no decision made)."""
    decision = entry[0] if type(entry) is tuple else entry
    assert isinstance(decision, Decision)
    return decision.action


def name_left(entry: Decision | Spliced) -> str | None:
    """The name of the cookie a judged entry sends, ``None`` when it sends none (no decision
    made)."""
    decision = entry[0] if type(entry) is tuple else entry
    assert isinstance(decision, Decision)
    return decision.name if decision.header is not None else None


def _internal_error(header: str) -> Decision:
    """A bug must never break the host app: the header is dropped (the error was logged)."""
    return Decision(Action.DROP, Reason.UNPARSEABLE, None, None, header, None)


class Judge:
    """Judges Set-Cookie values under one policy; one per :class:`~cookiewarden.engine.core.Engine`.

    :param policy: the policy every judgement follows.
    :param clock: the current Unix time (a :class:`~cookiewarden.rules.reuse.Pending` reads it).
    :param tally_of: the tally a decision counts in (the engine's counters).
    """

    def __init__(
        self,
        policy: Policy,
        *,
        clock: Callable[[], float],
        tally_of: Callable[[Decision], Tally],
    ) -> None:
        self.policy = policy
        self.clock = clock
        self._tally_of = tally_of
        # (Set-Cookie, host, https, granted) -> the clock-free judgement and its tally.
        self._judged: BoundedCache[
            tuple[str, str, bool, frozenset[str]], tuple[Decision | Pending, Tally]
        ] = BoundedCache(JUDGED_CACHE_MAX)
        # The same for raw values as ASGI carries them, with what leaves already encoded.
        self._judged_raw: BoundedCache[
            tuple[bytes, str, bool, frozenset[str]],
            tuple[Decision | Pending | Spliced, Tally, bytes | None],
        ] = BoundedCache(JUDGED_CACHE_MAX)
        # (name, attributes, host, secure, granted) -> a judgement to revalue: see _judge.
        self._shapes: BoundedCache[
            tuple[str, str, str, bool, frozenset[str]], Decision | Pending
        ] = BoundedCache(SHAPE_CACHE_MAX)
        # (raw name, raw attributes, host, secure, granted) -> (judgement, tally, head, tail):
        # a raw ASCII value of that shape leaves as head + value + tail (see decide_raw).
        self._raw_shapes: BoundedCache[
            tuple[bytes, bytes, str, bool, frozenset[str]],
            tuple[Decision, Tally, bytes | None, bytes],
        ] = BoundedCache(RAW_SHAPE_MAX)

    def decide(self, header: str, consent: Consent, facts: RequestFacts) -> tuple[Decision, Tally]:
        """The decision for one Set-Cookie value, and its tally; nothing recorded.

        What :func:`~cookiewarden.rules.decide.judge` concludes depends on the header, the host and
        the granted categories alone, so it is cached under exactly those; a judgement that
        waits for the clock (a :class:`~cookiewarden.rules.reuse.Pending`) is finished with the
        time afresh on every use, so no decision that depends on the clock is ever reused.
        """
        key = (header, facts.host, facts.secure, consent.granted)
        cached = self._judged.get(key)
        if cached is None:
            judged = self._judge(header, consent, facts)
            if judged is None:
                decision = _internal_error(header)
                return decision, self._tally_of(decision)
            cached = (judged, self._tally_of(judged) if type(judged) is Decision else NO_TALLY)
            if len(header) <= JUDGED_KEY_MAX:
                self._judged.put(key, cached)
        judged, tally = cached
        if type(judged) is Decision:
            return judged, tally
        decision = self._finish(judged, header)
        return decision, self._tally_of(decision)

    def decide_raw(
        self, raw: bytes, consent: Consent, facts: RequestFacts
    ) -> tuple[Decision | Spliced, Tally, bytes | None, bool]:
        """:meth:`decide` for a raw value as ASGI carries it (UTF-8 with ``surrogateescape``).

        :returns: the decision (or its :data:`Spliced` form), its tally, the header that leaves
            already encoded (``None`` when dropped), and whether the decision holds at any time.
        """
        decisions, tallies, leaving, steady = self.decide_raws((raw,), consent, facts)
        return decisions[0], tallies[0], leaving[0] if leaving else None, steady

    def decide_raws(
        self,
        values: Iterable[bytes],
        consent: Consent,
        facts: RequestFacts,
        *,
        report_only: bool = False,
    ) -> tuple[list[Decision | Spliced], list[Tally], list[bytes], bool]:
        """:meth:`decide` for the raw values of one response, in order.

        A value never seen before, of a named ASCII cookie whose shape (raw name and attributes)
        was judged before, is not parsed at all: what leaves is the judged header with this
        value spliced in, and the decision is a :data:`Spliced` that :func:`decision_of` turns
        into exactly what :func:`~cookiewarden.rules.reuse.revalue` (and so
        :func:`~cookiewarden.rules.decide.judge`) concludes, when something reads it.

        :param report_only: what leaves is every value as it came.
        :returns: the decisions (some in their :data:`Spliced` form), their tallies, the headers
            that leave already encoded (the dropped ones left out), and whether every decision
            holds at any time (the clock played none): only such responses may be kept whole.
        """
        host, secure, granted = facts.host, facts.secure, consent.granted
        shapes = self._raw_shapes
        decisions: list[Decision | Spliced] = []
        tallies: list[Tally] = []
        leaving: list[bytes] = []
        steady = True
        for raw in values:
            shape_key = value = None
            # bytes.translate deletes in one C pass: three times faster than a regex search.
            if len(raw) <= JUDGED_KEY_MAX and not raw.translate(None, _PLAIN_RAW):
                # Steps 1-5 of the parse as value_free takes them, on bytes: the name, the
                # value (no whitespace to trim, or it goes the long way) and the attributes.
                pair, _, attributes = raw.partition(b";")
                name, equals, value = pair.partition(b"=")
                if equals and value[:1] not in _RAW_WSP and value[-1:] not in _RAW_WSP:
                    shape_key = (name, attributes, host, secure, granted)
                    shape = shapes.get(shape_key)
                    if shape is not None:
                        # Not kept by value: a splice costs little more than a lookup, and
                        # values seen once (session ids) would only push repeated ones out.
                        template, tally, head, tail = shape
                        decisions.append((template, raw, value))
                        tallies.append(tally)
                        if report_only:
                            leaving.append(raw)
                        elif head is not None:
                            leaving.append(head + value + tail)
                        continue
            decision, tally, leaves, clock_free = self._judge_raw(
                raw, shape_key, value, consent, facts
            )
            decisions.append(decision)
            tallies.append(tally)
            steady = steady and clock_free
            if report_only:
                leaving.append(raw)
            elif leaves is not None:
                leaving.append(leaves)
        return decisions, tallies, leaving, steady

    def _judge_raw(
        self,
        raw: bytes,
        shape_key: tuple[bytes, bytes, str, bool, frozenset[str]] | None,
        value: bytes | None,
        consent: Consent,
        facts: RequestFacts,
    ) -> tuple[Decision, Tally, bytes | None, bool]:
        """A raw value no known shape splices: by its own cache, else judged (and its shape
        kept, under ``shape_key``, for the values that follow)."""
        key = (raw, facts.host, facts.secure, consent.granted)
        cached = self._judged_raw.get(key)
        if cached is not None:
            known = cached[0]
            if not isinstance(known, Pending):
                return known, cached[1], cached[2], True  # type: ignore[return-value]
            decision = self._finish(known, raw.decode("utf-8", "surrogateescape"))
            leaves = decision.header
            return (
                decision,
                self._tally_of(decision),
                None if leaves is None else leaves.encode("utf-8", "surrogateescape"),
                False,
            )
        header = raw.decode("utf-8", "surrogateescape")
        judged = self._judge(header, consent, facts)
        if judged is None:
            decision = _internal_error(header)
            return decision, self._tally_of(decision), None, False
        if type(judged) is not Decision:
            if len(raw) <= JUDGED_KEY_MAX:
                self._judged_raw.put(key, (judged, NO_TALLY, None))
            decision = self._finish(judged, header)
            judged_tally = self._tally_of(decision)
        else:
            decision, judged_tally = judged, self._tally_of(judged)
        leaves = decision.header
        encoded = None if leaves is None else leaves.encode("utf-8", "surrogateescape")
        if decision is not judged:
            return decision, judged_tally, encoded, False
        if len(raw) <= JUDGED_KEY_MAX:
            self._judged_raw.put(key, (judged, judged_tally, encoded))
        if shape_key is not None and value is not None:
            self._keep_shape(shape_key, judged, judged_tally, value)
        return judged, judged_tally, encoded, True

    def _keep_shape(
        self,
        shape_key: tuple[bytes, bytes, str, bool, frozenset[str]],
        judged: Decision,
        tally: Tally,
        value: bytes,
    ) -> None:
        """Remember how a raw value of this shape leaves: ``head + value + tail``.

        Only for the judgement of a named, parsed cookie whose value is the raw one and whose
        header renders ``name=value`` first (as :meth:`SetCookie.to_header` does): exactly the
        judgements :func:`~cookiewarden.rules.reuse.revalue` accepts.
        """
        cookie = judged.cookie
        if cookie is None or not cookie.name or cookie.value != value.decode("ascii"):
            return
        leaving = judged.header
        if leaving is None:
            self._raw_shapes.put(shape_key, (judged, tally, None, b""))
            return
        pair = f"{cookie.name}={cookie.value}"
        if leaving.startswith(pair):
            head = f"{cookie.name}=".encode("utf-8", "surrogateescape")
            tail = leaving[len(pair) :].encode("utf-8", "surrogateescape")
            self._raw_shapes.put(shape_key, (judged, tally, head, tail))

    def _judge(
        self, header: str, consent: Consent, facts: RequestFacts
    ) -> Decision | Pending | None:
        """:func:`~cookiewarden.rules.decide.judge`, or ``None`` after logging an internal error.

        A header that differs from one judged before only in the value of a named cookie is
        judged by :func:`~cookiewarden.rules.reuse.revalue`, under a key that holds everything else
        the judgement depends on.
        """
        try:
            split = value_free(header)
            if split is None:
                return judge(header, policy=self.policy, consent=consent, facts=facts)
            name, attributes, value = split
            key = (name, attributes, facts.host, facts.secure, consent.granted)
            template = self._shapes.get(key)
            if template is not None:
                return revalue(template, header, value)
            judged = judge(header, policy=self.policy, consent=consent, facts=facts)
            # A judgement of a parsed cookie is a template (a Pending stays one: revalued, it
            # still reads the clock on every use).
            parsed = isinstance(judged, Pending) or judged.cookie is not None
            if parsed and len(header) <= JUDGED_KEY_MAX:
                self._shapes.put(key, judged)
            return judged
        except Exception:  # pragma: no cover - a bug must never break the host app
            logger.exception("cookiewarden: internal error judging a Set-Cookie; dropped")
            return None

    def _finish(self, judged: Decision | Pending, header: str) -> Decision:
        """Finish a judgement with the time now (every time: it depends on the clock)."""
        if isinstance(judged, Decision):
            return judged
        try:
            return judged.finish(self.clock())
        except Exception:  # pragma: no cover - a bug must never break the host app
            logger.exception("cookiewarden: internal error judging a Set-Cookie; dropped")
            return _internal_error(header)
