"""Usage records: one per upstream attempt, aggregated live and persisted in SQLite.

``UsageStore.add`` runs on the proxy's event loop for every request: it only bumps
in-memory counters and queues the row; ``usage_store.UsageDb`` writes batches on its own
thread. The live aggregates (totals, per model / credential, the recent feed, per-minute
sparkline data) are read from any thread as immutable copies.

"All time" means everything still in the database when the store started (retention
applies) plus everything added since. "Today" and the hour/day buckets use local time.
"""

from __future__ import annotations

import itertools
import logging
import queue
import secrets
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, Protocol

from .clock import SYSTEM_CLOCK, Clock
from .usage_store import (
    COLUMNS,
    GROUPS,
    GroupBy,
    UsageDb,
    aggregate_rows,
    count_rows,
    last_written_rows,
    minute_rows,
    select_rows,
)

log = logging.getLogger("cliproxy_tui.usage")

__all__ = ["AggregateRow", "Counts", "GroupBy", "UsageDispatcher", "UsagePlugin",
           "UsageRecord", "UsageStore", "UsageTotals", "new_request_id"]

_MINUTES_KEPT = 24 * 60
_QUERY_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One upstream attempt (management.md §6.1), plus what the dashboard needs.

    ``client_key`` and ``credential_label`` arrive already masked with ``masking.hide``.
    """

    time: float
    client_key: str
    client_format: str
    model: str
    served_model: str
    provider: str
    credential_id: str
    credential_label: str
    status: int
    failed: bool
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    latency_ms: float = 0.0
    ttfb_ms: float | None = None
    stream: bool = False
    request_id: str = ""

    def tokens_total(self) -> int:
        """management.md §6.3 step 2: total, else input+output+reasoning, else cached."""
        if self.total_tokens:
            return self.total_tokens
        return (self.input_tokens + self.output_tokens + self.reasoning_tokens
                or self.cached_tokens)

    def counts_as_failure(self) -> bool:
        """management.md §6.3 step 4, using the final status the client got."""
        return self.failed or self.status >= 400


#: the run's random part of every request id: ids stay unique in a database that
#: outlives many runs, without drawing random bytes (a syscall) per request
_RUN_ID = secrets.token_hex(4)
_request_numbers = itertools.count(1)


def new_request_id() -> str:
    """A short id that tells requests apart in logs, the feed and the stored history."""
    return f"{_RUN_ID}-{next(_request_numbers)}"


@dataclass(frozen=True, slots=True)
class Counts:
    requests: int = 0
    failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0

    @property
    def successes(self) -> int:
        return self.requests - self.failures


@dataclass(frozen=True, slots=True)
class UsageTotals:
    all_time: Counts
    today: Counts


@dataclass(frozen=True, slots=True)
class AggregateRow:
    #: model, credential id, provider, ``YYYY-MM-DD HH`` or ``YYYY-MM-DD`` (local time)
    key: str
    counts: Counts


_as_row = attrgetter(*COLUMNS)
_FAILED_AT, _STREAM_AT = COLUMNS.index("failed"), COLUMNS.index("stream")


def _record_from_row(row: tuple[Any, ...]) -> UsageRecord:
    values = list(row)
    values[_FAILED_AT] = bool(values[_FAILED_AT])
    values[_STREAM_AT] = bool(values[_STREAM_AT])
    return UsageRecord(*values)


def _local_day(t: float) -> tuple[float, float]:
    start = datetime.fromtimestamp(t).replace(hour=0, minute=0, second=0, microsecond=0)
    # Naive datetimes are local: a DST day is 23 or 25 hours long, as it should be.
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def _bump(acc: list[int], values: tuple[int, ...]) -> None:
    for i, v in enumerate(values):
        acc[i] += v


class UsageStore:
    """Live usage aggregates backed by an embedded SQLite database.

    ``path`` None or "" keeps everything in memory (an in-memory SQLite database, so the
    query API still works for the run). ``aggregate`` and ``query_records`` wait for the
    writer thread: from the event loop call them through ``asyncio.to_thread``.
    """

    def __init__(self, path: str | None, retention_days: int = 30,
                 clock: Clock = SYSTEM_CLOCK, *, busy_timeout: float = 1.0,
                 flush_interval: float = 0.5, batch_size: int = 500,
                 max_pending: int = 100_000, recent_size: int = 500,
                 on_loaded: Callable[[], None] | None = None) -> None:
        self._clock = clock
        self._on_loaded = on_loaded
        self._loaded = threading.Event()
        self._lock = threading.Lock()
        self._all_time = [0] * 7
        self._today = [0] * 7
        self._day_start, self._day_end = _local_day(clock.now())
        self._models: dict[str, list[int]] = {}
        self._credentials: dict[str, list[int]] = {}
        self._recent: deque[UsageRecord] = deque(maxlen=recent_size)
        self._minutes: dict[int, list[int]] = {}
        self._add_failures: set[type] = set()
        self._db = UsageDb(path, retention_days, clock, self._load, busy_timeout=busy_timeout,
                           flush_interval=flush_interval, batch_size=batch_size,
                           max_pending=max_pending)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, wait: float = 5.0) -> None:
        """Open the database and load its totals; waits at most ``wait`` s for that.

        A history that takes longer keeps loading in the background: records added
        meanwhile are counted, the history is added to the totals when it is read, and
        ``on_loaded`` is called (on the writer thread) once that is done.
        """
        self._db.start(wait)

    @property
    def loaded(self) -> bool:
        """True once the stored history is in the totals (or could not be read)."""
        return self._loaded.is_set()

    def stop(self, timeout: float = 2.0) -> None:
        """Write what is queued and close; idempotent; records added later are not saved."""
        self._db.stop(timeout)

    @property
    def persistent(self) -> bool:
        """True while records go to a database file."""
        return self._db.persistent

    @property
    def last_error(self) -> str | None:
        """The current storage problem, if any (shown by the dashboard)."""
        return self._db.last_error

    @property
    def batches_written(self) -> int:
        return self._db.batches_written

    # -- request path -------------------------------------------------------------------

    def add(self, record: UsageRecord) -> None:
        """Count and queue one record. O(1), never blocks on the disk, never raises."""
        try:
            total = record.tokens_total()
            values = (1, int(record.counts_as_failure()), record.input_tokens,
                      record.output_tokens, record.cached_tokens, record.reasoning_tokens,
                      total)
            row = _as_row(record)
            minute = int(record.time // 60) * 60
            with self._lock:
                self._roll_day(self._clock.now())
                _bump(self._all_time, values)
                if self._day_start <= record.time < self._day_end:
                    _bump(self._today, values)
                _bump(self._group(self._models, record.model), values)
                _bump(self._group(self._credentials, record.credential_id), values)
                self._recent.append(record)
                self._bump_minute(minute, 1, total)
            self._db.put(row)
        except Exception:  # a malformed record must not fail the request that made it
            kind = type(record)
            if kind not in self._add_failures:
                self._add_failures.add(kind)
                log.exception("usage record rejected: %r", type(record).__name__)

    # -- live reads (any thread) --------------------------------------------------------

    def totals(self) -> UsageTotals:
        with self._lock:
            self._roll_day(self._clock.now())
            return UsageTotals(Counts(*self._all_time), Counts(*self._today))

    def by_model(self) -> Mapping[str, Counts]:
        with self._lock:
            return {k: Counts(*v) for k, v in self._models.items()}

    def by_credential(self) -> Mapping[str, Counts]:
        with self._lock:
            return {k: Counts(*v) for k, v in self._credentials.items()}

    def recent(self, n: int = 50) -> list[UsageRecord]:
        """The last ``n`` records added, oldest first (restored from the database at start)."""
        if n <= 0:
            return []
        with self._lock:
            items = list(self._recent)
        return items[-n:]

    def per_minute(self, minutes: int = 60) -> list[tuple[float, int, int]]:
        """(minute_start, requests, tokens) for each of the last ``minutes`` minutes."""
        last = int(self._clock.now() // 60) * 60
        first = last - (max(1, min(minutes, _MINUTES_KEPT)) - 1) * 60
        with self._lock:
            got = self._minutes
            return [(float(m), *got.get(m, (0, 0))) for m in range(first, last + 60, 60)]

    # -- database queries (blocking) ----------------------------------------------------

    def aggregate(self, group_by: GroupBy, since: float | None = None,
                  until: float | None = None) -> list[AggregateRow]:
        """Counts per group over ``since <= time < until``, from the database.

        Time buckets come in chronological order; other groups by requests, most first.
        Raises ``sqlite3.Error`` if the database cannot be read.
        """
        if group_by not in GROUPS:
            raise ValueError(f"unknown usage grouping {group_by!r}; "
                             f"expected one of {', '.join(sorted(GROUPS))}")
        rows = self._db.call(lambda conn: aggregate_rows(conn, group_by, since, until),
                             _QUERY_TIMEOUT)
        result = [AggregateRow(str(r[0]), Counts(*r[1:])) for r in rows]
        if group_by in ("hour", "day"):
            result.sort(key=lambda row: row.key)
        else:
            result.sort(key=lambda row: (-row.counts.requests, row.key))
        return result

    def query_records(self, since: float | None = None, until: float | None = None,
                      limit: int = 1000) -> list[UsageRecord]:
        """The newest ``limit`` records with ``since <= time < until``, oldest first."""
        rows = self._db.call(lambda conn: select_rows(conn, since, until, max(0, limit)),
                             _QUERY_TIMEOUT)
        return [_record_from_row(r) for r in rows]

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    def _group(groups: dict[str, list[int]], key: str) -> list[int]:
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = [0] * 7
        return acc

    def _roll_day(self, now: float) -> None:
        if not self._day_start <= now < self._day_end:
            self._day_start, self._day_end = _local_day(now)
            self._today = [0] * 7

    def _bump_minute(self, minute: int, requests: int, tokens: int) -> None:
        slot = self._minutes.get(minute)
        if slot is None:
            slot = self._minutes[minute] = [0, 0]
            if len(self._minutes) > _MINUTES_KEPT:
                oldest_kept = int(self._clock.now() // 60) * 60 - _MINUTES_KEPT * 60
                for key in [k for k in self._minutes if k < oldest_kept]:
                    del self._minutes[key]
        slot[0] += requests
        slot[1] += tokens

    def _load(self, conn: sqlite3.Connection, since: float | None) -> None:
        """Writer thread, on opening: fold the history that retention keeps into the view."""
        try:
            self._fold_history(conn, since)
        finally:
            self._history_done()

    def _history_done(self) -> None:
        if self._loaded.is_set():
            return
        self._loaded.set()
        if self._on_loaded is not None:
            try:
                self._on_loaded()
            except Exception:  # noqa: BLE001 - a listener's bug must not stop persistence
                log.exception("usage on_loaded callback failed")

    def _fold_history(self, conn: sqlite3.Connection, since: float | None) -> None:
        now = self._clock.now()
        day_start, _ = _local_day(now)
        minutes_since = (int(now // 60) - _MINUTES_KEPT) * 60
        models = aggregate_rows(conn, "model", since, None)
        credentials = aggregate_rows(conn, "credential", since, None)
        today = count_rows(conn, day_start if since is None else max(day_start, since))
        recent = [_record_from_row(r) for r in
                  last_written_rows(conn, since, self._recent.maxlen or 0)]
        minutes = minute_rows(conn, minutes_since if since is None
                              else max(minutes_since, since))
        with self._lock:
            for key, *values in models:
                _bump(self._all_time, tuple(values))
                _bump(self._group(self._models, str(key)), tuple(values))
            for key, *values in credentials:
                _bump(self._group(self._credentials, str(key)), tuple(values))
            if self._day_start == day_start:
                _bump(self._today, today)
            # Stored records are older than anything added live: they go first.
            self._recent = deque([*recent, *self._recent], maxlen=self._recent.maxlen)
            for minute, requests, tokens in minutes:
                self._bump_minute(int(minute), requests, tokens)


class UsagePlugin(Protocol):
    def handle_usage(self, record: UsageRecord) -> None: ...


_STOP = object()
_PLUGIN_LOG_INTERVAL = 60.0


class UsageDispatcher:
    """Delivers every record to each plugin, in registration order, on a worker thread.

    ``publish`` never blocks (an unbounded FIFO, as upstream); a slow plugin delays only
    the plugins after it, never a request. Records published before ``start`` wait for
    it; after ``stop`` they are dropped.
    """

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._plugins: tuple[tuple[str, Callable[[UsageRecord], None]], ...] = ()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._last_logged: dict[int, float] = {}
        self._suppressed: dict[int, int] = {}

    def register(self, plugin: UsagePlugin | Callable[[UsageRecord], None]) -> Callable[[], None]:
        """Add a plugin (an object with ``handle_usage`` or a callable); returns its remover."""
        handler = getattr(plugin, "handle_usage", None)
        if handler is None:
            if not callable(plugin):
                raise TypeError("a usage plugin is a callable or has handle_usage(record)")
            handler = plugin
        name = getattr(plugin, "__qualname__", None) or type(plugin).__qualname__
        entry = (name, handler)
        with self._lock:
            self._plugins = self._plugins + (entry,)

        def unregister() -> None:
            with self._lock:
                self._plugins = tuple(p for p in self._plugins if p is not entry)

        return unregister

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopped:
                return
            self._thread = threading.Thread(target=self._run, name="usage-plugins",
                                            daemon=True)
        self._thread.start()

    def publish(self, record: UsageRecord) -> None:
        if not self._stopped:
            self._queue.put(record)

    def stop(self, timeout: float = 2.0) -> None:
        """Deliver what is queued (waiting at most ``timeout`` s), then end the worker."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        if thread.is_alive():
            log.error("usage plugins did not finish within %.1f s", timeout)

    def _run(self) -> None:
        while True:
            record = self._queue.get()
            if record is _STOP:
                return
            for entry in self._plugins:
                try:
                    entry[1](record)
                except Exception:  # noqa: BLE001 - logged, rate-limited, per plugin
                    self._log_failure(entry)

    def _log_failure(self, entry: tuple[str, Callable[[UsageRecord], None]]) -> None:
        key = id(entry)
        now = self._clock.monotonic()
        last = self._last_logged.get(key)
        if last is not None and now - last < _PLUGIN_LOG_INTERVAL:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return
        self._last_logged[key] = now
        suppressed = self._suppressed.pop(key, 0)
        more = f" ({suppressed} more failures not logged)" if suppressed else ""
        log.exception("usage plugin %s failed%s", entry[0], more)
