"""cookiewarden at home in Flask: the ``CookieWardenFlask`` extension.

Contract: ``CookieWardenFlask(app)`` (or ``ext = CookieWardenFlask(); ext.init_app(app)``) reads
``app.config["COOKIEWARDEN_POLICY"]`` (a path, relative to ``app.root_path``, or a
:class:`~cookiewarden.Policy`), ``["COOKIEWARDEN_SECRET_KEYS"]`` and every option of the
middleware as ``COOKIEWARDEN_<NAME>`` (``COOKIEWARDEN_REPORT_ONLY``...); wraps ``app.wsgi_app``
in :class:`~cookiewarden.CookieWardenWSGI`; gives templates ``consent`` (a
:class:`~cookiewarden.templating.ConsentView`), ``cookiewarden_head()`` and
``cookiewarden_open(label)``; and adds ``flask cookiewarden declare|audit|scan``.

Rules:
1. Configuration is read and checked in ``init_app``; a mistake raises there, naming the
   config key (:mod:`cookiewarden.configuration`). An unknown ``COOKIEWARDEN_*`` key is one.
2. The consent is the middleware's (``request.environ["cookiewarden.consent"]``); outside a
   request, or for a request the middleware did not see, it is the policy's undecided consent.
3. ``cookiewarden_head()`` carries the page's CSP nonce: the one passed, else ``g.csp_nonce``
   (set it in a ``before_request``), else ``request.csp_nonce`` (Flask-Talisman's).
4. The commands run the ``cookiewarden`` command with the app's policy file filled in; ``audit``
   requests this app, named ``module:attribute`` by where it is bound (or as passed).

May import: anything of the package (it stands above :mod:`cookiewarden.tools`), and Flask.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask.cli import AppGroup
from markupsafe import Markup

from .adapters.wsgi import CookieWardenWSGI
from .configuration import WardenSettings, read_settings
from .errors import ConfigurationError
from .rules.consent import Consent
from .templating import ConsentView, head_markup, open_button
from .tools.delegate import command_line, run

__all__ = [
    "EXTENSION",
    "PREFIX",
    "CookieWardenFlask",
    "cli",
    "cookiewarden_head",
    "cookiewarden_open",
    "get_consent",
]

PREFIX = "COOKIEWARDEN_"
"""The prefix of every config key the extension reads."""

EXTENSION = "cookiewarden"
"""The extension's key in ``app.extensions``."""

ENVIRON_KEY = "cookiewarden.consent"


@dataclass(frozen=True, slots=True)
class _State:
    settings: WardenSettings
    middleware: CookieWardenWSGI


def _spell(key: str) -> str:
    return PREFIX + key


def _settings_of(config: Mapping[str, Any]) -> dict[str, object]:
    """The ``COOKIEWARDEN_*`` keys without their prefix (rule 1)."""
    if "COOKIEWARDEN" in config:
        raise ConfigurationError(
            "COOKIEWARDEN",
            "Flask reads one key per setting: COOKIEWARDEN_POLICY, COOKIEWARDEN_SECRET_KEYS...",
        )
    return {key[len(PREFIX) :]: value for key, value in config.items() if key.startswith(PREFIX)}


class CookieWardenFlask:
    """The Flask extension: enforcement, template helpers and commands from ``app.config``.

    :param app: the app to set up now; or call :meth:`init_app` later (application factories).
    :raises ConfigurationError: a config key is wrong, named as ``COOKIEWARDEN_<NAME>``.
    :raises PolicyError: the policy file is missing or invalid.

    Usage::

        app = Flask(__name__)
        app.config["COOKIEWARDEN_POLICY"] = "cookies.toml"        # beside the app's module
        app.config["COOKIEWARDEN_SECRET_KEYS"] = [os.environ["COOKIEWARDEN_SECRET"]]
        CookieWardenFlask(app)
    """

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read ``app.config``, wrap ``app.wsgi_app``, add the template helpers and commands.

        :raises ConfigurationError: a config key is wrong, or the app is set up already.
        """
        if EXTENSION in app.extensions:
            raise ConfigurationError(
                "CookieWardenFlask", "this app is set up already: call init_app once per app"
            )
        settings = read_settings(_settings_of(app.config), name=_spell, base=Path(app.root_path))
        middleware = settings.wsgi(app.wsgi_app)
        app.wsgi_app = middleware  # type: ignore[method-assign]
        app.extensions[EXTENSION] = _State(settings, middleware)
        app.jinja_env.globals.update(
            cookiewarden_head=cookiewarden_head, cookiewarden_open=cookiewarden_open
        )
        app.context_processor(_consent_context)
        app.cli.add_command(cli)


def _state() -> _State:
    state = current_app.extensions.get(EXTENSION)
    if not isinstance(state, _State):
        raise ConfigurationError(
            "CookieWardenFlask", "not set up on this app: call CookieWardenFlask(app) first"
        )
    return state


def get_consent() -> Consent:
    """The current visitor's :class:`~cookiewarden.Consent` (rule 2).

    :raises ConfigurationError: the app was not set up with :class:`CookieWardenFlask`.

    Usage, in a view::

        if get_consent().allows("performance"):
            ...
    """
    if has_request_context():
        consent = request.environ.get(ENVIRON_KEY)
        if isinstance(consent, Consent):
            return consent
    return Consent.undecided(_state().settings.policy)


def _consent_context() -> dict[str, ConsentView]:
    return {"consent": ConsentView.of(get_consent(), _state().settings.policy)}


def _nonce() -> object:
    """The page's CSP nonce (rule 3), or ``None``."""
    nonce = g.get("csp_nonce") if has_app_context() else None
    if nonce is None and has_request_context():
        nonce = getattr(request, "csp_nonce", None)
    return nonce


def cookiewarden_head(nonce: str | None = None) -> Markup:
    """The guard's and the banner's ``<script>`` tags for ``<head>``, with the CSP nonce.

    Usage, in a template: ``<head>{{ cookiewarden_head() }} ...</head>``.
    """
    settings = _state().settings
    return Markup(
        head_markup(
            settings.consent_path,
            nonce=nonce or _nonce(),
            policy=settings.policy,
            consent=get_consent(),
        )
    )


def cookiewarden_open(label: str = "Cookie settings") -> Markup:
    """A ``<button>`` that opens the consent banner again, with the escaped ``label``.

    Usage, in a template: ``{{ cookiewarden_open("Cookie settings") }}``.
    """
    return Markup(open_button(label))


def _bound_name(app: Flask) -> str | None:
    """``module:attribute`` where ``app`` is bound in its own module, or ``None`` (rule 4)."""
    module = sys.modules.get(app.import_name)
    for attribute, value in vars(module).items() if module is not None else ():
        if value is app:
            return f"{app.import_name}:{attribute}"
    return None


cli = AppGroup(
    "cookiewarden",
    help="The cookiewarden command with this app's policy (COOKIEWARDEN_POLICY) filled in.",
)
_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


def _delegate(tool: str, args: tuple[str, ...]) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = _state().settings
    if settings.policy_file is None and tool != "scan":
        raise click.UsageError(
            f"{PREFIX}POLICY is a Policy object; `flask cookiewarden {tool}` needs its file:"
            f" set {PREFIX}POLICY to the policy file's path"
        )
    try:
        argv = command_line(
            tool,
            list(args),
            policy_file=settings.policy_file or "",
            consent_path=settings.consent_path,
            target=_bound_name(app),
        )
    except ValueError:
        raise click.UsageError(
            "this app is bound to no module attribute (an app factory?): name one, e.g."
            " flask cookiewarden audit mysite.wsgi:app"
        ) from None
    code = run(argv)
    if code:
        raise click.exceptions.Exit(code)


@cli.command("declare", context_settings=_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def declare(args: tuple[str, ...]) -> None:
    """The cookie declaration of this app's policy (`cookiewarden declare` options)."""
    _delegate("declare", args)


@cli.command("audit", context_settings=_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def audit(args: tuple[str, ...]) -> None:
    """Request this app and judge its cookies against its policy; exit 1 on a problem
    (`cookiewarden audit` options: --path, --format, --host, --https)."""
    _delegate("audit", args)


@cli.command("scan", context_settings=_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def scan(args: tuple[str, ...]) -> None:
    """`cookiewarden scan`, with these arguments."""
    _delegate("scan", args)
