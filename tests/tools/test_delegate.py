"""``cookiewarden.tools.delegate``: the ``cookiewarden`` command run for a framework's command,
with the app's policy, consent path and target filled in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cookiewarden.tools.delegate import command_line, run

POLICY = str(Path(__file__).resolve().parents[2] / "examples" / "policy.toml")


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        pytest.param(
            "declare", [], ["declare", POLICY, "--consent-path", "/privacy"], id="declare"
        ),
        pytest.param(
            "declare",
            ["--format", "json"],
            ["declare", POLICY, "--consent-path", "/privacy", "--format", "json"],
            id="declare-options-last",
        ),
        pytest.param(
            "declare",
            ["--consent-path=/other"],
            ["declare", POLICY, "--consent-path=/other"],
            id="declare-users-consent-path",
        ),
        pytest.param(
            "audit",
            ["--path", "/a"],
            ["audit", "site.wsgi:app", "--policy", POLICY, "--host", "example.com", "--path", "/a"],
            id="audit",
        ),
        pytest.param(
            "audit",
            ["other:app", "--https"],
            ["audit", "other:app", "--policy", POLICY, "--host", "example.com", "--https"],
            id="audit-users-target",
        ),
        pytest.param(
            "audit",
            ["--host", "www.example.com"],
            ["audit", "site.wsgi:app", "--policy", POLICY, "--host", "www.example.com"],
            id="audit-users-host",
        ),
        pytest.param(
            "scan",
            ["https://example.com", "--depth", "2"],
            ["scan", "--policy", POLICY, "https://example.com", "--depth", "2"],
            id="scan-gets-the-apps-policy",
        ),
        pytest.param(
            "scan",
            ["https://example.com", "--policy=other.toml"],
            ["scan", "https://example.com", "--policy=other.toml"],
            id="scan-users-policy",
        ),
    ],
)
def test_the_command_line_fills_in_the_apps_settings(
    tool: str, args: list[str], expected: list[str]
) -> None:
    got = command_line(
        tool,
        args,
        policy_file=POLICY,
        consent_path="/privacy",
        target="site.wsgi:app",
        host="example.com",
    )
    assert got == expected


@pytest.mark.parametrize(
    ("tool", "target", "says"),
    [
        pytest.param("audit", None, "needs the app", id="audit-without-target"),
        pytest.param("serve", "site:app", "unknown tool", id="unknown-tool"),
    ],
)
def test_what_cannot_run_is_refused(tool: str, target: str | None, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        command_line(tool, [], policy_file=POLICY, target=target)


def test_run_returns_the_commands_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["declare", POLICY, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2026-11-01"


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        pytest.param(["declare", "--help"], 0, id="help"),
        pytest.param(["declare", POLICY, "--bogus"], 2, id="usage-error"),
        pytest.param(["declare", "/no/such/policy.toml"], 1, id="error"),
    ],
)
def test_run_never_exits_the_process(
    argv: list[str], status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == status
    captured = capsys.readouterr()
    assert ("usage: cookiewarden declare" in captured.out) if status == 0 else captured.err


def test_a_frameworks_declare_takes_the_language_too(capsys: pytest.CaptureFixture[str]) -> None:
    """``manage.py cookiewarden declare --lang it``, ``flask cookiewarden declare --lang it``."""
    argv = command_line("declare", ["--lang", "it"], policy_file=POLICY, consent_path="/privacy")
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Dichiarazione sui cookie\n")
    assert "del consenso all\u2019indirizzo `/privacy`" in out


def test_scan_without_a_policy_file_is_passed_through() -> None:
    # A framework whose policy is a Policy object, not a file: the user names one with --policy.
    assert command_line("scan", ["https://example.com"], policy_file="") == [
        "scan",
        "https://example.com",
    ]
