"""The FastAPI example under a real uvicorn server, over real HTTP.

The server is started exactly as the README says (``uvicorn examples.fastapi_app:app``, from
the repository root) in its own process, on 127.0.0.1 and a port the OS picks; see the
``fastapi_server`` fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from .contract import (
    BANNER_TAG,
    OPTIONAL,
    YEAR,
    deletion,
    httpx_response,
    no_cookie_jar,
)
from .contract import Response as RawResponse


@pytest.fixture(scope="module")
def http(fastapi_server: Any) -> Any:
    with httpx.Client(base_url=fastapi_server.url, cookies=no_cookie_jar(), timeout=10) as client:
        yield client


def get(http: httpx.Client, path: str, cookie: str | None = None) -> RawResponse:
    headers = {} if cookie is None else {"cookie": cookie}
    return httpx_response(http.get(path, headers=headers))


def consent(mint: Any, server: Any, granted: Any) -> str:
    # The server runs on the real clock.
    return "cw_consent=" + mint(granted, key=server.key, issued_at=time.time())


def test_page_without_consent_sets_only_the_session(http: httpx.Client) -> None:
    response = get(http, "/")
    assert response.status == 200
    assert response.names() == ["sessionid"]
    assert BANNER_TAG in response.text


def test_performance_consent_lets_ga_leave_capped(
    http: httpx.Client, mint: Any, fastapi_server: Any
) -> None:
    response = get(http, "/", consent(mint, fastapi_server, ["performance"]))
    assert response.names() == ["sessionid", "_ga"]
    assert response.cookie("_ga").max_age == YEAR


def test_accept_all_lets_all_four_leave(http: httpx.Client, mint: Any, fastapi_server: Any) -> None:
    response = get(http, "/", consent(mint, fastapi_server, OPTIONAL))
    assert response.names() == ["sessionid", "_ga", "lang", "ads_id"]
    assert response.cookie("ads_id").max_age == 90 * 24 * 3600


def test_refused_cookies_are_expired_and_hidden(http: httpx.Client) -> None:
    response = get(http, "/whoami", "sessionid=s; _ga=x; ads_id=y; tracker=t")
    assert response.json() == {
        "granted": ["necessary"],
        "decided": False,
        "cookies": {"sessionid": "s"},
    }
    assert response.set_cookies == [deletion("_ga"), deletion("ads_id")]


def test_choice_over_the_consent_api_then_the_page(http: httpx.Client) -> None:
    answer = httpx_response(http.post("/_consent", json={"granted": ["functionality"]}))
    assert answer.status == 200
    stored = answer.cookie("cw_consent")
    assert stored.http_only and stored.same_site == "lax" and not stored.secure
    page = get(http, "/", f"cw_consent={stored.value}")
    assert page.names() == ["sessionid", "lang"]
    seen = get(http, "/whoami", f"cw_consent={stored.value}; lang=de").json()
    assert seen["granted"] == ["functionality", "necessary"]
    assert seen["cookies"]["lang"] == "de"


def test_forged_consent_counts_as_none(http: httpx.Client, mint: Any, keys: Any) -> None:
    forged = "cw_consent=" + mint(OPTIONAL, key=keys.foreign, issued_at=time.time())
    assert get(http, "/", forged).names() == ["sessionid"]


def test_banner_assets_are_served(http: httpx.Client) -> None:
    script = http.get("/_consent/banner.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert http.get("/_consent/banner.css").status_code == 200
