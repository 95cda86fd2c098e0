"""The targets, what each is measured as, and the exit code they decide.

Contract: a :class:`Target` names one measured value (its ``key``, as in the JSON), a limit and
a direction. The in-process values are medians of per-round paired ratios
(:func:`in_process_values` reads them from :func:`benchmarks.inprocess.summarise`'s results);
the server's is the median of per-run ratios of requests per second. :func:`check` compares
what a run measured with its targets; :func:`exit_code` turns that into the exit code.

Rules:

1. The exit code is 0 only when every enforced target the run measured is met, 1 otherwise;
   ``--quick`` never enforces (a few rounds are noise). A value that is not a number misses.
2. A target with no limit is reported, not enforced: it is printed and in the JSON, and never
   decides the exit code (``asgi.a.ratio``, kept to compare with earlier runs).
3. A target is checked only when the run measured it (``--only asgi`` checks the ASGI ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """One limit on one measured value: ``value <= limit``, or ``>=`` when ``at_least``."""

    key: str
    description: str
    limit: float | None  # None: reported, not enforced
    at_least: bool = False

    def met(self, value: float) -> bool | None:
        """Whether ``value`` meets the target (``None`` for a reported row; NaN misses)."""
        if self.limit is None:
            return None
        return value >= self.limit if self.at_least else value <= self.limit


IN_PROCESS: tuple[Target, ...] = (
    # (a): a route that sets no cookie, a visitor with no Cookie header, against the do-nothing
    # send / start_response wrapper on the same route: the floor for any middleware that reads
    # response headers.
    Target("asgi.a.vs_send_wrapper", "ASGI (a) / send wrapper (no cookies)", 1.06),
    Target("wsgi.a.vs_wrapper", "WSGI (a) / start_response wrapper (no cookies)", 1.06),
    Target("asgi.b.vs_peer", "ASGI (b) added cost / SessionMiddleware's added cost", 0.20),
    Target("wsgi.b.vs_peer", "WSGI (b) added cost / Flask session's added cost", 0.20),
    Target("asgi.d.vs_b", "ASGI (d) / (b)", 1.02),
    Target("wsgi.d.vs_b", "WSGI (d) / (b)", 1.02),
    # (e), the cold path.
    Target("asgi.e.vs_peer", "ASGI (e) added cost / SessionMiddleware's added cost", 1.5),
    Target("wsgi.e.vs_peer", "WSGI (e) added cost / Flask session's added cost", 1.5),
    Target("asgi.a.ratio", "ASGI (a) / bare (no cookies)", None),
)

SERVER = Target("server.vs_bare", "cookiewarden ÷ bare requests per second", 0.92, at_least=True)


def in_process_values(results: dict[str, Any]) -> dict[str, float]:
    """The value of each in-process target ``results`` holds, by key."""
    values: dict[str, float] = {}
    for interface in ("asgi", "wsgi"):
        if interface not in results:
            continue
        measured = results[interface]
        rows = {r["key"]: r for r in measured["rows"]}
        values[f"{interface}.a.ratio"] = rows["a"]["ratio"]
        floor = "vs_send_wrapper" if interface == "asgi" else "vs_wrapper"
        values[f"{interface}.a.{floor}"] = measured["a_vs_send_wrapper"]
        values[f"{interface}.b.vs_peer"] = rows["b"]["vs_peer"]
        values[f"{interface}.e.vs_peer"] = rows["e"]["vs_peer"]
        values[f"{interface}.d.vs_b"] = measured["d_vs_b"]
    return values


def check(targets: Sequence[Target], values: dict[str, float]) -> list[dict[str, Any]]:
    """Each target ``values`` measured, in order: its value, and whether it is met."""
    return [
        {
            "key": t.key,
            "target": t.description,
            "limit": t.limit,
            "at_least": t.at_least,
            "value": values[t.key],
            "met": t.met(values[t.key]),
            "enforced": t.limit is not None,
        }
        for t in targets
        if t.key in values
    ]


def exit_code(checked: Sequence[dict[str, Any]], *, enforce: bool) -> int:
    """0 if every enforced target is met or ``enforce`` is false (``--quick``), else 1."""
    if enforce and not all(t["met"] for t in checked if t["enforced"]):
        return 1
    return 0


def describe(checked: dict[str, Any]) -> str:
    """One line for the table: ``met`` / ``MISSED`` / ``shown``, the target and its value."""
    if not checked["enforced"]:
        return f"shown  {checked['target']}: {checked['value']:.3f} (reported, not enforced)"
    mark = "met   " if checked["met"] else "MISSED"
    sign = "≥" if checked["at_least"] else "≤"
    return (
        f"{mark} {checked['target']}: {checked['value']:.3f} (target {sign} {checked['limit']:.2f})"
    )
