"""cookiewarden at home in Django: an app for ``INSTALLED_APPS``.

Owns: the ``COOKIEWARDEN`` setting (``conf``), the entry-point wrappers :func:`asgi` and
:func:`wsgi`, the template tags ``{% cookiewarden_head %}`` and ``{% cookiewarden_open %}``
(``templatetags.cookiewarden``), the ``consent`` context processor (``context_processors``), the
system checks (``checks``, registered by ``apps``) and ``manage.py cookiewarden``
(``management.commands.cookiewarden``).

Usage, in ``settings.py``::

    INSTALLED_APPS += ["cookiewarden.django"]
    COOKIEWARDEN = {"POLICY": BASE_DIR / "cookies.toml",
                    "SECRET_KEYS": [os.environ["COOKIEWARDEN_SECRET"]]}

and in ``asgi.py`` (``wsgi.py`` likewise)::

    application = cookiewarden.django.asgi(get_asgi_application())

May import: anything of the package (it stands above :mod:`cookiewarden.tools`), and Django.
"""

from __future__ import annotations

from typing import Any

from ..adapters.asgi import CookieWarden
from ..adapters.wsgi import CookieWardenWSGI
from .conf import get_consent, warden_settings

__all__ = ["asgi", "get_consent", "wsgi"]


def asgi(application: Any) -> CookieWarden:
    """Django's ASGI handler wrapped by :class:`~cookiewarden.CookieWarden`, configured by
    ``settings.COOKIEWARDEN``.

    :param application: what ``django.core.asgi.get_asgi_application()`` returned (it sets
        Django up, so the settings are readable).
    :raises ConfigurationError: a setting is wrong (named as ``COOKIEWARDEN['KEY']``).
    :raises PolicyError: the policy file is missing or invalid.

    Usage, the last line of ``asgi.py``::

        application = cookiewarden.django.asgi(get_asgi_application())
    """
    return warden_settings().asgi(application)


def wsgi(application: Any) -> CookieWardenWSGI:
    """Django's WSGI handler wrapped by :class:`~cookiewarden.CookieWardenWSGI`, configured by
    ``settings.COOKIEWARDEN`` (``manage.py runserver`` serves it through ``WSGI_APPLICATION``).

    :raises ConfigurationError: a setting is wrong (named as ``COOKIEWARDEN['KEY']``).
    :raises PolicyError: the policy file is missing or invalid.

    Usage, the last line of ``wsgi.py``::

        application = cookiewarden.django.wsgi(get_wsgi_application())
    """
    return warden_settings().wsgi(application)
