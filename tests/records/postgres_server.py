"""A throw-away PostgreSQL server for tests (a helper module, not a pytest conftest).

Rules:
1. The binaries are Debian's (``/usr/lib/postgresql/<version>/bin``, newest first) or on PATH.
2. The server listens on 127.0.0.1 on a free port, keeps its socket in its own temporary
   directory, and trusts local connections; it is tuned for speed, not durability.
3. As root, the server runs as the ``postgres`` user (PostgreSQL refuses to run as root).
4. :func:`find_bin_dir` returning ``None`` means "skip", except in CI (``CI=true``) where the
   caller must fail: CI installs the server with ``.ci/postgres.sh``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DATABASE = "cookiewarden_test"


def find_bin_dir() -> Path | None:
    """Return the directory holding ``initdb`` and ``pg_ctl``, or ``None``."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path))

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    if initdb := shutil.which("initdb"):
        candidates.append(str(Path(initdb).parent))
    for directory in map(Path, candidates):
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory; :meth:`stop` and :meth:`start` at will."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        # Not pytest's tmp_path: its parents are 0700 root, which the postgres user can't enter.
        self.root = Path(tempfile.mkdtemp(prefix="cookiewarden-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"
        self.running = False

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}\n{log}")

    def init(self) -> None:
        """Create the cluster and the test database, and start the server."""
        self._run(
            str(self.bin_dir / "initdb"),
            *("-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"),
            *("--locale", "C.UTF-8", "--no-sync"),
        )
        self.start()
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def start(self) -> None:
        """Start the server (waits until it accepts connections)."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.root}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            *("-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start"),
        )
        self.running = True

    def stop(self) -> None:
        """Stop the server, closing every client connection."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.running = False

    def destroy(self) -> None:
        """Stop the server if it runs, and delete its files."""
        try:
            if self.running:
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
