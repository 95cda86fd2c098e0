"""The declaration and the full cookie policy in each shipped language
(cookiewarden.web.declaration.translations), from one policy file."""

from __future__ import annotations

import json
import re
import string
import tomllib
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from cookiewarden import Policy
from cookiewarden.rules.wording import SHIPPED
from cookiewarden.web.declaration import (
    STRINGS,
    declaration_strings,
    render_html,
    render_json,
    render_markdown,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.toml"
WORDS = resources.files("cookiewarden.web.declaration").joinpath("words")
RENDERERS = [
    pytest.param(render_markdown, id="md"),
    pytest.param(render_html, id="html"),
]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _every_section() -> Policy:
    """A policy that makes the full page say every sentence: a site, GPC, a root domain, a
    shorter refusal, storage, hosts, a glob, a category without cookies, in six languages."""
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    data.update(root_domain="example.com", consent_max_age_refused="30d")
    data["categories"]["extra"] = {"label": "Extra"}
    data["locales"].update({tag: {} for tag in SHIPPED[2:]})
    return Policy.from_dict(data)


@pytest.mark.parametrize("tag", SHIPPED[1:])
def test_every_language_says_every_english_string_with_its_placeholders(tag: str) -> None:
    words = json.loads(WORDS.joinpath(f"{tag}.json").read_text("utf-8"))
    assert list(words) == list(STRINGS)  # the same keys, in the same order
    assert words["lang"] == tag
    for key, text in words.items():
        assert text.strip(), key
        assert _fields(text) == _fields(STRINGS[key]), key


def test_no_file_for_a_language_that_is_not_shipped() -> None:
    files = sorted(p.name for p in WORDS.iterdir() if p.name.endswith(".json"))
    assert files == sorted(f"{tag}.json" for tag in SHIPPED[1:])  # English is STRINGS


@pytest.mark.parametrize(
    ("tag", "lang", "title"),
    [
        pytest.param("en", "en", "Cookie declaration", id="english-is-strings"),
        pytest.param("it", "it", "Dichiarazione sui cookie", id="italian"),
        pytest.param("de-AT", "de-AT", "Cookie-Erklärung", id="a-region-speaks-its-language"),
        pytest.param("pl", "pl", "Cookie declaration", id="not-shipped-is-english-words"),
    ],
)
def test_declaration_strings_are_the_languages_words(tag: str, lang: str, title: str) -> None:
    strings = declaration_strings(tag)
    assert (strings["lang"], strings["title_declaration"]) == (lang, title)
    assert strings.keys() == STRINGS.keys()


@pytest.mark.parametrize("render", RENDERERS)
@pytest.mark.parametrize("tag", SHIPPED[1:])
def test_the_full_policy_in_each_language_says_nothing_in_english(tag: str, render: Any) -> None:
    policy = _every_section()
    text = render(policy.localised(tag), full=True, strings=declaration_strings(tag))
    for key, english in STRINGS.items():
        sentence = english.split("{")[0]
        if len(sentence) > 24 and not key.startswith("browser_"):
            assert sentence not in text, (key, sentence)
    # Every placeholder was filled: nothing of the template syntax is left.
    assert re.search(r"\{[a-z_]+\}", text) is None


def test_the_italian_declaration_is_italian_throughout(example_policy: Policy) -> None:
    page = render_html(example_policy.localised("it"), strings=declaration_strings("it"))
    assert page.startswith('<!doctype html>\n<html lang="it">')
    for words in (
        "<title>Dichiarazione sui cookie</title>",
        "<h1>Dichiarazione sui cookie</h1>",
        "<h3>Profilazione e pubblicità</h3>",
        "<caption>Cookie della categoria «Prestazioni»</caption>",
        '<th scope="col">Fornitore</th>',
        "<td>Ti mantiene connesso.</td>",
        "<td>Statistiche</td>",
        "<td>1 anno</td>",  # _ga: declared 2 years, capped to the policy's max_age
        "<td>Ricorda le tue scelte sui cookie.</td>",  # cookiewarden's own cookie
        "<td>questo sito</td>",
        "<td>Archiviazione locale</td>",
        ">Impostazioni dei cookie</button>",
        "rifiuto di «Profilazione e pubblicità»",
    ):
        assert words in page, words


def test_the_json_declaration_speaks_the_language_too(example_policy: Policy) -> None:
    data = json.loads(
        render_json(example_policy.localised("it"), strings=declaration_strings("it"))
    )
    performance = next(c for c in data["categories"] if c["key"] == "performance")
    assert performance["label"] == "Prestazioni"
    ga = next(c for c in performance["cookies"] if c["name"] == "_ga")
    assert (ga["purpose"], ga["effective_lifetime_text"]) == ("Statistiche", "1 anno")
    assert (ga["lifetime"], ga["effective_lifetime"]) == (2 * 365 * 86400, 365 * 86400)


@pytest.mark.parametrize("full", [False, True], ids=["declaration", "full"])
def test_the_english_page_is_the_page_it_was_before_locales(full: bool) -> None:
    """The same file without its [locales.it]: byte for byte the same English."""
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    with_locales = Policy.from_dict(data)
    del data["locales"]
    without = Policy.from_dict(data)
    for render in (render_markdown, render_html):
        assert render(with_locales, full=full) == render(without, full=full)
        english = render(with_locales.localised("en"), full=full, strings=declaration_strings("en"))
        assert english == render(without, full=full)
    assert render_json(with_locales) == render_json(without)


class _Lang(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")


@pytest.mark.parametrize("tag", [*SHIPPED, "de-CH", "pl"])
def test_the_page_says_the_language_it_is_offered_in(tag: str) -> None:
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    data["locales"].update({t: {} for t in (*SHIPPED[2:], "de-CH", "pl")})
    policy = Policy.from_dict(data)
    parser = _Lang()
    parser.feed(render_html(policy.localised(tag), strings=declaration_strings(tag)))
    assert parser.lang == tag
