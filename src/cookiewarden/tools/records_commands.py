"""The ``cookiewarden records``, ``report`` and ``migrate`` subcommands: proof-of-consent records
exported from, reported on, and the table created in, a SQLite file or a PostgreSQL database.

Rules:
1. A database error is one line (:class:`~cookiewarden.tools.commands.Fail`), completed by what
   the driver logged, never a traceback.
2. ``records`` and ``report`` never create a SQLite file: a missing file is an error.
   ``migrate`` creates it.
3. Records go to stdout, oldest first, as JSON lines or CSV (a header row before the first
   record; the date also in UTC, ISO-8601).
4. ``report --since`` takes a duration back from now (``30d``, the policy file's syntax) or an
   ISO-8601 date or time (UTC unless it says otherwise).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CookieWardenError, PolicyError
from ..rules.durations import parse_duration
from .audit.failure import LogCapture, capture_logs
from .commands import Fail, write_output
from .report import render_text
from .report_html import render_html

if TYPE_CHECKING:
    from ..records.sink import RecordSink

__all__ = ["cmd_migrate", "cmd_records", "cmd_report", "parse_since"]

# -- records, migrate ---------------------------------------------------------------------------


def _open_sink(url: str, *, create: bool) -> RecordSink:
    from ..records.sink import open_sink
    from ..records.sqlite import SQLiteSink

    try:
        sink = open_sink(url)
    except ImportError as exc:
        raise Fail(
            f"{exc}; PostgreSQL needs the postgres extra: pip install 'cookiewarden[postgres]'"
        ) from None
    if sink is None:  # pragma: no cover - open_sink(None) only
        raise Fail("no consent-record database given")
    if (
        not create
        and isinstance(sink, SQLiteSink)
        and sink.path != ":memory:"
        and not Path(sink.path).is_file()
    ):
        raise Fail(f"no such database file: {sink.path}")
    return sink


def _parse_date(text: str) -> float:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Fail(
            f"--since: {text!r} is not an ISO-8601 date such as 2026-11-01 or 2026-11-01T12:00:00Z"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def parse_since(text: str, *, now: float) -> float:
    """The start of a report's window: an ISO-8601 date or time, or ``now`` less a duration.

    A date is read first, so ``20261101`` is a date and ``3600`` a number of seconds.

    :raises Fail: naming ``--since`` and the value, when it is neither.

    >>> parse_since("30d", now=1_800_000_000) == 1_800_000_000 - 30 * 86400
    True
    >>> parse_since("2026-11-01", now=0)
    1793491200.0
    """
    try:
        return _parse_date(text)
    except Fail:
        pass
    try:
        return now - parse_duration(text, key="--since")
    except PolicyError as exc:
        if "positive" in exc.reason:
            raise Fail(f"--since: {exc.reason}") from None
    raise Fail(
        f"--since: {text!r} is neither a duration (30d, 12h, 2w, 1y) nor an ISO-8601 date"
        " (2026-11-01, 2026-11-01T12:00:00Z)"
    )


def _db_error(exc: Exception, capture: LogCapture, *, url: str | None = None) -> Fail:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if capture.last:
        detail += f" ({capture.last.splitlines()[0]})"
    if url is not None:
        return Fail(f"cannot read the consent records at {url}: {detail}")
    return Fail(f"consent-record database: {detail}")


def cmd_records(args: argparse.Namespace) -> int:
    """``cookiewarden records``: export the records of one consent id, or since a date."""
    since = 0.0 if args.since is None else _parse_date(args.since)
    sink = _open_sink(args.url, create=False)
    with capture_logs() as capture:
        return _export(args, sink, since, capture)


def _export(args: argparse.Namespace, sink: RecordSink, since: float, capture: LogCapture) -> int:
    try:
        if args.consent_id is not None:
            records: Iterable[Any] = sink.get(args.consent_id)
        else:
            records = sink.since(since)
        if args.format == "csv":
            writer: Any = None
            for record in records:
                row = record.to_dict()
                when = datetime.fromtimestamp(record.recorded_at, UTC)
                row["recorded_at_utc"] = when.isoformat(timespec="seconds")
                if writer is None:
                    writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
                    writer.writeheader()
                writer.writerow(
                    {k: " ".join(v) if isinstance(v, list | tuple) else v for k, v in row.items()}
                )
        else:
            for record in records:
                sys.stdout.write(record.to_json() + "\n")
    except (CookieWardenError, Fail):
        raise
    except Exception as exc:  # sqlite3.Error, psycopg errors: one line, never a traceback
        raise _db_error(exc, capture) from None
    finally:
        sink.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``cookiewarden report``: the consent report of a store, as text or one HTML file."""
    now = time.time()
    since = parse_since(args.since, now=now)
    source = _source(args.records)
    sink = _open_sink(args.records, create=False)
    with capture_logs() as capture:
        try:
            report = sink.report(since)
        except (CookieWardenError, Fail):
            raise
        except Exception as exc:  # sqlite3.Error, psycopg errors: one line, never a traceback
            raise _db_error(exc, capture, url=source) from None
        finally:
            sink.close()
    if args.format == "html":
        text = render_html(report, source=source, since_text=args.since, now=now)
    else:
        text = render_text(report, source=source, since_text=args.since, now=now)
    write_output(text, args.output)
    return 0


def _source(url: str) -> str:
    """The records URL as the report shows it: any password hidden.

    >>> _source("postgresql://app:s3cret@db/site"), _source("host=db password=s3cret")
    ('postgresql://app:***@db/site', 'host=db password=***')
    """
    url = re.sub(r"(password=)[^&\s]+", r"\1***", url)
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if sep and at and ":" in credentials:
        return f"{scheme}://{credentials.partition(':')[0]}:***@{host}"
    return url


def cmd_migrate(args: argparse.Namespace) -> int:
    """``cookiewarden migrate``: create the consent-records table (and the SQLite file)."""
    sink = _open_sink(args.url, create=True)
    with capture_logs() as capture:
        try:
            migrate: Callable[[], None] | None = getattr(sink, "migrate", None)
            if migrate is not None:
                migrate()
            else:
                sink.get("")  # SQLite creates its table on first use; this query is harmless
        except Exception as exc:
            raise _db_error(exc, capture) from None
        finally:
            sink.close()
    print(f"{sink!r}: the consent records table is ready")
    return 0
