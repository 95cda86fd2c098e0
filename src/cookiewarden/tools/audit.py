"""``cookiewarden audit``: judge the Set-Cookie headers an app sends, without the middleware.

Contract: :func:`load_target` imports ``module:attribute``, peels cookiewarden middleware off it
and tells ASGI from WSGI; :func:`run_audit` requests each path in-process, once as a visitor with
no consent and once as one who accepted everything, and returns a :class:`Report`;
:func:`render_text` and :func:`render_json` write the report.

Rules:
1. The middleware never runs. The app's raw Set-Cookie headers go to
   :func:`cookiewarden.decide.decide`, the function the middleware itself uses, so the audit and
   the middleware cannot disagree. A target wrapped in cookiewarden middleware is unwrapped, and
   a note says so.
2. A cookie is a problem when the policy does not declare it, or must rewrite or drop it for any
   visitor for a reason other than consent (lifetime cap, session, domain, prefix...).
3. Everything a user can get wrong (a target that does not import, a path that raises or answers
   5xx, a failed startup, a timeout) raises :class:`AuditError` with one line of text, never a
   traceback; what the app logs meanwhile is captured, so its last error completes that line.
4. Nothing is printed here: progress and warnings go to the caller's ``notify``.
5. No framework is imported; cookiewarden's own adapters only to unwrap them.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

from ..errors import CookieWardenError
from ..rules.consent import Consent, choose
from ..rules.consent_codec import ConsentCodec
from ..rules.decide import decide
from ..rules.decision import Decision, Reason, RequestFacts
from ..rules.policy import Policy
from ..rules.policy_entries import CONSENT_COOKIE
from ..rules.setcookie_parse import parse_set_cookie
from ..web.declaration import human_duration
from .explain import category_label, describe, requested_lifetime
from .inprocess import (
    AppFailed,
    Reply,
    StartupFailed,
    asgi_get,
    asgi_lifespan,
    split_path,
    wsgi_get,
)

__all__ = [
    "VISITORS",
    "AuditError",
    "LogCapture",
    "Report",
    "Target",
    "capture_logs",
    "load_target",
    "render_json",
    "render_text",
    "run_audit",
]

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


class AuditError(CookieWardenError):
    """The audit cannot run: ``str(error)`` is the one line to show.

    :param message: what went wrong, and where possible what to do.
    :param path: the request path that failed, when one did.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- quiet logs ---------------------------------------------------------------------------------


class LogCapture(logging.Handler):
    """Collects what libraries and the audited app log, so no traceback reaches the terminal.

    ``last`` is the first message logged, or the last exception logged (``"Type: message"``).
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.last = f"{type(exc).__name__}: {exc}"
        elif self.last is None:
            self.last = record.getMessage()


@contextlib.contextmanager
def capture_logs() -> Iterator[LogCapture]:
    """Capture WARNING and above on the root logger (so Python's last-resort handler is idle)."""
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)


# -- the target ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The app to audit: as named, as called (middleware peeled off), and what was peeled."""

    spec: str
    app: Any
    kind: Literal["asgi", "wsgi"]
    notes: tuple[str, ...] = ()


def load_target(spec: str) -> Target:
    """Import ``module:attribute`` (the current directory first) and unwrap our middleware.

    :raises AuditError: when ``spec`` is malformed, does not import, or names no callable.
    """
    notes: list[str] = []
    app = _unwrap(_import(spec), notes)
    call = getattr(app, "__call__", None)  # noqa: B004 - we need the method, not callable()
    asgi = inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)
    return Target(spec, app, "asgi" if asgi else "wsgi", tuple(notes))


def _import(spec: str) -> Any:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise AuditError(f"TARGET must look like module:attribute (e.g. myapp:app), got {spec!r}")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise AuditError(
                f"cannot import {module_name!r}: no module named {exc.name!r}"
                f" (looked in {cwd} and sys.path)"
            ) from None
        raise AuditError(f"importing {module_name!r} failed: {exc}") from None
    except (Exception, SystemExit) as exc:
        raise AuditError(f"importing {module_name!r} raised {type(exc).__name__}: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AuditError(f"{module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise AuditError(
            f"{spec} is not an ASGI or WSGI application (it is a {type(obj).__name__} object)"
        )
    return obj


def _unwrap(app: Any, notes: list[str]) -> Any:
    """Peel cookiewarden middleware off ``app``, so the audit sees the app's own headers."""
    from ..adapters.asgi import CookieWarden
    from ..adapters.wsgi import CookieWardenWSGI

    for _ in range(16):
        if isinstance(app, CookieWarden | CookieWardenWSGI):
            notes.append(
                f"the target is wrapped in {type(app).__name__}; auditing the app inside it"
            )
            app = app.app
            continue
        inner = getattr(app, "wsgi_app", None)  # Flask: app.wsgi_app = CookieWardenWSGI(...)
        if isinstance(inner, CookieWardenWSGI):
            notes.append("the target's wsgi_app is wrapped in CookieWardenWSGI; auditing inside it")
            app = inner.app
            continue
        stack = getattr(app, "user_middleware", None)  # Starlette/FastAPI add_middleware
        if isinstance(stack, list):
            kept = [m for m in stack if not _is_ours(getattr(m, "cls", None), CookieWarden)]
            if len(kept) != len(stack):
                notes.append("the target adds CookieWarden middleware; auditing without it")
                app.user_middleware = kept
                app.middleware_stack = None  # rebuilt on the next call, without ours
        break
    return app


def _is_ours(cls: object, ours: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, ours)


def _with_consent(app: Any, consent: Consent) -> Callable[..., Any]:
    """Give a WSGI app the visitor's consent where the middleware would put it."""

    def call(environ: dict[str, Any], start_response: Any) -> Any:
        environ["cookiewarden.consent"] = consent
        return app(environ, start_response)

    return call


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


# -- running it ---------------------------------------------------------------------------------


def _consents(policy: Policy, now: float) -> dict[str, tuple[Consent, str | None]]:
    """The two visitors: no consent at all, and one who accepted everything."""
    codec = ConsentCodec(policy, [secrets.token_urlsafe(32)])
    everything = choose(
        policy, policy.category_keys, gpc=False, accept_all=True, method="api", now=now
    )
    return {
        "no_consent": (Consent.undecided(policy), None),
        "accepted_all": (everything, f"{CONSENT_COOKIE}={codec.dumps(everything)}"),
    }


def _request_headers(host: str, cookie: str | None) -> list[tuple[str, str]]:
    headers = [("host", host), ("user-agent", "cookiewarden-audit"), ("accept", "text/html,*/*")]
    if cookie is not None:
        headers.append(("cookie", cookie))
    return headers


class _Runner:
    """Requests every path as each visitor and hands the replies to the :class:`Report`."""

    def __init__(
        self,
        app: Any,
        report: Report,
        paths: Sequence[str],
        capture: LogCapture,
        notify: Callable[[str], None],
    ) -> None:
        self.app = app
        self.report = report
        self.paths = paths
        self.capture = capture
        self.notify = notify
        self.visitors = _consents(report.policy, report.now)

    def progress(self, i: int, path: str) -> None:
        self.capture.last = None
        if len(self.paths) > 3:
            self.notify(f"[{i}/{len(self.paths)}] GET {path}")

    def failed(self, path: str, exc: AppFailed) -> NoReturn:
        detail = str(exc)
        if self.capture.last and detail.startswith("answered") and ":" not in detail:
            detail += f": {self.capture.last}"
        raise AuditError(f"GET {path} {detail}", path=path)

    def collect(self, path: str, replies: dict[str, Reply]) -> None:
        report = self.report
        facts = RequestFacts(host=report.host, secure=report.https, path=split_path(path)[0])
        decisions = {
            visitor: [
                decide(
                    header,
                    policy=report.policy,
                    consent=self.visitors[visitor][0],
                    facts=facts,
                    now=report.now,
                )
                for header in reply.set_cookies
            ]
            for visitor, reply in replies.items()
        }
        status = max(reply.status for reply in replies.values())
        if status >= 500:
            self.failed(path, AppFailed(f"answered {status}"))
        if status >= 400:
            self.notify(f"warning: GET {path} answered {status}")
        report.add(path, {v: r.status for v, r in replies.items()}, decisions)

    async def run_asgi(self) -> None:
        state: dict[str, Any] = {}
        try:
            shutdown = await asgi_lifespan(self.app, state)
        except StartupFailed as exc:
            raise AuditError(str(exc)) from None
        try:
            for i, path in enumerate(self.paths, 1):
                self.progress(i, path)
                replies = {}
                for visitor, (consent, cookie) in self.visitors.items():
                    headers = _request_headers(self.report.host, cookie)
                    request_state = {**state, "consent": consent}
                    try:
                        replies[visitor] = await asgi_get(
                            self.app, path, headers, self.report.https, request_state
                        )
                    except AppFailed as exc:
                        self.failed(path, exc)
                self.collect(path, replies)
        finally:
            if shutdown is not None:
                await shutdown()

    def run_wsgi(self) -> None:
        for i, path in enumerate(self.paths, 1):
            self.progress(i, path)
            replies = {}
            for visitor, (consent, cookie) in self.visitors.items():
                headers = _request_headers(self.report.host, cookie)
                app = _with_consent(self.app, consent)
                try:
                    replies[visitor] = wsgi_get(app, path, headers, self.report.https)
                except AppFailed as exc:
                    self.failed(path, exc)
            self.collect(path, replies)


def _ignore(line: str) -> None:
    pass


def run_audit(
    target: Target,
    policy: Policy,
    paths: Sequence[str],
    *,
    policy_file: str,
    host: str,
    https: bool,
    now: float,
    notify: Callable[[str], None] = _ignore,
) -> Report:
    """GET each of ``paths`` from ``target`` as both :data:`VISITORS` and report on its cookies.

    An ASGI app gets its lifespan startup first (and shutdown after), when it has one.

    :param policy: the policy to judge against; ``policy_file`` is its name in the report.
    :param host: the ``Host`` to request; ``https`` whether to request over https.
    :param now: the clock for every decision.
    :param notify: receives progress (for more than three paths) and 4xx warnings, one line each.
    :raises AuditError: when a path raises, answers 5xx or times out, or startup fails.
    """
    report = Report(
        target=target.spec,
        kind=target.kind,
        policy_file=policy_file,
        policy=policy,
        host=host,
        https=https,
        now=now,
        notes=target.notes,
    )
    with capture_logs() as capture:
        runner = _Runner(target.app, report, paths, capture, notify)
        if target.kind == "asgi":
            asyncio.run(runner.run_asgi())
        else:
            runner.run_wsgi()
    return report


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
