"""The tags a page carries to take part: the guard first in ``<head>``, then the banner.

Contract: :func:`head_tags` is the HTML every page of a site includes (by hand, through a
framework's template helper, or added by ``inject_banner``); :func:`csp_nonce` finds the script
nonce of a ``Content-Security-Policy`` so that the tags carry it.

Rules:
1. The guard (``{consent_path}/guard.js``) is a classic, synchronous script: it must run before
   any other script of the page, so it goes first in ``<head>``, with no ``async`` or ``defer``.
2. The banner (``{consent_path}/banner.js``) is deferred: it draws nothing until the page is
   parsed.
3. Under a CSP that names a script nonce, both tags carry it (no ``unsafe-inline`` needed).
4. Where the page is made knows the visitor's state (inject, the framework helpers), the
   guard's URL names it (``guard.js?s=<token>``,
   :func:`~cookiewarden.rules.page_rules.state_token`): the browser may then keep the script,
   and a new choice is a new URL. A tag without it is asked again on every page.
"""

from __future__ import annotations

import re
from html import escape
from typing import Final

__all__ = ["banner_tag", "csp_nonce", "guard_tag", "head_tags"]

_NONCE: Final = re.compile(r"'nonce-([A-Za-z0-9+/=_-]+)'")


def csp_nonce(csp: str | None) -> str | None:
    """The first script nonce a ``Content-Security-Policy`` value names, or ``None``.

    >>> csp_nonce("script-src 'self' 'nonce-r4nd0m'")
    'r4nd0m'
    """
    if not csp:
        return None
    match = _NONCE.search(csp)
    return match.group(1) if match else None


def _nonce_attribute(nonce: str | None) -> str:
    return f' nonce="{escape(nonce)}"' if nonce else ""


def guard_tag(consent_path: str, *, nonce: str | None = None, state: str | None = None) -> str:
    """The guard's ``<script>`` tag (rule 1), naming the visitor's ``state`` token (rule 4).

    >>> guard_tag("/_consent", state="0123456789ab")
    '<script src="/_consent/guard.js?s=0123456789ab"></script>'
    """
    src = f"{escape(consent_path)}/guard.js" + (f"?s={escape(state)}" if state else "")
    return f'<script src="{src}"{_nonce_attribute(nonce)}></script>'


def banner_tag(consent_path: str, *, nonce: str | None = None) -> str:
    """The banner's ``<script>`` tag (rule 2)."""
    return (
        f'<script src="{escape(consent_path)}/banner.js" defer{_nonce_attribute(nonce)}></script>'
    )


def head_tags(
    consent_path: str = "/_consent", *, nonce: str | None = None, state: str | None = None
) -> str:
    """The guard's and the banner's tags, for the top of a page's ``<head>``; ``state``: the
    visitor's state token (rule 4).

    >>> tags = head_tags("/_consent", nonce="abc")
    >>> tags.startswith('<script src="/_consent/guard.js" nonce="abc"></script><script src=')
    True
    """
    return guard_tag(consent_path, nonce=nonce, state=state) + banner_tag(consent_path, nonce=nonce)
