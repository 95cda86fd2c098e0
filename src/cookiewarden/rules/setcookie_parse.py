"""Set-Cookie parsing, exactly as a browser does it (RFC 6265bis §5.6).

Contract: :func:`parse_set_cookie` turns one ``Set-Cookie`` header value into a
:class:`~cookiewarden.rules.setcookie.SetCookie`, or into ``None`` where a browser would ignore
the whole header; :meth:`~cookiewarden.rules.setcookie.SetCookie.to_header` renders it back,
and parsing that gives the same value again. :func:`split_named` is the parse's first five
steps alone, for the decision's judgements that do not depend on the value.

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
   cannot accept. What it returns is valid by construction, so it is built with
   :func:`~cookiewarden.rules.setcookie.trusted_set_cookie`, without the validator.
3. This is the hot path of every response: one control-character scan (HTAB included, so a
   header without one skips every per-token HTAB check), plain ``split`` and ``partition`` for
   the structure, dictionary dispatch on attribute names, and the Domain IDNA conversion and
   the dates cached.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from .dates import parse_cookie_date
from .setcookie import (
    MAX_ATTRIBUTE_VALUE_OCTETS,
    MAX_NAME_VALUE_OCTETS,
    SAME_SITE_VALUES,
    SameSite,
    SetCookie,
    canonical_domain_attribute,
    has_hidden_prefix,
    is_encodable,
    octet_length,
    trusted_set_cookie,
)

__all__ = ["parse_set_cookie", "split_named"]

_WSP: Final = " \t"
_CTL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# The header scan: a CTL rejects the header, HTAB only where it is inside a token.
_CTL_OR_HTAB: Final = re.compile(r"[\x00-\x1f\x7f]")
# base::StringToInt64's range: Chromium saturates a Max-Age past it.
_INT64_MAX: Final = 2**63 - 1

# Every name in setcookie.ATTRIBUTE_NAMES, and no other: the fields of a SetCookie.
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
    if not is_encodable(header):
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
        octet_length(name) + octet_length(value) > MAX_NAME_VALUE_OCTETS
    ):
        return None
    # §5.7 step 4: "If the cookie-name is empty and the cookie-value is empty, abort."
    # §5.7: a nameless cookie whose value begins with "__Secure-" or "__Host-"
    # (case-insensitive) is ignored entirely; Chromium 156 adds "__Http-" ("__Host-Http-"
    # begins with "__Host-"). Chromium also rejects one whose value holds "=": it would reach
    # servers as a different, named cookie.
    if not name and (not value or "=" in value or has_hidden_prefix(value)):
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
                octet_length(attribute_value) > MAX_ATTRIBUTE_VALUE_OCTETS
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
                same_site = SAME_SITE_VALUES.get(attribute_value.lower())
            else:
                # CHIPS: "Append an attribute ... with an attribute-name of Partitioned and an
                # empty attribute-value."
                partitioned = True

    domain: str | None = None
    if raw_domain:
        domain = canonical_domain_attribute(raw_domain)
        if domain is None:
            return None
    return trusted_set_cookie(
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


def split_named(header: str) -> tuple[str, str, str] | None:
    """``(name, unparsed attributes, value)`` when :func:`parse_set_cookie` reads ``header`` as
    a *named* cookie whose name and value it accepts; ``None`` otherwise.

    These are steps 1 to 5 of the parse, exactly. The rest of the parse reads the attributes
    alone (HTAB in one of them rejects the header whatever the value), so two such headers
    with the same name and attributes either both fail to parse or parse to cookies that
    differ in their value only (:func:`~cookiewarden.rules.setcookie_edits.with_value`).
    """
    control = _CTL_OR_HTAB.search(header)
    if control is not None and _CTL.search(header, control.start()) is not None:
        return None
    if not is_encodable(header):
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
        octet_length(name) + octet_length(value) > MAX_NAME_VALUE_OCTETS
    ):
        return None
    return name, unparsed, value
