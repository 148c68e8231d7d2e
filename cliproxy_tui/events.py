"""Events the service publishes, and the thread-safe hub that fans them out.

Subscribers are called on the proxy's thread and must not block: the dashboard's
subscriber only posts a message to its own loop; a queue subscriber just appends.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CredentialAdded:
    credential: Any  # CredentialView


@dataclass(frozen=True, slots=True)
class CredentialChanged:
    credential: Any  # CredentialView


@dataclass(frozen=True, slots=True)
class CredentialRemoved:
    credential_id: str


@dataclass(frozen=True, slots=True)
class ModelsChanged:
    models: tuple  # tuple[ModelView, ...]


@dataclass(frozen=True, slots=True)
class RequestFinished:
    record: Any  # usage.UsageRecord


@dataclass(frozen=True, slots=True)
class LogLine:
    time: float
    level: str
    logger: str
    message: str


@dataclass(frozen=True, slots=True)
class ConfigReloaded:
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class UsageHistoryLoaded:
    """The usage database's history is folded into the live totals (after a slow start)."""

    ok: bool


@dataclass(frozen=True, slots=True)
class ServiceStateChanged:
    state: str  # starting, running, stopping, stopped, failed
    detail: str = ""


Event = (CredentialAdded | CredentialChanged | CredentialRemoved | ModelsChanged
         | RequestFinished | LogLine | ConfigReloaded | UsageHistoryLoaded
         | ServiceStateChanged)

Subscriber = Callable[[Any], None]


class EventHub:
    """Fan-out of events to subscribers; safe to publish and subscribe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it."""
        with self._lock:
            self._subscribers = self._subscribers + (callback,)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    def publish(self, event: Any) -> None:
        for callback in self._subscribers:
            try:
                callback(event)
            except Exception:  # a broken subscriber must not break the proxy
                if not isinstance(event, LogLine):
                    log.exception("event subscriber failed")
