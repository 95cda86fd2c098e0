"""``cookiewarden scan`` in a real browser (Debian's Chromium, driven through Playwright), against
sites served by uvicorn in threads of this process (``scan_site.py``) and against the examples.

Rules:
1. One server per module (every fixture site behind one port, told apart by host name, all
   mapped to 127.0.0.1 with ``--browser-arg=--host-resolver-rules=...``), one browser per scan.
2. Each finding is expected exactly: the leaky site's, state by state; the guarded site's none.
3. Skipped only where ``chromium`` is not installed and ``CI`` is not ``true``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import scan_site

from cookiewarden import Policy
from cookiewarden.errors import PolicyError
from cookiewarden.tools.cli import main
from cookiewarden.tools.scan.browser import run_scan
from cookiewarden.tools.scan.cookiedb import load_database
from cookiewarden.tools.scan.findings import Judgement, judge
from cookiewarden.tools.scan.model import ScanOptions, parse_states
from cookiewarden.tools.scan.report_html import render_html
from cookiewarden.tools.scan.report_json import document
from cookiewarden.tools.scan.report_text import render_text
from cookiewarden.tools.scan.suggest import suggest
from servers import serve

CHROMIUM = shutil.which("chromium")
IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_POLICY = ROOT / "examples" / "policy.toml"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not IN_CI, reason="Debian's chromium is not installed"),
]


@dataclass(frozen=True)
class Site:
    """The fixture sites' port, the policy file, and the tracker's port."""

    port: int
    tracker: int
    policy: Path
    directory: Path

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("scan-site")
    made = scan_site.self_signed(directory)
    if made is None:
        if IN_CI:
            pytest.fail("openssl is not installed: the tracker needs a certificate")
        pytest.skip("openssl is not installed (the tracker's certificate)")
    cert, key = made
    policy = directory / "policy.toml"
    policy.write_text(scan_site.POLICY, "utf-8")
    with serve(scan_site.tracker_app(), ssl_certfile=str(cert), ssl_keyfile=str(key)) as t:
        apps = {
            "leaky.test": scan_site.site_app(t, guarded=False),
            "guarded.test": scan_site.site_app(t, guarded=True),
            "plain.test": scan_site.plain_app(),
            "127.0.0.1": scan_site.plain_app(),
        }
        with serve(scan_site.by_host(apps)) as port:
            yield Site(port, t, policy, directory)


def scan(site: Site, url: str, *args: str, policy: Path | None = None) -> tuple[int, Any]:
    """Run ``cookiewarden scan`` in this process; its exit status and its JSON report."""
    out = site.directory / "report.json"
    out.unlink(missing_ok=True)
    code = main(
        [
            "scan",
            url,
            "--policy",
            str(policy or site.policy),
            "--insecure",
            f"--browser-arg={scan_site.RESOLVER_RULES}",
            "--wait",
            "0.2",
            "--format",
            "json",
            "-o",
            str(out),
            *args,
        ]
    )
    return code, json.loads(out.read_text("utf-8")) if out.exists() else None


def findings(report: Any) -> list[tuple[str, str, str, str, str | None]]:
    return sorted(
        (f["state"], f["kind"], f["what"], f["name"], f["category"]) for f in report["findings"]
    )


def cookies(report: Any, state: str) -> dict[str, Any]:
    return {c["name"]: c for c in report["states"][state]["cookies"]}


# What the leaky site does wrong, in every state that refuses what it sets before consent.
REFUSED = [
    ("before-consent", "cookie", "_ga", "performance"),
    ("over-lifetime", "cookie", "_ga", "performance"),
    ("before-consent", "cookie", "lang", "functionality"),
    ("over-lifetime", "cookie", "lang", "functionality"),
    ("undeclared", "cookie", "srv_track", None),
    ("undeclared", "cookie", "js_undeclared", None),
    ("third-party-cookie", "cookie", "tid", "targeting"),
    ("before-consent", "storage", "ab_variant", "functionality"),
    ("undeclared", "storage", "fp_blob", None),
    ("before-consent", "request", "tracker.test", "targeting"),
]
LEAKY = {
    "none": REFUSED,
    "reject": REFUSED,
    "accept": [
        ("over-lifetime", "cookie", "_ga", "performance"),
        ("over-lifetime", "cookie", "lang", "functionality"),
        ("undeclared", "cookie", "srv_track", None),
        ("undeclared", "cookie", "js_undeclared", None),
        ("undeclared", "storage", "fp_blob", None),
    ],
    "withdraw": [
        ("not-cleared", "cookie", "_ga", "performance"),
        ("over-lifetime", "cookie", "_ga", "performance"),
        ("not-cleared", "cookie", "lang", "functionality"),
        ("over-lifetime", "cookie", "lang", "functionality"),
        ("undeclared", "cookie", "srv_track", None),
        ("undeclared", "cookie", "js_undeclared", None),
        ("not-cleared", "cookie", "tid", "targeting"),
        ("not-cleared", "storage", "ab_variant", "functionality"),
        ("undeclared", "storage", "fp_blob", None),
        ("before-consent", "request", "tracker.test", "targeting"),
    ],
    "only:functionality": [
        ("before-consent", "cookie", "_ga", "performance"),
        ("over-lifetime", "cookie", "_ga", "performance"),
        ("over-lifetime", "cookie", "lang", "functionality"),
        ("undeclared", "cookie", "srv_track", None),
        ("undeclared", "cookie", "js_undeclared", None),
        ("third-party-cookie", "cookie", "tid", "targeting"),
        ("undeclared", "storage", "fp_blob", None),
        ("before-consent", "request", "tracker.test", "targeting"),
    ],
}


@pytest.fixture(scope="module")
def leaky_scan(site: Site) -> Judgement:
    """The leaky site in every state, scanned through the Python API (screenshots on), so that
    each report is drawn from the same scan."""
    policy = Policy.from_toml(site.policy)
    states = parse_states(
        ",".join(LEAKY), tuple(c.key for c in policy.categories), policy.necessary_keys
    )
    options = ScanOptions(
        browser_args=(scan_site.RESOLVER_RULES,), insecure=True, wait=0.2, screenshots=True
    )
    return judge(run_scan([site.url("leaky.test")], states, options), policy)


@pytest.fixture(scope="module")
def leaky(leaky_scan: Judgement) -> tuple[int, Any]:
    """Its exit status and JSON report, with suggestions."""
    return leaky_scan.exit_code, document(
        leaky_scan, suggestions=suggest(leaky_scan, load_database())
    )


def test_the_leaky_site_has_each_finding_exactly(leaky: tuple[int, Any]) -> None:
    code, report = leaky
    assert code == 1
    expected = sorted((state, *f) for state, found in LEAKY.items() for f in found)
    assert findings(report) == expected
    assert all(state["reached"] for state in report["states"].values())


def test_each_cookie_says_who_wrote_it(site: Site, leaky: tuple[int, Any]) -> None:
    jar = cookies(leaky[1], "none")
    assert {n: (c["set_by"], c["set_by_url"]) for n, c in jar.items()} == {
        "sessionid": ("http", site.url("leaky.test")),
        "lang": ("http", site.url("leaky.test")),
        "srv_track": ("http", site.url("leaky.test")),
        "_ga": ("script", site.url("leaky.test", "/static/tags.js")),
        "js_undeclared": ("script", site.url("leaky.test", "/static/tags.js")),
        "tid": ("http", f"https://tracker.test:{site.tracker}/pixel.gif"),
    }
    assert (jar["sessionid"]["http_only"], jar["sessionid"]["expires"]) == (True, None)
    assert (jar["tid"]["third_party"], jar["tid"]["secure"], jar["tid"]["same_site"]) == (
        True,
        True,
        "None",
    )
    assert not jar["_ga"]["third_party"]
    hosts = {r["host"]: r for r in leaky[1]["states"]["none"]["requests"]}
    assert hosts["tracker.test"] == {
        "host": "tracker.test",
        "third_party": True,
        "category": "targeting",
    }
    assert hosts["leaky.test"]["third_party"] is False


def test_the_timeline_is_relative_to_the_consent_click(leaky: tuple[int, Any]) -> None:
    accept = cookies(leaky[1], "accept")
    assert accept["cw_consent"]["appeared"] >= 0  # written by the choice
    assert accept["sessionid"]["appeared"] < 0  # the first view, before it


def test_suggestions_come_from_the_open_cookie_database(leaky: tuple[int, Any]) -> None:
    suggested = {s["name"]: s for s in leaky[1]["suggestions"]}
    assert set(suggested) == {"srv_track", "js_undeclared", "fp_blob"}
    assert suggested["srv_track"]["category"] == "?"
    assert suggested["srv_track"]["lifetime"] == "1h"  # as observed
    assert suggested["fp_blob"]["table"] == "storage"


def test_the_guarded_site_scans_clean(site: Site) -> None:
    code, report = scan(site, site.url("guarded.test"))
    assert (code, report["findings"]) == (0, [])
    assert list(report["states"]) == ["none", "reject", "accept"]
    assert set(cookies(report, "none")) == {"sessionid"}
    assert set(cookies(report, "reject")) == {"sessionid", "cw_consent"}
    accepted = cookies(report, "accept")
    assert set(accepted) == {"sessionid", "cw_consent", "lang", "_ga", "tid"}
    assert accepted["_ga"]["set_by"] == "script"  # let through by the guard, capped
    assert [r["host"] for r in report["states"]["none"]["requests"]] == ["guarded.test"]
    assert [s["name"] for s in report["states"]["accept"]["storage"]] == ["ab_variant"]


def test_withdrawing_on_the_guarded_site_clears_all_but_the_trackers_cookie(site: Site) -> None:
    code, report = scan(site, site.url("guarded.test"), "--states", "withdraw,only:functionality")
    assert code == 1
    assert findings(report) == [("withdraw", "not-cleared", "cookie", "tid", "targeting")]
    assert set(cookies(report, "withdraw")) == {"sessionid", "cw_consent", "tid"}
    assert set(cookies(report, "only:functionality")) == {
        "sessionid",
        "cw_consent",
        "lang",
    }


def test_a_site_without_a_banner_is_not_reached_and_links_are_followed(site: Site) -> None:
    code, report = scan(site, site.url("plain.test"), "--depth", "2")
    assert code == 1
    assert report["findings"] == []
    reached = {name: (s["reached"], s["reason"]) for name, s in report["states"].items()}
    assert reached["none"] == (True, None)
    for state in ("reject", "accept"):
        assert reached[state][0] is False
        assert reached[state][1].startswith("no cookiewarden banner on the page")
    assert report["pages"] == [site.url("plain.test", p) for p in ("/", "/page-2", "/page-3")]
    assert report["notes"] == [f"skipped {site.url('plain.test', '/missing')}: it answered 404"]


def test_max_pages_bounds_the_crawl(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "scan",
            site.url("plain.test"),
            "--policy",
            str(site.policy),
            "--depth",
            "2",
            "--max-pages",
            "2",
            "--states",
            "none",
            "--wait",
            "0",
            f"--browser-arg={scan_site.RESOLVER_RULES}",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert text.splitlines()[:3] == [
        "cookiewarden scan: 2 pages in 1 state, against policy version scan-fixture-1",
        f"  {site.url('plain.test')}",
        f"  {site.url('plain.test', '/page-2')}",
    ]
    assert text.endswith("OK: 1 state, every cookie, storage key and request within the policy\n")


def test_a_cookie_store_write_by_an_inline_script(site: Site) -> None:
    page = site.url("127.0.0.1", "/cookie-store")
    out = site.directory / "cookie-store.html"
    code = main(
        [
            "scan",
            page,
            "--policy",
            str(site.policy),
            "--states",
            "none",
            "--wait",
            "0.2",
            "--format",
            "html",
            "-o",
            str(out),
        ]
    )
    html = out.read_text("utf-8")
    assert code == 1
    row = re.search(r"<tr><td class=\"mono\">cs_pref</td>.*?</tr>", html)
    assert row is not None, html
    assert f'<td>script <span class="url muted">{page}</span></td>' in row.group(0)
    assert "<td>undeclared</td>" in row.group(0)
    assert html.count('src="data:image/jpeg;base64,') == 1  # --format html takes screenshots


def jpeg_size(data: bytes) -> tuple[int, int]:
    """The width and height in a JPEG's first start-of-frame segment."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xC3:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("no frame in the JPEG")


def test_the_html_report_inlines_each_states_first_view(leaky_scan: Judgement) -> None:
    page = render_html(leaky_scan, now=leaky_scan.scan.started_at)
    shots = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', page)
    assert [jpeg_size(base64.b64decode(s)) for s in shots] == [(1280, 800)] * len(LEAKY)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script" not in page
    assert page.index("<h2>Findings</h2>") < page.index('<section id="state-none">')
    assert page.count("<svg") == len(LEAKY)  # a timeline per state
    # Only before-consent: the requests to tracker.test in none, reject, withdraw and
    # only:functionality, and ab_variant in none and reject (in withdraw it is not-cleared).
    assert page.count('<td class="status bad">before-consent</td>') == 6


def test_the_text_report_of_the_leaky_site(leaky_scan: Judgement) -> None:
    text = render_text(leaky_scan)
    assert f"\nFAIL: {len(leaky_scan.findings)} findings\n" in text
    assert re.search(
        r"\n    FAIL +tid +tracker\.test +90 days +Secure +http +targeting +third party"
        r" +third-party-cookie\n",
        text,
    )


def run_cli(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "cookiewarden"
    return subprocess.run(
        [str(cli), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("what", "args", "says"),
    [
        pytest.param(
            "unreachable",
            ["http://127.0.0.1:{closed}/"],
            "http://127.0.0.1:{closed}/ cannot be loaded: net::ERR_CONNECTION_REFUSED",
            id="unreachable",
        ),
        pytest.param(
            "not-html",
            ["{plain}data.json"],
            "{plain}data.json is not an HTML page (Content-Type: application/json)",
            id="not-html",
        ),
        pytest.param(
            "never-loads",
            ["{plain}slow", "--timeout", "1"],
            "{plain}slow did not finish loading within 1 s (see --timeout)",
            id="never-finishes-loading",
        ),
        pytest.param(
            "no-browser",
            ["{plain}", "--browser", "/no/such/chromium"],
            "--browser /no/such/chromium: no such executable",
            id="no-browser",
        ),
        pytest.param(
            "bad-browser",
            ["{plain}", "--browser", "/bin/false"],
            "/bin/false exited with status 1",
            id="a-browser-that-will-not-start",
        ),
        pytest.param(
            "states",
            ["{plain}", "--states", "none,sometimes"],
            "--states: unknown state 'sometimes'",
            id="unknown-state",
        ),
        pytest.param(
            "sites",
            ["{plain}", "https://example.com/"],
            "every URL must be of one site",
            id="two-sites",
        ),
        pytest.param(
            "scheme",
            ["file:///etc/passwd"],
            "'file:///etc/passwd' is not an http(s) URL",
            id="not-http",
        ),
    ],
)
def test_a_scan_that_cannot_run_is_one_line_and_exit_2(
    site: Site, what: str, args: list[str], says: str
) -> None:
    fill = {"closed": closed_port(), "plain": site.url("plain.test")}
    argv = [a.format(**fill) for a in args]
    result = run_cli(
        "scan",
        *argv,
        "--policy",
        str(site.policy),
        "--insecure",
        f"--browser-arg={scan_site.RESOLVER_RULES}",
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("cookiewarden: error: ")
    assert says.format(**fill) in result.stderr and len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("policy", "says"),
    [
        pytest.param(
            'version = "1"\n[categories.n]\nlabel = "N"\nnecessary = true\n'
            '[[cookies]]\nname = "x"\ncategory = "ads"\n',
            "cookies[0].category: unknown category 'ads'",
            id="policy-with-errors",
        ),
        pytest.param("version = ", "not valid TOML", id="not-toml"),
        pytest.param(None, "scan needs the policy to judge against: --policy FILE", id="no-policy"),
    ],
)
def test_a_bad_policy_is_one_line_and_exit_2(tmp_path: Path, policy: str | None, says: str) -> None:
    args = ["scan", "http://127.0.0.1:1/"]
    if policy is not None:
        (tmp_path / "p.toml").write_text(policy, "utf-8")
        args += ["--policy", str(tmp_path / "p.toml")]
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("cookiewarden: error: ") and says in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_init_writes_a_first_policy_from_a_scan(site: Site) -> None:
    out = site.directory / "cookies.toml"
    code = main(
        [
            "init",
            "--from-scan",
            site.url("leaky.test"),
            "--output",
            str(out),
            "--insecure",
            f"--browser-arg={scan_site.RESOLVER_RULES}",
            "--wait",
            "0.2",
        ]
    )
    assert code == 0
    data = tomllib.loads(out.read_text("utf-8"))
    declared = {c["name"]: c for c in data["cookies"]}
    assert set(declared) == {"sessionid", "lang", "srv_track", "_ga", "js_undeclared"}
    assert declared["_ga"]["category"] == "performance"  # the Open Cookie Database's Analytics
    assert declared["srv_track"]["category"] == "?"
    assert {s["name"] for s in data["storage"]} == {"ab_variant", "fp_blob"}
    with pytest.raises(PolicyError, match=r"unknown category '\?'"):
        Policy.from_toml(out)  # a person must choose first
    assert main(["init", "--output", str(out)]) == 2  # never overwritten without --force


# -- the examples ---------------------------------------------------------------------------------


def _example(name: str) -> Any:
    if name == "flask":
        from asgiref.wsgi import WsgiToAsgi
        from examples import flask_app

        return WsgiToAsgi(flask_app.app)
    if name == "django":
        from examples.django_project.asgi import application

        return application
    module = __import__(f"examples.{name}_app", fromlist=["app"])
    return module.app


@pytest.mark.parametrize("name", ["fastapi", "flask", "django"])  # Starlette's is FastAPI's
def test_the_examples_scan_clean(site: Site, name: str, request: pytest.FixtureRequest) -> None:
    if name == "django":
        request.getfixturevalue("django_project")
    with serve(_example(name)) as port:
        code, report = scan(site, f"http://127.0.0.1:{port}/", policy=EXAMPLES_POLICY)
    assert (code, report["findings"]) == (0, [])
    assert all(s["reached"] for s in report["states"].values())
    assert {"_ga", "lang", "ads_id"} <= set(cookies(report, "accept"))
    assert not {"_ga", "lang", "ads_id"} & set(cookies(report, "reject"))
    assert cookies(report, "accept")["_ga"]["set_by"] == "http"
