"""Views of the example project: a page that sets four cookies, and what the app sees."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

DAY = 24 * 3600
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>cookiewarden + Django</title>
  <script src="/_consent/banner.js" defer></script>
</head>
<body>
  <h1>cookiewarden + Django</h1>
  <p>This page sets <code>sessionid</code>, <code>_ga</code>, <code>lang</code> and
  <code>ads_id</code>; only the ones your consent allows reach your browser.
  See <a href="/whoami">what the app sees</a>.</p>
  <button data-cookiewarden-open>Cookie settings</button>
  <script type="text/plain" data-cookiewarden-category="performance">
    window.analyticsLoaded = true;
  </script>
</body>
</html>
"""


def consent_of(request: HttpRequest) -> Any:
    """The visitor's consent: ASGI puts it in ``scope["state"]``, WSGI in the environ."""
    scope = getattr(request, "scope", None)
    if scope is not None:
        return scope["state"]["consent"]
    return request.META["cookiewarden.consent"]


def home(request: HttpRequest) -> HttpResponse:
    """Set one cookie per category; the middleware decides which ones leave."""
    secure = request.is_secure()
    response = HttpResponse(PAGE)
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
    """The consent cookiewarden handed to the app, and the cookies the app received."""
    consent = consent_of(request)
    return JsonResponse(
        {
            "granted": sorted(consent.granted),
            "decided": consent.decided,
            "cookies": dict(request.COOKIES),
        }
    )
