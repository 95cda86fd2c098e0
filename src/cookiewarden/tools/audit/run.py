"""Running the audit: each path requested in-process, as each visitor, and judged.

Contract: :func:`run_audit` requests each path once as a visitor with no consent and once as one
who accepted everything, and returns a :class:`~cookiewarden.tools.audit.report.Report`.

Rules:
1. The middleware never runs. The app's raw Set-Cookie headers go to
   :func:`cookiewarden.rules.decide.decide`, the function the middleware itself uses, so the
   audit and the middleware cannot disagree.
2. A path that raises, answers 5xx or times out, or a failed startup, raises
   :class:`~cookiewarden.tools.audit.failure.AuditError`, completed by what the app logged.
3. Nothing is printed here: progress and warnings go to the caller's ``notify``.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ...rules.consent import Consent, choose
from ...rules.consent_codec import ConsentCodec
from ...rules.decide import decide
from ...rules.decision import RequestFacts
from ...rules.policy import Policy
from ...rules.policy_entries import CONSENT_COOKIE
from ..inprocess import (
    AppFailed,
    Reply,
    StartupFailed,
    asgi_get,
    asgi_lifespan,
    split_path,
    wsgi_get,
)
from .failure import AuditError, LogCapture, capture_logs
from .report import Report
from .target import Target

__all__ = ["run_audit"]


def _with_consent(app: Any, consent: Consent) -> Callable[..., Any]:
    """Give a WSGI app the visitor's consent where the middleware would put it."""

    def call(environ: dict[str, Any], start_response: Any) -> Any:
        environ["cookiewarden.consent"] = consent
        return app(environ, start_response)

    return call


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
