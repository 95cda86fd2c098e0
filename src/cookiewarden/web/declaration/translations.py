"""The declaration's words in each language cookiewarden ships.

Contract: :func:`declaration_strings` is :data:`~cookiewarden.web.declaration.strings.STRINGS`
in a language: what ``strings=`` takes in :func:`~cookiewarden.web.declaration.render_html`,
:func:`~cookiewarden.web.declaration.render_markdown` and
:func:`~cookiewarden.web.declaration.render_json`. With the policy in the same language
(:meth:`Policy.localised <cookiewarden.rules.policy.Policy.localised>`) it renders the whole
page in it::

    render_html(policy.localised("it"), strings=declaration_strings("it"))

Rules:
1. ``words/<tag>.json`` holds every key of ``STRINGS``, with the same ``{placeholders}``, for
   each shipped language but English (``tests/web/test_declaration_locales.py`` checks it);
   English is ``STRINGS`` itself, so an English page is the page it always was.
2. A tag that is not shipped gets the words of its language (``de-AT`` → ``de``), else English;
   ``lang`` is always the tag asked for, so the page says which language it is offered in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources

from ...rules.wording import shipped_language
from .strings import STRINGS

__all__ = ["declaration_strings"]


@cache
def _shipped(language: str) -> Mapping[str, str]:
    if language == "en":
        return STRINGS
    path = resources.files("cookiewarden.web.declaration").joinpath("words", f"{language}.json")
    words: dict[str, str] = json.loads(path.read_text("utf-8"))
    return words


@cache
def declaration_strings(tag: str) -> Mapping[str, str]:
    """Every word of the declaration and the cookie policy in ``tag`` (rules 1, 2).

    >>> declaration_strings("it")["title_declaration"]
    'Dichiarazione sui cookie'
    >>> s = declaration_strings("pl"); s["lang"], s["title_declaration"]
    ('pl', 'Cookie declaration')
    >>> declaration_strings("en") is STRINGS
    True
    """
    words = _shipped(shipped_language(tag) or "en")
    return words if words["lang"] == tag else {**words, "lang": tag}
