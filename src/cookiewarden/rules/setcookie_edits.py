"""Fast edits of a valid Set-Cookie: the copies and the header template the decision makes.

Contract: each function here returns exactly what :meth:`SetCookie.with_changes
<cookiewarden.rules.setcookie.SetCookie.with_changes>` (or :meth:`~cookiewarden.rules.setcookie.
SetCookie.to_header`) would, for a cookie that is valid already: :func:`host_only`,
:func:`with_lifetime`, :func:`without_lifetime` and :func:`with_value` copy a cookie with one
or two fields changed; :func:`expires_template` renders a cookie around a hole for its
``Expires``, so a capped header is two concatenations per use.

Rules:

1. Only changes that keep a valid cookie valid are made without the validator (through
   :func:`~cookiewarden.rules.setcookie.trusted_set_cookie`); anything unusual goes through
   :meth:`~cookiewarden.rules.setcookie.SetCookie.with_changes`, so the result, or the
   ``ValueError``, is the same.
2. This is the hot path of every rewritten cookie: no validation and no
   :func:`dataclasses.replace` for what cannot fail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from .dates import MIN_YEAR
from .setcookie import MAX_AGE_HIGH, SetCookie, trusted_set_cookie

__all__ = ["expires_template", "host_only", "with_lifetime", "with_value", "without_lifetime"]


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
    return trusted_set_cookie(
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


def without_lifetime(cookie: SetCookie) -> SetCookie:
    """``cookie.with_changes(max_age=None, expires=None)``: valid by construction, and faster."""
    return _replaced(cookie, expires=None, max_age=None)


def with_value(cookie: SetCookie, value: str) -> SetCookie:
    """``cookie`` with another value, for a ``value`` that
    :func:`~cookiewarden.rules.setcookie_parse.split_named` returned."""
    return _replaced(cookie, value=value)


def expires_template(cookie: SetCookie) -> tuple[str, str]:
    """``(head, tail)`` such that ``head + format_cookie_date_cached(e) + tail`` is the header
    of ``cookie`` with its Expires set to ``e``, whatever ``e``: :meth:`SetCookie.to_header`
    renders Expires right after the name and value, and every other field of ``cookie`` stays
    as it is (:func:`~cookiewarden.rules.dates.format_cookie_date_cached`).
    """
    pair = f"{cookie.name}={cookie.value}" if cookie.name else cookie.value
    without = _replaced(cookie, expires=None)
    return pair + "; Expires=", without.to_header()[len(pair) :]


def host_only(cookie: SetCookie) -> SetCookie:
    """``cookie.with_changes(domain=None)``: valid by construction, and faster."""
    return _replaced(cookie, domain=None)


def with_lifetime(cookie: SetCookie, max_age: int | None, expires: datetime | None) -> SetCookie:
    """``cookie.with_changes(max_age=max_age, expires=expires)`` for a lifetime cap, faster.

    Only what the validator would check about these two fields is checked here; the rest of
    ``cookie`` is valid already. Anything unusual goes through :meth:`SetCookie.with_changes`,
    so the result, or the ``ValueError``, is exactly the same.
    """
    unusual_max_age = max_age is not None and (
        type(max_age) is not int or not 0 < max_age < MAX_AGE_HIGH
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
