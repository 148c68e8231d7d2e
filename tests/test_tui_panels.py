"""Pilot tests: events from the service change the right cells, in place.

Rows are keyed by id; cursor and scroll survive updates, re-sorts and removals; a burst
of events costs a handful of screen updates.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from cliproxy_tui.events import (
    CredentialAdded,
    CredentialChanged,
    CredentialRemoved,
    LogLine,
    ModelsChanged,
    RequestFinished,
)
from cliproxy_tui.tui.app import DashboardApp
from cliproxy_tui.views import ModelView, ServiceSnapshot
from tests.test_tui_fakes import NOW, FakeService, cell, make_app, record, select, settle, view


async def test_credentials_table_shows_each_view() -> None:
    app = make_app(FakeService())
    async with app.run_test() as pilot:
        await settle(pilot)
        table = app.credentials_panel.table
        assert table.keys == ["claude:1", "codex-ada.json", "gemini:2"]
        assert cell(table, "claude:1", "label") == "claude-apikey …aaaa"
        assert cell(table, "claude:1", "state") == "active"
        assert cell(table, "claude:1", "counts") == "5/1"
        assert cell(table, "claude:1", "used") == "5s ago"
        assert cell(table, "codex-ada.json", "state") == "cooling until 08:54:50"
        assert cell(table, "gemini:2", "state") == "disabled"
        header = app.header.render().plain
        assert "127.0.0.1:8317" in header and "up 1m 05s" in header
        assert "access keys on (1)" in header


async def test_events_update_rows_in_place_and_keep_the_cursor() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        table = app.credentials_panel.table
        await select(pilot, app, "gemini:2")
        changed = view("claude:1", "claude", "claude-apikey …aaaa", success_count=6,
                       failure_count=1, last_used_at=NOW - 1)
        added = view("claude:0", "claude", "claude-apikey …0000")  # sorts before the cursor
        service.publish(CredentialChanged(changed), CredentialAdded(added))
        await settle(pilot)
        assert cell(table, "claude:1", "counts") == "6/1"
        assert cell(table, "claude:1", "used") == "1s ago"
        assert table.keys == ["claude:0", "claude:1", "codex-ada.json", "gemini:2"]
        assert table.cursor_key == "gemini:2"
        service.publish(CredentialRemoved("claude:0"), CredentialRemoved("codex-ada.json"))
        await settle(pilot)
        assert table.keys == ["claude:1", "gemini:2"]
        assert table.cursor_key == "gemini:2"


async def test_cursor_follows_its_row_when_the_sort_reorders() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        panel = app.credentials_panel
        panel.sort_by = "last used"
        await settle(pilot)
        assert panel.table.keys[0] == "claude:1"
        await select(pilot, app, "claude:1")
        service.publish(CredentialChanged(view("gemini:2", "gemini", "gemini …bbbb",
                                               last_used_at=NOW - 1)))
        await settle(pilot)
        assert panel.table.keys[:2] == ["gemini:2", "claude:1"]
        assert panel.table.cursor_key == "claude:1"


async def test_sort_and_filter_keys() -> None:
    app = make_app(FakeService())
    async with app.run_test() as pilot:
        await settle(pilot)
        panel = app.credentials_panel
        await pilot.press("s")
        assert panel.sort_by == "state"
        assert panel.table.keys == ["codex-ada.json", "claude:1", "gemini:2"]
        await pilot.press("slash", *"ada")
        await settle(pilot)
        assert panel.table.keys == ["codex-ada.json"]
        await pilot.press("escape")
        await settle(pilot)
        assert panel.filter_text == "" and len(panel.table.keys) == 3
        assert panel.table.has_focus


async def test_models_changed_updates_the_models_table() -> None:
    service = FakeService(models=(ModelView("m-1", "x", ("claude",), ("claude:1",), True),))
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("2")
        table = app.models_panel.table
        assert cell(table, "m-1", "available") == "● yes"
        assert cell(table, "m-1", "credentials") == "claude-apikey …aaaa"
        service.publish(ModelsChanged((
            ModelView("m-1", "x", ("claude",), ("claude:1",), False),
            ModelView("m-2", "x", ("codex",), ("codex-ada.json",), True))))
        await settle(pilot)
        assert table.keys == ["m-1", "m-2"]
        assert cell(table, "m-1", "available") == "○ no"
        assert cell(table, "m-2", "credentials") == "codex ada@example.com"


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
        key = feed.keys[-1]
        cells = {col: cell(feed, key, col) for col in
                 ("time", "status", "model", "credential", "in", "out", "cached",
                  "reasoning", "latency", "ttfb", "client")}
        assert cells == {"time": "08:53:18", "status": "429", "model": "chat-model",
                         "credential": "claude-apikey …aaaa", "in": "1.2k", "out": "340",
                         "cached": "100", "reasoning": "20", "latency": "812ms",
                         "ttfb": "95ms", "client": "openai"}
        by_model = panel.query_one("#usage-by-model")
        assert cell(by_model, "chat-model", "req") == "1"
        assert cell(by_model, "chat-model", "fail") == "1"
        assert panel.summary.totals.today.requests == 1
        assert app.header.rate == pytest.approx(0.1)


async def test_feed_keeps_a_cursor_the_user_moved_up() -> None:
    service = FakeService(records=[record(t=NOW - 50 + i) for i in range(5)])
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("3")
        feed = app.usage_panel.feed
        assert feed.cursor_row == 4  # follows the newest
        await pilot.press("up", "up")
        kept = feed.cursor_key
        service.publish(*(RequestFinished(record(t=NOW - 1)) for _ in range(3)))
        await settle(pilot)
        assert feed.row_count == 8 and feed.cursor_key == kept
        await pilot.press("ctrl+end")
        service.publish(RequestFinished(record(t=NOW)))
        await settle(pilot)
        assert feed.cursor_row == feed.row_count - 1


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


async def test_a_burst_is_applied_in_few_batches() -> None:
    service = FakeService()
    app = DashboardApp(service, now=lambda: NOW, tz=UTC, cursor_blink=False)
    async with app.run_test() as pilot:
        await settle(pilot)
        burst = []
        for i in range(3000):
            burst.append(RequestFinished(record(t=NOW - 1)))
            burst.append(LogLine(NOW, "INFO", "cliproxy_tui.x", f"line {i}"))
            burst.append(CredentialChanged(view("claude:1", "claude", "claude-apikey …aaaa",
                                                success_count=i)))
        service.publish(*burst)
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.applied_batches <= 3
        assert cell(app.credentials_panel.table, "claude:1", "counts") == "2999/0"
        assert app.usage_panel.feed.row_count == 200
        assert app.header.rate == pytest.approx(300.0)
        assert app.logs_panel.visible_lines[-1].message == "line 2999"


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
        assert app.usage_panel.feed.row_count == 1


