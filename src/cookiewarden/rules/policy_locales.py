"""The policy in other languages: ``language`` and the ``[locales.<tag>]`` tables.

Contract: :func:`read_language` and :func:`read_locales` read the file's keys into a tag and
:class:`Locale` values; :func:`check_locales` checks them against what the policy declares;
:func:`translate` writes a policy's entries in one locale's texts; :func:`missing_texts` names
what a locale leaves untranslated. :class:`~cookiewarden.rules.policy.Policy` calls them (this
module never imports it) and answers :meth:`~cookiewarden.rules.policy.Policy.localised`.

The file::

    language = "en"                      # the language of the texts above (default "en")

    [locales.it.categories.performance]
    label = "Prestazioni"
    description = "Contano le visite per migliorare il sito."

    [locales.it.cookies]
    sessionid = "Ti mantiene connesso."  # its description
    "_ga_*" = { description = "Conserva lo stato di una sessione.", purpose = "Statistiche" }

    [locales.it.storage]                 # by declared name, like [locales.it.cookies]
    [locales.it.hosts]                   # by declared host

Rules:
1. A tag is a language tag (:func:`~cookiewarden.rules.languages.check_language_tag`); a
   ``[locales.<tag>]`` for the policy's own ``language`` is a mistake (its texts are the tables
   themselves). Any language may be offered, shipped or not: where cookiewarden does not ship
   its own words in it (:data:`~cookiewarden.rules.wording.SHIPPED`), the banner's and the
   declaration's words are English, and ``cookiewarden check`` says so.
2. A translation names an entry as it is declared: a category by its key, a cookie or a storage
   key by its declared name (a glob by the glob: ``"_ga_*"``), a host by its declared host in
   any case. A name the policy does not declare is a mistake, named by its key
   (``locales.it.cookies.ads``) with the names it may be.
3. A category translates ``label`` and ``description``; a cookie, storage key or host its
   ``description`` (a plain string) and ``purpose`` (a table for both). Providers are names
   and are not translated. What a locale leaves out is said in the policy's own language.
4. cookiewarden's own cookie (``cw_consent``) is declared in every policy; where
   the policy did not declare them itself, their texts are cookiewarden's words in each shipped
   language (:mod:`cookiewarden.rules.wording`), and a locale may still give its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, NamedTuple, cast

from ..errors import PolicyError
from .domains import canonical_host
from .languages import check_language_tag
from .page_entries import HostRule, StorageRule
from .policy_entries import Category, CookieRule
from .wording import page_words, shipped_language

__all__ = [
    "KINDS",
    "Kind",
    "Locale",
    "OwnTexts",
    "Texts",
    "Translated",
    "check_locales",
    "missing_texts",
    "own_cookie_texts",
    "read_language",
    "read_locales",
    "toml_key",
    "translate",
]

Kind = Literal["categories", "cookies", "storage", "hosts"]
KINDS: Final[tuple[Kind, ...]] = ("categories", "cookies", "storage", "hosts")
"""The tables a ``[locales.<tag>]`` may hold."""
_FIELDS: Final[Mapping[Kind, tuple[str, ...]]] = {
    "categories": ("label", "description"),
    "cookies": ("description", "purpose"),
    "storage": ("description", "purpose"),
    "hosts": ("description", "purpose"),
}
_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class Texts:
    """What a locale says of one entry; ``None`` leaves a text to the policy's own language."""

    label: str | None = None
    description: str | None = None
    purpose: str | None = None


@dataclass(frozen=True, slots=True)
class Locale:
    """One ``[locales.<tag>]`` table: the policy's texts in the language ``tag``.

    Each of ``categories``, ``cookies``, ``storage`` and ``hosts`` holds ``(name, Texts)``
    pairs in the file's order, names as declared (hosts in canonical form).
    """

    tag: str
    categories: tuple[tuple[str, Texts], ...] = ()
    cookies: tuple[tuple[str, Texts], ...] = ()
    storage: tuple[tuple[str, Texts], ...] = ()
    hosts: tuple[tuple[str, Texts], ...] = ()
    _by_kind: dict[str, dict[str, Texts]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_kind", {kind: dict(getattr(self, kind)) for kind in KINDS})

    def texts(self, kind: Kind, name: str) -> Texts:
        """What this locale says of the entry ``name`` of ``kind`` (empty ``Texts``: nothing)."""
        return self._by_kind[kind].get(name, _NOTHING)


_NOTHING: Final = Texts()


def toml_key(name: str) -> str:
    """``name`` as a key in a dotted TOML key: bare where it can be, else quoted.

    >>> toml_key("sessionid"), toml_key("_ga_*")
    ('sessionid', '"_ga_*"')
    """
    if _BARE_KEY.match(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- reading the file -----------------------------------------------------------------------------


def read_language(data: Mapping[str, Any]) -> str:
    """The top-level ``language`` (default ``"en"``), checked (rule 1).

    >>> read_language({}), read_language({"language": "it"})
    ('en', 'it')
    """
    return check_language_tag(data.get("language", "en"), "language")


def _text(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise PolicyError(key, "expected a string")
    return value


def _entry_texts(value: object, kind: Kind, where: str) -> Texts:
    """One entry of a locale's table: a string (the description) or a table (rule 3)."""
    allowed = _FIELDS[kind]
    if isinstance(value, str) and kind != "categories":
        return Texts(description=value)
    if not isinstance(value, Mapping):
        shape = "a table" if kind == "categories" else "a string (its description) or a table"
        raise PolicyError(where, f"expected {shape} with {' and/or '.join(allowed)}")
    for name in value:
        if name not in allowed:
            raise PolicyError(
                f"{where}.{toml_key(name)}",
                f"unknown key; a translation gives {' and '.join(allowed)}",
            )
    return Texts(**{k: _text(v, f"{where}.{k}") for k, v in value.items()})


def _host_key(host: str) -> str:
    """A host as :mod:`cookiewarden.rules.policy_schema` keeps a declared one: canonical, label
    by label, so that a glob's ``*`` survives IDNA."""
    labels = host.strip().rstrip(".").split(".")
    return ".".join(
        label.lower() if any(ch in "*?[" for ch in label) else canonical_host(label)
        for label in labels
    )


def read_locales(raw: object) -> tuple[Locale, ...]:
    """The ``[locales.<tag>]`` tables, in the file's order, each checked for its shape.

    :raises PolicyError: naming the key, for a bad tag, an unknown table or key, a text that is
        not a string.
    """
    if not isinstance(raw, Mapping):
        raise PolicyError("locales", "expected a table of [locales.<language tag>] tables")
    locales = []
    for tag, table in raw.items():
        where = f"locales.{toml_key(tag)}"
        check_language_tag(tag, where)
        if not isinstance(table, Mapping):
            raise PolicyError(where, f"expected a table of {', '.join(KINDS)}")
        parts: dict[str, tuple[tuple[str, Texts], ...]] = {}
        for kind_name, entries in table.items():
            if kind_name not in KINDS:
                raise PolicyError(
                    f"{where}.{toml_key(kind_name)}",
                    f"unknown key; allowed keys: {', '.join(KINDS)}",
                )
            kind = cast("Kind", kind_name)
            if not isinstance(entries, Mapping):
                raise PolicyError(f"{where}.{kind}", "expected a table of names")
            pairs = []
            for name, value in entries.items():
                texts = _entry_texts(value, kind, f"{where}.{kind}.{toml_key(name)}")
                pairs.append((_host_key(name) if kind == "hosts" else name, texts))
            parts[kind] = tuple(pairs)
        locales.append(Locale(tag=tag, **parts))
    return tuple(locales)


def check_locales(
    locales: Sequence[Locale], language: str, declared: Mapping[Kind, Iterable[str]]
) -> None:
    """Check every translation names a declared entry (rules 1, 2).

    :param declared: for each kind, the names the policy declares (own cookies included).
    :raises PolicyError: naming the translation's key and the names it may be.
    """
    names = {kind: list(dict.fromkeys(declared[kind])) for kind in KINDS}
    seen: set[str] = set()
    for locale in locales:
        where = f"locales.{toml_key(locale.tag)}"
        if locale.tag == language:
            raise PolicyError(
                where,
                f"{locale.tag!r} is the policy's own language (language = {language!r}): its"
                " texts are the [categories], [[cookies]], [[storage]] and [[hosts]] tables",
            )
        if locale.tag in seen:
            raise PolicyError(where, "declared twice")
        seen.add(locale.tag)
        for kind in KINDS:
            for name, _texts in getattr(locale, kind):
                if name not in names[kind]:
                    what = {"categories": "category", "hosts": "host"}.get(kind, kind.rstrip("s"))
                    choices = ", ".join(names[kind]) if names[kind] else "none"
                    raise PolicyError(
                        f"{where}.{kind}.{toml_key(name)}",
                        f"{name!r} is not a declared {'storage key' if kind == 'storage' else what}"
                        f"; declared: {choices}",
                    )


# -- the policy in a locale -------------------------------------------------------------------


class OwnTexts(NamedTuple):
    """What the declaration says of one of cookiewarden's own cookies."""

    purpose: str
    provider: str
    description: str


def own_cookie_texts(tag: str, name: str, provider: str | None) -> OwnTexts:
    """The texts of cookiewarden's own cookie ``name`` in ``tag`` (rule 4); the provider is the
    site's ``[site] name`` where given.

    >>> own_cookie_texts("it", "cw_consent", None).description
    'Ricorda le tue scelte sui cookie.'
    """
    words = page_words(tag, "cookies")
    return OwnTexts(words["purpose"], provider or words["provider"], words[name])


class Translated(NamedTuple):
    """A policy's entries written in one locale's texts."""

    categories: tuple[Category, ...]
    cookies: tuple[CookieRule, ...]
    storage: tuple[StorageRule, ...]
    hosts: tuple[HostRule, ...]


def _or(text: str | None, default: str) -> str:
    return default if text is None else text


def translate(
    locale: Locale,
    entries: Translated,
    *,
    own: frozenset[str],
    site_name: str | None,
) -> Translated:
    """``entries`` with the texts ``locale`` gives (rule 3), the rest as they are.

    :param own: the names of cookiewarden's own cookies the policy added itself (rule 4).
    :param site_name: the ``[site] name``, the provider of those cookies.
    """
    cookies = []
    for rule in entries.cookies:
        said = locale.texts("cookies", rule.name)
        if rule.name in own:
            base = own_cookie_texts(locale.tag, rule.name, site_name)
        else:
            base = OwnTexts(rule.purpose, rule.provider, rule.description)
        cookies.append(
            replace(
                rule,
                purpose=_or(said.purpose, base.purpose),
                provider=base.provider,
                description=_or(said.description, base.description),
            )
        )
    categories = []
    for cat in entries.categories:
        said = locale.texts("categories", cat.key)
        categories.append(
            replace(
                cat,
                label=_or(said.label, cat.label),
                description=_or(said.description, cat.description),
            )
        )
    storage = []
    for entry in entries.storage:
        said = locale.texts("storage", entry.name)
        storage.append(
            replace(
                entry,
                purpose=_or(said.purpose, entry.purpose),
                description=_or(said.description, entry.description),
            )
        )
    hosts = []
    for host in entries.hosts:
        said = locale.texts("hosts", host.host)
        hosts.append(
            replace(
                host,
                purpose=_or(said.purpose, host.purpose),
                description=_or(said.description, host.description),
            )
        )
    return Translated(tuple(categories), tuple(cookies), tuple(storage), tuple(hosts))


def missing_texts(locale: Locale, entries: Translated, *, own: frozenset[str]) -> tuple[str, ...]:
    """The keys a complete ``locale`` would give that it leaves out, as the file spells them
    (``locales.it.categories.performance.description``): every text the policy's own language
    has that this locale does not translate. cookiewarden's own cookies count only where their
    words are not shipped in the locale's language (rule 4)."""
    where = f"locales.{toml_key(locale.tag)}"
    shipped = shipped_language(locale.tag) is not None
    missing: list[str] = []

    def check(kind: Kind, name: str, present: Mapping[str, str]) -> None:
        texts = locale.texts(kind, name)
        for key, value in present.items():
            if value and getattr(texts, key) is None:
                missing.append(f"{where}.{kind}.{toml_key(name)}.{key}")

    for cat in entries.categories:
        check("categories", cat.key, {"label": cat.label, "description": cat.description})
    for rule in entries.cookies:
        if not (rule.name in own and shipped):
            check("cookies", rule.name, {"description": rule.description, "purpose": rule.purpose})
    seen: set[str] = set()
    for entry in entries.storage:
        if entry.name not in seen:  # one key may be declared for each area
            seen.add(entry.name)
            present = {"description": entry.description, "purpose": entry.purpose}
            check("storage", entry.name, present)
    for host in entries.hosts:
        check("hosts", host.host, {"description": host.description, "purpose": host.purpose})
    return tuple(missing)
