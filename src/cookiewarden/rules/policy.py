"""The cookie policy: categories, declared cookies, caps, domain rules and version.

Contract:
- A :class:`Policy` is built once, at start-up, from TOML (:meth:`Policy.from_toml`), a mapping
  (:meth:`Policy.from_dict`) or the embedded default (:meth:`Policy.default`). It is immutable.
- Every mistake in the configuration raises :class:`~cookiewarden.errors.PolicyError` naming the
  key and the reason, at load time. Nothing is validated per request.

Rules:
1. At least one category is ``necessary``; necessary categories are always granted and exempt
   from ``max_age``.
2. A declared name is either exact or a glob (``*``, ``?``, ``[...]``). Lookup: the exact name
   wins; otherwise the longest matching glob (ties: the one declared first). Names are
   case-sensitive, as browsers treat them.
3. The consent cookie ``cw_consent`` is always declared (necessary, lifetime the longer of
   ``consent_max_age`` and ``consent_max_age_refused``).
4. Durations accept ``s``, ``m``, ``h``, ``d``, ``w``, ``y`` (365 days) and plain seconds.
5. Beyond the basics (README "Beyond the basics"): ``mode`` ("opt-in" or "opt-out"),
   attribute hardening (``secure``, ``same_site_min``, per cookie ``http_only``), how long a
   refusal is kept (``consent_max_age_refused``) and how adopted banners' cookies map onto the
   categories (``[sources.cookieconsent]``, ``[sources.klaro]``). Hardening only ever tightens.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

from ..errors import PolicyError
from .domains import canonical_host, is_ip, is_public_suffix

__all__ = [
    "CONSENT_COOKIE",
    "MODES",
    "SAME_SITE_MINIMUMS",
    "SECURE_RULES",
    "Category",
    "CookieRule",
    "Policy",
    "SourceSettings",
    "parse_duration",
]

Mode = Literal["opt-in", "opt-out"]
SecureRule = Literal["always", "same-as-request"]
SameSiteMinimum = Literal["lax", "strict"]
MODES: tuple[Mode, ...] = ("opt-in", "opt-out")
"""``mode``: whether an undecided visitor gets only the necessary categories (``"opt-in"``) or
every category except what GPC refuses (``"opt-out"``)."""
SECURE_RULES: tuple[SecureRule, ...] = ("always", "same-as-request")
"""``secure``: add ``Secure`` to every cookie that leaves, or only to those answering https."""
SAME_SITE_MINIMUMS: tuple[SameSiteMinimum, ...] = ("lax", "strict")
"""``same_site_min``: the lowest ``SameSite`` a cookie may leave with."""

CONSENT_COOKIE = "cw_consent"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"\s*(\d+)\s*([smhdwy]?)\s*", re.IGNORECASE)
_GLOB_CHARS = frozenset("*?[")
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# RFC 6265 token characters for a cookie name; glob characters are allowed on top.
_NAME_BAD = re.compile(r"[\x00-\x20\x7f()<>@,;:\\\"/\]{}=]")

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


def parse_duration(text: str | int, *, key: str) -> int:
    """Parse ``"30d"``, ``"1y"`` (365 days), ``"12h"`` or plain seconds into seconds.

    :raises PolicyError: naming ``key`` when the text is not a duration or is zero.
    """
    if isinstance(text, bool):
        raise PolicyError(key, f"expected a duration like '30d' or '1y', got {text!r}")
    if isinstance(text, int):
        seconds = text
    elif isinstance(text, str) and (m := _DURATION.fullmatch(text)):
        seconds = int(m.group(1)) * _UNITS[(m.group(2) or "s").lower()]
    else:
        raise PolicyError(
            key, f"expected a duration like '30d', '1y' or a number of seconds, got {text!r}"
        )
    if seconds <= 0:
        raise PolicyError(key, f"a duration must be positive, got {text!r}")
    return seconds


@dataclass(frozen=True, slots=True)
class Category:
    """One category of cookies (``necessary``, ``performance``...)."""

    key: str
    label: str
    description: str = ""
    necessary: bool = False

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise PolicyError(
                f"categories.{self.key}",
                "a category key is lowercase letters, digits, '-' or '_', starting with a letter",
            )


@dataclass(frozen=True, slots=True)
class CookieRule:
    """One declared cookie, or a family of them when ``name`` is a glob (``"_ga_*"``).

    ``lifetime`` is in seconds; ``None`` declares a session cookie. ``http_only`` makes every
    such cookie leave with ``HttpOnly`` (it is added, never removed).
    """

    name: str
    category: str
    purpose: str = ""
    provider: str = ""
    lifetime: int | None = None
    description: str = ""
    domain: str | None = None
    path: str | None = None
    http_only: bool = False
    is_glob: bool = field(init=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        glob = any(ch in _GLOB_CHARS for ch in self.name)
        object.__setattr__(self, "is_glob", glob)
        object.__setattr__(
            self, "_pattern", re.compile(fnmatch.translate(self.name)) if glob else None
        )

    def matches(self, name: str) -> bool:
        """Whether the cookie called ``name`` is this declared cookie (case-sensitive)."""
        if self._pattern is None:
            return name == self.name
        return self._pattern.match(name) is not None

    @property
    def session(self) -> bool:
        """A session cookie ends with the browser session."""
        return self.lifetime is None


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """How the cookies of an adopted consent banner map onto the policy's categories.

    Read by :mod:`cookiewarden.sources` when the middleware's ``consent_sources`` lists
    ``"cookieconsent"`` or ``"klaro"``; the policy file's ``[sources.cookieconsent]`` and
    ``[sources.klaro]`` tables.

    :param cookieconsent_name: the cookie orestbida/cookieconsent writes (its ``cookie.name``).
    :param cookieconsent_categories: its category names → the policy's category keys, as
        ``(name, key)`` pairs; a name missing here maps to the category of the same key.
    :param cookieconsent_revision: the lowest ``revision`` a cookieconsent choice may carry.
    :param klaro_name: the cookie Klaro writes (its ``storageName``).
    :param klaro_services: Klaro service names → the policy's category keys, as pairs; every
        service a Klaro cookie names must be mapped.
    """

    cookieconsent_name: str = "cc_cookie"
    cookieconsent_categories: tuple[tuple[str, str], ...] = ()
    cookieconsent_revision: int = 0
    klaro_name: str = "klaro"
    klaro_services: tuple[tuple[str, str], ...] = ()
    _cc: dict[str, str] = field(init=False, repr=False, compare=False)
    _klaro: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cc", dict(self.cookieconsent_categories))
        object.__setattr__(self, "_klaro", dict(self.klaro_services))

    def cookieconsent_category(self, name: str, category_keys: frozenset[str]) -> str | None:
        """The category key a cookieconsent category ``name`` grants (``None``: unknown)."""
        key = self._cc.get(name)
        if key is not None:
            return key
        return name if name in category_keys else None

    def klaro_category(self, service: str) -> str | None:
        """The category key a Klaro ``service`` belongs to (``None``: not mapped)."""
        return self._klaro.get(service)

    @property
    def mapped_categories(self) -> frozenset[str]:
        """Every category key the two tables name (validated against the policy)."""
        return frozenset(self._cc.values()) | frozenset(self._klaro.values())


@dataclass(frozen=True, slots=True)
class Policy:
    """A site's cookie policy, validated and precomputed for the hot path.

    Build it with :meth:`from_toml`, :meth:`from_dict` or :meth:`default`; an invalid policy
    raises :class:`PolicyError` there and never later.
    """

    version: str
    categories: tuple[Category, ...]
    cookies: tuple[CookieRule, ...]
    max_age: int = 365 * 86400
    unknown: str = "block"
    root_domain: str | None = None
    consent_max_age: int = 180 * 86400
    gpc_refuses: frozenset[str] = frozenset()
    site: Mapping[str, str] = field(default_factory=dict, compare=False)
    mode: Mode = "opt-in"
    secure: SecureRule | None = None
    same_site_min: SameSiteMinimum | None = None
    consent_max_age_refused: int | None = None  # None: consent_max_age
    sources: SourceSettings = field(default_factory=SourceSettings)
    category_keys: frozenset[str] = field(init=False)
    necessary_keys: frozenset[str] = field(init=False)
    optional_keys: tuple[str, ...] = field(init=False)
    _by_key: dict[str, Category] = field(init=False, repr=False, compare=False)
    _exact: dict[str, CookieRule] = field(init=False, repr=False, compare=False)
    _globs: tuple[CookieRule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Category] = {}
        for cat in self.categories:
            if cat.key in by_key:
                raise PolicyError(f"categories.{cat.key}", "declared twice")
            by_key[cat.key] = cat
        necessary = frozenset(k for k, c in by_key.items() if c.necessary)
        if not necessary:
            raise PolicyError(
                "categories",
                "no category has 'necessary = true'; declare one (e.g. [categories.necessary])",
            )
        if not self.version:
            raise PolicyError("version", "must be a non-empty string")
        if self.unknown not in ("block", "allow") and self.unknown not in by_key:
            raise PolicyError(
                "unknown",
                f"must be 'block', 'allow' or a category key ({', '.join(by_key)}),"
                f" got {self.unknown!r}",
            )
        for key in sorted(self.gpc_refuses):
            if key not in by_key:
                raise PolicyError("gpc_refuses", f"unknown category {key!r}")
            if key in necessary:
                raise PolicyError("gpc_refuses", f"{key!r} is necessary and cannot be refused")
        if self.root_domain is not None:
            _check_root_domain(self.root_domain)
        _check_choice("mode", self.mode, MODES)
        if self.secure is not None:
            _check_choice("secure", self.secure, SECURE_RULES)
        if self.same_site_min is not None:
            _check_choice("same_site_min", self.same_site_min, SAME_SITE_MINIMUMS)
        if self.consent_max_age_refused is None:
            object.__setattr__(self, "consent_max_age_refused", self.consent_max_age)
        for table, pairs in (
            ("sources.cookieconsent.categories", self.sources.cookieconsent_categories),
            ("sources.klaro.services", self.sources.klaro_services),
        ):
            for name, key in pairs:
                if key not in by_key:
                    raise PolicyError(
                        f"{table}.{name}",
                        f"unknown category {key!r}; declared categories: {', '.join(by_key)}",
                    )

        exact: dict[str, CookieRule] = {}
        globs: list[CookieRule] = []
        seen: set[str] = set()
        for i, rule in enumerate(self.cookies):
            where = f"cookies[{i}]"
            if rule.category not in by_key:
                raise PolicyError(
                    f"{where}.category",
                    f"unknown category {rule.category!r} for {rule.name!r};"
                    f" declared categories: {', '.join(by_key)}",
                )
            if not rule.name or _NAME_BAD.search(rule.name.replace("[", "").replace("]", "")):
                raise PolicyError(f"{where}.name", f"{rule.name!r} is not a valid cookie name")
            if rule.name in seen:
                raise PolicyError(f"{where}.name", f"{rule.name!r} is declared twice")
            seen.add(rule.name)
            if rule.path is not None and not rule.path.startswith("/"):
                raise PolicyError(f"{where}.path", f"must start with '/', got {rule.path!r}")
            if rule.is_glob:
                globs.append(rule)
            else:
                exact[rule.name] = rule
        # Rule 3: our own consent cookie is always declared.
        if CONSENT_COOKIE not in exact:
            first_necessary = next(c.key for c in self.categories if c.necessary)
            exact[CONSENT_COOKIE] = CookieRule(
                name=CONSENT_COOKIE,
                category=first_necessary,
                purpose="Consent",
                provider=self.site.get("name", "") or "this site",
                lifetime=max(self.consent_max_age, self.refusal_max_age),
                description="Remembers your cookie choices.",
                path="/",
            )
            object.__setattr__(self, "cookies", (*self.cookies, exact[CONSENT_COOKIE]))
        # Rule 2: longest glob first; sorted() is stable, so ties keep declaration order.
        globs.sort(key=lambda r: len(r.name), reverse=True)
        object.__setattr__(self, "category_keys", frozenset(by_key))
        object.__setattr__(self, "necessary_keys", necessary)
        object.__setattr__(self, "optional_keys", tuple(k for k in by_key if k not in necessary))
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_globs", tuple(globs))

    # -- lookups -------------------------------------------------------------------------

    def lookup(self, name: str) -> CookieRule | None:
        """The declaration for the cookie ``name``: exact beats glob, then the longest glob."""
        rule = self._exact.get(name)
        if rule is not None:
            return rule
        for glob in self._globs:
            if glob.matches(name):
                return glob
        return None

    def category(self, key: str) -> Category:
        """The category called ``key`` (``KeyError`` when there is none)."""
        return self._by_key[key]

    def is_necessary(self, key: str) -> bool:
        """Whether ``key`` is a necessary (always granted) category."""
        return key in self.necessary_keys

    def effective_lifetime(self, rule: CookieRule) -> int | None:
        """The longest life a cookie of ``rule`` may keep: declared, then capped by ``max_age``.

        ``None`` means a session cookie.
        """
        if rule.lifetime is None:
            return None
        if rule.category in self.necessary_keys:
            return rule.lifetime
        return min(rule.lifetime, self.max_age)

    def consent_lifetime(self, granted: frozenset[str]) -> int:
        """How long a choice granting ``granted`` is kept, in seconds.

        A refusal (nothing optional granted) is kept for ``consent_max_age_refused``; any other
        choice for ``consent_max_age``. The same figure is the consent cookie's ``Max-Age`` and
        the age past which the choice no longer counts.
        """
        if granted <= self.necessary_keys:
            return self.refusal_max_age
        return self.consent_max_age

    @property
    def refusal_max_age(self) -> int:
        """``consent_max_age_refused``, which defaults to ``consent_max_age``."""
        refused = self.consent_max_age_refused
        return self.consent_max_age if refused is None else refused

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: str | Path) -> Policy:
        """Load a policy file.

        :raises PolicyError: naming the file, the key and the reason.
        """
        source = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise PolicyError("(file)", "no such file", source) from None
        except OSError as exc:
            raise PolicyError("(file)", f"cannot read: {exc.strerror or exc}", source) from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError("(toml)", f"not valid TOML: {exc}", source) from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Policy:
        """Build a policy from a mapping shaped like the TOML file.

        :raises PolicyError: naming the key and the reason.
        """
        try:
            return _from_dict(data)
        except PolicyError as exc:
            if source is not None:
                raise exc.with_source(source) from None
            raise

    @classmethod
    def default(cls) -> Policy:
        """The four usual categories with only the consent cookie declared."""
        text = (
            resources.files("cookiewarden.rules").joinpath("default_policy.toml").read_text("utf-8")
        )
        return cls.from_dict(tomllib.loads(text), source="<default policy>")


def _check_root_domain(domain: str) -> None:
    host = canonical_host(domain)
    if not host or is_ip(host) or host != domain.lower().strip(".") or is_public_suffix(host):
        raise PolicyError(
            "root_domain",
            f"{domain!r} must be a registrable domain such as 'example.com',"
            " not a public suffix or an IP address",
        )


def _check_choice(key: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise PolicyError(key, f"must be {' or '.join(repr(a) for a in allowed)}, got {value!r}")


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


def _from_dict(data: Mapping[str, Any]) -> Policy:
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
    policy = Policy(
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
    )
    if policy.root_domain is not None:
        for i, rule in enumerate(policy.cookies):
            if rule.domain is not None and not (
                rule.domain == policy.root_domain or rule.domain.endswith("." + policy.root_domain)
            ):
                raise PolicyError(
                    f"cookies[{i}].domain",
                    f"{rule.domain!r} is outside root_domain {policy.root_domain!r}",
                )
    return policy


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
    if _NAME_BAD.search(name) or any(ch in _GLOB_CHARS for ch in name):
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
