"""The cookie declaration and the full cookie policy, rendered from a :class:`Policy`.

Contract: pure functions from a policy to text: :func:`render_markdown`, :func:`render_html`
(served by the middleware at ``{consent_path}/declaration``) and :func:`render_json`. No I/O, no
clock, no framework: the same policy always renders to the same text.

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
"""

from __future__ import annotations

import html
import json
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..rules.policy import Policy
from ..rules.policy_entries import CookieRule

__all__ = [
    "BROWSER_HELP",
    "STRINGS",
    "human_duration",
    "render_html",
    "render_json",
    "render_markdown",
]

#: Every user-facing string of the declaration and the policy, in English.
STRINGS: dict[str, str] = {
    "lang": "en",
    "title_declaration": "Cookie declaration",
    "title_policy": "Cookie policy",
    "intro_declaration": (
        "This page lists every cookie this website uses, grouped by category, with who sets it, "
        "why, and how long it lasts."
    ),
    "intro_policy": (
        "This policy explains what cookies are, which cookies {organisation} uses on this "
        "website and why, and how you can control them."
    ),
    "intro_policy_anonymous": (
        "This policy explains what cookies are, which cookies this website uses and why, and "
        "how you can control them."
    ),
    "version": "Policy version {version}.",
    "version_dated": "Policy version {version}, last updated {date}.",
    # What cookies are.
    "h_what": "What cookies are",
    "what_1": (
        "Cookies are small text files that a website asks your browser to store. Each cookie "
        "has a name, a value and an expiry."
    ),
    "what_2": (
        "Your browser sends a cookie back to the website that set it with every later request, "
        "which lets the site recognise your browser: keep you signed in, remember your choices "
        "or count visits."
    ),
    # Why.
    "h_why": "Why we use cookies",
    "why_intro": "We use cookies for these purposes:",
    "why_item": "{purpose} ({categories})",
    "why_none": "We use only the cookies the site needs to work.",
    "list_separator": ", ",
    "quoted": "“{text}”",
    # Categories.
    "h_categories": "Categories of cookies",
    "categories_intro": (
        "We group our cookies into the categories below. Cookies the site needs to work are "
        "always on; every other category is used only if you allow it."
    ),
    "category_item": "{label}: {description}",
    "always_on": "Always on.",
    "needs_consent": "Used only with your consent.",
    # Who can access.
    "h_access": "Who can access a cookie",
    "access_1": (
        "A cookie is only ever sent to the website it belongs to. A cookie set for the domain "
        "{domain} with the path / is sent with every page of {domain} and of its subdomains, "
        "such as www.{domain}; a cookie set without a domain goes only to the exact address that "
        "set it."
    ),
    "access_root": "None of our cookies is shared wider than {domain}.",
    "access_providers": (
        "The provider column of each table below says who sets the cookie and can read it."
    ),
    # Expiry.
    "h_expiry": "When cookies expire",
    "expiry_kinds": (
        "A session cookie is deleted when you close your browser. A persistent cookie stays "
        "until the time the table shows, or until you delete it."
    ),
    "expiry_cap": "Non-essential cookies expire no later than {max_age} after they are set.",
    "expiry_consent": (
        "Your cookie choices are kept for {consent_max_age}; after that, or when this policy "
        "changes, we ask you again."
    ),
    "expiry_refusal": "If you refuse every optional cookie, that choice is kept for {refused}.",
    # Turning a category off.
    "h_off": "What happens if you turn a category off",
    "off_1": (
        "We stop setting the cookies of that category, no longer read those your browser still "
        "holds, and ask your browser to delete them. Features that depend on them, such as "
        "remembering your preferences, may stop working."
    ),
    "off_2": (
        "Strictly necessary cookies cannot be turned off, because the site cannot work without "
        "them."
    ),
    # Managing cookies.
    "h_manage": "How to manage cookies",
    "change_settings": "You can change or withdraw your choice at any time: {settings}",
    "settings_button": "Cookie settings",
    "change_api": "Programs can read and change your choice through the consent API at {api}.",
    "gpc": (
        "If your browser sends a Global Privacy Control signal, we treat it as a refusal of "
        "{categories} until you choose otherwise."
    ),
    "browsers_intro": (
        "You can also block or delete cookies in your browser; blocking every cookie may stop "
        "parts of this site from working. Your browser's help explains how:"
    ),
    "browser_chrome": "Google Chrome",
    "browser_firefox": "Mozilla Firefox",
    "browser_safari": "Apple Safari",
    "browser_edge": "Microsoft Edge",
    # The tables.
    "h_cookies": "The cookies we use",
    "h_changing": "Changing your choice",
    "table_caption": "{label} cookies",
    "col_name": "Name",
    "col_provider": "Provider",
    "col_purpose": "Purpose",
    "col_description": "Description",
    "col_type": "Type",
    "col_expires": "Expires after",
    "type_session": "Session",
    "type_persistent": "Persistent",
    "no_cookies": "No cookies of this category are in use.",
    "glob_note": (
        "A * in a cookie name stands for any characters, so one row covers a family of cookies."
    ),
    # Changes and contact.
    "h_changes": "Changes to this policy",
    "changes": (
        "We may update this policy when the cookies we use change. When its version changes, "
        "we ask for your choice again."
    ),
    "h_contact": "Contact us",
    "contact_intro": (
        "If you have questions about this policy or our use of cookies, contact {organisation}:"
    ),
    "contact_intro_anonymous": (
        "If you have questions about this policy or our use of cookies, contact us:"
    ),
    "contact_email": "Email: {email}",
    "contact_address": "Address: {address}",
    # Durations.
    "session": "Session",
    "unit_year": "{n} year",
    "unit_years": "{n} years",
    "unit_day": "{n} day",
    "unit_days": "{n} days",
    "unit_hour": "{n} hour",
    "unit_hours": "{n} hours",
    "unit_minute": "{n} minute",
    "unit_minutes": "{n} minutes",
    "unit_second": "{n} second",
    "unit_seconds": "{n} seconds",
}

#: The usual browsers' help pages on cookies: (``STRINGS`` key of the name, address).
BROWSER_HELP: tuple[tuple[str, str], ...] = (
    ("browser_chrome", "https://support.google.com/chrome/answer/95647"),
    ("browser_firefox", "https://support.mozilla.org/kb/clear-cookies-and-site-data-firefox"),
    ("browser_safari", "https://support.apple.com/guide/safari/manage-cookies-sfri11471/mac"),
    (
        "browser_edge",
        "https://support.microsoft.com/microsoft-edge/delete-cookies-in-microsoft-edge-63947406-40ac-c3b8-57b9-2a946a29ae09",
    ),
)

_UNITS = (("year", 365 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def human_duration(seconds: int | None, strings: Mapping[str, str] = STRINGS) -> str:
    """A lifetime in the largest whole unit: ``"1 year"``, ``"30 days"``; ``None`` → "Session".

    A year is 365 days, as in policy files; a duration that is not a whole number of years is
    shown in days (``"400 days"``), and so on down to seconds.
    """
    if seconds is None:
        return strings["session"]
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return strings[f"unit_{unit}" if n == 1 else f"unit_{unit}s"].format(n=n)
    return strings["unit_seconds"].format(n=seconds)


# -- the document: a few block types both text renderers understand -----------------------------


@dataclass(frozen=True, slots=True)
class _Code:
    text: str


@dataclass(frozen=True, slots=True)
class _Link:
    text: str
    href: str


@dataclass(frozen=True, slots=True)
class _Strong:
    text: str


@dataclass(frozen=True, slots=True)
class _Settings:
    """The button that opens the consent banner's settings (``data-cookiewarden-open``)."""

    text: str


_Inline = str | _Code | _Strong | _Link | _Settings
_Line = tuple[_Inline, ...]


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class _Para:
    parts: _Line


@dataclass(frozen=True, slots=True)
class _List:
    items: tuple[_Line, ...]


@dataclass(frozen=True, slots=True)
class _Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the first cell of each row is a cookie name


_Block = _Heading | _Para | _List | _Table


def _fill(template: str, **values: _Inline) -> _Line:
    """Split ``template`` on its ``{placeholders}`` into text and the inline values given."""
    parts: list[_Inline] = []
    for literal, field_name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            parts.append(literal)
        if field_name is not None:
            parts.append(values[field_name])
    return tuple(parts)


def _example_domain(policy: Policy) -> str:
    if policy.root_domain:
        return policy.root_domain
    url = policy.site.get("url", "")
    host = urlsplit(url if "//" in url else f"//{url}").hostname if url else None
    if host:
        return host.removeprefix("www.")
    email = policy.site.get("email", "")
    if "@" in email:
        return email.rsplit("@", 1)[1]
    return "example.com"


def _version(policy: Policy, s: Mapping[str, str]) -> _Para:
    date = policy.site.get("date")
    if date:
        return _Para(_fill(s["version_dated"], version=policy.version, date=date))
    return _Para(_fill(s["version"], version=policy.version))


def _cookie_rows(
    policy: Policy, category: str, s: Mapping[str, str]
) -> tuple[tuple[str, ...], ...]:
    rows = []
    for rule in policy.cookies:
        if rule.category == category:
            kind = s["type_session"] if rule.session else s["type_persistent"]
            lifetime = human_duration(policy.effective_lifetime(rule), s)
            rows.append((rule.name, rule.provider, rule.purpose, rule.description, kind, lifetime))
    return tuple(rows)


def _tables(policy: Policy, s: Mapping[str, str], level: int) -> Iterator[_Block]:
    keys = ("col_name", "col_provider", "col_purpose", "col_description", "col_type", "col_expires")
    columns = tuple(s[k] for k in keys)
    for cat in policy.categories:
        yield _Heading(level, cat.label)
        yield _Para((s["always_on"] if cat.necessary else s["needs_consent"],))
        rows = _cookie_rows(policy, cat.key, s)
        if rows:
            yield _Table(s["table_caption"].format(label=cat.label), columns, rows)
        else:
            yield _Para((s["no_cookies"],))
    if any(rule.is_glob for rule in policy.cookies):
        yield _Para((s["glob_note"],))


def _changing(policy: Policy, s: Mapping[str, str], consent_path: str) -> Iterator[_Block]:
    yield _Para(_fill(s["change_settings"], settings=_Settings(s["settings_button"])))
    yield _Para(_fill(s["change_api"], api=_Code(consent_path)))
    gpc = [policy.category(k).label for k in policy.optional_keys if k in policy.gpc_refuses]
    if gpc:
        quoted = (s["quoted"].format(text=label) for label in gpc)
        yield _Para(_fill(s["gpc"], categories=s["list_separator"].join(quoted)))


def _category_list(policy: Policy, s: Mapping[str, str]) -> _List:
    return _List(
        tuple(
            _fill(s["category_item"], label=_Strong(cat.label), description=cat.description)
            if cat.description
            else (_Strong(cat.label),)
            for cat in policy.categories
        )
    )


def _purposes(policy: Policy, s: Mapping[str, str]) -> _List | None:
    used: dict[str, list[str]] = {}
    for rule in policy.cookies:
        if rule.purpose:
            labels = used.setdefault(rule.purpose, [])
            label = policy.category(rule.category).label
            if label not in labels:
                labels.append(label)
    if not used:
        return None
    sep = s["list_separator"]
    return _List(
        tuple(
            (s["why_item"].format(purpose=purpose, categories=sep.join(labels)),)
            for purpose, labels in used.items()
        )
    )


def _document(
    policy: Policy, *, full: bool, consent_path: str, s: Mapping[str, str]
) -> tuple[str, list[_Block]]:
    """The page's title and blocks; the one place that decides what the page says."""
    cap = _Para(_fill(s["expiry_cap"], max_age=human_duration(policy.max_age, s)))
    if not full:
        blocks: list[_Block] = [_Para((s["intro_declaration"],)), _version(policy, s)]
        blocks += [_Heading(2, s["h_categories"]), _Para((s["categories_intro"],))]
        blocks.append(_category_list(policy, s))
        blocks += [_Heading(2, s["h_cookies"]), *_tables(policy, s, 3), cap]
        blocks += [_Heading(2, s["h_changing"]), *_changing(policy, s, consent_path)]
        return s["title_declaration"], blocks

    organisation = policy.site.get("organisation", "")
    domain = _example_domain(policy)
    intro = (
        _fill(s["intro_policy"], organisation=organisation)
        if organisation
        else (s["intro_policy_anonymous"],)
    )
    blocks = [_Para(intro), _version(policy, s)]
    blocks += [_Heading(2, s["h_what"]), _Para((s["what_1"],)), _Para((s["what_2"],))]
    purposes = _purposes(policy, s)
    blocks.append(_Heading(2, s["h_why"]))
    blocks += [_Para((s["why_intro"],)), purposes] if purposes else [_Para((s["why_none"],))]
    blocks += [_Heading(2, s["h_categories"]), _Para((s["categories_intro"],))]
    blocks.append(_category_list(policy, s))
    blocks += [_Heading(2, s["h_access"]), _Para(_fill(s["access_1"], domain=domain))]
    if policy.root_domain:
        blocks.append(_Para(_fill(s["access_root"], domain=policy.root_domain)))
    blocks.append(_Para((s["access_providers"],)))
    blocks += [_Heading(2, s["h_expiry"]), _Para((s["expiry_kinds"],)), cap]
    consent_age = human_duration(policy.consent_max_age, s)
    blocks.append(_Para(_fill(s["expiry_consent"], consent_max_age=consent_age)))
    if policy.refusal_max_age != policy.consent_max_age:
        refused = human_duration(policy.refusal_max_age, s)
        blocks.append(_Para(_fill(s["expiry_refusal"], refused=refused)))
    blocks += [_Heading(2, s["h_off"]), _Para((s["off_1"],)), _Para((s["off_2"],))]
    blocks += [_Heading(2, s["h_manage"]), *_changing(policy, s, consent_path)]
    blocks.append(_Para((s["browsers_intro"],)))
    blocks.append(_List(tuple((_Link(s[key], href),) for key, href in BROWSER_HELP)))
    blocks += [_Heading(2, s["h_cookies"]), *_tables(policy, s, 3)]
    blocks += [_Heading(2, s["h_changes"]), _Para((s["changes"],)), _version(policy, s)]
    email, address = policy.site.get("email", ""), policy.site.get("address", "")
    if email or address:
        blocks.append(_Heading(2, s["h_contact"]))
        blocks.append(
            _Para(_fill(s["contact_intro"], organisation=organisation))
            if organisation
            else _Para((s["contact_intro_anonymous"],))
        )
        contact: list[_Line] = []
        if email:
            contact.append(_fill(s["contact_email"], email=_Link(email, f"mailto:{email}")))
        if address:
            contact.append(_fill(s["contact_address"], address=address))
        blocks.append(_List(tuple(contact)))
    return s["title_policy"], blocks


def _strings(strings: Mapping[str, str] | None) -> Mapping[str, str]:
    return STRINGS if not strings else {**STRINGS, **strings}


# -- Markdown ------------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|&"})


def _md(text: str) -> str:
    return _SPACE.sub(" ", text).translate(_MD_SPECIAL)


def _md_code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_inline(parts: _Line) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(_md(part))
        elif isinstance(part, _Code):
            out.append(_md_code(part.text))
        elif isinstance(part, _Strong):
            out.append(f"**{_md(part.text)}**")
        elif isinstance(part, _Link):
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
    s = _strings(strings)
    title, blocks = _document(policy, full=full, consent_path=consent_path, s=s)
    out = [f"# {_md(title)}"]
    for block in blocks:
        if isinstance(block, _Heading):
            out.append(f"{'#' * block.level} {_md(block.text)}")
        elif isinstance(block, _Para):
            out.append(_md_inline(block.parts))
        elif isinstance(block, _List):
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


# -- HTML ----------------------------------------------------------------------------------------

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


def _html_inline(parts: _Line) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(_h(part))
        elif isinstance(part, _Code):
            out.append(f"<code>{_h(part.text)}</code>")
        elif isinstance(part, _Strong):
            out.append(f"<strong>{_h(part.text)}</strong>")
        elif isinstance(part, _Link):
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
    s = _strings(strings)
    title, blocks = _document(policy, full=full, consent_path=consent_path, s=s)
    body = [f"<h1>{_h(title)}</h1>"]
    for block in blocks:
        if isinstance(block, _Heading):
            body.append(f"<h{block.level}>{_h(block.text)}</h{block.level}>")
        elif isinstance(block, _Para):
            body.append(f"<p>{_html_inline(block.parts)}</p>")
        elif isinstance(block, _List):
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


# -- JSON ----------------------------------------------------------------------------------------


def _rule_json(policy: Policy, rule: CookieRule, s: Mapping[str, str]) -> dict[str, object]:
    effective = policy.effective_lifetime(rule)
    return {
        "name": rule.name,
        "glob": rule.is_glob,
        "provider": rule.provider,
        "purpose": rule.purpose,
        "description": rule.description,
        "type": "session" if rule.session else "persistent",
        "lifetime": rule.lifetime,
        "effective_lifetime": effective,
        "effective_lifetime_text": human_duration(effective, s),
        "capped": effective != rule.lifetime,
        "domain": rule.domain,
        "path": rule.path,
    }


def render_json(policy: Policy, *, strings: Mapping[str, str] | None = None) -> str:
    """The declaration as JSON, for other tools: durations in seconds (``null``: session).

    ``*_text`` fields carry the same durations in words, from :data:`STRINGS`.
    """
    s = _strings(strings)
    document = {
        "version": policy.version,
        "max_age": policy.max_age,
        "max_age_text": human_duration(policy.max_age, s),
        "consent_max_age": policy.consent_max_age,
        "consent_max_age_refused": policy.refusal_max_age,
        "unknown": policy.unknown,
        "root_domain": policy.root_domain,
        "gpc_refuses": sorted(policy.gpc_refuses),
        "site": dict(policy.site),
        "categories": [
            {
                "key": cat.key,
                "label": cat.label,
                "description": cat.description,
                "necessary": cat.necessary,
                "cookies": [
                    _rule_json(policy, rule, s)
                    for rule in policy.cookies
                    if rule.category == cat.key
                ],
            }
            for cat in policy.categories
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
