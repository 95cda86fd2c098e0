"""The middleware's own answers in the visitor's language (cookiewarden.web.languages): the
consent API and the declaration, through both adapters. (Not test_languages.py: pytest needs
unique basenames, and tests/rules/test_languages.py is rules/languages.py's.)"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy
from cookiewarden.rules.wording import page_words
from cookiewarden.web.declaration import render_html
from cookiewarden.web.languages import answer_language

NOW = 1_795_000_000.0
KEYS = ["k-new"]
ORIGIN = "http://testserver"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.toml"
DATA = tomllib.loads(EXAMPLE.read_text("utf-8"))
MULTILINGUAL = Policy.from_dict({**DATA, "locales": {**DATA["locales"], "de": {}}})
"""The examples' policy, complete in Italian, offered in German too (with English texts)."""
ENGLISH = Policy.from_dict({k: v for k, v in DATA.items() if k != "locales"})
"""The same policy, in English alone."""


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"app"})


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app"]


def make_client(kind: str, policy: Policy) -> httpx.Client:
    ticks = itertools.count()
    options: dict[str, Any] = {"consent_log": None, "clock": lambda: NOW + next(ticks)}
    if kind == "asgi":
        mw = CookieWarden(asgi_app, policy=policy, secret_keys=KEYS, **options)
        return TestClient(mw, base_url=ORIGIN, follow_redirects=False)
    wmw = CookieWardenWSGI(wsgi_app, policy=policy, secret_keys=KEYS, **options)
    return httpx.Client(transport=httpx.WSGITransport(app=wmw), base_url=ORIGIN)


@pytest.fixture(params=["asgi", "wsgi"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(kind: str) -> Iterator[httpx.Client]:
    with make_client(kind, MULTILINGUAL) as c:
        yield c


# -- which language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept", "answer"),
    [
        pytest.param("", None, "en", id="nothing-asked-the-policys-own"),
        pytest.param("lang=it", None, "it", id="query"),
        pytest.param("lang=it-IT", "de", "it", id="query-before-accept-language"),
        pytest.param("", "it-CH,it;q=0.9,en;q=0.5", "it", id="accept-language"),
        pytest.param("", "fr, de;q=0.5", "de", id="first-offered-of-accept-language"),
        pytest.param("lang=pt", "de", "de", id="query-not-offered-then-accept-language"),
        pytest.param("lang=%3Cb%3E", "it", "it", id="garbage-query"),
        pytest.param("&".join(["x=1"] * 60) + "&lang=it", None, "en", id="too-many-fields"),
        pytest.param("", "pl, *", "en", id="none-offered-the-policys-own"),
    ],
)
def test_answer_language(query: str, accept: str | None, answer: str) -> None:
    headers = {} if accept is None else {"accept-language": accept}
    assert answer_language(MULTILINGUAL, query, headers) == answer


@pytest.mark.parametrize("query", ["", "lang=it"])
def test_a_policy_in_english_alone_has_no_language_to_answer_in(query: str) -> None:
    assert answer_language(ENGLISH, query, {"accept-language": "it"}) is None


# -- the consent API ------------------------------------------------------------------------------


def test_get_answers_in_italian_with_the_banners_words(client: httpx.Client) -> None:
    body = client.get("/_consent", headers={"Accept-Language": "it-IT,it;q=0.9"}).json()
    assert body["lang"] == "it"
    assert body["strings"] == dict(page_words("it", "banner"))
    assert [(c["key"], c["label"]) for c in body["categories"]] == [
        ("necessary", "Strettamente necessari"),
        ("performance", "Prestazioni"),
        ("functionality", "Funzionalità"),
        ("targeting", "Profilazione e pubblicità"),
    ]
    assert body["categories"][2]["description"].startswith("Ricordano le tue preferenze")
    assert body["granted"] == ["necessary"]  # the state is the state, in any language


def test_the_query_wins_over_accept_language(client: httpx.Client) -> None:
    body = client.get("/_consent?lang=de", headers={"Accept-Language": "it"}).json()
    assert body["lang"] == "de"
    assert body["strings"]["reject_all"] == "Alle ablehnen"
    assert body["categories"][1]["label"] == "Performance"  # no German label: the policy's own


def test_a_choice_is_answered_in_the_language_asked(client: httpx.Client) -> None:
    headers = {"Accept-Language": "it", "Origin": ORIGIN}
    body = client.post("/_consent", json={"granted": ["performance"]}, headers=headers).json()
    assert (body["lang"], body["decided"]) == ("it", True)
    assert body["categories"][1] == {
        "key": "performance",
        "label": "Prestazioni",
        "description": body["categories"][1]["description"],
        "necessary": False,
        "granted": True,
    }
    withdrawn = client.delete("/_consent?lang=it", headers={"Origin": ORIGIN}).json()
    assert withdrawn["lang"] == "it" and withdrawn["granted"] == ["necessary"]


def test_without_a_wish_the_answer_is_the_policys_own_language(client: httpx.Client) -> None:
    body = client.get("/_consent").json()
    assert (body["lang"], body["categories"][0]["label"]) == ("en", "Strictly necessary")
    assert body["strings"] == dict(page_words("en", "banner"))


def test_an_english_policy_answers_byte_for_byte_as_before(kind: str) -> None:
    """No language of its own: every wish answers what a request without one does."""
    with make_client(kind, ENGLISH) as c:
        plain = c.get("/_consent")
        for headers, path in (({"Accept-Language": "it"}, "/_consent"), ({}, "/_consent?lang=it")):
            asked = c.get(path, headers=headers)
            assert asked.content == plain.content
            assert asked.headers.items() == plain.headers.items()
    assert "lang" not in plain.json() and "strings" not in plain.json()


# -- the declaration ------------------------------------------------------------------------------


def test_the_declaration_in_italian(client: httpx.Client) -> None:
    r = client.get("/_consent/declaration?lang=it")
    assert r.status_code == 200
    assert (r.headers["content-language"], r.headers["vary"]) == ("it", "accept-language")
    page = r.text
    assert page.startswith('<!doctype html>\n<html lang="it">')
    assert "<h1>Dichiarazione sui cookie</h1>" in page
    assert "<h3>Prestazioni</h3>" in page and "<td>Ti mantiene connesso.</td>" in page
    by_header = client.get("/_consent/declaration", headers={"Accept-Language": "it"})
    assert by_header.text == page


def test_the_declaration_in_the_policys_own_language_is_the_english_page(
    client: httpx.Client,
) -> None:
    r = client.get("/_consent/declaration")
    assert r.headers["content-language"] == "en"
    assert r.text == render_html(ENGLISH)  # the locales change nothing of the English page


def test_an_english_policys_declaration_is_served_as_before(kind: str) -> None:
    with make_client(kind, ENGLISH) as c:
        r = c.get("/_consent/declaration?lang=it", headers={"Accept-Language": "it"})
    assert r.text == render_html(ENGLISH)
    assert "content-language" not in r.headers and "vary" not in r.headers
    assert [k for k, _ in r.headers.items()] == [
        "content-type",
        "content-length",
        "cache-control",
    ]
