"""What one browser context tells about a site: who wrote each cookie, which storage keys and
request hosts its pages used, and when.

Contract: a :class:`Recorder` is attached to a fresh context (:meth:`Recorder.attach`) before
its first page opens; :meth:`Recorder.snapshot` reads the jar and the page's storage at the
moments the state's procedure chooses; :meth:`Recorder.run` turns all of it into a
:class:`~cookiewarden.tools.scan.model.StateRun`.

Rules:
1. Who wrote a cookie is what the browser tells: every response's raw ``Set-Cookie`` headers
   (Playwright's ``header_values``, read from the DevTools protocol's extra info), and every
   ``document.cookie`` / ``cookieStore.set`` write, seen by :data:`INIT_SCRIPT` before any
   page script runs (so a page guard that wraps them too calls through it, and only what it
   lets through is recorded). A jar cookie is matched to the latest write of its name from a
   host its domain covers; without one it is ``"unknown"``.
2. A script write names the innermost script URL on its stack that is not cookiewarden's page
   guard (``.../guard.js``), else the page's URL (an inline script).
3. Storage is read from each page's own origin; what counts at the end is the last reading of
   every origin. Values are never read.
4. Requests are every ``http(s)``/``ws(s)`` request of the context, by canonical host.
5. Nothing here raises for what a page does: a write or header that cannot be read is skipped.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from ...rules.domains import canonical_host, domain_match
from ...rules.setcookie_parse import parse_set_cookie
from .model import CookieSeen, RequestSeen, SetBy, State, StateRun, StorageSeen

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Request, Response

__all__ = ["BINDING", "INIT_SCRIPT", "Recorder"]

BINDING: Final = "__cookiewardenScan"
"""The page-side name of the binding :data:`INIT_SCRIPT` reports writes to."""

INIT_SCRIPT: Final = """(() => {
const report = window.%(binding)s; if (!report) return;
const where = () => {
  const limit = Error.stackTraceLimit; Error.stackTraceLimit = 64;
  const stack = String(new Error().stack || ""); Error.stackTraceLimit = limit;
  for (const line of stack.split("\\n").slice(1)) {
    const m = line.match(/((?:https?|file):\\/\\/[^\\s()]+?):\\d+:\\d+\\)?\\s*$/);
    if (m && !/\\/guard(\\.min)?\\.js$/.test(m[1].split(/[?#]/)[0])) return m[1];
  }
  return location.href;
};
const send = (w) => {
  try { report({ ...w, url: where(), page: location.href, t: Date.now() }); } catch (e) {}
};
const cookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
if (cookie && cookie.set) Object.defineProperty(Document.prototype, "cookie", {
  configurable: true, enumerable: cookie.enumerable, get: cookie.get,
  set(v) { const r = cookie.set.call(this, v); send({ header: String(v) }); return r; },
});
const CS = window.CookieStore && window.CookieStore.prototype, set = CS && CS.set;
if (set) CS.set = function (a, b) {
  const o = typeof a == "object" && a ? a : { name: a, value: b };
  send({ name: String(o.name ?? ""), domain: o.domain || null, expires: o.expires ?? null });
  return set.apply(this, arguments);
};
})();""" % {"binding": BINDING}  # noqa: UP031 - the JavaScript is full of braces
"""Run in every frame before its scripts: reports each cookie write, with its script (rule 2)."""

STORAGE_KEYS: Final = """() => {
  const out = { origin: location.origin, local: [], session: [] };
  for (const [k, get] of [["local", () => localStorage], ["session", () => sessionStorage]]) {
    try { const s = get(); for (let i = 0; i < s.length; i++) out[k].push(s.key(i)); } catch (e) {}
  }
  return out;
}"""
_SCHEMES: Final = frozenset({"http", "https", "ws", "wss"})


@dataclass(frozen=True, slots=True)
class _Write:
    """One cookie write: by a response or a script, from a host, at a time."""

    name: str
    host: str
    url: str
    kind: SetBy
    at: float
    domain: str | None  # the Domain attribute, when one was given
    deletion: bool


class Recorder:
    """Collects what one state's context does (the rules above).

    :param state: the state this context is for.

    >>> recorder = Recorder(State("accept"))
    >>> await recorder.attach(context)  # doctest: +SKIP
    >>> await recorder.snapshot(context, page)  # doctest: +SKIP
    >>> run = recorder.run(("https://staging.example.com/",), consent_at=None)
    >>> run.reached, run.cookies
    (True, ())
    """

    def __init__(self, state: State) -> None:
        self.state = state
        self.writes: dict[str, list[_Write]] = {}
        self.requests: list[tuple[str, float, str]] = []
        self.pending: set[asyncio.Task[None]] = set()
        self.cookies: tuple[CookieSeen, ...] = ()
        self.storage: dict[str, tuple[StorageSeen, ...]] = {}
        self.appeared: dict[tuple[str, str], float] = {}
        self.started_at = time.time()

    async def attach(self, context: BrowserContext) -> None:
        """Listen to ``context``: its responses, its requests, its pages' cookie writes."""
        await context.expose_binding(BINDING, self._script_write)
        await context.add_init_script(INIT_SCRIPT)
        context.on("response", self._response)
        context.on("request", self._request)

    # -- the writes (rule 1) ---------------------------------------------------------------

    def _add(self, write: _Write) -> None:
        self.writes.setdefault(write.name, []).append(write)

    def _script_write(self, source: dict[str, Any], payload: Any) -> None:
        if not isinstance(payload, dict):
            return
        at = float(payload.get("t") or time.time() * 1000) / 1000
        host = canonical_host(urlsplit(str(payload.get("page") or "")).hostname or "")
        url = str(payload.get("url") or "")
        header = payload.get("header")
        if isinstance(header, str):
            cookie = parse_set_cookie(header)
            if cookie is None or not cookie.name:
                return
            deletion = _is_deletion(cookie.max_age, cookie.expires, at)
            self._add(_Write(cookie.name, host, url, "script", at, cookie.domain, deletion))
        elif isinstance(payload.get("name"), str) and payload["name"]:
            expires = payload.get("expires")
            deletion = isinstance(expires, int | float) and expires / 1000 <= at
            domain = payload.get("domain")
            domain = domain if isinstance(domain, str) else None
            self._add(_Write(payload["name"], host, url, "script", at, domain, deletion))

    def _response(self, response: Response) -> None:
        task = asyncio.ensure_future(self._headers(response, time.time()))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _headers(self, response: Response, at: float) -> None:
        from playwright.async_api import Error

        try:
            values = await asyncio.wait_for(response.header_values("set-cookie"), 10)
        except (Error, TimeoutError):
            return
        host = canonical_host(urlsplit(response.url).hostname or "")
        for value in values:
            cookie = parse_set_cookie(value)
            if cookie is None or not cookie.name:
                continue
            deletion = _is_deletion(cookie.max_age, cookie.expires, at)
            self._add(_Write(cookie.name, host, response.url, "http", at, cookie.domain, deletion))

    def _request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in _SCHEMES and parts.hostname:
            self.requests.append((canonical_host(parts.hostname), time.time(), request.url))

    async def settle(self) -> None:
        """Wait until every response seen so far has had its headers read."""
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)

    # -- snapshots -------------------------------------------------------------------------

    async def snapshot(self, context: BrowserContext, page: Page) -> tuple[CookieSeen, ...]:
        """Read the jar and the page's storage now (they become what the state ends with)."""
        from playwright.async_api import Error

        await self.settle()
        now = time.time()
        jar = await context.cookies()
        self.cookies = tuple(self._seen(dict(c), now) for c in jar)
        try:
            keys = await page.evaluate(STORAGE_KEYS)
        except Error:
            keys = None
        if isinstance(keys, dict) and keys.get("origin") not in (None, "null"):
            origin = str(keys["origin"])
            self.storage[origin] = tuple(
                StorageSeen(area, str(name), origin)
                for area in ("local", "session")
                for name in keys.get(area) or ()
            )
        return self.cookies

    def _seen(self, jar: dict[str, Any], now: float) -> CookieSeen:
        name, domain = str(jar.get("name", "")), str(jar.get("domain", ""))
        write = self._writer(name, domain, now)
        first = self.appeared.setdefault((name, domain), write.at if write else now)
        expires = jar.get("expires")
        return CookieSeen(
            name=name,
            domain=domain,
            path=str(jar.get("path", "/")),
            expires=None if not isinstance(expires, int | float) or expires < 0 else float(expires),
            http_only=bool(jar.get("httpOnly")),
            secure=bool(jar.get("secure")),
            same_site=str(jar.get("sameSite") or "Lax"),
            set_by=write.kind if write else "unknown",
            set_by_url=write.url if write else None,
            set_at=write.at if write else first,
        )

    def _writer(self, name: str, domain: str, now: float) -> _Write | None:
        """The latest write of ``name`` that can have put it on ``domain`` (rule 1)."""
        host_only = not domain.startswith(".")
        bare = domain.lstrip(".")
        best: _Write | None = None
        for write in self.writes.get(name, ()):
            if write.deletion or write.at > now + 1:
                continue
            if host_only and write.host != bare:
                continue
            if not host_only and not domain_match(write.host, bare):
                continue
            # Prefer a write whose Domain attribute fits host-only-ness, then the latest.
            fits = (write.domain is None) == host_only
            if best is None or (fits, write.at) >= ((best.domain is None) == host_only, best.at):
                best = write
        return best

    # -- the run ---------------------------------------------------------------------------

    def run(
        self,
        pages: tuple[str, ...],
        *,
        consent_at: float | None,
        before: tuple[tuple[CookieSeen, ...], tuple[StorageSeen, ...]] = ((), ()),
        screenshot: bytes | None = None,
    ) -> StateRun:
        """What the state ended with; requests from ``consent_at`` on (all, without one)."""
        since = consent_at if consent_at is not None else 0.0
        hosts: dict[str, RequestSeen] = {}
        for host, at, url in self.requests:
            if at < since:
                continue
            seen = hosts.get(host)
            hosts[host] = (
                RequestSeen(host, at, 1, url)
                if seen is None
                else RequestSeen(host, seen.first_at, seen.count + 1, seen.example)
            )
        return StateRun(
            state=self.state,
            reached=True,
            pages=pages,
            started_at=self.started_at,
            consent_at=consent_at,
            cookies=self.cookies,
            storage=self.final_storage(),
            requests=tuple(hosts.values()),
            before_cookies=before[0],
            before_storage=before[1],
            appeared=tuple(
                (n, d, at) for (n, d), at in sorted(self.appeared.items(), key=lambda kv: kv[1])
            ),
            screenshot=screenshot,
        )

    def final_storage(self) -> tuple[StorageSeen, ...]:
        """Every origin's last reading (rule 3)."""
        return tuple(key for keys in self.storage.values() for key in keys)


def _is_deletion(max_age: int | None, expires: datetime | None, at: float) -> bool:
    if max_age is not None:
        return max_age <= 0
    return expires is not None and expires.timestamp() <= at
