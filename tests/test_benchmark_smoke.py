"""``python -m benchmarks --quick`` runs and prints its table.

Only that: timings never belong in unit tests (a shared machine makes them noise), so the
targets are checked by running the benchmark itself, not here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIM = ROOT / "benchmarks" / "overhead.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_quick_run_prints_the_table() -> None:
    result = run()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in ("ASGI (Starlette)", "WSGI (Flask)", "Targets (not enforced with --quick)"):
        assert heading in out
    for variant in (
        "bare app",
        "do-nothing wrapper",
        "send wrapper, no cookies",
        "start_response wrapper, no cookies",
        "peer: Starlette SessionMiddleware",
        "peer: Flask session view",
        "cookiewarden (a)",
        "cookiewarden (b)",
        "cookiewarden (c)",
        "cookiewarden (d)",
        "cookiewarden (e)",
        "(a) ÷ send wrapper, no cookies",
        "(a) ÷ start_response wrapper, no cookies",
    ):
        assert variant in out
    for target in (
        "ASGI (a) / send wrapper (no cookies)",
        "WSGI (a) / start_response wrapper (no cookies)",
        "ASGI (a) / bare (no cookies)",
    ):
        assert target in out


def test_quick_json_names_every_variant_and_target() -> None:
    result = run("--json", "--only", "asgi")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    keys = {row["key"] for row in data["asgi"]["rows"]}
    assert {"bare", "wrapper", "send", "send_plain", "peer", "a", "b", "c", "d", "e"} <= keys
    assert "a_vs_send_wrapper" in data["asgi"]
    targets = {t["key"]: t for t in data["targets"]}
    assert set(targets) >= {
        "asgi.a.vs_send_wrapper",
        "asgi.a.ratio",
        "asgi.b.vs_peer",
        "asgi.d.vs_b",
        "asgi.e.vs_peer",
    }
    assert targets["asgi.a.vs_send_wrapper"]["limit"] == 1.06
    assert targets["asgi.e.vs_peer"]["limit"] == 1.5
    assert targets["asgi.a.ratio"]["enforced"] is False  # reported, not enforced


def test_quick_example_run_prints_the_in_process_table() -> None:
    result = run("--example")
    assert result.returncode == 0, result.stderr
    assert "FastAPI example in-process" in result.stdout
    for kind in ("bare", "wrapper", "cookiewarden"):
        assert f"\n{kind} " in result.stdout


def test_the_old_script_path_is_the_same_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, str(SHIM), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "python -m benchmarks" in result.stdout
    assert "--memory" in result.stdout


@pytest.mark.browser
@pytest.mark.skipif(
    shutil.which("chromium") is None and os.environ.get("CI") != "true",
    reason="Debian's chromium is not installed",
)
def test_quick_guard_run_times_writes_through_the_guard_in_chromium() -> None:
    result = run("--guard")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"through the guard\s+\d+\.\d+ µs", out)
    assert re.search(r"the browser's own\s+\d+\.\d+ µs", out)
    assert re.search(r"guard\.min\.js: \d+ bytes gzipped \(budget 6144\)", out)
    assert "(not enforced with --quick)" in out
