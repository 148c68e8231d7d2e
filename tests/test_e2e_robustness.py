"""Bad input, disconnects, hot reload, shutdown and secrets, through the real proxy."""

from __future__ import annotations

import asyncio
import io
import time

import aiohttp
import openai
import pytest

from cliproxy_tui.events import ConfigReloaded, LogLine
from tests.conftest import standard_config

AUTH = {"Authorization": "Bearer sk-client-1"}


async def post(proxy, path, data, headers=AUTH):
    async with aiohttp.ClientSession() as http:
        async with http.post(proxy.url + path, data=data, headers=headers) as resp:
            return resp.status, await resp.read()


@pytest.mark.parametrize("path,data,status,needle", [
    ("/v1/chat/completions", b"{not json", 400, b"not valid JSON"),
    ("/v1/chat/completions", b"[1,2]", 400, b"JSON object"),
    ("/v1/chat/completions", b'{"messages":[]}', 400, b"'model'"),
    ("/v1/chat/completions", b'{"model":5,"messages":[]}', 400, b"'model' must be a string"),
    ("/v1/chat/completions", b'{"model":"chat-model","messages":"hi"}', 400, b"'messages'"),
    ("/v1/chat/completions", b'{"model":"no-such-model","messages":[]}', 400,
     b"unknown provider for model no-such-model"),
    ("/v1/messages", b'{"model":"claude-sonnet-4-5-20250929","max_tokens":"x","messages":[]}',
     400, b"'max_tokens'"),
    ("/v1beta/models/gemini-2.5-pro:generateContent", b'{"contents":{}}', 400, b"'contents'"),
    ("/v1beta/models/gemini-2.5-pro:embedContent", b"{}", 404, b"not found"),
])
async def test_bad_input_gets_a_clear_error_in_the_clients_shape(make_proxy, fakes, path, data,
                                                                 status, needle):
    proxy = await make_proxy(standard_config(fakes))
    got_status, body = await post(proxy, path, data)
    assert got_status == status and needle in body, body
    if path.startswith("/v1/messages"):
        assert b'"type":"error"' in body
    elif path.startswith("/v1beta") and status == 400:
        assert b'"status":"INVALID_ARGUMENT"' in body
    else:
        assert body.startswith(b'{"error":{"message"')
    # and the server keeps serving
    ok, _ = await post(proxy, "/v1/chat/completions",
                       b'{"model":"chat-model","messages":[{"role":"user","content":"x"}]}')
    assert ok == 200


async def test_body_over_the_limit_is_413(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes, **{"max-body-size-mb": 1}))
    big = b'{"model":"chat-model","messages":[{"role":"user","content":"' + b"x" * (2 << 20) + b'"}]}'
    status, body = await post(proxy, "/v1/chat/completions", io.BytesIO(big))
    assert status == 413 and b"limit" in body
    assert fakes.openai.requests == []


async def test_client_disconnect_mid_stream(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    fakes.openai.hang_stream_after(1)
    async with aiohttp.ClientSession() as http:
        resp = await http.post(proxy.url + "/v1/chat/completions", headers=AUTH, json={
            "model": "chat-model", "stream": True,
            "messages": [{"role": "user", "content": "hi"}]})
        first = await resp.content.readany()
        assert first.startswith(b"data: ")
        resp.close()  # the client goes away mid-stream
    for _ in range(100):
        if fakes.openai.streams_aborted:
            break
        await asyncio.sleep(0.05)
    assert fakes.openai.streams_aborted == 1  # the upstream stream was closed too
    fakes.openai.hang_stream_after(None)
    status, _ = await post(proxy, "/v1/chat/completions",
                           b'{"model":"chat-model","messages":[{"role":"user","content":"x"}]}')
    assert status == 200
    for _ in range(50):
        statuses = [r.status for r in proxy.service.usage.recent(10)]
        if len(statuses) == 2:
            break
        await asyncio.sleep(0.05)
    assert statuses == [499, 200]


async def test_upstream_error_reaches_client_with_its_status(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    fakes.openai.fail_for_key("sk-compat-key-1", 503)
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        with pytest.raises(openai.InternalServerError) as info:
            await client.chat.completions.create(model="chat-model", messages=[])
    assert info.value.status_code == 503


async def test_hot_reload_adds_models_and_survives_a_broken_edit(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes), watch=True)
    seen = []
    proxy.service.events.subscribe(lambda e: seen.append(e))

    async def model_ids():
        async with aiohttp.ClientSession() as http:
            async with http.get(proxy.url + "/v1/models", headers=AUTH) as resp:
                return {m["id"] for m in (await resp.json())["data"]}

    assert "new-model" not in await model_ids()
    cfg = proxy.config
    cfg["openai-compatibility"][0]["models"].append({"name": "up-new", "alias": "new-model"})
    await asyncio.sleep(0.3)  # let the watcher arm before the edit
    proxy.write_config(cfg)
    for _ in range(100):
        if "new-model" in await model_ids():
            break
        await asyncio.sleep(0.05)
    assert "new-model" in await model_ids()

    # a broken edit: the old config keeps serving, the error names the key path
    broken = dict(cfg, **{"claude-api-key": [{"api-key": "k", "base-url": 42}]})
    proxy.write_config(broken)
    for _ in range(100):
        if any(isinstance(e, ConfigReloaded) and not e.ok for e in seen):
            break
        await asyncio.sleep(0.05)
    failed = [e for e in seen if isinstance(e, ConfigReloaded) and not e.ok]
    assert failed and "claude-api-key[0].base-url" in failed[-1].message
    assert "new-model" in await model_ids()
    status, _ = await post(proxy, "/v1/chat/completions",
                           b'{"model":"new-model","messages":[{"role":"user","content":"x"}]}')
    assert status == 200 and fakes.openai.last.json["model"] == "up-new"

    # access keys change at once
    proxy.write_config(dict(cfg, **{"api-keys": ["sk-client-2"]}))
    for _ in range(100):
        status, _ = await post(proxy, "/v1/chat/completions", b"{}")
        if status == 401:
            break
        await asyncio.sleep(0.05)
    assert status == 401


async def test_shutdown_is_fast_with_open_streams(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    fakes.openai.hang_stream_after(1)
    async with aiohttp.ClientSession() as http:
        resp = await http.post(proxy.url + "/v1/chat/completions", headers=AUTH, json={
            "model": "chat-model", "stream": True, "messages": [{"role": "user", "content": "x"}]})
        await resp.content.readany()
        started = time.monotonic()
        await proxy.stop()
        elapsed = time.monotonic() - started
        rest = await resp.content.read()  # the stream was closed, not left hanging
        resp.close()
    assert elapsed < 2.0
    assert proxy.service.state == "stopped"
    assert isinstance(rest, bytes)
    await proxy.stop()  # idempotent


async def test_no_secret_in_logs(make_proxy, fakes):
    secrets = ["sk-client-1", "AIza-gemini-key-1", "sk-ant-key-1", "sk-codex-key-1",
               "sk-compat-key-1"]
    cfg = standard_config(fakes, debug=True)
    proxy = await make_proxy(cfg, watch=True)
    lines: list[str] = []
    proxy.service.events.subscribe(
        lambda e: lines.append(e.message) if isinstance(e, LogLine) else None)
    for key in secrets[1:]:
        fakes.openai.fail_for_key(key, 401)
        fakes.anthropic.fail_for_key(key, 401)
        fakes.gemini.fail_for_key(key, 401)
        fakes.codex.fail_for_key(key, 401)
    for path, body in [
        ("/v1/chat/completions", b'{"model":"chat-model","messages":[]}'),
        ("/v1/messages", b'{"model":"claude-sonnet-4-5-20250929","max_tokens":5,"messages":[]}'),
        ("/v1beta/models/gemini-2.5-pro:generateContent", b'{"contents":[]}'),
        ("/v1/responses", b'{"model":"gpt-5","input":"x"}'),
        ("/v1/chat/completions", b"{broken"),
    ]:
        status, response_body = await post(proxy, path, body)
        assert status >= 400
        for secret in secrets:
            assert secret.encode() not in response_body
    # a config edit logs a change summary: still no secret
    proxy.write_config(dict(cfg, **{"generative-language-api-key": ["AIza-gemini-key-2"]}))
    await asyncio.sleep(1.0)
    secrets.append("AIza-gemini-key-2")
    text = "\n".join([ln.message for ln in proxy.service.log_handler.recent] + lines)
    assert any("config" in ln for ln in lines)
    for secret in secrets:
        assert secret not in text


async def test_cors_headers_on_every_kind_of_response(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with aiohttp.ClientSession() as http:
        for method, path, kw in [
            ("GET", "/", {}), ("GET", "/v1/models", {}), ("GET", "/nope", {}),
            ("POST", "/v1/chat/completions", {"headers": AUTH, "data": b"{"}),
            ("POST", "/v1/chat/completions", {"headers": AUTH, "json": {
                "model": "chat-model", "stream": True, "messages": []}}),
        ]:
            async with http.request(method, proxy.url + path, **kw) as resp:
                await resp.read()
                assert resp.headers["Access-Control-Allow-Origin"] == "*", path
                assert resp.headers["Access-Control-Allow-Headers"] == "*", path
