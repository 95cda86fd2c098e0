"""The declaration as Markdown.

Rules:
1. Everything taken from the policy is Markdown-escaped, or set in a code span (cookie names).
2. The "Cookie settings" button is inline HTML; renderers that strip it still show the API path.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from ...rules.policy import Policy
from .model import Code, Heading, Line, Link, List, Para, Strong, document
from .strings import merge_strings

__all__ = ["render_markdown"]

_SPACE = re.compile(r"\s+")
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|&"})


def _md(text: str) -> str:
    return _SPACE.sub(" ", text).translate(_MD_SPECIAL)


def _md_code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_inline(parts: Line) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(_md(part))
        elif isinstance(part, Code):
            out.append(_md_code(part.text))
        elif isinstance(part, Strong):
            out.append(f"**{_md(part.text)}**")
        elif isinstance(part, Link):
            href = part.href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
            out.append(f"[{_md(part.text)}]({href})")
        else:
            # Markdown allows inline HTML; renderers that strip it still show the API path.
            out.append(
                f'<button type="button" data-cookiewarden-open>{html.escape(part.text)}</button>'
            )
    return "".join(out)


def render_markdown(
    policy: Policy,
    *,
    full: bool = False,
    consent_path: str = "/_consent",
    strings: Mapping[str, str] | None = None,
) -> str:
    """The cookie declaration (or, with ``full=True``, the whole cookie policy) as Markdown.

    :param policy: the policy to declare.
    :param full: render the whole cookie policy a site publishes, from the ``[site]`` table.
    :param consent_path: where the consent API is served (named in "Changing your choice").
    :param strings: translations overriding keys of :data:`STRINGS`.
    """
    s = merge_strings(strings)
    title, blocks = document(policy, full=full, consent_path=consent_path, s=s)
    out = [f"# {_md(title)}"]
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {_md(block.text)}")
        elif isinstance(block, Para):
            out.append(_md_inline(block.parts))
        elif isinstance(block, List):
            out.append("\n".join(f"- {_md_inline(item)}" for item in block.items))
        else:
            lines = [f"**{_md(block.caption)}**", ""]
            lines.append("| " + " | ".join(_md(c) for c in block.columns) + " |")
            lines.append("|" + "---|" * len(block.columns))
            for name, *cells in block.rows:
                row = [_md_code(name).replace("|", "\\|"), *(_md(c) for c in cells)]
                lines.append("| " + " | ".join(row) + " |")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"
