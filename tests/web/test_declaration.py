"""cookiewarden.web.declaration: the declaration and the full policy, as Markdown, HTML, JSON."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from cookiewarden.rules.policy import Policy
from cookiewarden.web.declaration import (
    STRINGS,
    human_duration,
    render_html,
    render_json,
    render_markdown,
)

DAY = 86400
YEAR = 365 * DAY


def _policy(**overrides: Any) -> Policy:
    data: dict[str, Any] = {
        "version": "7",
        "max_age": "365d",
        "categories": {
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "performance": {"label": "Performance", "description": "Counting visits."},
        },
        "cookies": [
            {"name": "sid", "category": "necessary", "purpose": "Sign-in", "lifetime": "session"},
            {"name": "_ga", "category": "performance", "purpose": "Analytics", "lifetime": "2y"},
        ],
    }
    data.update(overrides)
    return Policy.from_dict(data)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(None, "Session", id="session"),
        pytest.param(YEAR, "1 year", id="one-year"),
        pytest.param(2 * YEAR, "2 years", id="years"),
        pytest.param(30 * DAY, "30 days", id="days"),
        pytest.param(400 * DAY, "400 days", id="not-whole-years"),
        pytest.param(DAY, "1 day", id="one-day"),
        pytest.param(7200, "2 hours", id="hours"),
        pytest.param(90 * 60, "90 minutes", id="minutes"),
        pytest.param(61, "61 seconds", id="seconds"),
    ],
)
def test_human_duration_uses_the_largest_whole_unit(seconds: int | None, text: str) -> None:
    assert human_duration(seconds) == text


# -- every format lists every declared cookie with its effective lifetime ---------------------


def test_markdown_lists_every_declared_cookie_with_capped_lifetimes(
    example_policy: Policy,
) -> None:
    text = render_markdown(example_policy)
    for rule in example_policy.cookies:
        assert f"`{rule.name}`" in text
    ga_row = next(line for line in text.splitlines() if line.startswith("| `_ga` "))
    assert "| 1 year |" in ga_row and "2 years" not in ga_row  # declared 2y, capped
    ads_row = next(line for line in text.splitlines() if line.startswith("| `ads_id` "))
    assert "| 1 year |" in ads_row  # declared 400d, capped
    session_row = next(line for line in text.splitlines() if line.startswith("| `sessionid` "))
    assert "| Session | Session |" in session_row
    assert "Non-essential cookies expire no later than 1 year after they are set." in text


def test_markdown_tells_how_to_change_consent(example_policy: Policy) -> None:
    text = render_markdown(example_policy, consent_path="/privacy/consent")
    assert re.search(r"<button [^>]*data-cookiewarden-open[^>]*>Cookie settings</button>", text)
    assert "`/privacy/consent`" in text


def test_markdown_escapes_policy_text_and_table_pipes() -> None:
    policy = _policy(
        cookies=[
            {
                "name": "x",
                "category": "performance",
                "description": "a | b *not bold* <i>",
                "lifetime": "1d",
            }
        ]
    )
    row = next(line for line in render_markdown(policy).splitlines() if "`x`" in line)
    assert r"a \| b \*not bold\* \<i\>" in row
    assert row.count(" | ") == 5  # six cells, no extra column from the description


def test_json_carries_declared_and_effective_lifetimes(example_policy: Policy) -> None:
    document = json.loads(render_json(example_policy))
    assert document["version"] == example_policy.version
    cookies = {c["name"]: c for cat in document["categories"] for c in cat["cookies"]}
    assert set(cookies) == {rule.name for rule in example_policy.cookies}
    assert cookies["_ga"]["lifetime"] == 2 * YEAR
    assert cookies["_ga"]["effective_lifetime"] == YEAR
    assert cookies["_ga"]["effective_lifetime_text"] == "1 year"
    assert cookies["_ga"]["capped"] is True
    assert cookies["_ga_*"]["glob"] is True
    assert cookies["sessionid"]["type"] == "session"
    assert cookies["sessionid"]["effective_lifetime"] is None
    assert cookies["csrftoken"]["capped"] is False  # necessary: exempt from max_age


# -- HTML: accessible, self-contained, escaped --------------------------------------------------


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _outline(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Outline()
    parser.feed(text)
    return parser.tags


def test_html_is_an_accessible_page(example_policy: Policy) -> None:
    text = render_html(example_policy)
    tags = _outline(text)
    assert text.startswith("<!doctype html>")
    assert ("html", {"lang": "en"}) in tags
    assert [t for t, _ in tags].count("h1") == 1
    tables = [t for t, _ in tags].count("table")
    # A table of cookies per category, and one of storage keys and one of hosts where declared.
    with_storage = {r.category for r in example_policy.storage}
    with_hosts = {r.category for r in example_policy.hosts}
    assert tables == len(example_policy.categories) + len(with_storage) + len(with_hosts)
    assert [t for t, _ in tags].count("caption") == tables
    rows = len(example_policy.cookies) + len(example_policy.storage) + len(example_policy.hosts)
    assert sum(1 for t, a in tags if t == "th" and a.get("scope") == "row") == rows
    assert any(t == "th" and a.get("scope") == "col" for t, a in tags)
    assert any("data-cookiewarden-open" in a for _, a in tags)
    assert ("script", {"src": "/_consent/banner.js", "defer": None}) in tags
    assert "<link" not in text  # self-contained: the only stylesheet is inline


def test_html_escapes_everything_from_the_policy() -> None:
    policy = _policy(
        categories={
            "necessary": {"label": "<b>Needed</b>", "necessary": True},
        },
        cookies=[
            {
                "name": "x",
                "category": "necessary",
                "description": '<script>alert("x")</script>',
                "provider": "A & B",
            }
        ],
        site={"organisation": "<img src=x onerror=alert(1)>", "email": 'a"b@example.com'},
    )
    text = render_html(policy, full=True, consent_path='/c"onsent')
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "<b>Needed" not in text and "&lt;b&gt;Needed&lt;/b&gt;" in text
    assert "A &amp; B" in text
    assert "<img" not in text
    assert 'href="mailto:a&quot;b@example.com"' in text
    assert 'src="/c&quot;onsent/banner.js"' in text


def test_html_strings_can_be_translated(example_policy: Policy) -> None:
    strings = {"lang": "fr", "title_declaration": "Déclaration des cookies", "unit_year": "{n} an"}
    text = render_html(example_policy, strings=strings)
    assert '<html lang="fr">' in text
    assert "<h1>Déclaration des cookies</h1>" in text
    assert "<td>1 an</td>" in text
    assert STRINGS["lang"] == "en"  # the defaults are untouched


def test_html_without_banner_has_no_script(example_policy: Policy) -> None:
    assert "<script" not in render_html(example_policy, banner=False)


# -- the full cookie policy ---------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_markdown, render_html], ids=["md", "html"])
def test_full_policy_has_every_section_and_the_site_contact(
    example_policy: Policy, render: Any
) -> None:
    text = render(example_policy, full=True)
    for key in (
        "h_what",
        "h_why",
        "h_categories",
        "h_access",
        "h_expiry",
        "h_off",
        "h_manage",
        "h_cookies",
        "h_changes",
        "h_contact",
    ):
        assert STRINGS[key] in text, key
    for value in ("Example Ltd", "privacy@example.com", "1 Example Street, London", "2026-11-01"):
        assert value in text
    for browser in ("Chrome", "Firefox", "Safari", "Edge"):
        assert browser in text
    assert "Analytics (Performance)" in text  # the purposes the declared cookies serve
    assert "Non-essential cookies expire no later than 1 year after they are set." in text
    assert "data-cookiewarden-open" in text


def test_full_policy_explains_access_with_the_root_domain() -> None:
    text = render_markdown(_policy(root_domain="shop.example"), full=True)
    assert "www.shop.example" in text
    assert "None of our cookies is shared wider than shop.example." in text


def test_full_policy_takes_the_example_domain_from_the_organisation_email() -> None:
    text = render_markdown(_policy(site={"email": "dpo@acme.test"}), full=True)
    assert "www.acme.test" in text


def test_full_policy_without_site_table_speaks_for_the_website() -> None:
    text = render_markdown(_policy(), full=True)
    assert STRINGS["intro_policy_anonymous"] in text
    assert STRINGS["h_contact"] not in text
    assert "Policy version 7." in text


def test_declaration_states_gpc_only_when_the_policy_uses_it() -> None:
    assert "Global Privacy Control" not in render_markdown(_policy())
    text = render_markdown(_policy(gpc_refuses=["performance"]))
    assert "a refusal of “Performance”" in text


def test_category_without_cookies_says_so() -> None:
    policy = _policy(
        categories={
            "necessary": {"label": "Strictly necessary", "necessary": True},
            "targeting": {"label": "Targeting"},
        },
        cookies=[],
    )
    assert STRINGS["no_cookies"] in render_markdown(policy)


@pytest.mark.parametrize("render", [render_markdown, render_html], ids=["md", "html"])
def test_full_policy_says_how_long_a_refusal_is_kept_when_it_differs(
    example_policy: Policy, render: Any
) -> None:
    sentence = "If you refuse every optional cookie, that choice is kept for"
    assert sentence not in render(example_policy, full=True)
    shorter = Policy.from_dict(
        {
            "version": "1",
            "consent_max_age_refused": "30d",
            "categories": {"necessary": {"necessary": True}, "performance": {}},
        }
    )
    assert f"{sentence} 30 days." in render(shorter, full=True)
    assert json.loads(render_json(shorter))["consent_max_age_refused"] == 30 * 86400


def test_storage_keys_and_hosts_are_declared_beside_their_categorys_cookies(
    example_policy: Policy,
) -> None:
    md = render_markdown(example_policy)
    performance = md[md.index("### Performance") : md.index("### Functionality")]
    assert "Performance: data kept in your browser's storage" in performance
    assert "| `_hj*` | Local storage | Hotjar | Analytics |" in performance
    assert "Performance: other websites our pages load from or send to" in performance
    assert "| `*.google-analytics.com` | Google Analytics | Analytics |" in performance
    targeting = md[md.index("### Targeting") :]
    assert "| `*.facebook.net` | Meta | Advertising |" in targeting
    assert "| `theme` | Local or session storage |" in md
    page = render_html(example_policy)
    assert (
        "<caption>Targeting or advertising: other websites our pages load from or send to" in page
    )
    data = json.loads(render_json(example_policy))
    by_key = {c["key"]: c for c in data["categories"]}
    assert by_key["performance"]["storage"] == [
        {
            "name": "_hj*",
            "glob": True,
            "area": "local",
            "provider": "Hotjar",
            "purpose": "Analytics",
            "description": "Hotjar's visitor and session ids.",
        }
    ]
    assert [h["host"] for h in by_key["targeting"]["hosts"]] == ["*.facebook.net"]
    assert data["unknown_hosts"] == "allow"
    assert by_key["necessary"]["storage"] == [] and by_key["necessary"]["hosts"] == []
