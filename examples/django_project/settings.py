"""Settings of the example Django project: no database, no apps, one view module.

cookiewarden is not a Django app and needs no ``INSTALLED_APPS`` entry: it wraps the whole
project in ``asgi.py`` and ``wsgi.py``, which read the ``COOKIEWARDEN_*`` settings below.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

# !!! DEVELOPMENT ONLY !!! Both keys below are public: set DJANGO_SECRET_KEY and
# COOKIEWARDEN_SECRET to long random strings everywhere but on your own machine. Anyone who knows
# COOKIEWARDEN_SECRET can forge any visitor's consent.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-dev-only-example-key")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "examples.django_project.urls"
WSGI_APPLICATION = "examples.django_project.wsgi.application"  # used by `manage.py runserver`
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
TIME_ZONE = "UTC"

# cookiewarden, read by asgi.py and wsgi.py.
COOKIEWARDEN_POLICY = BASE_DIR.parent / "policy.toml"
COOKIEWARDEN_SECRET_KEYS = [
    os.environ.get("COOKIEWARDEN_SECRET", "dev-only-insecure-cookiewarden-key")
]
COOKIEWARDEN_CONSENT_LOG = os.environ.get("COOKIEWARDEN_CONSENT_LOG")  # None: not recorded
