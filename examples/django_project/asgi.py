"""The ASGI entry point, wrapped by cookiewarden. Run from the repository root::

    uvicorn examples.django_project.asgi:application

The wrapping is the last statement: Django's handler goes inside :class:`CookieWarden`.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from cookiewarden import CookieWarden, Policy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")

django_application = get_asgi_application()  # sets Django up: settings are readable below
application = CookieWarden(
    django_application,
    policy=Policy.from_toml(settings.COOKIEWARDEN_POLICY),
    secret_keys=settings.COOKIEWARDEN_SECRET_KEYS,
    consent_log=settings.COOKIEWARDEN_CONSENT_LOG,
)
