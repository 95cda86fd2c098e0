"""cookiewarden in a Flask app: the policy is enforced by wrapping ``app.wsgi_app``.

Run it from the repository root, then open http://127.0.0.1:5000/ ::

    flask --app examples/flask_app.py run

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

from flask import Blueprint, Flask, Response, jsonify, request

from cookiewarden import CookieWardenWSGI, Policy

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
  <title>cookiewarden + Flask</title>
  <script src="/_consent/banner.js" defer></script>
</head>
<body>
  <h1>cookiewarden + Flask</h1>
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

pages = Blueprint("pages", __name__)


@pages.get("/")
def home() -> Response:
    """Set one cookie per category; the middleware decides which ones leave."""
    secure = request.scheme == "https"
    response = Response(PAGE, mimetype="text/html")
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


@pages.get("/whoami")
def whoami() -> Response:
    """The consent cookiewarden put in the WSGI environ, and the cookies the app received."""
    consent = request.environ["cookiewarden.consent"]
    return jsonify(
        granted=sorted(consent.granted),
        decided=consent.decided,
        cookies=request.cookies.to_dict(),
    )


def create_app(
    *,
    policy: Policy = POLICY,
    secret_keys: Sequence[str] = (SECRET,),
    consent_log: str | None = CONSENT_LOG,
    **options: Any,
) -> Flask:
    """Build the app; ``options`` go to :class:`~cookiewarden.CookieWardenWSGI` (tests fix the
    clock)."""
    app = Flask(__name__)
    app.register_blueprint(pages)
    app.wsgi_app = CookieWardenWSGI(  # type: ignore[method-assign]
        app.wsgi_app,
        policy=policy,
        secret_keys=list(secret_keys),
        consent_log=consent_log,
        **options,
    )
    return app


app = create_app()
