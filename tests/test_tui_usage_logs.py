"""Pilot tests of the usage and logs tabs: the live feed, totals, log tail, bursts, and
panels that catch up when their tab is shown."""

from __future__ import annotations

from datetime import UTC

import pytest

from cliproxy_tui.events import (
    CredentialChanged,
    LogLine,
    ModelsChanged,
    RequestFinished,
    UsageHistoryLoaded,
)
from cliproxy_tui.tui.app import DashboardApp
from cliproxy_tui.views import ModelView, ServiceSnapshot
from tests.test_tui_fakes import (
    NOW,
    FakeService,
    cell,
    make_app,
    record,
    settle,
    view,
    wait_until,
)


async def test_finished_requests_fill_the_feed_totals_and_breakdowns() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("3")
        rec = record(status=429, stream=False)
        service.usage.add(rec)
        service.publish(RequestFinished(rec))
        await settle(pilot)
        panel = app.usage_panel
        feed = panel.feed
        assert feed.rows == [{
            "time": "08:53:18", "status": "429", "model": "chat-model",
            "credential": "claude-apikey …aaaa", "in": "1.2k", "out": "340", "cached": "100",
            "reasoning": "20", "latency": "812ms", "ttfb": "95ms", "client": "openai"}]
        # at 80 columns the least useful columns give way; what is shown is one line
        assert feed.columns == ["time", "status", "model", "credential", "in", "out",
                                "latency"]
        line = feed.log_view.lines[-1].text
        assert line.split() == ["08:53:18", "429", "chat-model", "claude-apikey", "…aaaa",
                                "1.2k", "340", "812ms"]
        await pilot.press("c")  # the other columns, for narrow terminals
        await settle(pilot)
        assert feed.columns == ["time", "status", "model", "cached", "reasoning", "ttfb",
                                "client"]
        assert feed.log_view.lines[-1].text.split() == [
            "08:53:18", "429", "chat-model", "100", "20", "95ms", "openai"]
        by_model = panel.query_one("#usage-by-model")
        assert cell(by_model, "chat-model", "req") == "1"
        assert cell(by_model, "chat-model", "fail") == "1"
        assert panel.summary.totals.today.requests == 1
        assert app.header.rate == pytest.approx(0.1)


async def test_feed_follows_new_requests_only_when_scrolled_to_the_end() -> None:
    service = FakeService(records=[record(t=NOW - 50 + i, model=f"old-{i}") for i in range(40)])
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        log = app.usage_panel.feed.log_view
        assert log.is_vertical_scroll_end and log.max_scroll_y > 0
        log.scroll_to(y=3, animate=False)
        await settle(pilot)
        service.publish(*(RequestFinished(record(model=f"new-{i}")) for i in range(3)))
        await settle(pilot)
        assert app.usage_panel.feed.row_count == 43
        assert log.scroll_y == 3
        log.scroll_end(animate=False)
        await settle(pilot)
        service.publish(RequestFinished(record(model="newest")))
        await settle(pilot)
        assert log.is_vertical_scroll_end
        assert "newest" in log.lines[-1].text


async def test_hidden_panels_catch_up_when_shown() -> None:
    service = FakeService(models=(ModelView("m-1", "x", ("claude",), ("claude:1",), True),))
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        service.publish(RequestFinished(record(model="while-hidden")),
                        LogLine(NOW, "INFO", "cliproxy_tui.x", "logged while hidden"),
                        ModelsChanged((ModelView("m-1", "x", ("claude",), ("claude:1",),
                                                 False),)))
        await settle(pilot)
        assert app.usage_panel.feed.row_count == 0  # nothing drawn for a hidden tab
        await pilot.press("3")
        await settle(pilot)
        assert [r["model"] for r in app.usage_panel.feed.rows] == ["while-hidden"]
        await pilot.press("2")
        await settle(pilot)
        assert cell(app.models_panel.table, "m-1", "available") == "○ no"
        await pilot.press("4")
        await settle(pilot)
        assert "logged while hidden" in app.logs_panel.view.lines[-1].text


async def test_log_lines_pause_filter_and_search() -> None:
    service = FakeService()
    service.log_handler.recent.append(LogLine(NOW - 9, "INFO", "cliproxy_tui.service", "hello"))
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("4")
        panel = app.logs_panel
        assert [ln.message for ln in panel.visible_lines] == ["hello"]
        await pilot.press("p")
        assert panel.paused
        service.publish(LogLine(NOW, "WARNING", "cliproxy_tui.manager", "cooling down"),
                        LogLine(NOW, "DEBUG", "cliproxy_tui.server", "noise"))
        await settle(pilot)
        assert panel.pending == 1  # DEBUG is below the INFO filter
        assert [ln.message for ln in panel.visible_lines] == ["hello"]
        assert "PAUSED · 1 new line" in str(panel.query_one("#log-status").render())
        await pilot.press("p")
        assert [ln.message for ln in panel.visible_lines] == ["hello", "cooling down"]
        await pilot.press("l", "l")  # INFO → WARNING → ERROR
        assert panel.level == "ERROR" and panel.visible_lines == []
        await pilot.press("l")  # → DEBUG
        assert len(panel.visible_lines) == 3
        await pilot.press("slash", *"cool")
        await settle(pilot)
        assert [ln.message for ln in panel.visible_lines] == ["cooling down"]


async def test_log_search_leaves_on_enter_clears_on_escape_and_is_in_the_palette() -> None:
    service = FakeService()
    service.log_handler.recent.extend([
        LogLine(NOW - 9, "INFO", "cliproxy_tui.service", "hello"),
        LogLine(NOW - 8, "INFO", "cliproxy_tui.manager", "cooling down")])
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("4", "slash", *"cool", "enter")
        await settle(pilot)
        panel = app.logs_panel
        assert [ln.message for ln in panel.visible_lines] == ["cooling down"]
        assert panel.view.has_focus  # enter leaves the box, the search stays
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert panel.filter_text == "" and len(panel.visible_lines) == 2
        assert panel.view.has_focus
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Logs: Search"].callback()
        await settle(pilot)
        assert app.query_one("#log-search").has_focus


async def test_a_burst_is_applied_in_few_batches() -> None:
    service = FakeService()
    app = DashboardApp(service, now=lambda: NOW, tz=UTC, cursor_blink=False)
    async with app.run_test() as pilot:
        await settle(pilot)
        burst = []
        for i in range(3000):
            burst.append(RequestFinished(record(t=NOW - 1, model=f"m{i}")))
            burst.append(LogLine(NOW, "INFO", "cliproxy_tui.x", f"line {i}"))
            burst.append(CredentialChanged(view("claude:1", "claude", "claude-apikey …aaaa",
                                                success_count=i)))
        service.publish(*burst)
        await wait_until(pilot, lambda: [ln.message for ln in app.logs_panel.visible_lines][-1:]
                         == ["line 2999"])
        assert app.applied_batches <= 3
        assert cell(app.credentials_panel.table, "claude:1", "counts") == "2999/0"
        assert app.header.rate == pytest.approx(300.0)
        assert app.logs_panel.visible_lines[-1].message == "line 2999"
        await pilot.press("3")
        await settle(pilot)
        feed = app.usage_panel.feed
        assert 0 < feed.row_count <= 200 and feed.rows[-1]["model"] == "m2999"


async def test_initial_records_are_not_shown_twice() -> None:
    rec = record()
    service = FakeService(records=[rec])
    original = service.snapshot

    def snapshot_racing_an_event() -> ServiceSnapshot:
        # the request finishes between subscribing and reading the store
        service.events.publish(RequestFinished(rec))
        return original()

    service.snapshot = snapshot_racing_an_event  # type: ignore[method-assign]
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.usage_panel.feed.row_count == 1




async def test_a_usage_history_read_after_start_goes_before_live_rows() -> None:
    old = [record(model="old-model", t=NOW - 86400 - i) for i in range(3)]
    service = FakeService()
    service.usage.loaded = False  # a long history still being read when the screen starts
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        feed = app.usage_panel.feed
        assert feed.row_count == 0
        live = record(model="live-model", t=NOW - 1)
        service.usage.add(live)
        service.publish(RequestFinished(live))
        await settle(pilot)
        assert [r["model"] for r in feed.rows] == ["live-model"]
        # the store folds its history in: the records come out oldest first, live last
        service.usage._records[:0] = sorted(old, key=lambda r: r.time)
        service.usage.loaded = True
        service.publish(UsageHistoryLoaded(True))
        await settle(pilot)
        assert [r["model"] for r in feed.rows] == ["old-model"] * 3 + ["live-model"]
        assert app.usage_panel.summary.totals.today.requests == 4


async def test_a_palette_search_from_another_tab_lands_in_the_search_box() -> None:
    app = make_app(FakeService())
    async with app.run_test() as pilot:
        await settle(pilot)  # on the credentials tab
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        await commands["Logs: Search"].callback()
        await settle(pilot)
        assert app.query_one("TabbedContent").active == "logs"
        assert app.query_one("#log-search").has_focus
        await pilot.press("escape", "1")  # out of the box; a plain switch focuses the table
        await settle(pilot)
        assert app.query_one("#cred-table").has_focus
