"""Cookie dates: ``Expires`` read as Chromium reads it, and written as an IMF-fixdate.

Contract: :func:`parse_cookie_date` turns an ``Expires`` attribute value into an aware UTC
``datetime`` in whole seconds, or ``None`` where a browser ignores it; :func:`format_cookie_date`
renders one back, and parsing that gives the same ``datetime`` (from the year :data:`MIN_YEAR`
on). Pure functions over strings, cached with a bound (responses repeat their ``Expires``).

Rules:

1. The date is divided into tokens at the delimiters of RFC 6265 §5.1.1; which token is the
   time, the day, the month and the year is decided as Chromium decides it (measured live in
   Chromium 156, ``tests/test_browser_differential.py``), not by the RFC's try-every-field
   loop: the details are in :func:`parse_cookie_date`.
2. Years keep their meaning to a browser: before 1601 is a date in the past (where the RFC
   fails the date: an app's ``Expires=... 1600`` deletion stays a deletion), after 9999 the
   far future (returned as the last second of 9999: every browser caps an expiry at 400 days).
3. Never raises on a value from the network.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

__all__ = ["MIN_YEAR", "format_cookie_date", "format_cookie_date_cached", "parse_cookie_date"]

# RFC 6265 §5.1.1 "delimiter" (%x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E), which are
# Chromium's delimiters too: a date-token is a run of anything else.
_DATE_TOKEN: Final = re.compile(r"[^\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
# A time token: three fields of ASCII digits, each a 32-bit unsigned number (Chromium's
# StringToUint: leading zeros are fine, a number past 2**32 - 1 is no number).
_TIME: Final = re.compile(r"0*([0-9]{1,10}):0*([0-9]{1,10}):0*([0-9]{1,10})")
_UINT32_MAX: Final = 2**32 - 1
MIN_YEAR: Final = 100
"""The earliest year an ``Expires`` can hold: a year under 100 is read as 19xx or 20xx."""
# Years after 9999 (up to 99999) are the far future to a browser, which caps every expiry at
# 400 days: the last second a datetime holds means the same.
_LATEST: Final = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_MONTH_NAMES: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_MONTHS: Final[dict[str, int]] = {name.lower(): n for n, name in enumerate(_MONTH_NAMES, 1)}
_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@lru_cache(maxsize=512)  # responses repeat the same Expires; a datetime is immutable
def parse_cookie_date(text: str) -> datetime | None:
    """Parse a cookie-date the way Chromium parses ``Expires``.

    The date is divided into tokens at the delimiters of RFC 6265 §5.1.1, and a time, a day
    of the month, a month and a year are looked for among them. Where the RFC tries every
    token as each field in turn, Chromium (``ParseCookieExpirationTime``, measured in 156)
    decides by the token's form, and reads numbers strictly:

    - a token that does not start with an ASCII digit is the month when it starts with a
      month's first three letters (any case) and no month was found yet;
    - a token that starts with a digit and holds ``":"`` is the time when it is three fields
      of ASCII digits, each a 32-bit unsigned number, and no time was found yet
      (``"10:18:14GMT"`` and ``"10:18"`` are not times, and are skipped);
    - any other token of ASCII digits alone is the day when it has one or two and no day was
      found, else the year when it has up to five and no year was found (``"2021x"`` and
      ``"1st"`` are neither).

    A year from 70 to 99 is 19xx, one from 0 to 69 is 20xx, and any other stands as written:
    a year before 1601 is a date in the past (where the RFC fails the date), and one after 9999
    is the far future, returned as 9999-12-31 23:59:59 (a browser caps both at 400 days).
    The day must be 1 to 31, the time at most 23:59:59, and the date must exist.

    :param text: the attribute value.
    :returns: an aware UTC ``datetime`` in whole seconds, or ``None`` where the date fails to
        parse (a session cookie, when this was the last ``Expires``). Never raises.

    >>> parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT").isoformat()
    '1994-11-06T08:49:37+00:00'
    >>> parse_cookie_date("Sat, 01 Jan 1600 00:00:00 GMT").isoformat()
    '1600-01-01T00:00:00+00:00'
    """
    hour = minute = second = day = month = year = -1
    for token in _DATE_TOKEN.findall(text):
        if not "0" <= token[0] <= "9":
            if month < 0 and (number := _MONTHS.get(token[:3].lower())) is not None:
                month = number
        elif ":" in token:
            if hour < 0 and (match := _TIME.fullmatch(token)) is not None:
                fields = int(match[1]), int(match[2]), int(match[3])
                if max(fields) <= _UINT32_MAX:
                    hour, minute, second = fields
        elif not (token.isdigit() and token.isascii()):
            continue
        elif day < 0 and len(token) <= 2:
            day = int(token)
        elif year < 0 and len(token) <= 5:
            year = int(token)
    if hour < 0 or day < 0 or month < 0 or year < 0:
        return None
    # RFC 6265 §5.1.1 steps 3 and 4, as Chromium does them: "If the year-value is greater
    # than or equal to 70 and less than or equal to 99, increment the year-value by 1900. If
    # the year-value is greater than or equal to 0 and less than or equal to 69, increment the
    # year-value by 2000."
    if year <= 69:
        year += 2000
    elif year <= 99:
        year += 1900
    if day < 1 or day > 31 or hour > 23 or minute > 59 or second > 59:
        return None
    try:
        if year > 9999:
            # Gregorian leap years repeat every 400 years: does this day exist in that year?
            datetime(2000 + year % 400, month, day)
            return _LATEST
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # 31 April, 29 February of a common year
        return None


def format_cookie_date(when: datetime) -> str:
    """Render ``when`` as an IMF-fixdate (``"Sun, 06 Nov 1994 08:49:37 GMT"``).

    Fractions of a second are dropped. :func:`parse_cookie_date` reads the result back, for
    a year from 100 on (an earlier one would be read as 19xx or 20xx).

    :param when: an aware ``datetime``; it is converted to UTC.
    :raises ValueError: if ``when`` is naive, or out of range once converted to UTC.

    >>> format_cookie_date(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC))
    'Sun, 06 Nov 1994 08:49:37 GMT'
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("a cookie date must be an aware datetime")
    try:
        when = when.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{when!r} is out of range in UTC") from None
    day, month = _DAY_NAMES[when.weekday()], _MONTH_NAMES[when.month - 1]
    time = f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    return f"{day}, {when.day:02d} {month} {when.year:04d} {time} GMT"


# Responses repeat the same Expires (and a capped one is the same for a whole second); equal
# datetimes render alike (the rendering is in UTC), so a bounded cache is exact.
format_cookie_date_cached: Final = lru_cache(maxsize=256)(format_cookie_date)
""":func:`format_cookie_date`, the same result (or ``ValueError``), from a bounded cache: what
:meth:`~cookiewarden.rules.setcookie.SetCookie.to_header` and the decision render with."""
