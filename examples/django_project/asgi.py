"""The ASGI entry point, wrapped by cookiewarden from ``settings.COOKIEWARDEN``. Run from the
repository root::

    uvicorn examples.django_project.asgi:application
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

import cookiewarden.django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")

application = cookiewarden.django.asgi(get_asgi_application())
