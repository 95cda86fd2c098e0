"""The browser a scan runs: one Chromium, every consent state in a fresh context of it, all at
once.

Contract: :func:`run_scan` scans URLs in the given states and returns the
:class:`~cookiewarden.tools.scan.model.Scan`; :func:`find_browser` says which Chromium it runs.
Every failure of the scan itself is a :class:`~cookiewarden.tools.scan.model.ScanError` of one
line.

Rules:
1. The browser is ``--browser PATH``, else ``chromium`` (or ``chromium-browser``) on ``PATH``,
   else the Chromium Playwright installed (``playwright install chromium``).
2. It is started by us, headless, with a profile of its own whose one setting is Chrome's
   default for a normal window: third-party cookies allowed (``profile.cookie_controls_mode``
   0). Playwright's own launch would make every context an incognito one, where Chromium
   blocks third-party cookies, and the scan would never see a tracker's cookie. Playwright
   then connects to it over the DevTools protocol, on a port of 127.0.0.1 only, for the
   length of the scan; the profile is deleted afterwards.
3. The states run in parallel, one fresh context each (own jar, own storage). The first state
   that fails the scan stops the others.
4. Playwright is imported only here and in the modules the scan runs, never by the command
   line's import: it is the optional ``scan`` extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from ...rules.domains import canonical_host
from .findings import site_of
from .model import Scan, ScanError, ScanOptions, State, StateRun
from .states import Progress, run_state

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

__all__ = ["LAUNCH_ARGS", "find_browser", "run_scan"]

LAUNCH_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--password-store=basic",
)
"""Chromium's switches: headless, quiet (no requests of its own to show up in the scan)."""
_OURS: Final = ("--user-data-dir", "--remote-debugging-port", "--remote-debugging-pipe")
_PROFILE: Final = {"profile": {"cookie_controls_mode": 0}}  # rule 2


def _no_progress(state: str, url: str, more: int) -> None:
    pass


def find_browser(explicit: str | None, playwright: Playwright | None = None) -> str:
    """The Chromium to run (rule 1).

    :raises ScanError: ``explicit`` is not an executable file, or no Chromium is found.

    >>> find_browser(None)  # doctest: +SKIP
    '/usr/bin/chromium'
    """
    if explicit:
        path = shutil.which(explicit) or explicit
        if not Path(path).is_file() or not os.access(path, os.X_OK):
            raise ScanError(f"--browser {explicit}: no such executable")
        return path
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if playwright is not None:
        installed = playwright.chromium.executable_path
        if installed and Path(installed).is_file():
            return installed
    raise ScanError(
        "no Chromium found: install it (apt install chromium), name one with --browser PATH,"
        " or run `playwright install chromium`"
    )


@contextlib.asynccontextmanager
async def _chromium(
    playwright: Playwright, executable: str, extra: Sequence[str], timeout: float
) -> AsyncIterator[Browser]:
    """Start ``executable`` on a profile of its own and connect to it (rule 2)."""
    for arg in extra:
        if arg.split("=")[0] in _OURS:
            raise ScanError(f"--browser-arg {arg}: the scan sets {arg.split('=')[0]} itself")
    with tempfile.TemporaryDirectory(prefix="cookiewarden-scan-") as profile:
        (Path(profile) / "Default").mkdir()
        (Path(profile) / "Default" / "Preferences").write_text(json.dumps(_PROFILE), "utf-8")
        log_path = Path(profile) / "chromium.log"
        command = [
            executable,
            *LAUNCH_ARGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            *extra,
            "about:blank",
        ]
        with open(log_path, "wb") as log:
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=hasattr(os, "killpg"),
                )
            except OSError as exc:
                raise ScanError(f"cannot start {executable}: {exc.strerror or exc}") from None
        try:
            endpoint = await _endpoint(process, Path(profile), log_path, executable, timeout)
            browser = await playwright.chromium.connect_over_cdp(endpoint)
            try:
                yield browser
            finally:
                with contextlib.suppress(Exception):
                    await browser.close()
        finally:
            _stop(process)


async def _endpoint(
    process: subprocess.Popen[bytes], profile: Path, log: Path, executable: str, timeout: float
) -> str:
    """The DevTools endpoint Chromium writes to ``DevToolsActivePort`` once it listens."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + max(timeout, 10)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text("utf-8", "replace").strip().splitlines()
            said = f": {tail[-1]}" if tail else ""
            raise ScanError(f"{executable} exited with status {process.returncode}{said}")
        with contextlib.suppress(OSError, ValueError):
            port, path = port_file.read_text("utf-8").split()[:2]
            return f"ws://127.0.0.1:{int(port)}{path}"
        await asyncio.sleep(0.05)
    raise ScanError(f"{executable} did not start within {max(timeout, 10):g} s")


def _signal(process: subprocess.Popen[bytes], *, kill: bool) -> None:
    """Signal the Chromium we started and its helpers (its own process group, on POSIX)."""
    with contextlib.suppress(ProcessLookupError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        elif kill:
            process.kill()
        else:
            process.terminate()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the Chromium we started: asked first, then killed after 10 s."""
    if process.poll() is None:
        _signal(process, kill=False)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            _signal(process, kill=True)
            process.wait(10)


async def _scan(
    urls: tuple[str, ...], states: Sequence[State], options: ScanOptions, progress: Progress
) -> tuple[tuple[StateRun, ...], list[str]]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        raise ScanError(
            "cookiewarden scan needs Playwright: pip install 'cookiewarden[scan]'"
        ) from None
    notes: list[str] = []
    async with async_playwright() as playwright:
        executable = find_browser(options.browser, playwright)
        async with _chromium(playwright, executable, options.browser_args, options.timeout) as b:
            tasks = [
                asyncio.ensure_future(
                    run_state(b, state, urls, options, notes=notes, progress=progress)
                )
                for state in states
            ]
            try:
                runs = await asyncio.gather(*tasks)
            finally:
                for task in tasks:  # rule 3: the first failure stops the others
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    return tuple(runs), notes


def run_scan(
    urls: Sequence[str],
    states: Sequence[State],
    options: ScanOptions,
    *,
    progress: Progress = _no_progress,
) -> Scan:
    """Scan ``urls`` (one site) in each of ``states``, in parallel contexts of one Chromium.

    :param progress: told ``(state, url, pages planned more)`` after each page of each state.
    :raises ScanError: no browser, no Playwright, a URL that is not ``http(s)``, that does not
        load, is not HTML or never finishes loading; URLs of more than one site.

    >>> from cookiewarden.tools.scan.model import State
    >>> scan = run_scan(["https://staging.example.com/"], [State("none")], ScanOptions())
    ... # doctest: +SKIP
    """
    checked = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ScanError(f"{url!r} is not an http(s) URL (e.g. https://staging.example.com/)")
        checked.append(url)
    if not checked:
        raise ScanError("no URL to scan")
    host = canonical_host(urlsplit(checked[0]).hostname or "")
    others = sorted({u for u in checked if site_of(urlsplit(u).hostname or "") != site_of(host)})
    if others:
        raise ScanError(
            f"every URL must be of one site ({site_of(host)}); scan {others[0]} on its own"
        )
    started = time.time()
    runs, notes = asyncio.run(_scan(tuple(checked), states, options, progress))
    return Scan(tuple(checked), host, runs, started, tuple(notes))
