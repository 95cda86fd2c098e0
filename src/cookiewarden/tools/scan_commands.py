"""The ``cookiewarden scan`` and ``cookiewarden init`` subcommands: their arguments and their
``cmd_*`` functions.

Contract::

    cookiewarden scan URL [URL ...] --policy FILE [--states none,reject,accept]
        [--depth N] [--max-pages N] [--insecure] [--browser PATH] [--browser-arg ARG ...]
        [--wait SECONDS] [--timeout SECONDS] [--format text|json|html] [--output FILE]
        [--suggest]
    cookiewarden init [--from-scan URL ...] [--output cookies.toml] [--force]
        [the browser options above]

``scan`` exits 0 when every state was reached and nothing was found, 1 on findings (or a state
not reached), 2 when the scan itself failed (a policy with errors, no browser, a URL that does
not load). ``init`` writes a first policy file: the four usual categories, and with
``--from-scan`` every cookie and storage key a scan of the site found, described from the Open
Cookie Database.

Rules:
1. Every mistake ends with one ``cookiewarden: error: ...`` line (``Fail`` or a
   :class:`~cookiewarden.errors.CookieWardenError`), never a traceback.
2. The report goes to stdout or ``--output``; the progress bar (a multi-page scan, on a
   terminal) and notes to stderr.
3. Playwright is imported only once a scan starts (:mod:`cookiewarden.tools.scan.browser`).
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

from ..rules.policy import Policy
from .commands import Fail, write_output
from .scan.cookiedb import load_database
from .scan.findings import Judgement, judge
from .scan.model import DEFAULT_STATES, Scan, ScanOptions, State, parse_states
from .scan.report_html import render_html
from .scan.report_json import render_json
from .scan.report_text import ProgressBar, render_text
from .scan.suggest import first_policy, suggest

__all__ = ["add_scan_parsers", "cmd_init", "cmd_scan"]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= value < 3600:
        raise argparse.ArgumentTypeError(f"expected 0 to 3600 seconds, got {text!r}")
    return value


def _timeout(text: str) -> float:
    value = _seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {text!r}")
    return value


def _count(low: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected {low} or more, got {value}")
        return value

    return parse


def _browser_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--depth",
        type=_count(0),
        default=0,
        metavar="N",
        help="follow same-site links N deep from each URL (default 0: only the URLs)",
    )
    p.add_argument(
        "--max-pages",
        type=_count(1),
        default=20,
        metavar="N",
        help="visit at most N pages per state (default 20; the URLs given always)",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="accept any TLS certificate (a self-signed staging host)",
    )
    p.add_argument(
        "--browser",
        metavar="PATH",
        help="the Chromium to run (default: chromium on PATH, else Playwright's)",
    )
    p.add_argument(
        "--browser-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="a switch for Chromium, repeatable (--browser-arg="
        "'--host-resolver-rules=MAP staging.example.com 10.0.0.5')",
    )
    p.add_argument(
        "--wait",
        type=_seconds,
        default=2.0,
        metavar="SECONDS",
        help="wait this long after each load and choice, for late tags (default 2)",
    )
    p.add_argument(
        "--timeout",
        type=_timeout,
        default=30.0,
        metavar="SECONDS",
        help="how long a page may take to load (default 30)",
    )


def add_scan_parsers(sub: Any) -> None:
    """Add ``scan`` and ``init`` to the ``cookiewarden`` parser's subcommands."""
    p = sub.add_parser(
        "scan",
        help="check a running site against its policy in a real browser, in every consent state",
        description="Load each URL in Chromium once per consent state, each in a fresh context,"
        " and judge every cookie, storage key and request host against the policy."
        " Exit 0: clean; 1: findings, or a state not reached; 2: the scan could not run.",
    )
    p.add_argument("urls", nargs="+", metavar="URL", help="pages of one site (http or https)")
    p.add_argument("--policy", metavar="FILE", help="the policy file to judge against (TOML)")
    p.add_argument(
        "--states",
        default=DEFAULT_STATES,
        metavar="STATES",
        help="comma-separated: none, reject, accept, withdraw, only:CATEGORY"
        f" (default {DEFAULT_STATES})",
    )
    _browser_options(p)
    p.add_argument("--format", choices=("text", "json", "html"), default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--suggest",
        action="store_true",
        help="add a ready policy entry for every undeclared cookie and storage key",
    )
    p.set_defaults(handler=cmd_scan, error_code=2)

    p = sub.add_parser(
        "init",
        help="write a first policy file, from a scan of the site with --from-scan",
        description="Write a first policy file: the four usual categories and, with"
        " --from-scan, every cookie and storage key the site sets, from the Open Cookie"
        " Database where it knows them.",
    )
    p.add_argument(
        "--from-scan",
        action="append",
        default=[],
        metavar="URL",
        help="scan this page of the site first (repeatable)",
    )
    p.add_argument(
        "--output",
        "-o",
        default="cookies.toml",
        metavar="FILE",
        help="the file to write (default cookies.toml)",
    )
    p.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    _browser_options(p)
    p.set_defaults(handler=cmd_init, error_code=2)


def _options(args: argparse.Namespace, *, screenshots: bool) -> ScanOptions:
    return ScanOptions(
        browser=args.browser,
        browser_args=tuple(args.browser_arg),
        insecure=args.insecure,
        wait=args.wait,
        timeout=args.timeout,
        depth=args.depth,
        max_pages=args.max_pages,
        screenshots=screenshots,
    )


def _run(urls: list[str], states: tuple[State, ...], options: ScanOptions) -> Scan:
    from .scan.browser import run_scan

    bar = ProgressBar(sys.stderr, len(states) * len(urls))
    if len(urls) == 1 and options.depth == 0:
        bar.on = False  # one page: no bar
    try:
        return run_scan(urls, states, options, progress=bar)
    finally:
        bar.finish()


def cmd_scan(args: argparse.Namespace) -> int:
    """``cookiewarden scan``: exit 0 clean, 1 on findings or a state not reached."""
    if not args.policy:
        raise Fail(
            "scan needs the policy to judge against: --policy FILE (`manage.py cookiewarden"
            " scan` and `flask cookiewarden scan` fill in the app's)"
        )
    policy = Policy.from_toml(args.policy)
    states = parse_states(
        args.states, tuple(c.key for c in policy.categories), policy.necessary_keys
    )
    scan = _run(args.urls, states, _options(args, screenshots=args.format == "html"))
    judgement: Judgement = judge(scan, policy)
    suggestions = suggest(judgement, load_database()) if args.suggest else None
    if args.format == "json":
        text = render_json(judgement, suggestions=suggestions)
    elif args.format == "html":
        text = render_html(judgement, suggestions=suggestions, now=time.time())
    else:
        text = render_text(judgement, suggestions=suggestions)
    write_output(text, args.output)
    return judgement.exit_code


def cmd_init(args: argparse.Namespace) -> int:
    """``cookiewarden init``: write a first policy file (from a scan with ``--from-scan``)."""
    output = Path(args.output)
    if output.exists() and not args.force:
        raise Fail(f"{output} exists; name another file with --output, or pass --force")
    now = time.time()
    if not args.from_scan:
        default = resources.files("cookiewarden.rules").joinpath("default_policy.toml")
        body = default.read_text("utf-8").split("\n", 1)[1]
        version = time.strftime("%Y-%m-%d", time.gmtime(now))
        text = (
            "# A first cookie policy: declare each cookie your site sets below, as [[cookies]].\n"
            "# `cookiewarden init --from-scan URL` writes them from a scan of the site.\n"
            + body.replace('version = "1"', f'version = "{version}"', 1)
        )
        write_output(text, str(output))
        print(f"init: wrote {output}", file=sys.stderr)
        return 0
    policy = Policy.default()
    states = (State("none"), State("accept"))
    scan = _run(args.from_scan, states, _options(args, screenshots=False))
    judgement = judge(scan, policy)
    suggestions = suggest(judgement, load_database())
    write_output(first_policy(judgement, suggestions, now=now), str(output))
    cookies = sum(1 for s in suggestions if s.table == "cookies")
    unknown = sum(1 for s in suggestions if not s.known)
    print(
        f"init: wrote {output}: {cookies} cookie entr{'y' if cookies == 1 else 'ies'},"
        f' {len(suggestions) - cookies} storage; {unknown} with category "?" to choose',
        file=sys.stderr,
    )
    for run in scan.runs:
        if not run.reached:
            print(f"init: note: {run.state.name} not reached: {run.reason}", file=sys.stderr)
    return 0
