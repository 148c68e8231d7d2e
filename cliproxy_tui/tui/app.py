"""The dashboard app: composes the panels, binds the keys and routes messages.

All state arrives through ``bridge.EventBuffer`` (events from the proxy thread, drained
here at most every ``refresh_interval`` seconds and applied in one ``batch_update``) plus
one snapshot at start and after each config reload. What the user asks for arrives as
messages from the panels and becomes a service command (a concurrent future, awaited
off the event handler). Rendering reads time only through the injected ``now``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import time
from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import Any, ClassVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, Input, TabbedContent, TabPane

from ..masking import mask_last4
from ..views import CredentialView, ServiceSnapshot
from .bridge import DashboardService, EventBuffer
from .messages import CredentialActionRequested, EventsPending
from .model import DashboardModel
from .screens.confirm import ConfirmScreen
from .screens.help import HelpScreen
from .widgets.credentials import CredentialsPanel
from .widgets.header import StatusHeader
from .widgets.logs import LogsPanel
from .widgets.models import ModelsPanel
from .widgets.usage import SPARK_MINUTES, UsagePanel, UsageSummary

TABS = ("credentials", "models", "usage", "logs")

_DONE = {
    "disable": "Disabled {label}: requests skip it until you enable it (e).",
    "enable": "Enabled {label}.",
    "clear_cooldown": "Cleared the cooldowns of {label}.",
    "refresh": "Refreshed the token of {label}.",
}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


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
        self._interval = refresh_interval
        self._cursor_blink = cursor_blink
        self._handle_sigterm = handle_sigterm
        self._model = DashboardModel()
        self._buffer = EventBuffer(self._wake)
        self._unsubscribe: Callable[[], None] | None = None
        self._apply_scheduled = False
        self._last_apply = 0.0
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

    @property
    def credentials_panel(self) -> CredentialsPanel:
        return self.query_one(CredentialsPanel)

    @property
    def models_panel(self) -> ModelsPanel:
        return self.query_one(ModelsPanel)

    @property
    def usage_panel(self) -> UsagePanel:
        return self.query_one(UsagePanel)

    @property
    def logs_panel(self) -> LogsPanel:
        return self.query_one(LogsPanel)

    @property
    def header(self) -> StatusHeader:
        return self.query_one(StatusHeader)

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = self._cursor_blink
        # subscribe before the first read, so nothing between the two is lost
        self._unsubscribe = self.service.events.subscribe(self._buffer)
        self._load(self.service.snapshot())
        usage = self.service.usage
        recent = usage.recent(200) if usage is not None else []
        lines = list(getattr(self.service.log_handler, "recent", ()))
        self._model.remember_shown([*recent, *lines])
        self.usage_panel.add_records(recent)
        self.logs_panel.add_lines(lines)
        self._tick_clock()
        self.set_interval(1.0, self._tick_clock)
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
        delay = self._last_apply + self._interval - time.monotonic()
        if delay > 0:
            self.set_timer(delay, self.apply_pending)
        else:
            self.apply_pending()

    def apply_pending(self) -> None:
        """Apply everything buffered since the last call, in one screen update."""
        self._apply_scheduled = False
        self._last_apply = time.monotonic()
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
                self.usage_panel.add_records(changes.requests)
            if changes.request_count:
                self._push_usage()
            if changes.logs or batch.logs_dropped:
                self.logs_panel.add_lines(changes.logs, batch.logs_dropped)
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

    def _load(self, snap: ServiceSnapshot) -> None:
        self._model.load(snap)
        with self.batch_update():
            self._push_credentials()
            self.models_panel.models = self._model.models
            self._push_header()
            self._push_usage()

    async def _refresh_snapshot(self) -> None:
        snap = await asyncio.to_thread(self.service.snapshot)
        self._load(snap)

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

    def _push_usage(self) -> None:
        usage = self.service.usage
        if usage is None:
            return
        self.usage_panel.summary = UsageSummary(
            totals=usage.totals(), by_model=usage.by_model(),
            by_credential=usage.by_credential(), per_minute=usage.per_minute(SPARK_MINUTES),
            persistent=bool(getattr(usage, "persistent", True)),
            storage_error=getattr(usage, "last_error", None))

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
        label, cred_id = msg.label, msg.credential_id
        view = self._model.credentials.get(cred_id)
        if msg.action == "disable":
            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._command(msg.action, label,
                                  lambda: self.service.disable_credential(cred_id))

            self.push_screen(ConfirmScreen(
                f"Disable {label}?\n\nRequests will skip it until you enable it again.",
                yes="Disable"), confirmed)
        elif msg.action == "enable":
            self._command(msg.action, label, lambda: self.service.enable_credential(cred_id))
        elif msg.action == "clear_cooldown":
            self._command(msg.action, label, lambda: self.service.clear_cooldown(cred_id))
        elif msg.action == "refresh":
            refresh = getattr(self.service, "refresh_credential", None)
            if view is not None and not view.can_refresh:
                self.notify(f"{label} is an API key: it has no token to refresh.",
                            severity="warning")
            elif refresh is None:
                self.notify("Refreshing tokens is not available in this version yet.",
                            severity="warning")
            else:
                self._command(msg.action, label, lambda: refresh(cred_id))

    def _command(self, action: str, label: str,
                 start: Callable[[], concurrent.futures.Future]) -> None:
        try:
            future = start()
        except Exception as exc:  # noqa: BLE001 - a command that cannot be sent is reported
            self.notify(f"{action.replace('_', ' ')} failed: {_reason(exc)}", severity="error")
            return
        self.run_worker(self._finish(action, label, future), group="commands")

    async def _finish(self, action: str, label: str,
                      future: concurrent.futures.Future) -> None:
        try:
            result = await asyncio.wrap_future(future)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a notification
            self.notify(f"Could not {action.replace('_', ' ')} {label}: {_reason(exc)}",
                        severity="error", timeout=8)
            return
        if isinstance(result, CredentialView):
            self._model.upsert(result)
            self._push_credentials()
        self.notify(_DONE.get(action, "Done: {label}.").format(label=label))

    def action_reload_config(self) -> None:
        try:
            future = self.service.reload_config()
        except Exception as exc:  # noqa: BLE001 - reported, the dashboard stays up
            self.notify(f"Reload failed: {_reason(exc)}", severity="error")
            return
        # the outcome arrives as a ConfigReloaded event (also for edits picked up by the
        # watcher), so only a command that failed to run is reported here
        self.run_worker(self._await_reload(future), group="commands")

    async def _await_reload(self, future: concurrent.futures.Future) -> None:
        try:
            await asyncio.wrap_future(future)
        except Exception as exc:  # noqa: BLE001 - reported, the dashboard stays up
            self.notify(f"Reload failed: {_reason(exc)}", severity="error")

    def action_copy_base_url(self) -> None:
        url = self._model.base_url or self.service.base_url
        if not url:
            self.notify("The proxy is not listening.", severity="warning")
            return
        self.copy_to_clipboard(url)
        self.notify(f"Copied {url} (OpenAI clients use {url}/v1).", title="Base URL")

    def action_copy_access_key(self) -> None:
        keys = self._access_keys()
        if not keys:
            self.notify("No api-keys in the config: clients may send any key.",
                        severity="warning")
            return
        self.copy_to_clipboard(keys[0])
        self.notify(f"Copied access key {mask_last4(keys[0])}.", title="Access key")

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._focus_tab(event.pane.id)

    def _focus_tab(self, tab: str) -> None:
        target = {"credentials": "#cred-table", "models": "#model-table",
                  "usage": "#usage-feed", "logs": "#log-view"}.get(tab)
        if target:
            self.query_one(target).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_sections(),
                                    intro="Keys of the dashboard, by where they work."))

    def key_sections(self) -> list[tuple[str, list[BindingType]]]:
        return [("Everywhere", list(self.BINDINGS)),
                ("Credentials tab", list(CredentialsPanel.BINDINGS)),
                ("Models tab", list(ModelsPanel.BINDINGS)),
                ("Logs tab", list(LogsPanel.BINDINGS))]

    async def action_quit(self) -> None:
        active = getattr(self.service, "active_streams", None)
        streaming = active() if callable(active) else 0
        if not streaming:
            self.exit(0)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(ConfirmScreen(
            f"{streaming} response{'s are' if streaming != 1 else ' is'} still streaming "
            "through the proxy.\n\nQuit and cut them off?", yes="Quit"), confirmed)

    # -- command palette -------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        owners: list[tuple[str, str | None, DOMNode, list[BindingType]]] = [
            ("Dashboard", None, self, list(self.BINDINGS)),
            ("Credential", "credentials", self.credentials_panel,
             list(CredentialsPanel.BINDINGS)),
            ("Models", "models", self.models_panel, list(ModelsPanel.BINDINGS)),
            ("Logs", "logs", self.logs_panel, list(LogsPanel.BINDINGS)),
        ]
        for group, tab, node, bindings in owners:
            for b in bindings:
                if not isinstance(b, Binding) or b.key == "escape":
                    continue
                if b.action == "quit":
                    continue  # the built-in Quit command already runs action_quit
                yield SystemCommand(f"{group}: {b.description}",
                                    f"{b.tooltip} (key {b.key_display or b.key})",
                                    self._palette_callback(b.action, node, tab))

    def _palette_callback(self, action: str, node: DOMNode,
                          tab: str | None) -> Callable[[], Any]:
        async def run() -> None:
            if tab is not None:
                self.action_show_tab(tab)
            await self.run_action(action, node)

        return run
