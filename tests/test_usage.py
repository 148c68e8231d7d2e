"""Usage records: live aggregates, SQLite persistence off the request path, plugins."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest

from cliproxy_tui.clock import FakeClock
from cliproxy_tui.usage import (
    AggregateRow,
    Counts,
    UsageDispatcher,
    UsageRecord,
    UsageStore,
    new_request_id,
)
from cliproxy_tui.usage_store import COLUMNS

# 2025-10-09 14:23:20 in the zone of the ``local_tz`` fixture (UTC+05:30).
BASE = 1_760_000_000.0
LOGGER = "cliproxy_tui.usage"


def rec(t: float, **changes: object) -> UsageRecord:
    record = UsageRecord(
        time=t, client_key="sk-l...ey01", client_format="openai", model="gpt-5",
        served_model="gpt-5-2025-08-07", provider="codex", credential_id="codex-a.json",
        credential_label="me@e....com", status=200, failed=False, input_tokens=100,
        output_tokens=20, cached_tokens=5, reasoning_tokens=10, total_tokens=130,
        latency_ms=812.5, ttfb_ms=None, stream=False, request_id=new_request_id())
    return replace(record, **changes)  # type: ignore[arg-type]


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A zone with a half-hour offset, so a UTC bucket would land in the wrong hour.
    monkeypatch.setenv("TZ", "XST-5:30")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(BASE)


@pytest.fixture
def make_store(clock: FakeClock) -> Iterator[Callable[..., UsageStore]]:
    made: list[UsageStore] = []

    def make(path: str | Path | None, **kw: Any) -> UsageStore:
        options: dict[str, Any] = {"retention_days": 0, "clock": clock,
                                   "busy_timeout": 0.05, "flush_interval": 0.05, **kw}
        store = UsageStore(str(path) if path is not None else None, **options)
        made.append(store)
        store.start()
        return store

    yield make
    for store in made:
        store.stop()


def db_rows(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM usage").fetchone()[0]
    finally:
        conn.close()


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def errors(caplog: pytest.LogCaptureFixture, level: int = logging.ERROR) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


# -- the record ---------------------------------------------------------------------------


def test_record_fields_are_the_table_columns() -> None:
    assert tuple(f.name for f in fields(UsageRecord)) == COLUMNS


@pytest.mark.parametrize(("given", "expected"), [
    ({"total_tokens": 999}, 999),
    ({"total_tokens": 0}, 130),
    ({"total_tokens": 0, "input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0}, 5),
])
def test_tokens_total_normalises_like_upstream(given: dict[str, int], expected: int) -> None:
    assert rec(BASE, **given).tokens_total() == expected


def test_failure_is_the_flag_or_an_error_status() -> None:
    assert rec(BASE, failed=True, status=200).counts_as_failure()
    assert rec(BASE, status=429).counts_as_failure()
    assert not rec(BASE).counts_as_failure()


# -- persistence --------------------------------------------------------------------------


def test_records_survive_a_restart(tmp_path: Path, make_store: Callable[..., UsageStore],
                                   clock: FakeClock) -> None:
    db = tmp_path / "usage.db"
    records = [rec(BASE - 3600 * i, model=m, credential_id=c, stream=i % 2 == 0,
                   ttfb_ms=12.5 if i % 2 == 0 else None, failed=i == 3, status=502 if i == 3
                   else 200) for i, (m, c) in enumerate(
                       [("gpt-5", "a"), ("gpt-5", "b"), ("claude-sonnet-4-5", "a"),
                        ("gemini-2.5-pro", "c"), ("gpt-5", "a")])]
    first = make_store(db)
    for r in records:
        first.add(r)
    before = (first.totals(), first.by_model(), first.by_credential(), first.recent(10),
              first.aggregate("model"), first.aggregate("hour"), first.per_minute(24 * 60))
    first.stop()
    assert first.persistent
    # After stop the query API reads the file directly.
    assert first.query_records() == sorted(records, key=lambda r: r.time)

    second = make_store(db)
    after = (second.totals(), second.by_model(), second.by_credential(), second.recent(10),
             second.aggregate("model"), second.aggregate("hour"), second.per_minute(24 * 60))
    assert after == before
    assert second.recent(10) == records
    assert second.query_records() == sorted(records, key=lambda r: r.time)
    assert before[0].all_time == Counts(requests=5, failures=1, input_tokens=500,
                                        output_tokens=100, cached_tokens=25,
                                        reasoning_tokens=50, total_tokens=650)


def test_add_is_fast_and_rows_are_written_in_a_few_transactions(
        tmp_path: Path, make_store: Callable[..., UsageStore]) -> None:
    store = make_store(tmp_path / "usage.db", flush_interval=0.5)
    records = [rec(BASE + i * 0.01) for i in range(2000)]
    started = time.perf_counter()
    for r in records:
        store.add(r)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"2000 add() calls took {elapsed:.3f} s"
    assert store.totals().all_time.requests == 2000  # live before anything is written
    assert len(store.query_records(limit=5000)) == 2000
    assert 1 <= store.batches_written <= 9
    assert db_rows(tmp_path / "usage.db") == 2000


async def test_add_on_the_event_loop_and_query_through_a_thread(
        tmp_path: Path, make_store: Callable[..., UsageStore]) -> None:
    store = make_store(tmp_path / "usage.db")
    for i in range(3):
        store.add(rec(BASE + i, model=f"m{i}"))
    rows = await asyncio.to_thread(store.aggregate, "model")
    assert sorted(row.key for row in rows) == ["m0", "m1", "m2"]


# -- aggregation --------------------------------------------------------------------------


def test_aggregates_by_model_credential_provider_hour_and_day(
        local_tz: None, tmp_path: Path, make_store: Callable[..., UsageStore]) -> None:
    store = make_store(tmp_path / "usage.db")
    plan = [  # offset from BASE, model, credential, provider, total tokens, failed
        (0, "gpt-5", "codex-a", "codex", 100, False),
        (600, "gpt-5", "codex-b", "codex", 50, True),
        (2000, "claude-sonnet-4-5", "claude-a", "claude", 30, False),
        (2500, "gpt-5", "codex-a", "codex", 10, False),
        (86400, "claude-sonnet-4-5", "claude-a", "claude", 7, False),  # next day
    ]
    for offset, model, cred, provider, total, failed in plan:
        store.add(rec(BASE + offset, model=model, credential_id=cred, provider=provider,
                      total_tokens=total, failed=failed, status=500 if failed else 200))

    def counts(requests: int, total: int, failures: int = 0) -> Counts:
        return Counts(requests=requests, failures=failures, input_tokens=100 * requests,
                      output_tokens=20 * requests, cached_tokens=5 * requests,
                      reasoning_tokens=10 * requests, total_tokens=total)

    assert store.aggregate("model") == [
        AggregateRow("gpt-5", counts(3, 160, failures=1)),
        AggregateRow("claude-sonnet-4-5", counts(2, 37)),
    ]
    assert store.aggregate("credential") == [
        AggregateRow("claude-a", counts(2, 37)),
        AggregateRow("codex-a", counts(2, 110)),
        AggregateRow("codex-b", counts(1, 50, failures=1)),
    ]
    assert [(r.key, r.counts.requests) for r in store.aggregate("provider")] == [
        ("codex", 3), ("claude", 2)]
    # Local hours in UTC+05:30: 14:23, 14:33, 14:56, 15:05, and the next day at 14:23.
    assert [(r.key, r.counts.total_tokens) for r in store.aggregate("hour")] == [
        ("2025-10-09 14", 180), ("2025-10-09 15", 10), ("2025-10-10 14", 7)]
    assert [(r.key, r.counts.requests) for r in store.aggregate("day")] == [
        ("2025-10-09", 4), ("2025-10-10", 1)]
    # since is inclusive, until exclusive.
    window = store.aggregate("model", since=BASE + 600, until=BASE + 2500)
    assert [(r.key, r.counts.requests) for r in window] == [
        ("claude-sonnet-4-5", 1), ("gpt-5", 1)]
    assert [r.time for r in store.query_records(since=BASE + 600, limit=2)] == [
        BASE + 2500, BASE + 86400]
    # The live view agrees with the database.
    assert store.by_model() == {row.key: row.counts for row in store.aggregate("model")}
    assert store.by_credential() == {r.key: r.counts for r in store.aggregate("credential")}
    with pytest.raises(ValueError, match="unknown usage grouping"):
        store.aggregate("week")  # type: ignore[arg-type]


def test_today_is_the_local_date_and_rolls_over_at_midnight(
        local_tz: None, clock: FakeClock, make_store: Callable[..., UsageStore]) -> None:
    local_midnight = 1_760_034_600.0  # 2025-10-10 00:00 at UTC+05:30
    clock.set(local_midnight - 30)
    store = make_store(None)
    store.add(rec(clock.now() - 86400))  # yesterday
    store.add(rec(clock.now()))
    assert store.totals().today.requests == 1
    clock.advance(60)
    totals = store.totals()
    assert totals.today == Counts() and totals.all_time.requests == 2
    store.add(rec(clock.now(), failed=True, status=500))
    totals = store.totals()
    assert (totals.all_time.requests, totals.today.requests, totals.today.failures) == (3, 1, 1)


def test_per_minute_feeds_a_sparkline_and_is_restored(
        tmp_path: Path, clock: FakeClock, make_store: Callable[..., UsageStore]) -> None:
    clock.set(BASE - BASE % 60 + 30)
    store = make_store(tmp_path / "usage.db")
    for offset, total in [(0, 10), (-10, 5), (-120, 7), (-3 * 3600, 1)]:
        store.add(rec(clock.now() + offset, total_tokens=total))
    minute = clock.now() - 30
    expected = [(minute - 240, 0, 0), (minute - 180, 0, 0), (minute - 120, 1, 7),
                (minute - 60, 0, 0), (minute, 2, 15)]
    assert store.per_minute(5) == expected
    store.stop()
    assert make_store(tmp_path / "usage.db").per_minute(5) == expected


def test_retention_prunes_at_start_and_then_hourly(
        tmp_path: Path, clock: FakeClock, make_store: Callable[..., UsageStore]) -> None:
    db = tmp_path / "usage.db"
    keep_forever = make_store(db, retention_days=0)
    old, new = rec(clock.now() - 10 * 86400), rec(clock.now() - 60)
    keep_forever.add(old)
    keep_forever.add(new)
    assert keep_forever.query_records() == [old, new]
    keep_forever.stop()

    week = make_store(db, retention_days=7)
    assert week.query_records() == [new]
    assert week.totals().all_time.requests == 1
    clock.advance(7 * 86400)  # ``new`` is now older than a week; an hour has passed
    assert week.query_records() == []
    assert db_rows(db) == 0


# -- in memory ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [None, ""])
def test_in_memory_mode_writes_no_file(path: str | None, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       make_store: Callable[..., UsageStore]) -> None:
    monkeypatch.chdir(tmp_path)
    store = make_store(path)
    store.add(rec(BASE, model="a"))
    store.add(rec(BASE, model="b", failed=True, status=500))
    assert not store.persistent
    assert [(r.key, r.counts.failures) for r in store.aggregate("model")] == [("a", 0), ("b", 1)]
    assert store.totals().all_time.failures == 1
    store.stop()
    assert os.listdir(tmp_path) == []


# -- failures -----------------------------------------------------------------------------


def test_locked_database_logs_once_keeps_serving_and_catches_up(
        tmp_path: Path, make_store: Callable[..., UsageStore],
        caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "usage.db"
    store = make_store(db)
    store.add(rec(BASE))
    store.query_records()  # written
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            for i in range(5):
                started = time.perf_counter()
                store.add(rec(BASE + i))
                assert time.perf_counter() - started < 0.01
                time.sleep(0.06)  # several flush attempts, each hitting the lock
            wait_for(lambda: store.last_error is not None)
            time.sleep(0.2)
            assert store.totals().all_time.requests == 6
            assert db_rows(db) == 1
            logged = errors(caplog)
            assert len(logged) == 1 and "locked" in logged[0]
            locker.execute("ROLLBACK")
            wait_for(lambda: db_rows(db) == 6)
            wait_for(lambda: store.last_error is None)
            assert any("writable again" in m for m in errors(caplog, logging.INFO))
    finally:
        locker.close()


def test_queued_records_are_bounded_while_the_database_is_locked(
        tmp_path: Path, make_store: Callable[..., UsageStore],
        caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "usage.db"
    store = make_store(db, max_pending=10)
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    records = [rec(BASE + i) for i in range(25)]
    try:
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            for i, r in enumerate(records):
                store.add(r)
                if i % 10 == 9:
                    time.sleep(0.12)
            time.sleep(0.12)
        assert len(errors(caplog, logging.WARNING)) == 1
        assert "dropping the oldest" in errors(caplog, logging.WARNING)[0]
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert store.query_records() == records[-10:]
    assert store.totals().all_time.requests == 25  # the live view lost nothing


@pytest.mark.parametrize("kind", ["directory", "garbage", "foreign", "newer"])
def test_unusable_file_is_left_untouched_and_the_run_stays_in_memory(
        kind: str, tmp_path: Path, make_store: Callable[..., UsageStore],
        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "usage.db"
    if kind == "directory":
        path.mkdir()
    elif kind == "garbage":
        path.write_bytes(b"these are somebody's notes, not a database\n" * 50)
    else:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
        if kind == "newer":
            conn.execute("PRAGMA user_version = 99")
        conn.commit()
        conn.close()
    before = None if kind == "directory" else path.read_bytes()
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        store = make_store(path)
        for i in range(3):
            store.add(rec(BASE + i))
        assert store.totals().all_time.requests == 3
        assert len(store.query_records()) == 3
        store.stop()
    assert not store.persistent
    logged = errors(caplog)
    assert len(logged) == 1 and "left untouched" in logged[0]
    if kind == "directory":
        assert os.listdir(path) == []
    else:
        assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["usage.db"]


def test_damaged_database_is_never_written_to(
        tmp_path: Path, make_store: Callable[..., UsageStore],
        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "usage.db"
    store = make_store(path)
    for i in range(2000):
        store.add(rec(BASE + i, model=f"model-{i % 7}"))
    store.stop()
    damaged = bytearray(path.read_bytes())
    damaged[3 * 4096:12 * 4096] = b"\xff" * (9 * 4096)  # table pages; the header is intact
    path.write_bytes(damaged)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        reopened = make_store(path)
        reopened.add(rec(BASE + 5000))
        assert len(reopened.query_records()) == 1
        reopened.stop()
    assert not reopened.persistent
    assert "malformed" in errors(caplog)[0] and "left untouched" in errors(caplog)[0]
    assert path.read_bytes() == damaged
    assert os.listdir(tmp_path) == ["usage.db"]


def test_missing_parent_directories_are_created_private(
        tmp_path: Path, make_store: Callable[..., UsageStore]) -> None:
    path = tmp_path / "state" / "cliproxy" / "usage.db"
    store = make_store(path)
    store.add(rec(BASE))
    store.stop()
    assert store.persistent and db_rows(path) == 1
    for directory in (tmp_path / "state", path.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_add_never_raises(make_store: Callable[..., UsageStore],
                          caplog: pytest.LogCaptureFixture) -> None:
    store = make_store(None)
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        store.add("not a record")  # type: ignore[arg-type]
        store.add("not a record")  # type: ignore[arg-type]
    assert len(errors(caplog)) == 1
    store.add(rec(BASE))
    assert store.totals().all_time.requests == 1


def test_stop_is_idempotent_fast_and_final(tmp_path: Path,
                                           make_store: Callable[..., UsageStore]) -> None:
    db = tmp_path / "usage.db"
    UsageStore(str(db)).stop()  # never started
    store = make_store(db, flush_interval=0.5)
    for i in range(100):
        store.add(rec(BASE + i))
    started = time.perf_counter()
    store.stop()
    store.stop()
    assert time.perf_counter() - started < 1.0
    store.add(rec(BASE + 500))  # after stop: counted live, not saved, no error
    assert store.totals().all_time.requests == 101
    assert db_rows(db) == 100


# -- plugins ------------------------------------------------------------------------------


class Exploding:
    def __init__(self) -> None:
        self.calls = 0

    def handle_usage(self, record: UsageRecord) -> None:
        self.calls += 1
        raise RuntimeError("plugin bug")


def test_plugins_run_in_order_and_a_failing_one_is_isolated(
        clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, str]] = []
    exploding = Exploding()
    dispatcher = UsageDispatcher(clock)
    dispatcher.register(lambda r: seen.append(("first", r.request_id)))
    dispatcher.register(exploding)
    remove_third = dispatcher.register(lambda r: seen.append(("third", r.request_id)))
    records = [rec(BASE, request_id=f"r{i}") for i in range(3)]
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        for r in records:
            dispatcher.publish(r)  # queued before start: delivered once started
        dispatcher.start()
        wait_for(lambda: len(seen) == 6)
        assert len(errors(caplog)) == 1  # once per plugin per minute
        clock.advance(61)
        dispatcher.publish(rec(BASE, request_id="r3"))
        wait_for(lambda: len(seen) == 8)
        remove_third()
        dispatcher.publish(rec(BASE, request_id="r4"))
        dispatcher.stop()
    assert seen == [(p, f"r{i}") for i in range(4) for p in ("first", "third")] + [
        ("first", "r4")]
    logged = errors(caplog)
    assert len(logged) == 2 and "2 more failures not logged" in logged[1]
    assert all("Exploding" in m for m in logged)


def test_a_slow_plugin_never_delays_publish_and_stop_drains() -> None:
    delivered: list[str] = []
    release = threading.Event()

    def slow(record: UsageRecord) -> None:
        release.wait(1.0)
        delivered.append(record.request_id)

    dispatcher = UsageDispatcher()
    dispatcher.register(slow)
    dispatcher.start()
    started = time.perf_counter()
    for i in range(50):
        dispatcher.publish(rec(BASE, request_id=str(i)))
    assert time.perf_counter() - started < 0.05
    release.set()
    dispatcher.stop()
    dispatcher.stop()
    assert delivered == [str(i) for i in range(50)]
    dispatcher.publish(rec(BASE, request_id="late"))
    assert delivered[-1] == "49"
    with pytest.raises(TypeError):
        dispatcher.register(42)  # type: ignore[arg-type]


def test_request_ids_are_unique_and_carry_the_run() -> None:
    ids = [new_request_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    # one random part per run, so ids of earlier runs in the database never collide
    runs = {i.rpartition("-")[0] for i in ids}
    assert len(runs) == 1 and len(runs.pop()) == 8
