"""The ``cookiewarden`` command run on a framework's behalf, with the app's policy filled in.

Contract: :func:`command_line` turns ``manage.py cookiewarden TOOL ARGS`` (Django) or ``flask
cookiewarden TOOL ARGS`` into the arguments of ``cookiewarden TOOL`` — the policy file, the
consent path and the app to audit come from the framework's settings — and :func:`run` runs
them in this process (:func:`cookiewarden.tools.cli.main`), returning the exit status.

Rules:
1. What the user passes comes last, so an option given twice is the user's (argparse keeps the
   last); ``--consent-path`` and ``--host`` are added only when the user gave none.
2. ``declare`` gets the policy file; ``audit`` the app as ``module:attribute`` (the user's, when
   the first argument names one) and ``--policy``; ``scan`` gets ``--policy`` (the app's policy
   is what a scan of its site judges by) unless the user gave one, or the app has no file.
3. :func:`run` never raises ``SystemExit``: a usage error (or ``--help``) is its exit status.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from .cli import main

__all__ = ["TOOLS", "command_line", "run", "split_target"]

TOOLS: Final = ("declare", "audit", "scan")
"""The subcommands a framework's command runs."""


def _given(args: Sequence[str], option: str) -> bool:
    return any(arg == option or arg.startswith(option + "=") for arg in args)


def split_target(args: Sequence[str]) -> tuple[str | None, list[str]]:
    """The app to audit, when the first argument names one (``module:attribute``), and the rest.

    >>> split_target(["myapp.wsgi:application", "--path", "/a"])
    ('myapp.wsgi:application', ['--path', '/a'])
    >>> split_target(["--path", "/a"])
    (None, ['--path', '/a'])
    """
    if args and not args[0].startswith("-"):
        return args[0], list(args[1:])
    return None, list(args)


def command_line(
    tool: str,
    args: Sequence[str],
    *,
    policy_file: str | Path,
    consent_path: str = "/_consent",
    target: str | None = None,
    host: str | None = None,
) -> list[str]:
    """The arguments of ``cookiewarden TOOL`` (rules 1, 2).

    :param tool: one of :data:`TOOLS`.
    :param args: what the user passed after the tool's name.
    :param policy_file: the app's policy file.
    :param consent_path: where the app serves the consent API (linked from the declaration).
    :param target: the app to audit as ``module:attribute``, unless ``args`` starts with one.
    :param host: the host ``audit`` requests, unless ``args`` gives ``--host``.
    :raises ValueError: an unknown tool, or ``audit`` with no target at all.

    >>> command_line("declare", ["--format", "html"], policy_file="cookies.toml")
    ['declare', 'cookies.toml', '--consent-path', '/_consent', '--format', 'html']
    >>> command_line("audit", ["--path", "/a"], policy_file="cookies.toml", target="site:app")
    ['audit', 'site:app', '--policy', 'cookies.toml', '--path', '/a']
    >>> command_line("scan", ["https://staging.example.com/"], policy_file="cookies.toml")
    ['scan', '--policy', 'cookies.toml', 'https://staging.example.com/']
    """
    if tool == "declare":
        added = [] if _given(args, "--consent-path") else ["--consent-path", consent_path]
        return ["declare", str(policy_file), *added, *args]
    if tool == "audit":
        named, rest = split_target(args)
        target = named or target
        if target is None:
            raise ValueError("audit needs the app to request, as module:attribute")
        added = ["--host", host] if host and not _given(rest, "--host") else []
        return ["audit", target, "--policy", str(policy_file), *added, *rest]
    if tool == "scan":
        policy = [] if _given(args, "--policy") or not str(policy_file) else ["--policy"]
        return ["scan", *policy, *([str(policy_file)] if policy else []), *args]
    raise ValueError(f"unknown tool {tool!r}; one of {', '.join(TOOLS)}")


def run(argv: Sequence[str]) -> int:
    """Run ``cookiewarden`` with ``argv`` in this process; its exit status (rule 3)."""
    try:
        return main(list(argv))
    except SystemExit as exc:  # argparse: a usage error (2) or --help (0)
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
