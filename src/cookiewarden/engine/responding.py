"""One request's response side: the Set-Cookie values that leave, and the decisions taken.

Contract: one :class:`Responder` per engine holds what every response shares (the judge, the
ledger, the ``on_decision`` hook, the caches of whole responses). :class:`Exchange` is made by
:meth:`Engine.begin <cookiewarden.engine.core.Engine.begin>` for one request and lives exactly as
long as it; the adapters hand it the app's Set-Cookie values (text for WSGI, raw bytes for ASGI)
and send what it returns.

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
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any, Final

from ..rules.consent import Consent
from ..rules.decision import Action, Decision, RequestFacts
from .bookkeeping import Ledger, Tally
from .cache import RESPONSE_CACHE_MAX, RESPONSE_KEY_MAX, BoundedCache
from .hooks import DecisionHook, RequestInfo, apply_hook
from .judging import Judge, Spliced, action_of, decision_of, name_left

__all__ = ["Exchange", "KeptResponse", "Responder", "is_set_cookie"]

logger = logging.getLogger("cookiewarden")

_SET_COOKIE: Final = b"set-cookie"
HEADERS_KEY_MAX: Final = 8192  # octets of a response's headers worth keeping whole
_UNCHANGED: Final = ((), (), (), False)  # a header list kept whole that holds no Set-Cookie

KeptResponse = tuple[tuple[bytes, ...], tuple[Decision | Spliced, ...], tuple[Tally, ...], bool]
"""A response kept whole: what leaves, its decisions, their tallies, whether any changes."""


def is_set_cookie(name: bytes) -> bool:
    """Whether a raw header name is ``Set-Cookie``, in any case (Django sends ``Set-Cookie``).

    The length is compared first: most header names are not ten octets long, and those are
    answered without lowering anything.
    """
    return name == _SET_COOKIE or (len(name) == 10 and name.lower() == _SET_COOKIE)


class Responder:
    """What the responses of one engine share: the judge, the ledger, the hook, the caches.

    :param judge: judges each Set-Cookie value (cached).
    :param ledger: counts and logs every decision, on every use.
    :param report_only: every header leaves as the app sent it (decisions still taken).
    :param on_decision: the site's hook, offered every decision; ``None``: none.
    :param clock: the current Unix time (for the hook's checks).
    """

    def __init__(
        self,
        judge: Judge,
        ledger: Ledger,
        *,
        report_only: bool,
        on_decision: DecisionHook | None,
        clock: Callable[[], float],
    ) -> None:
        self.judge = judge
        self.ledger = ledger
        self.report_only = report_only
        self.on_decision = on_decision
        self.clock = clock
        # (all Set-Cookie values of a response, host, https, granted) -> what leaves, for
        # responses whose every decision is clock-free, kept from their second sighting.
        self.responses: BoundedCache[
            tuple[tuple[bytes, ...], str, bool, frozenset[str]], KeptResponse
        ] = BoundedCache(RESPONSE_CACHE_MAX)
        # Whole ASGI header lists of such responses -> the header list that leaves.
        self.header_lists: BoundedCache[
            tuple[tuple[tuple[bytes, bytes], ...], str, bool, frozenset[str], tuple[str, ...]],
            tuple[
                tuple[tuple[bytes, bytes], ...],
                tuple[Decision | Spliced, ...],
                tuple[Tally, ...],
                bool,
            ],
        ] = BoundedCache(RESPONSE_CACHE_MAX)
        # Hashes of responses seen once, admitted to the caches above when seen again.
        self.seen_responses: BoundedCache[int, None] = BoundedCache(RESPONSE_CACHE_MAX)

    def hooked(
        self, hook: DecisionHook, decision: Decision, tally: Tally, exchange: Exchange
    ) -> tuple[Decision, Tally]:
        """``decision`` once ``on_decision`` has seen it, and its tally (hooks.py: stricter
        answers count, the others are refused and counted as ``("hook", outcome, category)``)."""
        request = exchange.request
        if request is None:  # begin() without headers: the hook still sees host and path
            request = exchange.request = RequestInfo.build(exchange.facts, ())
        changed, outcome = apply_hook(hook, decision, request, now=self.clock())
        if outcome is None:
            return decision, tally
        if outcome == "refused" or outcome == "error":
            self.ledger.count("hook", outcome, decision.category or "-")
            return decision, tally
        return changed, self.ledger.tally_of(changed)


class Exchange:
    """One request's consent, the cookie header the app sees, and the response rewrite.

    Created by :meth:`Engine.begin <cookiewarden.engine.core.Engine.begin>`; lives exactly as
    long as its request.
    """

    __slots__ = (
        "_decisions",
        "app_cookie_header",
        "consent",
        "deletions",
        "facts",
        "request",
        "required",
        "responder",
    )

    def __init__(
        self,
        responder: Responder,
        facts: RequestFacts,
        consent: Consent,
        app_cookie_header: str | None,
        deletions: tuple[str, ...],
        required: bool = True,
        request: RequestInfo | None = None,
    ) -> None:
        self.responder = responder
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
        return bool(self.deletions) and not self.responder.report_only

    def response_headers(self, set_cookies: Sequence[str]) -> list[str]:
        """The Set-Cookie values to send in place of ``set_cookies``, deletions appended.

        In ``report_only`` every header leaves exactly as the app sent it.
        """
        responder = self.responder
        report_only = responder.report_only
        consent, facts = self.consent, self.facts
        decide = responder.judge.decide
        hook = responder.on_decision
        out: list[str] = []
        decisions: list[Decision] = []
        tallies: list[Tally] = []
        for header in set_cookies:
            decision, tally = decide(header, consent, facts)
            if hook is not None:
                # After the (cached) judgement, on every use: the hook sees this request.
                decision, tally = responder.hooked(hook, decision, tally, self)
            decisions.append(decision)
            tallies.append(tally)
            if report_only:
                out.append(header)
            elif decision.header is not None:
                out.append(decision.header)
        if decisions:
            self._decisions.extend(decisions)
            responder.ledger.record(decisions, tallies)
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
        responder = self.responder
        pairs: tuple[Any, ...] = tuple(headers)  # read twice below, whatever iterable it was
        key = None
        if responder.on_decision is None and not self._decisions:
            facts = self.facts
            try:
                key = (pairs, facts.host, facts.secure, self.consent.granted, self.deletions)
                known = responder.header_lists.get(key)
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
                    responder.ledger.log(map(decision_of, decisions))
                return list(leaving)
        values: list[bytes] = []
        out: list[tuple[bytes, bytes]] = []  # every other header, in order
        first = -1  # where the first Set-Cookie was, among the other headers
        size = 0
        for header in pairs:
            name = header[0]
            size += len(name) + len(header[1])
            # is_set_cookie, written out: a call per header would cost every response.
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
                    if seen in responder.seen_responses:
                        responder.header_lists.put(key, _UNCHANGED)
                    else:
                        responder.seen_responses.put(seen, None)
                return None
            first = len(out)
        leaves, entry = self._raw_values(tuple(values))
        out[first:first] = zip(repeat(_SET_COOKIE), leaves)
        if (
            key is not None
            and entry is not None
            and size + sum(map(len, self.deletions)) <= HEADERS_KEY_MAX
        ):
            responder.header_lists.put(key, (tuple(out), *entry[1:]))
        return out

    def fail_closed(self, headers: Iterable[tuple[Any, Any]] | Iterable[list[Any]]) -> list[Any]:
        """``headers`` without a single Set-Cookie, after an internal error rewriting them.

        A bug in the rewrite must never reach the app or the server, nor let a cookie through
        unjudged: the response leaves with every other header and no cookie at all (logged at
        ERROR with the traceback, counted as ``("error", "response", "-")``).
        """
        logger.exception("cookiewarden: internal error rewriting a response; no cookie set")
        self.responder.ledger.count("error", "response", "-")
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
        responder = self.responder
        if responder.on_decision is not None:
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
        entry = responder.responses.get(response_key)
        report_only = responder.report_only
        decisions: Sequence[Decision | Spliced]
        tallies: Sequence[Tally]
        if entry is not None:
            leaving, decisions, tallies, changed = entry
            out = list(leaving)
        else:
            decisions_, tallies_, out, steady = responder.judge.decide_raws(
                values, consent, facts, report_only=report_only
            )
            decisions, tallies, changed = decisions_, tallies_, True
            if steady and sum(map(len, values)) <= RESPONSE_KEY_MAX:
                seen = hash(response_key)
                if seen in responder.seen_responses:
                    decisions, tallies = tuple(decisions_), tuple(tallies_)
                    changed = any(action_of(d) is not Action.KEEP for d in decisions)
                    entry = (tuple(out), decisions, tallies, changed)
                    responder.responses.put(response_key, entry)
                else:
                    responder.seen_responses.put(seen, None)
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
                self.responder.ledger.log(map(decision_of, decisions))
