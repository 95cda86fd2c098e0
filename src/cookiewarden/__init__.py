"""cookiewarden: server-side enforcement of a website's cookie policy.

One ASGI and one WSGI middleware read the visitor's signed consent cookie and keep, rewrite or
drop every ``Set-Cookie`` the app sends, by a declared cookie policy. Importing this package
imports no web framework.

>>> from cookiewarden import CookieWarden, Policy
>>> policy = Policy.default()
"""

from __future__ import annotations

from .asgi import CookieWarden
from .consent import Consent
from .decide import Action, Decision, RequestFacts
from .engine import Engine
from .errors import ConfigurationError, CookieWardenError, PolicyError
from .policy import Category, CookieRule, Policy
from .setcookie import SetCookie, parse_set_cookie
from .wsgi import CookieWardenWSGI

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
    "Engine",
    "Policy",
    "PolicyError",
    "RequestFacts",
    "SetCookie",
    "__version__",
    "parse_set_cookie",
    "stats",
]

__version__ = "0.1.0"


def stats(app: object) -> dict[tuple[str, str, str], int]:
    """Counts per (action, reason, category) since start, for a wrapped app.

    ``app`` is a :class:`CookieWarden` or :class:`CookieWardenWSGI` instance, or an app whose
    middleware stack contains one (Starlette's ``app.middleware_stack`` is searched).
    """
    seen: set[int] = set()
    node: object | None = app
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        engine = getattr(node, "engine", None)
        if isinstance(engine, Engine):
            return engine.stats()
        node = getattr(node, "middleware_stack", None) or getattr(node, "app", None)
    raise TypeError("no cookiewarden middleware found in this app")
