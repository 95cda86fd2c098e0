"""Adding the page's tags to HTML responses (the ``inject_banner`` option).

Contract: :func:`injectable` tells from the status and headers whether a response may be
changed; :func:`inject` puts the guard's tag first in ``<head>`` and the banner's before the last
``</body>`` of a complete body (:mod:`cookiewarden.web.page`).

Rules:
1. Only ``text/html`` responses with a 2xx status that carries a body, and no
   ``Content-Encoding`` (compressed bodies are left alone), are changed.
2. The guard goes before any other script: right after the ``<head>`` start tag; in a page
   without one, before its first ``<script``, else right after ``<body>``. The banner goes
   before the last ``</body>``. A page that already loads either from the consent path keeps
   its own tag; a page with neither place is left as it is.
3. Under a ``Content-Security-Policy`` that names a script nonce, the tags carry that nonce, so
   they work under a strict policy with no ``unsafe-inline``.
4. The adapters buffer at most :data:`MAX_INJECT_BODY` bytes; a larger body streams through
   unchanged. ``Content-Length`` is fixed by the adapter from the new body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from ..web.page import banner_tag, csp_nonce, guard_tag

__all__ = ["MAX_INJECT_BODY", "inject", "injectable"]

MAX_INJECT_BODY: Final = 2 * 1024 * 1024
_HEAD_START: Final = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_SCRIPT: Final = re.compile(rb"<script[\s>]", re.IGNORECASE)
_BODY_START: Final = re.compile(rb"<body(?:\s[^>]*)?>", re.IGNORECASE)
_BODY_END: Final = re.compile(rb"</body\s*>", re.IGNORECASE)


def injectable(status: int, headers: Iterable[tuple[str, str]]) -> bool:
    """Whether a response with this status and these (lower-case-insensitive) headers may get the
    page's tags (rule 1)."""
    if not 200 <= status < 300 or status in (204, 205):
        return False
    html = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-encoding" and value.strip().lower() not in ("", "identity"):
            return False
        if lowered == "content-type":
            html = value.split(";", 1)[0].strip().lower() == "text/html"
    return html


def inject(body: bytes, consent_path: str, csp: str | None = None) -> bytes | None:
    """``body`` with the guard's and the banner's tags in place; ``None`` to leave it as it is
    (rules 2 and 3)."""
    nonce = csp_nonce(csp)
    out = body
    if f"{consent_path}/guard.js".encode() not in body:
        tag = guard_tag(consent_path, nonce=nonce).encode()
        head = _HEAD_START.search(out)
        at = head.end() if head else None
        if at is None:
            script = _SCRIPT.search(out)
            start = _BODY_START.search(out)
            at = script.start() if script else start.end() if start else None
        if at is not None:
            out = out[:at] + tag + out[at:]
    if f"{consent_path}/banner.js".encode() not in body:
        last = None
        for last in _BODY_END.finditer(out):  # noqa: B007 - we want the last match
            pass
        if last is not None:
            tag = banner_tag(consent_path, nonce=nonce).encode()
            out = out[: last.start()] + tag + out[last.start() :]
    return None if out is body else out
