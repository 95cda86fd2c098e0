"""The Django app: ``"cookiewarden.django"`` in ``INSTALLED_APPS`` (label ``cookiewarden``).

Rules:
1. The app has no models, no migrations and no middleware: the policy is enforced by the
   wrapped entry points (:func:`cookiewarden.django.asgi`, :func:`cookiewarden.django.wsgi`).
2. ``ready()`` registers the system checks (:mod:`cookiewarden.django.checks`) and nothing else.
"""

from __future__ import annotations

from django.apps import AppConfig

from . import checks

__all__ = ["CookieWardenConfig"]


class CookieWardenConfig(AppConfig):
    """cookiewarden's app config: template tags, the ``consent`` context processor, the
    system checks and ``manage.py cookiewarden``.

    Usage, in ``settings.py``::

        INSTALLED_APPS += ["cookiewarden.django"]
    """

    name = "cookiewarden.django"
    label = "cookiewarden"
    verbose_name = "cookiewarden"

    def ready(self) -> None:
        """Register the system checks (rule 2)."""
        checks.register()
