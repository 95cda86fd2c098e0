"""The scan's judgement: what each state's browser held, against the policy.

Contract: :func:`judge` turns a :class:`~cookiewarden.tools.scan.model.Scan` and a
:class:`~cookiewarden.rules.policy.Policy` into a :class:`Judgement`: every cookie, storage key
and request host of every reached state with its category and status, and the findings, each
one of :data:`KINDS`. Pure: no browser, no clock, no I/O.

Rules (the kinds, in the order they are judged):
1. ``undeclared``: a first-party cookie or a storage key the policy does not declare (and,
   where ``unknown_hosts = "block"``, a request to an undeclared third-party host).
2. ``before-consent``: a cookie, storage key or declared host of a category the state refuses.
   An undeclared one counts by ``unknown`` when that names a category. Requests count from
   the consent click on (those before it are the ``none`` state's).
3. ``not-cleared`` (``withdraw`` only): a cookie or key of a refused category that was there
   before the withdrawal and still is; it is judged instead of ``before-consent``.
4. ``session-persists``: a cookie declared ``session`` stored with an expiry.
5. ``over-lifetime``: a cookie that lives longer (from when it was written) than its declared
   lifetime capped by ``max_age`` (an undeclared one: ``max_age`` under ``unknown = "allow"``
   or an optional category), with :data:`TOLERANCE` for the browser's clock.
6. ``wide-domain``: a domain cookie wider than ``root_domain``, or not within its declared
   ``domain``.
7. ``third-party-cookie``: a cookie set for another site, unless the policy declares it (by
   name) and the state grants its category. Rules 1, 2 and 4-6 are about the site's own
   cookies: a third-party cookie is judged by this rule alone (and by 3).
8. A state that was not reached is not judged (it can never pass): :attr:`Judgement.exit_code`
   is 1 when one is, as when there are findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ...rules.domains import canonical_host, registrable_domain, within
from ...rules.policy import Policy
from ...rules.policy_entries import CookieRule
from .model import CookieSeen, RequestSeen, Scan, StateRun, StorageSeen

__all__ = [
    "KINDS",
    "TOLERANCE",
    "Finding",
    "Judged",
    "Judgement",
    "StateJudgement",
    "about",
    "is_third_party",
    "judge",
    "site_of",
]

Kind = Literal[
    "before-consent",
    "undeclared",
    "over-lifetime",
    "session-persists",
    "wide-domain",
    "third-party-cookie",
    "not-cleared",
]
What = Literal["cookie", "storage", "request"]
KINDS: Final[tuple[Kind, ...]] = (
    "before-consent",
    "undeclared",
    "over-lifetime",
    "session-persists",
    "wide-domain",
    "third-party-cookie",
    "not-cleared",
)
"""Every kind of finding, as the reports name them."""
TOLERANCE: Final = 60
"""Seconds a cookie may outlive its allowed lifetime before it is ``over-lifetime``."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a state's browser held that the policy does not allow.

    :param what: ``"cookie"``, ``"storage"`` or ``"request"``; ``name`` is the cookie's or
        key's name, or the request's host.
    :param category: the category it was judged by (``None``: undeclared, or no category).
    :param detail: one sentence for people.
    """

    state: str
    kind: Kind
    what: What
    name: str
    category: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class Judged:
    """One cookie, storage key or request host of a state, with what the policy makes of it."""

    what: What
    name: str
    category: str | None
    declared: bool
    third_party: bool
    kinds: tuple[Kind, ...]
    item: CookieSeen | StorageSeen | RequestSeen


@dataclass(frozen=True, slots=True)
class StateJudgement:
    """One state: its run, what it grants, each item judged, and its findings."""

    run: StateRun
    granted: frozenset[str]
    cookies: tuple[Judged, ...] = ()
    storage: tuple[Judged, ...] = ()
    requests: tuple[Judged, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Judgement:
    """The whole scan judged: per state, and every finding in state order."""

    scan: Scan
    policy: Policy
    states: tuple[StateJudgement, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, state by state."""
        return tuple(f for s in self.states for f in s.findings)

    @property
    def not_reached(self) -> tuple[StateRun, ...]:
        """The states the scan could not reach (rule 8)."""
        return tuple(s.run for s in self.states if not s.run.reached)

    @property
    def exit_code(self) -> int:
        """0 when every state was reached and nothing was found, else 1."""
        return 1 if self.findings or self.not_reached else 0


def site_of(host: str) -> str:
    """The site of a host or cookie domain: its registrable domain, or the host itself where
    it has none (an IP address, ``localhost``).

    >>> site_of("www.example.co.uk"), site_of("127.0.0.1"), site_of(".shop.example.com")
    ('example.co.uk', '127.0.0.1', 'example.com')
    """
    bare = canonical_host(host.lstrip("."))
    return registrable_domain(bare) or bare


def is_third_party(host: str, site: str) -> bool:
    """Whether ``host`` (or a cookie's domain) belongs to another site than ``site``."""
    return site_of(host) != site


def about(seconds: float) -> str:
    """A measured duration in words, rounded: ``"400 days"``, ``"3 hours"``, ``"45 seconds"``."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            n = round(seconds / size)
            return f"{n} {unit}s"
    n = round(seconds)
    return f"{n} second" if n == 1 else f"{n} seconds"


class _Judge:
    """Judges one state's items (the rules above), collecting its findings."""

    def __init__(self, policy: Policy, run: StateRun, site: str, granted: frozenset[str]) -> None:
        self.policy = policy
        self.run = run
        self.site = site
        self.granted = granted
        self.findings: list[Finding] = []
        self.withdraw = run.state.kind == "withdraw"
        self.before_cookies = {c.key for c in run.before_cookies}
        self.before_storage = {s.key for s in run.before_storage}
        self.refused_words = f"the {run.state.name} state refuses"

    def item(self, what: What, name: str, category: str | None) -> _Item:
        """Collects one item's findings into this state's."""
        return _Item(self.findings, self.run.state.name, what, name, category)

    def unknown_category(self) -> str | None:
        unknown = self.policy.unknown
        return None if unknown in ("block", "allow") else unknown

    def cookie(self, cookie: CookieSeen) -> Judged:
        rule = self.policy.lookup(cookie.name)
        category = rule.category if rule is not None else self.unknown_category()
        item = self.item("cookie", cookie.name, category)
        third = is_third_party(cookie.domain, self.site)
        by = f" (set by {cookie.set_by} {cookie.set_by_url})" if cookie.set_by_url else ""
        refused = category is not None and category not in self.granted
        if not third and rule is None:
            item.add("undeclared", f"not declared in the policy: add a [[cookies]] entry{by}")
        if self.withdraw and refused and cookie.key in self.before_cookies:
            item.add(
                "not-cleared",
                f"still in the jar for {cookie.domain} after the"
                f" withdrawal; {category} is refused{by}",
            )
        elif third and (rule is None or refused):
            why = "not declared" if rule is None else f"its category {category} is refused"
            item.add("third-party-cookie", f"set for {cookie.domain}, another site; {why}{by}")
        elif refused:
            item.add(
                "before-consent",
                f"a {category} cookie in the jar while {self.refused_words} {category}{by}",
            )
        if not third:
            self.own_cookie(item, cookie, rule, by)
        return item.judged(rule is not None, third, cookie)

    def own_cookie(self, item: _Item, cookie: CookieSeen, rule: CookieRule | None, by: str) -> None:
        """Rules 4-6, for a first-party cookie."""
        lived = None if cookie.expires is None else cookie.expires - cookie.set_at
        if rule is not None and rule.session and lived is not None:
            item.add(
                "session-persists",
                f"declared a session cookie, stored to expire in {about(lived)}{by}",
            )
        limit = self.limit(rule, item.category)
        if lived is not None and limit is not None and lived > limit + TOLERANCE:
            item.add(
                "over-lifetime", f"expires in {about(lived)}; the policy allows {about(limit)}{by}"
            )
        if cookie.host_only:
            return
        bare, root = cookie.domain.lstrip("."), self.policy.root_domain
        declared = rule.domain if rule is not None else None
        if root is not None and not within(bare, root):
            item.add("wide-domain", f"scoped to {cookie.domain}, wider than root_domain {root}")
        elif declared is not None and not within(bare, declared):
            item.add(
                "wide-domain",
                f"scoped to {cookie.domain}, wider than its declared domain {declared}",
            )

    def limit(self, rule: CookieRule | None, category: str | None) -> int | None:
        """The longest life allowed (``None``: no limit to check)."""
        policy = self.policy
        if rule is not None:
            return policy.effective_lifetime(rule)  # None: a session cookie (rule 4)
        if policy.unknown == "block":
            return None  # undeclared is the finding
        if category is not None and policy.is_necessary(category):
            return None
        return policy.max_age

    def storage(self, key: StorageSeen) -> Judged:
        rule = self.policy.lookup_storage(key.name, key.area)
        category = rule.category if rule is not None else self.unknown_category()
        item = self.item("storage", key.name, category)
        label = f"{key.area}Storage key"
        if rule is None:
            item.add(
                "undeclared",
                f"a {label} of {key.origin} the policy does not declare: add a [[storage]] entry",
            )
        if category is not None and category not in self.granted:
            if self.withdraw and key.key in self.before_storage:
                item.add("not-cleared", f"a {category} {label} still there after the withdrawal")
            else:
                item.add(
                    "before-consent", f"a {category} {label} while {self.refused_words} {category}"
                )
        return item.judged(rule is not None, False, key)

    def request(self, request: RequestSeen) -> Judged:
        third = is_third_party(request.host, self.site)
        rule = self.policy.lookup_host(request.host) if third else None
        category = rule.category if rule is not None else None
        item = self.item("request", request.host, category)
        many = "s" if request.count != 1 else ""
        sent = f"{request.count} request{many} (first {request.example})"
        if rule is not None and category not in self.granted:
            item.add(
                "before-consent",
                f"{sent} to a declared {category} host while {self.refused_words} {category}",
            )
        elif third and rule is None and self.policy.unknown_hosts == "block":
            item.add(
                "undeclared",
                f'{sent} to a host [[hosts]] does not declare, and unknown_hosts is "block"',
            )
        return item.judged(rule is not None, third, request)


class _Item:
    """One item's findings, as they are found: added to its state's list in order."""

    def __init__(
        self, findings: list[Finding], state: str, what: What, name: str, category: str | None
    ) -> None:
        self.findings, self.state, self.what = findings, state, what
        self.name, self.category = name, category
        self.kinds: list[Kind] = []

    def add(self, kind: Kind, detail: str) -> None:
        self.kinds.append(kind)
        self.findings.append(Finding(self.state, kind, self.what, self.name, self.category, detail))

    def judged(
        self, declared: bool, third: bool, item: CookieSeen | StorageSeen | RequestSeen
    ) -> Judged:
        return Judged(self.what, self.name, self.category, declared, third, tuple(self.kinds), item)


def judge(scan: Scan, policy: Policy) -> Judgement:
    """Judge every reached state of ``scan`` against ``policy`` (the rules above).

    >>> from cookiewarden.tools.scan.model import CookieSeen, State, StateRun
    >>> jar = (CookieSeen("_ga", "example.com", "/", None, False, False, "Lax"),)
    >>> run = StateRun(State("none"), reached=True, cookies=jar)
    >>> judgement = judge(Scan(("https://example.com/",), "example.com", (run,), 0.0),
    ...                   Policy.default())
    >>> [(f.state, f.kind, f.name) for f in judgement.findings], judgement.exit_code
    ([('none', 'undeclared', '_ga')], 1)
    """
    site = site_of(scan.site_host)
    states = []
    for run in scan.runs:
        granted = run.state.granted(
            policy.necessary_keys, policy.category_keys, opt_out=policy.mode == "opt-out"
        )
        if not run.reached:
            states.append(StateJudgement(run, granted))
            continue
        judge_ = _Judge(policy, run, site, granted)
        cookies = tuple(judge_.cookie(c) for c in run.cookies)
        storage = tuple(judge_.storage(s) for s in run.storage)
        requests = tuple(judge_.request(r) for r in run.requests)
        states.append(
            StateJudgement(run, granted, cookies, storage, requests, tuple(judge_.findings))
        )
    return Judgement(scan, policy, tuple(states))
