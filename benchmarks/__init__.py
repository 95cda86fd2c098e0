"""What cookiewarden costs per request, against the bare app and a peer, in one process.

Run from the repository root (only the ``test`` extra is needed)::

    python -m benchmarks                 # ASGI + WSGI table, exit 1 if a target is missed
    python -m benchmarks --rounds 400    # more rounds, steadier medians
    python -m benchmarks --quick         # a few rounds: does it run (targets not enforced)
    python -m benchmarks --json          # the same numbers as JSON
    python -m benchmarks --server        # uvicorn + a load generator, requests per second
    python -m benchmarks --memory        # 1,000,000 distinct cookies: memory stays flat
    python -m benchmarks --example       # the --server app in-process: µs per request

``python benchmarks/overhead.py`` is the same entry point, kept for old habits.

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

Modules: :mod:`.apps` (the policy, the token mint, the ASGI and WSGI apps, scopes and
environs), :mod:`.variants` (what each variant calls with what, and what it must answer),
:mod:`.inprocess` (the interleaved runner, the paired ratios, the table and JSON),
:mod:`.targets` (the targets and the exit code), :mod:`.server` (``--server``),
:mod:`.memory` (``--memory``), :mod:`.example` (``--example`` and the FastAPI example app the
server runs), :mod:`.__main__` (the one argument parser).

Timings never belong in unit tests: ``tests/test_benchmark_smoke.py`` only checks that
``--quick`` runs and prints the table.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The source tree and the repository root (for ``examples``), whether or not it is installed.
for _entry in (ROOT / "src", ROOT):
    if str(_entry) not in sys.path:
        sys.path.insert(0, str(_entry))
