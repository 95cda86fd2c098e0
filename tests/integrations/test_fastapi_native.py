"""``cookiewarden.fastapi``: the consent as a dependency, the Jinja2Templates helpers and the
consent API in the OpenAPI schema, on real FastAPI apps driven through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from openapi_spec_validator import validate
from starlette.middleware.base import BaseHTTPMiddleware

from cookiewarden import ConfigurationError, Consent, CookieWarden, Policy
from cookiewarden.fastapi import ConsentDep, document_consent_api, get_consent, install_templates

from .contract import EXAMPLE_POLICY, FIRST

KEY = "test-key-new-9876543210"
POLICY = Policy.from_toml(EXAMPLE_POLICY)
PAGE = (
    "{{ cookiewarden_head() }}|{{ 'on' if consent.performance else 'off' }}"
    "|{{ consent.decided }}|{{ cookiewarden_open('Cookies & you') }}"
)
TAGS = (
    f'<script src="/_consent/guard.js?s={FIRST}"></script>'
    '<script src="/_consent/banner.js" defer></script>'
)


def build(templates_dir: Path | None = None, *, wrapped: bool = True, **options: Any) -> FastAPI:
    app = FastAPI()
    if wrapped:
        app.add_middleware(
            CookieWarden, policy=POLICY, secret_keys=[KEY], consent_log=None, **options
        )

    @app.get("/plain")
    def plain(consent: Consent = Depends(get_consent)) -> list[str]:  # noqa: B008 - FastAPI's way
        return sorted(consent.granted)

    @app.get("/annotated")
    def annotated(consent: Annotated[Consent, Depends(get_consent)]) -> bool:
        return consent.allows("performance")

    @app.get("/alias")
    def alias(consent: ConsentDep) -> bool:
        return consent.decided

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, consent: ConsentDep) -> None:
        await websocket.accept()
        await websocket.send_text(",".join(sorted(consent.granted)))
        await websocket.close()

    if templates_dir is not None:
        (templates_dir / "page.html").write_text(PAGE, "utf-8")
        templates = install_templates(Jinja2Templates(directory=templates_dir))

        @app.get("/page", response_class=HTMLResponse)
        def page(request: Request) -> Any:
            return templates.TemplateResponse(request, "page.html")

    return app


def get(app: Any, path: str, cookie: str | None = None, **kwargs: Any) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"cookie": cookie} if cookie else {}
            return await client.get(path, headers=headers, **kwargs)

    return asyncio.run(send())


def consent_cookie(mint: Any, *granted: str) -> str:
    return "cw_consent=" + mint(list(granted), key=KEY, issued_at=time.time())


@pytest.mark.parametrize(
    ("path", "undecided", "chosen"),
    [
        pytest.param("/plain", ["necessary"], ["necessary", "performance"], id="Depends"),
        pytest.param("/annotated", False, True, id="Annotated"),
        pytest.param("/alias", False, True, id="ConsentDep"),
    ],
)
def test_the_dependency_gives_the_visitors_consent(
    path: str, undecided: Any, chosen: Any, mint: Any
) -> None:
    app = build()
    assert get(app, path).json() == undecided
    assert get(app, path, consent_cookie(mint, "performance")).json() == chosen


def test_the_dependency_works_on_a_websocket(mint: Any) -> None:
    from starlette.testclient import TestClient

    client = TestClient(build())
    headers = {"cookie": consent_cookie(mint, "targeting")}
    with client.websocket_connect("/ws", headers=headers) as websocket:
        assert websocket.receive_text() == "necessary,targeting"


def test_without_the_middleware_the_dependency_names_the_fix() -> None:
    with pytest.raises(ConfigurationError) as info:
        get(build(wrapped=False), "/plain")
    assert info.value.option == "CookieWarden"
    assert "app.add_middleware(CookieWarden" in info.value.reason


def test_the_dependency_appears_in_no_schema() -> None:
    operation = build().openapi()["paths"]["/plain"]["get"]
    assert "parameters" not in operation  # the connection is FastAPI's, not a query parameter


# -- templates -----------------------------------------------------------------------------------


def test_templates_read_the_consent_and_carry_the_tags(tmp_path: Path, mint: Any) -> None:
    app = build(tmp_path)
    assert get(app, "/page").text == (
        f'{TAGS}|off|False|<button type="button" data-cookiewarden-open>Cookies &amp; you</button>'
    )
    assert get(app, "/page", consent_cookie(mint, "performance")).text.split("|")[1:3] == [
        "on",
        "True",
    ]


def test_the_head_follows_the_middlewares_consent_path(tmp_path: Path) -> None:
    page = get(build(tmp_path, consent_path="/privacy"), "/page").text
    assert page.startswith(f'<script src="/privacy/guard.js?s={FIRST}"></script>')


def test_the_head_carries_the_nonce_of_request_state(tmp_path: Path) -> None:
    app = build(tmp_path)

    async def set_nonce(request: Request, call_next: Any) -> Any:
        request.state.csp_nonce = "n0nce"
        return await call_next(request)

    app.add_middleware(BaseHTTPMiddleware, dispatch=set_nonce)
    assert get(app, "/page").text.startswith(
        f'<script src="/_consent/guard.js?s={FIRST}" nonce="n0nce"></script>'
    )


def test_installing_twice_adds_the_consent_once(tmp_path: Path) -> None:
    templates = Jinja2Templates(directory=tmp_path)
    assert install_templates(install_templates(templates)) is templates
    assert len(templates.context_processors) == 1


def test_templates_without_the_middleware_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="add_middleware"):
        get(build(tmp_path, wrapped=False), "/page")


# -- OpenAPI -------------------------------------------------------------------------------------


def test_the_consent_api_stays_out_of_the_schema_by_default() -> None:
    assert "/_consent" not in build().openapi()["paths"]


def test_document_consent_api_adds_its_three_operations() -> None:
    app = build()
    routes = list(app.routes)
    document_consent_api(app)
    schema = app.openapi()
    validate(schema)  # a valid OpenAPI document
    operations = schema["paths"]["/_consent"]
    assert sorted(operations) == ["delete", "get", "post"]
    assert schema["paths"]["/plain"]  # the app's own operations are still there
    post = operations["post"]
    assert sorted(post["requestBody"]["content"]) == [
        "application/json",
        "application/x-www-form-urlencoded",
    ]
    assert sorted(post["responses"]) == ["200", "303", "400", "403", "413", "415"]
    components = schema["components"]["schemas"]
    assert components["ConsentState"]["properties"]["granted"]["items"]["enum"] == [
        "necessary",
        "performance",
        "functionality",
        "targeting",
    ]
    assert app.routes == routes  # FastAPI routes nothing: the middleware serves the API
    assert app.openapi() is schema


def test_the_documented_api_is_the_one_the_middleware_serves() -> None:
    app = build(consent_path="/privacy")
    document_consent_api(app)
    assert "/privacy" in app.openapi()["paths"] and "/_consent" not in app.openapi()["paths"]
    state = get(app, "/privacy").json()
    properties = app.openapi()["components"]["schemas"]["ConsentState"]["properties"]
    assert sorted(state) == sorted(properties)
    category = app.openapi()["components"]["schemas"]["ConsentCategory"]["properties"]
    assert sorted(state["categories"][0]) == sorted(category)
    assert get(app, "/openapi.json").json()["paths"]["/privacy"]["get"]["operationId"] == (
        "cookiewarden_read_consent"
    )


def test_the_documented_api_says_its_languages_where_the_policy_offers_them() -> None:
    app = build()  # the examples' policy: English and Italian
    document_consent_api(app)
    schema = app.openapi()
    validate(schema)
    state = schema["components"]["schemas"]["ConsentState"]
    assert state["properties"]["lang"]["enum"] == ["en", "it"]
    assert {"lang", "strings"} <= set(state["required"])
    for operation in schema["paths"]["/_consent"].values():
        assert [p["name"] for p in operation["parameters"]] == ["lang"]
    served = get(app, "/_consent?lang=it").json()
    assert served["lang"] == "it" and sorted(served) == sorted(state["properties"])

    english = FastAPI()
    policy = Policy.from_dict({"version": "1", "categories": {"necessary": {"necessary": True}}})
    english.add_middleware(CookieWarden, policy=policy, secret_keys=[KEY], consent_log=None)
    document_consent_api(english)
    documented = english.openapi()
    properties = documented["components"]["schemas"]["ConsentState"]["properties"]
    assert "lang" not in properties and "strings" not in properties
    assert "parameters" not in documented["paths"]["/_consent"]["get"]


def test_a_schema_built_before_the_call_is_built_again() -> None:
    app = build()
    assert "/_consent" not in app.openapi()["paths"]
    document_consent_api(app, consent_path="/consent-api", tag="privacy")
    operations = app.openapi()["paths"]["/consent-api"]
    assert {operation["tags"][0] for operation in operations.values()} == {"privacy"}


def test_an_app_wrapped_from_outside_names_its_consent_path() -> None:
    inner = build(wrapped=False)
    document_consent_api(inner, consent_path="/privacy")
    outer = CookieWarden(
        inner, policy=POLICY, secret_keys=[KEY], consent_log=None, consent_path="/privacy"
    )
    assert "/privacy" in inner.openapi()["paths"]
    granted = inner.openapi()["components"]["schemas"]["ConsentChoice"]["properties"]["granted"]
    assert "enum" not in granted["items"]  # no policy to read the keys from
    assert get(outer, "/privacy").status_code == 200
