"""What cookiewarden costs per request, against the bare app and a peer, in one process.

Run from the repository root (only the ``test`` extra is needed)::

    python benchmarks/overhead.py                 # ASGI + WSGI table, exit 1 if a target is missed
    python benchmarks/overhead.py --rounds 400    # more rounds, steadier medians
    python benchmarks/overhead.py --quick         # a few rounds: does it run (targets not enforced)
    python benchmarks/overhead.py --json          # the same numbers as JSON
    python benchmarks/overhead.py --server        # uvicorn + a load generator, requests per second
    python benchmarks/overhead.py --memory        # 1,000,000 distinct cookies: memory stays flat
    python benchmarks/overhead.py --example       # the --server app in-process: µs per request

Method (in-process mode): every variant is an app called directly, with a prebuilt ASGI scope
(trivial ``receive``/``send`` coroutines) or a prebuilt WSGI environ, so no HTTP client is
measured. Variants are interleaved round by round, in a shuffled order each round, each round
timing one short batch per variant; the table shows the median over rounds. Ratios are paired:
each round's variant is divided by the same round's bare app, and the median of those ratios is
shown, so a slow moment of a shared machine hits both sides of a ratio alike.

Variants, per interface:

- ``bare``: the app alone (an async Starlette route / a Flask view setting three cookies);
  ``bare, no cookies`` and ``bare, cold route`` are the same app on the routes (a) and (e) use.
- ``do-nothing wrapper`` (and ``send wrapper`` / ``start_response wrapper``): the floor.
- ``peer``: Starlette's ``SessionMiddleware`` verifying a valid session cookie; for WSGI a Flask
  view that reads and writes ``flask.session`` (``bare`` is the same view without the session).
- ``cookiewarden (a)``: no Set-Cookie, no consent cookie.
- ``cookiewarden (b)``: three Set-Cookie (necessary, performance, targeting), a valid consent.
- ``cookiewarden (c)``: (b) without the consent cookie (two cookies dropped, one cleared).
- ``cookiewarden (d)``: (b) under a policy of 1,000 declared cookies and 100 globs.
- ``cookiewarden (e)``: (b) where every request carries a different consent cookie and every
  cookie value differs (the cold path; tokens are minted before timing starts).

Timings never belong in unit tests: ``tests/test_benchmark_smoke.py`` only checks that
``--quick`` runs and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import itertools
import json
import os
import platform
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT / "src", ROOT):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from cookiewarden import CookieWarden, CookieWardenWSGI, Policy  # noqa: E402
from cookiewarden.engine.core import Engine  # noqa: E402
from cookiewarden.rules.consent import choose  # noqa: E402
from cookiewarden.rules.consent_codec import ConsentCodec  # noqa: E402

SECRET = "benchmark-secret-key-0123456789"
DAY = 86400
ALL = ["performance", "functionality", "targeting"]

# Targets: (key, description, limit). Ratios are medians of per-round paired ratios.
TARGETS: tuple[tuple[str, str, float], ...] = (
    ("asgi.b.vs_peer", "ASGI (b) added cost / SessionMiddleware's added cost", 0.20),
    ("asgi.a.ratio", "ASGI (a) / bare (no cookies)", 1.03),
    ("wsgi.b.vs_peer", "WSGI (b) added cost / Flask session's added cost", 0.20),
    ("asgi.d.vs_b", "ASGI (d) / (b)", 1.02),
    ("wsgi.d.vs_b", "WSGI (d) / (b)", 1.02),
    ("asgi.e.vs_peer", "ASGI (e) added cost / SessionMiddleware's added cost", 1.0),
    ("wsgi.e.vs_peer", "WSGI (e) added cost / Flask session's added cost", 1.0),
)


# -- the policy -----------------------------------------------------------------------------


def make_policy(*, large: bool = False) -> Policy:
    """Four categories and the three cookies the routes set; ``large``: 1,000 + 100 globs."""
    cookies: list[dict[str, Any]] = [
        {"name": "sessionid", "category": "necessary", "lifetime": "session"},
        {"name": "_ga", "category": "performance", "lifetime": "2y"},
        {"name": "ads_id", "category": "targeting", "lifetime": "400d"},
    ]
    if large:
        categories = ["necessary", "performance", "functionality", "targeting"]
        cookies += [
            {"name": f"declared_{i:04d}", "category": categories[i % 4], "lifetime": "30d"}
            for i in range(1000 - len(cookies))
        ]
        cookies += [
            {"name": f"glob_{i:03d}_*", "category": categories[i % 4], "lifetime": "30d"}
            for i in range(100)
        ]
    return Policy.from_dict(
        {
            "version": "bench-1",
            "max_age": "365d",
            "unknown": "block",
            "consent_max_age": "180d",
            "gpc_refuses": ["targeting"],
            "categories": {
                "necessary": {"label": "Necessary", "necessary": True},
                "performance": {"label": "Performance"},
                "functionality": {"label": "Functionality"},
                "targeting": {"label": "Targeting"},
            },
            "cookies": cookies,
        }
    )


class TokenMint:
    """Signs distinct, valid ``cw_consent`` values (before the timed loops)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.codec = ConsentCodec(policy, [SECRET])
        self.now = time.time()

    def __call__(self, n: int = 0, granted: Sequence[str] = ALL) -> str:
        consent = choose(
            self.policy,
            list(granted),
            gpc=False,
            accept_all=False,
            method="banner",
            now=self.now - 60 - n % 86400,
            consent_id=f"bench{n:011d}",
        )
        return self.codec.dumps(consent)


_COLD = itertools.count()


def cold_values() -> tuple[str, str, str]:
    """Values no earlier response used (the cold route)."""
    n = next(_COLD)
    return f"s{n:012d}", f"GA1.1.{n}.1790000000", f"a{n:012x}"


# -- ASGI -----------------------------------------------------------------------------------


def asgi_apps(policy: Policy, large_policy: Policy) -> dict[str, Any]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def cookies(request: Request) -> PlainTextResponse:
        response = PlainTextResponse("hello")
        response.set_cookie("sessionid", "s0123456789abcdef", httponly=True)
        response.set_cookie("_ga", "GA1.1.123456789.1790000000", max_age=730 * DAY)
        response.set_cookie("ads_id", "a0123456789abcdef", max_age=400 * DAY)
        return response

    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    async def cold(request: Request) -> PlainTextResponse:
        session, ga, ads = cold_values()
        response = PlainTextResponse("hello")
        response.set_cookie("sessionid", session, httponly=True)
        response.set_cookie("_ga", ga, max_age=730 * DAY)
        response.set_cookie("ads_id", ads, max_age=400 * DAY)
        return response

    routes = [Route("/", cookies), Route("/plain", plain), Route("/cold", cold)]

    class DoNothing:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.app(scope, receive, send)

    class SendWrapper:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def wrapped(message: Any) -> None:
                await send(message)

            await self.app(scope, receive, wrapped)

    def warden(p: Policy) -> Middleware:
        return Middleware(CookieWarden, policy=p, secret_keys=[SECRET], consent_log=None)

    return {
        "bare": Starlette(routes=routes),
        "wrapper": Starlette(routes=routes, middleware=[Middleware(DoNothing)]),
        "send": Starlette(routes=routes, middleware=[Middleware(SendWrapper)]),
        "peer": Starlette(
            routes=routes, middleware=[Middleware(SessionMiddleware, secret_key=SECRET)]
        ),
        "cw": Starlette(routes=routes, middleware=[warden(policy)]),
        "cw_large": Starlette(routes=routes, middleware=[warden(large_policy)]),
    }


def asgi_scope(path: str, cookie: str | None) -> dict[str, Any]:
    headers = [
        (b"host", b"www.example.com"),
        (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) benchmark"),
        (b"accept", b"text/html,application/xhtml+xml"),
        (b"accept-language", b"en-GB,en;q=0.9"),
    ]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("www.example.com", 443),
    }


def session_cookie_asgi() -> str:
    """A valid Starlette session cookie, signed as SessionMiddleware signs it."""
    from base64 import b64encode

    import itsdangerous

    data = b64encode(json.dumps({"user": "alice", "cart": [1, 2, 3]}).encode())
    return itsdangerous.TimestampSigner(SECRET).sign(data).decode()


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


async def asgi_batch(app: Any, scopes: Sequence[dict[str, Any]]) -> int:
    receive, send, clock = _receive, _send, time.perf_counter_ns
    start = clock()
    for scope in scopes:
        await app(scope.copy(), receive, send)
    return clock() - start


# -- WSGI -----------------------------------------------------------------------------------


def wsgi_apps(policy: Policy, large_policy: Policy) -> tuple[dict[str, Any], Any]:
    from flask import Flask, Response, session

    flask_app = Flask("benchmark")
    flask_app.secret_key = SECRET

    @flask_app.get("/")
    def cookies() -> Response:
        response = Response("hello", mimetype="text/plain")
        response.set_cookie("sessionid", "s0123456789abcdef", httponly=True)
        response.set_cookie("_ga", "GA1.1.123456789.1790000000", max_age=730 * DAY)
        response.set_cookie("ads_id", "a0123456789abcdef", max_age=400 * DAY)
        return response

    @flask_app.get("/plain")
    def plain() -> Response:
        return Response("hello", mimetype="text/plain")

    @flask_app.get("/cold")
    def cold() -> Response:
        session_id, ga, ads = cold_values()
        response = Response("hello", mimetype="text/plain")
        response.set_cookie("sessionid", session_id, httponly=True)
        response.set_cookie("_ga", ga, max_age=730 * DAY)
        response.set_cookie("ads_id", ads, max_age=400 * DAY)
        return response

    @flask_app.get("/peer")
    def peer() -> Response:
        # The peer: the same view, reading and writing the signed Flask session.
        session["visits"] = session.get("visits", 0) + 1
        return cookies()

    wsgi = flask_app.wsgi_app

    def do_nothing(environ: Any, start_response: Any) -> Any:
        return wsgi(environ, start_response)

    def start_wrapper(environ: Any, start_response: Any) -> Any:
        def wrapped(status: str, headers: Any, exc_info: Any = None) -> Any:
            return start_response(status, headers, exc_info)

        return wsgi(environ, wrapped)

    def warden(p: Policy) -> CookieWardenWSGI:
        return CookieWardenWSGI(wsgi, policy=p, secret_keys=[SECRET], consent_log=None)

    apps = {
        "bare": wsgi,
        "wrapper": do_nothing,
        "send": start_wrapper,
        "peer": wsgi,
        "cw": warden(policy),
        "cw_large": warden(large_policy),
    }
    return apps, flask_app


def wsgi_environ(path: str, cookie: str | None) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "www.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "www.example.com",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) benchmark",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
    return _write


def _write(data: bytes) -> None:
    return None


def wsgi_batch(app: Any, environs: Sequence[dict[str, Any]]) -> int:
    start_response, clock = _start_response, time.perf_counter_ns
    start = clock()
    for environ in environs:
        result = app(environ.copy(), start_response)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return clock() - start


# -- the in-process run ---------------------------------------------------------------------


@dataclass
class Variant:
    key: str  # "bare", "a", "b", ...
    label: str
    app: Any
    requests: Callable[[int], Sequence[Any]]  # round number -> one batch of scopes/environs
    baseline: str  # the variant whose route it shares ("bare", "bare_plain", "bare_cold")
    samples: list[float] = field(default_factory=list)  # µs per request, one per round


def build_variants(interface: str, rounds: int, batch: int) -> list[Variant]:
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


def run_interface(interface: str, rounds: int, batch: int, warmup: int) -> dict[str, Any]:
    variants = build_variants(interface, rounds + warmup, batch)
    loop = asyncio.new_event_loop() if interface == "asgi" else None

    def time_batch(variant: Variant, round_number: int) -> float:
        requests = variant.requests(round_number)
        if loop is not None:
            elapsed = loop.run_until_complete(asgi_batch(variant.app, requests))
        else:
            elapsed = wsgi_batch(variant.app, requests)
        return elapsed / len(requests) / 1000.0

    # Check each variant answers as expected before timing anything.
    for variant in variants:
        check_variant(interface, variant, loop)

    gc.collect()
    gc.freeze()  # setup objects (tokens, scopes) are never scanned by the timed collections
    order = list(variants)
    rng = random.Random(12345)
    try:
        for round_number in range(rounds + warmup):
            rng.shuffle(order)
            for variant in order:
                per_request = time_batch(variant, round_number)
                if round_number >= warmup:
                    variant.samples.append(per_request)
    finally:
        gc.unfreeze()
        if loop is not None:
            loop.close()
    return summarise(variants)


def check_variant(interface: str, variant: Variant, loop: asyncio.AbstractEventLoop | None) -> None:
    """One request per variant outside the timed loop: it must answer 200 as expected."""
    captured: list[Any] = []
    request = variant.requests(0)[0]
    if interface == "asgi":
        assert loop is not None

        async def send(message: Any) -> None:
            captured.append(message)

        loop.run_until_complete(variant.app(dict(request), _receive, send))
        status = captured[0]["status"]
        cookies = [v.decode() for k, v in captured[0]["headers"] if k.lower() == b"set-cookie"]
    else:

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            captured.append((status, headers))
            return _write

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


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(variants: list[Variant]) -> dict[str, Any]:
    by_key = {v.key: v for v in variants}
    peer, bare = by_key["peer"].samples, by_key["bare"].samples
    peer_added = [p - b for p, b in zip(peer, bare, strict=True)]
    rows = []
    for v in variants:
        base = by_key[v.baseline].samples
        ratio = [s / b for s, b in zip(v.samples, base, strict=True)]
        added = [s - b for s, b in zip(v.samples, base, strict=True)]
        row: dict[str, Any] = {
            "key": v.key,
            "label": v.label,
            "baseline": v.baseline,
            "us": _median(v.samples),
            "ratio": _median(ratio),
            "added_us": _median(added),
        }
        if v.key not in ("bare", "bare_plain", "bare_cold"):
            row["vs_peer"] = _median(
                [a / p if p > 0 else float("inf") for a, p in zip(added, peer_added, strict=True)]
            )
        rows.append(row)
    d, b = by_key["d"].samples, by_key["b"].samples
    return {
        "rows": rows,
        "d_vs_b": _median([x / y for x, y in zip(d, b, strict=True)]),
        "rounds": len(bare),
    }


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    values: dict[str, float] = {}
    for interface in ("asgi", "wsgi"):
        if interface not in results:
            continue
        rows = {r["key"]: r for r in results[interface]["rows"]}
        values[f"{interface}.a.ratio"] = rows["a"]["ratio"]
        values[f"{interface}.b.vs_peer"] = rows["b"]["vs_peer"]
        values[f"{interface}.e.vs_peer"] = rows["e"]["vs_peer"]
        values[f"{interface}.d.vs_b"] = results[interface]["d_vs_b"]
    out = []
    for key, description, limit in TARGETS:
        if key in values:
            value = values[key]
            out.append(
                {
                    "key": key,
                    "target": description,
                    "limit": limit,
                    "value": value,
                    "met": value <= limit,
                }
            )
    return out


def print_table(results: dict[str, Any], targets: list[dict[str, Any]], enforce: bool) -> None:
    info = results["machine"]
    print(
        f"cookiewarden overhead — {info['nproc']} CPU(s), {info['cpu']}, "
        f"{info['implementation']} {info['python']}; {results['rounds']} rounds x "
        f"{results['batch']} requests per variant, medians"
    )
    for interface, title in (("asgi", "ASGI (Starlette)"), ("wsgi", "WSGI (Flask)")):
        if interface not in results:
            continue
        print()
        print(f"{title}")
        print(f"{'variant':<48} {'µs/req':>8} {'x bare':>7} {'added µs':>9} {'÷ peer':>7}")
        for row in results[interface]["rows"]:
            vs_peer = f"{row['vs_peer']:7.2f}" if "vs_peer" in row else f"{'':>7}"
            base = "" if row["baseline"] == "bare" or row["key"] == row["baseline"] else "*"
            print(
                f"{row['label'] + base:<48} {row['us']:8.2f} {row['ratio']:7.3f} "
                f"{row['added_us']:9.2f} {vs_peer}"
            )
        print(f"{'(d) ÷ (b)':<48} {'':>8} {results[interface]['d_vs_b']:7.3f}")
    print()
    print("* against the bare app on the same route (no cookies / cold route).")
    print("÷ peer: cookiewarden's added µs ÷ the peer's added µs (median of per-round ratios).")
    print()
    print("Targets" + ("" if enforce else " (not enforced with --quick)"))
    for t in targets:
        mark = "met   " if t["met"] else "MISSED"
        print(f"  {mark} {t['target']}: {t['value']:.3f} (target ≤ {t['limit']:.2f})")


def in_process(args: argparse.Namespace) -> int:
    results: dict[str, Any] = {"machine": machine(), "rounds": args.rounds, "batch": args.batch}
    for interface in ("asgi", "wsgi"):
        if args.only in (None, interface):
            results[interface] = run_interface(interface, args.rounds, args.batch, args.warmup)
    targets = check_targets(results)
    enforce = not args.quick
    results["targets"] = targets
    results["command"] = "python " + " ".join(
        [os.path.relpath(__file__, ROOT) if Path.cwd() == ROOT else __file__, *sys.argv[1:]]
    )
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results, targets, enforce)
    if enforce and not all(t["met"] for t in targets):
        return 1
    return 0


# -- --memory -------------------------------------------------------------------------------


def _rss_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def _cache_sizes(engine: Engine) -> dict[str, int]:
    """Entries in each of the engine's caches (private attributes: this is a benchmark)."""
    names = (
        "_verified",
        "_requests",
        "_judged",
        "_judged_raw",
        "_shapes",
        "_raw_shapes",
        "_responses",
        "_seen_responses",
        "_header_lists",
        "_facts",
        "_plans",
    )
    owners = {
        name: next(o for o in (engine.judge, engine.reader, engine) if hasattr(o, name))
        for name in names
    }
    return {name.lstrip("_"): len(getattr(owners[name], name)) for name in names}


def memory(args: argparse.Namespace) -> int:
    """Push ``--count`` distinct consent cookies and 3 x ``--count`` distinct Set-Cookie values
    through one engine (the str path WSGI uses, the raw values and the whole header lists ASGI
    uses, and a distinct path per request); print the memory in use as it goes. Bounded caches
    keep it flat.
    """
    import tracemalloc

    policy = make_policy()
    mint = TokenMint(policy)
    engine = Engine(policy, [SECRET], consent_log=None)
    count = args.count
    checkpoints = {count // 10, count // 4, count // 2, 3 * count // 4, count}
    print(
        f"pushing {count:,} requests through one engine, each with a distinct consent cookie, "
        f"Cookie header, path and three distinct Set-Cookie values (one of a distinct shape)"
    )

    def one(n: int) -> None:
        facts = engine.facts("www.example.com", "https", f"/item/{n}")
        cookie = f"sessionid=s{n}; _ga=GA1.1.{n}.1; cw_consent={mint(n)}"
        if n % 3:  # as the ASGI adapter begins: raw values, one lookup (fills _plans too)
            raw_cookie = cookie.encode()
            exchange = engine.begin_request(b"www.example.com", "https", facts.path, raw_cookie)
        else:
            exchange = engine.begin(facts, cookie)
        values = [
            f"sessionid=s{n}; HttpOnly; Path=/{n}; SameSite=lax",  # a new shape, too
            f"_ga=GA1.1.{n}.1; Max-Age={730 * DAY}; Path=/",
            f"ads_id=a{n}; Max-Age={400 * DAY}; Path=/; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
        ]
        if n % 3 == 1:
            exchange.response_headers_raw([v.encode() for v in values])
        elif n % 3 == 2:
            # A whole ASGI header list, as the adapter hands it over, three times: from the
            # third on, it is kept whole (and fills that cache too).
            headers = [(b"content-type", b"text/html"), (b"x-request-id", str(n).encode())]
            headers += [(b"set-cookie", v.encode()) for v in values[:2]]
            for again in range(3):
                if again:
                    exchange = engine.begin_request(
                        b"www.example.com", "https", facts.path, raw_cookie
                    )
                exchange.rewrite_raw_headers(headers)
        else:
            exchange.response_headers(values)

    warm = min(20_000, count)
    for n in range(warm):  # every cache fills (and is emptied) at least once before measuring
        one(n)
    gc.collect()
    if args.tracemalloc:
        tracemalloc.start()
    rss_before = _rss_kib()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"after the {warm:,}-request warm-up: RSS {rss_before / 1024:7.1f} MiB, "
        f"max RSS {peak_before / 1024:7.1f} MiB, caches {_cache_sizes(engine)}"
    )
    start = time.perf_counter()
    report: list[dict[str, Any]] = []
    for n in range(warm, warm + count):
        one(n)
        done = n - warm + 1
        if done in checkpoints:
            gc.collect()
            rss = _rss_kib()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            line = f"after {done:>9,}: RSS {rss / 1024:7.1f} MiB, max RSS {peak / 1024:7.1f} MiB"
            entry: dict[str, Any] = {"requests": done, "rss_kib": rss, "max_rss_kib": peak}
            if args.tracemalloc:
                traced, traced_peak = tracemalloc.get_traced_memory()
                line += (
                    f", allocated since warm-up {traced / 2**20:6.1f} MiB"
                    f" (peak {traced_peak / 2**20:6.1f} MiB)"
                )
                entry["traced_bytes"] = traced
            line += f", {(time.perf_counter() - start) / done * 1e6:6.1f} µs per request"
            print(line, flush=True)
            report.append(entry)
    if args.tracemalloc:
        # tracemalloc's own record of every live block grows the RSS until the first
        # checkpoint; from there on, growth is the program's.
        rss_before, peak_before = report[0]["rss_kib"], report[0]["max_rss_kib"]
        since = f"the first checkpoint ({report[0]['requests']:,})"
    else:
        since = "the warm-up"
    growth = (report[-1]["rss_kib"] - rss_before) / 1024
    peak_growth = (report[-1]["max_rss_kib"] - peak_before) / 1024
    print(
        f"RSS growth since {since}, over {count:,} distinct requests: {growth:+.1f} MiB "
        f"(max RSS {peak_growth:+.1f} MiB); caches {_cache_sizes(engine)}"
    )
    if args.json:
        print(json.dumps({"count": count, "rss_before_kib": rss_before, "report": report}))
    limit = args.memory_limit_mib
    if growth > limit or peak_growth > limit:
        print(f"MISSED: memory grew by more than {limit} MiB")
        return 1
    print(f"met: memory grew by at most {limit} MiB")
    return 0


# -- --server -------------------------------------------------------------------------------


def example_app(kind: str) -> Any:
    """The FastAPI example: bare, with a send-wrapping middleware, or with cookiewarden."""
    os.environ["COOKIEWARDEN_SECRET"] = SECRET
    os.environ.pop("COOKIEWARDEN_CONSENT_LOG", None)
    from examples import fastapi_app

    if kind == "cookiewarden":
        return fastapi_app.create_app(consent_log=None)
    from fastapi import FastAPI

    app = FastAPI(title="bare")
    app.include_router(fastapi_app.router)
    if kind == "wrapper":  # the floor: a pure ASGI middleware that wraps send, nothing else

        class SendWrapper:
            def __init__(self, app: Any) -> None:
                self.app = app

            async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
                async def wrapped(message: Any) -> None:
                    await send(message)

                await self.app(scope, receive, wrapped)

        app.add_middleware(SendWrapper)
    return app


def example_cookie() -> str:
    """What every request to the example carries: a session and a consent to everything."""
    from examples import fastapi_app

    policy = fastapi_app.POLICY
    codec = ConsentCodec(policy, [SECRET])
    consent = choose(policy, [], gpc=False, accept_all=True, method="banner", now=time.time())
    return f"sessionid=abc; cw_consent={codec.dumps(consent)}"


def serve(kind: str) -> None:
    """Child process: the FastAPI example under uvicorn, on a free loopback port."""
    import uvicorn

    app = example_app(kind)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it, loopback requests wait on delayed ACKs
    # (about 40 ms each), and both variants would measure nothing but that.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def load_client(port: int, requests: int, connections: int, cookie: str) -> None:
    """Child process: keep-alive HTTP/1.1 over asyncio streams; prints requests per second."""

    async def worker(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        raw = (f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n").encode()
        for _ in range(n):
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"unexpected response {head[:40]!r}")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
        writer.close()

    async def main() -> float:
        per = requests // connections
        await worker(10)  # warm-up
        start = time.perf_counter()
        await asyncio.gather(*(worker(per) for _ in range(connections)))
        return per * connections / (time.perf_counter() - start)

    print(f"{asyncio.run(main()):.1f}", flush=True)


def _start_server(kind: str) -> tuple[subprocess.Popen[str], int]:
    """The FastAPI example of ``kind`` under uvicorn in a subprocess, and its port."""
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    assert server.stdout is not None
    port = int(server.stdout.readline())
    _wait_for_port(port)
    return server, port


def _stop_server(server: subprocess.Popen[str]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _load(port: int, args: argparse.Namespace, cookie: str, generator: str, seconds: int) -> float:
    """Requests per second one load run gets from the server on ``port``."""
    if generator == "wrk":
        # wrk runs for a fixed time, which bounds the number of requests it sends.
        command = ["wrk", "-t1", f"-c{args.connections}", "-H", f"Cookie: {cookie}"]
        out = subprocess.run(
            [*command, f"-d{seconds}s", f"http://127.0.0.1:{port}/"],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
        if "Non-2xx" in out or "Socket errors" in out:
            raise SystemExit(f"wrk saw failed requests:\n{out}")
        for line in out.splitlines():
            if line.startswith("Requests/sec:"):
                return float(line.split()[1])
        raise SystemExit(f"wrk printed no Requests/sec:\n{out}")
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--client",
            str(port),
            str(args.requests),
            str(args.connections),
            cookie,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    return float(out.strip().splitlines()[-1])


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"the server did not listen on port {port}")


def server_mode(args: argparse.Namespace) -> int:
    cookie = example_cookie()
    generator = "wrk" if shutil.which("wrk") and not args.python_client else "python"
    print(
        f"FastAPI example under uvicorn on 127.0.0.1, load from {generator} "
        f"({args.connections} connections, "
        + (f"{args.duration} s" if generator == "wrk" else f"{args.requests:,} requests")
        + " per run), "
        f"{args.server_rounds} interleaved runs, medians"
    )
    kinds = ["bare", "wrapper", "cookiewarden"]
    rps: dict[str, list[float]] = {kind: [] for kind in kinds}
    # The three servers run side by side for the whole measurement and take the load in turn,
    # in a new order every run: a slow moment of the shared machine hits all three alike.
    servers = {kind: _start_server(kind) for kind in kinds}
    try:
        for _server, port in servers.values():  # warm-up, untimed
            _load(port, args, cookie, generator, 1)
        for run in range(args.server_rounds):
            for kind in kinds[run % 3 :] + kinds[: run % 3]:
                rps[kind].append(_load(servers[kind][1], args, cookie, generator, args.duration))
            print(f"  run {run + 1}: " + ", ".join(f"{k} {rps[k][-1]:8.1f} req/s" for k in kinds))
    finally:
        for server, _port in servers.values():
            _stop_server(server)
    ratios = {
        kind: _median([x / b for x, b in zip(rps[kind], rps["bare"], strict=True)])
        for kind in kinds
    }
    print(f"{'variant':<36} {'req/s':>10} {'ratio':>7}")
    labels = {
        "bare": "bare FastAPI example",
        "wrapper": "with a send-wrapping middleware",
        "cookiewarden": "with cookiewarden",
    }
    for kind in kinds:
        print(f"{labels[kind]:<36} {_median(rps[kind]):10.1f} {ratios[kind]:7.3f}")
    ratio = ratios["cookiewarden"]
    met = ratio >= 0.97
    print(
        f"{'met   ' if met else 'MISSED'} cookiewarden ÷ bare requests per second: "
        f"{ratio:.3f} (target ≥ 0.97)"
    )
    if args.json:
        print(json.dumps({"generator": generator, "rps": rps, "ratios": ratios, "met": met}))
    return 0 if met or args.quick else 1


def example_mode(args: argparse.Namespace) -> int:
    """The ``--server`` app in-process: what cookiewarden adds to each request of the FastAPI
    example, without a server or a load generator to blur it. No target: this explains the
    server ratio (the example sets three never-seen cookie values on every response)."""
    apps = {kind: example_app(kind) for kind in ("bare", "wrapper", "cookiewarden")}
    scope = asgi_scope("/", example_cookie())
    scope["scheme"] = "http"
    batch = [scope] * args.batch
    samples: dict[str, list[float]] = {kind: [] for kind in apps}
    loop = asyncio.new_event_loop()
    order = list(apps)
    rng = random.Random(12345)
    try:
        for round_number in range(args.rounds + args.warmup):
            rng.shuffle(order)
            for kind in order:
                elapsed = loop.run_until_complete(asgi_batch(apps[kind], batch))
                if round_number >= args.warmup:
                    samples[kind].append(elapsed / len(batch) / 1000.0)
    finally:
        loop.close()
    bare = samples["bare"]
    print(
        f"FastAPI example in-process (its sync route runs in a threadpool), {args.rounds} rounds"
        f" x {args.batch} requests per variant, medians"
    )
    print(f"{'variant':<32} {'µs/req':>8} {'added µs':>9} {'bare ÷ variant':>15}")
    rows = {}
    for kind in apps:
        added = _median([v - b for v, b in zip(samples[kind], bare, strict=True)])
        ratio = _median([b / v for v, b in zip(samples[kind], bare, strict=True)])
        rows[kind] = {"us": _median(samples[kind]), "added_us": added, "ratio": ratio}
        print(f"{kind:<32} {rows[kind]['us']:8.1f} {added:9.2f} {ratio:15.3f}")
    print("bare ÷ variant: the throughput ratio a server would see if nothing else cost anything")
    if args.json:
        print(json.dumps(rows))
    return 0


# -- entry point ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=300, help="timed rounds (default 300)")
    parser.add_argument("--batch", type=int, default=40, help="requests per variant per round")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds first")
    parser.add_argument("--quick", action="store_true", help="a few rounds; targets not enforced")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--only", choices=("asgi", "wsgi"), help="one interface only")
    parser.add_argument("--server", action="store_true", help="uvicorn + load generator mode")
    parser.add_argument("--requests", type=int, default=40_000, help="--server: per run")
    parser.add_argument("--connections", type=int, default=16, help="--server: connections")
    parser.add_argument("--duration", type=int, default=2, help="--server: seconds per wrk run")
    parser.add_argument("--server-rounds", type=int, default=15, help="--server: runs per variant")
    parser.add_argument("--python-client", action="store_true", help="--server: not wrk")
    parser.add_argument("--example", action="store_true", help="the --server app, in-process")
    parser.add_argument("--memory", action="store_true", help="1,000,000 distinct cookies")
    parser.add_argument("--count", type=int, default=1_000_000, help="--memory: requests")
    parser.add_argument("--memory-limit-mib", type=float, default=16.0, help="--memory: bound")
    parser.add_argument("--tracemalloc", action="store_true", help="--memory: trace (slower)")
    parser.add_argument(
        "--serve", choices=("bare", "wrapper", "cookiewarden"), help=argparse.SUPPRESS
    )
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    if args.client:
        port, requests, connections, cookie = args.client
        load_client(int(port), int(requests), int(connections), cookie)
        return 0
    if args.quick:
        args.rounds, args.batch, args.warmup = min(args.rounds, 5), min(args.batch, 10), 1
        args.requests, args.server_rounds, args.count = 2_000, 1, min(args.count, 20_000)
        args.duration = 1
    if args.server:
        return server_mode(args)
    if args.memory:
        return memory(args)
    if args.example:
        return example_mode(args)
    return in_process(args)


if __name__ == "__main__":
    sys.exit(main())
