"""``cookiewarden.django`` in the example project (``examples/django_project``), in process.

The project lists ``"cookiewarden.django"`` in ``INSTALLED_APPS``, configures it with
``COOKIEWARDEN`` and wraps ``asgi.py``/``wsgi.py`` with :func:`cookiewarden.django.asgi` /
:func:`~cookiewarden.django.wsgi`. Its page is a template with ``{% cookiewarden_head %}``,
``{% cookiewarden_open %}`` and ``{% if consent.performance %}``. Settings other than the
project's are given with ``override_settings`` (the app forgets its cached settings on
``setting_changed``); ``manage.py check`` runs per settings variant in
``test_django_checks.py``.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.asgi import get_asgi_application
from django.core.management import CommandError, call_command
from django.core.wsgi import get_wsgi_application
from django.template import Context, RequestContext, Template
from django.test import RequestFactory, override_settings
from django.utils.safestring import mark_safe

import cookiewarden.django
from cookiewarden import ConfigurationError, Consent, PolicyError
from cookiewarden.tools.delegate import run

from .contract import EXAMPLE_POLICY, FIRST, Client, asgi_httpx_client, wsgi_client

pytestmark = pytest.mark.usefixtures("django_project")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEAD = (
    f'<script src="/_consent/guard.js?s={FIRST}"></script>'
    '<script src="/_consent/banner.js" defer></script>'
)


def settings_with(**changes: object) -> dict[str, object]:
    """The example project's ``COOKIEWARDEN``, changed."""
    from django.conf import settings

    return {**settings.COOKIEWARDEN, **changes}


def project_key() -> str:
    from django.conf import settings

    key: str = settings.COOKIEWARDEN["SECRET_KEYS"][-1]
    return key


@pytest.fixture(params=["asgi", "wsgi"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, Client]]:
    """The project as shipped, under ASGI (``asgi.application``) or WSGI (``wsgi.application``)."""
    if request.param == "asgi":
        from examples.django_project.asgi import application as asgi_app

        yield "asgi", asgi_httpx_client(asgi_app)
    else:
        from examples.django_project.wsgi import application as wsgi_app

        yield "wsgi", wsgi_client(wsgi_app)


def test_the_entry_points_are_built_from_the_settings() -> None:
    from examples.django_project.asgi import application as asgi_app
    from examples.django_project.wsgi import application as wsgi_app

    for app in (asgi_app, wsgi_app):
        assert app.engine.policy == cookiewarden.django.warden_settings().policy
        assert app.engine.sink is None  # CONSENT_LOG is unset in the tests' environment
    assert isinstance(asgi_app, cookiewarden.CookieWarden)
    assert isinstance(wsgi_app, cookiewarden.CookieWardenWSGI)


def test_the_page_reads_the_consent_and_carries_the_tags(
    served: tuple[str, Client], mint: Any
) -> None:
    _, client = served
    page = client("GET", "/", headers=[], body=b"")
    assert HEAD in page.text
    assert "Analytics: not allowed." in page.text
    assert '<button type="button" data-cookiewarden-open>Cookie settings</button>' in page.text
    cookie = "cw_consent=" + mint(["performance"], key=project_key(), issued_at=time.time())
    allowed = client("GET", "/", headers=[("cookie", cookie)], body=b"")
    assert "Analytics: allowed." in allowed.text
    assert allowed.names() == ["sessionid", "_ga"]


def test_get_consent_reads_the_consent_under_either_server(
    served: tuple[str, Client], mint: Any
) -> None:
    _, client = served
    cookie = "cw_consent=" + mint(["targeting"], key=project_key(), issued_at=time.time())
    seen = client("GET", "/whoami", headers=[("cookie", cookie)], body=b"").json()
    assert seen["granted"] == ["necessary", "targeting"] and seen["decided"] is True


@pytest.mark.parametrize("bare", [get_asgi_application, get_wsgi_application], ids=["asgi", "wsgi"])
def test_a_request_the_middleware_did_not_see_has_the_undecided_consent(
    bare: Any, mint: Any
) -> None:
    client = asgi_httpx_client(bare()) if bare is get_asgi_application else wsgi_client(bare())
    cookie = "cw_consent=" + mint(["performance"], key=project_key(), issued_at=time.time())
    seen = client("GET", "/whoami", headers=[("cookie", cookie)], body=b"").json()
    assert (seen["granted"], seen["decided"]) == (["necessary"], False)
    page = client("GET", "/", headers=[("cookie", cookie)], body=b"")
    assert "Analytics: not allowed." in page.text


# -- the template tags and the context processor --------------------------------------------------


def render(source: str, request: Any = None, **context: Any) -> str:
    template = Template("{% load cookiewarden %}" + source)
    if request is None:
        return template.render(Context(context))
    return template.render(RequestContext(request, context))


class Nonce:
    """django-csp's ``request.csp_nonce``: lazy, and false until it is read."""

    def __init__(self, value: str) -> None:
        self.value, self.read = value, False

    def __bool__(self) -> bool:
        return self.read

    def __str__(self) -> str:
        self.read = True
        return self.value


@pytest.mark.parametrize(
    ("source", "nonce", "context", "expected"),
    [
        pytest.param("{% cookiewarden_head %}", None, {}, None, id="no-nonce"),
        pytest.param("{% cookiewarden_head %}", Nonce("r3q"), {}, "r3q", id="django-csp-lazy"),
        pytest.param("{% cookiewarden_head %}", None, {"csp_nonce": "ctx"}, "ctx", id="context"),
        pytest.param("{% cookiewarden_head nonce='own' %}", Nonce("r3q"), {}, "own", id="given"),
    ],
)
def test_the_head_tag_carries_the_requests_nonce(
    source: str, nonce: Nonce | None, context: dict[str, Any], expected: str | None
) -> None:
    request = RequestFactory().get("/")
    if nonce is not None:
        request.csp_nonce = nonce
    html = render(source, request, **context)
    if expected is None:
        assert html == HEAD
    else:
        assert html == (
            f'<script src="/_consent/guard.js?s={FIRST}" nonce="{expected}"></script>'
            f'<script src="/_consent/banner.js" defer nonce="{expected}"></script>'
        )


def test_django_csps_nonce_is_in_the_header_and_on_the_tags() -> None:
    from csp.constants import NONCE, SELF

    policy = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    with override_settings(
        MIDDLEWARE=["csp.middleware.CSPMiddleware"], CONTENT_SECURITY_POLICY=policy
    ):
        client = wsgi_client(cookiewarden.django.wsgi(get_wsgi_application()))
        page = client("GET", "/", headers=[], body=b"")
    found = re.search(r"'nonce-([^']+)'", page.header("Content-Security-Policy") or "")
    assert found is not None, page.headers
    nonce = found.group(1)
    assert (
        f'<script src="/_consent/guard.js?s={FIRST}" nonce="{nonce}"></script>'
        f'<script src="/_consent/banner.js" defer nonce="{nonce}"></script>'
    ) in page.text


def test_the_head_tag_follows_the_consent_path_setting() -> None:
    with override_settings(COOKIEWARDEN=settings_with(CONSENT_PATH="/privacy")):
        assert render("{% cookiewarden_head %}") == (
            '<script src="/privacy/guard.js"></script>'  # no request: no state to name
            '<script src="/privacy/banner.js" defer></script>'
        )
    # The change is forgotten with the override.
    assert render("{% cookiewarden_head %}") == HEAD.replace(f"?s={FIRST}", "")


@pytest.mark.parametrize(
    ("source", "context", "label"),
    [
        pytest.param(
            '{% cookiewarden_open "Cookie settings" %}', {}, "Cookie settings", id="plain"
        ),
        pytest.param("{% cookiewarden_open %}", {}, "Cookie settings", id="default"),
        pytest.param(
            "{% cookiewarden_open label %}",
            {"label": "Cookies & <you>"},
            "Cookies &amp; &lt;you&gt;",
            id="escaped",
        ),
        pytest.param(
            "{% cookiewarden_open label %}",
            {"label": mark_safe("<b>Cookies</b>")},
            "<b>Cookies</b>",
            id="safe-kept",
        ),
    ],
)
def test_the_open_tag_is_a_button_with_the_escaped_label(
    source: str, context: dict[str, Any], label: str
) -> None:
    assert render(source, **context) == (
        f'<button type="button" data-cookiewarden-open>{label}</button>'
    )


def test_the_consent_processor_reads_the_wsgi_environ() -> None:
    consent = Consent(frozenset({"necessary", "functionality"}), True, "2026-11-01", "c0nsent-id")
    request = RequestFactory().get("/", **{"cookiewarden.consent": consent})
    source = (
        "{% if consent.functionality %}f{% endif %}{% if consent.performance %}p{% endif %}"
        "{% if consent.ads %}a{% endif %}{{ consent.decided }}"
        "{% for key, on in consent.items %} {{ key }}={{ on }}{% endfor %}"
    )
    assert render(source, request) == (
        "fTrue necessary=True performance=False functionality=True targeting=False"
    )


def test_the_consent_processor_without_the_middleware_is_undecided() -> None:
    request = RequestFactory().get("/")
    assert render("{{ consent.decided }} {{ consent.granted|join:',' }}", request) == (
        "False necessary"
    )


# -- the settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "error", "names", "says"),
    [
        pytest.param(lambda: None, ConfigurationError, "COOKIEWARDEN", "missing", id="missing"),
        pytest.param(
            lambda: ["POLICY"],
            ConfigurationError,
            "COOKIEWARDEN",
            "expected a dict",
            id="not-a-dict",
        ),
        pytest.param(
            lambda: settings_with(SECRT_KEYS=["k"]),
            ConfigurationError,
            "COOKIEWARDEN['SECRT_KEYS']",
            "did you mean COOKIEWARDEN['SECRET_KEYS']",
            id="unknown-key",
        ),
        pytest.param(
            lambda: settings_with(SECRET_KEYS=[]),
            ConfigurationError,
            "COOKIEWARDEN['SECRET_KEYS']",
            "empty",
            id="empty-keys",
        ),
        pytest.param(
            lambda: settings_with(REPORT_ONLY="yes"),
            ConfigurationError,
            "COOKIEWARDEN['REPORT_ONLY']",
            "True or False",
            id="switch",
        ),
        pytest.param(
            lambda: settings_with(POLICY="/no/such/cookies.toml"),
            PolicyError,
            "/no/such/cookies.toml",
            "no such file",
            id="missing-policy",
        ),
    ],
)
def test_a_settings_mistake_raises_when_the_app_is_built(
    setting: Callable[[], object], error: type[Exception], names: str, says: str
) -> None:
    with override_settings(COOKIEWARDEN=setting()), pytest.raises(error) as info:
        cookiewarden.django.asgi(get_asgi_application())
    message = str(info.value)
    assert message.startswith(names) and says in message
    assert cookiewarden.django.wsgi(get_wsgi_application()).engine  # fine again afterwards


def test_hooks_are_imported_from_dotted_paths() -> None:
    hook = "cookiewarden.django.conf.get_consent"  # any importable callable will do
    with override_settings(COOKIEWARDEN=settings_with(CONSENT_REQUIRED=hook)):
        engine = cookiewarden.django.wsgi(get_wsgi_application()).engine
    assert engine.consent_required is cookiewarden.django.get_consent


# -- manage.py cookiewarden ----------------------------------------------------------------------


def command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("cookiewarden", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_declare_renders_the_projects_policy(capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = command("declare", "--format", "json")
    assert run(["declare", str(EXAMPLE_POLICY), "--format", "json"]) == 0
    assert json.loads(out) == json.loads(capsys.readouterr().out)


def test_declare_links_the_projects_consent_path() -> None:
    with override_settings(COOKIEWARDEN=settings_with(CONSENT_PATH="/privacy")):
        out, _ = command("declare")
    assert "consent API at `/privacy`" in out


def test_audit_requests_the_projects_own_app() -> None:
    out, err = command("audit", "--format", "json")
    report = json.loads(out)
    assert report["target"] == "examples.django_project.wsgi:application"
    assert report["ok"] is True
    assert {c["name"] for p in report["paths"] for c in p["cookies"]} == {
        "sessionid",
        "_ga",
        "lang",
        "ads_id",
    }
    assert "auditing the app inside it" in err


def test_audit_asks_as_a_host_the_project_allows() -> None:
    with override_settings(ALLOWED_HOSTS=["www.example.com"], DEBUG=False):
        out, _ = command("audit", "--format", "json")
    report = json.loads(out)
    assert report["host"] == "www.example.com"
    assert [p["status"] for p in report["paths"]] == [{"no_consent": 200, "accepted_all": 200}]


def test_audit_of_a_leaky_app_fails_with_the_audits_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(FIXTURES))
    with pytest.raises(CommandError) as info:
        command("audit", "leaky_app:wsgi_app")
    assert info.value.returncode == 1


def test_scan_judges_by_the_projects_policy() -> None:
    # The URL is refused only once the policy has loaded: without it the scan would ask for
    # --policy instead.
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("cookiewarden", "scan", "ftp://example.com/", stdout=out, stderr=err)
    assert info.value.returncode == 2
    assert "'ftp://example.com/' is not an http(s) URL" in err.getvalue()


def test_a_policy_object_cannot_be_declared() -> None:
    from cookiewarden import Policy

    with (
        override_settings(COOKIEWARDEN=settings_with(POLICY=Policy.default())),
        pytest.raises(CommandError, match="needs its file"),
    ):
        command("declare")
