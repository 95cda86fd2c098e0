"""Shared fixtures: a fixed clock, signing keys, the examples' policy and a consent-cookie mint.

Time-dependent rules run under :data:`NOW` (STYLE.md rule 10). Consent cookies are minted with
the engine's own codec, so a test never hand-writes a token format.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cookiewarden import CookieWarden, Policy
from cookiewarden.rules.consent import choose

ROOT = Path(__file__).resolve().parents[1]
# The examples are imported as `examples.<name>`, just as `uvicorn examples.fastapi_app:app`
# imports them from the repository root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# The rules' corpora (tests/rules/test_conformance.py, test_browser_differential.py) serve the
# page guard's tests too, imported by module name as their neighbours import them.
if str(ROOT / "tests" / "rules") not in sys.path:
    sys.path.append(str(ROOT / "tests" / "rules"))

POLICY_PATH = ROOT / "examples" / "policy.toml"
NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC).timestamp()
"""The fixed clock every middleware under test reads."""


@dataclass(frozen=True, slots=True)
class Keys:
    """Signing keys: ``old`` and ``new`` for rotation, ``foreign`` belongs to another site."""

    old: str = "test-key-old-0123456789"
    new: str = "test-key-new-9876543210"
    foreign: str = "someone-elses-key-5555"


KEYS = Keys()


def _noop_app(*args: object) -> None:  # pragma: no cover - never called
    raise AssertionError("the mint never serves requests")


class Mint:
    """Mints ``cw_consent`` values with the engine's codec (``CookieWarden(...).engine.codec``).

    ``mint(["performance"])`` is a choice of performance (necessary is always added),
    ``mint(ALL)`` accepts everything. ``key``, ``issued_at`` and ``policy`` default to the test
    middleware's own key, :data:`NOW` and the examples' policy.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(
        self,
        granted: Iterable[str] = (),
        *,
        key: str = KEYS.new,
        issued_at: float = NOW,
        policy: Policy | None = None,
    ) -> str:
        policy = policy or self.policy
        warden = CookieWarden(_noop_app, policy=policy, secret_keys=[key], consent_log=None)
        consent = choose(
            policy, list(granted), gpc=False, accept_all=False, method="api", now=issued_at
        )
        return warden.engine.codec.dumps(consent)


@pytest.fixture(scope="session")
def now() -> float:
    """The fixed time, Unix seconds: 2026-11-29T12:00:00Z."""
    return NOW


@pytest.fixture(scope="session")
def clock() -> Callable[[], float]:
    """A clock that always says :data:`NOW`; pass it as ``clock=`` to the middleware."""
    return lambda: NOW


@pytest.fixture(scope="session")
def keys() -> Keys:
    """The test signing keys."""
    return KEYS


@pytest.fixture(scope="session")
def example_policy() -> Policy:
    """``examples/policy.toml``, shared by every example app."""
    return Policy.from_toml(POLICY_PATH)


@pytest.fixture(scope="session")
def old_policy() -> Policy:
    """The examples' policy under an older version: its consents no longer count."""
    data = tomllib.loads(POLICY_PATH.read_text(encoding="utf-8"))
    data["version"] = "2025-01-01"
    return Policy.from_dict(data, source="old policy")


@pytest.fixture(scope="session")
def mint(example_policy: Policy) -> Mint:
    """Mint a valid consent cookie value: ``mint(["performance"], key=..., issued_at=...)``."""
    return Mint(example_policy)


# -- Django -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def django_project() -> None:
    """Set the example Django project up once per session, with a test-only ``/echo`` view.

    ``/echo?set=<value>`` answers with ``<value>`` as its one raw ``Set-Cookie`` header, so the
    adapter contract can send headers the framework's cookie API would never write.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")
    import django
    from django.http import HttpRequest, HttpResponse
    from django.urls import path
    from examples.django_project import urls

    django.setup(set_prefix=False)

    def echo(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(b"echo", content_type="text/plain")
        for value in request.GET.getlist("set")[:1]:
            response.headers["Set-Cookie"] = value
        return response

    if not any(str(p.pattern) == "echo" for p in urls.urlpatterns):
        urls.urlpatterns.append(path("echo", echo))


# -- a real uvicorn server ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Server:
    """A running ``uvicorn`` process: its base URL and the signing key it was given."""

    url: str
    key: str
    log: list[str]


_RUNNING = re.compile(r"Uvicorn running on (http://\S+)")


@pytest.fixture(scope="session")
def fastapi_server() -> Iterator[Server]:
    """The FastAPI example served exactly as documented (``uvicorn examples.fastapi_app:app``).

    A separate process on 127.0.0.1, on a free port the OS picks (``--port 0``; the port is read
    from uvicorn's start-up line), with ``COOKIEWARDEN_SECRET`` set to the test key and no
    consent log. It runs on the real clock: mint its cookies with ``issued_at=time.time()``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOKIEWARDEN_")}
    env["COOKIEWARDEN_SECRET"] = KEYS.new
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "examples.fastapi_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--no-access-log",
        "--lifespan",
        "on",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert process.stderr is not None
    stderr = process.stderr
    log: list[str] = []
    started = threading.Event()
    found: list[str] = []

    def drain() -> None:
        # Keep reading, so the server never blocks on a full pipe.
        for line in stderr:
            log.append(line)
            if not found and (match := _RUNNING.search(line)):
                found.append(match.group(1))
                started.set()
        started.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        if not started.wait(30) or not found:
            raise RuntimeError("uvicorn did not start:\n" + "".join(log))
        url = found[0]
        _wait_until_answering(url)
        yield Server(url=url, key=KEYS.new, log=log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait(10)
        reader.join(5)
        stderr.close()


def _wait_until_answering(url: str) -> None:
    import httpx

    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/_consent", timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
