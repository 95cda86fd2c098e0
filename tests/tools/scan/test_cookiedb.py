"""``cookiewarden.tools.scan.cookiedb``: the shipped Open Cookie Database, its lookups, its
categories on a policy's, its retention periods; and the data folder its README describes."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest

from cookiewarden import Policy
from cookiewarden.tools.scan.cookiedb import (
    COLUMNS,
    CookieDatabase,
    DatabaseError,
    Entry,
    load_database,
    map_category,
    parse_retention,
    read_database,
)

DATA = Path(__file__).resolve().parents[3] / "src" / "cookiewarden" / "tools" / "scan" / "data"
HEADER = ",".join(f'"{c}"' if "," in c else c for c in COLUMNS)


def entry(
    name: str,
    category: str = "Analytics",
    *,
    wildcard: bool = False,
    domain: str = "",
    platform: str = "P",
) -> Entry:
    return Entry(name, platform, category, domain, "d", "1 year", "C", wildcard)


def test_the_shipped_files_are_the_ones_the_readme_names() -> None:
    readme = (DATA / "README.md").read_text("utf-8")
    for name in ("open-cookie-database.csv", "LICENSE"):
        digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        assert f"`{name}` |" in readme and f"`{digest}`" in readme, name
    entries = int(re.search(r"unchanged: (\d+) entries", readme).group(1))  # type: ignore[union-attr]
    assert len(load_database()) == entries > 2000
    assert "Apache License" in (DATA / "LICENSE").read_text("utf-8")
    notice = (DATA / "NOTICE").read_text("utf-8")
    assert "github.com/jkwakman/Open-Cookie-Database" in notice and "Apache" in notice


def test_the_data_ships_with_the_package() -> None:
    text = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text("utf-8")
    data = tomllib.loads(text)["tool"]["setuptools"]["package-data"]["cookiewarden"]
    assert "tools/scan/data/*" in data


@pytest.mark.parametrize(
    ("name", "domain", "expected"),
    [
        pytest.param("_ga", "", ("_ga", None, "Google Analytics"), id="exact"),
        pytest.param("_ga_ABC123", "", ("_ga_", "_ga_*", "Google Analytics"), id="wildcard-glob"),
        pytest.param(
            "_gac_gb_UA-1", "", ("_gac_gb_", "_gac_gb_*", "Google Ads"), id="longest-wildcard-wins"
        ),
        pytest.param(
            "_hjSessionUser_123",
            "",
            ("_hjSessionUser_", "_hjSessionUser_*", "Hotjar"),
            id="longer-wildcard-beats-shorter",
        ),
        pytest.param("nothing-like-it-0001", "", None, id="unknown"),
    ],
)
def test_the_shipped_database_finds_names(
    name: str, domain: str, expected: tuple[str, str | None, str] | None
) -> None:
    found = load_database().find(name, domain)
    got = None if found is None else (found.name, found.glob, found.platform)
    assert got == expected


def test_exact_beats_wildcard_and_a_glob_in_the_name_stays() -> None:
    db = CookieDatabase(
        [
            entry("ab", wildcard=True, platform="W"),
            entry("abc", platform="E"),
            entry("x_*", wildcard=True, platform="G"),
        ]
    )
    assert db.find("abc").platform == "E"  # type: ignore[union-attr]
    assert db.find("abd").platform == "W"  # type: ignore[union-attr]
    assert db.find("x_1").glob == "x_*"  # type: ignore[union-attr]
    assert db.find("Abc") is None  # case-sensitive, as browsers


def test_a_name_listed_twice_is_answered_by_its_domain() -> None:
    db = CookieDatabase(
        [
            entry("uid", platform="First", domain="first.example"),
            entry("uid", platform="Ads", domain="ads.example.net (3rd party)"),
        ]
    )
    assert db.find("uid", ".ads.example.net").platform == "Ads"  # type: ignore[union-attr]
    assert db.find("uid", "www.first.example").platform == "First"  # type: ignore[union-attr]
    assert db.find("uid", "other.example").platform == "First"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("category", "policy", "expected"),
    [
        pytest.param("Analytics", None, "performance", id="analytics"),
        pytest.param("Marketing", None, "targeting", id="marketing"),
        pytest.param("Personalization", None, "functionality", id="personalization"),
        pytest.param("Functional", None, "necessary", id="functional-is-necessary"),
        pytest.param("Security", None, "necessary", id="security"),
        pytest.param(
            "Analytics",
            {"essential": {"necessary": True}, "stats": {"label": "S"}},
            "stats",
            id="by-key",
        ),
        pytest.param(
            "Marketing",
            {"essential": {"necessary": True}, "ads-2": {"label": "Advertising partners"}},
            "ads-2",
            id="by-label",
        ),
        pytest.param(
            "Marketing",
            {"essential": {"necessary": True}, "stats": {"label": "S"}},
            "?",
            id="no-such-category",
        ),
    ],
)
def test_categories_map_onto_the_policys(
    category: str, policy: dict[str, object] | None, expected: str
) -> None:
    target = (
        Policy.default()
        if policy is None
        else Policy.from_dict({"version": "1", "categories": policy})
    )
    assert map_category(category, target) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2 years", 2 * 365 * 86400, id="years"),
        pytest.param("1 Year", 365 * 86400, id="capitalised"),
        pytest.param("13 months", 395 * 86400, id="months-in-whole-days"),
        pytest.param("30 mins", 1800, id="mins"),
        pytest.param("24 hours", 86400, id="hours"),
        pytest.param("2 weeks", 14 * 86400, id="weeks"),
        pytest.param("10 seconds", 10, id="seconds"),
        pytest.param("session", None, id="session"),
        pytest.param("End of session (browser)", None, id="end-of-session"),
        pytest.param("Sessions", None, id="sessions"),
        pytest.param("Unknown", "Unknown", id="unknown"),
        pytest.param("0 days", "0 days", id="zero-is-no-duration"),
        pytest.param("forever", "forever", id="forever"),
    ],
)
def test_retention_periods(text: str, expected: int | str | None) -> None:
    assert parse_retention(text) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param("a,b,c\n", "the header is not", id="header"),
        pytest.param(
            HEADER + "\nx,P,Cookies,n,,d,1 year,C,,0\n", "unknown category 'Cookies'", id="category"
        ),
        pytest.param(HEADER + "\nx,P,Analytics,n\n", "line 2 has 4 fields", id="short-row"),
    ],
)
def test_a_database_of_another_shape_is_refused(text: str, needle: str) -> None:
    with pytest.raises(DatabaseError, match=re.escape(needle)):
        read_database(text, source="x.csv")


def test_names_are_trimmed_and_empty_rows_skipped() -> None:
    db = read_database(HEADER + "\nx,P,Analytics,\tname\t,,d,1 year,C,,0\n,,,,,,,,,\n")
    assert [e.name for e in db.entries] == ["name"]
