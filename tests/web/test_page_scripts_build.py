"""The page scripts that ship (``guard.min.js`` as ``/_consent/guard.js``, ``banner.min.js`` as
``/_consent/banner.js``) are built from their readable sources and stay within their budgets.

``scripts/build_page_scripts.sh`` builds them with terser and writes each source's SHA-256 in
the built file's first line; a change to a source without a rebuild fails here, so the script
the browser runs (and the browser tests exercise) is always the one its source says.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from importlib import resources

import pytest

STATIC = resources.files("cookiewarden.web").joinpath("static")
GUARD_BUDGET = 6 * 1024
"""``guard.js`` at most 6 KB gzipped (the compiled rules, per policy, come on top)."""
BANNER_BUDGET = 15 * 1024
"""The banner's script and style together, as served (uncompressed)."""


def _built(name: str) -> str:
    return STATIC.joinpath(f"{name}.min.js").read_text("utf-8")


@pytest.mark.parametrize("name", ["guard", "banner"])
def test_the_built_script_is_built_from_its_source_as_it_is(name: str) -> None:
    source = STATIC.joinpath(f"{name}.js").read_bytes()
    first = _built(name).splitlines()[0]
    match = re.search(r"sha256 ([0-9a-f]{64})", first)
    assert match, first
    assert match.group(1) == hashlib.sha256(source).hexdigest(), (
        f"{name}.js changed since {name}.min.js was built: run scripts/build_page_scripts.sh"
    )


def test_the_built_guard_takes_its_rules_from_one_place() -> None:
    # The endpoint replaces this expression with the compiled rules; the build must keep it.
    built = _built("guard")
    assert built.count("self.__cookiewardenRules") == 1
    assert built.rstrip().endswith("})(self.__cookiewardenRules);")


def test_the_guard_is_within_its_size_budget() -> None:
    size = len(gzip.compress(_built("guard").encode("utf-8"), 9))
    assert size <= GUARD_BUDGET, f"guard.min.js is {size} bytes gzipped (budget {GUARD_BUDGET})"


def test_the_banner_is_within_its_size_budget() -> None:
    size = len(_built("banner").encode()) + len(STATIC.joinpath("banner.css").read_bytes())
    assert size <= BANNER_BUDGET, f"the banner is {size} bytes (budget {BANNER_BUDGET})"
