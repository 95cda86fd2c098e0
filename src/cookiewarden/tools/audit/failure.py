"""How the audit fails: one line of text, never a traceback.

Contract: :class:`AuditError` carries the one line to show; :func:`capture_logs` collects what
libraries and the audited app log meanwhile (:class:`LogCapture`), so that nothing reaches the
terminal and the app's last error can complete that line.

Rules:
1. Everything a user can get wrong (a target that does not import, a path that raises or answers
   5xx, a failed startup, a timeout) raises :class:`AuditError` with one line of text.
2. Only WARNING and above is captured, on the root logger, and only while the block runs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from ...errors import CookieWardenError

__all__ = ["AuditError", "LogCapture", "capture_logs"]


class AuditError(CookieWardenError):
    """The audit cannot run: ``str(error)`` is the one line to show.

    :param message: what went wrong, and where possible what to do.
    :param path: the request path that failed, when one did.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class LogCapture(logging.Handler):
    """Collects what libraries and the audited app log, so no traceback reaches the terminal.

    ``last`` is the first message logged, or the last exception logged (``"Type: message"``).
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.last = f"{type(exc).__name__}: {exc}"
        elif self.last is None:
            self.last = record.getMessage()


@contextlib.contextmanager
def capture_logs() -> Iterator[LogCapture]:
    """Capture WARNING and above on the root logger (so Python's last-resort handler is idle)."""
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
