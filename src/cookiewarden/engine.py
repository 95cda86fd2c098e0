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
4. Caches are bounded and keyed on the raw input they summarise; nothing that depends on the
   clock is cached without re-checking the clock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .consent import Consent, ConsentCodec
from .cookies import deletion_header, parse_cookie_header, render_cookie_header
from .decide import Action, Decision, RequestFacts, decide
from .domains import canonical_host
from .errors import ConfigurationError
from .policy import CONSENT_COOKIE, Policy

if TYPE_CHECKING:
    from .endpoints import EndpointRequest, EndpointResponse
    from .records import ConsentRecord, RecordSink

__all__ = ["Engine", "Exchange", "forwarded_value"]

logger = logging.getLogger("cookiewarden")

_CACHE_MAX = 4096


class _BoundedCache(dict[str, object]):
    """A dict that forgets everything when full: O(1), bounded, and good enough for hot keys."""

    __slots__ = ("limit",)

    def __init__(self, limit: int = _CACHE_MAX) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: str, value: object) -> None:
        if len(self) >= self.limit:
            self.clear()
        self[key] = value


def forwarded_value(value: str | None, trusted: int) -> str | None:
    """The value that the outermost of ``trusted`` proxies appended to an ``X-Forwarded-*`` list.

    Each proxy appends what it saw, so with ``trusted`` proxies in front of the app the value to
    believe is the ``trusted``-th from the right. Fewer entries than that: nothing is believed.
    """
    if not value or trusted <= 0:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) < trusted:
        return None
    return parts[-trusted] or None


@dataclass(frozen=True, slots=True)
class _Options:
    report_only: bool
    consent_path: str
    filter_request_cookies: bool
    clear_refused: bool
    secure_consent_cookie: bool | None
    trusted_proxies: int


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
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(policy, Policy):
            raise ConfigurationError("policy", "expected a cookiewarden.Policy")
        if isinstance(secret_keys, str):
            raise ConfigurationError("secret_keys", "expected a list of strings, newest last")
        if (
            not consent_path.startswith("/")
            or consent_path.endswith("/")
            or any(c in consent_path for c in "?#; ")
        ):
            raise ConfigurationError(
                "consent_path", f"must be an absolute path like '/_consent', got {consent_path!r}"
            )
        if not isinstance(trusted_proxies, int) or trusted_proxies < 0:
            raise ConfigurationError("trusted_proxies", "must be a whole number ≥ 0")
        self.policy = policy
        self.codec = ConsentCodec(policy, list(secret_keys))
        self.options = _Options(
            report_only=report_only,
            consent_path=consent_path,
            filter_request_cookies=filter_request_cookies,
            clear_refused=clear_refused,
            secure_consent_cookie=secure_consent_cookie,
            trusted_proxies=trusted_proxies,
        )
        self.clock = clock
        self.inject_banner = inject_banner
        if consent_log is not None and not isinstance(consent_log, str):
            if not all(hasattr(consent_log, m) for m in ("write", "get", "since", "close")):
                raise ConfigurationError("consent_log", "expected a URL, a RecordSink or None")
        elif isinstance(consent_log, str):
            _check_sink_url(consent_log)
        self._consent_log = consent_log
        self._sink: RecordSink | None = None if isinstance(consent_log, str) else consent_log
        self._sink_lock = threading.Lock()
        # Records hash the visitor's IP and user agent with a key derived from the newest secret.
        self._record_salt = hashlib.sha256(
            b"cookiewarden.records\0" + secret_keys[-1].encode("utf-8")
        ).digest()
        self.counters: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._verified = _BoundedCache()
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
        """Build the :class:`RequestFacts`, believing ``X-Forwarded-*`` only when configured."""
        trusted = self.options.trusted_proxies
        if trusted:
            host = forwarded_value(forwarded_host, trusted) or host
            scheme = forwarded_value(forwarded_proto, trusted) or scheme
        return RequestFacts(
            host=canonical_host(host or ""),
            secure=scheme.lower() in ("https", "wss"),
            path=path,
        )

    def read_consent(self, pairs: Iterable[tuple[str, str]], *, gpc: bool) -> Consent:
        """The visitor's consent from their ``cw_consent`` cookies: the newest valid one counts."""
        now = self.clock()
        best: Consent | None = None
        for name, value in pairs:
            if name != CONSENT_COOKIE:
                continue
            consent = self._verify(value, now)
            if consent is not None and (
                best is None or (consent.issued_at or 0) > (best.issued_at or 0)
            ):
                best = consent
        if best is None:
            return Consent.undecided(self.policy, gpc=gpc)
        if gpc and not best.gpc:
            return dataclasses.replace(best, gpc=True)
        return best

    def _verify(self, value: str, now: float) -> Consent | None:
        cached = self._verified.get(value, _MISSING)
        if cached is _MISSING:
            consent, reason = self.codec.loads(value, now=now)
            if consent is None:
                self._count("consent", reason, "-")
                if reason == "expired":
                    return None  # depends on the clock: never cached
            self._verified.put(value, consent)
            return consent
        if cached is None:
            return None
        assert isinstance(cached, Consent)
        # The signature was checked once; expiry depends on the clock and is checked every time.
        if (cached.issued_at or 0) + self.policy.consent_max_age <= now:
            return None
        return cached

    def begin(
        self,
        facts: RequestFacts,
        cookie_header: str | None,
        *,
        gpc: bool = False,
    ) -> Exchange:
        """Start one request: read its consent, work out what the app may see and what to clear."""
        pairs = parse_cookie_header(cookie_header) if cookie_header else []
        consent = self.read_consent(pairs, gpc=gpc)
        app_cookie_header: str | None = None
        deletions: list[str] = []
        if pairs:
            hidden = self.hidden_cookies(pairs, consent)
            if hidden:
                if self.options.filter_request_cookies and not self.options.report_only:
                    app_cookie_header = render_cookie_header(
                        p for i, p in enumerate(pairs) if i not in hidden
                    )
                if self.options.clear_refused:
                    deletions = self.deletions_for(
                        (pairs[i][0] for i in hidden), consent, secure=facts.secure
                    )
        return Exchange(self, facts, consent, app_cookie_header, deletions)

    def hidden_cookies(self, pairs: Sequence[tuple[str, str]], consent: Consent) -> set[int]:
        """Indexes of the request cookies the app must not see under ``consent``."""
        policy = self.policy
        hidden: set[int] = set()
        for i, (name, value) in enumerate(pairs):
            if not name and "=" in value:
                name = value.split("=", 1)[0].strip()
            rule = policy.lookup(name) if name else None
            if rule is not None:
                category: str | None = rule.category
            elif policy.unknown == "block":
                hidden.add(i)
                continue
            elif policy.unknown == "allow":
                continue
            else:
                category = policy.unknown
            if category is not None and not consent.allows(category):
                hidden.add(i)
        return hidden

    def deletions_for(self, names: Iterable[str], consent: Consent, *, secure: bool) -> list[str]:
        """Deletion headers for the *declared* cookies among ``names`` that ``consent`` refuses.

        Undeclared cookies are never expired: they may belong to another site sharing the domain.
        """
        out: list[str] = []
        seen: set[str] = set()
        for name in names:
            if not name or name in seen:
                continue
            seen.add(name)
            rule = self.policy.lookup(name)
            if rule is None or consent.allows(rule.category):
                continue
            host_prefixed = name[:7].lower() == "__host-"
            try:
                header = deletion_header(
                    name,
                    domain=None if host_prefixed else rule.domain,
                    path="/" if host_prefixed else rule.path,
                    secure=secure or host_prefixed or name[:9].lower() == "__secure-",
                )
            except ValueError:
                # A name no Set-Cookie can carry (control characters...): nothing to expire.
                continue
            out.append(header)
            self._log_clear(name, rule.category)
        return out

    def all_declared_deletions(self, consent: Consent, *, secure: bool) -> list[str]:
        """Deletion headers for every exactly-named declared cookie ``consent`` refuses."""
        names = [r.name for r in self.policy.cookies if not r.is_glob]
        return self.deletions_for(names, consent, secure=secure)

    # -- response side --------------------------------------------------------------------

    def decide(self, header: str, consent: Consent, facts: RequestFacts) -> Decision:
        """Judge one Set-Cookie value, count it and log it. Never raises."""
        try:
            decision = decide(
                header, policy=self.policy, consent=consent, facts=facts, now=self.clock()
            )
        except Exception:  # pragma: no cover - a bug must never break the host app
            logger.exception("cookiewarden: internal error judging a Set-Cookie; dropped")
            from .decide import Reason

            decision = Decision(Action.DROP, Reason.UNPARSEABLE, None, None, header, None)
        self._count(decision.action.value, decision.reason.value, decision.category or "-")
        if decision.action is not Action.KEEP and logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s%s Set-Cookie %r (category %s): %s",
                "[report-only] would have " if self.options.report_only else "",
                "dropped" if decision.action is Action.DROP else "rewritten",
                decision.name,
                decision.category or "undeclared",
                decision.reason.value,
            )
        return decision

    def consent_cookie(self, consent: Consent, facts: RequestFacts) -> str:
        """The ``Set-Cookie`` value that stores ``consent`` in the visitor's browser."""
        secure = self.options.secure_consent_cookie
        if secure is None:
            secure = facts.secure
        token = self.codec.dumps(consent)
        parts = [
            f"{CONSENT_COOKIE}={token}",
            f"Max-Age={self.policy.consent_max_age}",
            "Path=/",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if secure:
            parts.append("Secure")
        return "; ".join(parts)

    # -- consent API ----------------------------------------------------------------------

    def endpoint(self, exchange: Exchange, request: EndpointRequest) -> EndpointResponse:
        """Answer a consent-API request (:func:`cookiewarden.endpoints.handle`)."""
        from .endpoints import handle

        return handle(self, exchange, request)

    def make_record(
        self, consent: Consent, request: EndpointRequest, *, source: str
    ) -> ConsentRecord | None:
        """The proof-of-consent record of a choice; raw IP and user agent are never kept.

        ``None`` (logged at ERROR) when no valid record can be made: the choice still stands.
        """
        try:
            return self._make_record(consent, request, source=source)
        except Exception:
            logger.exception("cookiewarden: could not build the consent record for %r", consent)
            return None

    def _make_record(
        self, consent: Consent, request: EndpointRequest, *, source: str
    ) -> ConsentRecord:
        from .records import ConsentRecord, subject_hash

        client = request.client
        if self.options.trusted_proxies:
            client = (
                forwarded_value(
                    request.headers.get("x-forwarded-for"), self.options.trusted_proxies
                )
                or client
            )
        return ConsentRecord(
            consent_id=consent.consent_id or "",
            recorded_at=float(consent.issued_at or self.clock()),
            policy_version=consent.policy_version,
            granted=tuple(sorted(consent.granted)),
            refused=tuple(k for k in self.policy.optional_keys if k not in consent.granted),
            method=source,  # type: ignore[arg-type]
            subject_hash=subject_hash(
                client, request.headers.get("user-agent"), salt=self._record_salt
            ),
        )

    @property
    def sink(self) -> RecordSink | None:
        """The consent-record sink, opened on first use."""
        if self._sink is None and isinstance(self._consent_log, str):
            with self._sink_lock:
                if self._sink is None:
                    from .records import open_sink

                    self._sink = open_sink(self._consent_log)
        return self._sink

    def record(self, record: ConsentRecord) -> None:
        """Commit ``record`` to the sink (blocking: ASGI calls it in a worker thread).

        A failing sink never breaks the visitor's choice: the failure is logged at ERROR with
        the record itself, so nothing disappears silently.
        """
        try:
            sink = self.sink
            if sink is not None:
                sink.write(record)
                self._count("record", record.method, "-")
        except Exception:
            logger.exception("cookiewarden: could not record consent %s", record.to_json())

    def close(self) -> None:
        """Close the consent-record sink, if one was opened."""
        if self._sink is not None:
            self._sink.close()

    # -- bookkeeping ----------------------------------------------------------------------

    def _count(self, action: str, reason: str, category: str) -> None:
        with self._lock:
            self.counters[(action, reason, category)] += 1

    def _log_clear(self, name: str, category: str) -> None:
        self._count("clear", "refused-category", category)
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%sexpiring Set-Cookie %r (category %s): refused-category",
                "[report-only] would be " if self.options.report_only else "",
                name,
                category,
            )

    def stats(self) -> dict[tuple[str, str, str], int]:
        """Counts per (action, reason, category) since start."""
        with self._lock:
            return dict(self.counters)


_MISSING = object()


def _check_sink_url(url: str) -> None:
    """Refuse a ``consent_log`` URL no sink understands, at start-up rather than on first use."""
    scheme = url.split(":", 1)[0].lower() if "://" in url else ""
    if scheme not in ("", "sqlite", "postgresql", "postgres"):
        raise ConfigurationError(
            "consent_log", f"unsupported URL {url!r}: use sqlite:///path.db or postgresql://..."
        )


class Exchange:
    """One request's consent, the cookie header the app sees, and the response rewrite.

    Created by :meth:`Engine.begin`; lives exactly as long as its request.
    """

    __slots__ = ("app_cookie_header", "consent", "decisions", "deletions", "engine", "facts")

    def __init__(
        self,
        engine: Engine,
        facts: RequestFacts,
        consent: Consent,
        app_cookie_header: str | None,
        deletions: list[str],
    ) -> None:
        self.engine = engine
        self.facts = facts
        self.consent = consent
        #: The ``Cookie`` header the app should see, or ``None`` to leave the request as it is.
        self.app_cookie_header = app_cookie_header
        #: Deletion headers for refused cookies the browser sent (``clear_refused``).
        self.deletions = deletions
        #: Every decision taken for this response, in order.
        self.decisions: list[Decision] = []

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
        out: list[str] = []
        for header in set_cookies:
            decision = engine.decide(header, self.consent, self.facts)
            self.decisions.append(decision)
            if report_only:
                out.append(header)
            elif decision.header is not None:
                out.append(decision.header)
        if not report_only and self.deletions:
            sent = {d.name for d in self.decisions if d.header is not None}
            out.extend(d for d in self.deletions if d.split("=", 1)[0] not in sent)
        return out
