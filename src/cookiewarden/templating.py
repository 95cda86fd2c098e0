"""What a page template sees of cookiewarden, in every framework: the visitor's consent and the
tags the page carries.

Contract: :class:`ConsentView` is the ``consent`` a template reads (``{% if consent.performance
%}``, alike in Django's template language and in Jinja), a read-only mapping of the policy's
category keys to booleans with ``.granted`` and ``.decided``; :func:`head_markup` and
:func:`open_button` are the HTML of ``cookiewarden_head`` and ``cookiewarden_open``. Django's,
Flask's and FastAPI's helpers (:mod:`cookiewarden.django`, :mod:`cookiewarden.flask`,
:mod:`cookiewarden.fastapi`) only find the consent, the consent path and the CSP nonce, and
mark the strings safe in their own way.

Rules:
1. A category the visitor has not granted is ``False``; a key that is no category of the policy
   is missing (``KeyError``, ``AttributeError``), which both template languages render as false:
   a misspelt category never turns a script on.
2. The view cannot change the consent: it has no setters, and the value behind it is frozen.
3. Every string that reaches the HTML is escaped here (labels, nonces, the consent path).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from html import escape

from .rules.consent import Consent
from .rules.page_rules import state_token
from .rules.policy import Policy
from .web.page import head_tags

__all__ = ["ConsentView", "head_markup", "open_button"]


class ConsentView(Mapping[str, bool]):
    """One visitor's consent as templates read it: ``consent.performance``,
    ``consent["performance"]``, ``consent.granted``, ``consent.decided``.

    :param consent: the visitor's :class:`~cookiewarden.Consent`.
    :param categories: the policy's category keys, in the policy's order (the mapping's keys).

    A category whose key is also one of the view's own names (``granted``, ``decided``,
    ``allows``, ``consent``, or a mapping method such as ``items``) is read with ``[...]``.

    >>> from cookiewarden import Policy
    >>> view = ConsentView.of(Consent.undecided(Policy.default()), Policy.default())
    >>> view.necessary, view["performance"], view.decided
    (True, False, False)
    >>> dict(view)
    {'necessary': True, 'performance': False, 'functionality': False, 'targeting': False}
    """

    __slots__ = ("_categories", "_consent")

    def __init__(self, consent: Consent, categories: Iterable[str]) -> None:
        self._consent = consent
        self._categories = tuple(categories)

    @classmethod
    def of(cls, consent: Consent, policy: Policy) -> ConsentView:
        """The view of ``consent`` over ``policy``'s categories."""
        return cls(consent, (category.key for category in policy.categories))

    @property
    def consent(self) -> Consent:
        """The :class:`~cookiewarden.Consent` behind the view (``consent_id``,
        ``policy_version``, ``gpc``...)."""
        return self._consent

    @property
    def granted(self) -> frozenset[str]:
        """The granted category keys, necessary ones included."""
        return self._consent.granted

    @property
    def decided(self) -> bool:
        """Whether the visitor has chosen yet."""
        return self._consent.decided

    def allows(self, category: str) -> bool:
        """Whether cookies of ``category`` may be set and seen."""
        return self._consent.allows(category)

    def __getitem__(self, key: str) -> bool:
        if key not in self._categories:
            raise KeyError(key)
        return self._consent.allows(key)

    def __getattr__(self, key: str) -> bool:
        # Only reached for names the class does not define: the category keys (rule 1).
        if key.startswith("_") or key not in self._categories:
            raise AttributeError(key)
        return self._consent.allows(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._categories)

    def __len__(self) -> int:
        return len(self._categories)

    def __contains__(self, key: object) -> bool:
        return key in self._categories

    def __repr__(self) -> str:
        granted = ", ".join(key for key in self._categories if self._consent.allows(key))
        return f"<ConsentView decided={self.decided} granted=[{granted}]>"


def head_markup(
    consent_path: str = "/_consent",
    *,
    nonce: object = None,
    policy: Policy | None = None,
    consent: Consent | None = None,
) -> str:
    """The tags for the top of ``<head>``: the guard, then the deferred banner
    (:func:`cookiewarden.web.page.head_tags`), with the CSP script nonce when there is one.

    :param nonce: the page's nonce; anything that is not a non-empty string once made a string
        (a lazy nonce object is) counts as none.
    :param policy: with ``consent``, the visitor's: the guard's URL names their state, so the
        browser may keep the script until they choose again (rule 4 of
        :mod:`cookiewarden.web.page`).

    >>> head_markup("/_consent", nonce="r4nd0m")  # doctest: +NORMALIZE_WHITESPACE
    '<script src="/_consent/guard.js" nonce="r4nd0m"></script><script
      src="/_consent/banner.js" defer nonce="r4nd0m"></script>'
    """
    text = None if nonce is None else str(nonce)
    state = None if policy is None or consent is None else state_token(policy, consent)
    return head_tags(consent_path, nonce=text or None, state=state)


def open_button(label: str = "Cookie settings") -> str:
    """A button that opens the banner again: ``<button type="button"
    data-cookiewarden-open>label</button>``, the label escaped (rule 3) unless it is already
    safe markup (it has ``__html__``, as Django's ``SafeString`` and ``markupsafe.Markup`` do).

    >>> open_button("Cookies & <you>")
    '<button type="button" data-cookiewarden-open>Cookies &amp; &lt;you&gt;</button>'
    """
    html = getattr(label, "__html__", None)  # Django's and markupsafe's safe strings
    text = html() if callable(html) else escape(str(label))
    return f'<button type="button" data-cookiewarden-open>{text}</button>'
