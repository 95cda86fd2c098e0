"""``cookiewarden.flask.CookieWardenFlask``: configuration from ``app.config``, the wrapped
``wsgi_app``, the template helpers, and ``flask cookiewarden``, on real Flask apps.

The adapter contract runs against the example (``test_flask.py``), which uses the extension;
this file holds what is Flask's own.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from examples import flask_app
from flask import Flask, g, render_template_string, request

from cookiewarden import ConfigurationError, Policy, PolicyError
from cookiewarden.flask import CookieWardenFlask, get_consent

from .contract import EXAMPLE_POLICY, FIRST

KEY = "test-key-new-9876543210"
PAGE = (
    "{{ cookiewarden_head() }}|{{ 'on' if consent.performance else 'off' }}"
    "|{{ consent.decided }}|{{ cookiewarden_open('Cookies & you') }}"
)
TAGS = (
    f'<script src="/_consent/guard.js?s={FIRST}"></script>'
    '<script src="/_consent/banner.js" defer></script>'
)


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(
        COOKIEWARDEN_POLICY=str(EXAMPLE_POLICY),
        COOKIEWARDEN_SECRET_KEYS=[KEY],
        COOKIEWARDEN_CONSENT_LOG=None,
    )
    app.config.update(config)

    @app.get("/page")
    def page() -> str:
        return render_template_string(PAGE)

    @app.get("/set")
    def set_cookies() -> Any:
        response = app.make_response("set")
        response.set_cookie("sessionid", "s")
        response.set_cookie("_ga", "GA1.1.1.1", max_age=3600)
        return response

    return app


def consent_cookie(mint: Any, *granted: str) -> str:
    return "cw_consent=" + mint(list(granted), key=KEY, issued_at=time.time())


def get(app: Flask, path: str, cookie: str | None = None) -> Any:
    headers = {"Cookie": cookie} if cookie else {}
    return app.test_client(use_cookies=False).get(path, headers=headers)


def test_the_extension_wraps_the_app_and_templates_read_the_consent(mint: Any) -> None:
    app = make_app()
    CookieWardenFlask(app)
    assert get(app, "/page").get_data(as_text=True) == (
        f'{TAGS}|off|False|<button type="button" data-cookiewarden-open>Cookies &amp; you</button>'
    )
    cookie = consent_cookie(mint, "performance")
    assert get(app, "/page", cookie).get_data(as_text=True).split("|")[1:3] == ["on", "True"]


def test_a_refused_cookie_is_dropped(mint: Any) -> None:
    app = make_app()
    CookieWardenFlask(app)
    refused = get(app, "/set").headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in refused] == ["sessionid"]
    allowed = get(app, "/set", consent_cookie(mint, "performance")).headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in allowed] == ["sessionid", "_ga"]


def test_init_app_serves_an_application_factory(mint: Any) -> None:
    ext = CookieWardenFlask()
    app = make_app(COOKIEWARDEN_CONSENT_PATH="/privacy")
    ext.init_app(app)
    assert get(app, "/privacy").get_json()["policy_version"] == "2026-11-01"
    guard = f'<script src="/privacy/guard.js?s={FIRST}"></script>'
    assert guard in get(app, "/page").get_data(as_text=True)


def test_a_relative_policy_path_is_beside_the_app(tmp_path: Path) -> None:
    (tmp_path / "cookies.toml").write_text(EXAMPLE_POLICY.read_text("utf-8"), "utf-8")
    app = make_app(COOKIEWARDEN_POLICY="cookies.toml")
    app.root_path = str(tmp_path)
    CookieWardenFlask(app)
    assert app.extensions["cookiewarden"].settings.policy_file == tmp_path / "cookies.toml"


def test_a_policy_object_is_enforced_as_given() -> None:
    app = make_app(COOKIEWARDEN_POLICY=Policy.default())
    CookieWardenFlask(app)
    assert [c.split("=")[0] for c in get(app, "/set").headers.getlist("Set-Cookie")] == []


@pytest.mark.parametrize(
    ("config", "error", "names", "says"),
    [
        pytest.param(
            {"COOKIEWARDEN_SECRET": "k"},
            ConfigurationError,
            "COOKIEWARDEN_SECRET",
            "did you mean COOKIEWARDEN_SECRET_KEYS?",
            id="unknown-key",
        ),
        pytest.param(
            {"COOKIEWARDEN_SECRET_KEYS": []},
            ConfigurationError,
            "COOKIEWARDEN_SECRET_KEYS",
            "empty",
            id="empty-keys",
        ),
        pytest.param(
            {"COOKIEWARDEN_POLICY": "/no/such/cookies.toml"},
            PolicyError,
            "/no/such/cookies.toml",
            "no such file",
            id="missing-policy",
        ),
        pytest.param(
            {"COOKIEWARDEN_REPORT_ONLY": "0"},
            ConfigurationError,
            "COOKIEWARDEN_REPORT_ONLY",
            "True or False",
            id="switch-as-text",
        ),
        pytest.param(
            {"COOKIEWARDEN": {"POLICY": "x"}},
            ConfigurationError,
            "COOKIEWARDEN",
            "one key per setting",
            id="a-django-style-dict",
        ),
    ],
)
def test_a_config_mistake_raises_in_init_app_naming_the_key(
    config: dict[str, Any], error: type[Exception], names: str, says: str
) -> None:
    app = make_app(**config)
    with pytest.raises(error) as info:
        CookieWardenFlask(app)
    assert str(info.value).startswith(names + ":") and says in str(info.value)
    assert "cookiewarden" not in app.extensions


def test_the_extension_sets_an_app_up_once() -> None:
    app = make_app()
    ext = CookieWardenFlask(app)
    with pytest.raises(ConfigurationError, match="set up already"):
        ext.init_app(app)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param("g", "from-g", id="g-csp-nonce"),
        pytest.param("request", "from-talisman", id="request-csp-nonce"),
        pytest.param("both", "from-g", id="g-first"),
    ],
)
def test_the_head_carries_the_pages_nonce(where: str, expected: str) -> None:
    app = make_app()
    CookieWardenFlask(app)

    @app.before_request
    def nonce() -> None:
        if where in ("g", "both"):
            g.csp_nonce = "from-g"
        if where in ("request", "both"):
            request.csp_nonce = "from-talisman"  # type: ignore[attr-defined]

    page = get(app, "/page").get_data(as_text=True)
    guard = f'<script src="/_consent/guard.js?s={FIRST}" nonce="{expected}"></script>'
    assert page.startswith(guard)


def test_a_nonce_passed_to_the_head_wins() -> None:
    app = make_app()
    CookieWardenFlask(app)
    with app.test_request_context("/"):
        g.csp_nonce = "from-g"
        html = render_template_string("{{ cookiewarden_head(nonce='given') }}")
    assert 'nonce="given"' in html and "from-g" not in html


def test_outside_a_request_the_consent_is_undecided() -> None:
    app = make_app()
    CookieWardenFlask(app)
    with app.app_context():
        assert get_consent().granted == frozenset({"necessary"})
        assert render_template_string("{{ consent.decided }}") == "False"


def test_an_app_without_the_extension_is_told_to_set_it_up() -> None:
    with make_app().app_context(), pytest.raises(ConfigurationError, match="CookieWardenFlask"):
        get_consent()


# -- flask cookiewarden ----------------------------------------------------------------------------


def invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["cookiewarden", *args])


def test_declare_renders_the_apps_policy() -> None:
    result = invoke(flask_app.app, "declare", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == "2026-11-01"


def test_audit_requests_the_app_where_it_is_bound() -> None:
    result = invoke(flask_app.app, "audit", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["target"] == "examples.flask_app:app" and report["ok"] is True
    assert "wsgi_app is wrapped in CookieWardenWSGI" in result.stderr


def test_audit_of_a_leaky_app_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "fixtures"))
    result = invoke(flask_app.app, "audit", "leaky_app:wsgi_app")
    assert result.exit_code == 1
    assert "tracker_xyz" in result.stdout


def test_scan_judges_by_the_apps_policy() -> None:
    # The URL is refused only once the policy has loaded (else: "scan needs the policy").
    result = invoke(flask_app.app, "scan", "ftp://example.com/")
    assert result.exit_code == 2
    assert "'ftp://example.com/' is not an http(s) URL" in result.stderr


def test_audit_of_a_factory_app_asks_for_the_target() -> None:
    app = make_app()
    CookieWardenFlask(app)
    result = invoke(app, "audit")
    assert result.exit_code == 2
    assert "name one, e.g. flask cookiewarden audit mysite.wsgi:app" in result.stderr


def test_a_policy_object_cannot_be_declared() -> None:
    app = make_app(COOKIEWARDEN_POLICY=Policy.default())
    CookieWardenFlask(app)
    result = invoke(app, "declare")
    assert result.exit_code == 2
    assert "COOKIEWARDEN_POLICY is a Policy object" in result.stderr
