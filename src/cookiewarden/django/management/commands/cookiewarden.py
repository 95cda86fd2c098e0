"""``manage.py cookiewarden declare|audit|scan [ARGS...]``: the ``cookiewarden`` command with the
project's policy filled in.

Contract::

    manage.py cookiewarden declare [--format md|html|json] [--output FILE] [--full] [--lang TAG]
    manage.py cookiewarden audit [module:attribute] [--path /a ...] [--format text|json] ...
    manage.py cookiewarden scan [ARGS...]

``declare`` renders the declaration of ``COOKIEWARDEN['POLICY']`` (linking the project's
``CONSENT_PATH``); ``audit`` requests the project's own app — ``WSGI_APPLICATION``
(``mysite.wsgi.application`` → ``mysite.wsgi:application``), else ``ASGI_APPLICATION`` —
against that policy, as a host ``ALLOWED_HOSTS`` lets in; ``scan`` judges by that policy
(``--policy``, unless given). Every
other argument is the ``cookiewarden`` command's own (:mod:`cookiewarden.tools.delegate`).

Rules:
1. The command runs no system check first: the problems it can hit it reports itself.
2. Its output is the ``cookiewarden`` command's; a non-zero exit becomes a ``CommandError``
   with that exit status (``audit`` exits 1 when the app sets a cookie the policy must drop
   or rewrite).
"""

from __future__ import annotations

import argparse
import io
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

from django import conf as django_conf
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http.request import validate_host

from ....configuration import read_policy
from ....errors import CookieWardenError, PolicyError
from ....rules.policy import Policy
from ....tools.delegate import TOOLS, command_line, run
from ...conf import raw_settings, spell

__all__ = ["Command", "audit_host", "audit_target"]

#: Hosts Django lets in while ``DEBUG`` is on and ``ALLOWED_HOSTS`` is empty.
_DEBUG_HOSTS = (".localhost", "127.0.0.1", "[::1]")


def audit_target() -> str | None:
    """The project's app as ``module:attribute``: ``WSGI_APPLICATION``, else
    ``ASGI_APPLICATION``, with its last dot made a colon; ``None`` when neither is set."""
    for setting in ("WSGI_APPLICATION", "ASGI_APPLICATION"):
        dotted = getattr(django_conf.settings, setting, None)
        if dotted:
            module, _, attribute = str(dotted).rpartition(".")
            return f"{module}:{attribute}"
    return None


def audit_host(policy: Policy) -> str | None:
    """A host to audit with when the audit's own default (the policy's ``root_domain``, else
    ``localhost``) is not one ``ALLOWED_HOSTS`` lets in; ``None`` when the default will do."""
    allowed = list(django_conf.settings.ALLOWED_HOSTS)
    if not allowed and django_conf.settings.DEBUG:
        allowed = list(_DEBUG_HOSTS)
    default = policy.root_domain or "localhost"
    if validate_host(default, allowed):
        return None
    for pattern in allowed:
        host = str(pattern).lstrip(".")
        if host and host != "*":
            return host
    return None


def _scan_policy_file() -> str:
    """The project's policy file, for ``scan``'s ``--policy``; ``""`` when there is none to
    name (a ``Policy`` object, or settings that do not read): the user gives ``--policy``."""
    try:
        _policy, policy_file = read_policy(raw_settings().get("POLICY"), name=spell)
    except PolicyError as exc:
        return exc.source or ""  # a file with errors: the scan names them
    except CookieWardenError:
        return ""
    return "" if policy_file is None else str(policy_file)


class Command(BaseCommand):
    """``manage.py cookiewarden``: see the module's contract."""

    help = (
        "Run the cookiewarden command with this project's policy: declare (the cookie"
        " declaration), audit (this project's cookies, for CI) or scan."
    )
    requires_system_checks: list[str] = []  # rule 1

    def add_arguments(self, parser: CommandParser) -> None:
        """``TOOL`` and everything after it, for the ``cookiewarden`` command."""
        parser.add_argument("tool", choices=TOOLS, help="the cookiewarden subcommand")
        parser.add_argument(
            "tool_args",
            nargs=argparse.REMAINDER,
            metavar="ARGS",
            help="its arguments (see `cookiewarden TOOL --help`); the policy is filled in",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Build the ``cookiewarden`` arguments, run them, pass the output on (rule 2)."""
        tool: str = options["tool"]
        rest = [str(arg) for arg in options["tool_args"]]
        if tool == "scan":
            argv = command_line(tool, rest, policy_file=_scan_policy_file())
        else:
            try:
                values = raw_settings()
                policy, policy_file = read_policy(values.get("POLICY"), name=spell)
            except CookieWardenError as exc:
                raise CommandError(str(exc)) from None
            if policy_file is None:
                raise CommandError(
                    f"{spell('POLICY')} is a Policy object; `manage.py cookiewarden {tool}`"
                    " needs its file: set it to the policy file's path"
                )
            consent_path = values.get("CONSENT_PATH")
            target = audit_target()
            try:
                argv = command_line(
                    tool,
                    rest,
                    policy_file=policy_file,
                    consent_path=consent_path if isinstance(consent_path, str) else "/_consent",
                    target=target,
                    host=audit_host(policy),
                )
            except ValueError:
                raise CommandError(
                    "set WSGI_APPLICATION (or ASGI_APPLICATION) in the settings, or name the"
                    " app: manage.py cookiewarden audit mysite.wsgi:application"
                ) from None
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = run(argv)
        # Notes and progress (stderr) come before the result, as they were printed.
        self.stderr.write(err.getvalue(), style_func=lambda text: text, ending="")
        self.stdout.write(out.getvalue(), ending="")
        if code:
            raise CommandError(f"cookiewarden {tool} exited with status {code}", returncode=code)
