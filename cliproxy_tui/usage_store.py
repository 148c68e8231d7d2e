"""SQLite persistence of usage rows: one writer thread, one transaction per batch.

This module deals in plain row tuples in ``COLUMNS`` order; ``usage.py`` owns the record
type and the live aggregates. Everything that touches the database runs on the writer
thread (its own connection), so the proxy's event loop never waits for the disk.

A database that cannot be used never costs the proxy a request: a file that is not ours
(not SQLite, another program's tables, a newer schema) is left untouched and the run
falls back to an in-memory database; a write that fails (locked, disk I/O) keeps its rows
queued, bounded, and is retried on the next flush. Each failure kind is logged once.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from itertools import islice
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from .clock import Clock

log = logging.getLogger("cliproxy_tui.usage")

SCHEMA_VERSION = 1
COLUMNS = (
    "time", "client_key", "client_format", "model", "served_model", "provider",
    "credential_id", "credential_label", "status", "failed", "input_tokens",
    "output_tokens", "cached_tokens", "reasoning_tokens", "total_tokens",
    "latency_ms", "ttfb_ms", "stream", "request_id",
)
Row = tuple[Any, ...]
CountsRow = tuple[int, int, int, int, int, int, int]
GroupBy = Literal["model", "credential", "provider", "hour", "day"]
T = TypeVar("T")

_SCHEMA = (
    """CREATE TABLE usage (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        client_key TEXT NOT NULL,
        client_format TEXT NOT NULL,
        model TEXT NOT NULL,
        served_model TEXT NOT NULL,
        provider TEXT NOT NULL,
        credential_id TEXT NOT NULL,
        credential_label TEXT NOT NULL,
        status INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        total_tokens INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        ttfb_ms REAL,
        stream INTEGER NOT NULL,
        request_id TEXT NOT NULL
    )""",
    "CREATE INDEX usage_time ON usage (time)",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
_INSERT = f"INSERT INTO usage ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM usage"

# management.md §6.3: total as given, else input+output+reasoning, else cached.
_TOTAL_SQL = ("CASE WHEN total_tokens > 0 THEN total_tokens"
              " WHEN input_tokens + output_tokens + reasoning_tokens > 0"
              " THEN input_tokens + output_tokens + reasoning_tokens ELSE cached_tokens END")
_FAILED_SQL = "(failed <> 0 OR status >= 400)"
_COUNTS_SQL = (f"COUNT(*), COALESCE(SUM({_FAILED_SQL}), 0), COALESCE(SUM(input_tokens), 0),"
               " COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cached_tokens), 0),"
               f" COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM({_TOTAL_SQL}), 0)")
_GROUP_SQL: dict[str, str] = {
    "model": "model",
    "credential": "credential_id",
    "provider": "provider",
    "hour": "strftime('%Y-%m-%d %H', time, 'unixepoch', 'localtime')",
    "day": "strftime('%Y-%m-%d', time, 'unixepoch', 'localtime')",
}
GROUPS = frozenset(_GROUP_SQL)

# Keeps one flush short enough that stop() stays within its bound after an outage.
_MAX_ROWS_PER_TRANSACTION = 20_000
_PRUNE_EVERY = 3600.0
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


def _window(since: float | None, until: float | None) -> tuple[str, list[float]]:
    clauses, params = [], []
    if since is not None:
        clauses.append("time >= ?")
        params.append(since)
    if until is not None:
        clauses.append("time < ?")
        params.append(until)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def aggregate_rows(conn: sqlite3.Connection, group_by: str, since: float | None,
                   until: float | None) -> list[tuple[Any, ...]]:
    """(key, requests, failures, input, output, cached, reasoning, total) per group."""
    where, params = _window(since, until)
    sql = f"SELECT {_GROUP_SQL[group_by]} AS k, {_COUNTS_SQL} FROM usage{where} GROUP BY k"
    return conn.execute(sql, params).fetchall()


def count_rows(conn: sqlite3.Connection, since: float | None) -> CountsRow:
    where, params = _window(since, None)
    row = conn.execute(f"SELECT {_COUNTS_SQL} FROM usage{where}", params).fetchone()
    return tuple(row)  # type: ignore[return-value]


def select_rows(conn: sqlite3.Connection, since: float | None, until: float | None,
                limit: int) -> list[Row]:
    """The newest ``limit`` rows of the window, oldest first."""
    where, params = _window(since, until)
    rows = conn.execute(f"{_SELECT}{where} ORDER BY time DESC, id DESC LIMIT ?",
                        [*params, limit]).fetchall()
    rows.reverse()
    return rows


def last_written_rows(conn: sqlite3.Connection, since: float | None, limit: int) -> list[Row]:
    """The last ``limit`` rows in the order they were written (the live feed's order)."""
    where, params = _window(since, None)
    rows = conn.execute(f"{_SELECT}{where} ORDER BY id DESC LIMIT ?",
                        [*params, limit]).fetchall()
    rows.reverse()
    return rows


def minute_rows(conn: sqlite3.Connection, since: float) -> list[tuple[int, int, int]]:
    """(minute_start, requests, tokens) for each minute since ``since`` that had requests."""
    return conn.execute(
        f"SELECT CAST(time / 60 AS INTEGER) * 60 AS m, COUNT(*), COALESCE(SUM({_TOTAL_SQL}), 0)"
        " FROM usage WHERE time >= ? GROUP BY m", (since,)).fetchall()


class _NotOurDatabase(Exception):
    """A readable SQLite file that this program must not write to."""


def _transient(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


def _failure_kind(exc: BaseException) -> str:
    return getattr(exc, "sqlite_errorname", None) or f"{type(exc).__name__}: {exc}"


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _make_private_dirs(directory: Path) -> None:
    # Path.mkdir(parents=True) gives intermediate directories the default mode; usage
    # history names accounts and models, so every directory we create is 0700.
    missing = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    for new in reversed(missing):
        new.mkdir(mode=0o700, exist_ok=True)


def _open_memory() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _create_schema(conn)
    return conn


class UsageDb:
    """The writer thread and its connection. ``put`` is O(1) and safe from any thread."""

    def __init__(self, path: str | None, retention_days: int, clock: Clock,
                 on_open: Callable[[sqlite3.Connection, float | None], None], *,
                 busy_timeout: float, flush_interval: float, batch_size: int,
                 max_pending: int) -> None:
        self._path = os.path.expanduser(path) if path else None
        self._retention_days = retention_days
        self._clock = clock
        self._on_open = on_open
        self._busy_timeout = busy_timeout
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        # deque.append/popleft are atomic in CPython: the request path takes no lock.
        self._inbox: deque[Row] = deque()
        self._pending: deque[Row] = deque(maxlen=max_pending)
        self._calls: deque[tuple[Callable[[sqlite3.Connection], Any], Future[Any]]] = deque()
        self._calls_lock = threading.Lock()
        self._wake = threading.Event()
        self._first_open = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._done = False
        self._since_wake = 0
        self._next_prune = 0.0
        self._logged: set[str] = set()
        self._dropped = 0
        #: rows were written to a file (False in memory mode and after falling back to it)
        self.persistent = False
        #: the last storage failure, for the dashboard; None while writes succeed
        self.last_error: str | None = None
        #: committed batch transactions, for tests and the dashboard
        self.batches_written = 0

    # -- any thread -------------------------------------------------------------------

    def start(self, wait: float) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
        self._thread.start()
        self._first_open.wait(wait)

    def put(self, row: Row) -> None:
        if self._closed:
            return
        self._inbox.append(row)
        self._since_wake += 1
        if self._since_wake >= self._batch_size:
            self._since_wake = 0
            self._wake.set()

    def call(self, fn: Callable[[sqlite3.Connection], T], timeout: float) -> T:
        """Run a read on the writer thread after the rows queued so far are written."""
        future: Future[T] = Future()
        with self._calls_lock:
            running = self._thread is not None and not self._done
            if running:
                self._calls.append((fn, future))
        if not running:
            return self._call_detached(fn)
        self._wake.set()
        return future.result(timeout)

    def stop(self, timeout: float) -> None:
        self._closed = True
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._wake.set()
        thread.join(timeout)
        if thread.is_alive():
            log.error("usage writer did not finish within %.1f s; unsaved records are lost",
                      timeout)

    # -- writer thread ----------------------------------------------------------------

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        stopping = False
        bug_logged = False
        try:
            while not stopping:
                stopping = self._closed
                try:
                    if conn is None:
                        conn = self._open()
                    self._drain_inbox()
                    if conn is not None:
                        self._flush(conn)
                        self._prune(conn)
                    self._run_calls(conn)
                except Exception:  # a bug here must not end persistence for the run
                    if not bug_logged:
                        bug_logged = True
                        log.exception("usage writer iteration failed")
                self._first_open.set()
                if not stopping:
                    self._wake.wait(self._flush_interval)
                    self._wake.clear()
        finally:
            self._first_open.set()
            with self._calls_lock:
                self._done = True
            self._run_calls(conn)
            self._drain_inbox()
            if self._pending:
                log.warning("%d usage records could not be saved", len(self._pending))
            if conn is not None:
                conn.close()

    def _open(self) -> sqlite3.Connection | None:
        """The connection to use, or None when the file is busy and opening must be retried."""
        conn = _open_memory() if self._path is None else self._open_file(self._path)
        if conn is None:
            return None
        # Load before the first write: a full read of the table is what finds a damaged
        # file, and a damaged file must not be written to. Loading only what retention
        # keeps makes the live totals match the table once _prune has run.
        try:
            self._on_open(conn, self._retention_cutoff())
        except sqlite3.OperationalError as exc:
            log.error("usage history could not be loaded from %s: %s", self._path, exc)
        except sqlite3.DatabaseError as exc:
            conn.close()
            conn = self._fall_back(self._path or ":memory:", exc)
        except Exception:
            log.exception("usage history could not be loaded from %s", self._path)
        self._prune(conn)
        return conn

    def _retention_cutoff(self) -> float | None:
        if self._retention_days <= 0:
            return None
        return self._clock.now() - self._retention_days * 86400.0

    def _open_file(self, path: str) -> sqlite3.Connection | None:
        conn: sqlite3.Connection | None = None
        try:
            _make_private_dirs(Path(path).absolute().parent)
            conn = sqlite3.connect(path, timeout=self._busy_timeout, isolation_level=None)
            self._prepare(conn)
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            if _transient(exc):
                self._report("open", exc)
                return None
            return self._fall_back(path, exc)
        except (OSError, _NotOurDatabase) as exc:
            if conn is not None:
                conn.close()
            return self._fall_back(path, exc)
        if self._logged:
            log.info("usage database %s opened after earlier failures", path)
            self._logged.clear()
            self.last_error = None
        self.persistent = True
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        # Only reads until the file is known to be ours: switching a foreign file to WAL
        # would already rewrite its header.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise _NotOurDatabase(f"its schema version {version} is newer than this "
                                  f"program's ({SCHEMA_VERSION})")
        if version == 0 and conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            raise _NotOurDatabase("it holds another program's tables")
        conn.execute("PRAGMA journal_mode=WAL").fetchone()
        conn.execute("PRAGMA synchronous=NORMAL")
        if version == 0:
            _create_schema(conn)

    def _fall_back(self, path: str, exc: BaseException) -> sqlite3.Connection:
        log.error("usage database %s cannot be used (%s); keeping usage in memory for this "
                  "run, the file is left untouched", path, exc)
        self.last_error = f"open: {exc}"
        self.persistent = False
        return _open_memory()

    def _drain_inbox(self) -> None:
        inbox, pending = self._inbox, self._pending
        room = (pending.maxlen or 0) - len(pending)
        n = len(inbox)
        if n > room:
            if not self._dropped:
                log.warning("usage database unavailable and %d records queued: dropping the "
                            "oldest ones", pending.maxlen)
            self._dropped += n - room
        for _ in range(n):
            pending.append(inbox.popleft())

    def _flush(self, conn: sqlite3.Connection) -> None:
        pending = self._pending
        while pending:
            n = min(len(pending), _MAX_ROWS_PER_TRANSACTION)
            batch = list(islice(pending, n))
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(_INSERT, batch)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                _rollback(conn)
                self._report("write", exc)
                return
            for _ in range(n):
                pending.popleft()
            self.batches_written += 1
            if self._logged:
                log.info("usage database writable again (%d records written)", n)
                self._logged.clear()
                self.last_error = None
                self._dropped = 0

    def _prune(self, conn: sqlite3.Connection) -> None:
        if self._retention_days <= 0:
            return
        now = self._clock.now()
        if now < self._next_prune:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM usage WHERE time < ?", (self._retention_cutoff(),))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            self._report("retention cleanup", exc)
            return
        self._next_prune = now + _PRUNE_EVERY

    def _run_calls(self, conn: sqlite3.Connection | None) -> None:
        if not self._calls:
            return
        # A call was queued after the rows its caller added: write those first, even
        # the ones that arrived while this iteration was flushing.
        self._drain_inbox()
        if conn is not None:
            self._flush(conn)
        while self._calls:
            fn, future = self._calls.popleft()
            try:
                result = fn(conn) if conn is not None else self._call_detached(fn)
            except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
                future.set_exception(exc)
            else:
                future.set_result(result)

    def _report(self, stage: str, exc: BaseException) -> None:
        self.last_error = f"{stage}: {exc}"
        kind = _failure_kind(exc)
        if kind in self._logged:
            return
        self._logged.add(kind)
        log.error("usage database %s failed for %s (%s); records stay queued and the write "
                  "is retried", stage, self._path, exc)

    def _call_detached(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        # Writer not running: read the file directly, never creating or changing it.
        path = self._path
        if path is not None and (self.persistent or self._thread is None) \
                and os.path.isfile(path):
            uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout)
        else:
            conn = _open_memory()
        try:
            return fn(conn)
        finally:
            conn.close()
