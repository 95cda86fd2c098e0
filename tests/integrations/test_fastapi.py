"""The FastAPI example (``examples/fastapi_app.py``) through ``httpx.ASGITransport``.

The adapter contract, plus the consent read through a FastAPI dependency, and the module-level
``app`` exactly as ``uvicorn examples.fastapi_app:app`` serves it.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from examples import fastapi_app
from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from cookiewarden import Consent, stats

from .contract import YEAR, AdapterContract, Client, asgi_httpx_client


def echo(request: Request) -> Response:
    response = PlainTextResponse("echo")
    for value in request.query_params.getlist("set"):
        response.raw_headers.append((b"set-cookie", value.encode("latin-1")))
    return response


def current_consent(request: Request) -> Consent:
    """How a FastAPI app reads the visitor's consent: a one-line dependency."""
    consent: Consent = request.state.consent
    return consent


def build(**options: Any) -> FastAPI:
    app = fastapi_app.create_app(**options)
    app.add_api_route("/echo", echo)

    @app.get("/analytics-allowed")
    def analytics_allowed(consent: Annotated[Consent, Depends(current_consent)]) -> bool:
        return consent.allows("performance")

    return app


class TestFastAPI(AdapterContract):
    def serve(self, **options: Any) -> Client:
        return asgi_httpx_client(build(**options))

    def test_consent_reaches_a_dependency(self) -> None:
        client = self.serve(**self.options())
        denied = self.request("GET", "/analytics-allowed", client=client)
        assert denied.json() is False
        cookie = self.consent(["performance"])
        allowed = self.request("GET", "/analytics-allowed", cookie=cookie, client=client)
        assert allowed.json() is True


def test_stats_finds_the_middleware_inside_fastapi(
    example_policy: Any, keys: Any, clock: Any
) -> None:
    app = build(policy=example_policy, secret_keys=[keys.new], clock=clock, consent_log=None)
    client = asgi_httpx_client(app)
    client("GET", "/", headers=[], body=b"")
    counts = stats(app)
    assert counts[("drop", "refused-category", "performance")] == 1
    assert counts[("drop", "refused-category", "targeting")] == 1


def test_the_module_level_app_works_as_shipped(mint: Any) -> None:
    client = asgi_httpx_client(fastapi_app.app)
    assert client("GET", "/", headers=[], body=b"").names() == ["sessionid"]
    cookie = "cw_consent=" + mint(["performance"], key=fastapi_app.SECRET, issued_at=time.time())
    page = client("GET", "/", headers=[("cookie", cookie)], body=b"")
    assert page.names() == ["sessionid", "_ga"]
    assert page.cookie("_ga").max_age == YEAR
    assert client("GET", "/whoami", headers=[("cookie", cookie)], body=b"").json()["decided"]
