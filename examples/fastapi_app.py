"""cookiewarden in a FastAPI app: the policy is enforced by one ``add_middleware`` call; views
read the consent through a dependency (``ConsentDep``), and the consent API shows in the
OpenAPI docs (``/docs``).

Run it from the repository root, then open http://127.0.0.1:8000/ ::

    uvicorn examples.fastapi_app:app

``/`` tries to set four cookies, one per category; only those your consent allows reach the
browser, each within its declared lifetime (so ``cookiewarden audit`` passes). ``/whoami``
shows the consent the app sees and the cookies it received. The consent API and banner live
under ``/_consent``.

Settings come from the environment: ``COOKIEWARDEN_SECRET`` (the consent-cookie signing key)
and ``COOKIEWARDEN_CONSENT_LOG`` (where choices are recorded, e.g. ``sqlite:///consent.db``;
unset: not recorded).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from cookiewarden import CookieWarden, Policy
from cookiewarden.fastapi import ConsentDep, document_consent_api

POLICY = Policy.from_toml(Path(__file__).with_name("policy.toml"))
# !!! DEVELOPMENT ONLY !!! Anyone who knows this key can forge any visitor's consent.
# Set COOKIEWARDEN_SECRET to a long random string (`python -c "import secrets;
# print(secrets.token_urlsafe(32))"`) everywhere but on your own machine.
SECRET = os.environ.get("COOKIEWARDEN_SECRET", "dev-only-insecure-cookiewarden-key")
CONSENT_LOG = os.environ.get("COOKIEWARDEN_CONSENT_LOG")  # None: choices are not recorded

DAY = 24 * 3600
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>cookiewarden + FastAPI</title>
  <script src="/_consent/banner.js" defer></script>
</head>
<body>
  <h1>cookiewarden + FastAPI</h1>
  <p>This page sets <code>sessionid</code>, <code>_ga</code>, <code>lang</code> and
  <code>ads_id</code>; only the ones your consent allows reach your browser.
  See <a href="/whoami">what the app sees</a>.</p>
  <button type="button" data-cookiewarden-open>Cookie settings</button>
  <script type="text/plain" data-cookiewarden-category="performance">
    window.analyticsLoaded = true;
  </script>
</body>
</html>
"""

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """Set one cookie per category; the middleware decides which ones leave."""
    secure = request.url.scheme == "https"
    response = HTMLResponse(PAGE)
    response.set_cookie("sessionid", secrets.token_urlsafe(16), httponly=True, secure=secure)
    # Within the policy's 365-day cap, so `cookiewarden audit` passes; a longer life is cut to it.
    ga = f"GA1.1.{secrets.randbelow(10**9)}.{int(time.time())}"
    response.set_cookie("_ga", ga, max_age=365 * DAY, secure=secure)
    response.set_cookie("lang", "en", max_age=365 * DAY, secure=secure)
    response.set_cookie("ads_id", secrets.token_hex(8), max_age=90 * DAY, secure=secure)
    return response


@router.get("/whoami")
def whoami(request: Request, consent: ConsentDep) -> dict[str, Any]:
    """The consent cookiewarden handed to the app, and the cookies the app received."""
    return {
        "granted": sorted(consent.granted),
        "decided": consent.decided,
        "cookies": dict(request.cookies),
    }


def create_app(
    *,
    policy: Policy = POLICY,
    secret_keys: Sequence[str] = (SECRET,),
    consent_log: str | None = CONSENT_LOG,
    **options: Any,
) -> FastAPI:
    """Build the app; ``options`` go to :class:`~cookiewarden.CookieWarden` (tests fix the
    clock)."""
    app = FastAPI(title="cookiewarden + FastAPI")
    app.include_router(router)
    app.add_middleware(
        CookieWarden,
        policy=policy,
        secret_keys=list(secret_keys),
        consent_log=consent_log,
        **options,
    )
    document_consent_api(app)  # GET/POST/DELETE /_consent in /docs; the middleware serves them
    return app


app = create_app()
