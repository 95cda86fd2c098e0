"""The page guard's rules, compiled once per host for one engine.

Contract: :class:`PageCompiler` answers :meth:`~PageCompiler.rules_json` with what
:func:`~cookiewarden.rules.page_rules.page_rules` compiles for a host, as the JSON the guard
script is served with (:mod:`cookiewarden.web.endpoints`), from a bounded cache.

Rules:
1. The rules depend on the policy, the host and the engine's options (``report_only``,
   ``consent_path``, whether a ``consent_required`` hook is set) only, so they are cached by host.
2. The JSON is safe inside a script: ``<`` is written ``\\u003c``.
"""

from __future__ import annotations

import json

from ..rules.page_rules import page_rules
from ..rules.policy import Policy
from .cache import FACTS_CACHE_MAX, FACTS_KEY_MAX, BoundedCache
from .options import Options

__all__ = ["PageCompiler"]


class PageCompiler:
    """Compiles and keeps the page guard's rules per host (rules 1, 2).

    :param policy: the policy in force.
    :param options: the engine's checked options.
    :param hooked: a ``consent_required`` hook is set (the page treats an undecided visitor as
        opt-in then: it cannot know the hook's answer).
    """

    def __init__(self, policy: Policy, options: Options, *, hooked: bool) -> None:
        self.policy = policy
        self.options = options
        self.hooked = hooked
        self.cache: BoundedCache[str, str] = BoundedCache(FACTS_CACHE_MAX)

    def rules_json(self, host: str) -> str:
        """The rules for pages of ``host`` (canonical, as the request facts hold it), as JSON."""
        rules = self.cache.get(host)
        if rules is None:
            compiled = page_rules(
                self.policy,
                host,
                report_only=self.options.report_only,
                hooked=self.hooked,
                consent_path=self.options.consent_path,
            )
            rules = json.dumps(compiled, separators=(",", ":")).replace("<", "\\u003c")
            if len(host) <= FACTS_KEY_MAX:
                self.cache.put(host, rules)
        return rules
