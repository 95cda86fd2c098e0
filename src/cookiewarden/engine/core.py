"""One request's work, for both adapters: read consent, filter request cookies, judge responses.

Contract: the ASGI and WSGI adapters only translate bytes to the plain values this module takes
(host, scheme, path, ``Cookie`` header, ``Sec-GPC``) and write back what it returns. No policy
lives in an adapter, so both behave identically by construction.

Rules:
1. :class:`Engine` is built once per app and validates every option there
   (:class:`~cookiewarden.errors.ConfigurationError`, :class:`~cookiewarden.errors.PolicyError`).
2. :class:`Exchange` holds one request's state and is never shared between requests.
3. Nothing here raises on network input: a bad consent cookie is no consent, a bad Set-Cookie is
   dropped, and every drop and rewrite is logged on the ``cookiewarden`` logger and counted.
4. Caches are bounded and keyed on the raw input they summarise and on everything else the
   answer depends on, so one visitor's consent never decides another's response; nothing that
   depends on the clock is cached without re-checking the clock. They change how fast an answer
   comes, never what it is: every log line and count is made on every use. The caches:

   - ``reader`` (:class:`~cookiewarden.engine.reading.RequestReader`): (``Cookie`` header, GPC,
     https, consent required) → consent, what the app sees, what to clear; used while its
     consent cookie (or adopted banner cookie) has not expired, and not at all when one was
     refused for a reason the clock may change; and one ``cw_consent`` value → its signed
     content (expiry re-checked per use).
   - ``judge`` (:class:`~cookiewarden.engine.judging.Judge`): (Set-Cookie, host, https, granted
     categories) → the clock-free judgement, and the same by the cookie's shape (name and
     attributes) for a value never seen; raw values of a known shape are spliced (ASGI).
   - ``responder.responses``: (all Set-Cookie values of a response, host, https, granted) →
     what leaves, for responses whose every decision is clock-free, kept from their second
     sighting (``responder.seen_responses`` holds the hashes of those seen once).
   - ``responder.header_lists``: (a whole ASGI header list, host, https, granted, deletions
     due) → the header list that leaves, for such responses
     (:mod:`cookiewarden.engine.responding`).
   - ``fact_reader.cache``: (host, scheme, path) → the request's facts (:mod:`.facts`).
   - ``_plans``: (host, scheme, path, ``Cookie`` header, GPC) → the facts and the request side
     (:meth:`Engine.begin_request`, for an engine without hooks), used as the reader's are.

   The ``on_decision`` hook sees the request, so it is never cached: it is offered every
   decision, cached or not, after the judgement (:meth:`Exchange.response_headers`).
5. Where consent is required is decided once per request: by ``consent_required`` when it is
   set, else by the policy's ``mode``; it shapes only an undecided visitor's consent. The
   signed ``cw_consent`` always wins; adopted banner cookies (``consent_sources``) are read only
   when no valid one is present.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..rules.consent import Consent
from ..rules.consent_codec import ConsentCodec
from ..rules.decision import Decision, RequestFacts
from ..rules.policy import Policy
from .bookkeeping import Ledger, RecordDesk
from .cache import (
    FACTS_KEY_MAX,
    REQUEST_CACHE_MAX,
    REQUEST_KEY_MAX,
    BoundedCache,
    RequestSide,
)
from .facts import FactsReader, forwarded_value
from .hooks import ConsentRequired, DecisionHook, RequestInfo
from .hooks import is_required as ask_required
from .issuing import ConsentIssuer
from .judging import Judge
from .options import check_options
from .page import PageCompiler
from .reading import FOREVER, RequestReader, refused_deletions
from .responding import Exchange, Responder

if TYPE_CHECKING:
    from ..records.record import ConsentRecord
    from ..records.sink import RecordSink

__all__ = ["Engine", "Exchange", "forwarded_value", "refused_deletions"]  # re-exported


class Engine:
    """The sans-I/O heart of the middleware: one instance per wrapped app.

    :param policy: the cookie policy to enforce.
    :param secret_keys: signing keys for the consent cookie, newest last.
    :param report_only: decide and log, change nothing.
    :param consent_path: where the consent API and banner are served.
    :param filter_request_cookies: hide refused and blocked cookies from the app.
    :param clear_refused: expire declared cookies of refused categories the browser still sends.
    :param secure_consent_cookie: ``Secure`` on the consent cookie; ``None`` follows the scheme.
    :param trusted_proxies: how many proxies' ``X-Forwarded-Host``/``-Proto``/``-For`` to
        believe (0: none).
    :param consent_log: where proof of consent is recorded: a ``sqlite:///`` or
        ``postgresql://`` URL, a :class:`~cookiewarden.records.RecordSink`, or ``None`` for none.
        The sink is opened on the first choice, not at start-up.
    :param inject_banner: add the banner's ``<script>`` tag to HTML responses.
    :param consent_required: a callable over a :class:`~cookiewarden.engine.hooks.RequestInfo` that
        says whether this request needs opt-in consent (``False``: an undecided visitor is
        treated as opt-out); ``None``: the policy's ``mode`` decides.
    :param on_decision: a callable offered every decision as a
        :class:`~cookiewarden.engine.hooks.DecisionEvent`; it may only make it stricter.
    :param consent_cookie_domain: the ``Domain`` of ``cw_consent`` (shared by subdomains);
        ``None``: host-only.
    :param consent_sources: where consent is read, in order: ``"cookiewarden"`` (required),
        ``"cookieconsent"``, ``"klaro"`` (:mod:`cookiewarden.engine.adopted`).
    :param clock: returns the current Unix time; tests pass a fixed one.
    :raises ConfigurationError: for an invalid option.
    """

    def __init__(
        self,
        policy: Policy,
        secret_keys: Sequence[str],
        *,
        report_only: bool = False,
        consent_path: str = "/_consent",
        filter_request_cookies: bool = True,
        clear_refused: bool = True,
        secure_consent_cookie: bool | None = None,
        trusted_proxies: int = 0,
        consent_log: str | RecordSink | None = "sqlite:///cookiewarden-consent.db",
        inject_banner: bool = False,
        consent_required: ConsentRequired | None = None,
        on_decision: DecisionHook | None = None,
        consent_cookie_domain: str | None = None,
        consent_sources: Sequence[str] = ("cookiewarden",),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = check_options(
            policy,
            secret_keys,
            report_only=report_only,
            consent_path=consent_path,
            filter_request_cookies=filter_request_cookies,
            clear_refused=clear_refused,
            secure_consent_cookie=secure_consent_cookie,
            trusted_proxies=trusted_proxies,
            consent_log=consent_log,
            consent_required=consent_required,
            on_decision=on_decision,
            consent_cookie_domain=consent_cookie_domain,
            consent_sources=consent_sources,
        )
        self.consent_required = consent_required
        self.on_decision = on_decision
        #: Whether the adapters must pass the request headers (a hook wants them).
        self.wants_headers = consent_required is not None or on_decision is not None
        self.consent_cookie_domain = self.options.consent_cookie_domain
        self.consent_sources = self.options.consent_sources
        self._required_by_mode = policy.mode == "opt-in"
        self.policy = policy
        self.codec = ConsentCodec(policy, list(secret_keys))
        self.clock = clock
        self.inject_banner = inject_banner
        # Counts and log lines (rules 1, 2 of bookkeeping.py), and where records go (rule 3).
        self.ledger = Ledger(report_only=report_only)
        self.records = RecordDesk(consent_log, self.ledger)
        # The consent cookie and the proof-of-consent record of each choice (issuing.py).
        self.issuer = ConsentIssuer(
            policy, self.codec, self.options, secret_keys=secret_keys, clock=clock
        )
        # Reading requests' Cookie headers, with its own caches (reading.py).
        self.reader = RequestReader(
            policy, self.codec, self.options, clock=clock, count=self.ledger.count
        )
        # The caches below are keyed on everything their value depends on; see rule 4 above.
        self.fact_reader = FactsReader(self.options.trusted_proxies)
        # What the page guard enforces, compiled per host (page.py).
        self.page = PageCompiler(policy, self.options)
        # (host, scheme, path, Cookie header, GPC) -> (facts, request side): begin_request.
        self._plans: BoundedCache[
            tuple[str | bytes, str, str, str | bytes | None, bool],
            tuple[RequestFacts, RequestSide],
        ] = BoundedCache(REQUEST_CACHE_MAX)
        # Judging Set-Cookie values, with its own caches (judging.py), and what responses share.
        self.judge = Judge(policy, clock=clock, tally_of=self.ledger.tally_of)
        self.responder = Responder(
            self.judge, self.ledger, report_only=report_only, on_decision=on_decision, clock=clock
        )
        self._endpoint_prefix = consent_path + "/"

    # -- request side ---------------------------------------------------------------------

    def is_endpoint(self, path: str) -> bool:
        """Whether ``path`` is served by the consent API (``consent_path`` and below)."""
        return path == self.options.consent_path or path.startswith(self._endpoint_prefix)

    def request_facts(
        self,
        *,
        host: str | None,
        scheme: str,
        path: str = "/",
        forwarded_host: str | None = None,
        forwarded_proto: str | None = None,
    ) -> RequestFacts:
        """Build the :class:`RequestFacts`, believing ``X-Forwarded-*`` only when configured
        (:class:`~cookiewarden.engine.facts.FactsReader`)."""
        return self.fact_reader.request_facts(
            host=host,
            scheme=scheme,
            path=path,
            forwarded_host=forwarded_host,
            forwarded_proto=forwarded_proto,
        )

    def facts(self, host: str, scheme: str, path: str) -> RequestFacts:
        """:meth:`request_facts` for an adapter that believes no ``X-Forwarded-*``, cached."""
        return self.fact_reader.facts(host, scheme, path)

    def consent_without_cookies(self, gpc: bool) -> Consent:
        """The consent of a request without a ``Cookie`` header, for an engine without hooks:
        always the same (undecided, shaped by GPC and the policy's ``mode``), so an adapter may
        keep it and skip :meth:`begin_request` for such requests until a Set-Cookie needs
        judging."""
        return self.reader.side(None, gpc, False, self._required_by_mode)[0].consent

    def read_consent(
        self, pairs: Iterable[tuple[str, str]], *, gpc: bool, required: bool | None = None
    ) -> Consent:
        """The visitor's consent from their ``cw_consent`` cookies (the newest valid one counts),
        else from the adopted ``consent_sources``; else undecided (shaped by ``required``:
        ``None`` follows the policy's ``mode``)."""
        if required is None:
            required = self._required_by_mode
        return self.reader.consent_at(pairs, gpc, self.clock(), required)[0]

    def is_required(self, request: RequestInfo | None) -> bool:
        """Whether this request needs opt-in consent: ``consent_required``'s answer when it is
        set (never raises: see :func:`~cookiewarden.engine.hooks.is_required`), else the policy's
        ``mode``."""
        if self.consent_required is None or request is None:
            return self._required_by_mode
        return ask_required(self.consent_required, request)

    def begin(
        self,
        facts: RequestFacts,
        cookie_header: str | bytes | None,
        *,
        gpc: bool = False,
        headers: Iterable[tuple[str, str]] | None = None,
    ) -> Exchange:
        """Start one request: read its consent, work out what the app may see and what to clear.

        A request without cookies has nothing to read, hide or clear. Otherwise the outcome is
        a function of the ``Cookie`` header, ``gpc``, ``facts.secure``, whether consent is
        required and the clock, so it is cached under the first four and used only while the
        clock says it still holds (its consent cookie has not expired); deletions are logged and
        counted on every use.

        :param cookie_header: the ``Cookie`` header as text, or as the raw bytes ASGI carries
            (UTF-8 with ``surrogateescape``: decoded only when the cache does not know it).
        :param headers: the request's header pairs; needed (and only read) when
            ``consent_required`` or ``on_decision`` is set (:attr:`wants_headers`).
        """
        if self.wants_headers:
            request: RequestInfo | None = RequestInfo.build(facts, headers or ())
            required = self.is_required(request)
        else:
            # The hot path: no hook, so the policy's mode decides, for every request alike.
            request = None
            required = self._required_by_mode
        side, _ = self.reader.side(cookie_header, gpc, facts.secure, required)
        if side.cleared:
            self.ledger.log_cleared(side.cleared)
        return Exchange(
            self.responder,
            facts,
            side.consent,
            side.app_cookie_header,
            side.deletions,
            required,
            request,
        )

    def begin_request(
        self,
        host: str | bytes,
        scheme: str,
        path: str,
        cookie_header: str | bytes | None,
        *,
        gpc: bool = False,
    ) -> Exchange:
        """:meth:`begin` from the raw request values, by one lookup for a request seen before.

        For an engine without hooks (:attr:`wants_headers` false) behind an adapter that
        believes no ``X-Forwarded-*``: the facts and the request side are then a function of
        these five values and the clock, so a request that repeats them is answered by one
        lookup, used while its consent holds (as :meth:`begin`'s own cache); deletions are
        logged and counted on every use.

        :param host: the ``Host`` header (or the server name), as text or as the raw bytes
            ASGI carries (decoded only when the request was not seen before).
        :raises TypeError: the engine has a hook (use :meth:`begin` with the headers).
        """
        key = (host, scheme, path, cookie_header, gpc)
        plan = self._plans.get(key)  # filled only below, so never for an engine with hooks
        if plan is not None:
            facts, side = plan
            if side.valid_until == FOREVER or side.valid_from <= self.clock() < side.valid_until:
                if side.cleared:
                    self.ledger.log_cleared(side.cleared)
                return Exchange(
                    self.responder,
                    facts,
                    side.consent,
                    side.app_cookie_header,
                    side.deletions,
                    self._required_by_mode,
                )
        if self.wants_headers:
            raise TypeError("begin_request() is for an engine without hooks; use begin()")
        host_text = host.decode("utf-8", "surrogateescape") if type(host) is bytes else host
        facts = self.fact_reader.facts(host_text, scheme, path)  # type: ignore[arg-type]
        side, steady = self.reader.side(cookie_header, gpc, facts.secure, self._required_by_mode)
        if (
            steady
            and len(host) + len(path) <= FACTS_KEY_MAX
            and (cookie_header is None or len(cookie_header) <= REQUEST_KEY_MAX)
        ):
            self._plans.put(key, (facts, side))
        if side.cleared:
            self.ledger.log_cleared(side.cleared)
        return Exchange(
            self.responder,
            facts,
            side.consent,
            side.app_cookie_header,
            side.deletions,
            self._required_by_mode,
        )

    def deletions_for(self, names: Iterable[str], consent: Consent, *, secure: bool) -> list[str]:
        """Deletion headers for the *declared* cookies among ``names`` that ``consent`` refuses.

        Undeclared cookies are never expired: they may belong to another site sharing the domain.
        """
        out, cleared = self.reader.deletions(names, consent, secure=secure)
        self.ledger.log_cleared(cleared)
        return out

    def all_declared_deletions(self, consent: Consent, *, secure: bool) -> list[str]:
        """Deletion headers for every exactly-named declared cookie ``consent`` refuses."""
        names = [r.name for r in self.policy.cookies if not r.is_glob]
        return self.deletions_for(names, consent, secure=secure)

    # -- response side --------------------------------------------------------------------

    def decide(self, header: str, consent: Consent, facts: RequestFacts) -> Decision:
        """Judge one Set-Cookie value, count it and log it. Never raises."""
        decision, tally = self.judge.decide(header, consent, facts)
        self.ledger.record((decision,), (tally,))
        return decision

    # -- consent API ----------------------------------------------------------------------

    def make_record(
        self,
        consent: Consent,
        *,
        source: str,
        client: str | None,
        user_agent: str | None,
        forwarded_for: str | None = None,
    ) -> ConsentRecord | None:
        """The proof-of-consent record of a choice (:meth:`ConsentIssuer.record
        <cookiewarden.engine.issuing.ConsentIssuer.record>`), from the client the request came
        from: the one ``X-Forwarded-For`` (``forwarded_for``) reports when ``trusted_proxies``
        says to believe it."""
        trusted = self.options.trusted_proxies
        if trusted:
            client = forwarded_value(forwarded_for, trusted) or client
        return self.issuer.record(consent, source=source, client=client, user_agent=user_agent)

    @property
    def sink(self) -> RecordSink | None:
        """The consent-record sink, opened on first use (:class:`~.bookkeeping.RecordDesk`)."""
        return self.records.sink

    def record(self, record: ConsentRecord) -> None:
        """Commit ``record`` to the sink (blocking: ASGI calls it in a worker thread); a failing
        sink never breaks the visitor's choice (logged at ERROR with the record)."""
        self.records.write(record)

    def close(self) -> None:
        """Close the consent-record sink, if one was opened."""
        self.records.close()

    # -- bookkeeping ----------------------------------------------------------------------

    @property
    def counters(self) -> Counter[tuple[str, str, str]]:
        """Counts per (action, reason, category) since start (a snapshot; see :meth:`stats`)."""
        return self.ledger.counters

    def stats(self) -> dict[tuple[str, str, str], int]:
        """Counts per (action, reason, category) since start."""
        return self.ledger.stats()
