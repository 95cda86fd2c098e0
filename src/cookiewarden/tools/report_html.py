"""The consent report as one self-contained HTML file, with charts.

Contract: :func:`render_html` turns a :class:`~cookiewarden.records.report.ConsentReport` into
a page that needs nothing but itself: a summary on top (figures, choices per day by policy
version, the choices of each kind, the share of visitors who accepted each category), then one
section per policy version (its tables and its choices per day by kind), then how the report
counts (:data:`~cookiewarden.tools.report.RULES`).

Rules:
1. Self-contained: no ``src`` or ``href`` leaves the file. The charts are drawn by uPlot
   (MIT), vendored in ``tools/vendor/uplot/`` (its README says where from and how to refresh
   it) and inlined with its stylesheet; the numbers travel as JSON in the page.
2. Every number is in a real table: the charts repeat the tables for the eye, and the page
   reads fully without JavaScript (each chart then says where its numbers are).
3. Light and dark follow the reader's ``prefers-color-scheme``; the charts redraw when it
   changes, and follow the page's width.
4. Everything from the records (policy versions, category keys) is escaped: HTML with
   :func:`html.escape`, the JSON so that no ``<`` can close its ``<script>``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from html import escape
from importlib import resources
from typing import Any, Final

from ..records.report import CHOICES, CategoryShare, ChoiceCounts, ConsentReport, DayCounts
from ..version import __version__
from .report import CHOICE_LABELS, RULES, every_day, percent, utc

__all__ = ["UPLOT_VERSION", "render_html", "uplot_assets"]

#: The vendored uPlot's version (``tools/vendor/uplot/README.md``).
UPLOT_VERSION: Final = "1.6.32"

#: One colour per choice, and a cycle for policy versions: mid tones, legible on light and dark.
_CHOICE_COLOURS: Final = {
    "accept_all": "#2e9e5b",
    "reject_all": "#d1495b",
    "customise": "#3b82c4",
    "gpc": "#8e6cc4",
    "withdraw": "#c98a1b",
}
_VERSION_COLOURS: Final = ("#3b82c4", "#c98a1b", "#2e9e5b", "#d1495b", "#8e6cc4", "#4f8f8f")


@cache
def uplot_assets() -> tuple[str, str]:
    """The vendored uPlot ``(javascript, stylesheet)``, ready to inline in ``<script>`` and
    ``<style>`` (a ``</`` in them could not end the element early).

    >>> js, css = uplot_assets()
    >>> "uPlot" in js and ".uplot" in css
    True
    """
    folder = resources.files("cookiewarden.tools").joinpath("vendor", "uplot")
    js = folder.joinpath("uPlot.iife.min.js").read_text("utf-8")
    css = folder.joinpath("uPlot.min.css").read_text("utf-8")
    return js.replace("</", "<\\/"), css.replace("</", "<\\/")


_STYLE: Final = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2329; --muted: #5b6570;
  --line: #d9dee3; --grid: #e8ebee; --panel: #f5f7f9; --bar: #3b82c4; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14181c; --fg: #e4e8ec; --muted: #9aa5b1; --line: #39424b; --grid: #262d34;
    --panel: #1c2227; --bar: #5b9bd5; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 64rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { margin: 0 0 .25rem; font-size: 1.8rem; }
h2 { margin: 2.5rem 0 .75rem; padding-top: 1rem; border-top: 1px solid var(--line);
  font-size: 1.35rem; }
h3 { margin: 1.5rem 0 .5rem; font-size: 1.05rem; }
.meta, .note { color: var(--muted); }
code { font-size: .95em; overflow-wrap: anywhere; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
  gap: .75rem; margin: 1rem 0; padding: 0; }
.figures div { background: var(--panel); border: 1px solid var(--line); border-radius: .5rem;
  padding: .75rem 1rem; }
.figures dt { color: var(--muted); font-size: .9rem; }
.figures dd { margin: 0; font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1.5rem; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0 .5rem; }
th, td { padding: .3rem .5rem; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { color: var(--muted); font-weight: 600; font-size: .9rem; }
td.bar { width: 35%; }
td.bar span { display: block; height: .8rem; width: var(--w); min-width: 1px;
  background: var(--bar); border-radius: 2px; }
.chart { min-height: 300px; margin: 1rem 0 .5rem; }
.chart .u-legend { color: var(--fg); }
details { margin: .5rem 0 1rem; }
summary { cursor: pointer; color: var(--muted); }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px;
  margin-right: .4em; vertical-align: -.05em; }
"""

# Draws every [data-chart] element as stacked bars per UTC day, from the page's JSON.
_SCRIPT: Final = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cw-report-data").textContent);
  var plots = [];
  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  function number(v) { return v == null ? "-" : v.toLocaleString("en"); }
  function draw(el) {
    var chart = data.charts[el.getAttribute("data-chart")];
    // Stacked: series i's bar is the sum of series i..n-1, drawn tallest first, so each
    // later (shorter) bar paints over the one before it and the first series sits on top.
    var sums = chart.x.map(function () { return 0; });
    var stacks = [];
    for (var i = chart.series.length - 1; i >= 0; i--) {
      sums = sums.map(function (v, j) { return v + chart.series[i].values[j]; });
      stacks[i] = sums;
    }
    var fg = css("--fg"), grid = css("--grid");
    var axis = { stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid } };
    var options = {
      width: Math.max(el.clientWidth, 280),
      height: 260,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: {
        x: { time: true, range: function (u, min, max) { return [min - 43200, max + 43200]; } },
        y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.05]; } }
      },
      axes: [axis, Object.assign({}, axis, {
        values: function (u, vals) { return vals.map(number); }
      })],
      series: [{ label: "Day (UTC)", value: "{YYYY}-{MM}-{DD}" }].concat(
        chart.series.map(function (s) { return {
          label: s.label, stroke: s.colour, fill: s.colour, width: 0,
          paths: uPlot.paths.bars({ size: [0.8, 48] }),
          points: { show: false },
          value: function (u, v, si, idx) { return idx == null ? "-" : number(s.values[idx]); }
        }; }))
    };
    el.textContent = "";
    var rows = [chart.x].concat(stacks);
    plots.push({ el: el, plot: new uPlot(options, rows, el) });
  }
  function drawAll() {
    plots.forEach(function (p) { p.plot.destroy(); });
    plots = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  }
  drawAll();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawAll);
  window.addEventListener("resize", function () {
    plots.forEach(function (p) {
      p.plot.setSize({ width: Math.max(p.el.clientWidth, 280), height: 260 });
    });
  });
})();
"""


def _day_start(day: DayCounts) -> int:
    return int(datetime(day.day.year, day.day.month, day.day.day, tzinfo=UTC).timestamp())


def _chart_by_choice(days: Sequence[DayCounts]) -> dict[str, Any]:
    filled = every_day(days)
    return {
        "x": [_day_start(d) for d in filled],
        "series": [
            {
                "label": CHOICE_LABELS[choice],
                "colour": _CHOICE_COLOURS[choice],
                "values": [getattr(d.choices, choice) for d in filled],
            }
            for choice in CHOICES
        ],
    }


def _chart_by_version(report: ConsentReport) -> dict[str, Any]:
    filled = every_day(report.days)
    series = []
    for n, version in enumerate(report.versions):
        per_day = {d.day: d.choices.total for d in version.days}
        series.append(
            {
                "label": version.policy_version,
                "colour": _VERSION_COLOURS[n % len(_VERSION_COLOURS)],
                "values": [per_day.get(d.day, 0) for d in filled],
            }
        )
    return {"x": [_day_start(d) for d in filled], "series": series}


def _bar(part: int, whole: int, colour: str = "var(--bar)") -> str:
    if part <= 0 or whole <= 0:
        return '<td class="bar" aria-hidden="true"></td>'
    style = f"--w: {100 * part / whole:.1f}%; background: {colour}"
    return f'<td class="bar" aria-hidden="true"><span style="{style}"></span></td>'


def _choices_table(counts: ChoiceCounts, caption: str) -> str:
    rows = "".join(
        f'<tr><th scope="row"><span class="swatch" style="background: {_CHOICE_COLOURS[c]}">'
        f"</span>{CHOICE_LABELS[c]}</th><td>{n:,}</td><td>{percent(n, counts.total)}</td>"
        f"{_bar(n, counts.total, _CHOICE_COLOURS[c])}</tr>"
        for c, n in counts.items()
    )
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr><th scope=col>Choice</th>"
        "<th scope=col>Count</th><th scope=col>Share</th><td aria-hidden=true></td></tr></thead>"
        f"<tbody>{rows}</tbody><tfoot><tr><th scope=row>Total</th>"
        f"<td>{counts.total:,}</td><td></td><td></td></tr></tfoot></table>"
    )


def _categories_table(shares: Sequence[CategoryShare], caption: str) -> str:
    optional = [s for s in shares if not s.necessary]
    necessary = ", ".join(escape(s.category) for s in shares if s.necessary) or "none"
    rows = "".join(
        f'<tr><th scope="row">{escape(s.category)}</th><td>{s.accepted:,}</td>'
        f"<td>{s.visitors:,}</td><td>{percent(s.accepted, s.visitors)}</td>"
        f"{_bar(s.accepted, s.visitors)}</tr>"
        for s in optional
    )
    table = (
        f"<table><caption>{escape(caption)}</caption><thead><tr><th scope=col>Category</th>"
        "<th scope=col>Accepted</th><th scope=col>Visitors</th><th scope=col>Share</th>"
        f"<td aria-hidden=true></td></tr></thead><tbody>{rows}</tbody></table>"
        if optional
        else ""
    )
    return f'<div>{table}<p class="note">Necessary (nobody refused): {necessary}</p></div>'


def _days_table(days: Sequence[DayCounts], caption: str) -> str:
    heads = "".join(f"<th scope=col>{CHOICE_LABELS[c]}</th>" for c in CHOICES)
    rows = "".join(
        f'<tr><th scope="row"><time datetime="{d.day.isoformat()}">{d.day.isoformat()}</time>'
        f"</th><td>{d.choices.total:,}</td>"
        + "".join(f"<td>{n:,}</td>" for _, n in d.choices.items())
        + "</tr>"
        for d in every_day(days)
    )
    return (
        f"<details><summary>{escape(caption)}: the table</summary><table><caption>"
        f"{escape(caption)}</caption><thead><tr><th scope=col>Day (UTC)</th>"
        f"<th scope=col>Choices</th>{heads}</tr></thead><tbody>{rows}</tbody></table></details>"
    )


def _chart(key: str, label: str) -> str:
    return (
        f'<figure><div class="chart" data-chart="{key}" role="img" aria-label="{escape(label)}'
        '; the table below has the same numbers."><p class="note">This chart needs JavaScript;'
        " the table below has the same numbers.</p></div></figure>"
    )


def render_html(report: ConsentReport, *, source: str, since_text: str, now: float) -> str:
    """The report as one HTML page that works offline (see the module's rules).

    :param report: the aggregates (:meth:`RecordSink.report
        <cookiewarden.records.sink.RecordSink.report>`).
    :param source: where the records are, as the user named them (a password is hidden).
    :param since_text: the window as the user gave it (``"30d"``, ``"2026-11-01"``).
    :param now: when the report is made, Unix seconds.

    >>> page = render_html(ConsentReport(0.0, 0, (), ()), source="consent.db",
    ...                    since_text="30d", now=1_800_000_000)
    >>> page.startswith("<!doctype html>") and "No choices were recorded" in page
    True
    """
    js, uplot_css = uplot_assets()
    total = report.choices
    charts: dict[str, Any] = {}
    meta = (
        f"Records <code>{escape(source)}</code> · since "
        f'<time datetime="{datetime.fromtimestamp(report.since, UTC).isoformat()}">'
        f"{utc(report.since)}</time> ({escape(since_text)}) · made {utc(now)}"
    )
    body = [f'<header><h1>Consent report</h1><p class="meta">{meta}</p></header>']
    if not report.versions:
        body.append("<p>No choices were recorded in this window.</p>")
    else:
        accepted_all = percent(total.accept_all, total.total)
        figures = (
            ("Choices", f"{total.total:,}"),
            ("Visitors", f"{report.visitors:,}"),
            ("Policy versions", f"{len(report.versions):,}"),
            ("Accept all", accepted_all),
        )
        charts["summary"] = _chart_by_version(report)
        body += [
            '<section aria-labelledby="summary"><h2 id="summary">Summary</h2>',
            '<dl class="figures">',
            *(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in figures),
            "</dl>",
            "<h3>Choices per day, by policy version</h3>",
            _chart("summary", "Choices per day (UTC), stacked by policy version"),
            _days_table(report.days, "Choices per day, every version"),
            '<div class="pair">',
            _choices_table(total, "Choices, every version"),
            _categories_table(report.categories, "Visitors who accepted, every version"),
            "</div></section>",
        ]
    for n, version in enumerate(report.versions):
        key, name = f"v{n}", escape(version.policy_version)
        charts[key] = _chart_by_choice(version.days)
        body += [
            f'<section aria-labelledby="{key}"><h2 id="{key}">Policy version {name}</h2>',
            f'<p class="meta">{version.choices.total:,} choices by {version.visitors:,}'
            f" visitors, {utc(version.first_at)} to {utc(version.last_at)}</p>",
            '<div class="pair">',
            _choices_table(version.choices, f"Choices, version {version.policy_version}"),
            _categories_table(
                version.categories, f"Visitors who accepted, version {version.policy_version}"
            ),
            "</div><h3>Choices per day, by kind</h3>",
            _chart(key, f"Choices per day (UTC) under version {version.policy_version}"),
            _days_table(version.days, f"Choices per day, version {version.policy_version}"),
            "</section>",
        ]
    rules = "".join(f"<li>{escape(rule)}</li>" for rule in RULES)
    credit = (
        f'<p class="note">Charts drawn by uPlot {UPLOT_VERSION} (MIT), inlined in this file.</p>'
        if charts
        else ""
    )
    body.append(
        '<section aria-labelledby="rules"><h2 id="rules">How this report counts</h2>'
        f"<ul>{rules}</ul>{credit}</section>"
    )
    payload = json.dumps({"charts": charts}, separators=(",", ":")).replace("<", "\\u003c")
    scripts = [
        f'<script type="application/json" id="cw-report-data">{payload}</script>',
        f"<script>{js}</script>",
        f"<script>{_SCRIPT}</script>",
    ]
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            f'<meta name="generator" content="cookiewarden {escape(__version__)}">',
            f"<title>Consent report: {escape(source)}</title>",
            f"<style>{uplot_css}</style>" if charts else "",
            f"<style>{_STYLE}</style>",
            "</head><body><main>",
            *body,
            "</main>",
            *(scripts if charts else []),
            "</body></html>",
            "",
        ]
    )
