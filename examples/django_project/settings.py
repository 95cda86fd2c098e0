"""Settings of the example Django project: no database, one view module, cookiewarden's app.

cookiewarden is installed as a Django app (``INSTALLED_APPS``), configured by ``COOKIEWARDEN``
below, and enforces the policy from ``asgi.py`` and ``wsgi.py``, each wrapped by one line.
``manage.py check`` checks that configuration; ``manage.py cookiewarden audit`` audits the
project against its policy.
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

INSTALLED_APPS = ["cookiewarden.django"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "examples.django_project.urls"
WSGI_APPLICATION = "examples.django_project.wsgi.application"  # used by `manage.py runserver`
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"context_processors": ["cookiewarden.django.context_processors.consent"]},
    }
]
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
TIME_ZONE = "UTC"

COOKIEWARDEN = {
    "POLICY": BASE_DIR.parent / "policy.toml",
    "SECRET_KEYS": [os.environ.get("COOKIEWARDEN_SECRET", "dev-only-insecure-cookiewarden-key")],
    "CONSENT_LOG": os.environ.get("COOKIEWARDEN_CONSENT_LOG"),  # None: choices are not recorded
}
