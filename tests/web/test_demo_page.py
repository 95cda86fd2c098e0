"""The demo page's scripts in real Chromium: what they store goes through the page guard, and the
page's table says what the guard did, as the server would have decided it.

The demo (:func:`cookiewarden.tools.demo.build_app`) runs under uvicorn on 127.0.0.1; the visitor
is driven through the real banner. Skipped only where ``chromium`` is missing and ``CI`` is not
``true``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from cookiewarden.rules.consent import Consent, choose
from cookiewarden.rules.decide import decide
from cookiewarden.rules.decision import RequestFacts
from cookiewarden.tools.demo import SCRIPT_WRITES, STORAGE_WRITES, build_app, demo_policy
from servers import CHROMIUM_ARGS, serve

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None and os.environ.get("CI") != "true",
        reason="Debian's chromium is not installed",
    ),
]
POLICY = demo_policy()


@pytest.fixture(scope="module")
def page() -> Iterator[tuple[Page, str]]:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: in CI, .ci/run must install it")
    with serve(build_app()) as port, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context().new_page()
            tab.set_default_timeout(10_000)
            yield tab, f"http://127.0.0.1:{port}/"
        finally:
            browser.close()


def _table(tab: Page) -> list[tuple[str, str, str, str]]:
    """(name, outcome, reason, what the browser got) of each row of the page's script table."""
    rows: list[Any] = tab.eval_on_selector_all(
        "#script-rows tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )
    return [(r[0], r[2], r[3], r[4]) for r in rows]


def _server(consent: Consent) -> list[tuple[str, str]]:
    """What the server decides for the same cookie strings, on the same host."""
    facts = RequestFacts(host="127.0.0.1", secure=False, path="/")
    out = []
    for header in SCRIPT_WRITES:
        d = decide(header, policy=POLICY, consent=consent, facts=facts, now=time.time())
        out.append((d.action.value, d.reason.value))
    return out


def test_the_page_scripts_table_says_what_the_guard_did_in_each_state(
    page: tuple[Page, str],
) -> None:
    tab, url = page
    tab.goto(url)
    tab.wait_for_load_state("networkidle")
    first = _table(tab)
    assert [name for name, *_ in first] == [
        *(w.split("=", 1)[0] for w in SCRIPT_WRITES),
        *(k for k, _ in STORAGE_WRITES),
    ]
    assert {outcome for _, outcome, _, _ in first} == {"Dropped"}  # a first visit
    assert tab.inner_text("#script-jar") == "(nothing)"
    assert tab.evaluate("({...localStorage})") == {}
    labels = {"keep": "Kept", "rewrite": "Rewritten", "drop": "Dropped"}
    server = _server(Consent.undecided(POLICY))
    assert [(o, r) for _, o, r, _ in first[:4]] == [(labels[a], r) for a, r in server]

    tab.get_by_role("button", name="Accept all").click()
    tab.wait_for_function("document.querySelector('#script-rows .badge.rewrite')")
    tab.wait_for_load_state("networkidle")
    rows = _table(tab)
    everything = choose(POLICY, [], gpc=False, accept_all=True, method="api", now=time.time())
    assert [(o, r) for _, o, r, _ in rows[:4]] == [(labels[a], r) for a, r in _server(everything)]
    assert [(n, o, r) for n, o, r, _ in rows[4:]] == [
        ("theme", "Kept", "allowed"),
        ("_hjSessionUser", "Kept", "allowed"),
        ("tracker_id", "Dropped", "undeclared"),
    ]
    assert rows[0][3] == "_ga=GA1.1.script.1; Max-Age=31536000; Path=/"  # 2 years, capped
    # The table is what the browser keeps: the script-visible jar and the storage area.
    jar = {c["name"]: c for c in tab.context.cookies()}
    assert {"_ga", "lang"} <= set(jar) and not {"region", "tracker_js"} & set(jar)
    assert jar["_ga"]["expires"] - time.time() == pytest.approx(365 * 86400, abs=120)
    assert tab.evaluate("({...localStorage})") == {"theme": "dark", "_hjSessionUser": "h1"}
