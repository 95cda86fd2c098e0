"""One consent state, in its own fresh browser context: load the site, make the visitor's
choice in the real banner, follow the site's links, and record what the browser ends up with.

Contract: :func:`run_state` returns the state's
:class:`~cookiewarden.tools.scan.model.StateRun`, reached or not, or raises
:class:`~cookiewarden.tools.scan.model.ScanError` when the site itself cannot be scanned (a
URL that does not load, is not HTML, or never finishes loading).

Rules:
1. The choice is made as a visitor makes it: real clicks on cookiewarden's banner
   (``.cw-banner``): its first layer's "Accept all" / "Reject all" / "Customise", its second
   layer's switches and "Save choices". Buttons are found by their place, not their words, so a
   translated banner works. Where the banner does not open by itself (the visitor is not asked,
   or has chosen), it is opened as a visitor would: a ``data-cookiewarden-open`` element, else
   ``window.cookiewarden.open()``.
2. A choice counts once the banner's ``cookiewarden:consent`` event says it was applied; then
   the scan waits ``--wait`` for late tags and reloads, to see what the server sends a visitor
   who chose. ``withdraw`` accepts, reloads, reopens the preferences, rejects all, reloads.
3. A state the page cannot give (no cookiewarden banner: another consent tool, or none; a
   banner whose API fails; a choice never confirmed) is *not reached*, with the reason.
4. Links are followed breadth first, same site only (``http(s)``, no fragment, not the
   banner's own), up to ``--depth`` and ``--max-pages``. A URL the user gave that fails is a
   :class:`ScanError`; a page found by following links that fails is skipped with a note.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urldefrag, urlsplit

from .findings import site_of
from .model import CookieSeen, ScanError, ScanOptions, State, StateRun, StorageSeen
from .observe import Recorder

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page

__all__ = ["Progress", "run_state"]

Progress = Callable[[str, str, int], None]
"""Told ``(state, url, pages planned more)`` after each page a state visits."""
Choice = Literal["accept_all", "reject_all", "custom"]

_HTML: Final = frozenset({"text/html", "application/xhtml+xml"})
_LINKS: Final = """() => [...document.querySelectorAll("a[href]")]
  .filter((a) => !a.closest(".cw-banner")).map((a) => a.href)"""
_ARM: Final = """() => { window.__cookiewardenScanChoice = new Promise((resolve) =>
  document.addEventListener("cookiewarden:consent", (e) => resolve(e.detail || true),
  { once: true })); }"""
_LAYERS: Final = ".cw-banner .cw-dialog > .cw-layer"


class _NotReached(Exception):
    """The state cannot be reached on this site (rule 3): the reason."""


def _race(expression: str, seconds: float) -> str:
    """A page expression that gives up after ``seconds`` (never a hang)."""
    ms = int(seconds * 1000)
    return (
        f"() => Promise.race([Promise.resolve({expression}), new Promise((resolve) =>"
        f" setTimeout(() => resolve('__timeout__'), {ms}))])"
    )


class _Visit:
    """One state's context and page, and the steps of its procedure."""

    def __init__(
        self,
        context: BrowserContext,
        page: Page,
        recorder: Recorder,
        options: ScanOptions,
        notes: list[str],
    ) -> None:
        self.context = context
        self.page = page
        self.recorder = recorder
        self.options = options
        self.notes = notes

    async def settle(self) -> None:
        if self.options.wait > 0:
            await self.page.wait_for_timeout(self.options.wait * 1000)

    async def load(self, url: str, *, given: bool) -> bool:
        """Open ``url``; ``False`` (with a note) when a page found by a link fails (rule 4)."""
        from playwright.async_api import Error, TimeoutError

        timeout = self.options.timeout
        try:
            response = await self.page.goto(url, wait_until="load", timeout=timeout * 1000)
        except TimeoutError:
            return self._failed(
                url, f"did not finish loading within {timeout:g} s (see --timeout)", given
            )
        except Error as exc:
            reason = str(exc.message).splitlines()[0] if exc.message else str(exc)
            if "Download is starting" in reason:
                return self._failed(url, "is not an HTML page (the browser downloads it)", given)
            reason = re.sub(r"^\w+(\.\w+)+: ", "", reason.split(" at ")[0])  # "Page.goto: "
            return self._failed(url, f"cannot be loaded: {reason}", given)
        if response is not None:
            if response.status >= 400:
                return self._failed(url, f"answered {response.status}", given)
            media = (await response.header_value("content-type") or "").split(";")[0].strip()
            if media.lower() not in _HTML:
                return self._failed(
                    url, f"is not an HTML page (Content-Type: {media or 'none'})", given
                )
        await self.settle()
        return True

    def _failed(self, url: str, reason: str, given: bool) -> bool:
        if given:
            raise ScanError(f"{url} {reason}")
        note = f"skipped {url}: it {reason}"
        if note not in self.notes:
            self.notes.append(note)
        return False

    async def reload(self) -> None:
        from playwright.async_api import TimeoutError

        timeout = self.options.timeout
        try:
            await self.page.reload(wait_until="load", timeout=timeout * 1000)
        except TimeoutError:
            raise ScanError(
                f"{self.page.url} did not finish loading again within {timeout:g} s (see --timeout)"
            ) from None
        await self.settle()

    async def snapshot(self) -> None:
        await self.recorder.snapshot(self.context, self.page)

    async def evaluate(self, expression: str) -> Any:
        return await self.page.evaluate(_race(expression, self.options.timeout))

    async def banner(self) -> None:
        """Wait for cookiewarden's banner to have read the consent API (rule 3)."""
        present = await self.page.evaluate(
            "() => !!(window.cookiewarden && window.cookiewarden.version)"
        )
        if not present:
            raise _NotReached(
                "no cookiewarden banner on the page (another consent tool, or none):"
                " its choices cannot be made"
            )
        consent = await self.evaluate("window.cookiewarden.ready")
        if consent == "__timeout__":
            raise _NotReached(f"the banner did not become ready within {self.options.timeout:g} s")
        if consent is None:
            raise _NotReached("the banner could not read its consent API (GET failed)")

    def layer(self, n: int) -> Locator:
        return self.page.locator(_LAYERS).nth(n)

    async def open_preferences(self) -> Locator:
        """Open the second layer as a visitor does (rule 1)."""
        opener = self.page.locator("[data-cookiewarden-open]").first
        if await opener.count() and await opener.is_visible():
            await opener.click()
        else:
            await self.page.evaluate("() => window.cookiewarden.open()")
        second = self.layer(1)
        await second.wait_for(state="visible")
        return second

    async def choose(
        self, choice: Choice, category: str | None = None, *, reopen: bool = False
    ) -> float:
        """Make ``choice`` in the banner; when it was clicked (rules 1, 2)."""
        await self.page.evaluate(_ARM)
        first = self.layer(0)
        if not reopen and await first.is_visible():
            buttons = first.locator(".cw-actions > button")
            if choice != "custom":
                at = time.time()
                await buttons.nth(0 if choice == "accept_all" else 1).click()
                return await self.confirmed(at)
            await buttons.nth(2).click()  # Customise
            layer = self.layer(1)
            await layer.wait_for(state="visible")
        else:
            layer = await self.open_preferences()
        buttons = layer.locator(".cw-actions > button")
        if choice == "custom":
            switches = layer.locator("input.cw-switch:not([disabled])")
            values = [
                await switches.nth(i).get_attribute("value") for i in range(await switches.count())
            ]
            if category not in values:
                raise _NotReached(f"the banner has no switch for the category {category}")
            for i, value in enumerate(values):
                await switches.nth(i).set_checked(value == category)
        at = time.time()
        await buttons.nth({"custom": 0, "accept_all": 1, "reject_all": 2}[choice]).click()
        return await self.confirmed(at)

    async def confirmed(self, at: float) -> float:
        detail = await self.evaluate("window.__cookiewardenScanChoice")
        if detail == "__timeout__":
            raise _NotReached(
                f"the banner did not confirm the choice within {self.options.timeout:g} s"
            )
        return at

    async def links(self, site: str) -> list[str]:
        found: dict[str, None] = {}
        for href in await self.page.evaluate(_LINKS):
            url, _ = urldefrag(str(href))
            parts = urlsplit(url)
            if (
                parts.scheme in ("http", "https")
                and parts.hostname
                and site_of(parts.hostname) == site
            ):
                found.setdefault(url, None)
        return list(found)


async def run_state(
    browser: Browser,
    state: State,
    urls: tuple[str, ...],
    options: ScanOptions,
    *,
    notes: list[str],
    progress: Progress,
) -> StateRun:
    """Scan ``urls`` in ``state``, in a fresh context of ``browser`` (the rules above).

    :param notes: receives what the reader should know (pages skipped), once each.
    :param progress: told after each page.
    :raises ScanError: a URL the user gave does not load, is not HTML or never finishes.

    >>> run = await run_state(browser, State("reject"), ("https://staging.example.com/",),
    ...                       ScanOptions(), notes=[], progress=print)  # doctest: +SKIP
    """
    from playwright.async_api import Error

    context = await browser.new_context(
        viewport={"width": 1280, "height": 800}, ignore_https_errors=options.insecure
    )
    context.set_default_timeout(options.timeout * 1000)
    recorder = Recorder(state)
    try:
        await recorder.attach(context)
        visit = _Visit(context, await context.new_page(), recorder, options, notes)
        return await _procedure(visit, state, urls, options, progress)
    except _NotReached as exc:
        return StateRun(state, reached=False, reason=str(exc), started_at=recorder.started_at)
    except Error as exc:
        first = (exc.message or str(exc)).splitlines()[0]
        raise ScanError(f"the {state.name} state: the browser failed: {first}") from None
    finally:
        with contextlib.suppress(Error):
            await context.close()
        await recorder.settle()  # headers still being read end with the context: no stray task


async def _procedure(
    visit: _Visit, state: State, urls: tuple[str, ...], options: ScanOptions, progress: Progress
) -> StateRun:
    site = site_of(urlsplit(urls[0]).hostname or "")
    await visit.load(urls[0], given=True)
    screenshot = None
    if state.kind != "none":
        await visit.banner()
    elif await visit.page.evaluate("() => !!(window.cookiewarden && window.cookiewarden.ready)"):
        await visit.evaluate("window.cookiewarden.ready")  # the first view shows the banner
    if options.screenshots:
        screenshot = await visit.page.screenshot(type="jpeg", quality=70)
    await visit.snapshot()
    consent_at = None
    before: tuple[tuple[CookieSeen, ...], tuple[StorageSeen, ...]] = ((), ())
    if state.kind == "withdraw":
        await visit.choose("accept_all")
        await visit.settle()
        await visit.reload()
        await visit.snapshot()
        before = (visit.recorder.cookies, visit.recorder.final_storage())
        consent_at = await visit.choose("reject_all", reopen=True)
    elif state.kind != "none":
        choice: Choice = (
            "accept_all"
            if state.kind == "accept"
            else "reject_all"
            if state.kind == "reject"
            else "custom"
        )
        consent_at = await visit.choose(choice, state.category)
    if consent_at is not None:
        await visit.settle()
        await visit.snapshot()
        await visit.reload()
    await visit.snapshot()
    pages = [urls[0]]
    queue = deque((url, 0) for url in urls[1:])
    given, seen = set(urls), set(urls)
    limit = max(options.max_pages, len(urls))

    async def follow(depth: int) -> int:
        """Queue the current page's same-site links, one level deeper (rule 4)."""
        if depth >= options.depth:
            return 0
        room = max(0, limit - len(pages) - len(queue))
        new = [url for url in await visit.links(site) if url not in seen][:room]
        seen.update(new)
        queue.extend((url, depth + 1) for url in new)
        return len(new)

    progress(state.name, urls[0], await follow(0))
    while queue:
        url, depth = queue.popleft()
        if not await visit.load(url, given=url in given):
            progress(state.name, url, 0)
            continue
        pages.append(url)
        await visit.snapshot()
        progress(state.name, url, await follow(depth))
    return visit.recorder.run(
        tuple(pages), consent_at=consent_at, before=before, screenshot=screenshot
    )
