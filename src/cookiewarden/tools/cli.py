"""The ``cookiewarden`` command: demo site, cookie declaration, audit, and policy tools.

Contract::

    cookiewarden demo [--host 127.0.0.1] [--port 8000] [--policy FILE]
    cookiewarden declare POLICY [--format md|html|json] [--output FILE] [--full]
                                [--consent-path /_consent] [--lang TAG]
    cookiewarden audit TARGET --policy FILE [--path /a --path /b ...] [--format text|json]
                              [--host HOST] [--https]
    cookiewarden check POLICY
    cookiewarden keygen
    cookiewarden records URL (--consent-id ID | --since DATE) [--format jsonl|csv]
    cookiewarden report --records URL [--since 30d|DATE] [--format text|html] [--output FILE]
    cookiewarden migrate URL
    cookiewarden scan URL [URL ...] --policy FILE [--states none,reject,accept] [--suggest]
                      [--format text|json|html] [--output FILE] [browser options]
    cookiewarden init [--from-scan URL ...] [--output cookies.toml] [--force]

This module parses arguments and dispatches, one ``cmd_*`` function per subcommand
(:mod:`~cookiewarden.tools.commands`, :mod:`~cookiewarden.tools.records_commands`); the work
lives elsewhere (:mod:`cookiewarden.tools.audit`, :mod:`cookiewarden.web.declaration`,
:mod:`cookiewarden.records`, :mod:`cookiewarden.tools.demo`, :mod:`cookiewarden.tools.scan`;
``scan`` and ``init`` are :mod:`~cookiewarden.tools.scan_commands`').

Rules:
1. Every mistake a user can make (a missing file, a bad policy, a TARGET that does not import,
   a path that raises inside the app, a port in use) ends with ONE line on stderr,
   ``cookiewarden: error: ...``, and a non-zero exit; never a traceback.
2. Exit codes: 0 success; 2 usage errors (argparse). ``audit`` exits 1 when the app sets a
   cookie the policy does not declare or must rewrite or drop for a visitor who accepted
   everything (lifetime cap, session, domain, prefix), and 2 when it cannot audit at all.
   ``report`` exits 2 when it cannot report (a missing database, a bad ``--since``). ``scan``
   exits 1 on findings or a consent state it could not reach, 2 when it cannot scan. Every
   other command exits 1 on an error (``check``: the policy is invalid).
3. ``audit`` never runs the middleware: see :mod:`cookiewarden.tools.audit`.
4. Results go to stdout, progress and notes to stderr, so output can be piped.
5. Frameworks are imported only by the subcommand that needs them (``demo``: Starlette and
   uvicorn).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import CookieWardenError, PolicyError
from .commands import Fail, cmd_audit, cmd_check, cmd_declare, cmd_demo, cmd_keygen
from .records_commands import cmd_migrate, cmd_records, cmd_report
from .report import RULES
from .scan_commands import add_scan_parsers

__all__ = ["main"]

_PROG = "cookiewarden"


# -- the parser ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from ..version import __version__

    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Enforce, declare, audit and scan a website's cookie policy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="run a demo site that shows what cookiewarden does")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (8000; 0: any)")
    p.add_argument("--policy", metavar="FILE", help="policy file (default: the demo policy)")
    p.set_defaults(handler=cmd_demo, error_code=1)

    p = sub.add_parser("declare", help="render the cookie declaration or the full cookie policy")
    p.add_argument("policy", metavar="POLICY", help="policy file (TOML)")
    p.add_argument("--format", choices=("md", "html", "json"), default="md")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--full", action="store_true", help="the whole cookie policy, from [site]")
    p.add_argument("--consent-path", default="/_consent", help="where the consent API is served")
    p.add_argument(
        "--lang",
        metavar="TAG",
        help="one of the policy's languages: its own (the default) or a [locales.<tag>]",
    )
    p.set_defaults(handler=cmd_declare, error_code=1)

    p = sub.add_parser(
        "audit",
        help="check which cookies an app sets against a policy (for CI)",
        description="Request each path in-process and judge every Set-Cookie the app sends."
        " Exit 0: clean; 1: undeclared cookies or cookies the policy must rewrite or drop;"
        " 2: the audit could not run.",
    )
    p.add_argument("target", metavar="TARGET", help="the app as module:attribute (ASGI or WSGI)")
    p.add_argument("--policy", metavar="FILE", required=True, help="policy file (TOML)")
    p.add_argument(
        "--path", action="append", metavar="PATH", help="path to request (repeatable; default /)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--host", help="request host (default: root_domain, else localhost)")
    p.add_argument("--https", action="store_true", help="request over https")
    p.set_defaults(handler=cmd_audit, error_code=2)

    p = sub.add_parser("check", help="validate a policy file and summarise it")
    p.add_argument("policy", metavar="POLICY", help="policy file (TOML)")
    p.set_defaults(handler=cmd_check, error_code=1)

    p = sub.add_parser("keygen", help="print a new random secret key")
    p.set_defaults(handler=cmd_keygen, error_code=1)

    p = sub.add_parser("records", help="export proof-of-consent records")
    p.add_argument("url", metavar="URL", help="sqlite:///file.db, a file path, or postgresql://")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--consent-id", metavar="ID", help="every record of one consent id")
    which.add_argument("--since", metavar="DATE", help="every record since an ISO-8601 date")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.set_defaults(handler=cmd_records, error_code=1)

    p = sub.add_parser(
        "report",
        help="report what visitors chose: per day, per policy version, per category",
        description="Count the proof-of-consent records since a time, in the database itself:"
        " choices per UTC day and per policy version, the share of visitors who accepted each"
        " category, and how many chose Accept all, Reject all, Customise, GPC or Withdraw.",
        epilog="How it counts: " + " ".join(RULES),
    )
    p.add_argument(
        "--records",
        metavar="URL",
        required=True,
        help="sqlite:///file.db, a file path, or postgresql://",
    )
    p.add_argument(
        "--since",
        metavar="WHEN",
        default="30d",
        help="a duration back from now (30d, 12h, 1y) or an ISO-8601 date (default: 30d)",
    )
    p.add_argument("--format", choices=("text", "html"), default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(handler=cmd_report, error_code=2)

    p = sub.add_parser("migrate", help="create the consent-records table")
    p.add_argument("url", metavar="URL", help="sqlite:///file.db, a file path, or postgresql://")
    p.set_defaults(handler=cmd_migrate, error_code=1)

    add_scan_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cookiewarden`` command; return its exit status.

    :param argv: the arguments (without the program name); ``sys.argv[1:]`` when ``None``.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    code: int = args.error_code
    try:
        result: int = args.handler(args)
        sys.stdout.flush()
        return result
    except (Fail, CookieWardenError) as exc:
        message = str(exc)
        if isinstance(exc, PolicyError) and exc.source and exc.key in ("(file)", "(toml)"):
            message = f"{exc.source}: {exc.reason}"  # no key to name: the file itself is wrong
        print(f"{_PROG}: error: {message}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining on exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
