"""The consent report as text, for an 80-column terminal, and what its HTML form shares.

Contract: :func:`render_text` turns a :class:`~cookiewarden.records.report.ConsentReport` into
plain text: a summary (choices of each kind, the share of visitors who accepted each
category), then one section per policy version with its choices per UTC day. The counting
rules are :mod:`cookiewarden.records.report`'s; :data:`RULES` says them in a few lines, and
every form of the report prints them.

Rules:
1. No line is wider than :data:`WIDTH` (80) columns: tables size their columns to the numbers
   and give the rest to a bar of ``█``, scaled to the table's largest value.
2. Counts are whole numbers with thousands separators; shares are percentages with one
   decimal; times are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from ..records.report import CHOICES, CategoryShare, Choice, ChoiceCounts, ConsentReport, DayCounts

__all__ = [
    "CHOICE_LABELS",
    "RULES",
    "WIDTH",
    "bar",
    "every_day",
    "percent",
    "render_text",
    "utc",
]

WIDTH: Final = 80

#: How each choice (:data:`~cookiewarden.records.report.CHOICES`) is named in a report.
CHOICE_LABELS: Final[dict[Choice, str]] = {
    "accept_all": "Accept all",
    "reject_all": "Reject all",
    "customise": "Customise",
    "gpc": "GPC",
    "withdraw": "Withdraw",
}

#: How the report counts, in the words every form of it prints.
RULES: Final = (
    "A visitor is a consent id, counted by their latest choice in the window.",
    "Withdraw: the visitor withdrew consent (DELETE /_consent).",
    "GPC: Accept all while the browser sent Sec-GPC: 1 (gpc_refuses kept).",
    "Accept all: nothing refused. Reject all: nothing optional granted.",
    "Customise: the rest. Optional: a category some choice in the window refused.",
    "Days are UTC days; the first matching rule above counts.",
)


def utc(when: float) -> str:
    """``2026-11-29 12:00 UTC``.

    >>> utc(1_800_000_000)
    '2027-01-15 08:00 UTC'
    """
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC")


def percent(part: int, whole: int) -> str:
    """``part / whole`` as a percentage with one decimal (``"-"`` when ``whole`` is 0).

    >>> percent(1, 3), percent(0, 0)
    ('33.3%', '-')
    """
    return f"{100 * part / whole:.1f}%" if whole else "-"


def bar(value: int, largest: int, width: int) -> str:
    """A bar of ``█`` of at most ``width`` characters, ``value`` against ``largest``.

    A value above zero always shows at least one ``▏``, so that it is told from none.

    >>> bar(5, 10, 8), bar(1, 1000, 8), bar(0, 10, 8)
    ('████', '▏', '')
    """
    if value <= 0 or largest <= 0 or width <= 0:
        return ""
    return "█" * round(width * value / largest) or "▏"


def every_day(days: Sequence[DayCounts]) -> list[DayCounts]:
    """``days`` with the days between them that had no choice, oldest first.

    >>> from datetime import date
    >>> [d.day.day for d in every_day([DayCounts(date(2026, 11, 1), ChoiceCounts(gpc=1)),
    ...                                DayCounts(date(2026, 11, 3), ChoiceCounts(gpc=2))])]
    [1, 2, 3]
    """
    if not days:
        return []
    have = {d.day: d for d in days}
    first, last = min(have), max(have)
    span = (last - first).days + 1
    dates = (first + timedelta(days=n) for n in range(span))
    return [have.get(day) or DayCounts(day, ChoiceCounts()) for day in dates]


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], bars: Sequence[int], largest: int
) -> list[str]:
    """Left-aligned first column, right-aligned others, then a bar in the space that is left
    (a full bar is ``largest``)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join(["  " + first, *rest])

    used = len(line(header)) + 2
    room = min(WIDTH - used, 30)
    lines = [line(header).rstrip()]
    for cells, value in zip(rows, bars, strict=True):
        lines.append(f"{line(cells)}  {bar(value, largest, room)}".rstrip())
    return lines


def _fit(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _choices(counts: ChoiceCounts) -> list[str]:
    rows = [[CHOICE_LABELS[c], f"{n:,}", percent(n, counts.total)] for c, n in counts.items()]
    return _table(["Choices", "Count", "Share"], rows, [n for _, n in counts.items()], counts.total)


def _categories(shares: Sequence[CategoryShare]) -> list[str]:
    optional = [s for s in shares if not s.necessary]
    necessary = ", ".join(s.category for s in shares if s.necessary) or "none"
    lines = ["  Visitors who accepted each category, by their latest choice"]
    if optional:
        rows = [[_clip(s.category, 30), f"{s.accepted:,}", f"{s.visitors:,}"] for s in optional]
        for row, share in zip(rows, optional, strict=True):
            row.append(percent(share.accepted, share.visitors))
        lines += _table(
            ["Category", "Accepted", "Visitors", "Share"],
            rows,
            [round(1000 * s.share) for s in optional],
            1000,
        )
    lines.append(_fit(f"  Necessary (nobody refused): {necessary}"))
    return lines


def _days(days: Sequence[DayCounts]) -> list[str]:
    short = {"accept_all": "Accept", "reject_all": "Reject", "customise": "Custom"}
    header = ["Day (UTC)", "Choices", *(short.get(c, CHOICE_LABELS[c]) for c in CHOICES)]
    filled = every_day(days)
    rows = [
        [day.day.isoformat(), f"{day.choices.total:,}", *(f"{n:,}" for _, n in day.choices.items())]
        for day in filled
    ]
    totals = [day.choices.total for day in filled]
    return _table(header, rows, totals, max(totals, default=0))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(report: ConsentReport, *, source: str, since_text: str, now: float) -> str:
    """The report as text, every line at most :data:`WIDTH` columns.

    :param report: the aggregates (:meth:`RecordSink.report
        <cookiewarden.records.sink.RecordSink.report>`).
    :param source: where the records are, as the user named them (a password is hidden).
    :param since_text: the window as the user gave it (``"30d"``, ``"2026-11-01"``).
    :param now: when the report is made, Unix seconds.

    >>> from cookiewarden.records.report import ConsentReport
    >>> text = render_text(ConsentReport(0.0, 0, (), ()), source="consent.db",
    ...                    since_text="2026-11-01", now=1_800_000_000)
    >>> print(text.splitlines()[3])
    No choices were recorded in this window.
    """
    total = report.choices
    lines = [
        _fit(f"Consent report: {source}"),
        _fit(f"Since {utc(report.since)} ({since_text}), made {utc(now)}"),
        "",
    ]
    if not report.versions:
        lines.append("No choices were recorded in this window.")
        return "\n".join(lines) + "\n"
    versions = len(report.versions)
    lines.append(
        f"{total.total:,} choices by {report.visitors:,} visitors under {versions:,} policy"
        f" version{'s' if versions != 1 else ''}"
    )
    lines += ["", "Summary", *_choices(total), "", *_categories(report.categories)]
    if versions > 1:
        lines += ["", *_days(report.days)]
    for version in report.versions:
        title = f"Policy version {_clip(version.policy_version, 40)}"
        span = f"{utc(version.first_at)} to {utc(version.last_at)}"
        lines += [
            "",
            _fit(title),
            _fit("=" * len(title)),
            _fit(f"{version.choices.total:,} choices by {version.visitors:,} visitors, {span}"),
            "",
            *_choices(version.choices),
            "",
            *_categories(version.categories),
            "",
            *_days(version.days),
        ]
    lines += ["", "How this report counts", *(_fit(f"  {rule}") for rule in RULES)]
    return "\n".join(lines) + "\n"
