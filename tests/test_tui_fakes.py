"""The fake service and helpers shared by the dashboard's pilot tests (no tests here).

``FakeService`` has the surface the dashboard uses (``tui.bridge.DashboardService``):
its snapshot and events are whatever the test sets, and its commands record their calls
and return futures that are already done. Events are published from another thread,
like the proxy's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import deque
from datetime import UTC
from types import SimpleNamespace
from typing import Any

from cliproxy_tui.events import EventHub
from cliproxy_tui.tui.app import DashboardApp
from cliproxy_tui.tui.demo import DemoUsage
from cliproxy_tui.usage import Counts, UsageRecord
from cliproxy_tui.views import CredentialView, ModelCooldownView, ModelView, ServiceSnapshot

NOW = 1_760_000_000.0
ACCESS_KEY = "sk-client-secret-value-1234"


def view(id: str, provider: str, label: str, **kw: Any) -> CredentialView:
    fields: dict[str, Any] = {
        "id": id, "provider": provider, "label": label, "state": "active",
        "status_message": "", "disabled": False, "unavailable": False,
        "next_retry_after": None, "last_error": "", "success_count": 0, "failure_count": 0,
        "last_used_at": None, "last_refreshed_at": None, "source": "config",
        "models": ("m-1",), "cooldowns": (), "can_refresh": False}
    fields.update(kw)
    return CredentialView(**fields)


def record(model: str = "chat-model", cred: str = "claude:1", status: int = 200,
           t: float = NOW - 2, **kw: Any) -> UsageRecord:
    fields: dict[str, Any] = {
        "time": t, "client_key": "sk-c...1234", "client_format": "openai", "model": model,
        "served_model": model, "provider": "claude", "credential_id": cred,
        "credential_label": "claude-apikey …aaaa", "status": status,
        "failed": status >= 400, "input_tokens": 1200, "output_tokens": 340,
        "cached_tokens": 100, "reasoning_tokens": 20, "latency_ms": 812.0, "ttfb_ms": 95.0,
        "stream": True, "request_id": "r1"}
    fields.update(kw)
    return UsageRecord(**fields)


def standard_views() -> list[CredentialView]:
    return [
        view("claude:1", "claude", "claude-apikey …aaaa", success_count=5, failure_count=1,
             last_used_at=NOW - 5, models=("claude-sonnet-4-5",)),
        view("codex-ada.json", "codex", "ada@example.com", source="file", can_refresh=True,
             state="cooling", last_error="429 usage limit",
             cooldowns=(ModelCooldownView("gpt-5", "error", "limit", NOW + 90, True, 3),)),
        view("gemini:2", "gemini", "gemini …bbbb", state="disabled", disabled=True),
    ]


class FakeService:
    """The dashboard's service surface; commands record their calls and return done futures."""

    def __init__(self, creds: list[CredentialView] | None = None,
                 models: tuple[ModelView, ...] = (), api_keys: tuple[str, ...] = (ACCESS_KEY,),
                 records: list[UsageRecord] | None = None) -> None:
        self.events = EventHub()
        self.base_url = "http://127.0.0.1:8317"
        self.config = SimpleNamespace(api_keys=api_keys)
        self.usage = DemoUsage(list(records or []), NOW, Counts())
        self.log_handler = SimpleNamespace(recent=deque())
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.creds = list(standard_views() if creds is None else creds)
        self.models = models
        self.streams = 0
        self.snapshots = 0
        self.fail_next: Exception | None = None

    def snapshot(self) -> ServiceSnapshot:
        self.snapshots += 1
        return ServiceSnapshot(
            state="running", listen="127.0.0.1:8317", base_url=self.base_url,
            started_at=NOW - 65, access_keys_on=bool(self.config.api_keys),
            config_path="config.yaml", credentials=tuple(self.creds), models=self.models,
            usage=self.usage.totals(), requests_total=0)

    def _done(self, name: str, *args: Any) -> concurrent.futures.Future:
        self.calls.append((name, args))
        fut: concurrent.futures.Future = concurrent.futures.Future()
        if self.fail_next is not None:
            fut.set_exception(self.fail_next)
            self.fail_next = None
        else:
            fut.set_result(None)
        return fut

    def disable_credential(self, cred_id: str) -> concurrent.futures.Future:
        return self._done("disable_credential", cred_id)

    def enable_credential(self, cred_id: str) -> concurrent.futures.Future:
        return self._done("enable_credential", cred_id)

    def clear_cooldown(self, cred_id: str, model: str | None = None) -> concurrent.futures.Future:
        return self._done("clear_cooldown", cred_id, model)

    def refresh_credential(self, cred_id: str) -> concurrent.futures.Future:
        return self._done("refresh_credential", cred_id)

    def reload_config(self) -> concurrent.futures.Future:
        return self._done("reload_config")

    def active_streams(self) -> int:
        return self.streams

    def publish(self, *events: Any) -> None:
        """Publish from another thread, as the proxy does."""
        worker = threading.Thread(target=lambda: [self.events.publish(e) for e in events])
        worker.start()
        worker.join()


def make_app(service: FakeService, **kw: Any) -> DashboardApp:
    app = DashboardApp(service, now=lambda: NOW, tz=UTC, refresh_interval=0.0,
                       cursor_blink=False, **kw)
    app.animation_level = "none"  # tab switches would otherwise wait for the underline
    return app


async def settle(pilot: Any) -> None:
    # one pause lets the cross-thread wake-up arrive, the next lets its batch render
    await pilot.pause()
    await pilot.pause()


async def wait_until(pilot: Any, condition: Any, timeout: float = 5.0) -> None:
    """Pause until ``condition()`` holds (for the real refresh interval, which adapts)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the dashboard did not get there in time"
        await pilot.pause(0.05)


def notes_of(app: DashboardApp) -> list[str]:
    seen: list[str] = []
    original = app.notify

    def recording(message: str, **kw: Any) -> None:
        seen.append(message)
        original(message, **kw)

    app.notify = recording  # type: ignore[method-assign]
    return seen


def cell(table: Any, row: str, col: str) -> str:
    return str(table.get_cell(row, col))


async def select(pilot: Any, app: DashboardApp, cred_id: str) -> None:
    table = app.credentials_panel.table
    table.move_cursor(row=table.get_row_index(cred_id))
    await settle(pilot)




def test_the_fake_and_the_real_service_offer_the_same_surface() -> None:
    """The fake must not drift from ``Service``: same commands, same parameters."""
    import inspect

    from cliproxy_tui.service import Service
    from cliproxy_tui.tui.bridge import DashboardService

    fake = FakeService()
    real = Service("config.yaml", watch=False)
    surface = [name for name in dir(DashboardService) if not name.startswith("_")]
    surface += list(DashboardService.__annotations__)
    optional = {"refresh_credential"}  # later issue: the dashboard copes without it
    for name in sorted(set(surface) | {"active_streams", "refresh_credential"}):
        assert hasattr(fake, name), name
        if name in optional and not hasattr(real, name):
            continue
        assert hasattr(real, name), name
        fake_attr, real_attr = getattr(fake, name), getattr(real, name)
        if callable(real_attr) and inspect.ismethod(real_attr):
            assert (list(inspect.signature(fake_attr).parameters)
                    == list(inspect.signature(real_attr).parameters)), name
