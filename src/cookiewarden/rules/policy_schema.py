"""The policy file's schema: the keys a policy file may hold, and what each must be.

Contract: :func:`policy_fields` reads a mapping shaped like the TOML file into the keyword
arguments of :class:`~cookiewarden.rules.policy.Policy` (:class:`PolicyFields`), checked and
with the defaults filled in; :func:`check_cookie_domains` then checks what only the built
policy can tell. Every mistake raises :class:`~cookiewarden.errors.PolicyError` naming the key
as the file spells it (``cookies[2].lifetime``, ``sources.klaro.name``) and the reason.

Rules:

1. An unknown key is a mistake, at every level, and its message lists the allowed keys.
2. Each value is checked for its type and form here; what relates one entry to another (a
   cookie's category is declared, a name is declared once, ``gpc_refuses``, ``root_domain``,
   the closed choices of ``mode``, ``secure`` and ``same_site_min``) is left to ``Policy``
   itself, which checks it however it is built.
3. This module never imports :mod:`cookiewarden.rules.policy`: it hands back the fields, and
   :meth:`Policy.from_dict <cookiewarden.rules.policy.Policy.from_dict>` builds the policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

from ..errors import PolicyError
from .domains import canonical_host
from .durations import parse_duration
from .page_entries import STORAGE_AREAS, HostRule, StorageRule
from .policy_entries import (
    BAD_NAME_CHAR,
    CONSENT_COOKIE,
    GLOB_CHARS,
    Category,
    CookieRule,
    Mode,
    SameSiteMinimum,
    SecureRule,
    SourceSettings,
)
from .policy_locales import Locale, read_language, read_locales

__all__ = ["PolicyFields", "check_cookie_domains", "policy_fields"]

_TOP_KEYS = frozenset(
    {
        "version",
        "max_age",
        "unknown",
        "root_domain",
        "consent_max_age",
        "gpc_refuses",
        "categories",
        "cookies",
        "site",
        "mode",
        "secure",
        "same_site_min",
        "consent_max_age_refused",
        "sources",
        "storage",
        "hosts",
        "unknown_hosts",
        "language",
        "locales",
    }
)
_CATEGORY_KEYS = frozenset({"label", "description", "necessary"})
_COOKIE_KEYS = frozenset(
    {
        "name",
        "category",
        "purpose",
        "provider",
        "lifetime",
        "description",
        "domain",
        "path",
        "http_only",
    }
)
_SOURCE_KEYS = {
    "cookieconsent": frozenset({"name", "categories", "revision"}),
    "klaro": frozenset({"name", "services"}),
}
_SITE_KEYS = frozenset({"organisation", "email", "address", "date", "url", "name"})
_STORAGE_KEYS = frozenset({"name", "category", "area", "purpose", "provider", "description"})
_HOST_KEYS = frozenset({"host", "category", "purpose", "provider", "description"})


class PolicyFields(TypedDict):
    """The keyword arguments of :class:`~cookiewarden.rules.policy.Policy`, read from a file."""

    version: str
    categories: tuple[Category, ...]
    cookies: tuple[CookieRule, ...]
    max_age: int
    unknown: str
    root_domain: str | None
    consent_max_age: int
    gpc_refuses: frozenset[str]
    site: dict[str, str]
    mode: Mode
    secure: SecureRule | None
    same_site_min: SameSiteMinimum | None
    consent_max_age_refused: int | None
    sources: SourceSettings
    storage: tuple[StorageRule, ...]
    hosts: tuple[HostRule, ...]
    unknown_hosts: str
    language: str
    locales: tuple[Locale, ...]


def _str(value: object, key: str, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise PolicyError(key, f"expected a{' non-empty' if not allow_empty else ''} string")
    return value


def _table(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(key, "expected a table")
    return value


def _unknown_keys(table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            raise PolicyError(
                f"{prefix}{key}", f"unknown key; allowed keys: {', '.join(sorted(allowed))}"
            )


def policy_fields(data: Mapping[str, Any]) -> PolicyFields:
    """The fields of the policy that ``data`` (shaped like the TOML file) describes.

    :raises PolicyError: naming the key and the reason, for every mistake this schema knows
        (the ``Policy`` built from the fields checks the rest).
    """
    _unknown_keys(_table(data, "(top level)"), _TOP_KEYS, "")
    if "version" not in data:
        raise PolicyError("version", "missing; give the policy a version such as '2026-11-01'")
    version = data["version"]
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    version = _str(version, "version", allow_empty=False)

    raw_categories = _table(data.get("categories", {}), "categories")
    if not raw_categories:
        raise PolicyError("categories", "missing; declare at least [categories.necessary]")
    categories = []
    for key, raw in raw_categories.items():
        where = f"categories.{key}"
        table = _table(raw, where)
        _unknown_keys(table, _CATEGORY_KEYS, where)
        necessary = table.get("necessary", False)
        if not isinstance(necessary, bool):
            raise PolicyError(f"{where}.necessary", "expected true or false")
        categories.append(
            Category(
                key=key,
                label=_str(table.get("label", key.capitalize()), f"{where}.label"),
                description=_str(table.get("description", ""), f"{where}.description"),
                necessary=necessary,
            )
        )

    raw_cookies = data.get("cookies", [])
    if not isinstance(raw_cookies, list):
        raise PolicyError("cookies", "expected an array of tables ([[cookies]])")
    cookies = []
    for i, raw in enumerate(raw_cookies):
        where = f"cookies[{i}]"
        table = _table(raw, where)
        _unknown_keys(table, _COOKIE_KEYS, where)
        for required in ("name", "category"):
            if required not in table:
                raise PolicyError(f"{where}.{required}", "missing")
        lifetime_raw = table.get("lifetime", "session")
        lifetime = (
            None
            if lifetime_raw == "session"
            else parse_duration(lifetime_raw, key=f"{where}.lifetime")
        )
        domain = table.get("domain")
        if domain is not None:
            domain = _str(domain, f"{where}.domain", allow_empty=False).strip().lstrip(".")
            domain = canonical_host(domain)
        path = table.get("path")
        http_only = table.get("http_only", False)
        if not isinstance(http_only, bool):
            raise PolicyError(f"{where}.http_only", "expected true or false")
        cookies.append(
            CookieRule(
                name=_str(table["name"], f"{where}.name", allow_empty=False).strip(),
                category=_str(table["category"], f"{where}.category"),
                purpose=_str(table.get("purpose", ""), f"{where}.purpose"),
                provider=_str(table.get("provider", ""), f"{where}.provider"),
                lifetime=lifetime,
                description=_str(table.get("description", ""), f"{where}.description"),
                domain=domain,
                path=None if path is None else _str(path, f"{where}.path"),
                http_only=http_only,
            )
        )

    gpc_raw = data.get("gpc_refuses", [])
    if not isinstance(gpc_raw, list) or not all(isinstance(k, str) for k in gpc_raw):
        raise PolicyError("gpc_refuses", "expected a list of category keys")
    root = data.get("root_domain")
    secure = data.get("secure")
    same_site = data.get("same_site_min")
    refused = data.get("consent_max_age_refused")
    site = _table(data.get("site", {}), "site")
    _unknown_keys(site, _SITE_KEYS, "site")
    return PolicyFields(
        version=version,
        categories=tuple(categories),
        cookies=tuple(cookies),
        max_age=parse_duration(data.get("max_age", "365d"), key="max_age"),
        unknown=_str(data.get("unknown", "block"), "unknown"),
        root_domain=None if root is None else _str(root, "root_domain", allow_empty=False),
        consent_max_age=parse_duration(data.get("consent_max_age", "180d"), key="consent_max_age"),
        gpc_refuses=frozenset(gpc_raw),
        site={k: _str(v, f"site.{k}") for k, v in site.items()},
        # Checked against MODES, SECURE_RULES and SAME_SITE_MINIMUMS by Policy itself.
        mode=cast("Mode", _str(data.get("mode", "opt-in"), "mode")),
        secure=cast("SecureRule | None", None if secure is None else _str(secure, "secure")),
        same_site_min=cast(
            "SameSiteMinimum | None",
            None if same_site is None else _str(same_site, "same_site_min").lower(),
        ),
        consent_max_age_refused=(
            None if refused is None else parse_duration(refused, key="consent_max_age_refused")
        ),
        sources=_sources(data.get("sources", {})),
        storage=_storage(data.get("storage", [])),
        hosts=_hosts(data.get("hosts", [])),
        unknown_hosts=_str(data.get("unknown_hosts", "allow"), "unknown_hosts"),
        language=read_language(data),
        locales=read_locales(data.get("locales", {})),
    )


def check_cookie_domains(root_domain: str | None, cookies: Sequence[CookieRule]) -> None:
    """Check that every declared cookie's ``domain`` lies within ``root_domain``.

    :raises PolicyError: naming the first cookie outside it.
    """
    if root_domain is not None:
        for i, rule in enumerate(cookies):
            if rule.domain is not None and not (
                rule.domain == root_domain or rule.domain.endswith("." + root_domain)
            ):
                raise PolicyError(
                    f"cookies[{i}].domain",
                    f"{rule.domain!r} is outside root_domain {root_domain!r}",
                )


def _entries(raw: object, key: str, allowed: frozenset[str]) -> list[tuple[str, Mapping[str, Any]]]:
    """The tables of an array of tables (``[[storage]]``, ``[[hosts]]``), each with its key."""
    if not isinstance(raw, list):
        raise PolicyError(key, f"expected an array of tables ([[{key}]])")
    tables = []
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        table = _table(item, where)
        _unknown_keys(table, allowed, where)
        tables.append((where, table))
    return tables


def _texts(table: Mapping[str, Any], where: str) -> dict[str, str]:
    """The free-text fields every entry may carry."""
    return {
        k: _str(table.get(k, ""), f"{where}.{k}") for k in ("purpose", "provider", "description")
    }


def _storage(raw: object) -> tuple[StorageRule, ...]:
    """The ``[[storage]]`` entries: localStorage / sessionStorage keys (globs allowed)."""
    rules = []
    for where, table in _entries(raw, "storage", _STORAGE_KEYS):
        for required in ("name", "category"):
            if required not in table:
                raise PolicyError(f"{where}.{required}", "missing")
        area = _str(table.get("area", "any"), f"{where}.area")
        if area not in STORAGE_AREAS:
            raise PolicyError(f"{where}.area", f"must be 'local', 'session' or 'any', got {area!r}")
        rules.append(
            StorageRule(
                name=_str(table["name"], f"{where}.name", allow_empty=False),
                category=_str(table["category"], f"{where}.category"),
                area=area,
                **_texts(table, where),
            )
        )
    return tuple(rules)


def _hosts(raw: object) -> tuple[HostRule, ...]:
    """The ``[[hosts]]`` entries: third-party hosts, exact or globs, in canonical form."""
    rules = []
    for where, table in _entries(raw, "hosts", _HOST_KEYS):
        for required in ("host", "category"):
            if required not in table:
                raise PolicyError(f"{where}.{required}", "missing")
        name = _str(table["host"], f"{where}.host", allow_empty=False).strip().rstrip(".")
        # Canonical form, label by label, so that a glob's "*" survives IDNA.
        labels = name.split(".")
        canonical = ".".join(
            label.lower() if any(ch in "*?[" for ch in label) else canonical_host(label)
            for label in labels
        )
        if not all(labels) or "/" in name or ":" in name:
            raise PolicyError(
                f"{where}.host", f"{name!r} is not a host name such as 'cdn.example.net'"
            )
        rules.append(
            HostRule(
                host=canonical,
                category=_str(table["category"], f"{where}.category"),
                **_texts(table, where),
            )
        )
    return tuple(rules)


def _sources(raw: object) -> SourceSettings:
    """The ``[sources.cookieconsent]`` and ``[sources.klaro]`` tables."""
    sources = _table(raw, "sources")
    _unknown_keys(sources, frozenset(_SOURCE_KEYS), "sources")
    cc = _table(sources.get("cookieconsent", {}), "sources.cookieconsent")
    _unknown_keys(cc, _SOURCE_KEYS["cookieconsent"], "sources.cookieconsent")
    klaro = _table(sources.get("klaro", {}), "sources.klaro")
    _unknown_keys(klaro, _SOURCE_KEYS["klaro"], "sources.klaro")
    revision = cc.get("revision", 0)
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
        raise PolicyError("sources.cookieconsent.revision", "expected a whole number >= 0")
    cc_name = _cookie_name(cc.get("name", "cc_cookie"), "sources.cookieconsent.name")
    klaro_name = _cookie_name(klaro.get("name", "klaro"), "sources.klaro.name")
    if cc_name == klaro_name:
        raise PolicyError("sources.klaro.name", f"{klaro_name!r} is cookieconsent's cookie too")
    return SourceSettings(
        cookieconsent_name=cc_name,
        cookieconsent_categories=_name_map(
            cc.get("categories", {}), "sources.cookieconsent.categories"
        ),
        cookieconsent_revision=revision,
        klaro_name=klaro_name,
        klaro_services=_name_map(klaro.get("services", {}), "sources.klaro.services"),
    )


def _cookie_name(value: object, key: str) -> str:
    name = _str(value, key, allow_empty=False).strip()
    if BAD_NAME_CHAR.search(name) or any(ch in GLOB_CHARS for ch in name):
        raise PolicyError(key, f"{name!r} is not a valid cookie name")
    if name == CONSENT_COOKIE:
        raise PolicyError(key, f"{name!r} is cookiewarden's own signed consent cookie")
    return name


def _name_map(value: object, key: str) -> tuple[tuple[str, str], ...]:
    """A ``{ their name = "our category key" }`` table, as sorted pairs."""
    table = _table(value, key)
    pairs = []
    for name, category in table.items():
        if not name:
            raise PolicyError(key, "names must not be empty")
        pairs.append((name, _str(category, f"{key}.{name}", allow_empty=False)))
    return tuple(sorted(pairs))
