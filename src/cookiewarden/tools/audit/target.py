"""The app to audit: imported from ``module:attribute``, unwrapped, and told ASGI from WSGI.

Contract: :func:`load_target` returns a :class:`Target`, or raises
:class:`~cookiewarden.tools.audit.failure.AuditError` with one line.

Rules:
1. A target wrapped in cookiewarden middleware is unwrapped (so the audit sees the app's own
   headers), and a note says so.
2. No framework is imported; cookiewarden's own adapters only to unwrap them.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Any, Literal

from .failure import AuditError

__all__ = ["Target", "load_target"]


@dataclass(frozen=True, slots=True)
class Target:
    """The app to audit: as named, as called (middleware peeled off), and what was peeled."""

    spec: str
    app: Any
    kind: Literal["asgi", "wsgi"]
    notes: tuple[str, ...] = ()


def load_target(spec: str) -> Target:
    """Import ``module:attribute`` (the current directory first) and unwrap our middleware.

    :raises AuditError: when ``spec`` is malformed, does not import, or names no callable.
    """
    notes: list[str] = []
    app = _unwrap(_import(spec), notes)
    call = getattr(app, "__call__", None)  # noqa: B004 - we need the method, not callable()
    asgi = inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)
    return Target(spec, app, "asgi" if asgi else "wsgi", tuple(notes))


def _import(spec: str) -> Any:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise AuditError(f"TARGET must look like module:attribute (e.g. myapp:app), got {spec!r}")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise AuditError(
                f"cannot import {module_name!r}: no module named {exc.name!r}"
                f" (looked in {cwd} and sys.path)"
            ) from None
        raise AuditError(f"importing {module_name!r} failed: {exc}") from None
    except (Exception, SystemExit) as exc:
        raise AuditError(f"importing {module_name!r} raised {type(exc).__name__}: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AuditError(f"{module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise AuditError(
            f"{spec} is not an ASGI or WSGI application (it is a {type(obj).__name__} object)"
        )
    return obj


def _unwrap(app: Any, notes: list[str]) -> Any:
    """Peel cookiewarden middleware off ``app``, so the audit sees the app's own headers."""
    from ...adapters.asgi import CookieWarden
    from ...adapters.wsgi import CookieWardenWSGI

    for _ in range(16):
        if isinstance(app, CookieWarden | CookieWardenWSGI):
            notes.append(
                f"the target is wrapped in {type(app).__name__}; auditing the app inside it"
            )
            app = app.app
            continue
        inner = getattr(app, "wsgi_app", None)  # Flask: app.wsgi_app = CookieWardenWSGI(...)
        if isinstance(inner, CookieWardenWSGI):
            notes.append("the target's wsgi_app is wrapped in CookieWardenWSGI; auditing inside it")
            app = inner.app
            continue
        stack = getattr(app, "user_middleware", None)  # Starlette/FastAPI add_middleware
        if isinstance(stack, list):
            kept = [m for m in stack if not _is_ours(getattr(m, "cls", None), CookieWarden)]
            if len(kept) != len(stack):
                notes.append("the target adds CookieWarden middleware; auditing without it")
                app.user_middleware = kept
                app.middleware_stack = None  # rebuilt on the next call, without ours
        break
    return app


def _is_ours(cls: object, ours: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, ours)
