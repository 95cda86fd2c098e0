"""Reusing a judgement: finished afresh with the clock, or carried over to another value.

Contract: for speed, the decision comes in two steps that the engine caches separately:
:func:`~cookiewarden.rules.decide.judge` applies every rule that does not read the clock (the
result depends on the header, the policy, the granted categories and the request host and
scheme, nothing else), and a :class:`Pending` applies the two that do (rule 2 by ``Expires``,
rule 7's cut of ``Expires``) afresh each time it is finished. :func:`revalue` turns the
judgement of one named cookie into that of another which differs in its value alone;
:func:`value_free` tells which headers those are.

Rules:

1. No decision that depends on the clock is ever reused: a :class:`Pending` reads the time it
   is given on every :meth:`~Pending.finish` (within one whole second it gives the same answer).
2. What is reused is exactly what :func:`~cookiewarden.rules.decide.judge` would conclude
   afresh: the same rules reach the same outcome, and what leaves is rendered with the new
   value in place of the old (``tests/test_cache.py`` holds the two to each other).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from .dates import format_cookie_date_cached
from .decision import Action, Decision, Reason, fast_decision, settled_decision
from .policy_entries import CookieRule
from .setcookie import SetCookie
from .setcookie_edits import expires_template, with_lifetime, with_value
from .setcookie_parse import split_named

__all__ = ["Pending", "revalue", "value_free"]


class Pending:
    """What is left of a decision once everything but the clock has been judged.

    Two rules read the clock: rule 2 for a cookie that a past ``Expires`` alone (no
    ``Max-Age``) makes a deletion, and rule 7 where an ``Expires`` is cut to the declared
    lifetime. :func:`~cookiewarden.rules.decide.judge` decides everything else; :meth:`finish`
    applies those two rules to the time it is given, afresh on every call. So a ``Pending`` may
    be kept and reused at any time, while no decision that depends on the clock is ever reused.
    """

    __slots__ = (
        "_capped",
        "_category",
        "_changed",
        "_cookie",
        "_cut_max_age",
        "_expires_at",
        "_header",
        "_judged",
        "_kept",
        "_limit",
        "_max_age",
        "_name",
        "_outcome",
        "_rule",
        "_template",
    )

    def __init__(
        self,
        header: str,
        name: str | None,
        cookie: SetCookie,
        *,
        outcome: Decision | None = None,
        judged: SetCookie | None = None,
        limit: int = 0,
        changed: Reason | None = None,
        category: str | None = None,
        rule: CookieRule | None = None,
    ) -> None:
        self._header = header
        self._name = name
        self._cookie = cookie  # as parsed: what a deletion leaves as
        self._outcome = outcome  # rules 3-7, when they do not depend on the clock
        self._judged = judged if judged is not None else cookie  # after rules 5 and 7, uncapped
        self._limit = limit
        self._changed = changed
        self._category = category
        self._rule = rule
        # Rule 7, as far as it can be worked out once: the capped Max-Age, and when Expires is.
        judged = self._judged
        max_age = judged.max_age
        self._max_age = limit if max_age is not None and max_age > limit else max_age
        self._expires_at = judged.expires.timestamp() if judged.expires is not None else 0.0
        # Made on first use, as every use makes them the same (see finish).
        self._kept: Decision | None = None
        self._cut_max_age: Decision | None = None
        self._template: tuple[str, str] | None = None
        # The last Expires cut, by the whole second it was cut at (see finish).
        self._capped: tuple[int, Decision] | None = None

    def _revalue(self, header: str, value: str) -> Pending:
        """This judgement for ``header``, a header with another value (see :func:`revalue`)."""
        other: Pending = Pending.__new__(Pending)
        other._header = header
        other._name = self._name
        other._cookie = with_value(self._cookie, value)
        outcome = self._outcome
        other._outcome = None if outcome is None else revalue(outcome, header, value)
        judged = self._judged
        other._judged = other._cookie if judged is self._cookie else with_value(judged, value)
        other._limit = self._limit
        other._changed = self._changed
        other._category = self._category
        other._rule = self._rule
        other._max_age = self._max_age
        other._expires_at = self._expires_at
        # What finish makes on first use renders the value: made afresh for this one.
        other._kept = other._cut_max_age = None
        other._template = None
        other._capped = None
        return other

    def finish(self, now: float) -> Decision:
        """The decision at ``now`` (Unix seconds)."""
        cookie = self._cookie
        # Rule 2: a deletion always passes (rendered from its parsed form).
        if cookie.is_deletion(now):
            return fast_decision(
                Action.KEEP, Reason.DELETION, self._name, None, self._header, cookie.to_header(),
                cookie,
            )  # fmt: skip
        if self._outcome is not None:
            return self._outcome
        # Rule 7: Max-Age and Expires cut to the limit, Expires counted from ``now`` (what
        # decide._cap does, with the parts that do not depend on the clock worked out beforehand).
        judged = self._judged
        limit = self._limit
        if self._expires_at > now + limit:
            # The cut reads the clock to the whole second only: within one second every use
            # makes the same decision, so the last one is kept for the second it was made in.
            second = int(now)
            last = self._capped
            if last is not None and last[0] == second:
                return last[1]
            expires = datetime.fromtimestamp(second + limit, UTC)
            capped = with_lifetime(judged, self._max_age, expires)
            template = self._template
            if template is None:
                template = self._template = expires_template(capped)
            decision = fast_decision(
                Action.REWRITE, Reason.CAPPED, self._name, self._category, self._header,
                template[0] + format_cookie_date_cached(expires) + template[1], capped, self._rule,
            )  # fmt: skip
            self._capped = (second, decision)
            return decision
        # Expires within the limit: the decision rests on the clock, yet reads the same every
        # time it is reached.
        if self._max_age != judged.max_age:
            cut = self._cut_max_age
            if cut is None:
                cut = self._cut_max_age = settled_decision(
                    self._header, self._name, self._category,
                    with_lifetime(judged, self._max_age, judged.expires), self._rule,
                    Reason.CAPPED,
                )  # fmt: skip
            return cut
        kept = self._kept
        if kept is None:
            kept = self._kept = settled_decision(
                self._header, self._name, self._category, judged, self._rule, self._changed
            )
        return kept


def value_free(header: str) -> tuple[str, str, str] | None:
    """``(name, attributes, value)`` of a header whose judgement does not depend on its value.

    For a named cookie the rules read the value only to parse it (control characters, HTAB
    inside it, the 4096-octet limit, all checked here) and to render it. So every such header
    with the same name and attributes (and the same host and granted categories) is judged
    alike, and :func:`revalue` turns the judgement of one into the judgement of another:
    session ids and analytics ids differ on every response, their attributes rarely do.
    ``None`` for a header whose value may matter (a nameless cookie) or that does not parse as
    a named cookie.
    """
    return split_named(header)


@overload
def revalue(judged: Decision, header: str, value: str) -> Decision: ...
@overload
def revalue(judged: Pending, header: str, value: str) -> Pending: ...
def revalue(judged: Decision | Pending, header: str, value: str) -> Decision | Pending:
    """What :func:`~cookiewarden.rules.decide.judge` concludes for ``header``, from its
    judgement ``judged`` of another header with the same :func:`value_free` name and
    attributes; ``value`` is ``header``'s.

    Exactly ``judge``'s answer: the same rules reach the same outcome, and what leaves is
    rendered with the new value in place of the old. A :class:`Pending` stays pending: the
    clock is read when it is finished, as ever.
    """
    if isinstance(judged, Pending):
        return judged._revalue(header, value)
    cookie = judged.cookie
    assert cookie is not None and cookie.name, "only the judgement of a named, parsed cookie"
    leaving = judged.header
    if leaving is not None:
        # SetCookie.to_header renders "name=value" first, then the attributes.
        leaving = f"{cookie.name}={value}{leaving[len(cookie.name) + 1 + len(cookie.value) :]}"
    return fast_decision(
        judged.action, judged.reason, judged.name, judged.category, header, leaving,
        with_value(cookie, value), judged.rule,
    )  # fmt: skip
