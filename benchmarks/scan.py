"""How long ``cookiewarden scan`` takes: ``python -m benchmarks.scan [--runs 5] [--wait 2]``.

Serves the FastAPI example with uvicorn (``uvicorn examples.fastapi_app:app``, a subprocess on
a free loopback port) and times the whole command, as CI runs it, once per run:
``cookiewarden scan URL --policy examples/policy.toml`` — one page, the default three states
(none, reject, accept) in parallel contexts, the default ``--wait`` unless told otherwise.
Each time includes the command's start, Chromium's start and its exit. Exit 1 when a run takes
:data:`TARGET` seconds or more.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 15.0
"""Seconds a three-state scan of one page must stay under, browser start included."""


def _serve() -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOKIEWARDEN_")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "examples.fastapi_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert server.stderr is not None
    found: list[str] = []
    started = threading.Event()

    def drain() -> None:
        for line in server.stderr or ():
            if not found and (match := re.search(r"Uvicorn running on (http://\S+)", line)):
                found.append(match.group(1))
                started.set()
        started.set()

    threading.Thread(target=drain, daemon=True).start()
    if not started.wait(30) or not found:
        server.terminate()
        raise SystemExit("uvicorn did not start")
    return server, found[0] + "/"


def main(argv: Sequence[str] | None = None) -> int:
    """Time the scans and print one line each, then the median; 1 when a run misses."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scan", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="scans to time (default 5)")
    parser.add_argument("--wait", default="2", help="the scan's --wait (default 2, its own)")
    args = parser.parse_args(argv)
    cli = shutil.which("cookiewarden", path=str(Path(sys.executable).parent)) or "cookiewarden"
    server, url = _serve()
    times = []
    try:
        for i in range(1, args.runs + 1):
            started = time.perf_counter()
            result = subprocess.run(
                [
                    cli,
                    "scan",
                    url,
                    "--policy",
                    str(ROOT / "examples" / "policy.toml"),
                    "--wait",
                    args.wait,
                    "--format",
                    "json",
                    "--output",
                    os.devnull,
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
            took = time.perf_counter() - started
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                return 1
            times.append(took)
            print(f"run {i}: {took:5.2f} s")
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s"
        f" (target: under {TARGET:g} s)"
    )
    return 0 if max(times) < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
