"""``{% load cookiewarden %}``: the tags a page carries, and the button that reopens the banner.

Contract::

    {% cookiewarden_head %}              the guard, then the deferred banner, for <head>
    {% cookiewarden_head nonce=nonce %}  ... with this CSP nonce
    {% cookiewarden_open "Cookie settings" %}
                                         <button type="button" data-cookiewarden-open>...</button>

Rules:
1. The tags point at the project's ``CONSENT_PATH`` (``settings.COOKIEWARDEN``).
2. Under a CSP with nonces, the tags carry the request's nonce: an explicit ``nonce=``, else
   django-csp's ``request.csp_nonce``, else a ``csp_nonce`` in the context (Django 6's ``csp``
   context processor). django-csp's nonce is lazy: reading it here is what puts it in the
   response's header.
3. The label is escaped (a ``SafeString`` or a lazy translation is kept as Django keeps it).
4. With a request in the context, the guard's URL names the visitor's state, so the browser
   keeps the script until they choose again (:mod:`cookiewarden.web.page`, rule 4).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from ...templating import head_markup, open_button
from ..conf import get_consent, warden_settings

__all__ = ["cookiewarden_head", "cookiewarden_open", "register"]

register = template.Library()


def _nonce(context: Any) -> object:
    """The request's CSP nonce (rule 2), or ``None``."""
    request = getattr(context, "request", None)
    if request is None:
        request = context.get("request")
    nonce = getattr(request, "csp_nonce", None)  # never ``or``: an unread lazy nonce is falsy
    if nonce is None:
        nonce = context.get("csp_nonce")
    return nonce


@register.simple_tag(takes_context=True)
def cookiewarden_head(context: Any, nonce: object = None) -> SafeString:
    """The guard's and the banner's ``<script>`` tags, for the top of ``<head>`` (rules 1, 2).

    Usage::

        {% load cookiewarden %}
        <head>{% cookiewarden_head %} ...</head>
    """
    if nonce is None:
        nonce = _nonce(context)
    settings = warden_settings()
    request = getattr(context, "request", None) or context.get("request")
    consent = None if request is None else get_consent(request)
    return mark_safe(
        head_markup(settings.consent_path, nonce=nonce, policy=settings.policy, consent=consent)
    )


@register.simple_tag
def cookiewarden_open(label: Any = "Cookie settings") -> SafeString:
    """A ``<button>`` that opens the consent banner again, with the escaped ``label``.

    Usage::

        {% cookiewarden_open "Cookie settings" %}
    """
    return mark_safe(open_button(label))
