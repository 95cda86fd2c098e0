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
5. The guard's URL names the visitor's state (``?s=``, :mod:`cookiewarden.web.page` rule 4):
   the browser keeps the script until the visitor chooses again. A shared cache that kept the
   page for another visitor hands over their token, not their choice: the guard is still
   answered from the ``Cookie`` header of the browser that asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
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


def inject(
    body: bytes, consent_path: str, csp: str | None = None, state: str | None = None
) -> bytes | None:
    """``body`` with the guard's and the banner's tags in place; ``None`` to leave it as it is
    (rules 2, 3 and 5). Each place is found in one scan, and the body is copied once.

    :param state: the visitor's state token for the guard's URL (rule 5)."""
    nonce = csp_nonce(csp)
    loaded = set(_own_tags(consent_path).findall(body))  # the tags the page has already
    parts: list[tuple[int, str]] = []  # (offset in body, tag to insert there)
    if b"guard" not in loaded:
        head = _HEAD_START.search(body)
        at = head.end() if head else None
        if at is None:
            script = _SCRIPT.search(body)
            start = _BODY_START.search(body)
            at = script.start() if script else start.end() if start else None
        if at is not None:
            parts.append((at, guard_tag(consent_path, nonce=nonce, state=state)))
    if b"banner" not in loaded:
        end = _last_body_end(body)
        if end is not None:
            parts.append((end, banner_tag(consent_path, nonce=nonce)))
    if not parts:
        return None
    chunks, done = [], 0
    for at, tag in sorted(parts, key=lambda part: part[0]):
        chunks += [body[done:at], tag.encode()]
        done = at
    chunks.append(body[done:])
    return b"".join(chunks)


@lru_cache(maxsize=8)
def _own_tags(consent_path: str) -> re.Pattern[bytes]:
    """``{consent_path}/guard.js`` or ``/banner.js``, capturing which (one scan for both)."""
    return re.compile(re.escape(consent_path.encode()) + rb"/(guard|banner)\.js")


def _last_body_end(body: bytes) -> int | None:
    """Where the last ``</body>`` starts: looked for in the last 4 KiB first (where a page
    ends), the whole body only when it is not there."""
    last = None
    for last in _BODY_END.finditer(body, max(0, len(body) - 4096)):  # noqa: B007 - the last
        pass
    if last is None:
        for last in _BODY_END.finditer(body):  # noqa: B007 - we want the last match
            pass
    return None if last is None else last.start()
