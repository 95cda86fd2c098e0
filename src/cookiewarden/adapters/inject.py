"""Adding the banner's ``<script>`` tag to HTML responses (the ``inject_banner`` option).

Contract: :func:`injectable` tells from the status and headers whether a response may be
changed; :func:`inject` inserts the tag before the last ``</body>`` of a complete body.

Rules:
1. Only ``text/html`` responses with a 2xx status that carries a body, and no
   ``Content-Encoding`` (compressed bodies are left alone), are changed.
2. A page that already loads ``banner.js`` from the consent path, or has no ``</body>``, is left
   as it is.
3. Under a ``Content-Security-Policy`` that names a script nonce, the tag carries that nonce, so
   the banner works under a strict policy with no ``unsafe-inline``.
4. The adapters buffer at most :data:`MAX_INJECT_BODY` bytes; a larger body streams through
   unchanged. ``Content-Length`` is fixed by the adapter from the new body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

__all__ = ["MAX_INJECT_BODY", "banner_tag", "inject", "injectable"]

MAX_INJECT_BODY = 2 * 1024 * 1024
_NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=_-]+)'")
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def injectable(status: int, headers: Iterable[tuple[str, str]]) -> bool:
    """Whether a response with this status and these (lower-case-insensitive) headers may get the
    banner tag (rule 1)."""
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


def banner_tag(consent_path: str, csp: str | None = None) -> bytes:
    """The ``<script>`` tag that loads the banner, with the page's CSP nonce when it has one."""
    nonce = ""
    if csp:
        match = _NONCE.search(csp)
        if match:
            nonce = f' nonce="{escape(match.group(1))}"'
    return f'<script src="{escape(consent_path)}/banner.js" defer{nonce}></script>'.encode()


def inject(body: bytes, tag: bytes, consent_path: str) -> bytes | None:
    """``body`` with ``tag`` before its last ``</body>``; ``None`` to leave it as it is (rule 2)."""
    if f"{consent_path}/banner.js".encode() in body:
        return None
    last = None
    for last in _BODY_END.finditer(body):  # noqa: B007 - we want the last match
        pass
    if last is None:
        return None
    return body[: last.start()] + tag + body[last.start() :]
