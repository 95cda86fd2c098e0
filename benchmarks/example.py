"""The FastAPI example app ``--server`` runs, and ``--example``: the same app in-process.

Contract: :func:`example_app` builds ``examples/fastapi_app.py`` bare, behind the do-nothing
:class:`~benchmarks.apps.SendWrapper`, or with cookiewarden (``KINDS``);
:func:`example_cookie` is what every request to it carries (a session and a consent to
everything). :func:`example_mode` times the three in-process like the table's variants; it has
no target: it shows what the server ratio is made of without the server's noise.

Rules: the example reads its secret from the environment, so :func:`example_app` sets
``COOKIEWARDEN_SECRET`` and removes ``COOKIEWARDEN_CONSENT_LOG`` first (no consent records).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from typing import Any

from cookiewarden.rules.consent import choose
from cookiewarden.rules.consent_codec import ConsentCodec

from .apps import SECRET, SendWrapper, asgi_batch, asgi_scope
from .inprocess import median

KINDS = ("bare", "wrapper", "cookiewarden")


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
        app.add_middleware(SendWrapper)
    return app


def example_cookie() -> str:
    """What every request to the example carries: a session and a consent to everything."""
    from examples import fastapi_app

    policy = fastapi_app.POLICY
    codec = ConsentCodec(policy, [SECRET])
    consent = choose(policy, [], gpc=False, accept_all=True, method="banner", now=time.time())
    return f"sessionid=abc; cw_consent={codec.dumps(consent)}"


def example_mode(args: argparse.Namespace) -> int:
    """The ``--server`` app in-process: what cookiewarden adds to each request of the FastAPI
    example, without a server or a load generator to blur it. No target: this explains the
    server ratio (the example sets three never-seen cookie values on every response)."""
    apps = {kind: example_app(kind) for kind in KINDS}
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
        added = median([v - b for v, b in zip(samples[kind], bare, strict=True)])
        ratio = median([b / v for v, b in zip(samples[kind], bare, strict=True)])
        rows[kind] = {"us": median(samples[kind]), "added_us": added, "ratio": ratio}
        print(f"{kind:<32} {rows[kind]['us']:8.1f} {added:9.2f} {ratio:15.3f}")
    print("bare ÷ variant: the throughput ratio a server would see if nothing else cost anything")
    if args.json:
        print(json.dumps(rows))
    return 0
