"""The one entry point: ``python -m benchmarks [options]``, from the repository root.

Contract: :func:`main` parses the options and runs one mode: the in-process table (the
default, :mod:`.inprocess`), ``--server`` (:mod:`.server`), ``--memory`` (:mod:`.memory`),
``--example`` (:mod:`.example`) or ``--guard`` (:mod:`.guard`, in Chromium), and returns its
exit code (:mod:`.targets`: 0 only when every target is met; ``--quick`` never enforces).
``--serve`` and ``--client`` are the server mode's children, not for people.
``benchmarks/overhead.py`` calls the same :func:`main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __doc__ as OVERVIEW
from .example import KINDS, example_mode
from .guard import guard_mode
from .inprocess import in_process
from .memory import memory_mode
from .server import load_client, serve, server_mode


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the command line), run one mode, return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=OVERVIEW.split("\n\n")[0] if OVERVIEW else None
    )
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
    parser.add_argument("--guard", action="store_true", help="document.cookie through the guard")
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
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
        return memory_mode(args)
    if args.example:
        return example_mode(args)
    if args.guard:
        return guard_mode(args)
    return in_process(args)


if __name__ == "__main__":
    sys.exit(main())
