"""The narrow bridge between the proxy's thread and the dashboard's loop.

``EventBuffer`` is the dashboard's only subscriber on the service's event hub. It runs on
the proxy thread, so it does the least possible there: under a lock it folds each event
into a bounded buffer (the latest view per credential, the latest model list, the newest
requests and log lines) and, once per drain cycle, calls ``wake`` — which posts a single
message to the app. The app drains the buffer on its own loop, at most ~10 times a second,
and applies the whole batch at once. A burst of traffic therefore costs the proxy a
lock and an append per event, and costs the screen one repaint per tick.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..events import (
    ConfigReloaded,
    CredentialAdded,
    CredentialChanged,
    CredentialRemoved,
    LogLine,
    ModelsChanged,
    RequestFinished,
    ServiceStateChanged,
    UsageHistoryLoaded,
)
from ..views import CredentialView, ModelView, ServiceSnapshot


class EventSource(Protocol):
    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]: ...


class UsageReads(Protocol):
    """The thread-safe, in-memory reads of ``usage.UsageStore`` the dashboard uses."""

    def totals(self) -> Any: ...
    def by_model(self) -> Mapping[str, Any]: ...
    def by_credential(self) -> Mapping[str, Any]: ...
    def recent(self, n: int = 50) -> list[Any]: ...
    def per_minute(self, minutes: int = 60) -> list[tuple[float, int, int]]: ...


class DashboardService(Protocol):
    """What the dashboard needs from ``service.Service`` (and what test fakes provide).

    Optional extra, looked up with ``getattr``: ``active_streams() -> int`` (asks before
    quitting).
    """

    @property
    def events(self) -> EventSource: ...
    @property
    def base_url(self) -> str: ...
    @property
    def config(self) -> Any:  # config.Config | None: only ``api_keys`` is read
        ...
    @property
    def usage(self) -> UsageReads | None: ...
    @property
    def log_handler(self) -> Any:  # has ``recent``: a sequence of LogLine
        ...

    def snapshot(self) -> ServiceSnapshot: ...
    def disable_credential(self, cred_id: str) -> concurrent.futures.Future: ...
    def enable_credential(self, cred_id: str) -> concurrent.futures.Future: ...
    def refresh_credential(self, cred_id: str) -> concurrent.futures.Future: ...
    def clear_cooldown(self, cred_id: str,
                       model: str | None = None) -> concurrent.futures.Future: ...
    def reload_config(self) -> concurrent.futures.Future: ...


@dataclass(slots=True)
class Batch:
    """Everything that happened since the last drain, already coalesced."""

    credentials: dict[str, CredentialView] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    models: tuple[ModelView, ...] | None = None
    #: the newest finished requests; older ones of a burst are only counted (at 10 ticks a
    #: second, 50 a tick is more than anyone reads, and each costs a table row)
    requests: list[Any] = field(default_factory=list)
    request_count: int = 0
    logs: list[LogLine] = field(default_factory=list)
    logs_dropped: int = 0
    reloads: list[ConfigReloaded] = field(default_factory=list)
    state: ServiceStateChanged | None = None
    #: the usage store finished reading its history after the screen started
    history_loaded: bool = False

    def __bool__(self) -> bool:
        return bool(self.credentials or self.removed or self.models is not None
                    or self.request_count or self.logs or self.logs_dropped
                    or self.reloads or self.state is not None or self.history_loaded)


class EventBuffer:
    """Subscriber callable for the proxy thread; ``drain`` it from the app's loop."""

    def __init__(self, wake: Callable[[], None], *, max_requests: int = 50,
                 max_logs: int = 1000) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._signalled = False
        self._max_requests = max_requests
        self._max_logs = max_logs
        self._reset()

    def _reset(self) -> None:
        self._credentials: dict[str, CredentialView] = {}
        self._removed: set[str] = set()
        self._models: tuple[ModelView, ...] | None = None
        self._requests: deque[Any] = deque(maxlen=self._max_requests)
        self._request_count = 0
        self._logs: deque[LogLine] = deque(maxlen=self._max_logs)
        self._log_count = 0
        self._reloads: list[ConfigReloaded] = []
        self._state: ServiceStateChanged | None = None
        self._history_loaded = False

    def __call__(self, event: Any) -> None:
        with self._lock:
            if isinstance(event, RequestFinished):
                self._requests.append(event.record)
                self._request_count += 1
            elif isinstance(event, LogLine):
                self._logs.append(event)
                self._log_count += 1
            elif isinstance(event, (CredentialAdded, CredentialChanged)):
                view = event.credential
                self._credentials[view.id] = view
                self._removed.discard(view.id)
            elif isinstance(event, CredentialRemoved):
                self._credentials.pop(event.credential_id, None)
                self._removed.add(event.credential_id)
            elif isinstance(event, ModelsChanged):
                self._models = tuple(event.models)
            elif isinstance(event, ConfigReloaded):
                if len(self._reloads) < 10:
                    self._reloads.append(event)
            elif isinstance(event, ServiceStateChanged):
                self._state = event
            elif isinstance(event, UsageHistoryLoaded):
                self._history_loaded = True
            else:
                return
            if self._signalled:
                return
            self._signalled = True
        self._wake()

    def drain(self) -> Batch:
        with self._lock:
            # only swap the buffers under the lock: the proxy thread waits on it, so the
            # copying (up to ``max_logs`` lines) happens after it is released
            requests, logs, log_count = self._requests, self._logs, self._log_count
            batch = Batch(
                credentials=self._credentials, removed=self._removed, models=self._models,
                request_count=self._request_count, reloads=self._reloads, state=self._state,
                history_loaded=self._history_loaded)
            self._reset()
            self._signalled = False
        batch.requests = list(requests)
        batch.logs = list(logs)
        batch.logs_dropped = log_count - len(logs)
        return batch

