"""The throw-away PostgreSQL server that the records tests share (``postgres_server.py``).

Skipped when no server binaries are found, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from postgres_server import PostgresServer, find_bin_dir


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL server for the whole session."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        reason = "no PostgreSQL server binaries (initdb, pg_ctl); run .ci/postgres.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    server = PostgresServer(bin_dir)
    try:
        server.init()
        yield server
    finally:
        server.destroy()
