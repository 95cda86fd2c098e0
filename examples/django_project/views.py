"""Views of the example project: a page that sets four cookies, and what the app sees."""

from __future__ import annotations

import secrets
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cookiewarden.django import get_consent

DAY = 24 * 3600


def home(request: HttpRequest) -> HttpResponse:
    """Set one cookie per category; the middleware decides which ones leave. The page
    (``templates/home.html``) carries cookiewarden's tags and reads the consent."""
    secure = request.is_secure()
    response = render(request, "home.html")
    response.set_cookie(
        "sessionid", secrets.token_urlsafe(16), httponly=True, secure=secure, samesite="Lax"
    )
    # Within the policy's 365-day cap, so `cookiewarden audit` passes; a longer life is cut to it.
    ga = f"GA1.1.{secrets.randbelow(10**9)}.{int(time.time())}"
    response.set_cookie("_ga", ga, max_age=365 * DAY, secure=secure, samesite="Lax")
    response.set_cookie("lang", "en", max_age=365 * DAY, secure=secure, samesite="Lax")
    response.set_cookie(
        "ads_id", secrets.token_hex(8), max_age=90 * DAY, secure=secure, samesite="Lax"
    )
    return response


def whoami(request: HttpRequest) -> JsonResponse:
    """The consent cookiewarden handed to the app (under ASGI or WSGI), and the cookies the
    app received."""
    consent = get_consent(request)
    return JsonResponse(
        {
            "granted": sorted(consent.granted),
            "decided": consent.decided,
            "cookies": dict(request.COOKIES),
        }
    )
