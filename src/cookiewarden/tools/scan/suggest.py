"""Policy entries for what a scan found undeclared, from the Open Cookie Database; and a first
policy file from a scan of a site that has none (``cookiewarden init --from-scan``).

Contract: :func:`suggest` returns one :class:`Suggestion` per undeclared cookie or storage key
(one per database family: ``_ga_*`` covers every ``_ga_XXXX`` seen); :func:`render_entries`
writes them as ready ``[[cookies]]`` / ``[[storage]]`` tables; :func:`first_policy` writes a
whole policy file around them.

Rules:
1. An entry the database knows takes its category (mapped onto the policy's,
   :func:`~cookiewarden.tools.scan.cookiedb.map_category`), purpose, provider, description and
   lifetime from it; a wildcard entry is suggested as its glob. A lifetime the database does not
   give as a duration ("Unknown", "Varies") is the observed one.
2. An entry it does not know gets the observed lifetime, ``category = "?"`` and a comment: a
   person must choose (and the policy refuses to load until they do).
3. An exact name holding glob characters is escaped (``a[b]`` → ``a[[]b]``); a name no policy
   entry can hold is written commented out, with the reason.
4. Third-party cookies are the other site's to declare: they are not suggested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Final, Literal

from ...rules.policy import Policy
from ...rules.policy_entries import BAD_NAME_CHAR, CONSENT_COOKIE
from .cookiedb import PURPOSES, CookieDatabase, Entry, map_category, parse_retention
from .findings import Judgement, site_of
from .model import CookieSeen, StorageSeen

__all__ = ["Suggestion", "duration_text", "first_policy", "render_entries", "suggest"]

_GLOB_ESCAPES: Final = {"[": "[[]", "*": "[*]", "?": "[?]"}


@dataclass(slots=True)
class Suggestion:
    """One policy entry to add: a ``[[cookies]]`` or a ``[[storage]]`` table."""

    table: Literal["cookies", "storage"]
    name: str
    category: str
    purpose: str = ""
    provider: str = ""
    description: str = ""
    lifetime: int | None = None  # cookies: seconds, None for a session cookie
    area: str = "any"  # storage
    known: bool = False  # found in the Open Cookie Database
    source: str = ""
    observed: list[str] = field(default_factory=list)


def duration_text(seconds: float) -> str:
    """A lifetime as the policy file writes it, in its largest whole unit, rounded to the
    minute (to the second under ten minutes): ``"2y"``, ``"400d"``, ``"90m"``.

    >>> duration_text(63072000), duration_text(34559999.4), duration_text(5400)
    ('2y', '400d', '90m')
    """
    n = round(seconds) if seconds < 600 else round(seconds / 60) * 60
    n = max(n, 1)
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if n % size == 0:
            return f"{n // size}{unit}"
    return f"{n}s"


def _escaped(name: str) -> str:
    return "".join(_GLOB_ESCAPES.get(ch, ch) for ch in name)


def _declarable(name: str) -> bool:
    """Whether a policy entry can hold ``name`` (rule 3)."""
    return not BAD_NAME_CHAR.search(name.replace("[", "").replace("]", ""))


def _observed_lifetime(cookie: CookieSeen) -> int | None:
    return None if cookie.expires is None else max(1, round(cookie.expires - cookie.set_at))


def _from_entry(suggestion: Suggestion, entry: Entry, policy: Policy) -> None:
    suggestion.known = True
    suggestion.name = entry.glob or _escaped(entry.name)
    suggestion.category = map_category(entry.category, policy)
    suggestion.purpose = PURPOSES.get(entry.category, entry.category)
    suggestion.provider = entry.platform or entry.controller
    suggestion.description = entry.description
    suggestion.source = f"Open Cookie Database: {entry.platform or '?'}, {entry.category}"


def suggest(judgement: Judgement, database: CookieDatabase) -> tuple[Suggestion, ...]:
    """One entry per undeclared first-party cookie and storage key of the scan (rules 1-4).

    >>> from cookiewarden.tools.scan.cookiedb import load_database
    >>> from cookiewarden.tools.scan.findings import judge
    >>> from cookiewarden.tools.scan.model import CookieSeen, Scan, State, StateRun
    >>> jar = (CookieSeen("_ga", "example.com", "/", None, False, False, "Lax"),)
    >>> scan = Scan((), "example.com", (StateRun(State("none"), True, cookies=jar),), 0.0)
    >>> [(s.name, s.category, s.provider) for s in suggest(judge(scan, Policy.default()),
    ...                                                    load_database())]
    [('_ga', 'performance', 'Google Analytics')]
    """
    policy = judgement.policy
    found: dict[tuple[Literal["cookies", "storage"], str], Suggestion] = {}
    for state in judgement.states:
        for judged in (*state.cookies, *state.storage):
            if judged.declared or judged.third_party or "undeclared" not in judged.kinds:
                continue
            item = judged.item
            entry = database.find(judged.name, getattr(item, "domain", ""))
            table: Literal["cookies", "storage"] = (
                "cookies" if judged.what == "cookie" else "storage"
            )
            key = (
                table,
                entry.name if entry else judged.name,
            )
            suggestion = found.get(key)
            if suggestion is None:
                suggestion = found[key] = Suggestion(key[0], _escaped(judged.name), "?")
                if entry is not None:
                    _from_entry(suggestion, entry, policy)
                else:
                    suggestion.source = "not in the Open Cookie Database"
                if isinstance(item, CookieSeen):
                    retention = parse_retention(entry.retention) if entry else "?"
                    suggestion.lifetime = (
                        retention if not isinstance(retention, str) else _observed_lifetime(item)
                    )
                    if entry is not None and isinstance(retention, str):
                        suggestion.source += f" (retention {retention!r}: the observed lifetime)"
                elif isinstance(item, StorageSeen):
                    suggestion.area = item.area
            elif isinstance(item, StorageSeen) and suggestion.area != item.area:
                suggestion.area = "any"
            if judged.name not in suggestion.observed:
                suggestion.observed.append(judged.name)
    return tuple(found.values())


def _toml(text: str) -> str:
    """A TOML basic string (JSON's escapes, which TOML shares, and DEL)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def render_entries(suggestions: tuple[Suggestion, ...]) -> str:
    """The suggestions as TOML tables to paste into the policy file.

    >>> unknown = Suggestion("storage", "fp_blob", "?", area="local", observed=["fp_blob"],
    ...                      source="not in the Open Cookie Database")
    >>> print(render_entries((unknown,)))
    # fp_blob: not in the Open Cookie Database
    [[storage]]
    name = "fp_blob"
    category = "?"  # not in the Open Cookie Database: choose its category
    area = "local"
    <BLANKLINE>
    """
    out: list[str] = []
    for s in suggestions:
        lines = [f"[[{s.table}]]", f"name = {_toml(s.name)}"]
        category = f"category = {_toml(s.category)}"
        if not s.known:
            category += "  # not in the Open Cookie Database: choose its category"
        lines.append(category)
        if s.table == "storage":
            lines.append(f"area = {_toml(s.area)}")
        for key in ("purpose", "provider"):
            if getattr(s, key):
                lines.append(f"{key} = {_toml(getattr(s, key))}")
        if s.table == "cookies":
            life = "session" if s.lifetime is None else duration_text(s.lifetime)
            observed = "" if s.known and "observed" not in s.source else "  # as observed"
            lines.append(f"lifetime = {_toml(life)}{observed}")
        if s.description:
            lines.append(f"description = {_toml(s.description)}")
        seen = ", ".join(s.observed)
        head = [f"# {seen}: {s.source}"]
        if not _declarable(s.name):
            head.append("# this name cannot be declared in a policy file (not a cookie token)")
            lines = ["# " + line for line in lines]
        out.append("\n".join(head + lines))
    return "\n\n".join(out) + ("\n" if out else "")


def first_policy(judgement: Judgement, suggestions: tuple[Suggestion, ...], *, now: float) -> str:
    """A first policy file for the scanned site: the four usual categories, its cookies and
    storage keys as :func:`suggest` makes them, and the third-party hosts it requested, as
    comments.

    >>> text = first_policy(judgement, suggest(judgement, load_database()), now=time.time())
    ... # doctest: +SKIP
    """
    default = (
        resources.files("cookiewarden.rules").joinpath("default_policy.toml").read_text("utf-8")
    )
    body = default.split("\n", 1)[1]  # without the default's own first comment
    date = datetime.fromtimestamp(now, UTC).date().isoformat()
    body = body.replace('version = "1"', f'version = "{date}"', 1)
    scan = judgement.scan
    site = site_of(scan.site_host)
    unknown = sum(1 for s in suggestions if not s.known and _declarable(s.name))
    head = [
        f"# A first cookie policy for {site}, from `cookiewarden scan` of",
        *[f"#   {url}" for url in scan.pages],
        f"# on {date}. Read every entry: the Open Cookie Database's descriptions are a start,",
        "# not your declaration.",
    ]
    if unknown:
        head.append(
            f'# {unknown} entr{"y has" if unknown == 1 else "ies have"} category = "?":'
            " choose one (`cookiewarden check` refuses the file until you do)."
        )
    if "." in site:
        scope = f'# root_domain = "{site}"  # no cookie may be scoped wider than this\n'
        body = body.replace("\n[categories", scope + "\n[categories", 1)
    hosts = sorted({j.name for s in judgement.states for j in s.requests if j.third_party})
    tail = []
    if hosts:
        tail.append(
            "\n# Third-party hosts the pages requested; declare those that serve a purpose"
            " as [[hosts]]\n# with its category, so the page guard holds them back until"
            " consent:"
        )
        tail += [f"#   {host}" for host in hosts]
    own = [s for s in suggestions if s.name != CONSENT_COOKIE]
    entries = render_entries(tuple(own))
    return (
        "\n".join(head)
        + "\n"
        + body.rstrip("\n")
        + "\n\n"
        + entries
        + "\n".join(tail)
        + ("\n" if tail else "")
    )
