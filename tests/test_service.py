"""The service bridge: snapshot, events and commands, as the dashboard and embedders use them."""

from __future__ import annotations

import asyncio
import concurrent.futures

import openai
import pytest

from cliproxy_tui.events import (
    CredentialAdded,
    CredentialChanged,
    CredentialRemoved,
    ModelsChanged,
    RequestFinished,
    UsageHistoryLoaded,
)
from cliproxy_tui.service import Service, ServiceError
from tests.conftest import standard_config


async def wait_for(predicate, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


async def test_snapshot_is_immutable_and_masks_secrets(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    snap = proxy.service.snapshot()
    assert snap.state == "running" and snap.access_keys_on
    assert snap.base_url == proxy.url
    providers = sorted(c.provider for c in snap.credentials)
    assert providers == ["claude", "codex", "compat", "gemini"]
    text = repr(snap)
    for secret in ("sk-ant-key-1", "AIza-gemini-key-1", "sk-codex-key-1", "sk-compat-key-1"):
        assert secret not in text
    claude = next(c for c in snap.credentials if c.provider == "claude")
    assert claude.label.endswith("ey-1") and claude.state == "active"
    assert "claude-sonnet-4-5-20250929" in claude.models
    with pytest.raises(AttributeError):
        claude.state = "x"  # frozen
    model = next(m for m in snap.models if m.id == "chat-model")
    assert model.providers == ("compat",) and model.available


async def test_events_for_requests_credentials_and_reload(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes), watch=True)
    events: list = []
    proxy.service.events.subscribe(events.append)
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        await client.chat.completions.create(model="chat-model", messages=[])
    await wait_for(lambda: any(isinstance(e, RequestFinished) for e in events))
    await wait_for(lambda: any(isinstance(e, CredentialChanged) for e in events))
    finished = next(e for e in events if isinstance(e, RequestFinished))
    assert finished.record.model == "chat-model"
    changed = [e for e in events if isinstance(e, CredentialChanged)]
    assert changed[-1].credential.success_count == 1
    assert any(isinstance(e, ModelsChanged) for e in events)

    await asyncio.sleep(0.3)
    cfg = dict(proxy.config)
    cfg["claude-api-key"] = [{"api-key": "sk-ant-key-2"}]  # replaces key 1: remove + add
    proxy.write_config(cfg)
    await wait_for(lambda: any(isinstance(e, CredentialRemoved) for e in events))
    await wait_for(lambda: any(isinstance(e, CredentialAdded) for e in events))
    added = next(e for e in events if isinstance(e, CredentialAdded))
    assert added.credential.provider == "claude" and added.credential.label.endswith("ey-2")


async def test_commands_return_futures(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    cred = next(c for c in proxy.service.snapshot().credentials if c.provider == "claude")
    fut = proxy.service.disable_credential(cred.id)
    assert isinstance(fut, concurrent.futures.Future)
    assert (await asyncio.wrap_future(fut)).state == "disabled"
    assert (await asyncio.wrap_future(proxy.service.clear_cooldown(cred.id))).id == cred.id
    assert await asyncio.wrap_future(proxy.service.reload_config()) is True
    with pytest.raises(KeyError):
        await asyncio.wrap_future(proxy.service.enable_credential("nope"))


async def test_start_errors_are_one_line(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("port: 'x'\n")
    with pytest.raises(ServiceError, match=r"^port: expected an integer"):
        await asyncio.to_thread(Service(str(bad)).start)


async def test_port_in_use_is_reported(make_proxy, fakes, tmp_path):
    proxy = await make_proxy(standard_config(fakes))
    port = int(proxy.url.rsplit(":", 1)[1])
    other = tmp_path / "other.yaml"
    other.write_text(f"port: {port}\nauth-dir: {tmp_path / 'a2'}\nusage:\n  enabled: false\n")
    with pytest.raises(ServiceError) as err:
        await asyncio.to_thread(Service(str(other)).start)
    assert str(err.value) == f"cannot listen on 127.0.0.1:{port}: address already in use"


async def test_a_slow_usage_history_does_not_hold_the_port_closed(make_proxy, fakes,
                                                                 monkeypatch):
    proxy = await make_proxy(standard_config(fakes))
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        await client.chat.completions.create(model="chat-model", messages=[])
    await proxy.stop()

    import time

    from cliproxy_tui import service as service_mod
    from cliproxy_tui.usage import UsageStore

    fold = UsageStore._fold_history

    def slow_fold(self, conn, since):
        time.sleep(service_mod._USAGE_LOAD_WAIT + 1.0)  # months of history on a slow disk
        fold(self, conn, since)

    monkeypatch.setattr(UsageStore, "_fold_history", slow_fold)
    proxy.service = proxy._new_service()
    events: list = []
    proxy.service.events.subscribe(events.append)
    started = time.monotonic()
    await proxy.start()
    assert time.monotonic() - started < service_mod._USAGE_LOAD_WAIT + 0.9
    assert not proxy.service.usage.loaded
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        await client.chat.completions.create(model="chat-model", messages=[])
    await wait_for(lambda: any(isinstance(e, UsageHistoryLoaded) for e in events))
    assert proxy.service.usage.loaded
    # the request made while the history loaded and the one from the first run
    await wait_for(lambda: proxy.service.usage.totals().all_time.requests == 2)
    assert len(proxy.service.usage.recent(10)) == 2
