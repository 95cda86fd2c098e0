"""The ``cookiewarden`` subcommands that work on a policy or an app: ``declare``, ``check``,
``keygen``, ``demo`` and ``audit``, one ``cmd_*`` function each, and :class:`Fail`, the user error
every subcommand raises.

Contract: each ``cmd_*`` takes the parsed arguments and returns the exit status; a mistake the
user can make raises :class:`Fail` (or a :class:`~cookiewarden.errors.CookieWardenError`), which
:func:`cookiewarden.tools.cli.main` turns into one line on stderr.

Rules:
1. Results go to stdout, progress and notes to stderr, so output can be piped.
2. ``audit`` never runs the middleware: see :mod:`cookiewarden.tools.audit`.
3. Frameworks are imported only by the subcommand that needs them (``demo``: Starlette and
   uvicorn).
"""

from __future__ import annotations

import argparse
import errno
import logging
import secrets
import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType

from ..rules.languages import negotiate
from ..rules.policy import Policy
from ..rules.policy_entries import CONSENT_COOKIE
from ..rules.wording import shipped_language
from ..web.declaration.htmlout import render_html
from ..web.declaration.jsonout import render_json as render_declaration_json
from ..web.declaration.mdout import render_markdown
from ..web.declaration.strings import human_duration
from ..web.declaration.translations import declaration_strings
from .audit.report import render_json, render_text
from .audit.run import run_audit
from .audit.target import load_target

__all__ = [
    "Fail",
    "cmd_audit",
    "cmd_check",
    "cmd_declare",
    "cmd_demo",
    "cmd_keygen",
    "write_output",
]


class Fail(Exception):
    """A user error: one line on stderr and a non-zero exit."""


# -- small helpers ------------------------------------------------------------------------------


def _load_policy(path: str) -> Policy:
    return Policy.from_toml(path)


def write_output(text: str, output: str | None) -> None:
    """Write ``text`` to the file ``output``, or to stdout when it is ``None`` or ``"-"``.

    :raises Fail: naming the file, when it cannot be written.
    """
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Fail(f"cannot write {output}: {exc.strerror or exc}") from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- declare, check, keygen ---------------------------------------------------------------------


def _language(policy: Policy, asked: str | None, policy_file: str) -> str:
    """The one of the policy's languages ``--lang`` names (``it-IT`` names ``it``).

    :raises Fail: naming the languages the policy offers, where it offers none such.
    """
    if asked is None:
        return policy.language
    found = negotiate(policy.languages, "", asked=[asked])
    if not found:
        offered = ", ".join(policy.languages)
        raise Fail(
            f"--lang {asked!r}: {policy_file} is offered in {offered}; to offer another"
            f" language, add a [locales.<tag>] table for it"
        )
    return found


def cmd_declare(args: argparse.Namespace) -> int:
    """``cookiewarden declare``: the declaration, or with ``--full`` the policy, in one format
    and in one of the policy's languages (``--lang``; its own by default)."""
    policy = _load_policy(args.policy)
    lang = _language(policy, args.lang, args.policy)
    texts, strings = policy.localised(lang), declaration_strings(lang)
    if args.format == "json":
        text = render_declaration_json(texts, strings=strings)
    elif args.format == "html":
        text = render_html(texts, full=args.full, consent_path=args.consent_path, strings=strings)
    else:
        text = render_markdown(
            texts, full=args.full, consent_path=args.consent_path, strings=strings
        )
    write_output(text, args.output)
    return 0


def _languages(policy: Policy) -> list[str]:
    """What ``check`` says of a policy offered in more than English: its languages, what each
    ``[locales.<tag>]`` leaves untranslated, and where cookiewarden's own words are English."""
    own = f"{policy.language} (the policy's own)"
    out = [f"  languages: {', '.join([own, *policy.languages[1:]])}"]
    for tag, missing in policy.missing_translations().items():
        if not missing:
            out.append(f"  translations: {tag} complete")
            continue
        out.append(
            f"  translations missing in {tag}: {len(missing)} (said in {policy.language} instead)"
        )
        out.extend(f"    {key}" for key in missing)
    for tag in policy.languages:
        if shipped_language(tag) is None:
            out.append(
                f"  note: {tag}: cookiewarden's own words (the banner's buttons, the declaration's"
                " sentences) are not shipped in it and stay English; give the banner"
                " data-strings"
            )
    return out


def cmd_check(args: argparse.Namespace) -> int:
    """``cookiewarden check``: validate a policy file and print a summary of it."""
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
    out.append(
        f"  declared storage keys: {len(policy.storage)}; third-party hosts: {len(policy.hosts)}"
        f" (undeclared hosts: {policy.unknown_hosts})"
    )
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
    if policy.languages != ("en",):
        out.extend(_languages(policy))
    for rule in policy.cookies:
        effective = policy.effective_lifetime(rule)
        if rule.lifetime is not None and effective != rule.lifetime:
            out.append(
                f"  note: {rule.name} declares {human_duration(rule.lifetime)};"
                f" max_age caps it at {human_duration(effective)}"
            )
    print("\n".join(out))
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    """``cookiewarden keygen``: print a new random secret key."""
    print(secrets.token_urlsafe(32))
    return 0


# -- demo ---------------------------------------------------------------------------------------


def _listen(host: str, port: int) -> socket.socket:
    """Bind the demo's socket ourselves, so a port in use is one clear line."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror as exc:
        raise Fail(f"cannot listen on {host}: {exc.strerror or exc}") from None
    except UnicodeError as exc:
        raise Fail(f"cannot listen on {host}: {exc}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise Fail(
                f"port {port} on {host} is already in use; choose another with --port"
            ) from None
        raise Fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def cmd_demo(args: argparse.Namespace) -> int:
    """``cookiewarden demo``: serve the demo site until Ctrl+C (needs the ``demo`` extra)."""
    try:
        import uvicorn

        from .demo import build_app
    except ImportError as exc:
        raise Fail(
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
        raise Fail("the demo server did not start")
    return 0


# -- audit --------------------------------------------------------------------------------------


def cmd_audit(args: argparse.Namespace) -> int:
    """``cookiewarden audit``: request each path of an app and judge its cookies.

    Exits 1 when a cookie is a problem (see :mod:`cookiewarden.tools.audit`).
    """
    for path in args.path or ():
        if not path.startswith("/"):
            raise Fail(f"--path must start with '/', got {path!r}")
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
