"""Refreshing a token-file credential: the command, the file written back, the failure state."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat

import pytest

from cliproxy_tui.auth.refresh import (
    RefreshError,
    mask_secrets,
    write_private_file,
    write_token_file,
)
from cliproxy_tui.service import ServiceError
from tests.conftest import standard_config

OLD_ACCESS = "ya29.old-access-token-0001"
OLD_REFRESH = "1//old-refresh-token-9999"


def _token_file(proxy, name="claude-ada@example.org.json"):
    auth = proxy.dir / "auth"
    auth.mkdir(exist_ok=True)
    path = auth / name
    path.write_text(json.dumps({"type": "claude", "email": "ada@example.org",
                                "access_token": OLD_ACCESS, "refresh_token": OLD_REFRESH,
                                "expiry": "2026-12-01T00:00:00Z"}))
    return path


async def _view(proxy, cred_id):
    return next(c for c in proxy.service.snapshot().credentials if c.id == cred_id)


async def test_refresh_writes_the_new_token_atomically_with_mode_0600(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes), start=False)
    path = _token_file(proxy)
    seen = []

    async def refresher(meta):
        seen.append(meta)
        return {**meta, "access_token": "ya29.new-access-token-4242",
                "expiry": "2026-12-02T01:00:00Z"}

    proxy.service.register_refresher("claude", refresher)
    await proxy.start()
    before = await _view(proxy, path.name)
    assert before.can_refresh and before.last_refreshed_at is None

    view = await asyncio.wrap_future(proxy.service.refresh_credential(path.name))
    assert seen[0]["refresh_token"] == OLD_REFRESH
    assert view.state == "active" and view.last_refreshed_at is not None
    data = json.loads(path.read_text())
    assert data["access_token"] == "ya29.new-access-token-4242"
    assert data["refresh_token"] == OLD_REFRESH and data["email"] == "ada@example.org"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


async def test_failed_refresh_shows_refresh_error_and_keeps_the_file(make_proxy, fakes, caplog):
    proxy = await make_proxy(standard_config(fakes), start=False)
    path = _token_file(proxy)
    original = path.read_bytes()
    calls = 0

    async def refresher(meta):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RefreshError(f"invalid_grant for {meta['refresh_token']} (sign in again)")
        return {**meta, "access_token": "ya29.second-try-token-7777"}

    proxy.service.register_refresher("claude", refresher)
    await proxy.start()
    caplog.set_level(logging.INFO, logger="cliproxy_tui")
    with pytest.raises(ServiceError, match="invalid_grant") as err:
        await asyncio.wrap_future(proxy.service.refresh_credential(path.name))
    assert OLD_REFRESH not in str(err.value) and "…9999" in str(err.value)
    assert path.read_bytes() == original
    view = await _view(proxy, path.name)
    assert view.state == "refresh-error" and "invalid_grant" in view.status_message
    assert OLD_REFRESH not in caplog.text

    view = await asyncio.wrap_future(proxy.service.refresh_credential(path.name))
    assert view.state == "active" and view.status_message == ""


async def test_refresh_of_an_api_key_or_unknown_provider_is_a_clear_error(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes), start=False)
    path = _token_file(proxy, "qwen-bob.json")
    path.write_text(json.dumps({"type": "qwen", "access_token": "x" * 20}))
    await proxy.start()
    key = next(c for c in proxy.service.snapshot().credentials if c.provider == "claude")
    with pytest.raises(ServiceError, match="is an API key: it has no token to refresh"):
        await asyncio.wrap_future(proxy.service.refresh_credential(key.id))
    with pytest.raises(ServiceError, match="no token refresher for qwen"):
        await asyncio.wrap_future(proxy.service.refresh_credential("qwen-bob.json"))
    with pytest.raises(KeyError):
        await asyncio.wrap_future(proxy.service.refresh_credential("nope"))
    assert (await _view(proxy, "qwen-bob.json")).state == "unsupported"


def test_write_token_file_replaces_and_masks(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{}")
    os.chmod(path, 0o644)
    write_token_file(str(path), {"access_token": "abc"})
    assert json.loads(path.read_text()) == {"access_token": "abc"}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert mask_secrets("bad sk-secret-value-1234 here", {"api_key": "sk-secret-value-1234"}) \
        == "bad …1234 here"


def test_write_private_file_leaves_no_temp_file_behind(tmp_path, monkeypatch):
    path = tmp_path / "t.json"
    path.write_bytes(b"old")
    names: list[str] = []
    real_replace = os.replace

    def failing_replace(src, dst):
        names.append(os.path.basename(src))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        write_private_file(str(path), b"new")
    monkeypatch.setattr(os, "replace", real_replace)
    assert sorted(os.listdir(tmp_path)) == ["t.json"] and path.read_bytes() == b"old"
    # a temp file next to token files must never look like one to the auth-dir watcher
    assert names and not names[0].endswith(".json") and names[0].startswith(".")
    write_private_file(str(path), b"new", durable=False)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
