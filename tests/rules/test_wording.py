"""cookiewarden.rules.wording: the words cookiewarden puts on a page, in six languages."""

from __future__ import annotations

import json
import re
import string
from importlib import resources

import pytest

from cookiewarden.rules.wording import SECTIONS, SHIPPED, page_words, shipped_language

STATIC = resources.files("cookiewarden.web").joinpath("static")
WORDS = resources.files("cookiewarden.rules").joinpath("words")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_six_languages_are_shipped_and_nothing_else() -> None:
    assert SHIPPED == ("en", "it", "de", "fr", "es", "nl")
    files = sorted(p.name for p in WORDS.iterdir() if p.name.endswith(".json"))
    assert files == sorted(f"{tag}.json" for tag in SHIPPED)


@pytest.mark.parametrize("tag", SHIPPED[1:])
@pytest.mark.parametrize("section", SECTIONS)
def test_every_language_says_every_english_word_with_its_placeholders(
    tag: str, section: str
) -> None:
    english = page_words("en", section)  # type: ignore[arg-type]
    words = page_words(tag, section)  # type: ignore[arg-type]
    assert words.keys() == english.keys()
    for key, text in words.items():
        assert text.strip(), (tag, key)
        assert _fields(text) == _fields(english[key]), (tag, key)
    if section == "banner":  # a translation, not a copy (the browsers' names aside)
        assert all(words[k] != english[k] for k in english), tag


def test_the_files_are_json_with_sections_only() -> None:
    for tag in SHIPPED:
        data = json.loads(WORDS.joinpath(f"{tag}.json").read_text("utf-8"))
        assert tuple(data) == SECTIONS, tag


@pytest.mark.parametrize("tag", SHIPPED)
def test_accept_all_and_reject_all_weigh_the_same_in_every_language(tag: str) -> None:
    """Rule 3: said alike (as many words, about as long), "Customise" no longer than needed."""
    banner = page_words(tag, "banner")
    accept, reject = banner["accept_all"], banner["reject_all"]
    assert len(accept.split()) == len(reject.split()), (accept, reject)
    assert abs(len(accept) - len(reject)) <= 3, (accept, reject)
    assert len(banner["customise"].split()) == 1


def _banner_js_strings() -> dict[str, str]:
    """The ``S`` table of banner.js: ``key: "text"`` pairs, strings joined with ``+``."""
    source = STATIC.joinpath("banner.js").read_text("utf-8")
    table = re.search(r"\nconst S = \{\n(.*?)\n\};\n", source, re.S)
    assert table is not None
    body = re.sub(r'"\s*\+\s*"', "", table.group(1))  # "a " +\n "b" -> "a b"
    return {k: json.loads(f'"{v}"') for k, v in re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', body)}


def test_the_banners_built_in_strings_are_the_english_words() -> None:
    """Rule 1: a banner that could not ask the server speaks the same English."""
    assert _banner_js_strings() == dict(page_words("en", "banner"))


@pytest.mark.parametrize(
    ("tag", "shipped", "reject"),
    [
        pytest.param("it", "it", "Rifiuta tutti", id="shipped"),
        pytest.param("de-CH", "de", "Alle ablehnen", id="region-speaks-its-language"),
        pytest.param("fr-CA", "fr", "Tout refuser", id="another-region"),
        pytest.param("pl", None, "Reject all", id="not-shipped-is-english"),
        pytest.param("pt-BR", None, "Reject all", id="not-shipped-with-region"),
    ],
)
def test_a_tag_gets_the_words_of_its_language_else_english(
    tag: str, shipped: str | None, reject: str
) -> None:
    assert shipped_language(tag) == shipped
    assert page_words(tag, "banner")["reject_all"] == reject
