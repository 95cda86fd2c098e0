"""The Flask example (``examples/flask_app.py``) through ``app.test_client()``.

The adapter contract, plus the module-level ``app`` exactly as ``flask --app
examples/flask_app.py run`` serves it, and Flask's own error pages.
"""

from __future__ import annotations

import time
from typing import Any

from examples import flask_app
from flask import Flask, Response, request

from .contract import YEAR, AdapterContract, Client, wsgi_text
from .contract import Response as RawResponse


def echo() -> Response:
    response = Response("echo", mimetype="text/plain")
    for value in request.args.getlist("set"):
        response.headers.add("Set-Cookie", value)
    return response


def flask_client(app: Flask) -> Client:
    """A :data:`Client` over Flask's test client, without its cookie jar."""
    client = app.test_client(use_cookies=False)

    def send(
        method: str, target: str, *, headers: list[tuple[str, str]], body: bytes
    ) -> RawResponse:
        response = client.open(
            target, method=method, headers=headers, data=body, base_url="http://testserver"
        )
        pairs = [(wsgi_text(k), wsgi_text(v)) for k, v in response.headers.to_wsgi_list()]
        return RawResponse(response.status_code, pairs, response.get_data())

    return send


class TestFlask(AdapterContract):
    def serve(self, **options: Any) -> Client:
        app = flask_app.create_app(**options)
        app.add_url_rule("/echo", view_func=echo)
        return flask_client(app)

    def test_flask_error_pages_pass_through(self) -> None:
        response = self.request("GET", "/missing", cookie="_ga=x")
        assert response.status == 404
        assert response.set_cookies == [
            "_ga=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"
        ]


def test_the_module_level_app_works_as_shipped(mint: Any) -> None:
    client = flask_client(flask_app.app)
    assert client("GET", "/", headers=[], body=b"").names() == ["sessionid"]
    cookie = "cw_consent=" + mint(["performance"], key=flask_app.SECRET, issued_at=time.time())
    page = client("GET", "/", headers=[("Cookie", cookie)], body=b"")
    assert page.names() == ["sessionid", "_ga"]
    assert page.cookie("_ga").max_age == YEAR
