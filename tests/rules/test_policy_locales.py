"""The policy in other languages: ``language``, ``[locales.<tag>]`` and ``Policy.localised``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cookiewarden import Policy, PolicyError
from cookiewarden.rules.policy_entries import CONSENT_COOKIE

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def base(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": "1",
        "categories": {
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "performance": {"label": "Performance", "description": "Counts visits."},
        },
        "cookies": [
            {
                "name": "sid",
                "category": "necessary",
                "purpose": "Sign-in",
                "description": "Keeps you in.",
            },
            {"name": "_ga_*", "category": "performance", "lifetime": "1y", "description": "GA."},
        ],
        "storage": [
            {"name": "theme", "category": "performance", "area": "local", "description": "Theme."},
            {
                "name": "theme",
                "category": "performance",
                "area": "session",
                "description": "Theme.",
            },
        ],
        "hosts": [{"host": "*.Example-CDN.net", "category": "performance", "purpose": "Stats"}],
    }
    data.update(overrides)
    return data


ITALIAN = {
    "categories": {
        "necessary": {"label": "Strettamente necessari"},
        "performance": {"label": "Prestazioni", "description": "Contano le visite."},
    },
    "cookies": {
        "sid": {"purpose": "Accesso", "description": "Ti mantiene connesso."},
        "_ga_*": "Statistiche.",  # a plain string is the description
    },
    "storage": {"theme": "Il tema."},
    "hosts": {"*.EXAMPLE-cdn.net.": {"purpose": "Statistiche"}},  # any case, a trailing dot
}


def _italian(**overrides: Any) -> Policy:
    return Policy.from_dict(base(locales={"it": ITALIAN}, **overrides))


def test_the_policy_is_offered_in_its_own_language_then_each_locale() -> None:
    policy = Policy.from_dict(base(locales={"it": {}, "de-CH": {}}))
    assert policy.language == "en"
    assert policy.languages == ("en", "it", "de-CH")
    assert Policy.from_dict(base()).languages == ("en",)


def test_localised_writes_every_translated_text_and_keeps_the_rest() -> None:
    it = _italian().localised("it")
    assert [(c.label, c.description) for c in it.categories] == [
        ("Strettamente necessari", ""),
        ("Prestazioni", "Contano le visite."),
    ]
    sid, ga = it.lookup("sid"), it.lookup("_ga_abc")
    assert sid is not None and (sid.purpose, sid.description) == (
        "Accesso",
        "Ti mantiene connesso.",
    )
    assert ga is not None and (ga.purpose, ga.description) == ("", "Statistiche.")
    assert [(r.area, r.description) for r in it.storage] == [
        ("local", "Il tema."),
        ("session", "Il tema."),
    ]
    assert [(h.host, h.purpose, h.description) for h in it.hosts] == [
        ("*.example-cdn.net", "Statistiche", "")
    ]


def test_localised_changes_words_only_never_what_is_enforced() -> None:
    policy = _italian(gpc_refuses=["performance"], max_age="30d")
    it = policy.localised("it")
    assert [replace(c, label="", description="") for c in it.categories] == [
        replace(c, label="", description="") for c in policy.categories
    ]
    assert [replace(r, purpose="", description="", provider="") for r in it.cookies] == [
        replace(r, purpose="", description="", provider="") for r in policy.cookies
    ]
    assert (it.version, it.max_age, it.gpc_refuses, it.lookup_order[0].name) == (
        policy.version,
        policy.max_age,
        policy.gpc_refuses,
        policy.lookup_order[0].name,
    )


def test_localised_is_built_once_and_the_own_language_is_the_policy_itself() -> None:
    policy = _italian()
    assert policy.localised("en") is policy
    assert policy.localised("it") is policy.localised("it")
    with pytest.raises(KeyError, match="'de' is not one of the policy's languages"):
        policy.localised("de")


@pytest.mark.parametrize(
    ("language", "site", "provider", "consent"),
    [
        pytest.param("en", {}, "this site", "Remembers your cookie choices.", id="english"),
        pytest.param("it", {}, "questo sito", "Ricorda le tue scelte sui cookie.", id="italian"),
        pytest.param(
            "de", {"name": "Beispiel GmbH"}, "Beispiel GmbH", "Speichert Ihre Cookie-Auswahl.",
            id="german-site-name",
        ),
        pytest.param("pl", {}, "this site", "Remembers your cookie choices.", id="not-shipped"),
    ],
)  # fmt: skip
def test_own_cookies_speak_the_policys_language(
    language: str, site: dict[str, str], provider: str, consent: str
) -> None:
    rule = Policy.from_dict(base(language=language, site=site)).lookup(CONSENT_COOKIE)
    assert rule is not None and (rule.provider, rule.description) == (provider, consent)


def test_own_cookies_are_translated_in_each_locale_unless_the_locale_says_otherwise() -> None:
    policy = Policy.from_dict(
        base(locales={"fr": {}, "nl": {"cookies": {CONSENT_COOKIE: "Eigen tekst."}}})
    )
    consent = policy.localised("fr").lookup(CONSENT_COOKIE)
    assert consent is not None
    assert (consent.purpose, consent.provider) == ("Consentement", "ce site")
    assert consent.description == "Mémorise vos choix en matière de cookies."
    own = policy.localised("nl").lookup(CONSENT_COOKIE)
    assert own is not None and (own.purpose, own.description) == (
        "Toestemming",
        "Eigen tekst.",
    )


def test_an_own_cookie_the_site_declares_itself_keeps_its_texts() -> None:
    mine = {"name": CONSENT_COOKIE, "category": "necessary", "description": "Our own words."}
    policy = Policy.from_dict(base(cookies=[mine], locales={"it": {}}))
    rule = policy.localised("it").lookup(CONSENT_COOKIE)
    assert rule is not None and rule.description == "Our own words."
    assert policy.missing_translations()["it"] == (
        "locales.it.categories.necessary.label",
        "locales.it.categories.performance.label",
        "locales.it.categories.performance.description",
        "locales.it.cookies.cw_consent.description",
        "locales.it.storage.theme.description",
        'locales.it.hosts."*.example-cdn.net".purpose',
    )


def test_missing_translations_name_the_keys_a_complete_locale_gives() -> None:
    complete = {
        **ITALIAN,
        "cookies": {**ITALIAN["cookies"], "sid": {"purpose": "A", "description": "B"}},
    }
    complete["categories"] = {
        **ITALIAN["categories"],
        "necessary": {"label": "N", "description": "x"},
    }
    policy = Policy.from_dict(
        base(locales={"it": complete, "de": {"cookies": {"sid": "Drin."}}, "pl": {}})
    )
    missing = policy.missing_translations()
    assert missing["it"] == ()  # cw_consent: cookiewarden ships Italian for it
    assert missing["de"] == (
        "locales.de.categories.necessary.label",
        "locales.de.categories.performance.label",
        "locales.de.categories.performance.description",
        "locales.de.cookies.sid.purpose",
        'locales.de.cookies."_ga_*".description',
        "locales.de.storage.theme.description",  # declared for two areas, named once
        'locales.de.hosts."*.example-cdn.net".purpose',
    )
    # Polish is not shipped: cookiewarden's own cookies need the site's words too.
    assert {
        "locales.pl.cookies.cw_consent.description",
        "locales.pl.cookies.cw_consent.purpose",
    } <= set(missing["pl"])


def test_a_policy_written_in_italian_needs_no_locale() -> None:
    policy = Policy.from_dict(base(language="it"))
    assert policy.languages == ("it",) and policy.missing_translations() == {}
    assert policy.localised("it") is policy


def test_the_examples_policy_is_complete_in_italian() -> None:
    policy = Policy.from_toml(EXAMPLES / "policy.toml")
    assert policy.languages == ("en", "it")
    assert policy.missing_translations() == {"it": ()}
    assert policy.localised("it").category("targeting").label == "Profilazione e pubblicità"


def _it(**tables: Any) -> dict[str, Any]:
    """``locales = {"it": tables}``."""
    return {"locales": {"it": tables}}


BAD = [
    ({"language": "english"}, "language", "is not a language tag", "language-form"),
    ({"language": 1}, "language", "expected a language tag", "language-type"),
    ({"language": "xx"}, "language", "not a language code", "language-unknown"),
    ({"locales": {"xx": {}}}, "locales.xx", "not a language code", "tag-unknown"),
    ({"locales": {"IT": {}}}, "locales.IT", "write 'it'", "tag-case"),
    ({"locales": {"it_IT": {}}}, "locales.it_IT", "write 'it-IT'", "tag-underscore"),
    ({"locales": {"zh-Hant": {}}}, "locales.zh-Hant", "without a script", "tag-script"),
    ({"locales": {"en": {}}}, "locales.en", "the policy's own language", "own-language"),
    ({"language": "it", "locales": {"it": {}}}, "locales.it", "own language", "own-it"),
    ({"locales": []}, "locales", "expected a table of [locales.<language tag>]", "not-a-table"),
    ({"locales": {"it": "x"}}, "locales.it", "expected a table of categories", "locale-type"),
    (
        _it(cookie={}),
        "locales.it.cookie",
        "unknown key; allowed keys: categories, cookies, storage, hosts",
        "unknown-table",
    ),
    (_it(cookies=[]), "locales.it.cookies", "expected a table of names", "names-type"),
    (
        _it(cookies={"ads": "x"}),
        "locales.it.cookies.ads",
        "'ads' is not a declared cookie; declared: sid, _ga_*, cw_consent",
        "undeclared-cookie",
    ),
    (
        _it(cookies={"_ga": "x"}),
        "locales.it.cookies._ga",
        "not a declared cookie",
        "a-name-a-glob-matches-is-not-the-glob",
    ),
    (
        _it(storage={"thème": "x"}),
        'locales.it.storage."thème"',
        "'thème' is not a declared storage key; declared: theme",
        "undeclared-storage-key",
    ),
    (
        _it(hosts={"cdn.example.net": "x"}),
        'locales.it.hosts."cdn.example.net"',
        "'cdn.example.net' is not a declared host; declared: *.example-cdn.net",
        "undeclared-host",
    ),
    (
        _it(categories={"ads": {"label": "x"}}),
        "locales.it.categories.ads",
        "'ads' is not a declared category; declared: necessary, performance",
        "undeclared-category",
    ),
    (
        _it(categories={"performance": "x"}),
        "locales.it.categories.performance",
        "expected a table with label and/or description",
        "category-as-string",
    ),
    (
        _it(categories={"performance": {"name": "x"}}),
        "locales.it.categories.performance.name",
        "unknown key; a translation gives label and description",
        "category-unknown-key",
    ),
    (
        _it(cookies={"sid": {"label": "x"}}),
        "locales.it.cookies.sid.label",
        "a translation gives description and purpose",
        "cookie-unknown-key",
    ),
    (
        _it(cookies={"sid": {"provider": "x"}}),
        "locales.it.cookies.sid.provider",
        "a translation gives description and purpose",
        "providers-are-not-translated",
    ),
    (
        _it(cookies={"sid": 3}),
        "locales.it.cookies.sid",
        "expected a string (its description) or a table",
        "cookie-type",
    ),
    (
        _it(cookies={"sid": {"description": 3}}),
        "locales.it.cookies.sid.description",
        "expected a string",
        "text-type",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "key", "reason"),
    [pytest.param(overrides, key, reason, id=name) for overrides, key, reason, name in BAD],
)
def test_a_bad_translation_is_a_policy_error_naming_the_key(
    overrides: dict[str, Any], key: str, reason: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict(base(**overrides), source="cookies.toml")
    assert caught.value.key == key
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"cookies.toml: {key}: ")


def test_a_policy_file_with_an_undeclared_cookie_in_a_locale_names_file_and_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cookies.toml"
    path.write_text(
        'version = "1"\n'
        "[categories.necessary]\nnecessary = true\n"
        '[[cookies]]\nname = "sessionid"\ncategory = "necessary"\n'
        '[locales.it.cookies]\nsessionid = "Ti mantiene connesso."\nsesionid = "Refuso."\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        Policy.from_toml(path)
    assert str(caught.value) == (
        f"{path}: locales.it.cookies.sesionid: 'sesionid' is not a declared cookie;"
        " declared: sessionid, cw_consent"
    )


def _readme_toml(after: str) -> dict[str, Any]:
    """The first TOML block of the README after the heading ``after``."""
    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"```toml\n(.*?)```", readme[readme.index(after) :], re.S)
    assert block is not None, after
    return tomllib.loads(block.group(1))


def test_the_readmes_languages_example_translates_the_readmes_policy() -> None:
    data = {**_readme_toml("\n## The policy file\n"), **_readme_toml("\n### Languages\n")}
    policy = Policy.from_dict(data, source="README.md")
    assert policy.languages == ("en", "it")
    it = policy.localised("it")
    assert [c.label for c in it.categories][:2] == ["Strettamente necessari", "Prestazioni"]
    sessionid = it.lookup("sessionid")
    assert sessionid is not None and sessionid.description == "Ti mantiene connesso."
    assert "locales.it.categories.functionality.label" in policy.missing_translations()["it"]
