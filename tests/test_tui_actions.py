"""Pilot tests: each key (and palette command) becomes the right service command."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console
from textual.widgets import Static

from cliproxy_tui.events import ConfigReloaded, ServiceStateChanged
from cliproxy_tui.tui.app import DashboardApp
from cliproxy_tui.tui.screens.confirm import ConfirmScreen
from cliproxy_tui.tui.screens.help import HelpScreen
from tests.test_tui_fakes import (
    ACCESS_KEY,
    FakeService,
    make_app,
    notes_of,
    select,
    settle,
    view,
)


async def test_disable_asks_first_then_calls_the_service() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test() as pilot:
        notes = notes_of(app)
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert service.calls == []
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert service.calls == [("disable_credential", ("claude:1",))]
        assert any("Disabled claude-apikey …aaaa" in n for n in notes)


async def test_enable_refresh_and_clear_cooldown_follow_the_selection() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        panel = app.credentials_panel
        # an API key: nothing to refresh, nothing to enable, no cooldown (greyed out)
        assert panel.check_action("request", ("refresh",)) is None
        assert panel.check_action("request", ("enable",)) is None
        await pilot.press("r", "e", "c")
        await settle(pilot)
        assert service.calls == []
        await select(pilot, app, "codex-ada.json")
        assert panel.check_action("request", ("refresh",)) is True
        await pilot.press("r", "c")
        await settle(pilot)
        assert service.calls == [("refresh_credential", ("codex-ada.json",)),
                                 ("clear_cooldown", ("codex-ada.json", None))]
        await select(pilot, app, "gemini:2")
        await pilot.press("e")
        await settle(pilot)
        assert service.calls[-1] == ("enable_credential", ("gemini:2",))


async def test_command_failure_is_a_notification() -> None:
    service = FakeService()
    service.fail_next = KeyError("no credential gemini:2")
    app = make_app(service)
    async with app.run_test() as pilot:
        notes = notes_of(app)
        await settle(pilot)
        await select(pilot, app, "gemini:2")
        await pilot.press("e")
        await settle(pilot)
        assert notes == ["Could not enable gemini …bbbb: no credential gemini:2"]


async def test_reload_config_and_its_outcome() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test() as pilot:
        notes = notes_of(app)
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert service.calls == [("reload_config", ())]
        before = service.snapshots
        service.creds.append(view("claude:9", "claude", "claude-apikey …9999"))
        service.config = SimpleNamespace(api_keys=(ACCESS_KEY, "sk-another"))
        service.publish(ConfigReloaded(True, "config reloaded"))
        await pilot.pause(0.1)
        await settle(pilot)
        assert service.snapshots == before + 1
        assert "claude:9" in app.credentials_panel.table.keys
        assert "access keys on (2)" in app.header.render().plain
        service.publish(ConfigReloaded(False, "port: expected an integer"))
        await settle(pilot)
        assert notes == ["Config reloaded.", "port: expected an integer"]


async def test_copy_base_url_and_access_key_never_show_the_key() -> None:
    app = make_app(FakeService())
    async with app.run_test() as pilot:
        notes = notes_of(app)
        await settle(pilot)
        await pilot.press("u")
        assert app.clipboard == "http://127.0.0.1:8317"
        await pilot.press("k")
        assert app.clipboard == ACCESS_KEY
        assert notes[-1] == "Copied access key …1234."
        assert all(ACCESS_KEY not in n for n in notes)


async def test_copy_access_key_without_keys_says_so() -> None:
    app = make_app(FakeService(api_keys=()))
    async with app.run_test() as pilot:
        notes = notes_of(app)
        await settle(pilot)
        await pilot.press("k")
        assert app.clipboard == ""
        assert "No api-keys" in notes[-1]
        assert "access keys OFF" in app.header.render().plain


async def test_quit_asks_only_while_responses_stream() -> None:
    service = FakeService()
    service.streams = 2
    app = make_app(service)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running
        service.streams = 0
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0


async def test_help_lists_every_binding_and_the_palette_runs_them() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=100, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#help-keys", Static).content)
        text = console.export_text()
        for phrase in ("Disable the selected credential", "Copy the first access key",
                       "Stop the tail", "Read the config file again"):
            assert phrase in text
        await pilot.press("escape")
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for title in ("Credential: Disable", "Credential: Refresh", "Credential: Clear cooldown",
                      "Dashboard: Reload", "Dashboard: Copy URL", "Dashboard: Copy key",
                      "Logs: Pause/resume", "Dashboard: Usage", "Dashboard: Help",
                      "Usage: Columns"):
            assert title in commands
        await pilot.press("3")
        await commands["Credential: Clear cooldown"].callback()
        await settle(pilot)
        assert app.query_one("#tabs").active == "credentials"
        assert service.calls == []  # claude:1 is selected and has no cooldown: greyed out
        await select(pilot, app, "codex-ada.json")
        await commands["Credential: Clear cooldown"].callback()
        await settle(pilot)
        assert service.calls == [("clear_cooldown", ("codex-ada.json", None))]


async def test_every_binding_has_an_id_a_description_and_a_tooltip() -> None:
    from cliproxy_tui.tui.widgets.credentials import CredentialsPanel
    from cliproxy_tui.tui.widgets.logs import LogsPanel
    from cliproxy_tui.tui.widgets.models import ModelsPanel
    from cliproxy_tui.tui.widgets.usage import UsagePanel

    for owner in (DashboardApp, CredentialsPanel, ModelsPanel, UsagePanel, LogsPanel):
        for b in owner.BINDINGS:
            assert b.id and b.description, (owner.__name__, b)  # type: ignore[union-attr]
            if b.show:  # type: ignore[union-attr]
                assert b.tooltip, (owner.__name__, b)  # type: ignore[union-attr]


async def test_service_stopping_shows_in_the_header() -> None:
    service = FakeService()
    app = make_app(service)
    async with app.run_test() as pilot:
        notes = notes_of(app)
        await settle(pilot)
        service.publish(ServiceStateChanged("stopped"))
        await settle(pilot)
        assert "stopped" in app.header.render().plain
        assert notes == ["The proxy has stopped."]
