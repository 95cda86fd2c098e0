"""``cookiewarden.configuration``: a framework's settings read into the middleware's arguments.

Every mistake raises at once and names the setting as the framework spells it; every option
given reaches the middleware.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from cookiewarden import ConfigurationError, Policy, PolicyError
from cookiewarden.configuration import OPTIONS, SETTINGS, WardenSettings, read_settings
from cookiewarden.engine.core import Engine

POLICY_PATH = Path(__file__).resolve().parents[1] / "examples" / "policy.toml"
KEY = "test-key-new-9876543210"


def flask_name(key: str) -> str:
    return f"COOKIEWARDEN_{key}"


def needs_opt_in(request: Any) -> bool:
    """A ``consent_required`` hook the settings name by its dotted path."""
    return True


def good(**extra: object) -> dict[str, object]:
    return {"POLICY": POLICY_PATH, "SECRET_KEYS": [KEY], "CONSENT_LOG": None, **extra}


def test_the_options_are_every_keyword_of_the_engine() -> None:
    keywords = [
        name
        for name, parameter in inspect.signature(Engine.__init__).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    assert list(OPTIONS) == keywords
    assert ("POLICY", "SECRET_KEYS", *(k.upper() for k in keywords)) == SETTINGS


@pytest.mark.parametrize(
    ("values", "setting", "says"),
    [
        pytest.param(
            good(SECRT_KEYS=["x"]),
            "COOKIEWARDEN_SECRT_KEYS",
            "unknown setting; did you mean COOKIEWARDEN_SECRET_KEYS?",
            id="unknown-key-suggests",
        ),
        pytest.param(
            good(report_only=True), "COOKIEWARDEN_report_only", "did you mean", id="lower-case"
        ),
        pytest.param({"SECRET_KEYS": [KEY]}, "COOKIEWARDEN_POLICY", "missing", id="no-policy"),
        pytest.param(good(POLICY=42), "COOKIEWARDEN_POLICY", "got int", id="policy-of-no-kind"),
        pytest.param({"POLICY": POLICY_PATH}, "COOKIEWARDEN_SECRET_KEYS", "missing", id="no-keys"),
        pytest.param(good(SECRET_KEYS=[]), "COOKIEWARDEN_SECRET_KEYS", "empty", id="empty-keys"),
        pytest.param(
            good(SECRET_KEYS="one-key"), "COOKIEWARDEN_SECRET_KEYS", "list", id="a-single-string"
        ),
        pytest.param(
            good(SECRET_KEYS=[KEY, ""]), "COOKIEWARDEN_SECRET_KEYS[1]", "empty", id="empty-key"
        ),
        pytest.param(
            good(REPORT_ONLY="false"), "COOKIEWARDEN_REPORT_ONLY", "True or False", id="switch-str"
        ),
        pytest.param(
            good(SECURE_CONSENT_COOKIE="auto"),
            "COOKIEWARDEN_SECURE_CONSENT_COOKIE",
            "None",
            id="secure-str",
        ),
        pytest.param(
            good(CONSENT_REQUIRED="no_such_module_here.hook"),
            "COOKIEWARDEN_CONSENT_REQUIRED",
            "cannot import 'no_such_module_here'",
            id="hook-module-missing",
        ),
        pytest.param(
            good(ON_DECISION="os.path.no_such_function"),
            "COOKIEWARDEN_ON_DECISION",
            "has no attribute 'no_such_function'",
            id="hook-attribute-missing",
        ),
        pytest.param(
            good(ON_DECISION="nodots"), "COOKIEWARDEN_ON_DECISION", "dotted path", id="not-dotted"
        ),
        pytest.param(
            good(ON_DECISION=42), "COOKIEWARDEN_ON_DECISION", "callable", id="hook-not-callable"
        ),
        pytest.param(
            good(CONSENT_PATH="consent/"),
            "COOKIEWARDEN_CONSENT_PATH",
            "absolute path",
            id="middleware-check-respelled",
        ),
        pytest.param(
            good(CONSENT_SOURCES=["klaro"]),
            "COOKIEWARDEN_CONSENT_SOURCES",
            "must include 'cookiewarden'",
            id="sources-respelled",
        ),
        pytest.param(
            good(CONSENT_LOG="mysql://db"), "COOKIEWARDEN_CONSENT_LOG", "unsupported", id="log-url"
        ),
    ],
)
def test_a_mistake_names_the_setting(values: dict[str, object], setting: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        read_settings(values, name=flask_name)
    assert info.value.option == setting
    assert says in info.value.reason


@pytest.mark.parametrize(
    ("policy", "says"),
    [
        pytest.param("no-such-policy.toml", "no such file", id="missing-file"),
        pytest.param("broken.toml", "not valid TOML", id="not-toml"),
        pytest.param("invalid.toml", "unknown", id="invalid-policy"),
    ],
)
def test_a_bad_policy_file_raises_policy_error_naming_the_file(
    tmp_path: Path, policy: str, says: str
) -> None:
    (tmp_path / "broken.toml").write_text("version = \n", "utf-8")
    (tmp_path / "invalid.toml").write_text(
        POLICY_PATH.read_text("utf-8").replace('unknown = "block"', 'unknown = "maybe"'), "utf-8"
    )
    with pytest.raises(PolicyError) as info:
        read_settings(good(POLICY=policy), base=tmp_path)
    assert info.value.source == str(tmp_path / policy)
    assert says in str(info.value)


def test_a_relative_policy_path_starts_at_base(tmp_path: Path) -> None:
    (tmp_path / "cookies.toml").write_text(POLICY_PATH.read_text("utf-8"), "utf-8")
    settings = read_settings(good(POLICY="cookies.toml"), base=tmp_path)
    assert settings.policy_file == tmp_path / "cookies.toml"
    assert settings.policy == Policy.from_toml(POLICY_PATH)


def test_a_policy_object_is_taken_as_it_is() -> None:
    policy = Policy.default()
    settings = read_settings(good(POLICY=policy))
    assert settings.policy is policy and settings.policy_file is None


def test_every_option_given_reaches_the_middleware(clock: Any) -> None:
    def on_decision(event: Any) -> None:
        return None

    settings = read_settings(
        good(
            REPORT_ONLY=True,
            CONSENT_PATH="/privacy",
            FILTER_REQUEST_COOKIES=False,
            CLEAR_REFUSED=False,
            SECURE_CONSENT_COOKIE=True,
            TRUSTED_PROXIES=2,
            INJECT_BANNER=True,
            CONSENT_REQUIRED=f"{__name__}.needs_opt_in",
            ON_DECISION=on_decision,
            CONSENT_COOKIE_DOMAIN="example.com",
            CONSENT_SOURCES=["cookiewarden", "klaro"],
            CLOCK=clock,
        )
    )
    engine = settings.asgi(lambda *a: None).engine
    options = engine.options
    assert (options.report_only, options.consent_path, options.trusted_proxies) == (
        True,
        "/privacy",
        2,
    )
    assert not options.filter_request_cookies and not options.clear_refused
    assert options.secure_consent_cookie is True
    assert engine.inject_banner is True
    assert engine.consent_required is needs_opt_in
    assert engine.on_decision is on_decision
    assert options.consent_cookie_domain == "example.com"
    assert options.consent_sources == ("cookiewarden", "klaro")
    assert engine.clock is clock
    assert engine.sink is None  # CONSENT_LOG None
    assert settings.consent_path == "/privacy"


def test_the_wsgi_middleware_is_built_from_the_same_settings() -> None:
    settings = read_settings(good(CONSENT_PATH="/privacy"))

    def app(environ: Any, start_response: Any) -> list[bytes]:
        return []

    middleware = settings.wsgi(app)
    assert middleware.app is app
    assert middleware.engine.options.consent_path == "/privacy"
    assert middleware.engine.policy == settings.policy


def test_the_settings_cannot_change() -> None:
    settings = read_settings(good(REPORT_ONLY=True))
    assert isinstance(settings, WardenSettings)
    with pytest.raises(TypeError):
        settings.options["report_only"] = False  # type: ignore[index]
    assert settings.consent_path == "/_consent"
