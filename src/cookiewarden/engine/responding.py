"""One request's response side: the Set-Cookie values that leave, and the decisions taken.

Contract: :class:`Exchange` is made by :meth:`Engine.begin <cookiewarden.engine.Engine.begin>`
for one request and lives exactly as long as it; the adapters hand it the app's Set-Cookie
values (text for WSGI, raw bytes for ASGI) and send what it returns.

Rules:
1. What leaves is what the engine judged: every Set-Cookie is replaced by its decision's
   header (``None``: dropped), deletions for refused cookies the browser sent follow; in
   ``report_only`` everything leaves as the app sent it.
2. Every decision is counted and, when it drops or rewrites, logged at INFO, on every use,
   whether it came from a cache or not.
3. A response (its Set-Cookie values, or its whole ASGI header list) seen twice for the same
   host, scheme and granted categories, with no decision in it depending on the clock, is kept
   whole and answered by one lookup from then on; a raw value of a known shape is spliced and
   its decision made only when read (:data:`Spliced`, :attr:`Exchange.decisions`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from itertools import count, repeat
from typing import TYPE_CHECKING, Any, Final

from ..rules.consent import Consent
from ..rules.decision import Action, Decision, RequestFacts
from ..rules.reuse import revalue
from .cache import RESPONSE_KEY_MAX
from .hooks import RequestInfo

if TYPE_CHECKING:
    from .core import Engine

__all__ = ["Exchange", "Spliced", "Tally", "decision_of", "tally_value"]

logger = logging.getLogger("cookiewarden")

# How many times one (action, reason, category) was counted: ``next(tally)`` counts one more,
# tally_value reads it. ``next`` on an itertools.count is a single call into C, so threads never
# lose a count and no lock is taken on the way. (Subscripted for the type checker only.)
if TYPE_CHECKING:
    Tally = count[int]
else:
    Tally = count
NO_TALLY: Final[Tally] = count()  # a Pending judgement counts in the tally of what it finishes as


def tally_value(tally: Tally) -> int:
    """How many times ``tally`` was counted (``repr`` of a count is ``count(<next value>)``)."""
    return int(repr(tally)[6:-1])


_SET_COOKIE: Final = b"set-cookie"
HEADERS_KEY_MAX: Final = 8192  # octets of a response's headers worth keeping whole
_UNCHANGED: Final = ((), (), (), False)  # a header list kept whole that holds no Set-Cookie

Spliced = tuple[Decision, bytes, bytes]
"""A decision not made yet: (the judgement of another value of the same shape, the raw
Set-Cookie, its raw value); :func:`decision_of` makes it."""


KeptResponse = tuple[tuple[bytes, ...], tuple["Decision | Spliced", ...], tuple["Tally", ...], bool]
"""A response kept whole: what leaves, its decisions, their tallies, whether any changes."""


def decision_of(entry: Decision | Spliced) -> Decision:
    """The decision for an entry of :attr:`Exchange.decisions`'s store, made if need be."""
    if type(entry) is not tuple:
        return entry  # type: ignore[return-value]
    template, raw, value = entry
    return revalue(template, raw.decode("utf-8", "surrogateescape"), value.decode("ascii"))


def action_of(entry: Decision | Spliced) -> Action:
    """What an entry of :attr:`Exchange.decisions`'s store does (no decision made)."""
    decision = entry[0] if type(entry) is tuple else entry
    assert isinstance(decision, Decision)
    return decision.action


def name_left(entry: Decision | Spliced) -> str | None:
    """The name of the cookie an entry sends, ``None`` when it sends none (no decision made)."""
    decision = entry[0] if type(entry) is tuple else entry
    assert isinstance(decision, Decision)
    return decision.name if decision.header is not None else None


class Exchange:
    """One request's consent, the cookie header the app sees, and the response rewrite.

    Created by :meth:`Engine.begin`; lives exactly as long as its request.
    """

    __slots__ = (
        "_decisions",
        "app_cookie_header",
        "consent",
        "deletions",
        "engine",
        "facts",
        "request",
        "required",
    )

    def __init__(
        self,
        engine: Engine,
        facts: RequestFacts,
        consent: Consent,
        app_cookie_header: str | None,
        deletions: tuple[str, ...],
        required: bool = True,
        request: RequestInfo | None = None,
    ) -> None:
        self.engine = engine
        self.facts = facts
        self.consent = consent
        #: Whether this request needs opt-in consent (``consent_required``, else ``mode``).
        self.required = required
        #: What the hooks see of the request (``None`` when no hook is set).
        self.request = request
        #: The ``Cookie`` header the app should see, or ``None`` to leave the request as it is.
        self.app_cookie_header = app_cookie_header
        #: Deletion headers for refused cookies the browser sent (``clear_refused``).
        self.deletions = deletions
        # Every decision taken for this response, in order; some not made yet (Spliced).
        self._decisions: list[Decision | Spliced] = []

    @property
    def decisions(self) -> list[Decision]:
        """Every decision taken for this response, in order."""
        entries = self._decisions
        for i, entry in enumerate(entries):
            if type(entry) is tuple:
                entries[i] = decision_of(entry)
        return entries  # type: ignore[return-value]

    @property
    def has_work(self) -> bool:
        """Whether a response without Set-Cookie still needs headers added."""
        return bool(self.deletions) and not self.engine.options.report_only

    def response_headers(self, set_cookies: Sequence[str]) -> list[str]:
        """The Set-Cookie values to send in place of ``set_cookies``, deletions appended.

        In ``report_only`` every header leaves exactly as the app sent it.
        """
        engine = self.engine
        report_only = engine.options.report_only
        consent, facts = self.consent, self.facts
        decide = engine.judge.decide
        hook = engine.on_decision
        out: list[str] = []
        decisions: list[Decision] = []
        tallies: list[Tally] = []
        for header in set_cookies:
            decision, tally = decide(header, consent, facts)
            if hook is not None:
                # After the (cached) judgement, on every use: the hook sees this request.
                decision, tally = engine._hooked(hook, decision, tally, self)
            decisions.append(decision)
            tallies.append(tally)
            if report_only:
                out.append(header)
            elif decision.header is not None:
                out.append(decision.header)
        if decisions:
            self._decisions.extend(decisions)
            engine._record(decisions, tallies)
        if not report_only and self.deletions:
            sent = {name_left(entry) for entry in self._decisions}
            out.extend(d for d in self.deletions if d.split("=", 1)[0] not in sent)
        return out

    def response_headers_raw(self, set_cookies: Sequence[bytes]) -> list[bytes]:
        """:meth:`response_headers` for raw values, as ASGI carries them.

        Values are UTF-8 with ``surrogateescape`` (ARCHITECTURE.md); the decisions, counts and
        logs are exactly those of :meth:`response_headers`, only the encoding differs.
        """
        return self._raw_values(tuple(set_cookies))[0]

    def rewrite_raw_headers(
        self, headers: Iterable[tuple[bytes, bytes]] | Iterable[list[bytes]]
    ) -> list[tuple[bytes, bytes]] | None:
        """A raw ASGI header list with its Set-Cookie entries replaced; ``None`` when nothing
        changes (no Set-Cookie, nothing to add).

        Every other header keeps its place; the Set-Cookie values that leave take the place of
        the first Set-Cookie the app sent (or go last when it sent none and deletions are due).
        Set-Cookie is matched in any case (Django sends ``Set-Cookie``). A whole header list
        seen before, with the same deletions due, leaves as it did when its Set-Cookie values
        were kept whole (see :meth:`response_headers_raw`).
        """
        engine = self.engine
        pairs: tuple[Any, ...] = tuple(headers)  # read twice below, whatever iterable it was
        key = None
        if engine.on_decision is None and not self._decisions:
            facts = self.facts
            try:
                key = (pairs, facts.host, facts.secure, self.consent.granted, self.deletions)
                known = engine._header_lists.get(key)
            except TypeError:  # header pairs as lists: not hashable, nothing to look up
                key = known = None
            if known is not None:
                if known is _UNCHANGED:
                    return None
                leaving, decisions, tallies, changed = known
                # _count_raw, written out: this is the path of every repeated response.
                self._decisions.extend(decisions)
                for tally in tallies:
                    next(tally)
                if changed and logger.isEnabledFor(logging.INFO):
                    engine._log(map(decision_of, decisions))
                return list(leaving)
        values: list[bytes] = []
        out: list[tuple[bytes, bytes]] = []  # every other header, in order
        first = -1  # where the first Set-Cookie was, among the other headers
        size = 0
        for header in pairs:
            name = header[0]
            size += len(name) + len(header[1])
            if name == _SET_COOKIE or (len(name) == 10 and name.lower() == _SET_COOKIE):
                if first < 0:
                    first = len(out)
                values.append(header[1])
            elif type(header) is tuple:
                out.append(header)
            else:  # a list: the pairs that leave are tuples, every one
                out.append((name, header[1]))
        if first < 0:
            if not self.has_work:
                # No Set-Cookie: a list seen twice is looked up whole from then on.
                if key is not None and size <= HEADERS_KEY_MAX:
                    seen = hash(key)
                    if seen in engine._seen_responses:
                        engine._header_lists.put(key, _UNCHANGED)
                    else:
                        engine._seen_responses.put(seen, None)
                return None
            first = len(out)
        leaves, entry = self._raw_values(tuple(values))
        out[first:first] = zip(repeat(_SET_COOKIE), leaves)
        if (
            key is not None
            and entry is not None
            and size + sum(map(len, self.deletions)) <= HEADERS_KEY_MAX
        ):
            engine._header_lists.put(key, (tuple(out), *entry[1:]))
        return out

    def fail_closed(self, headers: Iterable[tuple[Any, Any]] | Iterable[list[Any]]) -> list[Any]:
        """``headers`` without a single Set-Cookie, after an internal error rewriting them.

        A bug in the rewrite must never reach the app or the server, nor let a cookie through
        unjudged: the response leaves with every other header and no cookie at all (logged at
        ERROR with the traceback, counted as ``("error", "response", "-")``).
        """
        logger.exception("cookiewarden: internal error rewriting a response; no cookie set")
        self.engine._count("error", "response", "-")
        kept: list[Any] = []
        for header in headers:
            try:
                name, value = header[0], header[1]
                if not (len(name) == 10 and name.lower() in (_SET_COOKIE, "set-cookie")):
                    kept.append((name, value))
            except Exception:  # not a header pair: it does not leave either
                continue
        return kept

    def _raw_values(self, values: tuple[bytes, ...]) -> tuple[list[bytes], KeptResponse | None]:
        """:meth:`response_headers_raw`, and the response as kept whole (when it is)."""
        engine = self.engine
        if engine.on_decision is not None:
            # The hook sees this request, so nothing of the response may be reused whole.
            texts = [raw.decode("utf-8", "surrogateescape") for raw in values]
            encoded = self.response_headers(texts)
            return [v.encode("utf-8", "surrogateescape") for v in encoded], None
        consent, facts = self.consent, self.facts
        # A response that repeats one seen before, for the same host and granted categories,
        # leaves the same way when no decision in it depended on the clock. It is kept whole
        # on its second sighting (the first leaves its hash), so that responses seen once
        # (fresh session ids) never push repeated ones out.
        response_key = (values, facts.host, facts.secure, consent.granted)
        entry = engine._responses.get(response_key)
        report_only = engine.options.report_only
        decisions: Sequence[Decision | Spliced]
        tallies: Sequence[Tally]
        if entry is not None:
            leaving, decisions, tallies, changed = entry
            out = list(leaving)
        else:
            decisions_, tallies_, out, steady = engine.judge.decide_raws(
                values, consent, facts, report_only=report_only
            )
            decisions, tallies, changed = decisions_, tallies_, True
            if steady and sum(map(len, values)) <= RESPONSE_KEY_MAX:
                seen = hash(response_key)
                if seen in engine._seen_responses:
                    decisions, tallies = tuple(decisions_), tuple(tallies_)
                    changed = any(action_of(d) is not Action.KEEP for d in decisions)
                    entry = (tuple(out), decisions, tallies, changed)
                    engine._responses.put(response_key, entry)
                else:
                    engine._seen_responses.put(seen, None)
        self._count_raw(decisions, tallies, changed)
        if not report_only and self.deletions:
            sent = {name_left(entry) for entry in self._decisions}
            out.extend(
                d.encode("utf-8", "surrogateescape")
                for d in self.deletions
                if d.split("=", 1)[0] not in sent
            )
        return out, entry

    def _count_raw(
        self, decisions: Sequence[Decision | Spliced], tallies: Sequence[Tally], changed: bool
    ) -> None:
        """Keep, count and log (when one changes anything) the decisions of one response."""
        if decisions:
            self._decisions.extend(decisions)
            for tally in tallies:
                next(tally)
            if changed and logger.isEnabledFor(logging.INFO):
                self.engine._log(map(decision_of, decisions))
