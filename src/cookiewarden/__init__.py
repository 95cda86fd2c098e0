"""cookiewarden: server-side enforcement of a website's cookie policy.

One ASGI and one WSGI middleware read the visitor's signed consent cookie and keep, rewrite or
drop every ``Set-Cookie`` the app sends, by a declared cookie policy. Importing this package
imports no web framework.

>>> from cookiewarden import CookieWarden, Policy
>>> policy = Policy.default()
"""

from __future__ import annotations

from .adapters.asgi import CookieWarden
from .adapters.wsgi import CookieWardenWSGI
from .engine.core import Engine
from .engine.hooks import DecisionEvent, RequestInfo
from .errors import ConfigurationError, CookieWardenError, PolicyError
from .metrics import prometheus_text, stats
from .rules.consent import Consent
from .rules.decision import Action, Decision, RequestFacts
from .rules.policy import Policy
from .rules.policy_entries import Category, CookieRule
from .rules.setcookie import SetCookie
from .rules.setcookie_parse import parse_set_cookie
from .version import __version__

__all__ = [
    "Action",
    "Category",
    "ConfigurationError",
    "Consent",
    "CookieRule",
    "CookieWarden",
    "CookieWardenError",
    "CookieWardenWSGI",
    "Decision",
    "DecisionEvent",
    "Engine",
    "Policy",
    "PolicyError",
    "RequestFacts",
    "RequestInfo",
    "SetCookie",
    "__version__",
    "parse_set_cookie",
    "prometheus_text",
    "stats",
]
