"""The declaration as a document: a short list of blocks, built once from a :class:`Policy`.

Contract: :func:`document` returns a page's title and its blocks (:class:`Heading`,
:class:`Para`, :class:`List`, :class:`Table`), whose lines are made of plain text and inline
parts (:class:`Code`, :class:`Strong`, :class:`Link`, :class:`Settings`). Each output format
draws these blocks; none of them decides what the page says.

Rules:
1. What a visitor reads matches what the middleware enforces: every declared cookie is listed
   (the consent cookie included), with its *effective* lifetime, the declared one cut by the
   policy's ``max_age`` (:meth:`Policy.effective_lifetime`), and the cap itself is stated; every
   declared storage key and third-party host is listed beside the cookies of its category.
2. Text in the blocks is plain, never escaped or marked up: escaping is each format's job.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ...rules.policy import Policy
from .strings import BROWSER_HELP, human_duration

__all__ = [
    "Block",
    "Code",
    "Heading",
    "Inline",
    "Line",
    "Link",
    "List",
    "Para",
    "Settings",
    "Strong",
    "Table",
    "document",
]

# -- the document: a few block types both text renderers understand -----------------------------


@dataclass(frozen=True, slots=True)
class Code:
    """Inline code: an API path (a code span in Markdown, ``<code>`` in HTML)."""

    text: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link to ``href`` (a browser's help page, a ``mailto:`` address)."""

    text: str
    href: str


@dataclass(frozen=True, slots=True)
class Strong:
    """Strongly emphasised text: a category's label."""

    text: str


@dataclass(frozen=True, slots=True)
class Settings:
    """The button that opens the consent banner's settings (``data-cookiewarden-open``)."""

    text: str


#: What a line is made of: plain text and the inline parts above.
Inline = str | Code | Strong | Link | Settings
#: One paragraph's or one list item's parts, in order.
Line = tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading at ``level`` (2 or 3; the title is the only level 1)."""

    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph."""

    parts: Line


@dataclass(frozen=True, slots=True)
class List:
    """A bulleted list, one :data:`Line` per item."""

    items: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """One category's cookies: a caption, the column headings and one row per cookie."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the first cell of each row is a cookie name


#: The blocks a page is made of, in order.
Block = Heading | Para | List | Table


def _fill(template: str, **values: Inline) -> Line:
    """Split ``template`` on its ``{placeholders}`` into text and the inline values given."""
    parts: list[Inline] = []
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


def _version(policy: Policy, s: Mapping[str, str]) -> Para:
    date = policy.site.get("date")
    if date:
        return Para(_fill(s["version_dated"], version=policy.version, date=date))
    return Para(_fill(s["version"], version=policy.version))


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


def _tables(policy: Policy, s: Mapping[str, str], level: int) -> Iterator[Block]:
    keys = ("col_name", "col_provider", "col_purpose", "col_description", "col_type", "col_expires")
    columns = tuple(s[k] for k in keys)
    storage_columns = tuple(
        s[k] for k in ("col_key", "col_area", "col_provider", "col_purpose", "col_description")
    )
    host_columns = tuple(
        s[k] for k in ("col_host", "col_provider", "col_purpose", "col_description")
    )
    for cat in policy.categories:
        yield Heading(level, cat.label)
        yield Para((s["always_on"] if cat.necessary else s["needs_consent"],))
        rows = _cookie_rows(policy, cat.key, s)
        if rows:
            yield Table(s["table_caption"].format(label=cat.label), columns, rows)
        else:
            yield Para((s["no_cookies"],))
        # Rule 1: storage keys and third-party hosts are declared like cookies, beside them.
        stored = tuple(
            (r.name, s[f"area_{r.area}"], r.provider, r.purpose, r.description)
            for r in policy.storage
            if r.category == cat.key
        )
        if stored:
            yield Table(s["storage_caption"].format(label=cat.label), storage_columns, stored)
        hosts = tuple(
            (r.host, r.provider, r.purpose, r.description)
            for r in policy.hosts
            if r.category == cat.key
        )
        if hosts:
            yield Table(s["hosts_caption"].format(label=cat.label), host_columns, hosts)
    globbed = [r.is_glob for r in policy.cookies] + [r.is_glob for r in policy.storage]
    if any(globbed) or any(r.is_glob for r in policy.hosts):
        yield Para((s["glob_note"],))


def _changing(policy: Policy, s: Mapping[str, str], consent_path: str) -> Iterator[Block]:
    yield Para(_fill(s["change_settings"], settings=Settings(s["settings_button"])))
    yield Para(_fill(s["change_api"], api=Code(consent_path)))
    gpc = [policy.category(k).label for k in policy.optional_keys if k in policy.gpc_refuses]
    if gpc:
        quoted = (s["quoted"].format(text=label) for label in gpc)
        yield Para(_fill(s["gpc"], categories=s["list_separator"].join(quoted)))


def _category_list(policy: Policy, s: Mapping[str, str]) -> List:
    return List(
        tuple(
            _fill(s["category_item"], label=Strong(cat.label), description=cat.description)
            if cat.description
            else (Strong(cat.label),)
            for cat in policy.categories
        )
    )


def _purposes(policy: Policy, s: Mapping[str, str]) -> List | None:
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
    return List(
        tuple(
            (s["why_item"].format(purpose=purpose, categories=sep.join(labels)),)
            for purpose, labels in used.items()
        )
    )


def document(
    policy: Policy, *, full: bool, consent_path: str, s: Mapping[str, str]
) -> tuple[str, list[Block]]:
    """The page's title and blocks; the one place that decides what the page says."""
    cap = Para(_fill(s["expiry_cap"], max_age=human_duration(policy.max_age, s)))
    if not full:
        blocks: list[Block] = [Para((s["intro_declaration"],)), _version(policy, s)]
        blocks += [Heading(2, s["h_categories"]), Para((s["categories_intro"],))]
        blocks.append(_category_list(policy, s))
        blocks += [Heading(2, s["h_cookies"]), *_tables(policy, s, 3), cap]
        blocks += [Heading(2, s["h_changing"]), *_changing(policy, s, consent_path)]
        return s["title_declaration"], blocks

    organisation = policy.site.get("organisation", "")
    domain = _example_domain(policy)
    intro = (
        _fill(s["intro_policy"], organisation=organisation)
        if organisation
        else (s["intro_policy_anonymous"],)
    )
    blocks = [Para(intro), _version(policy, s)]
    blocks += [Heading(2, s["h_what"]), Para((s["what_1"],)), Para((s["what_2"],))]
    purposes = _purposes(policy, s)
    blocks.append(Heading(2, s["h_why"]))
    blocks += [Para((s["why_intro"],)), purposes] if purposes else [Para((s["why_none"],))]
    blocks += [Heading(2, s["h_categories"]), Para((s["categories_intro"],))]
    blocks.append(_category_list(policy, s))
    blocks += [Heading(2, s["h_access"]), Para(_fill(s["access_1"], domain=domain))]
    if policy.root_domain:
        blocks.append(Para(_fill(s["access_root"], domain=policy.root_domain)))
    blocks.append(Para((s["access_providers"],)))
    blocks += [Heading(2, s["h_expiry"]), Para((s["expiry_kinds"],)), cap]
    consent_age = human_duration(policy.consent_max_age, s)
    blocks.append(Para(_fill(s["expiry_consent"], consent_max_age=consent_age)))
    if policy.refusal_max_age != policy.consent_max_age:
        refused = human_duration(policy.refusal_max_age, s)
        blocks.append(Para(_fill(s["expiry_refusal"], refused=refused)))
    blocks += [Heading(2, s["h_off"]), Para((s["off_1"],)), Para((s["off_2"],))]
    blocks += [Heading(2, s["h_manage"]), *_changing(policy, s, consent_path)]
    blocks.append(Para((s["browsers_intro"],)))
    blocks.append(List(tuple((Link(s[key], href),) for key, href in BROWSER_HELP)))
    blocks += [Heading(2, s["h_cookies"]), *_tables(policy, s, 3)]
    blocks += [Heading(2, s["h_changes"]), Para((s["changes"],)), _version(policy, s)]
    email, address = policy.site.get("email", ""), policy.site.get("address", "")
    if email or address:
        blocks.append(Heading(2, s["h_contact"]))
        blocks.append(
            Para(_fill(s["contact_intro"], organisation=organisation))
            if organisation
            else Para((s["contact_intro_anonymous"],))
        )
        contact: list[Line] = []
        if email:
            contact.append(_fill(s["contact_email"], email=Link(email, f"mailto:{email}")))
        if address:
            contact.append(_fill(s["contact_address"], address=address))
        blocks.append(List(tuple(contact)))
    return s["title_policy"], blocks
