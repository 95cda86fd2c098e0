"""What a scan saw, as plain values: the consent states asked for, and per state the cookies,
storage keys and request hosts a real browser ended up with.

Contract: :func:`parse_states` reads ``--states`` into :class:`State` values (checked against
the policy's categories); a scan's observations are :class:`Scan`, one :class:`StateRun` per
state, built by :mod:`cookiewarden.tools.scan.observe` and judged by
:mod:`cookiewarden.tools.scan.findings`. Nothing here touches a browser, so every judgement is
testable from hand-built values.

Rules:
1. Times are Unix seconds (floats), all read from the same clock: the scanning machine's.
2. A state that could not be reached has ``reached = False``, a ``reason``, and no
   observations: it is never judged, so it can never pass.
3. A cookie is kept as the browser's jar holds it: ``domain`` with a leading dot for a domain
   cookie, the bare host for a host-only one; ``expires`` ``None`` for a session cookie. Its
   value is never kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from ...errors import CookieWardenError

__all__ = [
    "DEFAULT_STATES",
    "STATE_WORDS",
    "CookieSeen",
    "RequestSeen",
    "Scan",
    "ScanError",
    "ScanOptions",
    "State",
    "StateError",
    "StateRun",
    "StorageSeen",
    "parse_states",
]

SetBy = Literal["http", "script", "unknown"]
Area = Literal["local", "session"]

DEFAULT_STATES: Final = "none,reject,accept"
"""The states scanned when ``--states`` is not given."""

STATE_WORDS: Final = {
    "none": "first visit, no interaction",
    "reject": '"Reject all" clicked in the banner',
    "accept": '"Accept all" clicked in the banner',
    "withdraw": "accepted, reloaded, then the preferences reopened and everything rejected",
}
"""What each state is, in words (``only:<category>`` is described by :attr:`State.words`)."""


class StateError(CookieWardenError):
    """``--states`` names a state that does not exist, or a category the policy lacks."""


class ScanError(CookieWardenError):
    """The scan itself failed (no browser, a URL that does not load): ``str()`` is one line."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How to scan: the browser, and how long to wait for what.

    :param browser: the Chromium to run (``None``: ``chromium`` on ``PATH``, else Playwright's).
    :param browser_args: extra Chromium switches (``--host-resolver-rules=...``).
    :param insecure: accept any TLS certificate (self-signed staging hosts).
    :param wait: seconds to wait after each load and each choice, for late tags.
    :param timeout: seconds a page may take to load (and the banner to answer).
    :param depth: how many links deep to follow same-site links from the URLs given.
    :param max_pages: how many pages each state visits at most (the URLs given always).
    :param screenshots: take a screenshot of each state's first view (the HTML report).
    """

    browser: str | None = None
    browser_args: tuple[str, ...] = ()
    insecure: bool = False
    wait: float = 2.0
    timeout: float = 30.0
    depth: int = 0
    max_pages: int = 20
    screenshots: bool = False


@dataclass(frozen=True, slots=True)
class State:
    """One consent state: ``none``, ``reject``, ``accept``, ``withdraw`` or ``only:<category>``.

    >>> State("only", "performance").name
    'only:performance'
    """

    kind: Literal["none", "reject", "accept", "withdraw", "only"]
    category: str | None = None

    @property
    def name(self) -> str:
        """The state as ``--states`` and the reports spell it."""
        return f"only:{self.category}" if self.kind == "only" else self.kind

    @property
    def words(self) -> str:
        """What the visitor did, in words."""
        if self.kind == "only":
            return f'"Customise", only {self.category} switched on, "Save choices"'
        return STATE_WORDS[self.kind]

    def granted(
        self, necessary: frozenset[str], every: frozenset[str], *, opt_out: bool
    ) -> frozenset[str]:
        """The categories a visitor in this state has granted.

        :param necessary: the policy's necessary categories (always granted).
        :param every: all the policy's categories.
        :param opt_out: the policy's ``mode`` is ``"opt-out"``: an undecided visitor (``none``)
            has every category (the scanner never sends GPC).
        """
        if self.kind == "none":
            return every if opt_out else necessary
        if self.kind == "accept":
            return every
        if self.kind == "only" and self.category is not None:
            return necessary | {self.category}
        return necessary


def parse_states(
    text: str, categories: tuple[str, ...], necessary: frozenset[str]
) -> tuple[State, ...]:
    """``"none,reject,only:performance"`` as states, in the order given, each once.

    :param categories: the policy's category keys, for ``only:<category>``.
    :param necessary: its necessary ones (``only:`` a necessary category is refused: it is
        always on, so it would be ``reject``).
    :raises StateError: naming the state and what is allowed.

    >>> [s.name for s in parse_states("accept, only:targeting", ("necessary", "targeting"),
    ...                                frozenset({"necessary"}))]
    ['accept', 'only:targeting']
    """
    states: list[State] = []
    for raw in text.split(","):
        word = raw.strip()
        if not word:
            continue
        if word.startswith("only:"):
            key = word[5:].strip()
            optional = [k for k in categories if k not in necessary]
            if key not in categories or key in necessary:
                raise StateError(
                    f"--states: {word!r} names no optional category of the policy;"
                    f" optional categories: {', '.join(optional) or '(none)'}"
                )
            state = State("only", key)
        elif word in STATE_WORDS:
            state = State(word)  # type: ignore[arg-type]  # checked against STATE_WORDS
        else:
            raise StateError(
                f"--states: unknown state {word!r}; states are none, reject, accept, withdraw"
                " and only:<category>"
            )
        if state not in states:
            states.append(state)
    if not states:
        raise StateError("--states: no state given; e.g. --states none,reject,accept")
    return tuple(states)


@dataclass(frozen=True, slots=True)
class CookieSeen:
    """One cookie in the jar, and who wrote it (rule 3).

    :param set_by: ``"http"`` (a ``Set-Cookie`` of the response ``set_by_url``), ``"script"``
        (``document.cookie`` or ``cookieStore`` in the script ``set_by_url``, or the page's own
        URL for an inline script) or ``"unknown"`` (the browser did not tell).
    :param set_at: when it was written, or first seen where the writer is unknown.
    """

    name: str
    domain: str
    path: str
    expires: float | None
    http_only: bool
    secure: bool
    same_site: str
    set_by: SetBy = "unknown"
    set_by_url: str | None = None
    set_at: float = 0.0

    @property
    def host_only(self) -> bool:
        """Whether it was set without ``Domain`` (the jar's domain has no leading dot)."""
        return not self.domain.startswith(".")

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes a cookie one cookie in the jar: name, domain and path."""
        return (self.name, self.domain, self.path)


@dataclass(frozen=True, slots=True)
class StorageSeen:
    """One ``localStorage``/``sessionStorage`` key of a page's origin (never its value)."""

    area: Area
    name: str
    origin: str

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes a key one key: its area, its name and its origin."""
        return (self.area, self.name, self.origin)


@dataclass(frozen=True, slots=True)
class RequestSeen:
    """Requests the pages made to one host (canonical), and when the first one left."""

    host: str
    first_at: float
    count: int = 1
    example: str = ""


@dataclass(frozen=True, slots=True)
class StateRun:
    """What one consent state, in its own fresh browser context, ended up with.

    :param consent_at: when the consent click happened (for ``withdraw``: the reject click),
        ``None`` for ``none``; the timeline is relative to it (to the first load without one).
    :param started_at: when the first page began to load.
    :param cookies: the jar at the end; ``storage`` the keys at the end.
    :param before_cookies: ``withdraw`` only: the jar just before the withdrawal, and
        ``before_storage`` its storage keys; what is still there after is "not cleared".
    :param requests: one entry per host requested after ``consent_at`` (all, for ``none``).
    :param appeared: every cookie that was ever seen, as ``(name, domain, time)``, the first
        time it was seen or written, for the timeline (gone ones included).
    :param screenshot: the first view (JPEG), when asked for.
    """

    state: State
    reached: bool
    reason: str | None = None
    pages: tuple[str, ...] = ()
    started_at: float = 0.0
    consent_at: float | None = None
    cookies: tuple[CookieSeen, ...] = ()
    storage: tuple[StorageSeen, ...] = ()
    requests: tuple[RequestSeen, ...] = ()
    before_cookies: tuple[CookieSeen, ...] = ()
    before_storage: tuple[StorageSeen, ...] = ()
    appeared: tuple[tuple[str, str, float], ...] = ()
    screenshot: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Scan:
    """A whole scan: the site's pages, and one :class:`StateRun` per state, in order.

    :param site_host: the host of the first URL (canonical): first party is its site.
    :param notes: what the scan wants the reader to know (a page skipped, a late banner).
    """

    urls: tuple[str, ...]
    site_host: str
    runs: tuple[StateRun, ...]
    started_at: float
    notes: tuple[str, ...] = ()

    @property
    def pages(self) -> tuple[str, ...]:
        """Every page any state visited, in the order first visited."""
        seen: dict[str, None] = {}
        for run in self.runs:
            for page in run.pages:
                seen.setdefault(page, None)
        return tuple(seen)
