"""How often the dashboard redraws: at most every ``interval`` seconds, less under load.

The screen and the proxy share one process and so one GIL: every millisecond the
screen's thread computes is a millisecond the proxy's thread waits. The pacer watches
the screen thread's own CPU time (``time.thread_time``: applying batches, layout and
rendering alike) and stretches the interval while that exceeds a small budget, then
shrinks it back once traffic calms down.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: share of one CPU the screen may use before it refreshes less often
CPU_BUDGET = 0.02
#: the slowest refresh it falls back to under a heavy load, seconds
SLOWEST = 1.0
#: how often the CPU share is re-measured, seconds
WINDOW = 0.5
#: totals, breakdowns and sparklines are re-read once every this many refreshes
USAGE_EVERY = 5


class Pacer:
    def __init__(self, interval: float, *, budget: float = CPU_BUDGET,
                 slowest: float = SLOWEST, clock: Callable[[], float] = time.monotonic,
                 cpu: Callable[[], float] = time.thread_time) -> None:
        self.fastest = interval
        self.interval = interval
        self._budget = budget
        self._slowest = max(slowest, interval)
        self._clock = clock
        self._cpu = cpu
        # set by the first batch: the app's start-up is busy, and says nothing about load
        self._mark: tuple[float, float] | None = None
        self._last_apply = float("-inf")
        self._last_usage = float("-inf")

    def delay(self) -> float:
        """Seconds to wait before the next batch may be applied (0: now)."""
        return max(0.0, self._last_apply + self.interval - self._clock())

    def applying(self) -> None:
        """A batch is being applied now; adapt the interval to the recent CPU share."""
        now = self._clock()
        self._last_apply = now
        if self.fastest <= 0:
            return  # an interval of 0 (tests) applies every batch at once
        if self._mark is None:
            self._mark = (now, self._cpu())
            return
        last_wall, last_cpu = self._mark
        if now - last_wall < WINDOW:
            return
        cpu = self._cpu()
        self._mark = (now, cpu)
        share = (cpu - last_cpu) / (now - last_wall)
        wanted = self.interval * share / self._budget
        # halfway each time: a single slow frame does not throw the rate off
        self.interval = min(self._slowest, max(self.fastest, (self.interval + wanted) / 2))

    def usage_delay(self) -> float:
        """Seconds until usage aggregates may be read again (0: now)."""
        return max(0.0, self._last_usage + USAGE_EVERY * self.interval - self._clock())

    def usage_read(self) -> None:
        self._last_usage = self._clock()
