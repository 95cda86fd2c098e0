"""The example Django project's WSGI side: ``get_wsgi_application()`` wrapped by
CookieWardenWSGI, called with an environ built by ``wsgiref.util.setup_testing_defaults``."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.wsgi import get_wsgi_application

from cookiewarden import CookieWardenWSGI

from .contract import YEAR, AdapterContract, Client, deletion, wsgi_client

pytestmark = pytest.mark.usefixtures("django_project")


class TestDjangoWSGI(AdapterContract):
    def serve(self, **options: Any) -> Client:
        return wsgi_client(CookieWardenWSGI(get_wsgi_application(), **options))

    def test_django_404_passes_through(self) -> None:
        response = self.request("GET", "/missing", cookie="lang=fr")
        assert response.status == 404
        assert response.set_cookies == [deletion("lang")]


def test_the_projects_wsgi_application_works_as_shipped(mint: Any) -> None:
    from django.conf import settings
    from examples.django_project.wsgi import application

    client = wsgi_client(application)
    assert client("GET", "/", headers=[], body=b"").names() == ["sessionid"]
    key = settings.COOKIEWARDEN["SECRET_KEYS"][-1]
    cookie = "cw_consent=" + mint(["performance"], key=key, issued_at=time.time())
    page = client("GET", "/", headers=[("Cookie", cookie)], body=b"")
    assert page.names() == ["sessionid", "_ga"]
    assert page.cookie("_ga").max_age == YEAR
