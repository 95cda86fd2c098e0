"""The words cookiewarden itself puts on a page, in each language it ships: the banner's texts,
the page guard's placeholder, and the descriptions of its own cookies.

Contract: :data:`SHIPPED` lists the languages shipped (``rules/words/<tag>.json``, one file per
language, three sections: ``banner``, ``guard``, ``cookies``); :func:`page_words` answers a
section for any tag, falling back to its language and then to English. The policy's own texts
(category labels, cookie descriptions) are not here: they come from the policy file, translated
in its ``[locales.<tag>]`` tables (:mod:`cookiewarden.rules.policy_locales`).

Rules:
1. ``en.json`` is the English source; every other file holds exactly its keys, with the same
   ``{placeholders}`` (``tests/rules/test_wording.py`` checks it). The banner's built-in
   strings (``web/static/banner.js``, its table ``S``) are the English ``banner`` section, so a
   banner that could not ask the server still speaks it.
2. A tag that is not shipped gets the words of its language (``de-CH`` → ``de``), else English:
   a site that offers another language gives the banner its words with ``data-strings``.
3. The banner's words are equal in weight: "Accept all" and "Reject all" are said alike in
   every language (the same construction, one as short as the other), "Customise" beside them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Final, Literal

from .languages import language_of

__all__ = ["SECTIONS", "SHIPPED", "Section", "page_words", "shipped_language"]

SHIPPED: Final = ("en", "it", "de", "fr", "es", "nl")
"""The languages whose words cookiewarden ships, English first."""

Section = Literal["banner", "guard", "cookies"]
SECTIONS: Final[tuple[Section, ...]] = ("banner", "guard", "cookies")
"""``banner``: the banner's strings (``data-strings`` keys); ``guard``: the placeholder of a
held embed (``placeholder`` with ``{categories}``, ``allow``); ``cookies``: what the
declaration says of ``cw_consent`` (its description by name, ``purpose``
and, for a site without ``[site] name``, ``provider``)."""


@cache
def _words(tag: str) -> Mapping[str, Mapping[str, str]]:
    text = resources.files("cookiewarden.rules").joinpath("words", f"{tag}.json").read_text("utf-8")
    loaded: dict[str, dict[str, str]] = json.loads(text)
    return loaded


def shipped_language(tag: str) -> str | None:
    """The shipped language that speaks for ``tag`` (rule 2), ``None`` where none does.

    >>> shipped_language("de-CH"), shipped_language("pl")
    ('de', None)
    """
    if tag in SHIPPED:
        return tag
    language = language_of(tag)
    return language if language in SHIPPED else None


def page_words(tag: str, section: Section) -> Mapping[str, str]:
    """The words of ``section`` in the language ``tag``, else English (rule 2).

    >>> page_words("it-CH", "banner")["reject_all"]
    'Rifiuta tutti'
    >>> page_words("pl", "guard")["allow"]
    'Allow'
    """
    return _words(shipped_language(tag) or "en")[section]
