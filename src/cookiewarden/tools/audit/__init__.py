"""``cookiewarden audit``: judge the Set-Cookie headers an app sends, without the middleware.

Contract: :func:`load_target` imports ``module:attribute``, peels cookiewarden middleware off it
and tells ASGI from WSGI; :func:`run_audit` requests each path in-process, once as a visitor with
no consent and once as one who accepted everything, and returns a :class:`Report`;
:func:`render_text` and :func:`render_json` write the report.

Owns: the target (``target``), running the requests (``run``), the report and its rendering
(``report``), and how the audit fails, one line with the app's logs captured (``failure``).

Rules:
1. The middleware never runs. The app's raw Set-Cookie headers go to
   :func:`cookiewarden.rules.decide.decide`, the function the middleware itself uses, so the
   audit and the middleware cannot disagree. A target wrapped in cookiewarden middleware is
   unwrapped, and a note says so.
2. A cookie is a problem when the policy does not declare it, or must rewrite or drop it for any
   visitor for a reason other than consent (lifetime cap, session, domain, prefix...).
3. Everything a user can get wrong (a target that does not import, a path that raises or answers
   5xx, a failed startup, a timeout) raises :class:`AuditError` with one line of text, never a
   traceback; what the app logs meanwhile is captured, so its last error completes that line.
4. Nothing is printed here: progress and warnings go to the caller's ``notify``.
5. No framework is imported; cookiewarden's own adapters only to unwrap them.

May import: anything of the package below :mod:`cookiewarden.tools`, and the sibling tools
``explain`` and ``inprocess``.
"""

from __future__ import annotations

from .failure import AuditError, LogCapture, capture_logs
from .report import VISITORS, Report, render_json, render_text
from .run import run_audit
from .target import Target, load_target

__all__ = [
    "VISITORS",
    "AuditError",
    "LogCapture",
    "Report",
    "Target",
    "capture_logs",
    "load_target",
    "render_json",
    "render_text",
    "run_audit",
]
