"""Pilot tests of the credentials and models tabs: events change the right cells, in
place; cursor and scroll survive updates, re-sorts and removals."""

from __future__ import annotations

from cliproxy_tui.events import (
    CredentialAdded,
    CredentialChanged,
    CredentialRemoved,
    ModelsChanged,
)
from cliproxy_tui.views import ModelView
from tests.test_tui_fakes import (
    NOW,
    FakeService,
    cell,
    make_app,
    select,
    settle,
    view,
)


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


async def test_an_empty_config_says_how_to_add_a_credential() -> None:
    service = FakeService(creds=[])
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        detail = str(app.query_one("#cred-detail").render())
        assert "No credentials yet: add an API key to the config file" in detail
        assert app.credentials_panel.check_action("request", ("disable",)) is None


def test_a_filtered_panel_must_draw_its_rows() -> None:
    import pytest

    from cliproxy_tui.tui.widgets.filtered import FilteredTablePanel

    with pytest.raises(TypeError, match="must define _draw_rows"):
        type("NoDrawing", (FilteredTablePanel,), {})
