"""The scan's states (``--states``) and its three reports, from hand-built observations: the JSON
in its documented shape, the text for terminals (and its progress bar), the self-contained HTML.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from cookiewarden import Policy
from cookiewarden.tools.scan.cookiedb import load_database
from cookiewarden.tools.scan.findings import Judgement, judge
from cookiewarden.tools.scan.model import (
    CookieSeen,
    RequestSeen,
    Scan,
    State,
    StateError,
    StateRun,
    StorageSeen,
    parse_states,
)
from cookiewarden.tools.scan.report_html import render_html
from cookiewarden.tools.scan.report_json import document, render_json
from cookiewarden.tools.scan.report_text import ProgressBar, render_text
from cookiewarden.tools.scan.suggest import suggest

T = 1_800_000_000.0
URL = "https://www.example.com/"
CATEGORIES = ("necessary", "performance", "functionality", "targeting")
JPEG = b"\xff\xd8\xff\xe0 not really a jpeg"
EVIL = '<img src="https://evil.example/x.gif">'


def scan() -> Judgement:
    none = StateRun(
        State("none"),
        True,
        None,
        (URL,),
        T,
        None,
        (
            CookieSeen(
                "sessionid", "www.example.com", "/", None, True, True, "Lax", "http", URL, T + 0.2
            ),
            CookieSeen(
                "_ga",
                ".example.com",
                "/",
                T + 400 * 86400 + 0.7,
                False,
                False,
                "Lax",
                "script",
                URL + "tag.js",
                T + 0.7,
            ),
            CookieSeen(
                EVIL,
                "www.example.com",
                "/",
                T + 3600.4,
                False,
                False,
                "Lax",
                "unknown",
                None,
                T + 1,
            ),
        ),
        (StorageSeen("local", "fp_blob", "https://www.example.com"),),
        (RequestSeen("www.example.com", T, 3, URL), RequestSeen("cdn.example.net", T, 1, "x")),
        appeared=(
            ("sessionid", "www.example.com", T + 0.2),
            ("_ga", ".example.com", T + 0.7),
            (EVIL, "www.example.com", T + 1),
            ("gone", "www.example.com", T + 0.5),
        ),
        screenshot=JPEG,
    )
    reject = StateRun(State("reject"), False, "no cookiewarden banner on the page", started_at=T)
    return judge(Scan((URL,), "www.example.com", (none, reject), T), Policy.default())


@pytest.mark.parametrize(
    ("text", "names"),
    [
        pytest.param("none,reject,accept", ["none", "reject", "accept"], id="the-default"),
        pytest.param(" accept , none,accept", ["accept", "none"], id="spaces-and-twice"),
        pytest.param("withdraw,only:targeting", ["withdraw", "only:targeting"], id="only"),
    ],
)
def test_states_are_read_in_order(text: str, names: list[str]) -> None:
    states = parse_states(text, CATEGORIES, frozenset({"necessary"}))
    assert [s.name for s in states] == names


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param("none,later", "unknown state 'later'", id="unknown-state"),
        pytest.param(
            "only:ads",
            "optional categories: performance, functionality, targeting",
            id="unknown-category",
        ),
        pytest.param(
            "only:necessary",
            "'only:necessary' names no optional category",
            id="a-necessary-category",
        ),
        pytest.param(" , ", "no state given", id="empty"),
    ],
)
def test_bad_states_name_what_is_allowed(text: str, needle: str) -> None:
    with pytest.raises(StateError, match=re.escape(needle)):
        parse_states(text, CATEGORIES, frozenset({"necessary"}))


def test_what_each_state_grants() -> None:
    necessary, every = frozenset({"n"}), frozenset({"n", "a", "b"})
    got = {
        name: state.granted(necessary, every, opt_out=False)
        for name, state in (
            ("none", State("none")),
            ("accept", State("accept")),
            ("only", State("only", "a")),
            ("withdraw", State("withdraw")),
        )
    }
    assert got == {"none": necessary, "accept": every, "only": {"n", "a"}, "withdraw": necessary}
    assert State("none").granted(necessary, every, opt_out=True) == every


def test_json_is_in_the_documented_shape() -> None:
    data = json.loads(render_json(scan()))
    assert list(data) == ["policy_version", "pages", "notes", "states", "findings"]
    assert data["policy_version"] == "1" and data["pages"] == [URL]
    none, reject = data["states"]["none"], data["states"]["reject"]
    assert list(data["states"]) == ["none", "reject"]
    assert list(none) == ["reached", "reason", "cookies", "storage", "requests"]
    assert list(none["cookies"][0]) == [
        "name",
        "domain",
        "path",
        "expires",
        "http_only",
        "secure",
        "same_site",
        "third_party",
        "set_by",
        "set_by_url",
        "category",
        "appeared",
    ]
    ga = none["cookies"][1]
    assert (ga["expires"], ga["set_by"], ga["category"], ga["appeared"]) == (
        int(T) + 400 * 86400,
        "script",
        None,
        0.7,
    )
    assert none["cookies"][0]["expires"] is None
    assert none["storage"] == [{"area": "local", "name": "fp_blob", "category": None}]
    assert none["requests"] == [
        {"host": "www.example.com", "third_party": False, "category": None},
        {"host": "cdn.example.net", "third_party": True, "category": None},
    ]
    assert reject == {
        "reached": False,
        "reason": "no cookiewarden banner on the page",
        "cookies": [],
        "storage": [],
        "requests": [],
    }
    assert {tuple(f) for f in data["findings"]} == {
        ("state", "kind", "what", "name", "category", "detail")
    }
    assert [(f["state"], f["kind"], f["what"], f["name"]) for f in data["findings"]] == [
        ("none", "undeclared", "cookie", "sessionid"),
        ("none", "undeclared", "cookie", "_ga"),
        ("none", "undeclared", "cookie", EVIL),
        ("none", "undeclared", "storage", "fp_blob"),
    ]
    assert "suggestions" not in data


def test_json_carries_suggestions_when_asked() -> None:
    judgement = scan()
    data = document(judgement, suggestions=suggest(judgement, load_database()))
    ga = next(s for s in data["suggestions"] if s["name"] == "_ga")
    assert ga == {
        "table": "cookies",
        "name": "_ga",
        "category": "performance",
        "purpose": "Analytics",
        "provider": "Google Analytics",
        "description": ga["description"],
        "lifetime": "2y",
        "known": True,
        "source": "Open Cookie Database: Google Analytics, Analytics",
        "observed": ["_ga"],
    }


def test_text_says_what_failed_and_what_was_not_reached() -> None:
    text = render_text(scan())
    assert (
        'reject: "Reject all" clicked in the banner\n  NOT REACHED: no cookiewarden banner' in text
    )
    assert "\nFAIL: 4 findings, 1 state not reached (reject)\n  none  undeclared  cookie" in text
    row = next(line for line in text.splitlines() if " _ga " in line)
    assert row.split() == [
        "FAIL",
        "_ga",
        ".example.com",
        "400",
        "days",
        "-",
        "script",
        "undeclared",
        "undeclared",
    ]


def test_text_of_a_clean_scan_says_ok() -> None:
    run = StateRun(State("none"), True, None, (URL,), T, None)
    judgement = judge(Scan((URL,), "www.example.com", (run,), T), Policy.default())
    text = render_text(judgement, suggestions=())
    assert "OK: 1 state, every cookie, storage key and request within the policy" in text
    assert text.endswith("Suggested policy entries: none (nothing undeclared)\n")


def test_html_is_self_contained_and_escapes_what_the_site_said() -> None:
    page = render_html(scan(), now=T)
    assert page.startswith("<!doctype html>")
    # Nothing the page would load: no script, no stylesheet link, no remote image.
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert EVIL not in page and escape_html(EVIL) in page
    assert page.count('src="data:image/jpeg;base64,') == 1  # the one reached state's first view
    assert "Not reached: no cookiewarden banner on the page" in page
    assert "FAIL: 4 findings, 1 state not reached" in page
    assert page.count('class="dot gone"') == 1  # the timeline marks the cookie gone by the end


def escape_html(text: str) -> str:
    import html

    return html.escape(text, quote=True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_draws_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    bar = ProgressBar(quiet, 2)
    bar("none", URL, 1)
    bar.finish()
    assert quiet.getvalue() == ""
    assert (bar.done, bar.planned) == (1, 3)
    tty = Terminal()
    bar = ProgressBar(tty, 4)
    bar("accept", URL, 0)
    assert tty.getvalue().startswith("\r█████░░░░░░░░░░░░░░░ 1/4 pages  accept  https://")
    bar.finish()
    assert tty.getvalue().endswith("\r")
