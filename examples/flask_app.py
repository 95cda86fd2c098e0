"""cookiewarden in a Flask app: the ``CookieWardenFlask`` extension, configured by
``app.config["COOKIEWARDEN_*"]``, enforces the policy and gives templates their helpers.

Run it from the repository root, then open http://127.0.0.1:5000/ ::

    flask --app examples/flask_app.py run

``/`` tries to set four cookies, one per category; only those your consent allows reach the
browser, each within its declared lifetime (so ``cookiewarden audit`` passes). ``/whoami``
shows the consent the app sees and the cookies it received. The consent API and banner live
under ``/_consent``.

Settings come from the environment: ``COOKIEWARDEN_SECRET`` (the consent-cookie signing key)
and ``COOKIEWARDEN_CONSENT_LOG`` (where choices are recorded, e.g. ``sqlite:///consent.db``;
unset: not recorded). ``flask --app examples/flask_app.py cookiewarden audit`` audits the app
against its policy.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, render_template_string, request

from cookiewarden.flask import CookieWardenFlask, get_consent

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
  {{ cookiewarden_head() }}
</head>
<body>
  <h1>cookiewarden + Flask</h1>
  <p>This page sets <code>sessionid</code>, <code>_ga</code>, <code>lang</code> and
  <code>ads_id</code>; only the ones your consent allows reach your browser.
  See <a href="/whoami">what the app sees</a>.</p>
  <p>Analytics: {{ "allowed" if consent.performance else "not allowed" }}.</p>
  {{ cookiewarden_open("Cookie settings") }}
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
    response = Response(render_template_string(PAGE), mimetype="text/html")
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
    """The consent cookiewarden handed to the app, and the cookies the app received."""
    consent = get_consent()
    return jsonify(
        granted=sorted(consent.granted),
        decided=consent.decided,
        cookies=request.cookies.to_dict(),
    )


def create_app(**settings: Any) -> Flask:
    """Build the app; ``settings`` (``policy=``, ``clock=``...) override its
    ``COOKIEWARDEN_*`` config (tests fix the clock)."""
    app = Flask(__name__)
    app.register_blueprint(pages)
    app.config["COOKIEWARDEN_POLICY"] = "policy.toml"  # beside this file: app.root_path
    app.config["COOKIEWARDEN_SECRET_KEYS"] = [SECRET]
    app.config["COOKIEWARDEN_CONSENT_LOG"] = CONSENT_LOG
    app.config.update({f"COOKIEWARDEN_{key.upper()}": value for key, value in settings.items()})
    CookieWardenFlask(app)
    return app


app = create_app()
