"""cookiewarden at home in FastAPI (and Starlette): the consent as a dependency, template
helpers, and the consent API in the OpenAPI schema on request.

Contract:

- :func:`get_consent` is a dependency: ``consent: Consent = Depends(get_consent)`` or
  :data:`ConsentDep` (``Annotated[Consent, Depends(get_consent)]``). It works for HTTP and
  WebSocket routes.
- :func:`install_templates` gives a ``Jinja2Templates`` the ``consent`` variable (a
  :class:`~cookiewarden.templating.ConsentView`), ``cookiewarden_head()`` and
  ``cookiewarden_open(label)`` — the same template reads the same in Flask.
- :func:`document_consent_api` adds ``GET``/``POST``/``DELETE {consent_path}`` to
  ``app.openapi()``, with their request and response schemas. The middleware serves them;
  FastAPI routes nothing. Without the call they stay out of the schema.

Rules:
1. The consent is the middleware's (``request.state.consent``). A request without it is a
   programming mistake — the app is not wrapped, so no cookie is enforced — and raises
   :class:`~cookiewarden.errors.ConfigurationError` naming the fix (a 500 in development, found
   by the first test), rather than a made-up consent that would hide it.
2. ``cookiewarden_head()`` carries the page's CSP nonce: the one passed, else
   ``request.state.csp_nonce`` (set it in your CSP middleware); its consent path is the
   middleware's.

May import: anything of the package (it stands above :mod:`cookiewarden.tools`), FastAPI and
Starlette.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI
from jinja2 import pass_context
from markupsafe import Markup
from starlette.requests import HTTPConnection

from .adapters.asgi import CookieWarden
from .engine.core import Engine
from .errors import ConfigurationError
from .metrics import find_engine
from .rules.consent import Consent
from .rules.policy import Policy
from .templating import ConsentView, head_markup, open_button

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

__all__ = [
    "ConsentDep",
    "document_consent_api",
    "get_consent",
    "install_templates",
]

_NOT_WRAPPED = (
    "this request did not pass through cookiewarden, so no cookie is enforced: add"
    " app.add_middleware(CookieWarden, policy=Policy.from_toml(...), secret_keys=[...])"
)


def get_consent(connection: HTTPConnection) -> Consent:
    """The visitor's :class:`~cookiewarden.Consent`, as a FastAPI dependency (rule 1).

    :raises ConfigurationError: the request did not pass through
        :class:`~cookiewarden.CookieWarden`.

    Usage::

        @app.get("/analytics-allowed")
        def analytics_allowed(consent: Annotated[Consent, Depends(get_consent)]) -> bool:
            return consent.allows("performance")
    """
    state = connection.scope.get("state")
    consent = state.get("consent") if isinstance(state, dict) else None
    if not isinstance(consent, Consent):
        raise ConfigurationError("CookieWarden", _NOT_WRAPPED)
    return consent


ConsentDep = Annotated[Consent, Depends(get_consent)]
"""``Annotated[Consent, Depends(get_consent)]``: ``def view(consent: ConsentDep): ...``."""


def _engine(connection: HTTPConnection) -> Engine:
    try:
        return find_engine(connection.app)
    except TypeError:
        raise ConfigurationError("CookieWarden", _NOT_WRAPPED) from None


def _consent_context(request: Any) -> dict[str, ConsentView]:
    return {"consent": ConsentView.of(get_consent(request), _engine(request).policy)}


@pass_context
def _head(context: Any, nonce: str | None = None) -> Markup:
    request = context["request"]
    if nonce is None:
        nonce = getattr(request.state, "csp_nonce", None)
    engine = _engine(request)
    return Markup(
        head_markup(
            engine.options.consent_path,
            nonce=nonce,
            policy=engine.policy,
            consent=get_consent(request),
        )
    )


def _open(label: str = "Cookie settings") -> Markup:
    return Markup(open_button(label))


def install_templates(templates: Jinja2Templates) -> Jinja2Templates:
    """Give ``templates`` the ``consent`` variable, ``cookiewarden_head()`` and
    ``cookiewarden_open(label)``; return it.

    Usage::

        templates = install_templates(Jinja2Templates(directory="templates"))

    and in a template rendered by ``templates.TemplateResponse(request, "page.html")``::

        <head>{{ cookiewarden_head() }}</head>
        {% if consent.performance %}<script src="/static/analytics.js"></script>{% endif %}
        {{ cookiewarden_open("Cookie settings") }}
    """
    if _consent_context not in templates.context_processors:
        templates.context_processors.append(_consent_context)
    templates.env.globals.update(cookiewarden_head=_head, cookiewarden_open=_open)
    return templates


def _configured(app: FastAPI) -> dict[str, Any]:
    """The keyword arguments ``app.add_middleware(CookieWarden, ...)`` was given, if it was."""
    for middleware in app.user_middleware:
        cls = getattr(middleware, "cls", None)
        if isinstance(cls, type) and issubclass(cls, CookieWarden):
            return dict(getattr(middleware, "kwargs", {}))
    return {}


def document_consent_api(
    app: FastAPI, *, consent_path: str | None = None, tag: str = "consent"
) -> None:
    """Show the consent API (``GET``/``POST``/``DELETE``) in ``app.openapi()``.

    The operations are added to the schema only: the middleware serves them, FastAPI gets no
    route. Call it after ``add_middleware``, whose ``consent_path`` and policy (its category
    keys) it reads; or pass ``consent_path`` where the middleware wraps the app from outside.

    :param consent_path: where the API is served (default: the middleware's, else
        ``/_consent``).
    :param tag: the OpenAPI tag of the three operations.

    Usage::

        app.add_middleware(CookieWarden, policy=policy, secret_keys=keys)
        document_consent_api(app)
    """
    configured = _configured(app)
    path = consent_path or configured.get("consent_path") or "/_consent"
    policy = configured.get("policy")
    categories = [c.key for c in policy.categories] if isinstance(policy, Policy) else None
    # A policy offered in more than English answers in the language negotiated (README
    # "Languages"): lang and strings besides, and ?lang= to ask for one.
    languages = policy.languages if isinstance(policy, Policy) else ("en",)
    multilingual = list(languages) if languages != ("en",) else None
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()  # FastAPI's own builds once and keeps it in app.openapi_schema
        schema.setdefault("paths", {})[path] = _operations(tag, multilingual)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(_schemas(categories, multilingual))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.openapi_schema = None  # a schema built before this call is built again


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


_SET_COOKIE = {
    "Set-Cookie": {
        "description": "cw_consent, and deletions of refused cookies",
        "schema": {"type": "string"},
    }
}


def _operations(tag: str, languages: list[str] | None = None) -> dict[str, Any]:
    """The three operations of the consent API (README "The consent API"); with the policy's
    ``languages``, each takes ``?lang=``."""
    refused = _json("ConsentError", "Cross-site request (Sec-Fetch-Site, Origin or Referer)")
    state = _json("ConsentState", "The visitor's consent and the policy's categories")
    changed = {**state, "headers": _SET_COOKIE}
    operations: dict[str, dict[str, Any]] = {
        "get": {
            "tags": [tag],
            "summary": "Read the visitor's consent",
            "operationId": "cookiewarden_read_consent",
            "responses": {"200": state},
        },
        "post": {
            "tags": [tag],
            "summary": "Record the visitor's choice",
            "description": "Sets the signed cw_consent cookie, records the choice as proof of"
            " consent and expires cookies of refused categories. A form with a same-site"
            " `next` path answers 303 to it.",
            "operationId": "cookiewarden_choose_consent",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _ref("ConsentChoice")},
                    "application/x-www-form-urlencoded": {
                        "schema": _ref("ConsentChoiceForm"),
                        "encoding": {"granted": {"style": "form", "explode": True}},
                    },
                },
            },
            "responses": {
                "200": changed,
                "303": {
                    "description": "Redirect to the form's same-site `next` path",
                    "headers": {"Location": {"schema": {"type": "string"}}, **_SET_COOKIE},
                },
                "400": _json("ConsentError", "Malformed body or unknown category"),
                "403": refused,
                "413": _json("ConsentError", "Body over 16 KiB"),
                "415": _json("ConsentError", "Neither JSON nor a form"),
            },
        },
        "delete": {
            "tags": [tag],
            "summary": "Withdraw consent (everything but necessary)",
            "operationId": "cookiewarden_withdraw_consent",
            "responses": {"200": changed, "403": refused},
        },
    }
    if languages:
        lang: dict[str, Any] = {
            "name": "lang",
            "in": "query",
            "required": False,
            "description": "the language to answer in (else Accept-Language, else the policy's)",
            "schema": {"type": "string", "enum": languages},
        }
        for operation in operations.values():
            operation["parameters"] = [lang]
    return operations


_STATE_FIELDS = ("policy_version", "decided", "granted", "gpc", "mode", "required", "categories")
_LANGUAGE_FIELDS = ("lang", "strings")


def _schemas(categories: list[str] | None, languages: list[str] | None = None) -> dict[str, Any]:
    """The request and response bodies; ``granted`` lists the policy's keys where known; the
    state says its language where the policy offers ``languages``."""
    key: dict[str, Any] = {"type": "string"}
    if categories:
        key["enum"] = categories
    granted = {"type": "array", "items": key}
    action = {"type": "string", "enum": ["accept_all", "reject_all", "custom"], "default": "custom"}
    spoken: dict[str, Any] = {}
    if languages:
        spoken = {
            "lang": {"type": "string", "enum": languages, "description": "the answer's language"},
            "strings": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "the banner's words in that language",
            },
        }
    return {
        "ConsentCategory": {
            "type": "object",
            "required": ["key", "label", "description", "necessary", "granted"],
            "properties": {
                "key": key,
                "label": {"type": "string"},
                "description": {"type": "string"},
                "necessary": {"type": "boolean"},
                "granted": {"type": "boolean"},
            },
        },
        "ConsentState": {
            "type": "object",
            "required": [*_STATE_FIELDS, *(_LANGUAGE_FIELDS if languages else ())],
            "properties": {
                "policy_version": {"type": "string"},
                "decided": {"type": "boolean"},
                "granted": granted,
                "gpc": {"type": "boolean", "description": "the request carried Sec-GPC: 1"},
                "mode": {"type": "string", "enum": ["opt-in", "opt-out"]},
                "required": {"type": "boolean", "description": "this request needs opt-in"},
                "categories": {"type": "array", "items": _ref("ConsentCategory")},
                **spoken,
            },
        },
        "ConsentChoice": {
            "type": "object",
            "properties": {
                "granted": granted,
                "action": action,
                "source": {"type": "string", "enum": ["api", "banner"], "default": "api"},
            },
        },
        "ConsentChoiceForm": {
            "type": "object",
            "properties": {"granted": granted, "action": action, "next": {"type": "string"}},
        },
        "ConsentError": {
            "type": "object",
            "required": ["error", "detail"],
            "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
        },
    }
