"""Which language the middleware's own answers speak: the consent API and the declaration.

Contract: :func:`answer_language` picks, for one request, one of the policy's
:attr:`~cookiewarden.rules.policy.Policy.languages`, or ``None`` where the policy is written in
English only; :func:`banner_strings` is the banner's words in a language;
:func:`declaration_page` is the declaration a request asks for.

Rules:
1. The wishes, in order: the query's ``lang`` (``/_consent/declaration?lang=it``), then the
   request's ``Accept-Language``, then the policy's own ``language``
   (:func:`~cookiewarden.rules.languages.negotiate`). The banner sends the page's language
   first in its ``Accept-Language`` (``data-lang``, else ``<html lang>``), then the browser's
   languages, so the page's language wins where the policy offers it.
2. A policy in English alone answers exactly as before languages existed: ``None`` here, and
   the answers carry no language of their own. Otherwise the declaration says its language
   (``Content-Language``) and that it depends on ``Accept-Language`` (``Vary``), for caches.
3. Never raises: a wish that is not a language is no wish.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from ..rules.languages import negotiate
from ..rules.policy import Policy
from ..rules.wording import page_words
from .declaration import declaration_strings, render_html

__all__ = ["answer_language", "banner_strings", "declaration_page"]


def answer_language(policy: Policy, query: str, headers: Mapping[str, str]) -> str | None:
    """The language of the answer to a request with ``query`` and ``headers`` (lower-case
    names), or ``None`` for a policy in English alone (rule 2).

    >>> p = Policy.from_dict({"version": "1", "categories": {"necessary": {"necessary": True}},
    ...     "locales": {"it": {}}})
    >>> answer_language(p, "lang=it-IT", {}), answer_language(p, "", {"accept-language": "de"})
    ('it', 'en')
    """
    if policy.languages == ("en",):
        return None
    try:
        asked = parse_qs(query, max_num_fields=50).get("lang", [])[-1:]
    except ValueError:  # too many fields: no wish (rule 3)
        asked = []
    return negotiate(
        policy.languages,
        policy.language,
        asked=asked,
        accept_language=headers.get("accept-language"),
    )


def banner_strings(tag: str) -> Mapping[str, str]:
    """The banner's own words (its ``data-strings`` keys) in ``tag``, else in English.

    >>> banner_strings("nl")["accept_all"], banner_strings("nl")["reject_all"]
    ('Alles accepteren', 'Alles weigeren')
    """
    return page_words(tag, "banner")


def declaration_page(
    policy: Policy, consent_path: str, query: str, headers: Mapping[str, str]
) -> tuple[bytes, list[tuple[str, str]]]:
    """The declaration's HTML for a request, and the headers its language adds (rule 2).

    >>> p = Policy.from_dict({"version": "1", "categories": {"necessary": {"necessary": True}},
    ...     "locales": {"it": {}}})
    >>> page, headers = declaration_page(p, "/_consent", "lang=it", {})
    >>> headers
    [('content-language', 'it'), ('vary', 'accept-language')]
    """
    lang = answer_language(policy, query, headers)
    if lang is None:
        return render_html(policy, consent_path=consent_path).encode(), []
    strings = declaration_strings(lang)
    page = render_html(policy.localised(lang), consent_path=consent_path, strings=strings)
    return page.encode(), [("content-language", lang), ("vary", "accept-language")]
