"""Refreshing Claude Code and Codex token files against a fake token endpoint, through the
proxy's own outgoing path (CLIPROXY_UPSTREAM_MAP), as the dashboard's ``r`` does."""

from __future__ import annotations

import asyncio
import json
import os
import stat

import anthropic
import pytest

from cliproxy_tui.auth.refreshers import jwt_claims
from cliproxy_tui.service import ServiceError
from tests.conftest import Proxy, standard_config
from tests.fakes.oauth import FakeTokenServer


@pytest.fixture
async def tokens():
    server = await FakeTokenServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def proxy(tmp_path, fakes, tokens):
    env = fakes.env()
    env["CLIPROXY_UPSTREAM_MAP"] += "," + tokens.env()
    p = Proxy(tmp_path, standard_config(fakes), env, watch=False)
    auth = tmp_path / "auth"
    auth.mkdir()
    (auth / "claude-bob@example.com.json").write_text(json.dumps({
        "id_token": "", "access_token": "sk-ant-oat01-old-1111",
        "refresh_token": "sk-ant-ort01-old-2222", "last_refresh": "2026-11-01T10:00:00+00:00",
        "email": "bob@example.com", "type": "claude",
        "expired": "2026-11-01T18:00:00+00:00"}))
    (auth / "codex-carol@example.com.json").write_text(json.dumps({
        "id_token": "old.jwt.x", "access_token": "eyJ.old-access-3333.sig",
        "refresh_token": "rt_old_4444", "account_id": "acct-old", "email": "carol@example.com",
        "type": "codex", "last_refresh": "2026-11-01T10:00:00+00:00",
        "expired": "2026-11-11T10:00:00+00:00"}))
    await p.start()
    yield p
    await p.stop()


def read(proxy, name):
    return json.loads((proxy.dir / "auth" / name).read_text())


async def refresh(proxy, cred_id):
    return await asyncio.wrap_future(proxy.service.refresh_credential(cred_id))


async def test_claude_refresh_follows_the_spec(proxy, tokens, fakes):
    name = "claude-bob@example.com.json"
    view = await refresh(proxy, name)
    assert view.state == "active" and view.last_refreshed_at is not None
    [call] = tokens.calls
    assert call == {"api": "claude", "content_type": "application/json",
                    "client_id": "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
                    "grant_type": "refresh_token", "refresh_token": "sk-ant-ort01-old-2222"}
    data = read(proxy, name)
    assert data["access_token"] == "sk-ant-oat01-new-0001"
    assert data["refresh_token"] == "sk-ant-ort01-new-0001"
    assert data["email"] == "bob@example.com" and data["type"] == "claude"
    assert data["last_refresh"] > "2026-11-01" and data["expired"] > data["last_refresh"]
    assert stat.S_IMODE(os.stat(proxy.dir / "auth" / name).st_mode) == 0o600
    # the next request on that login carries the new token
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key="sk-client-1",
                                        max_retries=0) as client:
        for _ in range(2):  # round robin with the claude API key
            await client.messages.create(model="claude-sonnet-4-5", max_tokens=10,
                                         messages=[{"role": "user", "content": "hi"}])
    assert "Bearer sk-ant-oat01-new-0001" in {
        r.headers.get("authorization") for r in fakes.anthropic.requests}


async def test_codex_refresh_reads_the_new_id_token(proxy, tokens):
    name = "codex-carol@example.com.json"
    await refresh(proxy, name)
    [call] = tokens.calls
    assert call["content_type"] == "application/x-www-form-urlencoded"
    assert call["client_id"] == "app_EMoamEEZ73f0CkXaXp7hrann"
    assert call["refresh_token"] == "rt_old_4444" and call["scope"] == "openid profile email"
    data = read(proxy, name)
    assert data["access_token"] == "eyJ.new-access-0001.sig"
    assert data["account_id"] == "acct-new-1"
    assert jwt_claims(data["id_token"])["email"] == "carol@example.com"


async def test_a_refused_refresh_keeps_the_old_token_and_says_why(proxy, tokens):
    name = "claude-bob@example.com.json"
    tokens.script.append((400, {"error": "invalid_grant",
                                "error_description": "refresh token sk-ant-ort01-old-2222"}))
    with pytest.raises(ServiceError, match="token refresh failed with status 400") as err:
        await refresh(proxy, name)
    assert "sk-ant-ort01-old-2222" not in str(err.value)  # masked to its last 4
    assert read(proxy, name)["access_token"] == "sk-ant-oat01-old-1111"
    view = next(c for c in proxy.service.snapshot().credentials if c.id == name)
    assert view.state == "refresh-error" and "invalid_grant" in view.status_message
    # the answer without an account keeps the e-mail (upstream would blank it)
    tokens.script.append((200, {"access_token": "sk-ant-oat01-third-5555",
                                "expires_in": 3600}))
    assert (await refresh(proxy, name)).state == "active"
    data = read(proxy, name)
    assert data["email"] == "bob@example.com"
    assert data["refresh_token"] == "sk-ant-ort01-old-2222"  # none in the answer: kept


async def test_codex_retries_a_server_error_but_not_a_refusal(proxy, tokens):
    from cliproxy_tui.auth import refreshers

    proxy.service._refreshers["codex"] = refreshers.codex_refresher(
        proxy.service.pool, retry_delays=(0.0, 0.0))
    name = "codex-carol@example.com.json"
    tokens.script += [(503, {"error": "busy"}), (502, {"error": "busy"})]
    await refresh(proxy, name)
    assert len(tokens.calls) == 3
    tokens.script.append((401, {"error": "invalid_grant"}))
    with pytest.raises(ServiceError, match="status 401"):
        await refresh(proxy, name)
    assert len(tokens.calls) == 4
