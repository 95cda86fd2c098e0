"""The ``cookiewarden`` command: demo site, cookie declaration, audit, and policy tools.

Contract::

    cookiewarden demo [--host 127.0.0.1] [--port 8000] [--policy FILE]
    cookiewarden declare POLICY [--format md|html|json] [--output FILE] [--full]
                                [--consent-path /_consent]
    cookiewarden audit TARGET --policy FILE [--path /a --path /b ...] [--format text|json]
                              [--host HOST] [--https]
    cookiewarden check POLICY
    cookiewarden keygen
    cookiewarden records URL (--consent-id ID | --since DATE) [--format jsonl|csv]
    cookiewarden migrate URL

This module parses arguments and dispatches, one ``_cmd_*`` function per subcommand; the work
lives elsewhere (:mod:`cookiewarden.audit`, :mod:`cookiewarden.declaration`,
:mod:`cookiewarden.records`, :mod:`cookiewarden.demo`).

Rules:
1. Every mistake a user can make (a missing file, a bad policy, a TARGET that does not import,
   a path that raises inside the app, a port in use) ends with ONE line on stderr,
   ``cookiewarden: error: ...``, and a non-zero exit; never a traceback.
2. Exit codes: 0 success; 2 usage errors (argparse). ``audit`` exits 1 when the app sets a
   cookie the policy does not declare or must rewrite or drop for a visitor who accepted
   everything (lifetime cap, session, domain, prefix), and 2 when it cannot audit at all.
   Every other command exits 1 on an error (``check``: the policy is invalid).
3. ``audit`` never runs the middleware: see :mod:`cookiewarden.audit`.
4. Results go to stdout, progress and notes to stderr, so output can be piped.
5. Frameworks are imported only by the subcommand that needs them (``demo``: Starlette and
   uvicorn).
"""

from __future__ import annotations

import argparse
import csv
import errno
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..errors import CookieWardenError, PolicyError
from ..rules.policy import Policy
from ..rules.policy_entries import CONSENT_COOKIE
from ..web.declaration import human_duration, render_html, render_markdown
from ..web.declaration import render_json as render_declaration_json
from .audit import LogCapture, capture_logs, load_target, render_json, render_text, run_audit

if TYPE_CHECKING:
    from ..records.sqlite import RecordSink

__all__ = ["main"]

_PROG = "cookiewarden"


class _Fail(Exception):
    """A user error: one line on stderr and a non-zero exit."""


# -- small helpers ------------------------------------------------------------------------------


def _load_policy(path: str) -> Policy:
    return Policy.from_toml(path)


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Fail(f"cannot write {output}: {exc.strerror or exc}") from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- declare, check, keygen ---------------------------------------------------------------------


def _cmd_declare(args: argparse.Namespace) -> int:
    policy = _load_policy(args.policy)
    if args.format == "json":
        text = render_declaration_json(policy)
    elif args.format == "html":
        text = render_html(policy, full=args.full, consent_path=args.consent_path)
    else:
        text = render_markdown(policy, full=args.full, consent_path=args.consent_path)
    _write(text, args.output)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    policy = _load_policy(args.policy)
    out = [f"{args.policy}: ok, policy version {policy.version}"]
    width = max(len(c.key) for c in policy.categories)
    label_width = max(len(c.label) for c in policy.categories)
    out.append(f"  categories: {len(policy.categories)}")
    for cat in policy.categories:
        count = sum(1 for r in policy.cookies if r.category == cat.key)
        status = "always on" if cat.necessary else "asks consent"
        gpc = ", refused by GPC" if cat.key in policy.gpc_refuses else ""
        out.append(
            f"    {cat.key:<{width}}  {cat.label:<{label_width}}  "
            f"{_plural(count, 'cookie'):<10} {status}{gpc}"
        )
    out.append(f"  declared cookies: {len(policy.cookies)} ({CONSENT_COOKIE} included)")
    out.append(f"  max_age: {human_duration(policy.max_age)} (cap on non-necessary cookies)")
    out.append(f"  consent_max_age: {human_duration(policy.consent_max_age)}")
    if policy.refusal_max_age != policy.consent_max_age:
        out.append(f"  consent_max_age_refused: {human_duration(policy.refusal_max_age)}")
    out.append(f"  unknown cookies: {policy.unknown}")
    out.append(f"  root_domain: {policy.root_domain or '(none)'}")
    if policy.mode != "opt-in":
        out.append(f"  mode: {policy.mode} (undecided visitors get all but what GPC refuses)")
    hardening = [f"{key}={value}" for key, value in (
        ("secure", policy.secure), ("same_site_min", policy.same_site_min)) if value]  # fmt: skip
    http_only = [r.name for r in policy.cookies if r.http_only]
    if http_only:
        hardening.append("http_only: " + ", ".join(http_only))
    if hardening:
        out.append("  hardening: " + "; ".join(hardening))
    for rule in policy.cookies:
        effective = policy.effective_lifetime(rule)
        if rule.lifetime is not None and effective != rule.lifetime:
            out.append(
                f"  note: {rule.name} declares {human_duration(rule.lifetime)};"
                f" max_age caps it at {human_duration(effective)}"
            )
    print("\n".join(out))
    return 0


def _cmd_keygen(args: argparse.Namespace) -> int:
    print(secrets.token_urlsafe(32))
    return 0


# -- records, migrate ---------------------------------------------------------------------------


def _open_sink(url: str, *, create: bool) -> RecordSink:
    from ..records.sqlite import SQLiteSink, open_sink

    try:
        sink = open_sink(url)
    except ImportError as exc:
        raise _Fail(
            f"{exc}; PostgreSQL needs the postgres extra: pip install 'cookiewarden[postgres]'"
        ) from None
    if sink is None:  # pragma: no cover - open_sink(None) only
        raise _Fail("no consent-record database given")
    if (
        not create
        and isinstance(sink, SQLiteSink)
        and sink.path != ":memory:"
        and not Path(sink.path).is_file()
    ):
        raise _Fail(f"no such database file: {sink.path}")
    return sink


def _parse_date(text: str) -> float:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _Fail(
            f"--since: {text!r} is not an ISO-8601 date such as 2026-11-01 or 2026-11-01T12:00:00Z"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _db_error(exc: Exception, capture: LogCapture) -> _Fail:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if capture.last:
        detail += f" ({capture.last.splitlines()[0]})"
    return _Fail(f"consent-record database: {detail}")


def _cmd_records(args: argparse.Namespace) -> int:
    since = 0.0 if args.since is None else _parse_date(args.since)
    sink = _open_sink(args.url, create=False)
    with capture_logs() as capture:
        return _export(args, sink, since, capture)


def _export(args: argparse.Namespace, sink: RecordSink, since: float, capture: LogCapture) -> int:
    try:
        if args.consent_id is not None:
            records: Iterable[Any] = sink.get(args.consent_id)
        else:
            records = sink.since(since)
        if args.format == "csv":
            writer: Any = None
            for record in records:
                row = record.to_dict()
                when = datetime.fromtimestamp(record.recorded_at, UTC)
                row["recorded_at_utc"] = when.isoformat(timespec="seconds")
                if writer is None:
                    writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
                    writer.writeheader()
                writer.writerow(
                    {k: " ".join(v) if isinstance(v, list | tuple) else v for k, v in row.items()}
                )
        else:
            for record in records:
                sys.stdout.write(record.to_json() + "\n")
    except (CookieWardenError, _Fail):
        raise
    except Exception as exc:  # sqlite3.Error, psycopg errors: one line, never a traceback
        raise _db_error(exc, capture) from None
    finally:
        sink.close()
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    sink = _open_sink(args.url, create=True)
    with capture_logs() as capture:
        try:
            migrate: Callable[[], None] | None = getattr(sink, "migrate", None)
            if migrate is not None:
                migrate()
            else:
                sink.get("")  # SQLite creates its table on first use; this query is harmless
        except Exception as exc:
            raise _db_error(exc, capture) from None
        finally:
            sink.close()
    print(f"{sink!r}: the consent records table is ready")
    return 0


# -- demo ---------------------------------------------------------------------------------------


def _listen(host: str, port: int) -> socket.socket:
    """Bind the demo's socket ourselves, so a port in use is one clear line."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror as exc:
        raise _Fail(f"cannot listen on {host}: {exc.strerror or exc}") from None
    except UnicodeError as exc:
        raise _Fail(f"cannot listen on {host}: {exc}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise _Fail(
                f"port {port} on {host} is already in use; choose another with --port"
            ) from None
        raise _Fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def _cmd_demo(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from .demo import build_app
    except ImportError as exc:
        raise _Fail(
            f"the demo needs Starlette and uvicorn ({exc}): pip install 'cookiewarden[demo]'"
        ) from None
    policy = _load_policy(args.policy) if args.policy else None
    sock = _listen(args.host, args.port)
    app = build_app(policy)
    port = sock.getsockname()[1]
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(args.host, args.host)
    if ":" in shown:
        shown = f"[{shown}]"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("cookiewarden: %(message)s"))
    log = logging.getLogger("cookiewarden")
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was installed before it: ours, which just notes it, so the command exits 0.
    stopped: list[int] = []

    def note_signal(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)

    previous = {sig: signal.signal(sig, note_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    print(f"cookiewarden demo: open http://{shown}:{port}/", flush=True)
    print("Press Ctrl+C to stop.", file=sys.stderr, flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        for sig, old in previous.items():
            signal.signal(sig, old)
        log.removeHandler(handler)
    if not server.started and not stopped:
        raise _Fail("the demo server did not start")
    return 0


# -- audit --------------------------------------------------------------------------------------


def _cmd_audit(args: argparse.Namespace) -> int:
    for path in args.path or ():
        if not path.startswith("/"):
            raise _Fail(f"--path must start with '/', got {path!r}")
    paths: list[str] = args.path or ["/"]
    policy = _load_policy(args.policy)
    host = args.host or policy.root_domain or "localhost"
    target = load_target(args.target)
    for note in target.notes:
        print(f"audit: note: {note}", file=sys.stderr)

    def notify(line: str) -> None:
        print(f"audit: {line}", file=sys.stderr, flush=True)

    report = run_audit(
        target,
        policy,
        paths,
        policy_file=args.policy,
        host=host,
        https=args.https,
        now=time.time(),
        notify=notify,
    )
    sys.stdout.write(render_json(report) if args.format == "json" else render_text(report))
    return 0 if report.ok else 1


# -- the parser ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Enforce, declare and audit a website's cookie policy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="run a demo site that shows what cookiewarden does")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (8000; 0: any)")
    p.add_argument("--policy", metavar="FILE", help="policy file (default: the demo policy)")
    p.set_defaults(handler=_cmd_demo, error_code=1)

    p = sub.add_parser("declare", help="render the cookie declaration or the full cookie policy")
    p.add_argument("policy", metavar="POLICY", help="policy file (TOML)")
    p.add_argument("--format", choices=("md", "html", "json"), default="md")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--full", action="store_true", help="the whole cookie policy, from [site]")
    p.add_argument("--consent-path", default="/_consent", help="where the consent API is served")
    p.set_defaults(handler=_cmd_declare, error_code=1)

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
    p.set_defaults(handler=_cmd_audit, error_code=2)

    p = sub.add_parser("check", help="validate a policy file and summarise it")
    p.add_argument("policy", metavar="POLICY", help="policy file (TOML)")
    p.set_defaults(handler=_cmd_check, error_code=1)

    p = sub.add_parser("keygen", help="print a new random secret key")
    p.set_defaults(handler=_cmd_keygen, error_code=1)

    p = sub.add_parser("records", help="export proof-of-consent records")
    p.add_argument("url", metavar="URL", help="sqlite:///file.db, a file path, or postgresql://")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--consent-id", metavar="ID", help="every record of one consent id")
    which.add_argument("--since", metavar="DATE", help="every record since an ISO-8601 date")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.set_defaults(handler=_cmd_records, error_code=1)

    p = sub.add_parser("migrate", help="create the consent-records table")
    p.add_argument("url", metavar="URL", help="sqlite:///file.db, a file path, or postgresql://")
    p.set_defaults(handler=_cmd_migrate, error_code=1)
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
    except (_Fail, CookieWardenError) as exc:
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
