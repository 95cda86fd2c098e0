"""A framework's settings for cookiewarden, read into the middleware's arguments.

Contract: :func:`read_settings` takes the settings a framework holds — Django's
``COOKIEWARDEN`` dict, Flask's ``COOKIEWARDEN_*`` config keys — keyed by upper-case names
(``POLICY``, ``SECRET_KEYS``, then every option of :class:`~cookiewarden.engine.core.Engine` in
upper case: ``REPORT_ONLY``, ``CONSENT_PATH``...) and returns one checked
:class:`WardenSettings`, which builds the ASGI or WSGI middleware. A mistake raises at once,
naming the setting as the user spelled it (``name``: ``COOKIEWARDEN['SECRT_KEYS']``,
``COOKIEWARDEN_SECRT_KEYS``).

Rules:
1. Every key is known (:data:`SETTINGS`); an unknown one is a mistake, never ignored: a typo in
   ``REPORT_ONLY`` must not silently enforce, nor one in ``CONSENT_PATH`` serve the default.
2. ``POLICY`` and ``SECRET_KEYS`` are required. ``POLICY`` is a path (relative ones resolve
   against ``base``) or a :class:`~cookiewarden.Policy`; ``SECRET_KEYS`` a non-empty list of
   non-empty strings, newest last.
3. Switches are booleans, not strings (``"false"`` is true in Python); ``CONSENT_REQUIRED`` and
   ``ON_DECISION`` are callables or dotted paths to one (``"myproject.consent.needs_opt_in"``),
   imported here.
4. Everything else the middleware checks itself (:func:`~cookiewarden.engine.options
   .check_options`); its errors are raised again under the setting's name.
5. No framework is imported: the homes (:mod:`cookiewarden.django`, :mod:`cookiewarden.flask`)
   read their framework's settings and hand them here.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from .adapters.asgi import CookieWarden
from .adapters.wsgi import CookieWardenWSGI
from .engine.core import Engine
from .errors import ConfigurationError, CookieWardenError
from .rules.policy import Policy

__all__ = ["OPTIONS", "SETTINGS", "WardenSettings", "read_settings"]

OPTIONS: Final = (
    "report_only",
    "consent_path",
    "filter_request_cookies",
    "clear_refused",
    "secure_consent_cookie",
    "trusted_proxies",
    "consent_log",
    "inject_banner",
    "consent_required",
    "on_decision",
    "consent_cookie_domain",
    "consent_sources",
    "clock",
)
"""The middleware's options a framework's settings may give: every keyword of
:class:`~cookiewarden.engine.core.Engine` (``clock``, a callable returning Unix seconds, is for
tests that fix the time)."""

SETTINGS: Final = ("POLICY", "SECRET_KEYS", *(option.upper() for option in OPTIONS))
"""Every setting's key, upper case."""

_SWITCHES: Final = frozenset(
    {"report_only", "filter_request_cookies", "clear_refused", "inject_banner"}
)
_HOOKS: Final = frozenset({"consent_required", "on_decision"})

#: How a framework spells a setting's key to its users: ``"POLICY"`` → ``"COOKIEWARDEN_POLICY"``.
Spelling = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class WardenSettings:
    """Checked settings: what the middleware is built with.

    :param policy: the policy to enforce.
    :param secret_keys: the consent cookie's signing keys, newest last.
    :param options: the middleware's other options, by their keyword (``report_only``...);
        only those the settings give.
    :param policy_file: the file ``policy`` was read from, or ``None`` when the settings gave a
        :class:`~cookiewarden.Policy` (the command line needs a file).

    >>> settings = read_settings({"POLICY": Policy.default(), "SECRET_KEYS": ["k"],
    ...                           "CONSENT_PATH": "/privacy", "CONSENT_LOG": None})
    >>> settings.consent_path
    '/privacy'
    >>> def app(environ, start_response): ...
    >>> settings.wsgi(app).engine.options.consent_path
    '/privacy'
    """

    policy: Policy
    secret_keys: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    policy_file: Path | None = None

    @property
    def consent_path(self) -> str:
        """Where the consent API, the banner and the guard are served."""
        path: str = self.options.get("consent_path", "/_consent")
        return path

    def asgi(self, app: Any) -> CookieWarden:
        """``app`` (ASGI) wrapped by :class:`~cookiewarden.CookieWarden` with these settings."""
        return CookieWarden(
            app, policy=self.policy, secret_keys=list(self.secret_keys), **self.options
        )

    def wsgi(self, app: Any) -> CookieWardenWSGI:
        """``app`` (WSGI) wrapped by :class:`~cookiewarden.CookieWardenWSGI` with these
        settings."""
        return CookieWardenWSGI(
            app, policy=self.policy, secret_keys=list(self.secret_keys), **self.options
        )


def _plain(key: str) -> str:
    return key


def read_settings(
    values: Mapping[str, object], *, name: Spelling = _plain, base: Path | None = None
) -> WardenSettings:
    """Check ``values`` (upper-case keys, rule 1) and return them as :class:`WardenSettings`.

    :param values: the settings, e.g. ``{"POLICY": "cookies.toml", "SECRET_KEYS": [...]}``.
    :param name: how the framework spells a key in messages (``"POLICY"`` →
        ``"COOKIEWARDEN['POLICY']"``).
    :param base: where a relative ``POLICY`` path starts (``None``: the working directory).
    :raises ConfigurationError: naming the setting: an unknown key, a missing ``POLICY`` or
        ``SECRET_KEYS``, a value of the wrong kind, a dotted path that does not import.
    :raises PolicyError: the policy file is missing or invalid (naming the file and the key).

    >>> read_settings({"POLICY": Policy.default(), "SECRET_KEYS": ["k"], "REPORT_ONLY": "no"},
    ...               name=lambda key: f"COOKIEWARDEN_{key}")
    Traceback (most recent call last):
    ...
    cookiewarden.errors.ConfigurationError: COOKIEWARDEN_REPORT_ONLY: expected True or False, ...
    """
    check_keys(values, name=name)
    keys = read_secret_keys(values.get("SECRET_KEYS"), name=name)
    policy, policy_file = read_policy(values.get("POLICY"), name=name, base=base)
    options = read_options(values, name=name)
    try:
        Engine(policy, keys, **options)  # the middleware's own checks (rule 4), once, here
    except ConfigurationError as exc:
        raise respelled(exc, name) from None
    return WardenSettings(policy, keys, MappingProxyType(options), policy_file)


def check_keys(values: Mapping[str, object], *, name: Spelling = _plain) -> None:
    """Refuse a key that is not a setting (rule 1), suggesting the closest one.

    :raises ConfigurationError: naming the unknown key.
    """
    for key in values:
        if key in SETTINGS:
            continue
        text = str(key)
        close = difflib.get_close_matches(text.upper(), SETTINGS, n=1)
        hint = f"did you mean {name(close[0])}? " if close else ""
        raise ConfigurationError(name(text), f"unknown setting; {hint}known: {', '.join(SETTINGS)}")


def read_policy(
    value: object, *, name: Spelling = _plain, base: Path | None = None
) -> tuple[Policy, Path | None]:
    """The ``POLICY`` setting as a :class:`~cookiewarden.Policy`, and the file it came from.

    :raises ConfigurationError: it is missing or neither a path nor a policy.
    :raises PolicyError: the file is missing or invalid.
    """
    if value is None:
        raise ConfigurationError(
            name("POLICY"), "missing: set it to your policy file (TOML), e.g. 'cookies.toml'"
        )
    if isinstance(value, Policy):
        return value, None
    if not isinstance(value, str | os.PathLike):
        raise ConfigurationError(
            name("POLICY"),
            "expected the path of a policy file or a cookiewarden.Policy,"
            f" got {type(value).__name__}",
        )
    path = Path(value)
    if base is not None and not path.is_absolute():
        path = base / path
    return Policy.from_toml(path), path


def read_secret_keys(value: object, *, name: Spelling = _plain) -> tuple[str, ...]:
    """The ``SECRET_KEYS`` setting: a non-empty list of non-empty strings, newest last.

    :raises ConfigurationError: naming the setting (or the one key) that is wrong.
    """
    if value is None:
        raise ConfigurationError(
            name("SECRET_KEYS"),
            "missing: a list of signing keys, newest last (`cookiewarden keygen` makes one)",
        )
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ConfigurationError(
            name("SECRET_KEYS"),
            f'expected a list of strings, newest last, like ["..."], got {type(value).__name__}',
        )
    if not value:
        raise ConfigurationError(
            name("SECRET_KEYS"),
            "empty: add at least one key (`cookiewarden keygen` makes one); without one no"
            " consent can be signed",
        )
    for index, key in enumerate(value):
        if not isinstance(key, str) or not key:
            got = "an empty string" if key == "" else type(key).__name__
            raise ConfigurationError(
                f"{name('SECRET_KEYS')}[{index}]", f"expected a non-empty string, got {got}"
            )
    return tuple(value)


def read_options(values: Mapping[str, object], *, name: Spelling = _plain) -> dict[str, Any]:
    """The middleware's options among ``values``, by keyword; switches checked, hooks imported
    (rule 3).

    :raises ConfigurationError: naming the setting.
    """
    options: dict[str, Any] = {}
    for option in OPTIONS:
        key = option.upper()
        if key not in values:
            continue
        value = values[key]
        if option in _SWITCHES and not isinstance(value, bool):
            raise ConfigurationError(name(key), f"expected True or False, got {value!r}")
        if option == "secure_consent_cookie" and not (value is None or isinstance(value, bool)):
            raise ConfigurationError(
                name(key), f"expected True, False or None (follow the scheme), got {value!r}"
            )
        if option in _HOOKS and isinstance(value, str):
            value = import_dotted(value, setting=name(key))
        options[option] = value
    return options


def import_dotted(path: str, *, setting: str) -> Any:
    """The object a dotted path names: ``"package.module.attribute"`` or
    ``"package.module:attribute"``.

    :raises ConfigurationError: naming ``setting``, when the path does not import.

    >>> import_dotted("os.path.join", setting="X") is os.path.join
    True
    """
    module_name, colon, attribute = path.partition(":")
    if not colon:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise ConfigurationError(
            setting, f"expected a dotted path like 'myproject.consent.needs_opt_in', got {path!r}"
        )
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(setting, f"cannot import {module_name!r}: {exc}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ConfigurationError(
                setting, f"module {module_name!r} has no attribute {attribute!r}"
            ) from None
    return target


def respelled(error: CookieWardenError, name: Spelling) -> CookieWardenError:
    """A middleware :class:`ConfigurationError` under the setting's name
    (``secret_keys[1]`` → ``COOKIEWARDEN_SECRET_KEYS[1]``); other errors as they are."""
    if not isinstance(error, ConfigurationError):
        return error
    option, bracket, rest = error.option.partition("[")
    if option not in OPTIONS and option != "secret_keys":
        return error
    return ConfigurationError(name(option.upper()) + bracket + rest, error.reason)
