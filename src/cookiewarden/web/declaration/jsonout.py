"""The declaration as JSON, for other tools: durations in seconds, and in words.

It is drawn from the policy directly, not from the document the text formats share: a tool
wants the facts (each cookie's declared and effective lifetime, whether it was capped), not
the page's sentences.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ...rules.policy import Policy
from ...rules.policy_entries import CookieRule
from .strings import human_duration, merge_strings

__all__ = ["render_json"]


def _rule_json(policy: Policy, rule: CookieRule, s: Mapping[str, str]) -> dict[str, object]:
    effective = policy.effective_lifetime(rule)
    return {
        "name": rule.name,
        "glob": rule.is_glob,
        "provider": rule.provider,
        "purpose": rule.purpose,
        "description": rule.description,
        "type": "session" if rule.session else "persistent",
        "lifetime": rule.lifetime,
        "effective_lifetime": effective,
        "effective_lifetime_text": human_duration(effective, s),
        "capped": effective != rule.lifetime,
        "domain": rule.domain,
        "path": rule.path,
    }


def render_json(policy: Policy, *, strings: Mapping[str, str] | None = None) -> str:
    """The declaration as JSON, for other tools: durations in seconds (``null``: session).

    ``*_text`` fields carry the same durations in words, from :data:`STRINGS`.
    """
    s = merge_strings(strings)
    document = {
        "version": policy.version,
        "max_age": policy.max_age,
        "max_age_text": human_duration(policy.max_age, s),
        "consent_max_age": policy.consent_max_age,
        "consent_max_age_refused": policy.refusal_max_age,
        "unknown": policy.unknown,
        "unknown_hosts": policy.unknown_hosts,
        "root_domain": policy.root_domain,
        "gpc_refuses": sorted(policy.gpc_refuses),
        "site": dict(policy.site),
        "categories": [
            {
                "key": cat.key,
                "label": cat.label,
                "description": cat.description,
                "necessary": cat.necessary,
                "cookies": [
                    _rule_json(policy, rule, s)
                    for rule in policy.cookies
                    if rule.category == cat.key
                ],
                "storage": [
                    {
                        "name": r.name,
                        "glob": r.is_glob,
                        "area": r.area,
                        "provider": r.provider,
                        "purpose": r.purpose,
                        "description": r.description,
                    }
                    for r in policy.storage
                    if r.category == cat.key
                ],
                "hosts": [
                    {
                        "host": r.host,
                        "glob": r.is_glob,
                        "provider": r.provider,
                        "purpose": r.purpose,
                        "description": r.description,
                    }
                    for r in policy.hosts
                    if r.category == cat.key
                ],
            }
            for cat in policy.categories
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
