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

Rules:
1. Every mistake a user can make (a missing file, a bad policy, a TARGET that does not import,
   a path that raises inside the app, a port in use) ends with ONE line on stderr,
   ``cookiewarden: error: ...``, and a non-zero exit; never a traceback.
2. Exit codes: 0 success; 2 usage errors (argparse). ``audit`` exits 1 when the app sets a
   cookie the policy does not declare or must rewrite or drop for a visitor who accepted
   everything (lifetime cap, session, domain, prefix), and 2 when it cannot audit at all.
   Every other command exits 1 on an error (``check``: the policy is invalid).
3. ``audit`` never runs the middleware: it calls the app in-process (ASGI or WSGI), once as a
   visitor with no consent and once as one who accepted all, and passes the app's raw
   Set-Cookie headers to :func:`cookiewarden.decide.decide`, the function the middleware
   itself uses. A target already wrapped in cookiewarden middleware is unwrapped (and said so).
4. Results go to stdout, progress and notes to stderr, so output can be piped.
5. Frameworks are imported only by the subcommand that needs them (``demo``: Starlette and
   uvicorn).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import errno
import importlib
import inspect
import io
import json
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote_to_bytes, urlsplit

from .consent import Consent, ConsentCodec, choose
from .decide import Decision, Reason, RequestFacts, decide
from .declaration import human_duration, render_html, render_json, render_markdown
from .errors import CookieWardenError, PolicyError
from .policy import CONSENT_COOKIE, Policy
from .setcookie import SetCookie, parse_set_cookie

if TYPE_CHECKING:
    from .records import RecordSink

__all__ = ["describe", "main", "requested_lifetime"]

_PROG = "cookiewarden"

#: Reasons that mean the app's own header breaks the policy, for any visitor.
_PROBLEMS = frozenset(
    {
        Reason.UNPARSEABLE,
        Reason.UNDECLARED,
        Reason.PUBLIC_SUFFIX,
        Reason.FOREIGN_DOMAIN,
        Reason.BEYOND_ROOT,
        Reason.IP_HOST_DOMAIN,
        Reason.HOST_ONLY,
        Reason.HOST_PREFIX,
        Reason.SECURE_PREFIX,
        Reason.SAMESITE_NONE_INSECURE,
        Reason.PARTITIONED_INSECURE,
        Reason.SESSION,
        Reason.CAPPED,
    }
)
_REQUEST_TIMEOUT = 30.0


class _Fail(Exception):
    """A user error: one line on stderr and a non-zero exit."""


# -- explaining a decision in words (shared with the demo page) --------------------------------


def requested_lifetime(cookie: SetCookie, now: float) -> int | None:
    """How long ``cookie`` asks to live, in seconds (Max-Age wins); ``None``: a session cookie."""
    if cookie.max_age is not None:
        return cookie.max_age
    if cookie.expires is not None:
        return max(0, round(cookie.expires.timestamp() - now))
    return None


def _label(policy: Policy, category: str | None) -> str:
    if category is None:
        return "undeclared"
    try:
        return policy.category(category).label
    except KeyError:
        return category


def describe(decision: Decision, policy: Policy, *, facts: RequestFacts, now: float) -> str:
    """One sentence saying why cookiewarden kept, rewrote or dropped a Set-Cookie header."""
    reason = decision.reason
    original = parse_set_cookie(decision.original)
    domain = original.domain if original is not None else None
    if reason is Reason.ALLOWED:
        if decision.category is None:
            return 'Undeclared, but the policy lets unknown cookies through (unknown = "allow").'
        label = _label(policy, decision.category)
        if decision.rule is None:
            return f"Undeclared; the policy treats unknown cookies as {label}, which is allowed."
        if policy.is_necessary(decision.category):
            return f"Declared as {label}: always allowed."
        return f"Declared as {label}, which this visitor allows."
    if reason is Reason.DELETION:
        return "A deletion: always passes, so a site can always forget a cookie."
    if reason is Reason.UNPARSEABLE:
        return "A browser would ignore this header entirely."
    if reason is Reason.UNDECLARED:
        return "Not declared in the cookie policy, and the policy blocks unknown cookies."
    if reason is Reason.REFUSED:
        label = _label(policy, decision.category)
        if decision.rule is None:
            return f"Undeclared; the policy treats unknown cookies as {label}, which is refused."
        return f"“{label}” is not allowed by this visitor."
    if reason is Reason.PUBLIC_SUFFIX:
        return f"Domain={domain} is a public suffix: no browser would store it."
    if reason is Reason.FOREIGN_DOMAIN:
        return f"Domain={domain} does not cover the request host {facts.host}."
    if reason is Reason.BEYOND_ROOT:
        return f"Domain={domain} is wider than the policy's root_domain {policy.root_domain}."
    if reason is Reason.IP_HOST_DOMAIN:
        return (
            f"The site was reached by IP address ({facts.host}), which can only get host-only"
            f" cookies; Domain={domain} is refused."
        )
    if reason is Reason.HOST_ONLY:
        return f"Domain={domain} is a public suffix equal to the host: made host-only."
    if reason is Reason.HOST_PREFIX:
        return "A __Host- cookie needs Secure, Path=/ and no Domain."
    if reason is Reason.SECURE_PREFIX:
        return "A __Secure- cookie needs Secure."
    if reason is Reason.SAMESITE_NONE_INSECURE:
        return "SameSite=None needs Secure."
    if reason is Reason.PARTITIONED_INSECURE:
        return "Partitioned needs Secure."
    if reason is Reason.SESSION:
        return "Declared as a session cookie: its Max-Age/Expires were removed."
    # Reason.CAPPED
    asked = requested_lifetime(original, now) if original is not None else None
    rule = decision.rule
    allowed = policy.effective_lifetime(rule) if rule is not None else policy.max_age
    why = (
        "the policy's max_age"
        if rule is None or (rule.lifetime is not None and allowed != rule.lifetime)
        else "its declared lifetime"
    )
    return f"Asked for {human_duration(asked)}; cut to {human_duration(allowed)} by {why}."


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


class _Capture(logging.Handler):
    """Collects what libraries and the audited app log, so no traceback reaches the terminal."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.last = f"{type(exc).__name__}: {exc}"
        elif self.last is None:
            self.last = record.getMessage()


@contextlib.contextmanager
def _quiet() -> Iterator[_Capture]:
    """Capture WARNING and above on the root logger (so Python's last-resort handler is idle)."""
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)


# -- declare, check, keygen ---------------------------------------------------------------------


def _cmd_declare(args: argparse.Namespace) -> int:
    policy = _load_policy(args.policy)
    if args.format == "json":
        text = render_json(policy)
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
    out.append(f"  unknown cookies: {policy.unknown}")
    out.append(f"  root_domain: {policy.root_domain or '(none)'}")
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
    from .records import SQLiteSink, open_sink

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


def _db_error(exc: Exception, capture: _Capture) -> _Fail:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if capture.last:
        detail += f" ({capture.last.splitlines()[0]})"
    return _Fail(f"consent-record database: {detail}")


def _cmd_records(args: argparse.Namespace) -> int:
    since = 0.0 if args.since is None else _parse_date(args.since)
    sink = _open_sink(args.url, create=False)
    with _quiet() as capture:
        return _export(args, sink, since, capture)


def _export(args: argparse.Namespace, sink: RecordSink, since: float, capture: _Capture) -> int:
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
    with _quiet() as capture:
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


@dataclass(slots=True)
class _Reply:
    status: int
    set_cookies: list[str]


class _AppFailed(Exception):
    """The audited app raised or answered with a server error."""


def _import_target(spec: str) -> Any:
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise _Fail(f"TARGET must look like module:attribute (e.g. myapp:app), got {spec!r}")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise _Fail(
                f"cannot import {module_name!r}: no module named {exc.name!r}"
                f" (looked in {cwd} and sys.path)"
            ) from None
        raise _Fail(f"importing {module_name!r} failed: {exc}") from None
    except (Exception, SystemExit) as exc:
        raise _Fail(f"importing {module_name!r} raised {type(exc).__name__}: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise _Fail(f"{module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise _Fail(
            f"{spec} is not an ASGI or WSGI application (it is a {type(obj).__name__} object)"
        )
    return obj


def _unwrap(app: Any, notes: list[str]) -> Any:
    """Peel cookiewarden middleware off ``app``, so the audit sees the app's own headers."""
    from .asgi import CookieWarden
    from .wsgi import CookieWardenWSGI

    for _ in range(16):
        if isinstance(app, CookieWarden | CookieWardenWSGI):
            notes.append(
                f"the target is wrapped in {type(app).__name__}; auditing the app inside it"
            )
            app = app.app
            continue
        inner = getattr(app, "wsgi_app", None)  # Flask: app.wsgi_app = CookieWardenWSGI(...)
        if isinstance(inner, CookieWardenWSGI):
            notes.append("the target's wsgi_app is wrapped in CookieWardenWSGI; auditing inside it")
            app = inner.app
            continue
        stack = getattr(app, "user_middleware", None)  # Starlette/FastAPI add_middleware
        if isinstance(stack, list):
            kept = [m for m in stack if not _is_ours(getattr(m, "cls", None), CookieWarden)]
            if len(kept) != len(stack):
                notes.append("the target adds CookieWarden middleware; auditing without it")
                app.user_middleware = kept
                app.middleware_stack = None  # rebuilt on the next call, without ours
        break
    return app


def _is_ours(cls: object, ours: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, ours)


def _is_asgi(app: Any) -> bool:
    call = getattr(app, "__call__", None)  # noqa: B004 - we need the method, not callable()
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def _split(path: str) -> tuple[str, str]:
    parts = urlsplit(path)
    return parts.path or "/", parts.query


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def _asgi_lifespan(app: Any, state: dict[str, Any]) -> Callable[[], Any] | None:
    """Run the app's lifespan startup; return its shutdown, or ``None`` if it has none."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    task = asyncio.ensure_future(app(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    reply = asyncio.ensure_future(from_app.get())
    await asyncio.wait({task, reply}, timeout=_REQUEST_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if not reply.done():
        # The app returned or raised without starting up: it has no lifespan (uvicorn's "auto").
        reply.cancel()
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it
        return None
    message = reply.result()
    if message["type"] == "lifespan.startup.failed":
        raise _Fail(f"the app's startup failed: {message.get('message') or 'no message'}")

    async def shutdown() -> None:
        await to_app.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(Exception):  # a failing shutdown does not change the audit
            await asyncio.wait_for(task, _REQUEST_TIMEOUT)

    return shutdown


async def _asgi_get(
    app: Any, path: str, headers: list[tuple[str, str]], https: bool, state: dict[str, Any]
) -> _Reply:
    route, query = _split(path)
    host = dict(headers)["host"]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https" if https else "http",
        "path": unquote_to_bytes(route).decode("utf-8", "replace"),
        "raw_path": route.encode("ascii", "replace"),
        "query_string": query.encode("ascii", "replace"),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": (host, 443 if https else 80),
        "state": state,
    }
    finished = asyncio.Event()
    asked = False
    reply: list[_Reply] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not reply:
            cookies = [
                bytes(v).decode("utf-8", "surrogateescape")
                for k, v in message.get("headers", ())
                if bytes(k).lower() == b"set-cookie"
            ]
            reply.append(_Reply(int(message["status"]), cookies))
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            finished.set()

    try:
        await asyncio.wait_for(app(scope, receive, send), _REQUEST_TIMEOUT)
    except TimeoutError:
        raise _AppFailed(f"did not answer within {_REQUEST_TIMEOUT:.0f} s") from None
    except Exception as exc:
        raise _AppFailed(f"raised {_why(exc)}") from None
    finally:
        finished.set()
    if not reply:
        raise _AppFailed("returned without sending a response")
    return reply[0]


def _wsgi_get(app: Any, path: str, headers: list[tuple[str, str]], https: bool) -> _Reply:
    route, query = _split(path)
    host = dict(headers)["host"]
    errors = io.StringIO()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(route).decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": host,
        "SERVER_PORT": "443" if https else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if https else "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": errors,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    reply: list[_Reply] = []

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        cookies = [
            v.encode("latin-1").decode("utf-8", "surrogateescape")
            for k, v in response_headers
            if k.lower() == "set-cookie"
        ]
        reply[:] = [_Reply(int(status.split(None, 1)[0]), cookies)]
        return lambda data: None

    try:
        body = app(environ, start_response)
        try:
            for _chunk in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
    except Exception as exc:
        raise _AppFailed(f"raised {_why(exc)}") from None
    if not reply:
        raise _AppFailed("returned without calling start_response")
    if reply[0].status >= 500:
        lines = [line for line in errors.getvalue().splitlines() if line.strip()]
        if lines:
            raise _AppFailed(f"answered {reply[0].status}: {lines[-1].strip()}")
    return reply[0]


@dataclass(slots=True)
class _Seen:
    """One cookie the app set on one path, as each kind of visitor got it."""

    key: str
    name: str | None
    decisions: dict[str, Decision] = field(default_factory=dict)


_VISITORS = (("no_consent", "no consent"), ("accepted_all", "accepted all"))


@dataclass(slots=True)
class _Audit:
    policy: Policy
    host: str
    https: bool
    now: float
    paths: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    cookies: int = 0

    def add(
        self, path: str, replies: dict[str, _Reply], decisions: dict[str, list[Decision]]
    ) -> None:
        seen: dict[str, _Seen] = {}
        for visitor, _ in _VISITORS:
            counts: dict[str, int] = {}
            for decision in decisions[visitor]:
                base = decision.name if decision.name is not None else decision.original
                n = counts[base] = counts.get(base, 0) + 1
                key = base if n == 1 else f"{base}#{n}"
                entry = seen.setdefault(key, _Seen(key, decision.name))
                entry.decisions[visitor] = decision
        facts = RequestFacts(host=self.host, secure=self.https, path=_split(path)[0])
        cookies = []
        for entry in seen.values():
            cookies.append(self._cookie(path, entry, facts))
        self.cookies += len(cookies)
        self.paths.append(
            {
                "path": path,
                "status": {v: replies[v].status for v, _ in _VISITORS},
                "cookies": cookies,
            }
        )

    def _cookie(self, path: str, entry: _Seen, facts: RequestFacts) -> dict[str, Any]:
        policy = self.policy
        first = next(iter(entry.decisions.values()))
        rule = first.rule
        cookie = parse_set_cookie(first.original)
        asked = requested_lifetime(cookie, self.now) if cookie is not None else None
        allowed = policy.effective_lifetime(rule) if rule is not None else None
        problems: list[str] = []
        deletion = all(d.reason is Reason.DELETION for d in entry.decisions.values())
        if rule is None and entry.name is not None and not deletion:
            problems.append("undeclared")
            self._problem(
                path,
                entry,
                "undeclared",
                "not declared: add a [[cookies]] entry or stop setting it",
            )
        for decision in entry.decisions.values():
            reason = decision.reason
            if reason in _PROBLEMS and reason.value not in problems:
                problems.append(reason.value)
                text = describe(decision, policy, facts=facts, now=self.now)
                if reason is Reason.FOREIGN_DOMAIN:
                    text += " Is --host your site's host?"
                self._problem(path, entry, reason.value, text)
        visitors: dict[str, Any] = {}
        for visitor, _ in _VISITORS:
            got = entry.decisions.get(visitor)
            visitors[visitor] = (
                {"set": False}
                if got is None
                else {
                    "set": True,
                    "action": got.action.value,
                    "reason": got.reason.value,
                    "why": describe(got, policy, facts=facts, now=self.now),
                    "sent": got.original,
                    "received": got.header,
                }
            )
        return {
            "name": entry.name,
            "declared": rule is not None,
            "rule": rule.name if rule is not None else None,
            "category": first.category if rule is not None else None,
            "requested_lifetime": asked,
            "declared_lifetime": rule.lifetime if rule is not None else None,
            "allowed_lifetime": allowed,
            "domain": cookie.domain if cookie is not None else None,
            "problems": problems,
            "visitors": visitors,
        }

    def _problem(self, path: str, entry: _Seen, reason: str, text: str) -> None:
        name = entry.name if entry.name is not None else entry.key
        self.problems.append({"path": path, "cookie": name, "reason": reason, "message": text})


def _consents(policy: Policy, now: float) -> dict[str, tuple[Consent, str | None]]:
    """The two visitors: no consent at all, and one who accepted everything."""
    codec = ConsentCodec(policy, [secrets.token_urlsafe(32)])
    everything = choose(
        policy, policy.category_keys, gpc=False, accept_all=True, method="api", now=now
    )
    return {
        "no_consent": (Consent.undecided(policy), None),
        "accepted_all": (everything, f"{CONSENT_COOKIE}={codec.dumps(everything)}"),
    }


def _request_headers(host: str, cookie: str | None) -> list[tuple[str, str]]:
    headers = [("host", host), ("user-agent", "cookiewarden-audit"), ("accept", "text/html,*/*")]
    if cookie is not None:
        headers.append(("cookie", cookie))
    return headers


class _Runner:
    """Requests every path as each visitor and hands the replies to the :class:`_Audit`."""

    def __init__(self, app: Any, audit: _Audit, paths: list[str], capture: _Capture) -> None:
        self.app = app
        self.audit = audit
        self.paths = paths
        self.capture = capture
        self.visitors = _consents(audit.policy, audit.now)

    def progress(self, i: int, path: str) -> None:
        self.capture.last = None
        if len(self.paths) > 3:
            print(f"audit: [{i}/{len(self.paths)}] GET {path}", file=sys.stderr, flush=True)

    def failed(self, path: str, exc: _AppFailed) -> NoReturn:
        detail = str(exc)
        if self.capture.last and detail.startswith("answered") and ":" not in detail:
            detail += f": {self.capture.last}"
        raise _Fail(f"GET {path} {detail}")

    def collect(self, path: str, replies: dict[str, _Reply]) -> None:
        audit = self.audit
        facts = RequestFacts(host=audit.host, secure=audit.https, path=_split(path)[0])
        decisions = {
            visitor: [
                decide(
                    header,
                    policy=audit.policy,
                    consent=self.visitors[visitor][0],
                    facts=facts,
                    now=audit.now,
                )
                for header in reply.set_cookies
            ]
            for visitor, reply in replies.items()
        }
        status = max(reply.status for reply in replies.values())
        if status >= 500:
            self.failed(path, _AppFailed(f"answered {status}"))
        if status >= 400:
            print(f"audit: warning: GET {path} answered {status}", file=sys.stderr)
        audit.add(path, replies, decisions)

    async def run_asgi(self) -> None:
        state: dict[str, Any] = {}
        shutdown = await _asgi_lifespan(self.app, state)
        try:
            for i, path in enumerate(self.paths, 1):
                self.progress(i, path)
                replies = {}
                for visitor, (consent, cookie) in self.visitors.items():
                    headers = _request_headers(self.audit.host, cookie)
                    request_state = {**state, "consent": consent}
                    try:
                        replies[visitor] = await _asgi_get(
                            self.app, path, headers, self.audit.https, request_state
                        )
                    except _AppFailed as exc:
                        self.failed(path, exc)
                self.collect(path, replies)
        finally:
            if shutdown is not None:
                await shutdown()

    def run_wsgi(self) -> None:
        for i, path in enumerate(self.paths, 1):
            self.progress(i, path)
            replies = {}
            for visitor, (consent, cookie) in self.visitors.items():
                headers = _request_headers(self.audit.host, cookie)
                app = _with_consent(self.app, consent)
                try:
                    replies[visitor] = _wsgi_get(app, path, headers, self.audit.https)
                except _AppFailed as exc:
                    self.failed(path, exc)
            self.collect(path, replies)


def _run_audit(app: Any, asgi: bool, audit: _Audit, paths: list[str]) -> None:
    with _quiet() as capture:
        runner = _Runner(app, audit, paths, capture)
        if asgi:
            asyncio.run(runner.run_asgi())
        else:
            runner.run_wsgi()


def _with_consent(app: Any, consent: Consent) -> Callable[..., Any]:
    """Give a WSGI app the visitor's consent where the middleware would put it."""

    def call(environ: dict[str, Any], start_response: Any) -> Any:
        environ["cookiewarden.consent"] = consent
        return app(environ, start_response)

    return call


def _life(seconds: int | None) -> str:
    return "session" if seconds is None else human_duration(seconds)


def _audit_text(audit: _Audit, header: list[str]) -> str:
    out = [*header, ""]
    for entry in audit.paths:
        status = sorted(set(entry["status"].values()))
        out.append(f"GET {entry['path']}  ->  {', '.join(map(str, status))}")
        if not entry["cookies"]:
            out.append("  sets no cookies")
        for cookie in entry["cookies"]:
            name = cookie["name"] if cookie["name"] is not None else "(unparseable header)"
            mark = "FAIL" if cookie["problems"] else "ok  "
            if cookie["declared"]:
                what = _label(audit.policy, cookie["category"])
                if cookie["rule"] != name:
                    what += f" (declared as {cookie['rule']})"
                life = (
                    f"; declared {_life(cookie['declared_lifetime'])},"
                    f" allowed {_life(cookie['allowed_lifetime'])}"
                )
            else:
                what, life = "UNDECLARED", ""
            out.append(f"  {mark} {name}  {what}")
            out.append(f"         lifetime: requested {_life(cookie['requested_lifetime'])}{life}")
            for visitor, words in _VISITORS:
                seen = cookie["visitors"][visitor]
                if not seen["set"]:
                    out.append(f"         {words + ':':<14}not set by the app")
                    continue
                action = {"keep": "kept", "rewrite": "rewritten", "drop": "dropped"}[seen["action"]]
                out.append(f"         {words + ':':<14}{action} - {seen['why']}")
        out.append("")
    if audit.problems:
        out.append(f"FAIL: {_plural(len(audit.problems), 'problem')}")
        for p in audit.problems:
            out.append(f"  GET {p['path']}  {p['cookie']}: {p['message']} [{p['reason']}]")
    else:
        out.append(
            f"OK: {_plural(audit.cookies, 'cookie')} on {_plural(len(audit.paths), 'path')},"
            " every one declared and within the policy"
        )
    return "\n".join(out) + "\n"


def _cmd_audit(args: argparse.Namespace) -> int:
    for path in args.path or ():
        if not path.startswith("/"):
            raise _Fail(f"--path must start with '/', got {path!r}")
    paths: list[str] = args.path or ["/"]
    policy = _load_policy(args.policy)
    host = args.host or policy.root_domain or "localhost"
    app = _import_target(args.target)
    notes: list[str] = []
    app = _unwrap(app, notes)
    asgi = _is_asgi(app)
    for note in notes:
        print(f"audit: note: {note}", file=sys.stderr)
    audit = _Audit(policy=policy, host=host, https=args.https, now=time.time())
    _run_audit(app, asgi, audit, paths)
    if args.format == "json":
        document = {
            "target": args.target,
            "kind": "asgi" if asgi else "wsgi",
            "policy": args.policy,
            "policy_version": policy.version,
            "host": host,
            "https": args.https,
            "notes": notes,
            "ok": not audit.problems,
            "paths": audit.paths,
            "problems": audit.problems,
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        scheme = "https" if args.https else "http"
        header = [
            f"cookiewarden audit: {args.target} ({'ASGI' if asgi else 'WSGI'}) against"
            f" {args.policy} (version {policy.version})",
            f"requests to {scheme}://{host}, as a visitor with no consent and one who accepted all",
        ]
        sys.stdout.write(_audit_text(audit, header))
    return 1 if audit.problems else 0


# -- the parser ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from . import __version__

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
