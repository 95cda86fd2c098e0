"""What the browser tests share: an app under a real uvicorn in a thread, and how Chromium runs.

A helper module, not a conftest: import it by name (``from servers import serve``), as every
test directory's modules can (``tests/`` is on the path through its conftest).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import uvicorn

CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
"""Debian's Chromium, headless, as root, in a sandbox with no internet: without the
background-networking flags its own connections are refused, many at a time."""


@contextmanager
def serve(app: Any, **config: Any) -> Iterator[int]:
    """``app`` under uvicorn in a thread, on 127.0.0.1 and a free port (yielded)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, ws="none", log_level="warning", timeout_graceful_shutdown=2, **config)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
