"""The scan as JSON, the machine form: stable, and documented in ``docs/SCAN.md``.

Contract: :func:`document` is the report as plain data, :func:`render_json` as text. The shape
(``docs/SCAN.md`` "The JSON report")::

    {"policy_version": "...", "pages": ["https://..."], "notes": ["..."],
     "states": {"none": {"reached": true, "reason": null,
       "cookies": [{"name", "domain", "path", "expires", "http_only", "secure", "same_site",
                    "third_party", "set_by", "set_by_url", "category", "appeared"}],
       "storage": [{"area", "name", "category"}],
       "requests": [{"host", "third_party", "category"}]}},
     "findings": [{"state", "kind", "what", "name", "category", "detail"}]}

plus ``"suggestions"`` with ``--suggest``.

Rules:
1. Keys are only ever added, in a new minor version of cookiewarden, never renamed or removed;
   values keep their types. ``expires`` is whole Unix seconds, ``null`` for a session cookie;
   ``appeared`` is when the cookie was first seen or written, in seconds from the consent click
   (negative before it; from the first load in ``none``); ``set_by`` and ``set_by_url`` are
   its latest writer: ``"http"``, ``"script"`` or ``"unknown"``.
2. A state not reached has ``"reached": false``, its ``reason``, and empty lists.
3. States are keyed by name (``"only:performance"``) in the order scanned; findings are in
   state order.
"""

from __future__ import annotations

import json
from typing import Any

from .findings import Judged, Judgement
from .model import CookieSeen, StateRun, StorageSeen
from .suggest import Suggestion, duration_text

__all__ = ["document", "render_json"]


def _zero(run: StateRun) -> float:
    return run.consent_at if run.consent_at is not None else run.started_at


def _cookie(judged: Judged, run: StateRun, first: dict[tuple[str, str], float]) -> dict[str, Any]:
    cookie = judged.item
    assert isinstance(cookie, CookieSeen)
    appeared = first.get((cookie.name, cookie.domain), cookie.set_at)
    return {
        "name": cookie.name,
        "domain": cookie.domain,
        "path": cookie.path,
        "expires": None if cookie.expires is None else int(cookie.expires),
        "http_only": cookie.http_only,
        "secure": cookie.secure,
        "same_site": cookie.same_site,
        "third_party": judged.third_party,
        "set_by": cookie.set_by,
        "set_by_url": cookie.set_by_url,
        "category": judged.category,
        "appeared": round(appeared - _zero(run), 3),
    }


def _storage(judged: Judged) -> dict[str, Any]:
    key = judged.item
    assert isinstance(key, StorageSeen)
    return {"area": key.area, "name": key.name, "category": judged.category}


def _suggestion(s: Suggestion) -> dict[str, Any]:
    out: dict[str, Any] = {"table": s.table, "name": s.name, "category": s.category}
    if s.table == "storage":
        out["area"] = s.area
    out.update(purpose=s.purpose, provider=s.provider, description=s.description)
    if s.table == "cookies":
        out["lifetime"] = None if s.lifetime is None else duration_text(s.lifetime)
    out.update(known=s.known, source=s.source, observed=list(s.observed))
    return out


def document(
    judgement: Judgement, *, suggestions: tuple[Suggestion, ...] | None = None
) -> dict[str, Any]:
    """The report as plain data (the module's shape)."""
    states: dict[str, Any] = {}
    for state in judgement.states:
        run = state.run
        first = {(name, domain): at for name, domain, at in run.appeared}
        states[run.state.name] = {
            "reached": run.reached,
            "reason": run.reason,
            "cookies": [_cookie(j, run, first) for j in state.cookies],
            "storage": [_storage(j) for j in state.storage],
            "requests": [
                {"host": j.name, "third_party": j.third_party, "category": j.category}
                for j in state.requests
            ],
        }
    out: dict[str, Any] = {
        "policy_version": judgement.policy.version,
        "pages": list(judgement.scan.pages),
        "notes": list(judgement.scan.notes),
        "states": states,
        "findings": [
            {
                "state": f.state,
                "kind": f.kind,
                "what": f.what,
                "name": f.name,
                "category": f.category,
                "detail": f.detail,
            }
            for f in judgement.findings
        ],
    }
    if suggestions is not None:
        out["suggestions"] = [_suggestion(s) for s in suggestions]
    return out


def render_json(judgement: Judgement, *, suggestions: tuple[Suggestion, ...] | None = None) -> str:
    """The report as a JSON document, newline-terminated.

    >>> print(render_json(judge(scan, policy)), end="")  # doctest: +SKIP
    {"policy_version": "2026-11-01", "pages": ["https://staging.example.com/"], ...
    """
    data = document(judgement, suggestions=suggestions)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
