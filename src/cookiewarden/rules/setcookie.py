"""The Set-Cookie value, exactly as a browser understands one, and its canonical rendering.

Contract: a :class:`SetCookie` is one cookie as a browser reads one ``Set-Cookie`` header
(RFC 6265bis §5.6; :func:`~cookiewarden.rules.setcookie_parse.parse_set_cookie` reads one).
:meth:`SetCookie.to_header` renders it back in one canonical form, and parsing that form gives
the same value again. Dates are read as Chromium reads ``Expires``
(:mod:`cookiewarden.rules.dates`, re-exported here). This module owns the octet rules that the
parse and the value share (the limits, what a name, a value or a Domain may hold), and
:func:`trusted_set_cookie`, the constructor for values that are valid by construction.

Rules:

1. Browser behaviour wins, in the value as in the parse: a nameless cookie whose value holds
   ``=``, or hides a ``__Secure-``/``__Host-``/``__Http-`` prefix, cannot exist; nor can a name
   or value that holds HTAB once trimmed; an ``Expires`` year before the year :data:`MIN_YEAR`
   cannot be rendered.
2. A :class:`SetCookie` built by hand is validated, and an invalid one raises ``ValueError``,
   so every ``SetCookie`` that exists renders to a header that parses back to itself. Only
   :func:`trusted_set_cookie` skips the validation, for values that are valid by construction
   (the parser's output, and the edits of :mod:`cookiewarden.rules.setcookie_edits`).
3. Strings are ``str`` holding octets as UTF-8 with ``surrogateescape`` (see ARCHITECTURE.md);
   octet limits count those octets. Text that cannot be encoded that way cannot be sent on the
   wire, so it is rejected too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, Literal

from .dates import MIN_YEAR, format_cookie_date, format_cookie_date_cached, parse_cookie_date

__all__ = [
    "ATTRIBUTE_NAMES",
    "MAX_AGE_HIGH",
    "MAX_AGE_LOW",
    "MAX_ATTRIBUTE_VALUE_OCTETS",
    "MAX_NAME_VALUE_OCTETS",
    "SAME_SITE_VALUES",
    "SameSite",
    "SetCookie",
    "canonical_domain_attribute",
    "format_cookie_date",
    "has_hidden_prefix",
    "is_encodable",
    "octet_length",
    "parse_cookie_date",
    "trusted_set_cookie",
]

SameSite = Literal["strict", "lax", "none"]

#: RFC 6265bis §5.6: the limit on the cookie name and value together, in octets.
MAX_NAME_VALUE_OCTETS: Final = 4096
#: RFC 6265bis §5.6: the limit on one attribute value, in octets.
MAX_ATTRIBUTE_VALUE_OCTETS: Final = 1024

_WSP: Final = " \t"
# A name or value may not hold these: ";" would end it, a CTL rejects the whole header, and so
# does HTAB inside it (around it, HTAB would be trimmed away).
_NOT_IN_VALUE: Final = re.compile(r"[\x00-\x1f\x7f;]")
_NOT_IN_NAME: Final = re.compile(r"[\x00-\x1f\x7f;=]")
# A canonical domain may not hold these: a browser fails to canonicalise a host with a space
# or a control character, and ";" would end the attribute when rendered.
_NOT_IN_DOMAIN: Final = re.compile(r"[\x00-\x20\x7f;]")
# "__host-http-" starts with "__host-" already.
_HIDDEN_PREFIXES: Final = ("__secure-", "__host-", "__http-")
#: Max-Age values whose digits fit in one 1024-octet attribute value ("-" counts as one): a
#: ``max_age`` lies strictly between :data:`MAX_AGE_LOW` and :data:`MAX_AGE_HIGH`.
MAX_AGE_LOW: Final = -(10 ** (MAX_ATTRIBUTE_VALUE_OCTETS - 1))
MAX_AGE_HIGH: Final = 10**MAX_ATTRIBUTE_VALUE_OCTETS

#: The attribute names a browser knows, lowercase; each has its own field, and any other
#: attribute is an extension.
ATTRIBUTE_NAMES: Final = frozenset(
    {"expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "partitioned"}
)
#: The ``SameSite`` values a browser recognises, lowercase, to the field's value.
SAME_SITE_VALUES: Final[dict[str, SameSite]] = {"strict": "strict", "lax": "lax", "none": "none"}
_SAME_SITE_RENDER: Final[dict[str, str]] = {"strict": "Strict", "lax": "Lax", "none": "None"}


def octet_length(text: str) -> int:
    """Return the wire length of ``text`` (UTF-8 with ``surrogateescape``).

    :raises UnicodeEncodeError: for a lone surrogate outside the ``surrogateescape`` range.
    """
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogateescape"))


def is_encodable(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 with ``surrogateescape``: whether it can be sent."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


def has_hidden_prefix(value: str) -> bool:
    """Whether a nameless cookie's ``value`` hides a ``__Secure-``/``__Host-``/``__Http-``
    prefix, which makes a browser reject it."""
    # Chromium's HasHiddenPrefixName: leading SP/HTAB skipped, ASCII case-insensitive.
    return value.lstrip(_WSP)[:9].lower().startswith(_HIDDEN_PREFIXES)


@lru_cache(maxsize=1024)
def canonical_domain_attribute(raw: str) -> str | None:
    """Return the canonical form of a non-empty, trimmed Domain attribute value.

    ``None`` means a browser could not canonicalise it and ignores the whole cookie.
    """
    # RFC 6265bis §5.6.3: "If cookie-domain starts with %x2E ("."): Let cookie-domain be
    # cookie-domain without its leading %x2E (".")." ... "Convert the cookie-domain to lower
    # case." A browser then canonicalises the host (IDNA to ASCII); one that fails is ignored.
    domain = raw[1:] if raw[0] == "." else raw
    if not domain:
        return None  # "Domain=." is not empty, yet names no host: Chromium rejects it.
    try:
        domain = domain.lower().encode("idna").decode("ascii").lower()
    except ValueError:  # UnicodeError: an empty or over-long label, a prohibited character
        return None
    # A host that holds a space or a control character fails to canonicalise, and one over
    # 1024 octets can neither domain-match a real host nor be rendered as an attribute.
    if (
        not domain
        or domain[0] == "."
        or len(domain) > MAX_ATTRIBUTE_VALUE_OCTETS
        or _NOT_IN_DOMAIN.search(domain)
    ):
        return None
    return domain


def _extension_error(extension: object) -> str | None:
    """Why ``extension`` could not come out of
    :func:`~cookiewarden.rules.setcookie_parse.parse_set_cookie`, or ``None``."""
    if not isinstance(extension, str):
        return "must be a str"
    if _NOT_IN_VALUE.search(extension) or not is_encodable(extension):
        return "holds ';', a control character (HTAB too) or an unencodable character"
    name, _, value = extension.partition("=")
    if not name or name.strip(_WSP) != name or value.strip(_WSP) != value:
        return "needs a name, and no whitespace around the name or the value"
    if name.lower() in ATTRIBUTE_NAMES:
        return "is a known attribute; use its field"
    if octet_length(value) > MAX_ATTRIBUTE_VALUE_OCTETS:
        return f"value is over {MAX_ATTRIBUTE_VALUE_OCTETS} octets"
    return None


@dataclass(frozen=True, slots=True)
class SetCookie:
    """One cookie as a browser understands a ``Set-Cookie`` header.

    A ``SetCookie`` cannot be invalid: the constructor refuses any combination that
    :func:`~cookiewarden.rules.setcookie_parse.parse_set_cookie` could not have produced
    (``ValueError``), so ``parse_set_cookie(c.to_header()) == c`` holds for every instance.

    :param name: the cookie name, trimmed; ``""`` for a nameless cookie.
    :param value: the cookie value, trimmed, quotes kept.
    :param expires: the last ``Expires``, an aware datetime; it is stored in UTC with
        fractions of a second dropped. ``None`` when absent, or when the last one is invalid.
    :param max_age: the last ``Max-Age``; ``<= 0`` asks the browser to delete. ``None`` when
        absent, or when the last one is invalid (``expires`` then decides).
    :param domain: the last ``Domain``: leading dot removed, lowercase, IDNA in ASCII.
        ``None`` means host-only (no ``Domain``, or an empty last one).
    :param path: the last ``Path``; ``None`` means the default-path (absent or invalid).
    :param secure: ``Secure`` was given.
    :param http_only: ``HttpOnly`` was given.
    :param same_site: the last ``SameSite``; ``None`` when absent or unrecognised ("Default").
    :param partitioned: ``Partitioned`` was given.
    :param extensions: unknown attributes in order, as trimmed ``"name=value"`` or ``"name"``.
    :raises ValueError: for a name with ``=``, ``;`` or a control character, a value with
        ``;`` or a control character, surrounding whitespace, a nameless cookie that a browser
        rejects, more than 4096 octets of name and value, a non-canonical domain, a path not
        starting with ``/``, a naive ``expires`` or one before the year 100, and the like.

    >>> c = SetCookie("sid", "abc", max_age=3600, path="/", http_only=True, same_site="lax")
    >>> c.to_header()
    'sid=abc; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax'
    """

    name: str
    value: str
    expires: datetime | None = None
    max_age: int | None = None
    domain: str | None = None
    path: str | None = None
    secure: bool = False
    http_only: bool = False
    same_site: SameSite | None = None
    partitioned: bool = False
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        name, value = self.name, self.value
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError("name and value must be str")
        if _NOT_IN_NAME.search(name) or name.strip(_WSP) != name:
            raise ValueError(f"invalid cookie name {name!r}")
        if _NOT_IN_VALUE.search(value) or value.strip(_WSP) != value:
            raise ValueError(f"invalid cookie value {value!r}")
        if not name and (not value or "=" in value or has_hidden_prefix(value)):
            raise ValueError(f"a browser rejects a nameless cookie with value {value!r}")
        if not is_encodable(name) or not is_encodable(value):
            raise ValueError("name and value must encode as UTF-8 with surrogateescape")
        if octet_length(name) + octet_length(value) > MAX_NAME_VALUE_OCTETS:
            raise ValueError(f"name and value are over {MAX_NAME_VALUE_OCTETS} octets")
        if self.expires is not None:
            expires = self.expires
            if not isinstance(expires, datetime) or expires.utcoffset() is None:
                raise ValueError("expires must be an aware datetime")
            try:
                expires = expires.astimezone(UTC).replace(microsecond=0)
            except OverflowError:
                raise ValueError(f"expires {expires!r} is out of range in UTC") from None
            if expires.year < MIN_YEAR:
                raise ValueError(f"expires before the year {MIN_YEAR} cannot be rendered")
            object.__setattr__(self, "expires", expires)
        max_age = self.max_age
        if max_age is not None and (
            type(max_age) is not int or not MAX_AGE_LOW < max_age < MAX_AGE_HIGH
        ):
            raise ValueError(f"invalid max_age {max_age!r}")
        domain = self.domain
        if domain is not None and (
            not isinstance(domain, str)
            or not domain
            or canonical_domain_attribute(domain) != domain
        ):
            raise ValueError(f"domain {domain!r} is not canonical (lowercase IDNA, no leading dot)")
        path = self.path
        if path is not None and (
            not isinstance(path, str)
            or not path.startswith("/")
            or _NOT_IN_VALUE.search(path)
            or path.rstrip(_WSP) != path
            or not is_encodable(path)
            or octet_length(path) > MAX_ATTRIBUTE_VALUE_OCTETS
        ):
            raise ValueError(f"invalid path {path!r}")
        if self.same_site is not None and self.same_site not in SAME_SITE_VALUES:
            raise ValueError(f"same_site must be strict, lax, none or None: {self.same_site!r}")
        if not isinstance(self.extensions, tuple):
            object.__setattr__(self, "extensions", tuple(self.extensions))
        for extension in self.extensions:
            if (error := _extension_error(extension)) is not None:
                raise ValueError(f"extension {extension!r} {error}")

    def to_header(self) -> str:
        """Render the ``Set-Cookie`` header value, in canonical form.

        Attribute names are canonical and in a fixed order: ``Expires``, ``Max-Age``,
        ``Domain``, ``Path``, ``Secure``, ``HttpOnly``, ``SameSite``, ``Partitioned``, then the
        extensions as they came. A nameless cookie renders as its value alone.
        """
        parts = [f"{self.name}={self.value}" if self.name else self.value]
        if self.expires is not None:
            parts.append("Expires=" + format_cookie_date_cached(self.expires))
        if self.max_age is not None:
            parts.append(f"Max-Age={self.max_age}")
        if self.domain is not None:
            parts.append("Domain=" + self.domain)
        if self.path is not None:
            parts.append("Path=" + self.path)
        if self.secure:
            parts.append("Secure")
        if self.http_only:
            parts.append("HttpOnly")
        if self.same_site is not None:
            parts.append("SameSite=" + _SAME_SITE_RENDER[self.same_site])
        if self.partitioned:
            parts.append("Partitioned")
        parts.extend(self.extensions)
        return "; ".join(parts)

    def is_deletion(self, now: float) -> bool:
        """Tell whether a browser would delete the cookie rather than store it.

        ``Max-Age`` wins over ``Expires`` (RFC 6265bis §5.7): a cookie is a deletion when its
        ``Max-Age`` is ``<= 0``, or it has no ``Max-Age`` and its ``Expires`` is ``<= now``.

        :param now: the current time, in Unix seconds.
        """
        if self.max_age is not None:
            return self.max_age <= 0
        return self.expires is not None and self.expires.timestamp() <= now

    def with_changes(self, **changes: Any) -> SetCookie:
        """Return a copy with ``changes`` applied (:func:`dataclasses.replace`), validated.

        :raises ValueError: if the result would be invalid.
        :raises TypeError: for an unknown field name.
        """
        return replace(self, **changes)


_new_set_cookie = object.__new__
_FIELDS: Final = SetCookie.__slots__
# The slot descriptors' own setters: they store a field without the frozen __setattr__.
(
    _set_name,
    _set_value,
    _set_expires,
    _set_max_age,
    _set_domain,
    _set_path,
    _set_secure,
    _set_http_only,
    _set_same_site,
    _set_partitioned,
    _set_extensions,
) = (getattr(SetCookie, field).__set__ for field in _FIELDS)


def trusted_set_cookie(
    name: str,
    value: str,
    expires: datetime | None,
    max_age: int | None,
    domain: str | None,
    path: str | None,
    secure: bool,
    http_only: bool,
    same_site: SameSite | None,
    partitioned: bool,
    extensions: tuple[str, ...],
) -> SetCookie:
    """``SetCookie(...)`` for values that are valid by construction; skips validation: hot path.

    The same value the constructor would make, every field given, none checked:
    ``expires`` must already be in UTC in whole seconds, and the whole must be what the
    constructor accepts. Only for the parser's output and copies of a valid cookie that keep it
    valid; anything else goes through :class:`SetCookie` or :meth:`SetCookie.with_changes`.
    """
    # The parser's output is valid by construction (the tests check every parsed cookie
    # against the validator), so it skips __post_init__: this is the hot path.
    cookie: SetCookie = _new_set_cookie(SetCookie)
    _set_name(cookie, name)
    _set_value(cookie, value)
    _set_expires(cookie, expires)
    _set_max_age(cookie, max_age)
    _set_domain(cookie, domain)
    _set_path(cookie, path)
    _set_secure(cookie, secure)
    _set_http_only(cookie, http_only)
    _set_same_site(cookie, same_site)
    _set_partitioned(cookie, partitioned)
    _set_extensions(cookie, extensions)
    return cookie
