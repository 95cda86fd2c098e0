"""The cookie policy: categories, declared cookies, caps, domain rules and version.

Contract:
- A :class:`Policy` is built once, at start-up, from TOML (:meth:`Policy.from_toml`), a mapping
  (:meth:`Policy.from_dict`) or the embedded default (:meth:`Policy.default`). It is immutable.
- Every mistake in the configuration raises :class:`~cookiewarden.errors.PolicyError` naming the
  key and the reason, at load time. Nothing is validated per request. The file's keys and their
  forms are :mod:`cookiewarden.rules.policy_schema`'s; what they declare (categories, cookies,
  sources) is :mod:`cookiewarden.rules.policy_entries`'; durations are
  :mod:`cookiewarden.rules.durations`'.

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
6. Browser storage keys (``[[storage]]``) and third-party hosts (``[[hosts]]``) are declared
   like cookies (:mod:`cookiewarden.rules.page_entries`); undeclared keys follow ``unknown``,
   undeclared hosts ``unknown_hosts`` (``"allow"`` by default: CDNs).
7. The texts are in ``language`` (``"en"`` by default); ``[locales.<tag>]`` tables translate
   them (:mod:`cookiewarden.rules.policy_locales`), and :meth:`Policy.localised` is the policy
   in one of its :attr:`~Policy.languages`. Enforcement never depends on the language.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import PolicyError
from .domains import canonical_host, is_ip, is_public_suffix
from .page_entries import HostRule, PageIndex, StorageRule, glob_pattern
from .policy_entries import (
    BAD_NAME_CHAR,
    CONSENT_COOKIE,
    MODES,
    SAME_SITE_MINIMUMS,
    SECURE_RULES,
    Category,
    CookieRule,
    Mode,
    SameSiteMinimum,
    SecureRule,
    SourceSettings,
)
from .policy_locales import (
    Kind,
    Locale,
    Translated,
    check_locales,
    missing_texts,
    own_cookie_texts,
    translate,
)
from .policy_schema import check_cookie_domains, policy_fields

__all__ = ["Policy"]

# cookiewarden's own cookies, always declared (rule 3).
_OWN_COOKIES = (CONSENT_COOKIE,)


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
    storage: tuple[StorageRule, ...] = ()
    hosts: tuple[HostRule, ...] = ()
    unknown_hosts: str = "allow"
    language: str = "en"
    locales: tuple[Locale, ...] = ()
    category_keys: frozenset[str] = field(init=False)
    necessary_keys: frozenset[str] = field(init=False)
    optional_keys: tuple[str, ...] = field(init=False)
    _by_key: dict[str, Category] = field(init=False, repr=False, compare=False)
    _exact: dict[str, CookieRule] = field(init=False, repr=False, compare=False)
    _globs: tuple[CookieRule, ...] = field(init=False, repr=False, compare=False)
    page_index: PageIndex = field(init=False, repr=False, compare=False)
    _own: frozenset[str] = field(init=False, repr=False, compare=False)
    _localised: dict[str, Policy] = field(init=False, repr=False, compare=False)

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
            if not rule.name or BAD_NAME_CHAR.search(rule.name.replace("[", "").replace("]", "")):
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
            if rule.is_glob:
                try:
                    glob_pattern(rule.name)
                except ValueError as exc:
                    raise PolicyError(f"{where}.name", str(exc)) from None
        # Rule 3: our own consent cookie, and its script-readable state, are always declared.
        first_necessary = next(c.key for c in self.categories if c.necessary)
        own = frozenset(name for name in _OWN_COOKIES if name not in exact)
        for name in _OWN_COOKIES:
            if name in own:
                texts = own_cookie_texts(self.language, name, self.site.get("name"))
                exact[name] = CookieRule(
                    name=name,
                    category=first_necessary,
                    purpose=texts.purpose,
                    provider=texts.provider,
                    lifetime=max(self.consent_max_age, self.refusal_max_age),
                    description=texts.description,
                    path="/",
                )
                object.__setattr__(self, "cookies", (*self.cookies, exact[name]))
        if self.unknown_hosts not in ("allow", "block"):
            raise PolicyError(
                "unknown_hosts", f"must be 'allow' or 'block', got {self.unknown_hosts!r}"
            )
        page = PageIndex(self.storage, self.hosts, tuple(by_key))
        object.__setattr__(self, "page_index", page)
        # Rule 7: every translation names what is declared.
        declared: dict[Kind, Iterable[str]] = {
            "categories": by_key,
            "cookies": (r.name for r in self.cookies),
            "storage": (r.name for r in self.storage),
            "hosts": (r.host for r in self.hosts),
        }
        check_locales(self.locales, self.language, declared)
        object.__setattr__(self, "_own", own)
        object.__setattr__(self, "_localised", {})
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

    @property
    def lookup_order(self) -> tuple[CookieRule, ...]:
        """Every declared cookie in the order :meth:`lookup` tries them: the exact names, then
        the globs, longest first."""
        return (*self._exact.values(), *self._globs)

    def lookup_storage(self, key: str, area: str = "any") -> StorageRule | None:
        """The declaration of the storage key ``key`` in ``area`` (``"local"``, ``"session"``
        or ``"any"``): exact beats glob, then the longest glob."""
        return self.page_index.storage(key, area)

    def lookup_host(self, host: str) -> HostRule | None:
        """The declaration of the third-party ``host`` (canonical: lowercase, IDNA, no port)."""
        return self.page_index.host(host)

    # -- languages (rule 7) ---------------------------------------------------------------

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the policy is offered in: its own ``language`` first, then each of
        ``[locales.<tag>]`` in the file's order.

        >>> Policy.default().languages
        ('en',)
        """
        return (self.language, *(locale.tag for locale in self.locales))

    def localised(self, tag: str) -> Policy:
        """This policy with its texts in ``tag``, one of :attr:`languages`: each label,
        description and purpose a ``[locales.<tag>]`` translates, the rest as written.

        Everything that is enforced is the same; only the words differ. Built once per tag.

        :raises KeyError: where ``tag`` is not one of :attr:`languages`.

        >>> p = Policy.from_dict({"version": "1", "categories": {"necessary": {
        ...     "label": "Necessary", "necessary": True}}, "locales": {"it": {"categories": {
        ...     "necessary": {"label": "Necessari"}}}}})
        >>> p.localised("it").categories[0].label, p.localised("en") is p
        ('Necessari', True)
        """
        if tag == self.language:
            return self
        found = self._localised.get(tag)
        if found is None:
            locale = next((x for x in self.locales if x.tag == tag), None)
            if locale is None:
                raise KeyError(f"{tag!r} is not one of the policy's languages {self.languages}")
            entries = Translated(self.categories, self.cookies, self.storage, self.hosts)
            said = translate(locale, entries, own=self._own, site_name=self.site.get("name"))
            found = replace(self, **said._asdict(), language=tag, locales=())
            self._localised[tag] = found
        return found

    def missing_translations(self) -> dict[str, tuple[str, ...]]:
        """For each ``[locales.<tag>]``, the keys it leaves untranslated, as the file spells
        them (``locales.it.cookies.sessionid.description``); what ``cookiewarden check``
        reports (:func:`~cookiewarden.rules.policy_locales.missing_texts`). A text left out
        is said in the policy's own language."""
        entries = Translated(self.categories, self.cookies, self.storage, self.hosts)
        return {x.tag: missing_texts(x, entries, own=self._own) for x in self.locales}

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
            policy = Policy(**policy_fields(data))
            check_cookie_domains(policy.root_domain, policy.cookies)
        except PolicyError as exc:
            if source is not None:
                raise exc.with_source(source) from None
            raise
        return policy

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
