"""The ``consent`` template variable: ``cookiewarden.django.context_processors.consent``.

Contract: added to ``TEMPLATES[...]["OPTIONS"]["context_processors"]``, every template rendered
with a request sees ``consent``, a :class:`~cookiewarden.templating.ConsentView` of the
visitor's consent (``{% if consent.performance %}``, ``{{ consent.decided }}``).

Rules:
1. The consent is the middleware's (:func:`~cookiewarden.django.conf.get_consent`); a request
   the middleware did not see has the policy's undecided consent (necessary only).
"""

from __future__ import annotations

from typing import Any

from ..templating import ConsentView
from .conf import get_consent, warden_settings

__all__ = ["consent"]


def consent(request: Any) -> dict[str, ConsentView]:
    """``{"consent": ConsentView}`` for the template context.

    Usage, in ``settings.py``::

        TEMPLATES[0]["OPTIONS"]["context_processors"] += [
            "cookiewarden.django.context_processors.consent"]

    and in a template::

        {% if consent.performance %}<script src="{% static 'analytics.js' %}"></script>{% endif %}
    """
    return {"consent": ConsentView.of(get_consent(request), warden_settings().policy)}
