"""cookiewarden.rules.page_rules: the guard's own words, per language (rule 5).

The guard's decisions are compared with the server's in tests/web/test_guard_differential.py;
here, only the texts it shows on a held embed.
"""

from __future__ import annotations

from pathlib import Path

from cookiewarden import Policy
from cookiewarden.rules.page_rules import page_rules

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_texts_of_an_english_policy_are_its_own() -> None:
    texts = page_rules(Policy.default(), "example.com")["texts"]
    english = [
        "This content sets cookies for: {categories}. ",
        "Allow",
        {
            "necessary": "Strictly necessary",
            "performance": "Performance",
            "functionality": "Functionality",
            "targeting": "Targeting or advertising",
        },
    ]
    assert texts == {"en": english, "": english}


def test_each_language_of_the_policy_has_its_words_and_labels_keyed_in_lower_case() -> None:
    policy = Policy.from_dict(
        {
            "version": "1",
            "language": "it",
            "categories": {
                "necessary": {"label": "Necessari", "necessary": True},
                "performance": {"label": "Prestazioni"},
            },
            "locales": {"de-CH": {"categories": {"performance": {"label": "Statistik"}}}, "pl": {}},
        }
    )
    texts = page_rules(policy, "example.com")["texts"]
    assert list(texts) == ["it", "de-ch", "pl", ""]
    assert texts["it"] == [
        "Questo contenuto imposta cookie per: {categories}. ",
        "Consenti",
        {"necessary": "Necessari", "performance": "Prestazioni"},
    ]
    assert texts["de-ch"][:2] == ["Dieser Inhalt setzt Cookies für: {categories}. ", "Zulassen"]
    assert texts["de-ch"][2] == {"necessary": "Necessari", "performance": "Statistik"}
    assert texts["pl"][1] == "Allow"  # not shipped: English words, the policy's labels
    assert texts[""] == texts["it"]  # the policy's own language, for a page in another one


def test_the_examples_policy_speaks_italian_on_an_italian_page() -> None:
    texts = page_rules(Policy.from_toml(EXAMPLES / "policy.toml"), "example.com")["texts"]
    assert texts["it"][2]["functionality"] == "Funzionalità"
    assert texts[""][2]["functionality"] == "Functionality"
