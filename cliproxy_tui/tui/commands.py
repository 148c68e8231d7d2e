"""What the user asks for, turned into service commands; outcomes become notifications.

Commands return ``concurrent.futures.Future``s resolved on the proxy's loop; they are
awaited in workers, so the screen never waits on the proxy. Destructive ones ask first.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

from textual.app import App

from ..masking import mask_last4
from ..views import CredentialView
from .bridge import DashboardService
from .messages import CredentialActionRequested
from .screens.confirm import ConfirmScreen

_DONE = {
    "disable": "Disabled {label}: requests skip it until you enable it (e).",
    "enable": "Enabled {label}.",
    "clear_cooldown": "Cleared the cooldowns of {label}.",
    "refresh": "Refreshed the token of {label}.",
}


def reason(exc: BaseException) -> str:
    """An exception as the user should read it."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


def _failed(action: str, label: str, exc: BaseException) -> str:
    return f"Could not {action.replace('_', ' ')} {label}: {reason(exc)}"


class ServiceCommands:
    def __init__(self, app: App[Any], service: DashboardService,
                 on_credential: Callable[[CredentialView], None]) -> None:
        self._app = app
        self._service = service
        self._on_credential = on_credential

    def credential(self, msg: CredentialActionRequested, view: CredentialView | None) -> None:
        label, cred_id, service = msg.label, msg.credential_id, self._service
        if msg.action == "disable":
            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._run(msg.action, label, lambda: service.disable_credential(cred_id))

            self._app.push_screen(ConfirmScreen(
                f"Disable {label}?\n\nRequests will skip it until you enable it again.",
                yes="Disable"), confirmed)
        elif msg.action == "enable":
            self._run(msg.action, label, lambda: service.enable_credential(cred_id))
        elif msg.action == "clear_cooldown":
            self._run(msg.action, label, lambda: service.clear_cooldown(cred_id))
        elif msg.action == "refresh":
            if view is not None and not view.can_refresh:
                self._app.notify(f"{label} is an API key: it has no token to refresh.",
                                 severity="warning")
            else:
                self._run(msg.action, label, lambda: service.refresh_credential(cred_id))

    def reload_config(self) -> None:
        # the outcome arrives as a ConfigReloaded event (also for edits the watcher picks
        # up), so only a command that failed to run is reported here
        self._run("reload", "the config", self._service.reload_config, quiet=True)

    def copy_base_url(self, url: str) -> None:
        if not url:
            self._app.notify("The proxy is not listening.", severity="warning")
            return
        self._app.copy_to_clipboard(url)
        self._app.notify(f"Copied {url} (OpenAI clients use {url}/v1).", title="Base URL")

    def copy_access_key(self, keys: tuple[str, ...]) -> None:
        if not keys:
            self._app.notify("No api-keys in the config: clients may send any key.",
                             severity="warning")
            return
        self._app.copy_to_clipboard(keys[0])
        self._app.notify(f"Copied access key {mask_last4(keys[0])}.", title="Access key")

    def quit(self) -> None:
        active = getattr(self._service, "active_streams", None)
        streaming = active() if callable(active) else 0
        if not streaming:
            self._app.exit(0)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._app.exit(0)

        self._app.push_screen(ConfirmScreen(
            f"{streaming} response{'s are' if streaming != 1 else ' is'} still streaming "
            "through the proxy.\n\nQuit and cut them off?", yes="Quit"), confirmed)

    def _run(self, action: str, label: str, start: Callable[[], concurrent.futures.Future],
             quiet: bool = False) -> None:
        try:
            future = start()
        except Exception as exc:  # noqa: BLE001 - a command that cannot be sent is reported
            self._app.notify(_failed(action, label, exc), severity="error")
            return
        self._app.run_worker(self._finish(action, label, future, quiet), group="commands")

    async def _finish(self, action: str, label: str, future: concurrent.futures.Future,
                      quiet: bool) -> None:
        try:
            result = await asyncio.wrap_future(future)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a notification
            self._app.notify(_failed(action, label, exc), severity="error", timeout=8)
            return
        if not self._app.is_running:
            return
        if isinstance(result, CredentialView):
            self._on_credential(result)
        if not quiet:
            self._app.notify(_DONE.get(action, "Done: {label}.").format(label=label))
