"""``--server``: the FastAPI example under uvicorn, loaded by wrk or an asyncio client.

Contract: :func:`server_mode` starts the three servers of :data:`benchmarks.example.KINDS`,
each in its own subprocess (``python -m benchmarks --serve KIND``, on a free loopback port),
loads them in turn for ``--server-rounds`` runs, and checks
:data:`benchmarks.targets.SERVER`: cookiewarden's requests per second ÷ the bare server's,
the median of per-run ratios. Without ``wrk`` the load comes from :func:`load_client` in a
subprocess (``python -m benchmarks --client ...``).

Rules: the three servers run side by side for the whole measurement and take the load in turn,
in a new order every run, so a slow moment of the shared machine hits all three alike; every
server is stopped, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time

from . import ROOT
from .example import KINDS, example_app, example_cookie
from .inprocess import median
from .targets import SERVER, check, describe, exit_code

# How the children are started: this package as a module, from the repository root.
CHILD = [sys.executable, "-m", "benchmarks"]


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
        [*CHILD, "--serve", kind],
        stdout=subprocess.PIPE,
        cwd=ROOT,  # where ``-m benchmarks`` and ``examples`` are found
        text=True,
    )
    assert server.stdout is not None
    port = int(server.stdout.readline())
    _wait_for_port(port)
    return server, port


def _stop_server(server: subprocess.Popen[str]) -> None:
    """Terminate, then kill after 10 s."""
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
            *CHILD,
            "--client",
            str(port),
            str(args.requests),
            str(args.connections),
            cookie,
        ],
        capture_output=True,
        cwd=ROOT,  # where ``-m benchmarks`` is found
        text=True,
        check=True,
        timeout=600,
    ).stdout
    return float(out.strip().splitlines()[-1])


def _wait_for_port(port: int) -> None:
    """Until something listens on ``port`` on loopback (30 s at most)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"the server did not listen on port {port}")


def server_mode(args: argparse.Namespace) -> int:
    """The three servers, loaded in turn; exit 1 if :data:`SERVER` is missed (not with --quick)."""
    cookie = example_cookie()
    generator = "wrk" if shutil.which("wrk") and not args.python_client else "python"
    print(
        f"FastAPI example under uvicorn on 127.0.0.1, load from {generator} "
        f"({args.connections} connections, "
        + (f"{args.duration} s" if generator == "wrk" else f"{args.requests:,} requests")
        + " per run), "
        f"{args.server_rounds} interleaved runs, medians"
    )
    kinds = list(KINDS)
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
        kind: median([x / b for x, b in zip(rps[kind], rps["bare"], strict=True)]) for kind in kinds
    }
    print(f"{'variant':<36} {'req/s':>10} {'ratio':>7}")
    labels = {
        "bare": "bare FastAPI example",
        "wrapper": "with a send-wrapping middleware",
        "cookiewarden": "with cookiewarden",
    }
    for kind in kinds:
        print(f"{labels[kind]:<36} {median(rps[kind]):10.1f} {ratios[kind]:7.3f}")
    checked = check([SERVER], {SERVER.key: ratios["cookiewarden"]})
    met = bool(checked[0]["met"])
    print(describe(checked[0]) + (" (not enforced with --quick)" if args.quick else ""))
    if args.json:
        print(
            json.dumps(
                {
                    "generator": generator,
                    "rps": rps,
                    "ratios": ratios,
                    "met": met,
                    "targets": checked,
                }
            )
        )
    return exit_code(checked, enforce=not args.quick)
