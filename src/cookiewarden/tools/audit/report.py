"""What an audit found, and how it is written: :class:`Report`, :func:`render_text`,
:func:`render_json`.

Rules:
1. A cookie is a problem when the policy does not declare it, or must rewrite or drop it for any
   visitor for a reason other than consent (lifetime cap, session, domain, prefix...).
2. The report is in the shape of the JSON document; the text is drawn from the same entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ...rules.decision import Decision, Reason, RequestFacts
from ...rules.policy import Policy
from ...rules.setcookie_parse import parse_set_cookie
from ...web.declaration.strings import human_duration
from ..explain import category_label, describe, requested_lifetime
from ..inprocess import split_path

__all__ = ["VISITORS", "Report", "render_json", "render_text"]

#: Reasons that mean the app's own header breaks the policy, for any visitor.
_PROBLEMS = frozenset(
    {
        Reason.UNPARSEABLE,
        Reason.UNDECLARED,
        Reason.PUBLIC_SUFFIX,
        Reason.FOREIGN_DOMAIN,
        Reason.BEYOND_ROOT,
        Reason.IP_HOST_DOMAIN,
        Reason.HOST_ONLY,
        Reason.HOST_PREFIX,
        Reason.SECURE_PREFIX,
        Reason.HTTP_PREFIX,
        Reason.SAMESITE_NONE_INSECURE,
        Reason.PARTITIONED_INSECURE,
        Reason.SESSION,
        Reason.CAPPED,
        Reason.HARDENED,
    }
)
#: The two visitors, as (key in the report, words in the text), in the order they are requested.
VISITORS = (("no_consent", "no consent"), ("accepted_all", "accepted all"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- the report ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Seen:
    """One cookie the app set on one path, as each kind of visitor got it."""

    key: str
    name: str | None
    decisions: dict[str, Decision] = field(default_factory=dict)


@dataclass(slots=True)
class Report:
    """What an audit found, path by path, in the shape of the JSON report.

    Built empty, then filled by :meth:`add` once per path. ``paths`` holds one entry per path
    (its status per visitor and each cookie it set); ``problems`` one entry per cookie and
    reason that breaks the policy; ``cookies`` counts the cookies seen over all paths.
    """

    target: str
    kind: Literal["asgi", "wsgi"]
    policy_file: str
    policy: Policy
    host: str
    https: bool
    now: float
    notes: tuple[str, ...] = ()
    paths: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    cookies: int = 0

    @property
    def ok(self) -> bool:
        """Whether every cookie on every path is declared and within the policy."""
        return not self.problems

    def add(
        self,
        path: str,
        statuses: Mapping[str, int],
        decisions: Mapping[str, Sequence[Decision]],
    ) -> None:
        """Record one path: each visitor's status and decisions (keyed as in :data:`VISITORS`).

        The same cookie set twice on one response is reported twice (``name``, ``name#2``).
        """
        seen: dict[str, _Seen] = {}
        for visitor, _ in VISITORS:
            counts: dict[str, int] = {}
            for decision in decisions[visitor]:
                base = decision.name if decision.name is not None else decision.original
                n = counts[base] = counts.get(base, 0) + 1
                key = base if n == 1 else f"{base}#{n}"
                entry = seen.setdefault(key, _Seen(key, decision.name))
                entry.decisions[visitor] = decision
        facts = RequestFacts(host=self.host, secure=self.https, path=split_path(path)[0])
        cookies = [self._cookie(path, entry, facts) for entry in seen.values()]
        self.cookies += len(cookies)
        self.paths.append(
            {
                "path": path,
                "status": {v: statuses[v] for v, _ in VISITORS},
                "cookies": cookies,
            }
        )

    def _cookie(self, path: str, entry: _Seen, facts: RequestFacts) -> dict[str, Any]:
        policy = self.policy
        first = next(iter(entry.decisions.values()))
        rule = first.rule
        cookie = parse_set_cookie(first.original)
        asked = requested_lifetime(cookie, self.now) if cookie is not None else None
        allowed = policy.effective_lifetime(rule) if rule is not None else None
        problems: list[str] = []
        deletion = all(d.reason is Reason.DELETION for d in entry.decisions.values())
        if rule is None and entry.name is not None and not deletion:
            problems.append("undeclared")
            self._problem(
                path,
                entry,
                "undeclared",
                "not declared: add a [[cookies]] entry or stop setting it",
            )
        for decision in entry.decisions.values():
            reason = decision.reason
            if reason in _PROBLEMS and reason.value not in problems:
                problems.append(reason.value)
                text = describe(decision, policy, facts=facts, now=self.now)
                if reason is Reason.FOREIGN_DOMAIN:
                    text += " Is --host your site's host?"
                self._problem(path, entry, reason.value, text)
        visitors: dict[str, Any] = {}
        for visitor, _ in VISITORS:
            got = entry.decisions.get(visitor)
            visitors[visitor] = (
                {"set": False}
                if got is None
                else {
                    "set": True,
                    "action": got.action.value,
                    "reason": got.reason.value,
                    "why": describe(got, policy, facts=facts, now=self.now),
                    "sent": got.original,
                    "received": got.header,
                }
            )
        return {
            "name": entry.name,
            "declared": rule is not None,
            "rule": rule.name if rule is not None else None,
            "category": first.category if rule is not None else None,
            "requested_lifetime": asked,
            "declared_lifetime": rule.lifetime if rule is not None else None,
            "allowed_lifetime": allowed,
            "domain": cookie.domain if cookie is not None else None,
            "problems": problems,
            "visitors": visitors,
        }

    def _problem(self, path: str, entry: _Seen, reason: str, text: str) -> None:
        name = entry.name if entry.name is not None else entry.key
        self.problems.append({"path": path, "cookie": name, "reason": reason, "message": text})


# -- rendering ----------------------------------------------------------------------------------


def render_json(report: Report) -> str:
    """The report as a JSON document (``ok``, ``paths``, ``problems``...), newline-terminated."""
    document = {
        "target": report.target,
        "kind": report.kind,
        "policy": report.policy_file,
        "policy_version": report.policy.version,
        "host": report.host,
        "https": report.https,
        "notes": list(report.notes),
        "ok": report.ok,
        "paths": report.paths,
        "problems": report.problems,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _life(seconds: int | None) -> str:
    return "session" if seconds is None else human_duration(seconds)


def render_text(report: Report) -> str:
    """The report for a terminal: each path and cookie, then ``FAIL: ...`` or ``OK: ...``."""
    scheme = "https" if report.https else "http"
    out = [
        f"cookiewarden audit: {report.target} ({report.kind.upper()}) against"
        f" {report.policy_file} (version {report.policy.version})",
        f"requests to {scheme}://{report.host}, as a visitor with no consent and one who accepted"
        " all",
        "",
    ]
    for entry in report.paths:
        status = sorted(set(entry["status"].values()))
        out.append(f"GET {entry['path']}  ->  {', '.join(map(str, status))}")
        if not entry["cookies"]:
            out.append("  sets no cookies")
        for cookie in entry["cookies"]:
            name = cookie["name"] if cookie["name"] is not None else "(unparseable header)"
            mark = "FAIL" if cookie["problems"] else "ok  "
            if cookie["declared"]:
                what = category_label(report.policy, cookie["category"])
                if cookie["rule"] != name:
                    what += f" (declared as {cookie['rule']})"
                life = (
                    f"; declared {_life(cookie['declared_lifetime'])},"
                    f" allowed {_life(cookie['allowed_lifetime'])}"
                )
            else:
                what, life = "UNDECLARED", ""
            out.append(f"  {mark} {name}  {what}")
            out.append(f"         lifetime: requested {_life(cookie['requested_lifetime'])}{life}")
            for visitor, words in VISITORS:
                seen = cookie["visitors"][visitor]
                if not seen["set"]:
                    out.append(f"         {words + ':':<14}not set by the app")
                    continue
                action = {"keep": "kept", "rewrite": "rewritten", "drop": "dropped"}[seen["action"]]
                out.append(f"         {words + ':':<14}{action} - {seen['why']}")
        out.append("")
    if report.problems:
        out.append(f"FAIL: {_plural(len(report.problems), 'problem')}")
        for p in report.problems:
            out.append(f"  GET {p['path']}  {p['cookie']}: {p['message']} [{p['reason']}]")
    else:
        out.append(
            f"OK: {_plural(report.cookies, 'cookie')} on {_plural(len(report.paths), 'path')},"
            " every one declared and within the policy"
        )
    return "\n".join(out) + "\n"
