"""The part of the policy a browser page needs, compiled for one host: what the guard enforces.

Contract: :func:`page_rules` turns a :class:`~cookiewarden.rules.policy.Policy` and the host a
page is served from into plain, JSON-ready data that ``guard.js`` decides with, exactly as
:func:`~cookiewarden.rules.decide.decide` decides a ``Set-Cookie``: the categories, every
declared cookie with its effective lifetime and hardening, the storage keys and hosts, the
choices for undeclared ones, and what the public suffix list says about this host.
:func:`page_state` is what the guard is told of one visitor: their consent as the server reads
it on the request for the guard itself; :func:`state_token` names that state in the guard's URL.

Rules:
1. Never a second hand-written copy of the policy: everything the guard knows comes from here,
   and the guard's decisions are compared with the server's in ``tests/web/test_guard.py``.
2. The public suffix facts are for this host alone: for every domain a cookie set on it may
   name (the host and each parent), what a browser does with that ``Domain``
   (:func:`~cookiewarden.rules.domains.classify_cookie_domain`); every other domain is a
   mismatch. So the page needs no copy of the public suffix list.
3. Globs are shipped as patterns Python and JavaScript match alike
   (:func:`~cookiewarden.rules.page_entries.glob_pattern`), in lookup order: exact names first,
   then the longest glob.
4. The visitor's state holds no identifier: whether they chose, the categories granted (an
   undecided visitor's as the server shapes them: opt-in, opt-out, GPC, ``consent_required``),
   whether GPC was sent, the policy version. It is the rules' one per-visitor part, served
   ``private`` (:mod:`cookiewarden.web.endpoints`). Its token (twelve hex digits of a hash of
   it) is the same for every visitor in the same state, so it names a state, never a visitor.
5. The guard's own words come from here too (``texts``): for each of the policy's languages
   (lowercase tag; ``""``: its own), the placeholder of a held embed, its button and the
   category labels, which the guard picks by ``<html lang>``.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from .consent import Consent
from .domains import canonical_host, classify_cookie_domain, is_ip, registrable_domain
from .page_entries import glob_pattern
from .policy import Policy
from .policy_entries import CONSENT_COOKIE, CookieRule
from .wording import page_words

__all__ = ["page_rules", "page_state", "state_token"]

FORMAT = 1
"""The shape of :func:`page_rules`' answer; the guard refuses another."""


def page_state(policy: Policy, consent: Consent) -> dict[str, Any]:
    """What the guard is told of one visitor (rule 4): ``decided``, ``granted`` (every category
    key it grants, the necessary ones included, sorted), ``gpc`` and ``version``.

    >>> from cookiewarden.rules.consent import choose
    >>> p = Policy.default()
    >>> page_state(p, choose(p, ["performance"], gpc=False, accept_all=False, method="api", now=0))
    {'decided': True, 'granted': ['necessary', 'performance'], 'gpc': False, 'version': '1'}
    """
    return {
        "decided": consent.decided,
        "granted": sorted(consent.granted),
        "gpc": consent.gpc,
        "version": policy.version,
    }


def state_token(policy: Policy, consent: Consent) -> str:
    """The token of :func:`page_state` (rule 4), for the guard's URL: a new state, a new URL,
    so a browser never takes a guard it cached for another state.

    >>> from cookiewarden.rules.consent import Consent
    >>> p = Policy.default()
    >>> token = state_token(p, Consent.undecided(p))
    >>> len(token), token == state_token(p, Consent.undecided(p, gpc=True))
    (12, False)
    """
    return _token(policy.version, consent.decided, consent.granted, consent.gpc)


@lru_cache(maxsize=256)
def _token(version: str, decided: bool, granted: frozenset[str], gpc: bool) -> str:
    text = json.dumps([version, decided, sorted(granted), gpc], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _cookie(policy: Policy, rule: CookieRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "pattern": glob_pattern(rule.name) if rule.is_glob else None,
        "category": rule.category,
        "session": rule.lifetime is None,
        # The longest life a cookie of this declaration may keep (None: no cap), as rule 7 of
        # decide.py cuts it: the declared lifetime, and for a non-necessary one max_age too.
        "limit": policy.effective_lifetime(rule),
        "domain": rule.domain,
        "path": rule.path,
        "http_only": rule.http_only,
    }


def _domains(host: str) -> dict[str, str]:
    """For the host and each parent domain: what ``Domain=`` it means set from ``host`` (rule 2)."""
    bare = host.rstrip(".")
    dot = "." if host.endswith(".") else ""
    if is_ip(bare) or not bare:
        return {host: classify_cookie_domain(host, host)} if bare else {}
    labels = bare.split(".")
    out: dict[str, str] = {}
    for i in range(len(labels)):
        domain = ".".join(labels[i:]) + dot
        out[domain] = classify_cookie_domain(host, domain)
    return out


def page_rules(
    policy: Policy,
    host: str,
    *,
    report_only: bool = False,
    consent_path: str = "/_consent",
) -> dict[str, Any]:
    """Everything the page guard decides with, for pages served from ``host``, but the visitor
    (:func:`page_state`, added per request).

    :param host: the request host, canonical (:func:`~cookiewarden.rules.domains.request_host`:
        a fully qualified name keeps its trailing dot).
    :param report_only: the guard writes everything and logs what it would have refused.
    :param consent_path: where the consent API is.
    """
    unknown = policy.unknown
    if unknown in ("block", "allow"):
        unknown_limit: int | None = policy.max_age
    else:
        unknown_limit = None if policy.is_necessary(unknown) else policy.max_age
    canonical = canonical_host(host)
    return {
        "format": FORMAT,
        "version": policy.version,
        "own_cookies": [CONSENT_COOKIE],
        "consent_path": consent_path,
        "report_only": report_only,
        "categories": [
            {"key": c.key, "label": c.label, "necessary": c.necessary} for c in policy.categories
        ],
        "cookies": [_cookie(policy, r) for r in policy.lookup_order],
        "unknown": unknown,
        "unknown_limit": unknown_limit,
        "root_domain": policy.root_domain,
        "secure": policy.secure,
        "same_site_min": policy.same_site_min,
        "storage": [
            {
                "name": r.name,
                "pattern": glob_pattern(r.name) if r.is_glob else None,
                "category": r.category,
                "area": r.area,
            }
            for r in policy.page_index.storage_rules
        ],
        "hosts": [
            {
                "host": r.host,
                "pattern": glob_pattern(r.host) if r.is_glob else None,
                "category": r.category,
            }
            for r in policy.page_index.host_rules
        ],
        "unknown_hosts": policy.unknown_hosts,
        "host": {
            "name": host,
            "canonical": canonical,
            "ip": is_ip(canonical),
            "site": registrable_domain(canonical),
            "domains": _domains(host),
        },
        "texts": _texts(policy),
    }


def _texts(policy: Policy) -> dict[str, list[Any]]:
    """Rule 5: ``[placeholder, allow, {category: label}]`` per language."""
    texts: dict[str, list[Any]] = {}
    for tag in policy.languages:
        words = page_words(tag, "guard")
        labels = {c.key: c.label for c in policy.localised(tag).categories}
        texts[tag.lower()] = [words["placeholder"], words["allow"], labels]
    texts[""] = texts[policy.language.lower()]
    return texts
