"""The engine's options: every one checked once, at start-up, never per request.

Contract: :func:`check_options` takes the options :class:`~cookiewarden.engine.core.Engine` is
given and returns them as one frozen :class:`Options`, canonical where that matters (the consent
cookie's domain), or raises :class:`~cookiewarden.errors.ConfigurationError` naming the first
option that is wrong and why.

Rules:
1. A mistake in configuration fails at start-up, never on the first request that needs it (a
   ``consent_log`` URL no sink understands, a consent domain no browser would store).
2. Only options are checked here; the policy checks itself (:mod:`cookiewarden.rules.policy`) and
   the signing keys are checked by the codec (:mod:`cookiewarden.rules.consent`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ConfigurationError
from ..rules.domains import canonical_host, is_ip, is_public_suffix, within
from ..rules.policy import Policy
from .adopted import SOURCES

__all__ = ["Options", "check_options"]


@dataclass(frozen=True, slots=True)
class Options:
    """The engine's options, checked (see :class:`~cookiewarden.engine.core.Engine` for each)."""

    report_only: bool
    consent_path: str
    filter_request_cookies: bool
    clear_refused: bool
    secure_consent_cookie: bool | None
    trusted_proxies: int
    consent_cookie_domain: str | None = None  # canonical
    consent_sources: tuple[str, ...] = ("cookiewarden",)


def check_options(
    policy: object,
    secret_keys: object,
    *,
    report_only: bool,
    consent_path: str,
    filter_request_cookies: bool,
    clear_refused: bool,
    secure_consent_cookie: bool | None,
    trusted_proxies: int,
    consent_log: object,
    consent_required: object,
    on_decision: object,
    consent_cookie_domain: object,
    consent_sources: object,
) -> Options:
    """The options as one :class:`Options`, or :class:`ConfigurationError` for the first bad one.

    >>> check_options(Policy.default(), ["key"], report_only=False, consent_path="/_consent",
    ...               filter_request_cookies=True, clear_refused=True,
    ...               secure_consent_cookie=None, trusted_proxies=0, consent_log=None,
    ...               consent_required=None, on_decision=None,
    ...               consent_cookie_domain=".Example.COM", consent_sources=["cookiewarden"],
    ...               ).consent_cookie_domain
    'example.com'
    """
    if not isinstance(policy, Policy):
        raise ConfigurationError("policy", "expected a cookiewarden.Policy")
    if isinstance(secret_keys, str):
        raise ConfigurationError("secret_keys", "expected a list of strings, newest last")
    if (
        not isinstance(consent_path, str)
        or not consent_path.startswith("/")
        or consent_path.endswith("/")
        or any(c in consent_path for c in "?#; ")
    ):
        raise ConfigurationError(
            "consent_path", f"must be an absolute path like '/_consent', got {consent_path!r}"
        )
    if not isinstance(trusted_proxies, int) or trusted_proxies < 0:
        raise ConfigurationError("trusted_proxies", "must be a whole number ≥ 0")
    for option, hook in (("consent_required", consent_required), ("on_decision", on_decision)):
        if hook is not None and not callable(hook):
            raise ConfigurationError(option, "expected a callable or None")
    if consent_log is not None and not isinstance(consent_log, str):
        if not all(hasattr(consent_log, m) for m in ("write", "get", "since", "close")):
            raise ConfigurationError("consent_log", "expected a URL, a RecordSink or None")
    elif isinstance(consent_log, str):
        _sink_url(consent_log)
    return Options(
        report_only=report_only,
        consent_path=consent_path,
        filter_request_cookies=filter_request_cookies,
        clear_refused=clear_refused,
        secure_consent_cookie=secure_consent_cookie,
        trusted_proxies=trusted_proxies,
        consent_cookie_domain=_consent_domain(consent_cookie_domain, policy),
        consent_sources=_sources(consent_sources),
    )


def _consent_domain(domain: object, policy: Policy) -> str | None:
    """``consent_cookie_domain``, canonical; refused at start-up where no browser would store a
    cookie (a public suffix, an IP address) or where the policy forbids it (``root_domain``)."""
    if domain is None:
        return None
    if not isinstance(domain, str) or not domain.strip(". "):
        raise ConfigurationError("consent_cookie_domain", "expected a domain such as 'example.com'")
    canonical = canonical_host(domain.strip().lstrip("."))
    if not canonical or is_ip(canonical) or ":" in domain:
        raise ConfigurationError(
            "consent_cookie_domain", f"{domain!r} must be a domain name, not an address"
        )
    if is_public_suffix(canonical):
        raise ConfigurationError(
            "consent_cookie_domain",
            f"{domain!r} is a public suffix: browsers refuse cookies for it;"
            " use your registrable domain such as 'example.co.uk'",
        )
    root = policy.root_domain
    if root is not None and not within(canonical, root):
        raise ConfigurationError(
            "consent_cookie_domain", f"{domain!r} is outside the policy's root_domain {root!r}"
        )
    return canonical


def _sources(sources: object) -> tuple[str, ...]:
    """``consent_sources``: known names, no repeats, ``"cookiewarden"`` among them."""
    if isinstance(sources, str) or not isinstance(sources, Sequence):
        raise ConfigurationError(
            "consent_sources", 'expected a list such as ["cookiewarden", "cookieconsent"]'
        )
    names = tuple(sources)
    for name in names:
        if name not in SOURCES:
            raise ConfigurationError(
                "consent_sources", f"unknown source {name!r}; known: {', '.join(SOURCES)}"
            )
    if len(set(names)) != len(names):
        raise ConfigurationError("consent_sources", "a source is listed twice")
    if "cookiewarden" not in names:
        raise ConfigurationError(
            "consent_sources",
            "must include 'cookiewarden': the signed consent cookie always counts, first",
        )
    return names


def _sink_url(url: str) -> None:
    """Refuse a ``consent_log`` URL no sink understands, at start-up rather than on first use."""
    scheme = url.split(":", 1)[0].lower() if "://" in url else ""
    if scheme not in ("", "sqlite", "postgresql", "postgres"):
        raise ConfigurationError(
            "consent_log", f"unsupported URL {url!r}: use sqlite:///path.db or postgresql://..."
        )
