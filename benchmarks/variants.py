"""The variants: which app each one calls, with which requests, against which baseline.

Contract: :func:`build_variants` returns one interface's variants in table order, each a
:class:`Variant` holding its app, a function from round number to that round's batch of
scopes or environs (built before timing: the cold path's tokens are minted here), and the
variant whose route it shares (its ``baseline``: ``bare``, ``bare_plain`` for the route that
sets no cookie, ``bare_cold`` for the cold route). :func:`check_variant` makes one request per
variant before timing and stops the run if it does not answer 200 with the Set-Cookie names
expected of it.

Rules: a variant is compared only with a variant on the same route and the same requests: the
send wrapper (a) is measured against is on ``/plain`` with no ``Cookie`` header, as (a) is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .apps import (
    TokenMint,
    asgi_apps,
    asgi_receive,
    asgi_scope,
    make_policy,
    session_cookie_asgi,
    wsgi_apps,
    wsgi_environ,
    wsgi_write,
)


@dataclass
class Variant:
    """One row of the table: an app, its requests, its baseline, and its timings."""

    key: str  # "bare", "a", "b", ...
    label: str
    app: Any
    requests: Callable[[int], Sequence[Any]]  # round number -> one batch of scopes/environs
    baseline: str  # the variant whose route it shares ("bare", "bare_plain", "bare_cold")
    samples: list[float] = field(default_factory=list)  # µs per request, one per round


def build_variants(interface: str, rounds: int, batch: int) -> list[Variant]:
    """Every variant of ``interface`` (``"asgi"`` or ``"wsgi"``), with requests for ``rounds``."""
    policy, large = make_policy(), make_policy(large=True)
    mint = TokenMint(policy)
    token = mint(0)
    hot = f"sessionid=s0123456789abcdef; _ga=GA1.1.123456789.1790000000; cw_consent={token}"
    no_consent = "sessionid=s0123456789abcdef; _ga=GA1.1.123456789.1790000000"

    # The cold path: one distinct token and distinct cookie values for every timed request.
    cold_headers = [
        f"sessionid=s{n:012d}; _ga=GA1.1.{n}.1790000000; cw_consent={mint(n + 1)}"
        for n in range(rounds * batch)
    ]
    if interface == "asgi":
        apps = asgi_apps(policy, large)
        make: Callable[[str, str | None], Any] = asgi_scope
        peer_request = make("/", f"{hot}; session={session_cookie_asgi()}")
        peer_label = "peer: Starlette SessionMiddleware"
    else:
        apps, flask_app = wsgi_apps(policy, large)
        make = wsgi_environ
        serializer = flask_app.session_interface.get_signing_serializer(flask_app)
        assert serializer is not None
        flask_session = serializer.dumps({"visits": 1, "user": "alice"})
        peer_request = make("/peer", f"{hot}; session={flask_session}")
        peer_label = "peer: Flask session view"

    def fixed(request: Any) -> Callable[[int], Sequence[Any]]:
        one_batch = [request] * batch
        return lambda _round: one_batch

    cold_requests = [make("/cold", header) for header in cold_headers]

    def cold(round_number: int) -> Sequence[Any]:
        return cold_requests[round_number * batch : (round_number + 1) * batch]

    # The bare cold route walks the same requests (its app ignores the cookies).
    bare_cold_requests = [make("/cold", header) for header in cold_headers[:batch]]
    wrap = "send wrapper" if interface == "asgi" else "start_response wrapper"
    return [
        Variant("bare", "bare app", apps["bare"], fixed(make("/", hot)), "bare"),
        Variant(
            "bare_plain",
            "bare, no cookies",
            apps["bare"],
            fixed(make("/plain", None)),
            "bare_plain",
        ),
        Variant(
            "bare_cold",
            "bare, cold route",
            apps["bare"],
            lambda _r: bare_cold_requests,
            "bare_cold",
        ),
        Variant("wrapper", "do-nothing wrapper", apps["wrapper"], fixed(make("/", hot)), "bare"),
        Variant("send", wrap, apps["send"], fixed(make("/", hot)), "bare"),
        # The floor for (a): what merely wrapping costs on the route that sets no cookie.
        Variant(
            "wrapper_plain",
            "do-nothing wrapper, no cookies",
            apps["wrapper"],
            fixed(make("/plain", None)),
            "bare_plain",
        ),
        Variant(
            "send_plain",
            f"{wrap}, no cookies",
            apps["send"],
            fixed(make("/plain", None)),
            "bare_plain",
        ),
        Variant("peer", peer_label, apps["peer"], fixed(peer_request), "bare"),
        Variant(
            "a",
            "cookiewarden (a) no Set-Cookie, no consent",
            apps["cw"],
            fixed(make("/plain", None)),
            "bare_plain",
        ),
        Variant(
            "b", "cookiewarden (b) 3 Set-Cookie, consent", apps["cw"], fixed(make("/", hot)), "bare"
        ),
        Variant(
            "c",
            "cookiewarden (c) 3 Set-Cookie, no consent",
            apps["cw"],
            fixed(make("/", no_consent)),
            "bare",
        ),
        Variant(
            "d",
            "cookiewarden (d) (b), 1,000 cookies + 100 globs",
            apps["cw_large"],
            fixed(make("/", hot)),
            "bare",
        ),
        Variant("e", "cookiewarden (e) (b), all cold", apps["cw"], cold, "bare_cold"),
    ]


def check_variant(interface: str, variant: Variant, loop: asyncio.AbstractEventLoop | None) -> None:
    """One request per variant outside the timed loop: it must answer 200 as expected."""
    captured: list[Any] = []
    request = variant.requests(0)[0]
    if interface == "asgi":
        assert loop is not None

        async def send(message: Any) -> None:
            captured.append(message)

        loop.run_until_complete(variant.app(dict(request), asgi_receive, send))
        status = captured[0]["status"]
        cookies = [v.decode() for k, v in captured[0]["headers"] if k.lower() == b"set-cookie"]
    else:

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            captured.append((status, headers))
            return wsgi_write

        result = variant.app(dict(request), start_response)
        list(result)
        getattr(result, "close", lambda: None)()
        status = int(captured[0][0].split()[0])
        cookies = [v for k, v in captured[0][1] if k.lower() == "set-cookie"]
    if status != 200:
        raise SystemExit(f"{interface} {variant.label}: status {status}")
    names = sorted(c.split("=", 1)[0] for c in cookies)
    expected = {
        "a": [],
        "b": ["_ga", "ads_id", "sessionid"],
        "c": ["_ga", "sessionid"],  # _ga here is the deletion of the refused cookie it sent
        "d": ["_ga", "ads_id", "sessionid"],
        "e": ["_ga", "ads_id", "sessionid"],
    }.get(variant.key)
    if expected is not None and names != expected:
        raise SystemExit(f"{interface} {variant.label}: unexpected Set-Cookie {cookies}")
