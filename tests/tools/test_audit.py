"""The audit: its report model and rendering, in-process requests, and target loading.

The command itself (exit codes, one error line) is held by ``tests/test_cli.py``; here the
pieces run in-process, under a fixed clock.
"""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cookiewarden import Policy
from cookiewarden.rules.consent import Consent
from cookiewarden.rules.decide import decide
from cookiewarden.rules.decision import RequestFacts
from cookiewarden.tools.audit import (
    VISITORS,
    AuditError,
    Report,
    Target,
    load_target,
    render_json,
    render_text,
    run_audit,
)

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()
YEAR = 365 * 86400
HOST = "www.example.com"

POLICY = Policy.from_dict(
    {
        "version": "v1",
        "max_age": "365d",
        "categories": {
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "performance": {"label": "Performance"},
        },
        "cookies": [
            {"name": "sessionid", "category": "necessary"},
            {"name": "_ga", "category": "performance", "lifetime": "2y"},
            {"name": "_ga_*", "category": "performance", "lifetime": "30d"},
        ],
    }
)
VISITOR_CONSENT = {
    "no_consent": Consent.undecided(POLICY),
    "accepted_all": Consent(
        granted=frozenset(POLICY.category_keys),
        decided=True,
        policy_version="v1",
        consent_id="c",
        issued_at=1,
    ),
}


def new_report(**overrides: Any) -> Report:
    fields: dict[str, Any] = {
        "target": "shop:app",
        "kind": "asgi",
        "policy_file": "policy.toml",
        "policy": POLICY,
        "host": HOST,
        "https": True,
        "now": NOW,
    }
    fields.update(overrides)
    return Report(**fields)


def add(
    report: Report,
    path: str,
    sent: dict[str, list[str]] | list[str],
    statuses: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Judge what each visitor was sent (the same list for both when given one) and add it."""
    by_visitor = sent if isinstance(sent, dict) else {v: sent for v, _ in VISITORS}
    facts = RequestFacts(host=report.host, secure=report.https, path=path)
    decisions = {
        visitor: [
            decide(h, policy=POLICY, consent=VISITOR_CONSENT[visitor], facts=facts, now=NOW)
            for h in headers
        ]
        for visitor, headers in by_visitor.items()
    }
    report.add(path, statuses or {"accepted_all": 200, "no_consent": 200}, decisions)
    return {c["name"]: c for c in report.paths[-1]["cookies"]}


# -- the report model ----------------------------------------------------------------------------


def test_report_of_declared_cookies_within_the_policy_is_ok() -> None:
    report = new_report()
    cookies = add(report, "/", ["sessionid=1; Path=/; Secure", "_ga=1; Max-Age=60; Secure"])
    assert report.ok and report.problems == [] and report.cookies == 2
    assert report.paths[0]["status"] == {"no_consent": 200, "accepted_all": 200}
    assert list(report.paths[0]["status"]) == [v for v, _ in VISITORS]  # visitor order
    ga = cookies["_ga"]
    assert ga == {
        "name": "_ga",
        "declared": True,
        "rule": "_ga",
        "category": "performance",
        "requested_lifetime": 60,
        "declared_lifetime": 2 * YEAR,
        "allowed_lifetime": YEAR,
        "domain": None,
        "problems": [],
        "visitors": {
            "no_consent": {
                "set": True,
                "action": "drop",
                "reason": "refused-category",
                "why": "“Performance” is not allowed by this visitor.",
                "sent": "_ga=1; Max-Age=60; Secure",
                "received": None,
            },
            "accepted_all": {
                "set": True,
                "action": "keep",
                "reason": "allowed",
                "why": "Declared as Performance, which this visitor allows.",
                "sent": "_ga=1; Max-Age=60; Secure",
                "received": "_ga=1; Max-Age=60; Secure",
            },
        },
    }


def test_report_names_undeclared_and_capped_cookies_once_each() -> None:
    report = new_report()
    cookies = add(report, "/", ["tracker=1; Secure", f"_ga=1; Max-Age={5 * YEAR}; Secure"])
    assert not report.ok
    assert report.problems == [
        {
            "path": "/",
            "cookie": "tracker",
            "reason": "undeclared",
            "message": "not declared: add a [[cookies]] entry or stop setting it",
        },
        {
            "path": "/",
            "cookie": "_ga",
            "reason": "lifetime-capped",
            "message": "Asked for 5 years; cut to 1 year by the policy's max_age.",
        },
    ]
    # A refusal for lack of consent is not a problem; the cap (seen when accepted) is.
    assert cookies["_ga"]["problems"] == ["lifetime-capped"]
    assert cookies["tracker"]["problems"] == ["undeclared"]
    assert cookies["tracker"]["declared"] is False and cookies["tracker"]["category"] is None


def test_report_foreign_domain_problem_asks_about_host() -> None:
    report = new_report()
    add(report, "/", ["sessionid=1; Domain=other.org; Secure"])
    (problem,) = report.problems
    assert problem["reason"] == "foreign-domain"
    assert problem["message"] == (
        "Domain=other.org does not cover the request host www.example.com."
        " Is --host your site's host?"
    )


def test_report_deleting_an_undeclared_cookie_is_no_problem() -> None:
    report = new_report()
    cookies = add(report, "/", ["old_tracker=; Max-Age=0"])
    assert report.ok and cookies["old_tracker"]["declared"] is False


def test_report_unparseable_header_is_named_by_its_text() -> None:
    report = new_report()
    add(report, "/", ["=a=b"])
    (cookie,) = report.paths[0]["cookies"]
    assert cookie["name"] is None and cookie["problems"] == ["unparseable"]
    assert report.problems[0]["cookie"] == "=a=b"


def test_report_keeps_a_cookie_set_twice_as_two_entries() -> None:
    report = new_report()
    add(report, "/", ["sessionid=1; Secure", "sessionid=2; Secure"])
    assert report.cookies == 2
    assert [c["name"] for c in report.paths[0]["cookies"]] == ["sessionid", "sessionid"]


def test_report_cookie_sent_to_one_visitor_only() -> None:
    report = new_report()
    cookies = add(report, "/", {"no_consent": [], "accepted_all": ["_ga_x=1; Secure"]})
    assert cookies["_ga_x"]["visitors"]["no_consent"] == {"set": False}
    assert cookies["_ga_x"]["rule"] == "_ga_*"


# -- rendering -----------------------------------------------------------------------------------


def test_render_text_clean() -> None:
    report = new_report(https=False, host="localhost")
    add(report, "/", ["sessionid=1"])
    add(report, "/empty", [], {"no_consent": 200, "accepted_all": 200})
    assert render_text(report) == textwrap.dedent(
        """\
        cookiewarden audit: shop:app (ASGI) against policy.toml (version v1)
        requests to http://localhost, as a visitor with no consent and one who accepted all

        GET /  ->  200
          ok   sessionid  Strictly necessary
                 lifetime: requested session; declared session, allowed session
                 no consent:   kept - Declared as Strictly necessary: always allowed.
                 accepted all: kept - Declared as Strictly necessary: always allowed.

        GET /empty  ->  200
          sets no cookies

        OK: 1 cookie on 2 paths, every one declared and within the policy
        """
    )


def test_render_text_findings() -> None:
    report = new_report(kind="wsgi")
    add(
        report,
        "/",
        {"no_consent": ["tracker=1; Secure"], "accepted_all": ["tracker=1; Secure", "_ga_1=x"]},
        {"no_consent": 404, "accepted_all": 200},
    )
    text = render_text(report)
    assert text.startswith("cookiewarden audit: shop:app (WSGI) against policy.toml (version v1)\n")
    assert "requests to https://www.example.com," in text
    assert "GET /  ->  200, 404\n" in text
    assert "  FAIL tracker  UNDECLARED\n         lifetime: requested session\n" in text
    assert "  ok   _ga_1  Performance (declared as _ga_*)\n" in text
    assert "         no consent:   not set by the app\n" in text
    assert text.endswith(
        "FAIL: 1 problem\n"
        "  GET /  tracker: not declared: add a [[cookies]] entry or stop setting it"
        " [undeclared]\n"
    )


def test_render_json_document() -> None:
    report = new_report(
        notes=("the target is wrapped in CookieWarden; auditing the app inside it",)
    )
    add(report, "/", ["tracker=1; Secure"])
    document = json.loads(render_json(report))
    assert list(document) == [
        "target",
        "kind",
        "policy",
        "policy_version",
        "host",
        "https",
        "notes",
        "ok",
        "paths",
        "problems",
    ]
    assert document["target"] == "shop:app" and document["policy"] == "policy.toml"
    assert document["notes"] == list(report.notes)
    assert document["ok"] is False and document["paths"] == report.paths
    assert render_json(report).endswith("}\n")


# -- running it in-process -----------------------------------------------------------------------

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def cookies_for(path: str, consent: Consent) -> tuple[int, list[str]]:
    """What the test apps answer: ``_ga`` only with consent, as a well-behaved app would."""
    if path == "/boom":
        raise ZeroDivisionError("division by zero")
    if path == "/missing":
        return 404, []
    if path == "/error":
        return 500, []
    out = ["sessionid=1; Path=/; Secure"]
    if consent.allows("performance"):
        out.append("_ga=1; Max-Age=60; Path=/; Secure")
    return 200, out


async def asgi_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            scope["state"]["started"] = True
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    assert scope["state"]["started"]  # lifespan state reaches every request
    status, cookies = cookies_for(scope["path"], scope["state"]["consent"])
    headers = [(b"set-cookie", c.encode()) for c in cookies]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    status, cookies = cookies_for(environ["PATH_INFO"], environ["cookiewarden.consent"])
    start_response(f"{status} X", [("Set-Cookie", c) for c in cookies])
    return [b""]


APPS = [
    pytest.param(Target("t:asgi", asgi_app, "asgi"), id="asgi"),
    pytest.param(Target("t:wsgi", wsgi_app, "wsgi"), id="wsgi"),
]


def audit(target: Target, *paths: str, notes: list[str] | None = None) -> Report:
    return run_audit(
        target,
        POLICY,
        paths,
        policy_file="policy.toml",
        host=HOST,
        https=True,
        now=NOW,
        notify=(notes if notes is not None else []).append,
    )


@pytest.mark.parametrize("target", APPS)
def test_run_audit_requests_as_both_visitors(target: Target) -> None:
    report = audit(target, "/")
    assert report.ok and report.kind == target.kind and report.target == target.spec
    (entry,) = report.paths
    cookies = {c["name"]: c for c in entry["cookies"]}
    assert cookies["_ga"]["visitors"]["no_consent"] == {"set": False}
    assert cookies["_ga"]["visitors"]["accepted_all"]["action"] == "keep"


@pytest.mark.parametrize("target", APPS)
def test_run_audit_warns_on_4xx_and_reports_progress_for_many_paths(target: Target) -> None:
    notes: list[str] = []
    report = audit(target, "/", "/missing", "/", "/", notes=notes)
    assert len(report.paths) == 4
    assert notes == [
        "[1/4] GET /",
        "[2/4] GET /missing",
        "warning: GET /missing answered 404",
        "[3/4] GET /",
        "[4/4] GET /",
    ]


@pytest.mark.parametrize("target", APPS)
@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param("/boom", "GET /boom raised ZeroDivisionError: division by zero", id="raises"),
        pytest.param("/error", "GET /error answered 500", id="server-error"),
    ],
)
def test_run_audit_failing_path_is_one_audit_error(target: Target, path: str, message: str) -> None:
    with pytest.raises(AuditError) as caught:
        audit(target, "/", path)
    assert str(caught.value) == message and caught.value.path == path


def test_run_audit_adds_what_the_app_logged_to_a_bare_server_error() -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            raise RuntimeError("database is down")
        except RuntimeError:
            logging.getLogger("shop").exception("request failed")
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with pytest.raises(AuditError) as caught:
        audit(Target("t:app", app, "asgi"), "/")
    assert str(caught.value) == "GET / answered 500: RuntimeError: database is down"


def test_run_audit_failed_startup_is_one_audit_error() -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    with pytest.raises(AuditError) as caught:
        audit(Target("t:app", app, "asgi"), "/")
    assert str(caught.value) == "the app's startup failed: no database"


# -- loading the target --------------------------------------------------------------------------

APP_MODULE = """\
from cookiewarden import CookieWarden, CookieWardenWSGI, Policy

async def asgi(scope, receive, send):
    pass

class Callable:
    async def __call__(self, scope, receive, send):
        pass

def wsgi(environ, start_response):
    return []

instance = Callable()
wrapped = CookieWarden(asgi, policy=Policy.default(), secret_keys=["k"], consent_log=None)
wrapped_wsgi = CookieWardenWSGI(wsgi, policy=Policy.default(), secret_keys=["k"], consent_log=None)
number = 42
"""


@pytest.fixture
def app_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = "cookiewarden_audit_target"
    (tmp_path / f"{name}.py").write_text(APP_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


@pytest.mark.parametrize(
    ("attribute", "kind", "notes"),
    [
        pytest.param("asgi", "asgi", (), id="coroutine-function"),
        pytest.param("instance", "asgi", (), id="async-call-method"),
        pytest.param("wsgi", "wsgi", (), id="plain-function"),
        pytest.param(
            "wrapped",
            "asgi",
            ("the target is wrapped in CookieWarden; auditing the app inside it",),
            id="unwraps-asgi-middleware",
        ),
        pytest.param(
            "wrapped_wsgi",
            "wsgi",
            ("the target is wrapped in CookieWardenWSGI; auditing the app inside it",),
            id="unwraps-wsgi-middleware",
        ),
    ],
)
def test_load_target(app_module: str, attribute: str, kind: str, notes: tuple[str, ...]) -> None:
    target = load_target(f"{app_module}:{attribute}")
    assert target.kind == kind and target.notes == notes
    assert target.spec == f"{app_module}:{attribute}"
    module = sys.modules[app_module]
    inside = {"wrapped": module.asgi, "wrapped_wsgi": module.wsgi}
    assert target.app is inside.get(attribute, getattr(module, attribute))


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        pytest.param(
            "number",
            "cookiewarden_audit_target:number is not an ASGI or WSGI application"
            " (it is a int object)",
            id="not-callable",
        ),
        pytest.param(
            "nope", "'cookiewarden_audit_target' has no attribute 'nope'", id="no-attribute"
        ),
    ],
)
def test_load_target_errors_in_the_module(app_module: str, attribute: str, message: str) -> None:
    with pytest.raises(AuditError) as caught:
        load_target(f"{app_module}:{attribute}")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("spec", "start"),
    [
        pytest.param("no_colon", "TARGET must look like module:attribute", id="no-colon"),
        pytest.param(":app", "TARGET must look like module:attribute", id="no-module"),
        pytest.param(
            "no_such_module_xyz:app", "cannot import 'no_such_module_xyz'", id="not-found"
        ),
    ],
)
def test_load_target_bad_spec(app_module: str, spec: str, start: str) -> None:
    with pytest.raises(AuditError) as caught:
        load_target(spec)
    assert str(caught.value).startswith(start)
