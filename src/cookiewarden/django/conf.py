"""The ``COOKIEWARDEN`` setting of a Django project, read once and checked.

Contract: :func:`warden_settings` returns the project's
:class:`~cookiewarden.configuration.WardenSettings`, read from ``settings.COOKIEWARDEN`` (a dict
of upper-case keys: ``POLICY``, ``SECRET_KEYS`` and the middleware's options), or raises
:class:`~cookiewarden.errors.ConfigurationError` / :class:`~cookiewarden.errors.PolicyError`
naming the key as the project spells it (``COOKIEWARDEN['SECRET_KEYS']``). :func:`get_consent`
finds the visitor's consent on a Django request, under ASGI or WSGI.

Rules:
1. The settings are read on first use and kept; Django's ``setting_changed`` signal (sent by
   ``override_settings``) forgets them.
2. A request the middleware did not see has the undecided consent of the configured policy:
   only the necessary categories, whatever the policy's ``mode`` (fail closed).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django import conf as django_conf
from django.core.signals import setting_changed

from ..configuration import WardenSettings, read_settings
from ..errors import ConfigurationError
from ..rules.consent import Consent

__all__ = ["ENVIRON_KEY", "SETTING", "get_consent", "raw_settings", "spell", "warden_settings"]

SETTING = "COOKIEWARDEN"
"""The name of the project setting."""

ENVIRON_KEY = "cookiewarden.consent"
"""Where :class:`~cookiewarden.CookieWardenWSGI` puts the consent in the WSGI environ
(``request.META``)."""

EXAMPLE = (
    'COOKIEWARDEN = {"POLICY": BASE_DIR / "cookies.toml",'
    ' "SECRET_KEYS": [os.environ["COOKIEWARDEN_SECRET"]]}'
)


def spell(key: str) -> str:
    """How a key is named to the project: ``"POLICY"`` → ``"COOKIEWARDEN['POLICY']"``."""
    return f"{SETTING}[{key!r}]"


def raw_settings() -> Mapping[str, object]:
    """``settings.COOKIEWARDEN`` as it is written.

    :raises ConfigurationError: it is missing or not a dict.
    """
    value = getattr(django_conf.settings, SETTING, None)
    if value is None:
        raise ConfigurationError(SETTING, f"missing from the settings; add {EXAMPLE}")
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            SETTING,
            f"expected a dict such as {{'POLICY': ..., 'SECRET_KEYS': [...]}},"
            f" got {type(value).__name__}",
        )
    return value


@functools.cache
def warden_settings() -> WardenSettings:
    """The project's checked settings (rule 1).

    :raises ConfigurationError: naming the key that is wrong, and the fix.
    :raises PolicyError: the policy file is missing or invalid.
    """
    return read_settings(raw_settings(), name=spell)


def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING:
        warden_settings.cache_clear()


setting_changed.connect(_forget, dispatch_uid="cookiewarden.django.conf")


def get_consent(request: Any) -> Consent:
    """The visitor's :class:`~cookiewarden.Consent` on a Django request.

    Under WSGI it is ``request.META["cookiewarden.consent"]``; under ASGI Django keeps the
    scope as ``request.scope``, and the consent is ``request.scope["state"]["consent"]``. A
    request the middleware did not see gets the configured policy's undecided consent (rule 2).

    Usage, in a view::

        from cookiewarden.django import get_consent

        def page(request):
            if get_consent(request).allows("performance"):
                ...
    """
    found = request.META.get(ENVIRON_KEY)
    if not isinstance(found, Consent):
        scope = getattr(request, "scope", None)
        state = scope.get("state") if isinstance(scope, Mapping) else None
        found = state.get("consent") if isinstance(state, Mapping) else None
    if isinstance(found, Consent):
        return found
    return Consent.undecided(warden_settings().policy)
