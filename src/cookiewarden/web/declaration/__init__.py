"""The cookie declaration and the full cookie policy, rendered from a :class:`Policy`.

Contract: pure functions from a policy to text: :func:`render_markdown`, :func:`render_html`
(served by the middleware at ``{consent_path}/declaration``) and :func:`render_json`. No I/O, no
clock, no framework: the same policy always renders to the same text.

Owns: the words (``strings``: :data:`STRINGS`, :func:`human_duration`; ``translations``:
:func:`declaration_strings`, the same words in each shipped language), the document both text
formats draw (``model``), and one module per output format (``mdout``, ``htmlout``,
``jsonout``).

Rules:
1. What a visitor reads matches what the middleware enforces: every declared cookie is listed
   (the consent cookie included), with its *effective* lifetime, the declared one cut by the
   policy's ``max_age`` (:meth:`Policy.effective_lifetime`), and the cap itself is stated.
2. Every user-facing word lives in :data:`STRINGS` (English). A site translates the page by
   passing ``strings={...}`` with the keys it overrides; placeholders such as ``{version}``
   may move within a string but must be kept.
3. Both text renderers draw the same document (a short list of blocks built once), so the
   Markdown and the HTML say the same thing. Everything taken from the policy is escaped for
   the output format: HTML-escaped in HTML, Markdown-escaped (or a code span) in Markdown.
4. The HTML page is self-contained and accessible: a ``lang`` attribute, one ``<h1>`` and nested
   headings, tables with a ``<caption>`` and ``<th scope>``, a small inline ``<style>``, and a
   button with ``data-cookiewarden-open`` that opens the consent banner's settings.

May import: :mod:`cookiewarden.rules` (the policy). The format modules import ``model`` and
``strings``, never each other.
"""

from __future__ import annotations

from .htmlout import render_html
from .jsonout import render_json
from .mdout import render_markdown
from .strings import BROWSER_HELP, STRINGS, human_duration
from .translations import declaration_strings

__all__ = [
    "BROWSER_HELP",
    "STRINGS",
    "declaration_strings",
    "human_duration",
    "render_html",
    "render_json",
    "render_markdown",
]
