"""The scan for a terminal: each state's cookies, storage keys and hosts with their status, then
the findings; and the progress bar of a multi-page scan.

Contract: :func:`render_text` writes a :class:`~cookiewarden.tools.scan.findings.Judgement`;
:class:`ProgressBar` draws progress on a terminal (stderr), and nothing elsewhere.

Rules:
1. One row per cookie, storage key and host, its columns aligned, its findings last; the
   summary at the end says ``OK``, or ``FAIL`` with the number of findings and of states not
   reached, then one line per finding.
2. A state not reached says so, in capitals, with its reason: it never reads as passed.
3. The progress bar is drawn only when its stream is a terminal, and erased when done.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from typing import TextIO

from .findings import Judged, Judgement, about
from .model import CookieSeen, StorageSeen
from .suggest import Suggestion, render_entries

__all__ = ["ProgressBar", "render_text"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _table(rows: Sequence[Sequence[str]], indent: str = "    ") -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        (indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


def _status(judged: Judged) -> tuple[str, str]:
    return ("FAIL", ", ".join(judged.kinds)) if judged.kinds else ("ok", "")


def _cookie_row(judged: Judged) -> list[str]:
    cookie = judged.item
    assert isinstance(cookie, CookieSeen)
    mark, kinds = _status(judged)
    life = "session" if cookie.expires is None else about(max(0.0, cookie.expires - cookie.set_at))
    flags = (
        " ".join(f for f, on in (("HttpOnly", cookie.http_only), ("Secure", cookie.secure)) if on)
        or "-"
    )
    party = "third party" if judged.third_party else ""
    category = judged.category or ("undeclared" if not judged.declared else "-")
    return [mark, cookie.name, cookie.domain, life, flags, cookie.set_by, category, party, kinds]


def render_text(judgement: Judgement, *, suggestions: tuple[Suggestion, ...] | None = None) -> str:
    """The report for a terminal (the rules above).

    >>> print(render_text(judge(scan, policy)), end="")  # doctest: +SKIP
    cookiewarden scan: 1 page in 3 states, against policy version 2026-11-01
    ...
    """
    scan, policy = judgement.scan, judgement.policy
    pages = scan.pages or scan.urls
    out = [
        f"cookiewarden scan: {_plural(len(pages), 'page')} in {_plural(len(scan.runs), 'state')},"
        f" against policy version {policy.version}",
        *[f"  {page}" for page in pages],
        "",
    ]
    for state in judgement.states:
        run = state.run
        out.append(f"{run.state.name}: {run.state.words}")
        if not run.reached:
            out += [f"  NOT REACHED: {run.reason}", ""]
            continue
        granted = ", ".join(c.key for c in policy.categories if c.key in state.granted)
        out.append(f"  granted: {granted}")
        out.append(f"  cookies ({len(state.cookies)})")
        out += _table([_cookie_row(j) for j in state.cookies]) or ["    none"]
        out.append(f"  storage ({len(state.storage)})")
        rows = []
        for j in state.storage:
            key = j.item
            assert isinstance(key, StorageSeen)
            mark, kinds = _status(j)
            rows.append([mark, f"{key.area}Storage", j.name, j.category or "undeclared", kinds])
        out += _table(rows) or ["    none"]
        out.append(f"  requests ({_plural(len(state.requests), 'host')})")
        rows = []
        for j in state.requests:
            mark, kinds = _status(j)
            party = "third party" if j.third_party else "first party"
            declared = j.category or ("undeclared" if j.third_party else "-")
            rows.append([mark, j.name, party, declared, kinds])
        out += _table(rows) or ["    none"]
        out.append("")
    for note in scan.notes:
        out.append(f"note: {note}")
    if scan.notes:
        out.append("")
    findings, missed = judgement.findings, judgement.not_reached
    if findings or missed:
        said = [_plural(len(findings), "finding")] if findings else []
        if missed:
            names = ", ".join(r.state.name for r in missed)
            said.append(f"{_plural(len(missed), 'state')} not reached ({names})")
        out.append("FAIL: " + ", ".join(said))
        for f in findings:
            category = f" ({f.category})" if f.category else ""
            out.append(f"  {f.state}  {f.kind}  {f.what} {f.name}{category}: {f.detail}")
    else:
        out.append(
            f"OK: {_plural(len(judgement.states), 'state')}, every cookie, storage key and"
            " request within the policy"
        )
    if suggestions is not None:
        out.append("")
        if suggestions:
            out.append(f"Suggested policy entries ({len(suggestions)}), for the policy file:")
            out.append("")
            out.append(render_entries(suggestions).rstrip("\n"))
        else:
            out.append("Suggested policy entries: none (nothing undeclared)")
    return "\n".join(out) + "\n"


class ProgressBar:
    """A one-line progress bar on ``stream``, for scans of more than one page (rule 3).

    :param planned: pages planned at the start (states x URLs given); links found add more.

    >>> bar = ProgressBar(sys.stderr, planned=6)  # doctest: +SKIP
    >>> scan = run_scan(urls, states, options, progress=bar)  # doctest: +SKIP
    >>> bar.finish()  # doctest: +SKIP
    """

    def __init__(self, stream: TextIO, planned: int) -> None:
        self.stream = stream
        self.on = bool(getattr(stream, "isatty", lambda: False)())
        self.planned = max(planned, 1)
        self.done = 0
        self.started = time.monotonic()

    def __call__(self, state: str, url: str, more: int) -> None:
        """A state finished ``url`` and found ``more`` pages to visit."""
        self.done += 1
        self.planned = max(self.planned + more, self.done)
        if not self.on:
            return
        width = shutil.get_terminal_size((80, 20)).columns
        filled = round(20 * self.done / self.planned)
        bar = "█" * filled + "░" * (20 - filled)
        text = f"\r{bar} {self.done}/{self.planned} pages  {state}  {url}"
        self.stream.write(text[: width - 1].ljust(width - 1))
        self.stream.flush()

    def finish(self) -> None:
        """Erase the bar."""
        if self.on and self.done:
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()
