"""The ``cookiewarden`` command, run as a subprocess of the installed console script.

Every user error must end in one ``cookiewarden: error: ...`` line and a non-zero exit, never a
traceback; ``audit`` exits 0 clean, 1 on findings, 2 when it cannot audit.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cookiewarden.records.record import ConsentRecord, subject_hash
from cookiewarden.records.sqlite import SQLiteSink

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "policy.toml"
FIXTURES = ROOT / "tests" / "fixtures"


def _cli() -> str:
    beside = Path(sys.executable).parent / "cookiewarden"
    if beside.exists():
        return str(beside)
    found = shutil.which("cookiewarden")
    assert found, "the cookiewarden console script is not installed (pip install -e .)"
    return found


CLI = _cli()


def run(
    *args: str | Path, cwd: Path = ROOT, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("cookiewarden:")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cookiewarden: error: ")
    for needle in needles:
        assert needle in lines[0]


# -- keygen, check ------------------------------------------------------------------------------


def test_keygen_prints_a_new_random_secret_each_time() -> None:
    first, second = run("keygen"), run("keygen")
    assert first.returncode == second.returncode == 0
    key = first.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key)
    assert key != second.stdout.strip()


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cookiewarden", "check", str(POLICY)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert "ok, policy version 2026-11-01" in result.stdout


def test_check_summarises_a_valid_policy() -> None:
    result = run("check", POLICY)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ok, policy version 2026-11-01" in out
    assert re.search(r"necessary\s+Strictly necessary\s+3 cookies\s+always on", out)
    assert re.search(r"performance\s+Performance\s+2 cookies\s+asks consent", out)
    assert re.search(r"targeting .*1 cookie .*refused by GPC", out)
    assert "max_age: 1 year" in out
    assert "note: _ga declares 2 years; max_age caps it at 1 year" in out
    assert "declared storage keys: 2; third-party hosts: 2 (undeclared hosts: allow)" in out


def test_check_names_the_keys_beyond_the_basics(tmp_path: Path) -> None:
    policy = tmp_path / "more.toml"
    policy.write_text(
        'version = "1"\nmode = "opt-out"\nsecure = "same-as-request"\n'
        'same_site_min = "lax"\nconsent_max_age_refused = "30d"\n'
        "[categories.necessary]\nnecessary = true\n"
        '[[cookies]]\nname = "sid"\ncategory = "necessary"\nhttp_only = true\n'
    )
    result = run("check", policy)
    assert result.returncode == 0, result.stderr
    assert "consent_max_age_refused: 30 days" in result.stdout
    assert "mode: opt-out" in result.stdout
    assert "hardening: secure=same-as-request; same_site_min=lax; http_only: sid" in result.stdout
    plain = run("check", POLICY).stdout
    for absent in ("  mode:", "  hardening:", "consent_max_age_refused"):
        assert absent not in plain, absent


def test_check_bad_policy_is_one_policy_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'version = "1"\n[categories.necessary]\nnecessary = true\n'
        '[[cookies]]\nname = "x"\ncategory = "nope"\n'
    )
    result = run("check", bad)
    assert result.returncode == 1
    assert result.stdout == ""
    assert_one_error_line(result, str(bad), "cookies[0].category", "'nope'")


def test_check_missing_file() -> None:
    result = run("check", "no-such-policy.toml")
    assert result.returncode == 1
    assert_one_error_line(result, "no-such-policy.toml: no such file")


def test_usage_error_exits_2() -> None:
    result = run("declare")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# -- declare ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_declare_lists_every_cookie_with_capped_lifetimes(fmt: str) -> None:
    result = run("declare", POLICY, "--format", fmt)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("sessionid", "csrftoken", "_ga", "_ga_*", "lang", "ads_id", "cw_consent"):
        assert name in out
    if fmt == "json":
        cookies = {c["name"]: c for cat in json.loads(out)["categories"] for c in cat["cookies"]}
        assert cookies["_ga"]["effective_lifetime_text"] == "1 year"
        assert cookies["ads_id"]["effective_lifetime_text"] == "1 year"
        assert cookies["cw_consent"]["effective_lifetime_text"] == "180 days"
    else:
        ga = next(line for line in re.split(r"\n|</tr>", out) if re.search(r"_ga\b(?!_)", line))
        assert "1 year" in ga and "2 years" not in ga


def test_declare_full_includes_the_organisation_and_contact() -> None:
    result = run("declare", POLICY, "--full", "--format", "html")
    assert result.returncode == 0
    for value in ("Example Ltd", "privacy@example.com", "1 Example Street, London"):
        assert html.escape(value) in result.stdout
    assert "How to manage cookies" in result.stdout


def test_declare_writes_the_output_file(tmp_path: Path) -> None:
    target = tmp_path / "cookies.md"
    result = run("declare", POLICY, "--output", target)
    assert result.returncode == 0
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("# Cookie declaration")


def test_declare_missing_file_and_unwritable_output(tmp_path: Path) -> None:
    result = run("declare", tmp_path / "missing.toml")
    assert result.returncode == 1
    assert_one_error_line(result, "missing.toml: no such file")
    result = run("declare", POLICY, "--output", tmp_path / "no-dir" / "x.md")
    assert result.returncode == 1
    assert_one_error_line(result, "cannot write")


# -- languages: declare --lang, check --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "words"),
    [
        pytest.param("md", ["# Dichiarazione sui cookie", "| Statistiche |"], id="md"),
        pytest.param("html", ['<html lang="it">', "<h3>Profilazione e pubblicità</h3>"], id="html"),
        pytest.param("json", ['"label": "Prestazioni"', '"1 anno"'], id="json"),
    ],
)
def test_declare_in_italian(fmt: str, words: list[str]) -> None:
    result = run("declare", POLICY, "--lang", "it", "--format", fmt)
    assert result.returncode == 0, result.stderr
    for text in words:
        assert text in result.stdout, text
    assert "Strictly necessary" not in result.stdout


def test_declare_full_policy_in_italian_and_by_region() -> None:
    result = run("declare", POLICY, "--full", "--lang", "it-IT")  # the region finds "it"
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Informativa sui cookie\n")
    assert "## Come gestire i cookie" in result.stdout
    assert "contatta Example Ltd:" in result.stdout


def test_declare_without_lang_is_the_policys_own_language() -> None:
    plain, english = run("declare", POLICY), run("declare", POLICY, "--lang", "en")
    assert plain.stdout == english.stdout
    assert plain.stdout.startswith("# Cookie declaration\n")


def test_declare_in_a_language_the_policy_does_not_offer_is_one_error_line() -> None:
    result = run("declare", POLICY, "--lang", "pt-BR")
    assert result.returncode == 1
    assert result.stdout == ""
    assert_one_error_line(
        result, "--lang 'pt-BR'", "is offered in en, it", "add a [locales.<tag>] table"
    )


def test_check_reports_each_languages_missing_translations(tmp_path: Path) -> None:
    policy = tmp_path / "cookies.toml"
    policy.write_text(
        'version = "1"\n'
        '[categories.necessary]\nlabel = "Necessary"\nnecessary = true\n'
        '[categories.performance]\nlabel = "Performance"\ndescription = "Counts."\n'
        '[[cookies]]\nname = "_ga"\ncategory = "performance"\ndescription = "Counts visits."\n'
        '[locales.de.categories.necessary]\nlabel = "Notwendig"\n'
        '[locales.de.categories.performance]\nlabel = "Statistik"\ndescription = "Zählt."\n'
        '[locales.de.cookies]\n_ga = "Zählt Besuche."\n'
        '[locales.fr.categories.performance]\nlabel = "Performance"\n'
        "[locales.pl]\n",
        encoding="utf-8",
    )
    result = run("check", policy)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "  languages: en (the policy's own), de, fr, pl\n" in out
    assert "  translations: de complete\n" in out
    assert (
        "  translations missing in fr: 3 (said in en instead)\n"
        "    locales.fr.categories.necessary.label\n"
        "    locales.fr.categories.performance.description\n"
        "    locales.fr.cookies._ga.description\n"
    ) in out
    assert "    locales.pl.cookies.cw_consent.description\n" in out  # not shipped: the site's
    assert "note: pl: cookiewarden's own words" in out
    assert "note: de:" not in out and "note: fr:" not in out


def test_check_of_the_example_says_it_is_complete_in_italian() -> None:
    out = run("check", POLICY).stdout
    assert "  languages: en (the policy's own), it\n  translations: it complete\n" in out


def test_check_of_a_policy_in_english_alone_says_nothing_of_languages(tmp_path: Path) -> None:
    policy = tmp_path / "cookies.toml"
    policy.write_text('version = "1"\n[categories.necessary]\nnecessary = true\n')
    out = run("check", policy).stdout
    assert "languages" not in out and "translations" not in out


def test_check_an_undeclared_cookie_in_a_locale_is_one_policy_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'version = "1"\n[categories.necessary]\nnecessary = true\n'
        '[locales.it.cookies]\nsessionid = "Ti mantiene connesso."\n'
    )
    result = run("check", bad)
    assert result.returncode == 1
    assert_one_error_line(
        result, str(bad), "locales.it.cookies.sessionid", "is not a declared cookie"
    )


def test_check_an_unknown_locale_tag_is_one_policy_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "1"\n[categories.necessary]\nnecessary = true\n[locales.iy]\n')
    result = run("check", bad)
    assert result.returncode == 1
    assert_one_error_line(result, str(bad), "locales.iy", "'iy' is not a language code")


# -- audit --------------------------------------------------------------------------------------


def audit(*args: str | Path, cwd: Path = FIXTURES) -> subprocess.CompletedProcess[str]:
    return run("audit", *args, cwd=cwd)


@pytest.mark.parametrize("target", ["leaky_app:app", "leaky_app:wsgi_app"], ids=["asgi", "wsgi"])
def test_audit_leaky_app_exits_1_naming_the_cookies(target: str) -> None:
    result = audit(target, "--policy", POLICY)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "FAIL: 2 problems" in out
    assert re.search(r"tracker_xyz: not declared.*\[undeclared\]", out)
    assert re.search(r"_ga: Asked for 5 years; cut to 1 year.*\[lifetime-capped\]", out)
    assert "ok   sessionid" in out
    assert "Traceback" not in result.stderr


def test_audit_json_reports_each_visitor() -> None:
    result = audit("leaky_app:app", "--policy", POLICY, "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["kind"] == "asgi"
    cookies = {c["name"]: c for c in report["paths"][0]["cookies"]}
    ga = cookies["_ga"]
    assert ga["declared"] and ga["category"] == "performance"
    assert ga["requested_lifetime"] == 5 * 365 * 86400
    assert ga["allowed_lifetime"] == 365 * 86400
    assert ga["visitors"]["no_consent"]["action"] == "drop"
    assert ga["visitors"]["no_consent"]["reason"] == "refused-category"
    assert ga["visitors"]["accepted_all"]["action"] == "rewrite"
    assert "Max-Age=31536000" in ga["visitors"]["accepted_all"]["received"]
    assert cookies["tracker_xyz"]["declared"] is False
    assert {(p["cookie"], p["reason"]) for p in report["problems"]} == {
        ("tracker_xyz", "undeclared"),
        ("_ga", "lifetime-capped"),
    }


@pytest.mark.parametrize("target", ["leaky_app:app", "leaky_app:wsgi_app"], ids=["asgi", "wsgi"])
def test_audit_clean_paths_exit_0(target: str) -> None:
    result = audit(target, "--policy", POLICY, "--path", "/clean", "--path", "/none")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 2 cookies on 2 paths" in result.stdout
    assert result.stderr == ""  # no progress for a few paths


@pytest.mark.parametrize(
    "target", ["leaky_app:wrapped", "leaky_app:wrapped_wsgi"], ids=["asgi", "wsgi"]
)
def test_audit_unwraps_cookiewarden_middleware_and_says_so(target: str) -> None:
    result = audit(target, "--policy", POLICY)
    assert result.returncode == 1  # the app's own headers, not the middleware's output
    assert "tracker_xyz" in result.stdout
    assert "wrapped in CookieWarden" in result.stderr


def test_audit_shows_progress_for_many_paths() -> None:
    paths = [arg for p in ("/clean", "/none", "/clean", "/none") for arg in ("--path", p)]
    result = audit("leaky_app:app", "--policy", POLICY, *paths)
    assert result.returncode == 0
    assert "audit: [4/4] GET /none" in result.stderr


def test_audit_example_apps_are_clean() -> None:
    for target in ("examples.fastapi_app:app", "examples.flask_app:app"):
        result = audit(target, "--policy", POLICY, "--path", "/", "--path", "/whoami", cwd=ROOT)
        assert result.returncode == 0, result.stdout + result.stderr
        for name in ("sessionid", "_ga", "lang", "ads_id"):
            assert name in result.stdout
        assert "auditing" in result.stderr  # the examples come wrapped


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        pytest.param("no_such_module:app", "cannot import 'no_such_module'", id="no-module"),
        pytest.param("leaky_app:nope", "'leaky_app' has no attribute 'nope'", id="no-attribute"),
        pytest.param("leaky_app", "TARGET must look like module:attribute", id="no-colon"),
        pytest.param("leaky_app:not_an_app", "not an ASGI or WSGI application", id="not-callable"),
    ],
)
def test_audit_bad_target_exits_2(target: str, needle: str) -> None:
    result = audit(target, "--policy", POLICY)
    assert result.returncode == 2
    assert result.stdout == ""
    assert_one_error_line(result, needle)


@pytest.mark.parametrize("target", ["leaky_app:app", "leaky_app:wsgi_app"], ids=["asgi", "wsgi"])
def test_audit_path_that_raises_exits_2(target: str) -> None:
    result = audit(target, "--policy", POLICY, "--path", "/boom")
    assert result.returncode == 2
    assert_one_error_line(result, "GET /boom raised ZeroDivisionError: division by zero")


def test_audit_missing_policy_and_bad_path_exit_2(tmp_path: Path) -> None:
    result = audit("leaky_app:app", "--policy", tmp_path / "missing.toml")
    assert result.returncode == 2
    assert_one_error_line(result, "missing.toml: no such file")
    result = audit("leaky_app:app", "--policy", POLICY, "--path", "relative")
    assert result.returncode == 2
    assert_one_error_line(result, "--path must start with '/'")


# -- records, migrate ---------------------------------------------------------------------------


def _record(consent_id: str, at: float) -> ConsentRecord:
    return ConsentRecord(
        consent_id=consent_id,
        recorded_at=at,
        policy_version="2026-11-01",
        granted=("necessary", "performance"),
        refused=("functionality", "targeting"),
        method="banner",
        subject_hash=subject_hash("192.0.2.1", "test", salt=b"salt"),
    )


@pytest.fixture
def records_db(tmp_path: Path) -> Path:
    path = tmp_path / "consent.db"
    with SQLiteSink(path) as sink:
        sink.write(_record("aaaaaaaaaaaaaaaa", 1_800_000_000))  # 2027-01-15T08:00:00Z
        sink.write(_record("bbbbbbbbbbbbbbbb", 1_800_000_100))
        sink.write(_record("aaaaaaaaaaaaaaaa", 1_800_000_200))
    return path


def test_records_by_consent_id_as_jsonl(records_db: Path) -> None:
    result = run("records", f"sqlite:///{records_db}", "--consent-id", "aaaaaaaaaaaaaaaa")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["recorded_at"] for r in rows] == [1_800_000_000, 1_800_000_200]
    assert {r["consent_id"] for r in rows} == {"aaaaaaaaaaaaaaaa"}


def test_records_since_a_date_as_csv(records_db: Path) -> None:
    result = run("records", records_db, "--since", "2027-01-15T08:01:00Z", "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("record_id,consent_id,recorded_at")
    assert len(lines) == 3
    assert "2027-01-15T08:01:40+00:00" in lines[1]


def test_records_errors(tmp_path: Path, records_db: Path) -> None:
    result = run("records", tmp_path / "none.db", "--since", "2026-01-01")
    assert result.returncode == 1
    assert_one_error_line(result, "no such database file")
    assert not (tmp_path / "none.db").exists()
    result = run("records", records_db, "--since", "last tuesday")
    assert result.returncode == 1
    assert_one_error_line(result, "not an ISO-8601 date")


def test_migrate_creates_the_sqlite_table(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = run("migrate", f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    assert "table is ready" in result.stdout
    result = run("records", path, "--since", "2000-01-01")
    assert result.returncode == 0 and result.stdout == ""


# -- demo ---------------------------------------------------------------------------------------


@pytest.fixture
def demo() -> Iterator[tuple[subprocess.Popen[str], str]]:
    with subprocess.Popen(
        [CLI, "demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            match = re.fullmatch(r"cookiewarden demo: open (http://127\.0\.0\.1:\d+/)\n", line)
            assert match, line
            url = match.group(1)
            deadline = time.monotonic() + 15
            while True:
                try:
                    urllib.request.urlopen(url + "_consent", timeout=2).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the demo did not answer"
                    time.sleep(0.1)
            yield proc, url
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, list[str]], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        headers: dict[str, list[str]] = {}
        for key, value in response.headers.items():
            headers.setdefault(key.lower(), []).append(value)
        return response.status, headers, response.read().decode()


def test_demo_serves_the_page_api_and_banner_then_stops_on_sigint(
    demo: tuple[subprocess.Popen[str], str],
) -> None:
    proc, url = demo
    status, headers, body = _get(url)
    assert status == 200
    assert '<script src="/_consent/banner.js" defer></script>' in body
    # The page guard is the first script of the page, its URL naming a first visit's state.
    first_script = r'<head>\s*<meta[^>]*>\s*<meta[^>]*>\s*<script src="/_consent/guard\.js\?s='
    assert re.search(first_script, body)
    assert "data-cookiewarden-open" in body and 'href="/_consent/declaration"' in body
    # An undecided visitor: only the necessary cookie leaves, and the table says so.
    assert [h.split("=", 1)[0] for h in headers["set-cookie"]] == ["sessionid"]
    for name in ("_ga", "lang", "region", "ads_id", "tracker_xyz"):
        assert f"<code>{name}</code>" in body
    assert body.count('class="badge drop"') == 5 and body.count('class="badge keep"') == 1

    status, headers, body = _get(url + "_consent")
    assert status == 200 and headers["content-type"] == ["application/json"]
    assert json.loads(body)["decided"] is False
    status, headers, body = _get(url + "_consent/banner.js")
    assert status == 200 and "javascript" in headers["content-type"][0]

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()


def test_demo_table_describes_exactly_what_the_response_carries(
    demo: tuple[subprocess.Popen[str], str],
) -> None:
    proc, url = demo
    request = urllib.request.Request(
        url + "_consent",
        data=json.dumps({"granted": ["performance", "functionality", "targeting"]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        consent = next(
            v.split(";", 1)[0]
            for k, v in response.headers.items()
            if k.lower() == "set-cookie" and v.startswith("cw_consent=")
        )
    _status, headers, body = _get(url, cookie=consent)
    sent = headers["set-cookie"]
    assert sorted(h.split("=", 1)[0] for h in sent) == ["_ga", "ads_id", "lang", "sessionid"]
    for header in sent:  # every header that left is shown, exactly, in "Your browser got"
        assert f"<td><code>{html.escape(header)}</code></td></tr>" in body
    assert "Max-Age=31536000" in next(h for h in sent if h.startswith("_ga="))
    assert body.count('class="badge rewrite"') == 1  # _ga, capped
    assert body.count('class="badge drop"') == 2  # region (domain) and tracker_xyz
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0


def test_demo_port_in_use_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("demo", "--port", str(port), timeout=20)
    assert result.returncode == 1
    assert result.stdout == ""
    assert_one_error_line(result, f"port {port} on 127.0.0.1 is already in use")


def test_demo_bad_policy_is_one_line(tmp_path: Path) -> None:
    result = run("demo", "--port", "0", "--policy", tmp_path / "missing.toml", timeout=20)
    assert result.returncode == 1
    assert_one_error_line(result, "missing.toml: no such file")
