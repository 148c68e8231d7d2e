"""The bridge's proxy-side half and the pure formatting, without a screen."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC

import pytest

from cliproxy_tui.events import (
    ConfigReloaded,
    CredentialAdded,
    CredentialChanged,
    CredentialRemoved,
    LogLine,
    ModelsChanged,
    RequestFinished,
    ServiceStateChanged,
)
from cliproxy_tui.tui.bridge import EventBuffer
from cliproxy_tui.tui.format import (
    ago,
    clip,
    count,
    credential_name,
    duration,
    millis,
    state_details,
    state_summary,
)
from cliproxy_tui.tui.model import DashboardModel
from cliproxy_tui.tui.pacing import Pacer
from cliproxy_tui.views import ModelCooldownView
from tests.test_tui_fakes import NOW, record, view


def test_wakes_once_per_drain_however_many_events() -> None:
    wakes: list[int] = []
    buf = EventBuffer(lambda: wakes.append(1))
    for i in range(50):
        buf(LogLine(NOW, "INFO", "x", str(i)))
    assert len(wakes) == 1
    assert len(buf.drain().logs) == 50
    buf(LogLine(NOW, "INFO", "x", "again"))
    assert len(wakes) == 2


def test_credential_events_coalesce_to_the_last_word() -> None:
    buf = EventBuffer(lambda: None)
    buf(CredentialAdded(view("a", "claude", "A", success_count=1)))
    buf(CredentialChanged(view("a", "claude", "A", success_count=2)))
    buf(CredentialAdded(view("b", "claude", "B")))
    buf(CredentialRemoved("b"))
    buf(CredentialRemoved("c"))
    buf(CredentialAdded(view("c", "claude", "C")))
    batch = buf.drain()
    assert {k: v.success_count for k, v in batch.credentials.items()} == {"a": 2, "c": 0}
    assert batch.removed == {"b"}
    assert not buf.drain()


def test_bursts_are_bounded_but_counted() -> None:
    buf = EventBuffer(lambda: None, max_requests=10, max_logs=5)
    for i in range(100):
        buf(RequestFinished(record(request_id=f"r{i}")))
        buf(LogLine(NOW, "INFO", "x", str(i)))
    buf(ModelsChanged(()))
    buf(ConfigReloaded(True, "ok"))
    buf(ServiceStateChanged("stopping"))
    buf(object())  # unknown events are ignored
    batch = buf.drain()
    assert batch.request_count == 100
    assert [r.request_id for r in batch.requests] == [f"r{i}" for i in range(90, 100)]
    assert [ln.message for ln in batch.logs] == ["95", "96", "97", "98", "99"]
    assert batch.logs_dropped == 95
    assert batch.models == () and batch.reloads == [ConfigReloaded(True, "ok")]
    assert batch.state == ServiceStateChanged("stopping")


def test_publishing_from_many_threads_loses_nothing() -> None:
    buf = EventBuffer(lambda: None, max_requests=100_000)

    def publish() -> None:
        for _ in range(2000):
            buf(RequestFinished(record()))

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert buf.drain().request_count == 8000


def test_model_rate_uses_the_injected_clock() -> None:
    model = DashboardModel()
    buf = EventBuffer(lambda: None)
    for _ in range(30):
        buf(RequestFinished(record()))
    model.apply(buf.drain(), NOW)
    assert model.requests_per_second(NOW) == 3.0
    assert model.requests_per_second(NOW + 9.9) == 3.0
    assert model.requests_per_second(NOW + 10) == 0.0


def test_durations_counts_and_times() -> None:
    assert [duration(s) for s in (0, 59, 60, 3599, 3600, 90061)] == [
        "0s", "59s", "1m 00s", "59m 59s", "1h 00m", "1d 01h"]
    assert [ago(NOW, t) for t in (None, NOW, NOW - 5, NOW - 125, NOW - 7300, NOW - 90000)] == [
        "never", "now", "5s ago", "2m ago", "2h ago", "1d ago"]
    assert [count(n) for n in (0, 999, 1000, 12_345, 999_999, 4_100_000, 250_000)] == [
        "0", "999", "1.0k", "12.3k", "1000k", "4.1M", "250k"]
    assert [millis(v) for v in (None, 85.4, 1240.0)] == ["—", "85ms", "1.24s"]
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc"
    assert credential_name("claude", "ada@example.com") == "claude ada@example.com"
    assert credential_name("gemini", "gemini …9xQa") == "gemini …9xQa"


def test_state_texts_name_the_time_and_the_model() -> None:
    cooling = view("c", "codex", "ada@example.com", state="cooling",
                   cooldowns=(ModelCooldownView("gpt-5", "error", "x", NOW + 95, True, 6),
                              ModelCooldownView("gpt-5-mini", "error", "y", NOW + 30, False, 0)))
    assert state_summary(cooling, NOW, UTC) == "cooling until 08:53:50"
    details = state_details(cooling, NOW, UTC)
    assert "  gpt-5: rate limit until 08:54:55 (in 1m 35s)" in details
    assert "  gpt-5-mini: error until 08:53:50 (in 30s)" in details
    down = view("u", "openrouter", "k …71ab", state="unavailable", unavailable=True,
                next_retry_after=NOW + 1800, status_message="401 invalid api key")
    assert state_summary(down, NOW, UTC) == "unavailable until 09:23:20"
    assert "state: unavailable until 09:23:20 (in 30m 00s): 401 invalid api key" in \
        state_details(down, NOW, UTC)
    assert state_summary(view("r", "gemini-cli", "x", state="refresh-error"), NOW, UTC) == \
        "refresh error"


class Clocks:
    """Wall clock and screen-thread CPU clock, moved by hand."""

    def __init__(self) -> None:
        self.wall = 100.0
        self.cpu = 5.0

    def spend(self, seconds: float, busy: float) -> None:
        self.wall += seconds
        self.cpu += seconds * busy


def test_pacer_slows_down_under_load_and_recovers() -> None:
    c = Clocks()
    pacer = Pacer(0.1, clock=lambda: c.wall, cpu=lambda: c.cpu)
    assert pacer.delay() == 0.0
    pacer.applying()
    c.spend(0.05, busy=0.0)
    assert pacer.delay() == pytest.approx(0.05)
    for _ in range(10):  # the screen thread busy 30 % of the time
        c.spend(0.6, busy=0.3)
        pacer.applying()
    assert pacer.interval == pytest.approx(1.0)  # capped at the slowest
    assert pacer.usage_delay() == 0.0
    pacer.usage_read()
    assert pacer.usage_delay() == pytest.approx(5.0)
    for _ in range(10):  # quiet again
        c.spend(0.6, busy=0.001)
        pacer.applying()
    assert pacer.interval == pytest.approx(0.1)


def test_pacer_settles_where_the_screen_keeps_to_its_budget() -> None:
    c = Clocks()
    pacer = Pacer(0.1, budget=0.05, clock=lambda: c.wall, cpu=lambda: c.cpu)
    for _ in range(30):
        # each refresh costs 10 ms of CPU, so the share is 0.01 / interval
        c.spend(0.6, busy=0.01 / pacer.interval)
        pacer.applying()
    assert pacer.interval == pytest.approx(0.2, rel=0.05)


def test_pacer_with_no_interval_applies_every_batch() -> None:
    c = Clocks()
    pacer = Pacer(0.0, clock=lambda: c.wall, cpu=lambda: c.cpu)
    for _ in range(5):
        c.spend(1.0, busy=1.0)
        pacer.applying()
        assert pacer.delay() == 0.0 and pacer.usage_delay() == 0.0


def test_the_dashboard_imports_no_proxy_internals() -> None:
    # the dashboard reaches the proxy only through the bridge, views and events: loading
    # it must not load the server, executors, translators, manager or usage database
    internals = ("service", "server", "providers", "translate", "auth.manager",
                 "auth.refresh", "registry", "watcher", "config", "usage_store")
    code = ("import sys, cliproxy_tui.tui.app; "
            f"print(' '.join(m for m in sys.modules if any(m == 'cliproxy_tui.' + i or "
            f"m.startswith('cliproxy_tui.' + i + '.') for i in {internals!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == []
