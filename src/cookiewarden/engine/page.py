"""The page guard's rules, compiled once per host for one engine.

Contract: :class:`PageCompiler` answers :meth:`~PageCompiler.script_rules` with what
:func:`~cookiewarden.rules.page_rules.page_rules` compiles for a host, with one visitor's
state (:func:`~cookiewarden.rules.page_rules.page_state`), as the JSON the guard script is
served with (:mod:`cookiewarden.web.endpoints`); the host's part from a bounded cache.

Rules:
1. The host's part depends on the policy, the host and the engine's options (``report_only``,
   ``consent_path``) only, so it is cached by host; the visitor's state is added per request.
2. The JSON is safe inside a script: ``<`` is written ``\\u003c``.
"""

from __future__ import annotations

import json

from ..rules.consent import Consent
from ..rules.page_rules import page_rules, page_state, state_token
from ..rules.policy import Policy
from .cache import FACTS_CACHE_MAX, FACTS_KEY_MAX, BoundedCache
from .options import Options

__all__ = ["PageCompiler"]


class PageCompiler:
    """Compiles and keeps the page guard's rules per host (rules 1, 2).

    :param policy: the policy in force.
    :param options: the engine's checked options.
    """

    def __init__(self, policy: Policy, options: Options) -> None:
        self.policy = policy
        self.options = options
        self.cache: BoundedCache[str, str] = BoundedCache(FACTS_CACHE_MAX)

    def rules_json(self, host: str) -> str:
        """The rules for pages of ``host`` (canonical, as the request facts hold it), as JSON."""
        rules = self.cache.get(host)
        if rules is None:
            compiled = page_rules(
                self.policy,
                host,
                report_only=self.options.report_only,
                consent_path=self.options.consent_path,
            )
            rules = json.dumps(compiled, separators=(",", ":")).replace("<", "\\u003c")
            if len(host) <= FACTS_KEY_MAX:
                self.cache.put(host, rules)
        return rules

    def script_rules(self, host: str, consent: Consent) -> str:
        """The rules for pages of ``host`` with the state of the visitor whose ``consent`` this
        is, as JSON: the host's part (:meth:`rules_json`) with ``"state"`` added."""
        state = json.dumps(page_state(self.policy, consent), separators=(",", ":"))
        return self.rules_json(host)[:-1] + ',"state":' + state.replace("<", "\\u003c") + "}"

    def token(self, consent: Consent) -> str:
        """The token of this visitor's state for the guard's URL
        (:func:`~cookiewarden.rules.page_rules.state_token`)."""
        return state_token(self.policy, consent)
