"""Set-Cookie parsing and rendering, exactly as a browser does it (RFC 6265bis §5.6).

Contract: :func:`parse_set_cookie` turns one ``Set-Cookie`` header value into a
:class:`SetCookie`, or into ``None`` where a browser would ignore the whole header.
:meth:`SetCookie.to_header` renders it back in one canonical form, and parsing that form
gives the same value again. Dates are read as Chromium reads ``Expires``
(:mod:`cookiewarden.dates`, re-exported here).

Rules:

1. Browser behaviour wins. Where the drafts and Chromium disagree, we do what Chromium does,
   because that is what visitors run: Chromium 150 as the conformance corpus recorded it and
   Chromium 156 as the live differential test measures it. So a nameless cookie whose value
   holds ``=``, or hides a ``__Secure-``/``__Host-``/``__Http-`` prefix, is rejected; so is a
   header whose name, value, attribute name or attribute value still holds HTAB once trimmed;
   the *last* ``Max-Age`` and the last ``Expires`` count even when invalid (an invalid
   ``Max-Age`` falls back to ``Expires``, an invalid ``Expires`` means a session cookie);
   ``Max-Age`` is read like ``base::StringToInt64`` (``+60`` is 60, a value past the 64-bit
   range saturates); and an ``Expires`` year is any number of up to five digits (before 1601
   is a past date, after 9999 is kept as the last second of 9999, which every browser caps
   alike).
2. Network input is never an exception: ``parse_set_cookie`` returns ``None`` for anything it
   cannot accept. A :class:`SetCookie` built by hand is validated, and an invalid one raises
   ``ValueError``, so every ``SetCookie`` that exists renders to a header that parses back to
   itself.
3. Strings are ``str`` holding octets as UTF-8 with ``surrogateescape`` (see ARCHITECTURE.md);
   octet limits count those octets. Text that cannot be encoded that way cannot be sent on the
   wire, so it is rejected too.
4. This is the hot path of every response: one control-character scan (HTAB included, so a
   header without one skips every per-token HTAB check), plain ``split`` and ``partition`` for
   the structure, dictionary dispatch on attribute names, and the Domain IDNA conversion and
   the dates cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, Literal

from .dates import MIN_YEAR, format_cookie_date, parse_cookie_date

__all__ = [
    "MAX_ATTRIBUTE_VALUE_OCTETS",
    "MAX_NAME_VALUE_OCTETS",
    "SameSite",
    "SetCookie",
    "format_cookie_date",
    "parse_cookie_date",
    "parse_set_cookie",
]

SameSite = Literal["strict", "lax", "none"]

#: RFC 6265bis §5.6: the limit on the cookie name and value together, in octets.
MAX_NAME_VALUE_OCTETS: Final = 4096
#: RFC 6265bis §5.6: the limit on one attribute value, in octets.
MAX_ATTRIBUTE_VALUE_OCTETS: Final = 1024

_WSP: Final = " \t"
_CTL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# The header scan: a CTL rejects the header, HTAB only where it is inside a token.
_CTL_OR_HTAB: Final = re.compile(r"[\x00-\x1f\x7f]")
# A name or value may not hold these: ";" would end it, a CTL rejects the whole header, and so
# does HTAB inside it (around it, HTAB would be trimmed away).
_NOT_IN_VALUE: Final = re.compile(r"[\x00-\x1f\x7f;]")
_NOT_IN_NAME: Final = re.compile(r"[\x00-\x1f\x7f;=]")
# A canonical domain may not hold these: a browser fails to canonicalise a host with a space
# or a control character, and ";" would end the attribute when rendered.
_NOT_IN_DOMAIN: Final = re.compile(r"[\x00-\x20\x7f;]")
# "__host-http-" starts with "__host-" already.
_HIDDEN_PREFIXES: Final = ("__secure-", "__host-", "__http-")
# Max-Age values whose digits fit in one 1024-octet attribute value ("-" counts as one).
_MAX_AGE_LOW: Final = -(10 ** (MAX_ATTRIBUTE_VALUE_OCTETS - 1))
_MAX_AGE_HIGH: Final = 10**MAX_ATTRIBUTE_VALUE_OCTETS
# base::StringToInt64's range: Chromium saturates a Max-Age past it.
_INT64_MAX: Final = 2**63 - 1

_EXPIRES, _MAX_AGE, _DOMAIN, _PATH, _SECURE, _HTTP_ONLY, _SAME_SITE, _PARTITIONED = range(8)
_ATTRIBUTES: Final[dict[str, int]] = {
    "expires": _EXPIRES,
    "max-age": _MAX_AGE,
    "domain": _DOMAIN,
    "path": _PATH,
    "secure": _SECURE,
    "httponly": _HTTP_ONLY,
    "samesite": _SAME_SITE,
    "partitioned": _PARTITIONED,
}
_SAME_SITE_VALUES: Final[dict[str, SameSite]] = {"strict": "strict", "lax": "lax", "none": "none"}
_SAME_SITE_RENDER: Final[dict[str, str]] = {"strict": "Strict", "lax": "Lax", "none": "None"}


def _octets(text: str) -> int:
    """Return the wire length of ``text`` (UTF-8 with ``surrogateescape``).

    :raises UnicodeEncodeError: for a lone surrogate outside the ``surrogateescape`` range.
    """
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogateescape"))


def _is_encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


def _has_hidden_prefix(value: str) -> bool:
    # Chromium's HasHiddenPrefixName: leading SP/HTAB skipped, ASCII case-insensitive.
    return value.lstrip(_WSP)[:9].lower().startswith(_HIDDEN_PREFIXES)


@lru_cache(maxsize=1024)
def _canonical_domain(raw: str) -> str | None:
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


# Responses repeat the same Expires (and a capped one is the same for a whole second); equal
# datetimes render alike (the rendering is in UTC), so a bounded cache is exact.
_format_date: Final = lru_cache(maxsize=256)(format_cookie_date)


def _extension_error(extension: object) -> str | None:
    """Why ``extension`` could not come out of :func:`parse_set_cookie`, or ``None``."""
    if not isinstance(extension, str):
        return "must be a str"
    if _NOT_IN_VALUE.search(extension) or not _is_encodable(extension):
        return "holds ';', a control character (HTAB too) or an unencodable character"
    name, _, value = extension.partition("=")
    if not name or name.strip(_WSP) != name or value.strip(_WSP) != value:
        return "needs a name, and no whitespace around the name or the value"
    if name.lower() in _ATTRIBUTES:
        return "is a known attribute; use its field"
    if _octets(value) > MAX_ATTRIBUTE_VALUE_OCTETS:
        return f"value is over {MAX_ATTRIBUTE_VALUE_OCTETS} octets"
    return None


@dataclass(frozen=True, slots=True)
class SetCookie:
    """One cookie as a browser understands a ``Set-Cookie`` header.

    A ``SetCookie`` cannot be invalid: the constructor refuses any combination that
    :func:`parse_set_cookie` could not have produced (``ValueError``), so
    ``parse_set_cookie(c.to_header()) == c`` holds for every instance.

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
        if not name and (not value or "=" in value or _has_hidden_prefix(value)):
            raise ValueError(f"a browser rejects a nameless cookie with value {value!r}")
        if not _is_encodable(name) or not _is_encodable(value):
            raise ValueError("name and value must encode as UTF-8 with surrogateescape")
        if _octets(name) + _octets(value) > MAX_NAME_VALUE_OCTETS:
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
            type(max_age) is not int or not _MAX_AGE_LOW < max_age < _MAX_AGE_HIGH
        ):
            raise ValueError(f"invalid max_age {max_age!r}")
        domain = self.domain
        if domain is not None and (
            not isinstance(domain, str) or not domain or _canonical_domain(domain) != domain
        ):
            raise ValueError(f"domain {domain!r} is not canonical (lowercase IDNA, no leading dot)")
        path = self.path
        if path is not None and (
            not isinstance(path, str)
            or not path.startswith("/")
            or _NOT_IN_VALUE.search(path)
            or path.rstrip(_WSP) != path
            or not _is_encodable(path)
            or _octets(path) > MAX_ATTRIBUTE_VALUE_OCTETS
        ):
            raise ValueError(f"invalid path {path!r}")
        if self.same_site is not None and self.same_site not in _SAME_SITE_VALUES:
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
            parts.append("Expires=" + _format_date(self.expires))
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


def _trusted(
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


_SAME: Final[Any] = object()


def _replaced(
    cookie: SetCookie,
    *,
    value: str = _SAME,
    expires: datetime | None = _SAME,
    max_age: int | None = _SAME,
    domain: str | None = _SAME,
) -> SetCookie:
    """``cookie`` with the fields given replaced, trusted like the parser's output: for values
    that keep it valid (the callers below), without :meth:`SetCookie.with_changes`' checks."""
    return _trusted(
        cookie.name,
        cookie.value if value is _SAME else value,
        cookie.expires if expires is _SAME else expires,
        cookie.max_age if max_age is _SAME else max_age,
        cookie.domain if domain is _SAME else domain,
        cookie.path,
        cookie.secure,
        cookie.http_only,
        cookie.same_site,
        cookie.partitioned,
        cookie.extensions,
    )


def _without_lifetime(cookie: SetCookie) -> SetCookie:
    """``cookie.with_changes(max_age=None, expires=None)``: valid by construction, and faster."""
    return _replaced(cookie, expires=None, max_age=None)


def _with_value(cookie: SetCookie, value: str) -> SetCookie:
    """``cookie`` with another value, for a ``value`` that :func:`_split_named` returned."""
    return _replaced(cookie, value=value)


def _split_named(header: str) -> tuple[str, str, str] | None:
    """``(name, unparsed attributes, value)`` when :func:`parse_set_cookie` reads ``header`` as
    a *named* cookie whose name and value it accepts; ``None`` otherwise.

    These are steps 1 to 5 of the parse, exactly. The rest of the parse reads the attributes
    alone (HTAB in one of them rejects the header whatever the value), so two such headers
    with the same name and attributes either both fail to parse or parse to cookies that
    differ in their value only (:func:`_with_value`).
    """
    control = _CTL_OR_HTAB.search(header)
    if control is not None and _CTL.search(header, control.start()) is not None:
        return None
    if not _is_encodable(header):
        return None
    pair, _, unparsed = header.partition(";")
    name, has_equals, value = pair.partition("=")
    if not has_equals:
        return None
    name = name.strip(_WSP)
    if not name:
        return None
    value = value.strip(_WSP)
    if control is not None and ("\t" in name or "\t" in value):
        return None
    if len(name) + len(value) > MAX_NAME_VALUE_OCTETS // 4 and (
        _octets(name) + _octets(value) > MAX_NAME_VALUE_OCTETS
    ):
        return None
    return name, unparsed, value


def _expires_template(cookie: SetCookie) -> tuple[str, str]:
    """``(head, tail)`` such that ``head + _format_date(e) + tail`` is the header of ``cookie``
    with its Expires set to ``e``, whatever ``e``: :meth:`SetCookie.to_header` renders Expires
    right after the name and value, and every other field of ``cookie`` stays as it is.
    """
    pair = f"{cookie.name}={cookie.value}" if cookie.name else cookie.value
    without = _replaced(cookie, expires=None)
    return pair + "; Expires=", without.to_header()[len(pair) :]


def _host_only(cookie: SetCookie) -> SetCookie:
    """``cookie.with_changes(domain=None)``: valid by construction, and faster."""
    return _replaced(cookie, domain=None)


def _with_lifetime(cookie: SetCookie, max_age: int | None, expires: datetime | None) -> SetCookie:
    """``cookie.with_changes(max_age=max_age, expires=expires)`` for a lifetime cap, faster.

    Only what the validator would check about these two fields is checked here; the rest of
    ``cookie`` is valid already. Anything unusual goes through :meth:`SetCookie.with_changes`,
    so the result, or the ``ValueError``, is exactly the same.
    """
    unusual_max_age = max_age is not None and (
        type(max_age) is not int or not 0 < max_age < _MAX_AGE_HIGH
    )
    unusual_expires = expires is not None and (
        type(expires) is not datetime
        or expires.tzinfo is not UTC
        or expires.microsecond != 0
        or expires.year < MIN_YEAR
    )
    if unusual_max_age or unusual_expires:
        return cookie.with_changes(max_age=max_age, expires=expires)
    return _replaced(cookie, expires=expires, max_age=max_age)


def _signed_max_age(value: str) -> int | None:
    """Read a Max-Age value that is not plain digits as Chromium does, or ``None`` (invalid).

    Chromium keeps what ``base::StringToInt64`` makes of it: an optional ``-`` or ``+`` (one),
    then ASCII digits to the end (``"+60"`` is 60, ``"-0"`` and ``"+0"`` are 0, ``"+-1"``,
    ``"+"`` and ``"5s"`` are invalid). A number past the 64-bit range saturates, and so does one
    that reaches the limit before trailing junk (``"9223372036854775807x"`` is the far future,
    ``"-9223372036854775808x"`` a deletion): those keep their digits, which mean the same to a
    browser and render back alike.
    """
    sign = value[:1] if value[:1] in ("+", "-") else ""
    unsigned = value[len(sign) :]
    junk = unsigned.lstrip("0123456789")
    digits = unsigned[: len(unsigned) - len(junk)]
    if not digits:
        return None
    number = int(digits)
    if junk and number < (_INT64_MAX + 1 if sign == "-" else _INT64_MAX):
        return None  # junk after the digits, before the number saturated
    return -number if sign == "-" else number


def parse_set_cookie(header: str) -> SetCookie | None:
    """Parse one ``Set-Cookie`` header value as a browser does (RFC 6265bis §5.6).

    Browser behaviours, Chromium winning where the drafts disagree: a header without ``=``
    is a nameless cookie (``"foo"`` → name ``""``, value ``"foo"``); a nameless cookie whose
    value holds ``=`` or starts with ``__Secure-``/``__Host-``/``__Http-`` is rejected; control
    characters other than HTAB reject the header, and so does HTAB inside a name, a value, an
    attribute name or an attribute value (once trimmed); so do more than 4096 octets of name
    and value; an attribute value over 1024 octets is ignored; attribute names match
    case-insensitively and the last of each wins, even an invalid ``Max-Age`` (then
    ``Expires`` decides) or ``Expires`` (then a session cookie); ``Max-Age`` is an integer
    with an optional sign, saturating (:func:`_signed_max_age`); an empty ``Domain=`` means
    host-only; a ``Domain`` that cannot be canonicalised rejects the header; ``SameSite``
    other than strict/lax/none means "Default". Other known attributes with invalid values
    are ignored; unknown ones are kept in :attr:`SetCookie.extensions`.

    :param header: the header value, as ``str`` (octets as UTF-8 with ``surrogateescape``).
    :returns: the cookie, or ``None`` where a browser would ignore the whole header. Never
        raises.

    >>> parse_set_cookie("  SID = 31d4 ; path=/; SECURE; samesite=LAX").to_header()
    'SID=31d4; Path=/; Secure; SameSite=Lax'
    >>> parse_set_cookie("=a=b") is None
    True
    """
    # §5.6 step 1: "If the set-cookie-string contains a %x00-08 / %x0A-1F / %x7F character
    # (CTL characters excluding HTAB): Abort these steps and ignore the set-cookie-string
    # entirely."  (And what cannot be encoded can never reach a browser.) One scan finds HTAB
    # too: Chromium rejects the header where HTAB is left inside a token once it is trimmed,
    # which is checked token by token below, and only when the header holds one.
    control = _CTL_OR_HTAB.search(header)
    if control is not None and _CTL.search(header, control.start()) is not None:
        return None
    if not _is_encodable(header):
        return None
    has_htab = control is not None
    # Step 2: "If the set-cookie-string contains a %x3B (";") character: The name-value-pair
    # string consists of the characters up to, but not including, the first %x3B (";"), and
    # the unparsed-attributes consist of the remainder of the set-cookie-string."
    pair, has_attributes, unparsed = header.partition(";")
    # Step 3: "If the name-value-pair string lacks a %x3D ("=") character, then the name
    # string is empty, and the value string is the value of name-value-pair. Otherwise, the
    # name string consists of the characters up to, but not including, the first %x3D ("=")
    # character, and the (possibly empty) value string consists of the characters after the
    # first %x3D ("=") character."
    name, has_equals, value = pair.partition("=")
    if not has_equals:
        name, value = "", name
    # Step 4: "Remove any leading or trailing WSP characters from the name string and the
    # value string."
    name = name.strip(_WSP)
    value = value.strip(_WSP)
    if has_htab and ("\t" in name or "\t" in value):
        return None  # Chromium 156: HTAB inside the name or the value
    # Step 5: "If the sum of the lengths of the name string and the value string is more than
    # 4096 octets, abort these steps and ignore the set-cookie-string entirely."
    if len(name) + len(value) > MAX_NAME_VALUE_OCTETS // 4 and (
        _octets(name) + _octets(value) > MAX_NAME_VALUE_OCTETS
    ):
        return None
    # §5.7 step 4: "If the cookie-name is empty and the cookie-value is empty, abort."
    # §5.7: a nameless cookie whose value begins with "__Secure-" or "__Host-"
    # (case-insensitive) is ignored entirely; Chromium 156 adds "__Http-" ("__Host-Http-"
    # begins with "__Host-"). Chromium also rejects one whose value holds "=": it would reach
    # servers as a different, named cookie.
    if not name and (not value or "=" in value or _has_hidden_prefix(value)):
        return None

    expires: datetime | None = None
    max_age: int | None = None
    raw_domain: str | None = None
    path: str | None = None
    secure = http_only = partitioned = False
    same_site: SameSite | None = None
    extensions: list[str] = []
    if has_attributes:
        # §5.6 "the user agent MUST process the unparsed-attributes": each step consumes the
        # characters up to the next %x3B (";") as the cookie-av string.
        for cookie_av in unparsed.split(";"):
            # "If the cookie-av string contains a %x3D ("=") character: The (possibly empty)
            # attribute-name string consists of the characters up to, but not including, the
            # first %x3D ("=") character, and the (possibly empty) attribute-value string
            # consists of the characters after the first %x3D ("=") character."
            attribute_name, has_value, attribute_value = cookie_av.partition("=")
            # "Remove any leading or trailing WSP characters from the attribute-name string
            # and the attribute-value string."
            attribute_name = attribute_name.strip(_WSP)
            attribute_value = attribute_value.strip(_WSP)
            # Chromium 156 rejects the header for HTAB inside any attribute name or value,
            # known or not, with a name or not, over-long or not.
            if has_htab and ("\t" in attribute_name or "\t" in attribute_value):
                return None
            # "If the attribute-value is longer than 1024 octets, ignore the cookie-av string
            # and return to Step 1 of this algorithm."
            if len(attribute_value) > MAX_ATTRIBUTE_VALUE_OCTETS // 4 and (
                _octets(attribute_value) > MAX_ATTRIBUTE_VALUE_OCTETS
            ):
                continue
            # "Process the attribute-name and attribute-value according to the requirements
            # in the following subsections." Names match case-insensitively; each subsection
            # appends to the cookie-attribute-list and storage uses the last one.
            kind = _ATTRIBUTES.get(attribute_name.lower())
            if kind is None:
                # "(Notice that attributes with unrecognized attribute-names are ignored.)"
                # A browser ignores them; we keep them in order for the app's sake, except a
                # nameless one, which no browser or server can give a meaning.
                if attribute_name:
                    extensions.append(
                        f"{attribute_name}={attribute_value}" if has_value else attribute_name
                    )
            elif kind == _EXPIRES:
                # §5.6.1: "Let the expiry-time be the result of parsing the attribute-value as
                # cookie-date. If the attribute-value failed to parse as a cookie date, ignore
                # the cookie-av." Chromium instead keeps the last Expires as it came and
                # parses it alone: an invalid (or empty) last one means no Expires at all.
                expires = parse_cookie_date(attribute_value)
            elif kind == _MAX_AGE:
                # §5.6.2 ignores a Max-Age that is not "-"? DIGIT+. Chromium keeps the last
                # one as it came and reads it with StringToInt64: "+60" counts, and an invalid
                # last one means no Max-Age at all (Expires decides), whatever came before.
                max_age = (
                    int(attribute_value)
                    if attribute_value.isdigit() and attribute_value.isascii()
                    else _signed_max_age(attribute_value)
                )
            elif kind == _DOMAIN:
                # §5.6.3: the last Domain wins, even an empty one (then host-only). It is
                # canonicalised below, once, as a browser canonicalises only the last.
                raw_domain = attribute_value
            elif kind == _PATH:
                # §5.6.4: "If the attribute-value is empty or if the first character of the
                # attribute-value is not %x2F ("/"): Let cookie-path be the default-path."
                path = attribute_value if attribute_value[:1] == "/" else None
            elif kind == _SECURE:
                # §5.6.5: "Append an attribute ... with an attribute-name of Secure and an
                # empty attribute-value." Whatever value was given.
                secure = True
            elif kind == _HTTP_ONLY:
                # §5.6.6: likewise for HttpOnly.
                http_only = True
            elif kind == _SAME_SITE:
                # §5.6.7: "Let enforcement be "Default". If cookie-av's attribute-value is a
                # case-insensitive match for "None"/"Strict"/"Lax", set enforcement to ..."
                same_site = _SAME_SITE_VALUES.get(attribute_value.lower())
            else:
                # CHIPS: "Append an attribute ... with an attribute-name of Partitioned and an
                # empty attribute-value."
                partitioned = True

    domain: str | None = None
    if raw_domain:
        domain = _canonical_domain(raw_domain)
        if domain is None:
            return None
    return _trusted(
        name,
        value,
        expires,
        max_age,
        domain,
        path,
        secure,
        http_only,
        same_site,
        partitioned,
        tuple(extensions),
    )
