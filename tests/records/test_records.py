"""Tests for cookiewarden.records: the record and the hash (``record``), the sink interface and
``open_sink`` (``sink``), SQLite (``sqlite``) and PostgreSQL (``postgres``, ``outbox``).

Every sink is held to one contract, :class:`RecordSinkContract`, which :class:`TestSQLiteSink`
and :class:`TestPostgresSink` inherit. The PostgreSQL tests run a throw-away server
(``postgres_server.py``); they are skipped when no server binaries are found, except in CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres_server import PostgresServer, free_port

from cookiewarden.errors import ConfigurationError, CookieWardenError
from cookiewarden.records.record import TABLE, ConsentRecord, RecordError, subject_hash
from cookiewarden.records.sink import RecordSink, awrite, open_sink
from cookiewarden.records.sqlite import SQLiteSink

SALT = b"0123456789abcdef0123456789abcdef"
IP = "198.51.100.23"
UA = "Mozilla/5.0 (X11; CookieWarden-Test-Agent) zoe/1.0"
SQLISH = "x'); DROP TABLE records;--"
UNICODE = "zoë 漢字"
T0 = 1_700_000_000.0


def make(
    consent_id: str = "c-1",
    at: float = T0,
    *,
    granted: tuple[str, ...] = ("necessary", "performance"),
    refused: tuple[str, ...] = ("targeting",),
    method: Any = "banner",
    version: str = "2026-11-01",
    ip: str | None = "203.0.113.7",
    ua: str | None = "Mozilla/5.0",
) -> ConsentRecord:
    return ConsentRecord(
        consent_id=consent_id,
        recorded_at=at,
        policy_version=version,
        granted=granted,
        refused=refused,
        method=method,
        subject_hash=subject_hash(ip, ua, salt=SALT),
    )


# -- ConsentRecord ---------------------------------------------------------------------------


def test_record_normalises_categories_and_time() -> None:
    record = make(at=1_700_000_000, granted=("performance", "necessary", "performance"))
    assert record.granted == ("necessary", "performance")
    assert record.recorded_at == 1_700_000_000.0
    assert isinstance(record.recorded_at, float)


def test_record_ids_are_unique_uuid4_hex() -> None:
    ids = {make().record_id for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_record_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make().consent_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"consent_id": ""}, "consent_id", id="empty-consent-id"),
        pytest.param({"consent_id": "a\x00b"}, "consent_id", id="nul"),
        pytest.param({"policy_version": "v\ud800"}, "policy_version", id="lone-surrogate"),
        pytest.param({"recorded_at": float("nan")}, "recorded_at", id="nan"),
        pytest.param({"recorded_at": float("inf")}, "recorded_at", id="inf"),
        pytest.param({"recorded_at": -1.0}, "recorded_at", id="before-1970"),
        pytest.param({"recorded_at": True}, "recorded_at", id="bool-time"),
        pytest.param({"recorded_at": "1700000000"}, "recorded_at", id="text-time"),
        pytest.param({"granted": "performance"}, "granted", id="bare-string-categories"),
        pytest.param({"granted": ("",)}, "granted", id="empty-category"),
        pytest.param({"refused": ("necessary",)}, "refused", id="granted-and-refused"),
        pytest.param({"method": "email"}, "method", id="unknown-method"),
        pytest.param({"subject_hash": IP}, "subject_hash", id="raw-ip-as-hash"),
        pytest.param({"subject_hash": "A" * 64}, "subject_hash", id="uppercase-hash"),
        pytest.param({"record_id": "not-a-uuid"}, "record_id", id="bad-record-id"),
    ],
)
def test_invalid_record_raises_record_error(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(RecordError) as info:
        dataclasses.replace(make(), **changes)
    assert info.value.field == field
    assert isinstance(info.value, CookieWardenError)
    assert isinstance(info.value, ValueError)


def test_record_round_trips_through_json() -> None:
    record = make(SQLISH, granted=(UNICODE, "necessary"), version=UNICODE, method="gpc")
    data = json.loads(json.dumps(record.to_dict()))
    assert ConsentRecord.from_dict(data) == record
    assert ConsentRecord.from_dict(json.loads(record.to_json())) == record
    assert data["granted"] == ["necessary", UNICODE]


def test_from_dict_without_record_id_makes_one() -> None:
    data = make().to_dict()
    del data["record_id"]
    assert len(ConsentRecord.from_dict(data).record_id) == 32


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        pytest.param(lambda d: d.pop("method"), "method", id="missing"),
        pytest.param(lambda d: d.update(ip=IP), "ip", id="unknown"),
        pytest.param(lambda d: d.update(granted=["a", None]), "granted", id="bad-value"),
    ],
)
def test_from_dict_rejects_bad_data(mutate: Any, field: str) -> None:
    data = make().to_dict()
    mutate(data)
    with pytest.raises(RecordError) as info:
        ConsentRecord.from_dict(data)
    assert info.value.field == field


# -- subject_hash ----------------------------------------------------------------------------


def test_subject_hash_is_keyed_hmac_sha256_with_length_prefixes() -> None:
    # Pinned: changing the format would unlink every stored record from new ones.
    expected = hmac.new(SALT, b"11:203.0.113.71:x", hashlib.sha256).hexdigest()
    assert subject_hash("203.0.113.7", "x", salt=SALT) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param((IP, UA), (IP, UA), True, id="deterministic"),
        pytest.param((None, None), ("", ""), True, id="none-is-empty"),
        pytest.param((" 2001:DB8::0:1 ", UA), ("2001:db8::1", UA), True, id="ipv6-canonical"),
        pytest.param((IP, UA), ("198.51.100.24", UA), False, id="other-ip"),
        pytest.param((IP, UA), (IP, UA + " "), False, id="other-agent"),
        pytest.param(("1.2.3.4", "x"), ("1.2.3.4x", ""), False, id="no-boundary-collision"),
        pytest.param((IP, None), (None, IP), False, id="fields-not-swappable"),
    ],
)
def test_subject_hash_identity(
    a: tuple[str | None, str | None], b: tuple[str | None, str | None], same: bool
) -> None:
    assert (subject_hash(*a, salt=SALT) == subject_hash(*b, salt=SALT)) is same


def test_subject_hash_depends_on_salt_and_hides_inputs() -> None:
    digest = subject_hash(IP, UA, salt=SALT)
    assert digest != subject_hash(IP, UA, salt=SALT[::-1])
    assert len(digest) == 64 and IP not in digest
    assert digest != hashlib.sha256(f"{IP}{UA}".encode()).hexdigest()


def test_subject_hash_needs_a_salt() -> None:
    with pytest.raises(RecordError) as info:
        subject_hash(IP, UA, salt=b"")
    assert info.value.field == "salt"


# -- awrite ----------------------------------------------------------------------------------


class SlowSink:
    """A sink whose write takes a while (a slow disk)."""

    def __init__(self, delay: float, error: Exception | None = None) -> None:
        self.delay, self.error = delay, error
        self.written: list[ConsentRecord] = []

    def write(self, record: ConsentRecord) -> None:
        time.sleep(self.delay)
        if self.error:
            raise self.error
        self.written.append(record)

    def get(self, consent_id: str) -> list[ConsentRecord]:
        return [r for r in self.written if r.consent_id == consent_id]

    def since(self, when: float) -> Iterator[ConsentRecord]:
        return iter(self.written)

    def close(self) -> None:
        pass


def test_awrite_runs_write_off_the_event_loop_and_returns_after_it() -> None:
    sink, record = SlowSink(0.3), make()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def main() -> None:
        task = asyncio.create_task(ticker())
        await awrite(sink, record)
        assert sink.written == [record]  # committed before awrite returned
        task.cancel()

    asyncio.run(main())
    assert ticks >= 10  # the loop kept running during the 0.3 s write


def test_awrite_raises_what_write_raises() -> None:
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(awrite(SlowSink(0.0, OSError("disk full")), make()))


# -- open_sink -------------------------------------------------------------------------------


def test_open_sink_none_is_no_sink() -> None:
    assert open_sink(None) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("sqlite:///relative.db", "relative.db", id="sqlite-relative"),
        pytest.param("sqlite:///sub/dir.db", "sub/dir.db", id="sqlite-relative-dir"),
        pytest.param("SQLite:///relative.db", "relative.db", id="scheme-case"),
        pytest.param("plain.db", "plain.db", id="plain-relative"),
        pytest.param("sqlite:///:memory:", ":memory:", id="memory"),
    ],
)
def test_open_sink_sqlite_relative(
    url: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    sink = open_sink(url)
    assert isinstance(sink, SQLiteSink)
    try:
        assert sink.path == expected
        sink.write(make())
        assert expected == ":memory:" or (tmp_path / expected).is_file()
    finally:
        sink.close()


def test_open_sink_sqlite_absolute(tmp_path: Path) -> None:
    path = tmp_path / "abs.db"
    for url in (f"sqlite:///{path}", str(path)):  # sqlite:////abs/path.db, and the plain path
        sink = open_sink(url)
        assert isinstance(sink, SQLiteSink)
        assert sink.path == str(path)
        sink.close()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_open_sink_postgres(scheme: str) -> None:
    from cookiewarden.records.postgres import PostgresSink

    sink = open_sink(f"{scheme}://u:secret@127.0.0.1:{free_port()}/db")
    assert isinstance(sink, PostgresSink)
    assert "secret" not in repr(sink)
    sink.close(timeout=0.1)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("mysql://u:secret@db/site", id="other-scheme"),
        pytest.param("postgresql+psycopg://u:secret@db/site", id="sqlalchemy-scheme"),
        pytest.param("sqlite://", id="sqlite-no-path"),
        pytest.param("sqlite:///", id="sqlite-empty-path"),
        pytest.param("sqlite://host/x.db", id="sqlite-with-host"),
        pytest.param("", id="empty"),
        pytest.param("  ", id="blank"),
    ],
)
def test_open_sink_rejects_unknown_urls(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        open_sink(url)
    assert info.value.option == "consent_log"
    assert "secret" not in str(info.value)


# -- the contract every sink meets -----------------------------------------------------------


class RecordSinkContract:
    """Behaviours every :class:`RecordSink` has. Subclasses provide ``sink`` and ``raw_bytes``."""

    @pytest.fixture
    def sink(self) -> Iterator[RecordSink]:
        raise NotImplementedError

    def raw_bytes(self, sink: RecordSink) -> bytes:
        """Everything the sink has stored, as bytes (files, or rows rendered as text)."""
        raise NotImplementedError

    def test_is_a_record_sink(self, sink: RecordSink) -> None:
        assert isinstance(sink, RecordSink)

    def test_write_then_get(self, sink: RecordSink) -> None:
        record = make()
        sink.write(record)
        assert sink.get("c-1") == [record]

    def test_get_unknown_id_is_empty(self, sink: RecordSink) -> None:
        sink.write(make())
        assert sink.get("c-2") == []

    def test_get_returns_that_id_only_oldest_first(self, sink: RecordSink) -> None:
        late, early, middle = make(at=T0 + 30), make(at=T0 + 10), make(at=T0 + 20)
        for record in (late, make("c-2", T0 + 15), early, middle):
            sink.write(record)
        assert sink.get("c-1") == [early, middle, late]

    def test_since_yields_from_when_inclusive_oldest_first(self, sink: RecordSink) -> None:
        records = [make(f"c-{i}", T0 + i) for i in (5, 1, 4, 2, 3)]
        for record in records:
            sink.write(record)
        got = sink.since(T0 + 2)
        assert isinstance(got, Iterator)
        assert [r.consent_id for r in got] == ["c-2", "c-3", "c-4", "c-5"]
        assert list(sink.since(T0 + 6)) == []

    def test_since_pages_through_many_rows(
        self, sink: RecordSink, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sink, "page_size", 2)
        # Equal timestamps too: pages continue by (recorded_at, record_id), nothing skipped.
        records = [make(f"c-{i}", T0 + i // 3) for i in range(8)]
        for record in records:
            sink.write(record)
        got = list(sink.since(T0))
        assert sorted(r.record_id for r in got) == sorted(r.record_id for r in records)
        assert [r.recorded_at for r in got] == sorted(r.recorded_at for r in records)

    def test_same_record_twice_is_stored_once(self, sink: RecordSink) -> None:
        record = make()
        sink.write(record)
        sink.write(record)  # a retry after a lost acknowledgement
        assert sink.get("c-1") == [record]

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param(SQLISH, id="sql"),
            pytest.param(UNICODE, id="non-ascii"),
            pytest.param("🍪 \U0010fffd", id="astral"),
            pytest.param("' OR '1'='1", id="sql-or"),
            pytest.param("%s %(x)s ? :1 $1", id="placeholders"),
            pytest.param('\\ " \t \n \r \x7f', id="escapes"),
        ],
    )
    def test_values_are_stored_verbatim(self, sink: RecordSink, value: str) -> None:
        record = make(value, granted=("necessary", value), version=value)
        sink.write(record)
        assert sink.get(value) == [record]
        assert sink.get(value)[0].granted == tuple(sorted(("necessary", value)))
        sink.write(other := make("after"))  # the table is still there
        assert sink.get("after") == [other]

    def test_100_concurrent_writers_all_recorded_once(self, sink: RecordSink) -> None:
        records = [make(f"c-{i}" if i % 2 else "shared", T0 + i / 1000) for i in range(100)]
        start = threading.Barrier(len(records))
        errors: list[BaseException] = []

        def writer(record: ConsentRecord) -> None:
            try:
                start.wait()
                sink.write(record)
            except BaseException as exc:  # collected: a thread's error must fail the test
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(r,)) for r in records]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        got = list(sink.since(0))
        assert sorted(r.record_id for r in got) == sorted(r.record_id for r in records)
        assert got == sorted(records, key=lambda r: r.recorded_at)
        assert sink.get("shared") == [r for r in records if r.consent_id == "shared"]

    def test_nothing_raw_is_stored(self, sink: RecordSink) -> None:
        record = make("visitor", ip=IP, ua=UA)
        sink.write(record)
        raw = self.raw_bytes(sink)
        assert record.subject_hash.encode() in raw  # the search does see what is stored
        for secret in (IP, UA, "CookieWarden-Test-Agent"):
            assert secret.encode() not in raw
            assert secret.encode("utf-16-le") not in raw

    def test_awrite_stores_before_returning(self, sink: RecordSink) -> None:
        record = make()
        asyncio.run(awrite(sink, record))
        assert sink.get("c-1") == [record]

    def test_closed_sink_refuses_writes(self, sink: RecordSink) -> None:
        sink.close()
        sink.close()  # idempotent
        with pytest.raises(CookieWardenError):
            sink.write(make())


class TestSQLiteSink(RecordSinkContract):
    @pytest.fixture
    def sink(self, tmp_path: Path) -> Iterator[SQLiteSink]:
        sink = SQLiteSink(tmp_path / "consent.db")
        yield sink
        sink.close()

    def raw_bytes(self, sink: RecordSink) -> bytes:
        assert isinstance(sink, SQLiteSink)
        files = Path(sink.path).parent.glob("consent.db*")  # the database, -wal and -shm
        return b"".join(path.read_bytes() for path in files)

    def test_table_and_indexes_created_on_first_use(self, sink: SQLiteSink) -> None:
        assert not Path(sink.path).exists()  # nothing until used
        sink.write(make())
        with sqlite3.connect(sink.path) as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        conn.close()
        assert {TABLE, f"{TABLE}_consent_id", f"{TABLE}_recorded_at"} <= names
        assert mode == "wal"

    def test_records_survive_reopening(self, sink: SQLiteSink) -> None:
        record = make()
        sink.write(record)
        sink.close()
        with SQLiteSink(sink.path) as again:
            assert again.get("c-1") == [record]

    def test_two_sinks_on_one_file_write_concurrently(self, sink: SQLiteSink) -> None:
        # What several server processes sharing the file do: SQLite's own locking serialises.
        other = SQLiteSink(sink.path)
        records = [make(f"c-{i}", T0 + i) for i in range(40)]
        threads = [
            threading.Thread(target=(sink if i % 2 else other).write, args=(r,))
            for i, r in enumerate(records)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        other.close()
        assert list(sink.since(0)) == records

    def test_unwritable_path_raises(self, tmp_path: Path) -> None:
        with SQLiteSink(tmp_path / "missing" / "consent.db") as sink, pytest.raises(sqlite3.Error):
            sink.write(make())


# -- PostgreSQL ------------------------------------------------------------------------------


def _admin(server: PostgresServer, *statements: str) -> list[tuple[Any, ...]]:
    import psycopg

    rows: list[tuple[Any, ...]] = []
    with psycopg.connect(server.url, autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement)
            if cursor.description:
                rows.extend(cursor.fetchall())
    return rows


@pytest.mark.postgres
class TestPostgresSink(RecordSinkContract):
    @pytest.fixture
    def sink(self, postgres: PostgresServer) -> Iterator[Any]:
        from cookiewarden.records.postgres import PostgresSink

        if not postgres.running:  # a failed outage test must not break the others
            postgres.start()
        _admin(postgres, f"DROP TABLE IF EXISTS {TABLE}")  # created again on first use
        sink = PostgresSink(postgres.url, timeout=1.0)
        self.server = postgres
        yield sink
        sink.close(timeout=2.0)

    def raw_bytes(self, sink: RecordSink) -> bytes:
        rows = _admin(self.server, f"SELECT t::text FROM {TABLE} t", "CHECKPOINT")
        files = (p for p in self.server.data.rglob("*") if p.is_file())
        stored = b"".join(p.read_bytes() for p in files)
        return "\n".join(row[0] for row in rows).encode() + stored

    def test_migrate_creates_table_and_indexes(self, sink: Any, postgres: PostgresServer) -> None:
        sink.migrate()
        sink.migrate()  # idempotent
        indexes = _admin(postgres, f"SELECT indexname FROM pg_indexes WHERE tablename = '{TABLE}'")
        assert {row[0] for row in indexes} == {
            f"{TABLE}_pkey",
            f"{TABLE}_consent_id",
            f"{TABLE}_recorded_at",
        }

    def test_servers_migrating_at_once_do_not_race(self, postgres: PostgresServer) -> None:
        from cookiewarden.records.postgres import PostgresSink

        sinks = [PostgresSink(postgres.url) for _ in range(4)]
        errors: list[BaseException] = []

        def migrate(sink: PostgresSink) -> None:
            try:
                sink.migrate()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=migrate, args=(s,)) for s in sinks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        for sink in sinks:
            sink.close()
        assert errors == []

    def test_table_dropped_behind_its_back_is_recreated(
        self, sink: Any, postgres: PostgresServer
    ) -> None:
        sink.write(make("before"))
        _admin(postgres, f"DROP TABLE {TABLE}")
        record = make("after")
        sink.write(record)
        assert sink.pending == 0
        assert sink.get("after") == [record]

    def test_server_stopped_mid_run_loses_nothing(
        self, sink: Any, postgres: PostgresServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="cookiewarden")
        before = [make(f"up-{i}", T0 + i) for i in range(5)]
        during = [make(f"down-{i}", T0 + 10 + i) for i in range(5)]
        after = make("back", T0 + 20)
        for record in before:
            sink.write(record)
        postgres.stop()
        try:
            started = time.monotonic()
            for record in during:
                sink.write(record)  # never raises: queued
            assert time.monotonic() - started < 5
            assert sink.pending == len(during)
        finally:
            postgres.start()
        # Right away, flushed yet or not, every record is visible.
        assert sink.get("down-0") == during[:1]
        assert sink.flush(timeout=15)
        assert list(sink.since(0)) == before + during
        started = time.monotonic()
        sink.write(after)  # straight to the database again, without waiting on a stale pool
        assert sink.pending == 0
        assert time.monotonic() - started < 0.5
        rows = _admin(postgres, f"SELECT record_id FROM {TABLE}")
        assert sorted(row[0] for row in rows) == sorted(
            r.record_id for r in [*before, *during, after]
        )
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("being queued" in r.getMessage() for r in caplog.records)

    def test_unreachable_at_start_queues_and_logs_overflow(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        from cookiewarden.records.postgres import PostgresSink

        caplog.set_level(logging.WARNING, logger="cookiewarden")
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
        sink = PostgresSink(url, queue_max=3, timeout=0.2, attempts=2)
        records = [make(f"q-{i}", T0 + i) for i in range(5)]
        started = time.monotonic()
        for record in records:
            sink.write(record)  # never raises
        assert time.monotonic() - started < 3
        assert sink.pending == 3

        def errors() -> list[logging.LogRecord]:
            return [
                r for r in caplog.records if r.name == "cookiewarden" and r.levelno == logging.ERROR
            ]

        # The two that did not fit are logged with their JSON, so they can be replayed.
        overflow = [json.loads(r.getMessage().split(": ", 2)[2]) for r in errors()]
        assert [ConsentRecord.from_dict(d) for d in overflow] == records[3:]

        sink.close(timeout=0.3)  # the database never came: the queued three are logged too
        logged = [json.loads(r.getMessage().split(": ", 2)[2]) for r in errors()]
        assert sorted(d["record_id"] for d in logged) == sorted(r.record_id for r in records)

    def test_bad_sizes_raise_configuration_error(self, postgres: PostgresServer) -> None:
        from cookiewarden.records.postgres import PostgresSink

        for option, value in (("queue_max", 0), ("max_size", 0), ("attempts", 0)):
            with pytest.raises(ConfigurationError) as info:
                PostgresSink(postgres.url, **{option: value})
            assert info.value.option == option


# -- through the middleware ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.slow
def test_middleware_records_concurrent_choices_once_across_an_outage(
    postgres: PostgresServer,
) -> None:
    """1,000 choices from 50 concurrent clients through the ASGI middleware into PostgreSQL,
    with the database stopped and started again mid-run: every choice recorded exactly once."""
    import asyncio

    import httpx

    from cookiewarden import CookieWarden, Policy
    from cookiewarden.records.postgres import PostgresSink

    if not postgres.running:
        postgres.start()
    _admin(postgres, f"DROP TABLE IF EXISTS {TABLE}")

    async def app(scope: Any, receive: Any, send: Any) -> None:  # never reached
        raise AssertionError(scope)

    sink = PostgresSink(postgres.url, timeout=1.0)
    mw = CookieWarden(app, policy=Policy.default(), secret_keys=["k"], consent_log=sink)
    total, clients = 1000, 50
    done = 0
    outage_seen: list[int] = []

    async def client(c: httpx.AsyncClient, n: int) -> list[str]:
        nonlocal done
        ids = []
        for i in range(n):
            granted = ["performance"] if i % 2 else ["targeting", "functionality"]
            r = await c.post("/_consent", json={"granted": granted, "source": "banner"})
            assert r.status_code == 200
            ids.append(r.headers["set-cookie"].split(";", 1)[0])
            done += 1
        return ids

    async def outage() -> None:
        while done < 300:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(postgres.stop)
        outage_seen.append(sink.pending)
        while done < 600:
            await asyncio.sleep(0.01)
        outage_seen.append(sink.pending)
        await asyncio.to_thread(postgres.start)

    async def main() -> list[list[str]]:
        transport = httpx.ASGITransport(app=mw)
        async with httpx.AsyncClient(transport=transport, base_url="http://site.test") as c:
            results = await asyncio.gather(
                outage(), *(client(c, total // clients) for _ in range(clients))
            )
        return [r for r in results if r is not None]

    try:
        results = asyncio.run(main())
        assert sink.flush(timeout=30)
    finally:
        if not postgres.running:
            postgres.start()
        sink.close(timeout=10)
    assert sum(len(r) for r in results) == total
    assert outage_seen[-1] > 0, "records were queued while the database was down"
    rows = _admin(postgres, f"SELECT count(*), count(DISTINCT record_id) FROM {TABLE}")
    assert rows == [(total, total)]
    methods = _admin(postgres, f"SELECT DISTINCT method FROM {TABLE}")
    assert methods == [("banner",)]


@pytest.mark.postgres
def test_cli_migrates_and_exports_postgres_records(postgres: PostgresServer) -> None:
    """`cookiewarden migrate` and `cookiewarden records` against a live PostgreSQL server."""
    import shutil
    import subprocess
    import sys

    from cookiewarden.records.postgres import PostgresSink

    if not postgres.running:
        postgres.start()
    _admin(postgres, f"DROP TABLE IF EXISTS {TABLE}")
    exe = shutil.which("cookiewarden") or str(Path(sys.executable).parent / "cookiewarden")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60, check=False)

    migrated = cli("migrate", postgres.url)
    assert migrated.returncode == 0, migrated.stderr
    assert _admin(postgres, f"SELECT count(*) FROM {TABLE}") == [(0,)]
    first, second = (
        make("visitor-1", T0),
        make(
            "visitor-1",
            T0 + 60,
            granted=("necessary",),
            refused=("performance", "targeting"),
            method="withdraw",
        ),
    )
    with PostgresSink(postgres.url) as sink:
        for record in (first, second, make("visitor-2", T0 + 120)):
            sink.write(record)
    by_id = cli("records", postgres.url, "--consent-id", "visitor-1")
    assert by_id.returncode == 0, by_id.stderr
    rows = [ConsentRecord.from_dict(json.loads(line)) for line in by_id.stdout.splitlines()]
    assert rows == [first, second]
    since = cli("records", postgres.url, "--since", "1970-01-01T00:00:00Z", "--format", "jsonl")
    assert since.returncode == 0, since.stderr
    assert len(since.stdout.splitlines()) == 3
    unreachable = cli(
        "records", f"postgresql://postgres@127.0.0.1:{free_port()}/x", "--consent-id", "a"
    )
    assert unreachable.returncode != 0
    assert unreachable.stderr.startswith("cookiewarden: error:")
    assert "Traceback" not in unreachable.stderr
