"""The dashboard app: composes the panels, binds the keys and routes messages.

All state arrives through ``bridge.EventBuffer`` (events from the proxy thread, drained
here at most every ``refresh_interval`` seconds and applied in one ``batch_update``) plus
one snapshot at start and after each config reload. What the user asks for arrives as
messages from the panels and becomes a service command (a concurrent future, awaited
off the event handler). Rendering reads time only through the injected ``now``.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import Any, ClassVar, TypeVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, TabbedContent, TabPane

from ..views import CredentialView, ServiceSnapshot
from .bridge import DashboardService, EventBuffer
from .commands import ServiceCommands, reason
from .messages import CredentialActionRequested, EventsPending
from .model import DashboardModel
from .pacing import Pacer
from .screens.help import HelpScreen, key_label
from .widgets.credentials import CredentialsPanel
from .widgets.header import StatusHeader
from .widgets.logs import LogsPanel
from .widgets.models import ModelsPanel
from .widgets.usage import SPARK_MINUTES, UsagePanel, UsageSummary

PanelT = TypeVar("PanelT", bound=Widget)


class DashboardApp(App[int]):
    """Live view of a running ``Service`` (or anything with its surface)."""

    CSS_PATH = "app.tcss"
    TITLE = "cliproxy-tui"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_tab('credentials')", "Credentials", id="tab.credentials",
                show=False, tooltip="Show the credentials tab"),
        Binding("2", "show_tab('models')", "Models", id="tab.models", show=False,
                tooltip="Show the models tab"),
        Binding("3", "show_tab('usage')", "Usage", id="tab.usage", show=False,
                tooltip="Show the usage tab"),
        Binding("4", "show_tab('logs')", "Logs", id="tab.logs", show=False,
                tooltip="Show the logs tab"),
        Binding("ctrl+r", "reload_config", "Reload", id="app.reload_config",
                tooltip="Read the config file again now (edits also apply by themselves)"),
        Binding("u", "copy_base_url", "Copy URL", id="app.copy_base_url", show=False,
                tooltip="Copy the proxy's base URL to the clipboard"),
        Binding("k", "copy_access_key", "Copy key", id="app.copy_access_key", show=False,
                tooltip="Copy the first access key (api-keys) for a client to the clipboard"),
        Binding("question_mark", "help", "Help", id="app.help", key_display="?",
                tooltip="Show every key"),
        Binding("q", "quit", "Quit", id="app.quit",
                tooltip="Quit the dashboard and stop the proxy"),
    ]

    def __init__(self, service: DashboardService, *, now: Callable[[], float] = time.time,
                 tz: tzinfo | None = None, refresh_interval: float = 0.1,
                 cursor_blink: bool = True, handle_sigterm: bool = False) -> None:
        super().__init__()
        self.service = service
        self._now = now
        self._tz = tz
        self._cursor_blink = cursor_blink
        self._handle_sigterm = handle_sigterm
        self._model = DashboardModel()
        self._buffer = EventBuffer(self._wake)
        self._unsubscribe: Callable[[], None] | None = None
        self._widgets: dict[type[Widget], Widget] = {}
        self._pacer = Pacer(refresh_interval)
        self._history_shown = False
        #: time of the first record shown live (a late usage history goes before it)
        self._first_live: float | None = None
        self._commands = ServiceCommands(self, service, self._credential_changed)
        self._apply_scheduled = False
        self._usage_pending = False
        self._minute = -1
        #: how many batches were applied (a burst must cost few of these)
        self.applied_batches = 0

    # -- composition -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with TabbedContent(initial="credentials", id="tabs"):
            with TabPane("1 Credentials", id="credentials"):
                yield CredentialsPanel(self._tz, id="credentials-panel")
            with TabPane("2 Models", id="models"):
                yield ModelsPanel(id="models-panel")
            with TabPane("3 Usage", id="usage"):
                yield UsagePanel(self._tz, id="usage-panel")
            with TabPane("4 Logs", id="logs"):
                yield LogsPanel(self._tz, id="logs-panel")
        yield Footer()

    # panels are looked up once: timers may still fire while the app tears the screen down
    @property
    def credentials_panel(self) -> CredentialsPanel:
        return self._panel(CredentialsPanel)

    @property
    def models_panel(self) -> ModelsPanel:
        return self._panel(ModelsPanel)

    @property
    def usage_panel(self) -> UsagePanel:
        return self._panel(UsagePanel)

    @property
    def logs_panel(self) -> LogsPanel:
        return self._panel(LogsPanel)

    @property
    def header(self) -> StatusHeader:
        return self._panel(StatusHeader)

    def _panel(self, kind: type[PanelT]) -> PanelT:
        found = self._widgets.get(kind)
        if found is None:
            found = self._widgets[kind] = self.query_one(kind)
        assert isinstance(found, kind)
        return found

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = self._cursor_blink
        # subscribe before the first read, so nothing between the two is lost
        self._unsubscribe = self.service.events.subscribe(self._buffer)
        self._load(self.service.snapshot())
        lines = list(getattr(self.service.log_handler, "recent", ()))
        self._model.remember_shown(lines)
        usage = self.service.usage
        if usage is not None and getattr(usage, "loaded", True):
            self._show_history()
        self.logs_panel.add_lines(lines)
        self._tick_clock()
        self.set_interval(1.0, self._tick_clock)
        self._show_only("credentials")
        self.credentials_panel.table.focus()
        if self._handle_sigterm:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- state down ------------------------------------------------------------------

    def _wake(self) -> None:
        # proxy thread: post_message is thread-safe and the buffer calls this once per drain
        self.post_message(EventsPending())

    def on_events_pending(self, _message: EventsPending) -> None:
        if self._apply_scheduled:
            return
        self._apply_scheduled = True
        delay = self._pacer.delay()
        if delay > 0:
            self.set_timer(delay, self.apply_pending)
        else:
            self.apply_pending()

    def apply_pending(self) -> None:
        """Apply everything buffered since the last call, in one screen update."""
        self._apply_scheduled = False
        self._pacer.applying()
        batch = self._buffer.drain()
        if not batch:
            return
        now = self._now()
        changes = self._model.apply(batch, now)
        self.applied_batches += 1
        with self.batch_update():
            if changes.credentials:
                self._push_credentials()
            if changes.models:
                self.models_panel.models = self._model.models
            if changes.requests:
                if self._first_live is None:
                    self._first_live = min(r.time for r in changes.requests)
                self.usage_panel.add_records(changes.requests)
            if changes.request_count:
                self._usage_changed()
            if changes.logs or batch.logs_dropped:
                self.logs_panel.add_lines(changes.logs, batch.logs_dropped)
            if batch.history_loaded:
                self._show_history()
                self._usage_changed()
            if batch.state is not None:
                self._push_header()
                if batch.state.state == "stopped":
                    self.notify("The proxy has stopped.", severity="error")
            self.header.rate = self._model.requests_per_second(now)
        for reload in batch.reloads:
            if reload.ok:
                self.notify("Config reloaded.", title="Config")
                self.run_worker(self._refresh_snapshot(), group="snapshot", exclusive=True)
            else:
                self.notify(reload.message, title="Config not reloaded", severity="error",
                            timeout=10)

    @property
    def refresh_interval(self) -> float:
        """Seconds between two screen updates right now (grows under heavy load)."""
        return self._pacer.interval

    def _load(self, snap: ServiceSnapshot) -> None:
        self._model.load(snap)
        with self.batch_update():
            self._push_credentials()
            self.models_panel.models = self._model.models
            self._push_header()
            self._push_usage()

    async def _refresh_snapshot(self) -> None:
        try:
            snap = await asyncio.to_thread(self.service.snapshot)
        except Exception as exc:  # noqa: BLE001 - the next reload or event catches up
            self.notify(f"Could not read the service's state: {reason(exc)}",
                        severity="warning")
            return
        if self.is_running:  # the app may have been closed while the proxy answered
            self._load(snap)

    def _credential_changed(self, view: CredentialView) -> None:
        self._model.upsert(view)
        self._push_credentials()

    def _push_credentials(self) -> None:
        self.credentials_panel.credentials = tuple(self._model.credentials.values())
        labels = self._model.labels()
        self.models_panel.credential_labels = labels
        self.usage_panel.credential_labels = labels

    def _push_header(self) -> None:
        header = self.header
        header.state = self._model.state
        header.listen = self._model.listen
        header.started_at = self._model.started_at
        header.access_keys_on = self._model.access_keys_on
        header.access_key_count = len(self._access_keys())

    def _usage_changed(self) -> None:
        if self._usage_pending:
            return
        delay = self._pacer.usage_delay()
        if delay > 0:
            self._usage_pending = True
            self.set_timer(delay, self._push_usage)
        else:
            self._push_usage()

    def _push_usage(self) -> None:
        self._usage_pending = False
        self._pacer.usage_read()
        usage = self.service.usage
        if usage is None:
            return
        self.usage_panel.summary = UsageSummary(
            totals=usage.totals(), by_model=usage.by_model(),
            by_credential=usage.by_credential(), per_minute=usage.per_minute(SPARK_MINUTES),
            persistent=bool(getattr(usage, "persistent", True)),
            storage_error=getattr(usage, "last_error", None))

    def _show_history(self) -> None:
        """Put the usage store's recent records in the feed, once."""
        usage = self.service.usage
        if self._history_shown or usage is None:
            return
        self._history_shown = True
        recent = usage.recent(200)
        self._model.remember_shown(recent)
        if self._first_live is None:
            self.usage_panel.add_records(recent, history=True)
        else:
            # a late history: what arrived live is on screen already and goes last
            self.usage_panel.add_older_records([r for r in recent if r.time < self._first_live])

    def _tick_clock(self) -> None:
        now = self._now()
        self.header.now = now
        self.header.rate = self._model.requests_per_second(now)
        self.credentials_panel.now = now
        minute = int(now // 60)
        if minute != self._minute:
            # the sparklines slide even when nothing happens
            self._minute = minute
            self._push_usage()

    def _access_keys(self) -> tuple[str, ...]:
        return tuple(getattr(self.service.config, "api_keys", ()) or ())

    # -- requests up -----------------------------------------------------------------

    def on_credential_action_requested(self, msg: CredentialActionRequested) -> None:
        self._commands.credential(msg, self._model.credentials.get(msg.credential_id))

    def action_reload_config(self) -> None:
        self._commands.reload_config()

    def action_copy_base_url(self) -> None:
        self._commands.copy_base_url(self._model.base_url or self.service.base_url)

    def action_copy_access_key(self) -> None:
        self._commands.copy_access_key(self._access_keys())

    async def action_quit(self) -> None:
        self._commands.quit()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._show_only(event.pane.id)
            self._focus_tab(event.pane.id)

    def _show_only(self, tab: str) -> None:
        # hidden panels keep their data and draw it when shown: under load, drawing what
        # nobody sees would take time from the proxy's thread (they share the GIL)
        for name, panel in (("credentials", self.credentials_panel),
                            ("models", self.models_panel), ("usage", self.usage_panel),
                            ("logs", self.logs_panel)):
            panel.shown = name == tab

    def _focus_tab(self, tab: str) -> None:
        focused = self.focused
        if focused is not None and any(node.id == tab for node in focused.ancestors):
            # already inside the tab (a palette command that switched to it and focused
            # its filter box): the tab switch arriving after it must not take that away
            return
        target = {"credentials": "#cred-table", "models": "#model-table",
                  "usage": "#feed-log", "logs": "#log-view"}.get(tab)
        if target:
            self.query_one(target).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_sections(),
                                    intro="Keys of the dashboard, by where they work."))

    def key_sections(self) -> list[tuple[str, list[BindingType]]]:
        return [("Everywhere", list(self.BINDINGS)),
                ("Credentials tab", list(CredentialsPanel.BINDINGS)),
                ("Models tab", list(ModelsPanel.BINDINGS)),
                ("Usage tab", list(UsagePanel.BINDINGS)),
                ("Logs tab", list(LogsPanel.BINDINGS))]

    # -- command palette -------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        owners: list[tuple[str, str | None, DOMNode, list[BindingType]]] = [
            ("Dashboard", None, self, list(self.BINDINGS)),
            ("Credential", "credentials", self.credentials_panel,
             list(CredentialsPanel.BINDINGS)),
            ("Models", "models", self.models_panel, list(ModelsPanel.BINDINGS)),
            ("Usage", "usage", self.usage_panel, list(UsagePanel.BINDINGS)),
            ("Logs", "logs", self.logs_panel, list(LogsPanel.BINDINGS)),
        ]
        for group, tab, node, bindings in owners:
            for b in bindings:
                if not isinstance(b, Binding) or b.key == "escape":
                    continue
                if b.action == "quit":
                    continue  # the built-in Quit command already runs action_quit
                yield SystemCommand(f"{group}: {b.description}",
                                    f"{b.tooltip} (key {b.key_display or key_label(b.key)})",
                                    self._palette_callback(b.action, node, tab))

    def _palette_callback(self, action: str, node: DOMNode,
                          tab: str | None) -> Callable[[], Any]:
        async def run() -> None:
            if tab is not None:
                self.action_show_tab(tab)
            await self.run_action(action, node)

        return run
