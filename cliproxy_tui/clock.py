"""Injectable clocks: production code reads time through a ``Clock`` so tests can jump it."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock seconds since the epoch."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for latencies)."""


class SystemClock:
    """The real clock."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.perf_counter()


class FakeClock:
    """A clock that only moves when told to; ``advance`` moves both readings."""

    def __init__(self, start: float = 1_760_000_000.0) -> None:
        self._now = start
        self._mono = 1000.0

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._mono += seconds

    def set(self, now: float) -> None:
        self._mono += max(0.0, now - self._now)
        self._now = now


SYSTEM_CLOCK = SystemClock()
