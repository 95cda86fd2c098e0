"""The WSGI entry point, wrapped by cookiewarden (``manage.py runserver`` serves it too)::

    python examples/django_project/manage.py runserver
    gunicorn examples.django_project.wsgi            # from the repository root

The wrapping is the last statement: Django's handler goes inside :class:`CookieWardenWSGI`.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from cookiewarden import CookieWardenWSGI, Policy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")

django_application = get_wsgi_application()  # sets Django up: settings are readable below
application = CookieWardenWSGI(
    django_application,
    policy=Policy.from_toml(settings.COOKIEWARDEN_POLICY),
    secret_keys=settings.COOKIEWARDEN_SECRET_KEYS,
    consent_log=settings.COOKIEWARDEN_CONSENT_LOG,
)
