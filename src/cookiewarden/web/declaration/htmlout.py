"""The declaration as a web page (served by the middleware at ``{consent_path}/declaration``).

Rules:
1. Everything taken from the policy is HTML-escaped.
2. The page is self-contained and accessible: a ``lang`` attribute, one ``<h1>`` and nested
   headings, tables with a ``<caption>`` and ``<th scope>``, a small inline ``<style>``, and a
   button with ``data-cookiewarden-open`` that opens the consent banner's settings.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from ...rules.policy import Policy
from .model import Code, Heading, Line, Link, List, Para, Strong, document
from .strings import merge_strings

__all__ = ["render_html"]

_STYLE = """\
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;\
line-height:1.55}
body{max-width:62rem;margin:0 auto;padding:1.5rem 1.25rem 4rem}
h1{font-size:2rem;margin:.5rem 0 1rem}h2{margin-top:2.25rem}h3{margin:1.75rem 0 .25rem}
.cw-scroll{overflow-x:auto}
table{border-collapse:collapse;table-layout:fixed;width:100%;min-width:44rem;margin:.5rem 0;\
font-size:.95rem}
caption{text-align:left;font-size:.875rem;opacity:.75;padding:.25rem 0}
thead th:nth-child(-n+3){width:14%}thead th:nth-child(5){width:10%}
thead th:nth-child(6){width:12%}
th,td{text-align:left;vertical-align:top;padding:.5rem .6rem;border-bottom:1px solid #8884;\
overflow-wrap:anywhere}
thead th{border-bottom:2px solid #8888;overflow-wrap:normal}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;background:#8882;\
padding:.05em .3em;border-radius:4px}
button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid currentColor;\
background:none;color:inherit;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_inline(parts: Line) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(_h(part))
        elif isinstance(part, Code):
            out.append(f"<code>{_h(part.text)}</code>")
        elif isinstance(part, Strong):
            out.append(f"<strong>{_h(part.text)}</strong>")
        elif isinstance(part, Link):
            out.append(f'<a href="{_h(part.href)}">{_h(part.text)}</a>')
        else:
            out.append(f'<button type="button" data-cookiewarden-open>{_h(part.text)}</button>')
    return "".join(out)


def render_html(
    policy: Policy,
    *,
    full: bool = False,
    consent_path: str = "/_consent",
    strings: Mapping[str, str] | None = None,
    banner: bool = True,
) -> str:
    """The cookie declaration (or, with ``full=True``, the whole cookie policy) as a web page.

    The page is self-contained (one small inline stylesheet) and every value from the policy is
    HTML-escaped. With ``banner`` it loads ``{consent_path}/banner.js``, so its "Cookie settings"
    button opens the banner; served by the middleware, that script is always there.

    :param policy: the policy to declare.
    :param full: render the whole cookie policy a site publishes, from the ``[site]`` table.
    :param consent_path: where the consent API and banner are served.
    :param strings: translations overriding keys of :data:`STRINGS` (``lang`` included).
    :param banner: include the banner's ``<script>``.
    """
    s = merge_strings(strings)
    title, blocks = document(policy, full=full, consent_path=consent_path, s=s)
    body = [f"<h1>{_h(title)}</h1>"]
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_h(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{_html_inline(block.parts)}</p>")
        elif isinstance(block, List):
            items = "".join(f"<li>{_html_inline(item)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
        else:
            head = "".join(f'<th scope="col">{_h(c)}</th>' for c in block.columns)
            rows = "".join(
                f'<tr><th scope="row"><code>{_h(name)}</code></th>'
                + "".join(f"<td>{_h(c)}</td>" for c in cells)
                + "</tr>"
                for name, *cells in block.rows
            )
            body.append(
                f'<div class="cw-scroll"><table><caption>{_h(block.caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
            )
    script = f'<script src="{_h(consent_path)}/banner.js" defer></script>\n' if banner else ""
    return (
        f'<!doctype html>\n<html lang="{_h(s["lang"])}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_h(title)}</title>\n<style>\n{_STYLE}\n</style>\n{script}</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )
