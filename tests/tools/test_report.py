"""``cookiewarden report``: the consent report as text and as one HTML file, run as a subprocess
of the installed console script, on SQLite stores made by ``consent_choices.py``.

The numbers are checked against the hand-built store (``consent_choices.hand_built``, worked
out in ``tests/records/test_records_report.py``); the text against 80 columns; the HTML for
self-containment and, in Debian's Chromium, for charts that draw with no console error and no
request leaving the file. The PostgreSQL store's report is tested beside its server, in
``tests/records/test_records_report.py``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    expect,
    sync_playwright,
)

from consent_choices import DAY, HAND_SINCE, OPTIONAL, generate, hand_built, row, write_sqlite
from cookiewarden.tools.commands import Fail
from cookiewarden.tools.records_commands import parse_since
from cookiewarden.tools.report_html import UPLOT_VERSION, uplot_assets

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "cookiewarden" / "tools" / "vendor" / "uplot"
CHROMIUM = shutil.which("chromium")
IN_CI = os.environ.get("CI") == "true"


def _cli() -> str:
    beside = Path(sys.executable).parent / "cookiewarden"
    if beside.exists():
        return str(beside)
    found = shutil.which("cookiewarden")
    assert found, "the cookiewarden console script is not installed (pip install -e .)"
    return found


CLI = _cli()


def run(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "report", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def lines_without_bars(text: str) -> list[str]:
    """Each line with its bar removed and its spaces collapsed, for comparing numbers."""
    return [" ".join(line.replace("█", "").replace("▏", "").split()) for line in text.splitlines()]


@pytest.fixture(scope="module")
def hand_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sqlite(tmp_path_factory.mktemp("hand") / "consent.db", hand_built())


# -- the text form ------------------------------------------------------------------------------


def test_text_report_of_the_hand_built_store(hand_db: Path) -> None:
    result = run("--records", f"sqlite:///{hand_db}", "--since", "2026-10-15")
    assert result.returncode == 0, result.stderr
    lines = lines_without_bars(result.stdout)
    expected_in_order = [
        f"Consent report: sqlite:///{hand_db}",
        "Since 2026-10-15 00:00 UTC (2026-10-15), made",
        "8 choices by 5 visitors under 2 policy versions",
        "Summary",
        "Choices Count Share",
        "Accept all 2 25.0%",
        "Reject all 1 12.5%",
        "Customise 3 37.5%",
        "GPC 1 12.5%",
        "Withdraw 1 12.5%",
        "Visitors who accepted each category, by their latest choice",
        "Category Accepted Visitors Share",
        "functionality 3 5 60.0%",
        "performance 2 5 40.0%",
        "targeting 2 5 40.0%",
        "Necessary (nobody refused): necessary",
        "Day (UTC) Choices Accept Reject Custom GPC Withdraw",
        "2026-10-22 1 1 0 0 0 0",
        "2026-10-23 1 0 0 1 0 0",
        "2026-10-24 0 0 0 0 0 0",  # the days between are listed, with nothing
        "2026-11-01 3 1 1 1 0 0",
        "2026-11-02 2 0 0 0 1 1",
        "2026-11-03 0 0 0 0 0 0",
        "2026-11-04 1 0 0 1 0 0",
        "Policy version 2026-11-01",
        "6 choices by 4 visitors, 2026-11-01 01:00 UTC to 2026-11-04 00:00 UTC",
        "Accept all 1 16.7%",
        "Customise 2 33.3%",
        "functionality 2 4 50.0%",
        "performance 1 4 25.0%",
        "targeting 1 4 25.0%",
        "2026-11-01 3 1 1 1 0 0",
        "2026-11-04 1 0 0 1 0 0",
        "Policy version 2026-06-01",
        "2 choices by 2 visitors, 2026-10-22 00:00 UTC to 2026-10-23 00:00 UTC",
        "Accept all 1 50.0%",
        "Reject all 0 0.0%",
        "functionality 1 2 50.0%",
        "performance 2 2 100.0%",
        "2026-10-22 1 1 0 0 0 0",
        "2026-10-23 1 0 0 1 0 0",
        "How this report counts",
    ]
    at = 0
    for wanted in expected_in_order:
        found = next((i for i in range(at, len(lines)) if lines[i].startswith(wanted)), None)
        assert found is not None, f"{wanted!r} not found after line {at}:\n{result.stdout}"
        at = found + 1
    assert "2026-10-01" not in result.stdout  # the record before the window


def test_text_bars_scale_to_the_largest_day(hand_db: Path) -> None:
    result = run("--records", hand_db, "--since", "2026-10-15")
    days = [line for line in result.stdout.splitlines() if line.startswith("  2026-11-0")]
    bars = {line.split()[0]: line.count("█") for line in days}
    assert bars["2026-11-03"] == 0
    assert bars["2026-11-01"] > bars["2026-11-02"] > bars["2026-11-04"] > 0


@pytest.mark.parametrize(
    ("rows", "label"),
    [
        pytest.param(hand_built(), "hand-built", id="hand-built"),
        pytest.param(
            [
                row(1, "a", DAY, ["x" * 90], version="v" * 120, optional=["x" * 90]),
                row(2, "b", DAY + 1, [], version="v" * 120, optional=["x" * 90]),
            ],
            "long names",
            id="long-version-and-category-names",
        ),
        pytest.param(generate(20_000, now=DAY), "20,000 choices", id="many-choices"),
    ],
)
def test_text_fits_an_80_column_terminal(tmp_path: Path, rows: list, label: str) -> None:
    db = write_sqlite(tmp_path / "consent.db", rows)
    result = run("--records", db, "--since", "2000-01-01")
    assert result.returncode == 0, result.stderr
    widths = [len(line) for line in result.stdout.splitlines()]
    assert max(widths) <= 80, f"{label}: a line of {max(widths)} columns"
    assert "Policy version" in result.stdout


def test_since_a_duration_counts_back_from_now(tmp_path: Path) -> None:
    now = time.time()
    db = write_sqlite(
        tmp_path / "consent.db",
        [row(1, "a", now - 10 * 86400, []), row(2, "b", now - 40 * 86400, [])],
    )
    for since, choices in (("30d", 1), ("60d", 2), ("1w", 0), ("1y", 2)):
        result = run("--records", db, "--since", since)
        assert result.returncode == 0, result.stderr
        if choices:
            assert f"{choices} choices by {choices} visitors" in result.stdout, since
        else:
            assert "No choices were recorded in this window." in result.stdout
    default = run("--records", db)  # --since 30d
    assert "(30d)" in default.stdout and "1 choices by 1 visitors" in default.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("30d", DAY - 30 * 86400, id="days"),
        pytest.param("12h", DAY - 12 * 3600, id="hours"),
        pytest.param("2w", DAY - 14 * 86400, id="weeks"),
        pytest.param("1y", DAY - 365 * 86400, id="a-year-is-365-days"),
        pytest.param("3600", DAY - 3600, id="plain-seconds"),
        pytest.param("2026-10-15", HAND_SINCE, id="iso-date-is-utc-midnight"),
        pytest.param("20261015", HAND_SINCE, id="basic-iso-date"),
        pytest.param("2026-10-15T02:00:00+02:00", HAND_SINCE, id="iso-time-with-offset"),
        pytest.param("2026-10-15T00:00:00Z", HAND_SINCE, id="iso-time-in-utc"),
    ],
)
def test_since_takes_a_duration_or_an_iso_date(text: str, expected: float) -> None:
    assert parse_since(text, now=DAY) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param("last tuesday", "'last tuesday' is neither a duration", id="words"),
        pytest.param("30x", "'30x' is neither a duration", id="unknown-unit"),
        pytest.param("2026-13-01", "'2026-13-01' is neither", id="no-such-month"),
        pytest.param("0d", "a duration must be positive", id="zero"),
        pytest.param("", "'' is neither", id="empty"),
    ],
)
def test_a_bad_since_names_the_value(text: str, needle: str) -> None:
    with pytest.raises(Fail, match=re.escape(needle)) as info:
        parse_since(text, now=DAY)
    assert str(info.value).startswith("--since: ")


# -- errors -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def assert_one_error_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("cookiewarden: error: ")
    for needle in needles:
        assert needle in result.stderr


def test_a_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    for url in (tmp_path / "none.db", f"sqlite:///{tmp_path / 'none.db'}"):
        assert_one_error_line(run("--records", url), "no such database file", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_postgresql_is_one_line_naming_it_without_the_password() -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:{_free_port()}/site"
    result = run("--records", url)
    assert_one_error_line(result, "cannot read the consent records at", "postgresql://app:***@")
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize(
    ("make", "args", "needles"),
    [
        pytest.param(
            lambda p: p.write_text("not a database"),
            [],
            ["cannot read the consent records at", "file is not a database"],
            id="not-a-database",
        ),
        pytest.param(
            lambda p: __import__("sqlite3").connect(p).execute("CREATE TABLE t (a)"),
            [],
            ["no consent records table (cookiewarden_consent_records)"],
            id="no-records-table",
        ),
        pytest.param(
            lambda p: write_sqlite(p, hand_built()),
            ["--since", "soon"],
            ["--since: 'soon' is neither a duration"],
            id="bad-since",
        ),
        pytest.param(
            lambda p: write_sqlite(p, hand_built()),
            ["--output", "/nonexistent/dir/report.html", "--format", "html"],
            ["cannot write /nonexistent/dir/report.html"],
            id="unwritable-output",
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(
    tmp_path: Path, make: object, args: list[str], needles: list[str]
) -> None:
    path = tmp_path / "consent.db"
    make(path)  # type: ignore[operator]
    assert_one_error_line(run("--records", path, *args), *needles)


def test_mysql_is_not_a_records_url() -> None:
    assert_one_error_line(run("--records", "mysql://db/site"), "unsupported scheme 'mysql'")


# -- the HTML form ------------------------------------------------------------------------------


class Tables(HTMLParser):
    """Every table's caption and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self.tables[self._caption or ""] = self._rows

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption = (self._caption or "") + data
        elif self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def hand_html(hand_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = run("--records", hand_db, "--since", "2026-10-15", "--format", "html", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # --output: nothing on stdout
    return out


def test_html_tables_hold_the_numbers(hand_html: Path) -> None:
    parser = Tables()
    parser.feed(hand_html.read_text(encoding="utf-8"))
    tables = parser.tables
    assert tables["Choices, every version"][1:] == [
        ["Accept all", "2", "25.0%", ""],
        ["Reject all", "1", "12.5%", ""],
        ["Customise", "3", "37.5%", ""],
        ["GPC", "1", "12.5%", ""],
        ["Withdraw", "1", "12.5%", ""],
        ["Total", "8", "", ""],
    ]
    assert tables["Choices, version 2026-11-01"][-1] == ["Total", "6", "", ""]
    # Each visitor's latest choice in the window, whatever its version.
    assert tables["Visitors who accepted, every version"][1:] == [
        ["functionality", "3", "5", "60.0%", ""],
        ["performance", "2", "5", "40.0%", ""],
        ["targeting", "2", "5", "40.0%", ""],
    ]
    assert tables["Visitors who accepted, version 2026-06-01"][1:] == [
        ["functionality", "1", "2", "50.0%", ""],
        ["performance", "2", "2", "100.0%", ""],
        ["targeting", "1", "2", "50.0%", ""],
    ]
    assert tables["Choices per day, version 2026-11-01"][1:] == [
        ["2026-11-01", "3", "1", "1", "1", "0", "0"],
        ["2026-11-02", "2", "0", "0", "0", "1", "1"],
        ["2026-11-03", "0", "0", "0", "0", "0", "0"],
        ["2026-11-04", "1", "0", "0", "1", "0", "0"],
    ]
    assert len(tables["Choices per day, every version"]) == 1 + 14  # 10-22 to 11-04


def test_html_is_self_contained_with_the_chart_library_inlined(hand_html: Path) -> None:
    page = hand_html.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"<link\b|<script[^>]*\bsrc\b|@import|url\(", page, re.IGNORECASE)
    js, css = uplot_assets()
    assert js in page and css in page
    assert f"/*! https://github.com/leeoniya/uPlot (v{UPLOT_VERSION}) */" in page
    assert page.count("<script") == 3  # the data, uPlot, the charts


def test_the_vendored_files_are_the_ones_the_readme_names() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"Version: **{UPLOT_VERSION}**" in readme
    for name in ("uPlot.iife.min.js", "uPlot.min.css", "LICENSE"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert f"| `{name}` | `{digest}` |" in readme, name
    assert "MIT License" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert f"(v{UPLOT_VERSION})" in (VENDOR / "uPlot.iife.min.js").read_text(encoding="utf-8")


def test_html_escapes_what_the_records_say(tmp_path: Path) -> None:
    hostile = '</script><script>alert("v")</script><b>'
    db = write_sqlite(
        tmp_path / "consent.db",
        [
            row(1, "a", DAY, [], version=hostile, optional=["<i>cat</i>", *OPTIONAL]),
            row(2, "b", DAY, ["<i>cat</i>"], version=hostile, optional=["<i>cat</i>"]),
        ],
    )
    result = run("--records", db, "--since", "2000-01-01", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert hostile not in result.stdout and "<i>cat</i>" not in result.stdout
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;v&quot;)" in result.stdout
    assert "&lt;i&gt;cat&lt;/i&gt;" in result.stdout
    assert result.stdout.count("</script>") == 3


def test_an_empty_window_is_a_page_without_charts(hand_db: Path) -> None:
    result = run("--records", hand_db, "--since", "2030-01-01", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert "No choices were recorded in this window." in result.stdout
    assert "<script" not in result.stdout and "uplot" not in result.stdout.lower()


# -- in the browser -----------------------------------------------------------------------------

in_chromium = pytest.mark.skipif(
    CHROMIUM is None and not IN_CI, reason="Debian's chromium is not installed"
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless (in CI a missing browser fails: .ci/run installs it)."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: in CI, .ci/run must install it")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(chromium: Browser) -> Iterator[Callable[..., tuple[Page, list[str]]]]:
    """Open a report file in a fresh context; every request but the file itself is refused
    and reported, with every console error or warning and every uncaught exception."""
    contexts: list[BrowserContext] = []

    def open_(page_file: Path, **options: Any) -> tuple[Page, list[str]]:
        problems: list[str] = []
        context = chromium.new_context(viewport={"width": 1100, "height": 900}, **options)
        contexts.append(context)

        def refuse(route: Route) -> None:
            if route.request.url == page_file.as_uri():
                route.continue_()
            else:
                problems.append(f"request: {route.request.url}")
                route.abort()

        context.route("**/*", refuse)
        page = context.new_page()

        def console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                problems.append(f"{message.type}: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto(page_file.as_uri())
        return page, problems

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.browser
@in_chromium
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_charts_draw_in_chromium(
    open_page: Callable[..., tuple[Page, list[str]]], hand_html: Path, scheme: str
) -> None:
    page, problems = open_page(hand_html, color_scheme=scheme)
    # One chart in the summary and one per policy version, each a uPlot canvas and legend.
    page.wait_for_function("document.querySelectorAll('.chart canvas').length === 3")
    assert page.locator(".chart .u-legend").count() == 3
    legend = page.locator("[data-chart=v0] .u-legend").inner_text()
    for label in ("Accept all", "Reject all", "Customise", "GPC", "Withdraw"):
        assert label in legend
    assert page.locator(".chart .note").count() == 0  # the no-JavaScript note is replaced
    # Something was drawn: the canvas is not blank.
    drawn = page.evaluate(
        """() => {
            const c = document.querySelector("[data-chart=summary] canvas");
            const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            return pixels.some((v, i) => i % 4 === 3 && v > 0);
        }"""
    )
    assert drawn is True
    assert problems == []


@pytest.mark.browser
@in_chromium
def test_the_legend_shows_each_kinds_own_count_not_the_stack(
    open_page: Callable[..., tuple[Page, list[str]]], hand_html: Path
) -> None:
    page, problems = open_page(hand_html)
    page.wait_for_function("document.querySelectorAll('.chart canvas').length === 3")
    # Version 2026-11-01's chart spans 11-01 to 11-04 plus half a day each side: 11-01 is at
    # an eighth of the width. Its bar stacks 3 choices; the legend says 1, 1, 1, 0, 0.
    over = page.locator("[data-chart=v0] .u-over")
    over.scroll_into_view_if_needed()
    box = over.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 8, box["y"] + box["height"] / 2)
    values = page.locator("[data-chart=v0] .u-legend .u-value")
    expect(values).to_have_text(["2026-11-01", "1", "1", "1", "0", "0"])
    assert problems == []


@pytest.mark.browser
@in_chromium
def test_without_javascript_the_tables_stand_alone(
    open_page: Callable[..., tuple[Page, list[str]]], hand_html: Path
) -> None:
    page, problems = open_page(hand_html, java_script_enabled=False)
    assert page.locator("canvas").count() == 0
    notes = page.locator(".chart .note")
    assert notes.count() == 3
    assert "the table below has the same numbers" in notes.first.inner_text()
    # Summary: per day, choices, visitors; each version: choices, visitors, per day.
    assert page.locator("table").count() == 9
    assert problems == []


# -- a hundred thousand choices -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_hundred_thousand_choices_report_in_seconds(
    tmp_path_factory: pytest.TempPathFactory, fmt: str
) -> None:
    db = tmp_path_factory.getbasetemp() / "big-report.db"
    if not db.exists():
        started = time.perf_counter()
        write_sqlite(db, generate(100_000, now=time.time()))
        print(f"\n100,000 rows written in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    result = run("--records", db, "--since", "30d", "--format", fmt)
    elapsed = time.perf_counter() - started
    print(f"cookiewarden report --format {fmt} of 100,000 choices: {elapsed:.2f} s")
    assert result.returncode == 0, result.stderr
    assert elapsed < 5.0  # the requirement (loosely: a shared machine)
    assert "100,000" in result.stdout
