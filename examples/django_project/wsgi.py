"""The WSGI entry point, wrapped by cookiewarden from ``settings.COOKIEWARDEN``
(``manage.py runserver`` serves it too, through ``WSGI_APPLICATION``)::

    python examples/django_project/manage.py runserver
    gunicorn examples.django_project.wsgi            # from the repository root
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

import cookiewarden.django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")

application = cookiewarden.django.wsgi(get_wsgi_application())
