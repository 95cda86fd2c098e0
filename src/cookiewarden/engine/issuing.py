"""What a visitor's choice leaves behind: the ``cw_consent`` cookie and the proof of consent.

Contract: :class:`ConsentIssuer` is built once per engine. :meth:`~ConsentIssuer.cookie`,
:meth:`~ConsentIssuer.host_only_deletion` and :meth:`~ConsentIssuer.record` are pure functions
of a :class:`~cookiewarden.rules.consent.Consent`, the request and the engine's options; writing a
record down is the sink's job (:mod:`cookiewarden.records`), answering the consent API is
:mod:`cookiewarden.web.endpoints`'.

Rules:

1. The consent cookie lives as long as the policy keeps such a choice (``consent_max_age``, or
   for a refusal ``consent_max_age_refused``), on ``Path=/``, ``HttpOnly``, ``SameSite=Lax``,
   and ``Secure`` when the request came over https (or as ``secure_consent_cookie`` says).
2. ``Domain=consent_cookie_domain`` only where a browser takes it: the request host is within
   it, and is neither an IP address nor a fully qualified name (``www.example.com.`` takes only
   a dotted Domain); elsewhere the cookie is host-only. Where it is shared, a host-only one left
   from before is deleted first, so that only the shared one remains.
3. A record never holds the visitor's IP address or user agent, only their salted hash
   (:func:`~cookiewarden.records.subject_hash`, keyed by the newest secret key); a record that
   cannot be made is logged at ERROR and the choice stands.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..rules.consent import Consent
from ..rules.consent_codec import ConsentCodec
from ..rules.cookies import deletion_header
from ..rules.decision import RequestFacts
from ..rules.domains import is_ip, within
from ..rules.policy import Policy
from ..rules.policy_entries import CONSENT_COOKIE
from .options import Options

if TYPE_CHECKING:
    from ..records.record import ConsentRecord

__all__ = ["ConsentIssuer"]

logger = logging.getLogger("cookiewarden")


class ConsentIssuer:
    """Writes a visitor's choice down: the ``cw_consent`` Set-Cookie and the consent record.

    :param policy: the policy in force (lifetimes of a choice, the optional categories).
    :param codec: signs the consent into the cookie value.
    :param options: the engine's checked options (``consent_cookie_domain``,
        ``secure_consent_cookie``).
    :param secret_keys: the signing keys, newest last: the newest also keys the records' hash.
    :param clock: returns the current Unix time (a record of a consent without its own time).
    """

    def __init__(
        self,
        policy: Policy,
        codec: ConsentCodec,
        options: Options,
        *,
        secret_keys: Sequence[str],
        clock: Callable[[], float],
    ) -> None:
        self.policy = policy
        self.codec = codec
        self.domain = options.consent_cookie_domain
        self.secure = options.secure_consent_cookie
        self.clock = clock
        # Records hash the visitor's IP and user agent with a key derived from the newest secret.
        self._record_salt = hashlib.sha256(
            b"cookiewarden.records\0" + secret_keys[-1].encode("utf-8")
        ).digest()

    def cookie(self, consent: Consent, facts: RequestFacts) -> str:
        """The ``Set-Cookie`` value that stores ``consent`` in the visitor's browser (rules 1, 2).

        :raises ValueError: ``consent`` cannot be stored (see :meth:`ConsentCodec.dumps`).
        """
        token = self.codec.dumps(consent)
        parts = [
            f"{CONSENT_COOKIE}={token}",
            f"Max-Age={self.policy.consent_lifetime(consent.granted)}",
        ]
        domain = self.domain_for(facts)
        if domain is not None:
            parts.append(f"Domain={domain}")
        parts += ["Path=/", "HttpOnly", "SameSite=Lax"]
        if self._secure(facts):
            parts.append("Secure")
        return "; ".join(parts)

    def domain_for(self, facts: RequestFacts) -> str | None:
        """``consent_cookie_domain`` where a browser takes it on this request's host (rule 2),
        else ``None`` (host-only)."""
        domain = self.domain
        if (
            domain is None
            or is_ip(facts.host)
            or facts.host.endswith(".")
            or not within(facts.host, domain)
        ):
            return None
        return domain

    def host_only_deletion(self, facts: RequestFacts) -> str | None:
        """The deletion of a host-only ``cw_consent`` left from before ``consent_cookie_domain``
        (``None`` when the consent cookie is host-only here anyway): sent before a new shared
        one, so that only the shared one remains."""
        if self.domain_for(facts) is None:
            return None
        return deletion_header(CONSENT_COOKIE, domain=None, path="/", secure=self._secure(facts))

    def record(
        self, consent: Consent, *, source: str, client: str | None, user_agent: str | None
    ) -> ConsentRecord | None:
        """The proof-of-consent record of a choice (rule 3).

        :param user_agent: the ``User-Agent`` of the request that made the choice (hashed).
        :param source: how the choice was given (``banner``, ``api``, ``gpc``, ``withdraw``).
        :param client: the visitor's address as the engine believes it (hashed, never kept).
        :returns: the record, or ``None`` (logged at ERROR) when no valid one can be made.
        """
        try:
            return self._record(consent, source=source, client=client, user_agent=user_agent)
        except Exception:
            logger.exception("cookiewarden: could not build the consent record for %r", consent)
            return None

    def _record(
        self, consent: Consent, *, source: str, client: str | None, user_agent: str | None
    ) -> ConsentRecord:
        from ..records.record import ConsentRecord, subject_hash

        return ConsentRecord(
            consent_id=consent.consent_id or "",
            recorded_at=float(consent.issued_at or self.clock()),
            policy_version=consent.policy_version,
            granted=tuple(sorted(consent.granted)),
            refused=tuple(k for k in self.policy.optional_keys if k not in consent.granted),
            method=source,  # type: ignore[arg-type]
            subject_hash=subject_hash(client, user_agent, salt=self._record_salt),
        )

    def _secure(self, facts: RequestFacts) -> bool:
        return facts.secure if self.secure is None else self.secure
