"""``cookiewarden.templating``: the consent a template reads, and the tags a page carries.

The view is checked in Python and in a real Jinja environment (Django's template language reads
it through the same mapping: ``tests/integrations/test_django_app.py``).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from cookiewarden import Consent, Policy
from cookiewarden.rules.consent import choose
from cookiewarden.templating import ConsentView, head_markup, open_button

POLICY = Policy.from_toml(Path(__file__).resolve().parents[1] / "examples" / "policy.toml")
CATEGORIES = ("necessary", "performance", "functionality", "targeting")


def chosen(*granted: str) -> Consent:
    return choose(POLICY, granted, gpc=False, accept_all=False, method="api", now=1_800_000_000)


def test_each_category_reads_as_an_attribute_and_a_key() -> None:
    view = ConsentView.of(chosen("performance"), POLICY)
    assert [getattr(view, key) for key in CATEGORIES] == [True, True, False, False]
    assert [view[key] for key in CATEGORIES] == [True, True, False, False]
    assert list(view) == list(CATEGORIES) and len(view) == 4
    assert dict(view) == {
        "necessary": True,
        "performance": True,
        "functionality": False,
        "targeting": False,
    }
    assert view.granted == frozenset({"necessary", "performance"})
    assert view.decided is True
    assert view.allows("performance") and not view.allows("targeting")


def test_the_view_keeps_the_consent_it_was_given() -> None:
    consent = chosen("functionality")
    view = ConsentView.of(consent, POLICY)
    assert view.consent is consent
    assert "performance" in view and "ads" not in view
    assert repr(view) == "<ConsentView decided=True granted=[necessary, functionality]>"


@pytest.mark.parametrize("key", ["ads", "Performance", "_private", "__html__"])
def test_a_key_that_is_no_category_is_missing(key: str) -> None:
    view = ConsentView.of(chosen("performance"), POLICY)
    with pytest.raises(KeyError):
        view[key]
    with pytest.raises(AttributeError):
        getattr(view, key)


def test_the_view_has_no_setters() -> None:
    view = ConsentView.of(chosen(), POLICY)
    with pytest.raises(AttributeError):
        view.performance = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        view["performance"] = True  # type: ignore[index]
    assert view.performance is False


def test_an_undecided_visitor_is_granted_only_the_necessary_categories() -> None:
    view = ConsentView.of(Consent.undecided(POLICY), POLICY)
    assert dict(view) == dict.fromkeys(CATEGORIES, False) | {"necessary": True}
    assert view.decided is False


@pytest.mark.parametrize(
    ("source", "granted", "expected"),
    [
        pytest.param(
            "{% if consent.performance %}on{% else %}off{% endif %}",
            ["performance"],
            "on",
            id="attr-on",
        ),
        pytest.param(
            "{% if consent.performance %}on{% else %}off{% endif %}", [], "off", id="attr-off"
        ),
        pytest.param(
            "{% if consent['targeting'] %}on{% else %}off{% endif %}", ["targeting"], "on", id="key"
        ),
        pytest.param(
            "{% if consent.ads %}on{% else %}off{% endif %}", ["targeting"], "off", id="misspelt"
        ),
        pytest.param("{{ consent.decided }}", [], "True", id="decided"),
        pytest.param(
            "{{ consent.granted | sort | join(',') }}",
            ["targeting"],
            "necessary,targeting",
            id="granted",
        ),
        pytest.param(
            "{% for key, on in consent.items() %}{{ key }}={{ on }} {% endfor %}",
            [],
            "necessary=True performance=False functionality=False targeting=False ",
            id="items",
        ),
    ],
)
def test_jinja_templates_read_the_view(source: str, granted: list[str], expected: str) -> None:
    template = jinja2.Environment(autoescape=True).from_string(source)
    assert template.render(consent=ConsentView.of(chosen(*granted), POLICY)) == expected


class LazyNonce:
    """A nonce made when first turned into text, as django-csp's is."""

    def __init__(self) -> None:
        self.made = False

    def __str__(self) -> str:
        self.made = True
        return "lazy-n0nce"


def test_the_head_tags_carry_a_nonce_and_point_at_the_consent_path() -> None:
    assert head_markup("/privacy", nonce="abc") == (
        '<script src="/privacy/guard.js" nonce="abc"></script>'
        '<script src="/privacy/banner.js" defer nonce="abc"></script>'
    )
    lazy = LazyNonce()
    assert 'nonce="lazy-n0nce"' in head_markup(nonce=lazy) and lazy.made


def test_the_guards_url_names_the_visitors_state_where_it_is_known() -> None:
    policy = Policy.default()
    first = head_markup(policy=policy, consent=Consent.undecided(policy))
    chosen = choose(policy, ["performance"], gpc=False, accept_all=False, method="api", now=0)
    again = choose(policy, ["performance"], gpc=False, accept_all=False, method="api", now=9)
    tokens = [
        html.split("guard.js?s=", 1)[1][:13]
        for html in (first, head_markup(policy=policy, consent=chosen))
    ]
    assert all(len(t) == 13 and t.endswith('"') for t in tokens) and tokens[0] != tokens[1]
    # A state, not a visitor: two visitors who chose alike share one URL (and one cached copy).
    assert head_markup(policy=policy, consent=again) == head_markup(policy=policy, consent=chosen)
    assert "?s=" not in head_markup(policy=policy)  # no consent, no state to name


@pytest.mark.parametrize("nonce", [None, ""], ids=["none", "empty"])
def test_no_nonce_means_no_nonce_attribute(nonce: str | None) -> None:
    assert head_markup(nonce=nonce) == (
        '<script src="/_consent/guard.js"></script>'
        '<script src="/_consent/banner.js" defer></script>'
    )


def test_a_nonce_is_escaped() -> None:
    assert 'nonce="a&quot;&gt;&lt;script&gt;"' in head_markup(nonce='a"><script>')


@pytest.mark.parametrize(
    ("label", "html"),
    [
        pytest.param("Cookie settings", "Cookie settings", id="plain"),
        pytest.param("Cookies & <you>", "Cookies &amp; &lt;you&gt;", id="escaped"),
        pytest.param(Markup("<b>Cookies</b>"), "<b>Cookies</b>", id="safe-markup-kept"),
    ],
)
def test_the_open_button_escapes_its_label(label: str, html: str) -> None:
    assert open_button(label) == f'<button type="button" data-cookiewarden-open>{html}</button>'
