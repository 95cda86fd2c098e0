"""The example Django project's ASGI side: ``get_asgi_application()`` wrapped by CookieWarden,
driven through ``httpx.ASGITransport``.

Django's ASGI handler writes ``Set-Cookie`` capitalised; the contract holds all the same.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from django.core.asgi import get_asgi_application

from cookiewarden import CookieWarden

from .contract import (
    YEAR,
    AdapterContract,
    Client,
    asgi_httpx_client,
    asgi_response,
    deletion,
    http_scope,
    run_asgi,
)

pytestmark = pytest.mark.usefixtures("django_project")


class TestDjangoASGI(AdapterContract):
    def serve(self, **options: Any) -> Client:
        return asgi_httpx_client(CookieWarden(get_asgi_application(), **options))

    def test_django_writes_capitalised_set_cookie_and_it_is_matched(self) -> None:
        scope = http_scope("GET", "/", [(b"host", b"testserver"), (b"cookie", b"_ga=x")])
        bare = asyncio.run(run_asgi(get_asgi_application(), scope))
        names = {k for k, _ in bare[0]["headers"]}
        assert b"Set-Cookie" in names and b"set-cookie" not in names
        scope = http_scope("GET", "/", [(b"host", b"testserver"), (b"cookie", b"_ga=x")])
        wrapped = asyncio.run(
            run_asgi(CookieWarden(get_asgi_application(), **self.options()), scope)
        )
        response = asgi_response(wrapped)
        assert response.names() == ["sessionid"]
        assert response.set_cookies[1:] == [deletion("_ga")]
        assert not any(k == b"Set-Cookie" for k, _ in wrapped[0]["headers"])

    def test_django_404_passes_through(self) -> None:
        response = self.request("GET", "/missing", cookie="lang=fr")
        assert response.status == 404
        assert response.set_cookies == [deletion("lang")]


def test_the_projects_asgi_application_works_as_shipped(mint: Any) -> None:
    from django.conf import settings
    from examples.django_project.asgi import application

    client = asgi_httpx_client(application)
    assert client("GET", "/", headers=[], body=b"").names() == ["sessionid"]
    key = settings.COOKIEWARDEN["SECRET_KEYS"][-1]
    cookie = "cw_consent=" + mint(["performance"], key=key, issued_at=time.time())
    page = client("GET", "/", headers=[("cookie", cookie)], body=b"")
    assert page.names() == ["sessionid", "_ga"]
    assert page.cookie("_ga").max_age == YEAR
