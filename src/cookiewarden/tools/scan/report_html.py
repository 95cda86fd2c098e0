"""The scan as one self-contained HTML page, for people: the findings on top, then each state's
first view, its cookies, storage keys and hosts with their category and status, and a timeline
of when each cookie appeared relative to the consent click.

Contract: :func:`render_html` returns the page. It references nothing outside itself: the
screenshots are ``data:`` URLs, the styles are inline, there is no script, and the URLs the
scan saw are text, never links the page loads.

Rules:
1. Everything the site said (names, domains, URLs, reasons) is escaped.
2. A state not reached says so, with its reason; it is never drawn as passed.
3. The timeline is an inline SVG per state: one row per cookie ever seen, its dot at the time
   it appeared (seconds from the consent click, or from the first load in ``none``); a cookie
   gone by the end is drawn hollow.
4. Light or dark, after the reader's setting; it prints on paper too.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from html import escape
from typing import Final

from ...rules.policy import Policy
from .findings import Judged, Judgement, StateJudgement, about
from .model import CookieSeen, StorageSeen
from .suggest import Suggestion, render_entries

__all__ = ["render_html"]

_CSS: Final = """
:root { color-scheme: light dark; --fg: #1d1f23; --bg: #fff; --muted: #5b6270; --line: #d8dbe0;
  --bad: #b3261e; --bad-bg: #fdecea; --good: #1e6b34; --good-bg: #e7f4ea; --dot: #3056d3; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --bg: #16181c; --muted: #a0a7b4;
  --line: #343840; --bad: #ff8a80; --bad-bg: #3a1f1e; --good: #81c995; --good-bg: #1c3224;
  --dot: #8ab4f8; } }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; max-width: 1180px; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { margin-top: 2em; border-top: 1px solid var(--line);
  padding-top: 1em; } h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
.muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, monospace; font-size: .92em; }
.verdict { display: inline-block; padding: 6px 12px; border-radius: 6px; font-weight: 600; }
.bad { color: var(--bad); background: var(--bad-bg); }
.good { color: var(--good); background: var(--good-bg); }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px;
  border-bottom: 1px solid var(--line); }
th { font-size: .85em; color: var(--muted); font-weight: 600; }
td.status { white-space: nowrap; } .url { word-break: break-all; }
img.shot { width: 100%; max-width: 640px; border: 1px solid var(--line); border-radius: 4px; }
svg text { fill: var(--fg); font: 12px ui-monospace, monospace; } svg .axis { stroke: var(--line); }
svg .click { stroke: var(--bad); stroke-dasharray: 4 3; } svg .dot { fill: var(--dot); }
svg .gone { fill: var(--bg); stroke: var(--dot); }
pre { background: var(--good-bg); padding: 12px; overflow-x: auto; border-radius: 6px; }
@media print { h2 { break-before: page; } }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _status(judged: Judged) -> str:
    if not judged.kinds:
        return '<td class="status good">ok</td>'
    return f'<td class="status bad">{_e(", ".join(judged.kinds))}</td>'


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "session"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _rows(head: tuple[str, ...], rows: list[str], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    ths = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _cookies(state: StateJudgement) -> str:
    rows = []
    for j in state.cookies:
        c = j.item
        assert isinstance(c, CookieSeen)
        life = "" if c.expires is None else f" ({about(max(0.0, c.expires - c.set_at))})"
        flags = ", ".join(f for f, on in (("HttpOnly", c.http_only), ("Secure", c.secure)) if on)
        flags = ", ".join(x for x in (flags, f"SameSite={c.same_site}") if x)
        by = _e(c.set_by) + (
            f' <span class="url muted">{_e(c.set_by_url)}</span>' if c.set_by_url else ""
        )
        category = j.category or ("undeclared" if not j.declared else "—")
        rows.append(
            f'<tr><td class="mono">{_e(c.name)}</td><td class="mono">{_e(c.domain)}</td>'
            f'<td class="mono">{_e(c.path)}</td><td>{_e(_when(c.expires))}{_e(life)}</td>'
            f"<td>{_e(flags)}</td><td>{'third' if j.third_party else 'first'}</td>"
            f"<td>{by}</td><td>{_e(category)}</td>{_status(j)}</tr>"
        )
    head = ("name", "domain", "path", "expires", "flags", "party", "set by", "category", "status")
    return _rows(head, rows, "No cookies.")


def _storage(state: StateJudgement) -> str:
    rows = []
    for j in state.storage:
        key = j.item
        assert isinstance(key, StorageSeen)
        rows.append(
            f'<tr><td>{_e(key.area)}Storage</td><td class="mono">{_e(key.name)}</td>'
            f'<td class="url mono">{_e(key.origin)}</td><td>{_e(j.category or "undeclared")}</td>'
            f"{_status(j)}</tr>"
        )
    return _rows(("area", "key", "origin", "category", "status"), rows, "No storage keys.")


def _hosts(state: StateJudgement) -> str:
    rows = []
    for j in state.requests:
        category = j.category or ("undeclared" if j.third_party else "—")
        count = getattr(j.item, "count", 1)
        rows.append(
            f'<tr><td class="mono">{_e(j.name)}</td><td>{"third" if j.third_party else "first"}'
            f"</td><td>{_e(category)}</td><td>{count}</td>{_status(j)}</tr>"
        )
    since = "" if state.run.consent_at is None else " (from the consent click on)"
    empty = f"No requests{since}."
    return _rows(("host", "party", "category", "requests" + since, "status"), rows, empty)


def _timeline(state: StateJudgement) -> str:
    run = state.run
    if not run.appeared:
        return '<p class="muted">No cookie appeared.</p>'
    zero = run.consent_at if run.consent_at is not None else run.started_at
    mark = "consent click" if run.consent_at is not None else "first load"
    held = {(c.name, c.domain) for c in run.cookies}
    times = [at - zero for _, _, at in run.appeared]
    low, high = min(0.0, *times), max(0.0, *times)
    span = (high - low) or 1.0
    left, width, row, top = 260, 560, 20, 28
    height = top + row * len(run.appeared) + 24

    def x(t: float) -> float:
        return left + (t - low) / span * width

    axis = height - 22
    parts = [
        f'<svg viewBox="0 0 {left + width + 40} {height}" width="100%" role="img"'
        f' aria-label="when each cookie appeared, in seconds from the {mark}">',
        f'<line class="axis" x1="{left}" y1="{axis}" x2="{left + width}" y2="{axis}"/>',
        f'<line class="click" x1="{x(0):.1f}" y1="18" x2="{x(0):.1f}" y2="{axis}"/>',
        f'<text x="{x(0):.1f}" y="12" text-anchor="middle">{_e(mark)}</text>',
        f'<text x="{left}" y="{height - 6}">{low:+.1f} s</text>',
        f'<text x="{left + width}" y="{height - 6}" text-anchor="end">{high:+.1f} s</text>',
    ]
    for i, (name, domain, at) in enumerate(run.appeared):
        y = top + 4 + i * row
        gone = (name, domain) not in held
        label = f"{name} ({domain})" + (" gone" if gone else "")
        parts.append(
            f'<text x="{left - 10}" y="{y + 4}" text-anchor="end">{_e(label[:34])}</text>'
            f'<circle class="{"dot gone" if gone else "dot"}" cx="{x(at - zero):.1f}" cy="{y}"'
            f' r="5"><title>{_e(label)}: {at - zero:+.2f} s</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _state(state: StateJudgement, policy: Policy) -> str:
    run = state.run
    name = run.state.name
    out = [
        f'<section id="state-{_e(name)}"><h2>{_e(name)}</h2>',
        f'<p class="muted">{_e(run.state.words)}</p>',
    ]
    if not run.reached:
        out.append(f'<p class="verdict bad">Not reached: {_e(run.reason)}</p></section>')
        return "".join(out)
    kinds = len(state.findings)
    verdict = (
        '<p class="verdict good">No findings</p>'
        if not kinds
        else f'<p class="verdict bad">{kinds} finding{"s" if kinds != 1 else ""}</p>'
    )
    out.append(verdict)
    granted = [c.label for c in policy.categories if c.key in state.granted]
    out.append(
        f"<p>Granted: {_e(', '.join(granted))}. Pages: "
        f"{', '.join(f'<span class=url>{_e(p)}</span>' for p in run.pages)}</p>"
    )
    if run.screenshot:
        data = base64.b64encode(run.screenshot).decode("ascii")
        out.append(
            f'<h3>First view</h3><img class="shot" alt="The first view of {_e(name)}"'
            f' src="data:image/jpeg;base64,{data}">'
        )
    out.append("<h3>Cookies</h3>" + _cookies(state))
    out.append("<h3>Storage</h3>" + _storage(state))
    out.append("<h3>Hosts</h3>" + _hosts(state))
    out.append("<h3>Timeline</h3>" + _timeline(state) + "</section>")
    return "".join(out)


def render_html(
    judgement: Judgement, *, suggestions: tuple[Suggestion, ...] | None = None, now: float
) -> str:
    """The whole report as one HTML page (the rules above); ``now`` dates it.

    >>> Path("scan.html").write_text(render_html(judgement, now=time.time()))  # doctest: +SKIP
    """
    scan, policy = judgement.scan, judgement.policy
    findings, missed = judgement.findings, judgement.not_reached
    if findings or missed:
        said = ", ".join(
            part
            for part in (
                f"{len(findings)} finding{'s' if len(findings) != 1 else ''}" if findings else "",
                f"{len(missed)} state{'s' if len(missed) != 1 else ''} not reached"
                if missed
                else "",
            )
            if part
        )
        verdict = f'<p class="verdict bad">FAIL: {_e(said)}</p>'
    else:
        verdict = '<p class="verdict good">OK: no findings in any state</p>'
    rows = [
        f"<tr><td>{_e(f.state)}</td><td>{_e(f.kind)}</td><td>{_e(f.what)}</td>"
        f'<td class="mono">{_e(f.name)}</td><td>{_e(f.category or "—")}</td>'
        f"<td>{_e(f.detail)}</td></tr>"
        for f in findings
    ]
    table = _rows(("state", "kind", "what", "name", "category", "detail"), rows, "No findings.")
    pages = "".join(f'<li class="url">{_e(p)}</li>' for p in scan.pages or scan.urls)
    links = " · ".join(
        f'<a href="#state-{_e(s.run.state.name)}">{_e(s.run.state.name)}</a>'
        for s in judgement.states
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in scan.notes)
    date = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        f"<h1>Cookie scan of {_e(scan.site_host)}</h1>",
        f'<p class="muted">{_e(date)} · policy version {_e(policy.version)} · states: {links}</p>',
        verdict,
        f"<ul>{pages}</ul>",
        f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "",
        "<h2>Findings</h2>",
        table,
        *(_state(s, policy) for s in judgement.states),
    ]
    if suggestions:
        body.append(
            "<h2>Suggested policy entries</h2><p>From the Open Cookie Database"
            ' (Apache-2.0); entries it does not know have <code>category = "?"</code>.'
            f"</p><pre>{_e(render_entries(suggestions))}</pre>"
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Cookie scan of {_e(scan.site_host)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
