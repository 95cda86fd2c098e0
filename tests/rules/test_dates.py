"""Unit tests for cookiewarden.rules.dates: Expires read as Chromium reads it, and written back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cookiewarden.rules.dates import MIN_YEAR, format_cookie_date, parse_cookie_date

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What an Expires after 9999 parses to: the far future, as a datetime can hold it.
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
DATES = st.datetimes(
    min_value=datetime(MIN_YEAR, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "when"),
    [
        pytest.param("Wed, 09 Jun 2021 10:18:14 GMT", utc(2021, 6, 9, 10, 18, 14), id="imf"),
        pytest.param("Wednesday, 09-Jun-21 10:18:14 GMT", utc(2021, 6, 9, 10, 18, 14), id="rfc850"),
        pytest.param("Wed Jun  9 10:18:14 2021", utc(2021, 6, 9, 10, 18, 14), id="asctime"),
        pytest.param("9 jun 2021 1:2:3", utc(2021, 6, 9, 1, 2, 3), id="short-fields"),
        pytest.param("09 JUNE 2021 10:18:14", utc(2021, 6, 9, 10, 18, 14), id="month-long-upper"),
        pytest.param("Thu, 01 Jan 70 00:00:00 GMT", EPOCH, id="year-70-is-1970"),
        pytest.param("01 Jan 99 00:00:00", utc(1999, 1, 1), id="year-99-is-1999"),
        pytest.param("01 Jan 69 00:00:00", utc(2069, 1, 1), id="year-69-is-2069"),
        pytest.param("01 Jan 00 00:00:00", utc(2000, 1, 1), id="year-00-is-2000"),
        pytest.param("01 Jan 1601 00:00:00", utc(1601, 1, 1), id="year-1601"),
        pytest.param("01 Jan 9999 23:59:59", utc(9999, 1, 1, 23, 59, 59), id="year-9999"),
        pytest.param("29 Feb 2024 00:00:00", utc(2024, 2, 29), id="leap-day"),
        pytest.param("29 Feb 2023 00:00:00", None, id="no-such-date"),
        pytest.param("31 Apr 2023 00:00:00", None, id="april-31"),
        pytest.param("00 Jan 2023 00:00:00", None, id="day-0"),
        pytest.param("32 Jan 2023 00:00:00", None, id="day-32"),
        pytest.param("01 Jan 2023 24:00:00", None, id="hour-24"),
        pytest.param("01 Jan 2023 23:60:00", None, id="minute-60"),
        pytest.param("01 Jan 2023 23:59:60", None, id="leap-second"),
        pytest.param("01 Jan 2023", None, id="no-time"),
        pytest.param("Jan 2023 00:00:00", None, id="no-day"),
        pytest.param("01 2023 00:00:00", None, id="no-month"),
        pytest.param("01 Jan 00:00:00", None, id="no-year"),
        pytest.param("01-Jan-2023 00: 00:00", None, id="broken-time"),
        pytest.param("Thu, 19/Apr\\2007 16:00:00 GMT", utc(2007, 4, 19, 16), id="odd-delimiters"),
        pytest.param("", None, id="empty"),
        pytest.param("tomorrow", None, id="words"),
        pytest.param("\u0661 Jan 2023 00:00:00", None, id="non-ascii-digit"),
    ],
)
def test_parse_cookie_date(text: str, when: datetime | None) -> None:
    assert parse_cookie_date(text) == when


@pytest.mark.parametrize(
    ("text", "when"),
    [
        # Measured against Chromium 156 (the Date header of the response shifted each parsed
        # date to tomorrow, so even a past one was stored and its value read back).
        pytest.param("02 Jan 1600 00:00:00 GMT", utc(1600, 1, 2), id="year-1600-is-past"),
        pytest.param("29 Feb 1600 00:00:00", utc(1600, 2, 29), id="year-1600-leap-day"),
        pytest.param("31 Dec 1600 23:59:59", utc(1600, 12, 31, 23, 59, 59), id="end-of-1600"),
        pytest.param("09 Jun 100 10:18:14", utc(100, 6, 9, 10, 18, 14), id="year-100"),
        pytest.param("09 Jun 0100 10:18:14", utc(100, 6, 9, 10, 18, 14), id="year-0100"),
        pytest.param("09 Jun 00100 10:18:14", utc(100, 6, 9, 10, 18, 14), id="year-00100"),
        pytest.param("09 Jun 01999 10:18:14", utc(1999, 6, 9, 10, 18, 14), id="year-01999"),
        pytest.param("09 Jun 0099 10:18:14", utc(1999, 6, 9, 10, 18, 14), id="year-0099-is-99"),
        pytest.param("09 Jun 0 10:18:14", utc(2000, 6, 9, 10, 18, 14), id="year-0-is-2000"),
        pytest.param("09 Jun 5 10:18:14", utc(2005, 6, 9, 10, 18, 14), id="one-digit-year"),
        pytest.param("09 Jun 69 10:18:14", utc(2069, 6, 9, 10, 18, 14), id="year-69-is-2069"),
        pytest.param("09 Jun 70 10:18:14", utc(1970, 6, 9, 10, 18, 14), id="year-70-is-1970"),
        pytest.param("29 Feb 1500 00:00:00", None, id="no-such-date-before-1601"),
        pytest.param("29 Feb 1900 00:00:00", None, id="1900-is-not-leap"),
        pytest.param("09 Jun 1600 10:18:60", None, id="second-60-before-1601"),
        # After 9999 (up to five digits) the far future, stored by a browser for 400 days.
        pytest.param("Fri, 01 Jan 10000 00:00:00 GMT", LATEST, id="year-10000"),
        pytest.param("09 Jun 99999 10:18:14", LATEST, id="year-99999"),
        pytest.param("09 Jun 20211 10:18:14", LATEST, id="year-20211"),
        pytest.param("29 Feb 10000 00:00:00", LATEST, id="leap-day-10000"),
        pytest.param("29 Feb 10001 00:00:00", None, id="no-such-date-10001"),
        pytest.param("31 Apr 10001 00:00:00", None, id="april-31-10001"),
        pytest.param("30 Feb 10000 00:00:00", None, id="feb-30-10000"),
        pytest.param("09 Jun 10000 10:18:60", None, id="second-60-after-9999"),
        pytest.param("09 Jun 10000 24:00:00", None, id="hour-24-after-9999"),
        pytest.param("32 Jun 10000 10:00:00", None, id="day-32-after-9999"),
        pytest.param("09 Jun 100000 10:18:14", None, id="six-digit-year-is-no-year"),
    ],
)
def test_cookie_date_years_as_chromium_reads_them(text: str, when: datetime | None) -> None:
    assert parse_cookie_date(text) == when


@pytest.mark.parametrize(
    ("text", "when"),
    [
        # Chromium decides what a token is by its form and reads numbers strictly (measured
        # in 156), where RFC 6265 section 5.1.1 tries each token as each field in turn.
        pytest.param("09 Jun 2021x 10:18:14", None, id="year-with-letter-is-no-year"),
        pytest.param(
            "09 Jun 2021x 10:18:14 2022", utc(2022, 6, 9, 10, 18, 14), id="next-number-is-year"
        ),
        pytest.param("09 Jun 21x 10:18:14", None, id="two-digit-year-with-letter"),
        pytest.param("1st Jun 2021 10:18:14", None, id="ordinal-is-no-day"),
        pytest.param("9a 09 Jun 2021 10:18:14", utc(2021, 6, 9, 10, 18, 14), id="9a-is-skipped"),
        pytest.param(
            "9é 09 Jun 2021 10:18:14", utc(2021, 6, 9, 10, 18, 14), id="non-ascii-skipped"
        ),
        pytest.param("009 Jun 2021 10:18:14", None, id="three-digit-day-is-a-year"),
        pytest.param("0 09 Jun 2021 10:18:14", None, id="day-0-is-found-and-invalid"),
        pytest.param("32 09 Jun 2021 10:18:14", None, id="day-32-is-found-and-invalid"),
        pytest.param("09 10 Jun 2021 10:18:14", utc(2010, 6, 9, 10, 18, 14), id="second-number"),
        pytest.param(
            "Wed, 09 Jun 2021 10:18:14 GMT 5", utc(2021, 6, 9, 10, 18, 14), id="extra-number"
        ),
        pytest.param(
            "09 Jun 202100 10:18:14 2021", utc(2021, 6, 9, 10, 18, 14), id="six-digits-skipped"
        ),
        pytest.param("Jun 2021 09 10:18:14", utc(2021, 6, 9, 10, 18, 14), id="year-before-day"),
        # The time: three fields of digits, each a 32-bit unsigned number.
        pytest.param("09 Jun 2021 10:18:145", None, id="three-digit-second-found-invalid"),
        pytest.param("09 Jun 2021 10:18:145 11:18:14", None, id="only-the-first-time-counts"),
        pytest.param("09 Jun 2021 100:18:14 10:18:14", None, id="hour-100-found-invalid"),
        pytest.param("09 Jun 2021 010:18:14", utc(2021, 6, 9, 10, 18, 14), id="hour-010"),
        pytest.param("09 Jun 2021 0023:18:14", utc(2021, 6, 9, 23, 18, 14), id="hour-0023"),
        pytest.param(
            "09 Jun 2021 0000000010:18:14", utc(2021, 6, 9, 10, 18, 14), id="many-leading-zeros"
        ),
        pytest.param("09 Jun 2021 10:18:060", None, id="second-060"),
        pytest.param("09 Jun 2021 10:18:1a", None, id="field-with-letter-is-no-time"),
        pytest.param(
            "09 Jun 2021 10:18:1a 11:18:14", utc(2021, 6, 9, 11, 18, 14), id="next-time-counts"
        ),
        pytest.param("09 Jun 2021 10:18:14GMT", None, id="time-glued-to-zone"),
        pytest.param("09 Jun 2021 10:18:14é", None, id="time-glued-to-non-ascii"),
        pytest.param(
            "09 Jun 2021 10:18:14:00 11:18:14", utc(2021, 6, 9, 11, 18, 14), id="four-fields"
        ),
        pytest.param("09 Jun 2021 10::14", None, id="empty-field"),
        pytest.param(
            "12:30 09 Jun 2021 10:18:14", utc(2021, 6, 9, 10, 18, 14), id="two-fields-skipped"
        ),
        pytest.param("09 Jun 2021 4294967295:18:14 10:18:14", None, id="uint32-max-found-invalid"),
        pytest.param(
            "09 Jun 2021 4294967296:18:14 10:18:14",
            utc(2021, 6, 9, 10, 18, 14),
            id="past-uint32-is-no-time",
        ),
        pytest.param(
            "09 Jun 2021 10:4294967296:14 10:18:14",
            utc(2021, 6, 9, 10, 18, 14),
            id="minute-past-uint32-is-no-time",
        ),
        pytest.param(
            "09 Jun 2021 10:18:" + "0" * 5000 + "1",
            utc(2021, 6, 9, 10, 18, 1),
            id="zero-padded-field-of-any-length",
        ),
        pytest.param("09 Jun 2021 10:18:" + "1" * 5000, None, id="long-field-is-no-number"),
        pytest.param("09 Jun " + "2" * 5000 + " 10:18:14", None, id="long-number-is-no-year"),
        pytest.param("09 éJun 2021 10:18:14", None, id="month-after-non-ascii"),
    ],
)
def test_cookie_date_tokens_as_chromium_reads_them(text: str, when: datetime | None) -> None:
    assert parse_cookie_date(text) == when


@pytest.mark.parametrize(
    ("when", "text"),
    [
        pytest.param(EPOCH, "Thu, 01 Jan 1970 00:00:00 GMT", id="epoch"),
        pytest.param(utc(2024, 2, 29, 23, 5, 9), "Thu, 29 Feb 2024 23:05:09 GMT", id="padding"),
        pytest.param(
            datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
            "Sun, 31 Dec 2023 23:00:00 GMT",
            id="converted-to-utc",
        ),
        pytest.param(
            utc(2024, 1, 1, 0, 0, 0) + timedelta(microseconds=999999),
            "Mon, 01 Jan 2024 00:00:00 GMT",
            id="fraction-dropped",
        ),
        pytest.param(utc(1601, 1, 1), "Mon, 01 Jan 1601 00:00:00 GMT", id="year-1601"),
    ],
)
def test_format_cookie_date(when: datetime, text: str) -> None:
    assert format_cookie_date(when) == text


def test_format_cookie_date_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_cookie_date(datetime(2024, 1, 1))


@settings(max_examples=300, deadline=None)
@given(DATES)
def test_cookie_dates_round_trip(when: datetime) -> None:
    when = when.replace(microsecond=0)
    assert parse_cookie_date(format_cookie_date(when)) == when
