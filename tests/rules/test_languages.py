"""cookiewarden.rules.languages: language tags, Accept-Language and negotiation."""

from __future__ import annotations

import pytest

from cookiewarden import PolicyError
from cookiewarden.rules.languages import (
    MAX_RANGES,
    check_language_tag,
    language_of,
    lookup,
    negotiate,
    parse_accept_language,
)


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("en", id="two-letter"),
        pytest.param("it", id="italian"),
        pytest.param("pt-BR", id="with-a-region"),
        pytest.param("es-419", id="with-an-m49-area"),
        pytest.param("fil", id="three-letter-without-a-two-letter-code"),
        pytest.param("gsw-CH", id="three-letter-with-a-region"),
    ],
)
def test_a_language_tag_is_accepted_as_written(tag: str) -> None:
    assert check_language_tag(tag, "locales.x") == tag


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        pytest.param("IT", "write 'it'", id="upper-case-language"),
        pytest.param("pt-br", "write 'pt-BR'", id="lower-case-region"),
        pytest.param("it_IT", "write 'it-IT'", id="underscore"),
        pytest.param("xx", "'xx' is not a language code", id="unknown-language"),
        pytest.param("xx-IT", "'xx-IT': 'xx' is not a language", id="unknown-language-region"),
        pytest.param("ita", "'ita' is not a language code", id="three-letters-where-two-exist"),
        pytest.param("und", "'und' is not a language code", id="undetermined-is-no-language"),
        pytest.param("it-XX", "'XX' is not an ISO 3166-1 region code", id="unknown-region"),
        pytest.param("es-999", "'999' is not an ISO 3166-1", id="unknown-area"),
        pytest.param("zh-Hant", "without a script or variant", id="script"),
        pytest.param("de-CH-1996", "without a script or variant", id="variant"),
        pytest.param("english", "is not a language tag", id="a-word"),
        pytest.param("", "is not a language tag", id="empty"),
        pytest.param(7, "expected a language tag such as", id="not-a-string"),
    ],
)
def test_a_bad_tag_is_a_policy_error_naming_the_key_and_the_fix(tag: object, reason: str) -> None:
    with pytest.raises(PolicyError) as caught:
        check_language_tag(tag, "locales.x")
    assert caught.value.key == "locales.x"
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        pytest.param(None, [], id="none"),
        pytest.param("", [], id="empty"),
        pytest.param("it-IT,it;q=0.9,en;q=0.8", ["it-IT", "it", "en"], id="chromium"),
        pytest.param("fr;q=0.5, de-CH", ["de-CH", "fr"], id="by-quality"),
        pytest.param("nl;q=0.8, es;q=0.8, it", ["it", "nl", "es"], id="ties-keep-their-order"),
        pytest.param("en;q=0, it", ["it"], id="q-zero-is-refused"),
        pytest.param("*, it;q=0.1", ["it"], id="star-is-no-wish"),
        pytest.param("it;q=2, de;q=abc, fr", ["fr"], id="malformed-weights-skipped"),
        pytest.param("<script>, it", ["it"], id="garbage-skipped"),
        pytest.param("IT ; Q=0.5 , de", ["de", "IT"], id="spaces-and-case"),
    ],
)
def test_accept_language_is_read_most_wanted_first(header: str | None, ranges: list[str]) -> None:
    assert parse_accept_language(header) == ranges


def test_accept_language_reads_a_bounded_number_of_ranges() -> None:
    header = ", ".join(["xx"] * 500 + ["it"])
    assert parse_accept_language(header) == ["xx"] * MAX_RANGES


OFFERED = ("en", "it", "pt-BR", "de-CH")


@pytest.mark.parametrize(
    ("asked", "accept", "answer"),
    [
        pytest.param([], None, "en", id="nothing-asked-the-default"),
        pytest.param(["it"], None, "it", id="asked"),
        pytest.param(["it-IT"], None, "it", id="region-falls-back-to-language"),
        pytest.param(["IT"], None, "it", id="case-does-not-matter"),
        pytest.param(["pt"], None, "pt-BR", id="language-finds-its-region"),
        pytest.param(["pt-PT"], None, "pt-BR", id="another-region-of-the-language"),
        pytest.param(["de"], None, "de-CH", id="language-to-the-only-region"),
        pytest.param(["it"], "de-CH", "it", id="asked-before-accept-language"),
        pytest.param(["pl"], "it;q=0.5, fr", "it", id="not-offered-then-accept-language"),
        pytest.param([None, "", "  "], "it", "it", id="empty-wishes-skipped"),
        pytest.param(["<b>"], "it", "it", id="garbage-wish-skipped"),
        pytest.param([], "fr, pl", "en", id="no-match-the-default"),
        pytest.param([], "pt-br;q=0.4, it;q=0.9", "it", id="accept-language-by-quality"),
    ],
)
def test_negotiate(asked: list[str | None], accept: str | None, answer: str) -> None:
    assert negotiate(OFFERED, "en", asked=asked, accept_language=accept) == answer


def test_lookup_and_language_of() -> None:
    table = {"de": 1, "pt-BR": 2}
    assert (lookup(table, "de-CH"), lookup(table, "pt-BR"), lookup(table, "pt")) == (1, 2, None)
    assert language_of("pt-BR") == "pt"
