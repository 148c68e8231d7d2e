"""Balancing, failover, cooldown, access keys and usage persistence through the real proxy."""

from __future__ import annotations

import asyncio

import aiohttp
import openai
import pytest

from cliproxy_tui.clock import FakeClock
from tests.conftest import standard_config

KEYS = ["sk-compat-aaaa1111", "sk-compat-bbbb2222"]


def two_key_config(fakes, **extra):
    cfg = standard_config(fakes, **extra)
    cfg["openai-compatibility"][0]["api-key-entries"] = [{"api-key": k} for k in KEYS]
    return cfg


async def chat(proxy, model="chat-model", key="sk-client-1"):
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=key,
                                  max_retries=0) as client:
        return await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}])


def keys_seen(fake):
    return [r.api_key for r in fake.requests]


async def test_round_robin_across_keys(make_proxy, fakes):
    proxy = await make_proxy(two_key_config(fakes))
    for _ in range(4):
        await chat(proxy)
    seen = keys_seen(fakes.openai)
    assert sorted(seen) == sorted(KEYS * 2)
    assert seen[0] != seen[1] and seen[1] != seen[2]  # alternates, not random


async def test_failover_cooldown_and_recovery(make_proxy, fakes):
    clock = FakeClock()
    proxy = await make_proxy(two_key_config(fakes), clock=clock)
    fakes.openai.fail_for_key(KEYS[0], 429)
    # whichever key the cursor starts on, every request succeeds
    for _ in range(3):
        resp = await chat(proxy)
        assert resp.choices[0].message.content == fakes.openai.reply_text
    assert keys_seen(fakes.openai).count(KEYS[0]) == 1  # tried once, then cooling down
    fakes.openai.clear_failures()
    fakes.openai.requests.clear()
    await chat(proxy)
    await chat(proxy)
    assert keys_seen(fakes.openai) == [KEYS[1], KEYS[1]]  # still cooling (1 s, clock frozen)
    clock.advance(1.5)
    fakes.openai.requests.clear()
    await chat(proxy)
    await chat(proxy)
    assert sorted(keys_seen(fakes.openai)) == sorted(KEYS)  # back in the rotation
    snap = proxy.service.snapshot()
    cred = next(c for c in snap.credentials if c.label.endswith("1111"))
    assert cred.failure_count == 1 and cred.success_count >= 1


async def test_all_cooling_answers_model_cooldown(make_proxy, fakes):
    clock = FakeClock()
    proxy = await make_proxy(two_key_config(fakes), clock=clock)
    for key in KEYS:
        fakes.openai.fail_for_key(key, 429)
    with pytest.raises(openai.RateLimitError):
        await chat(proxy)
    async with aiohttp.ClientSession() as http:
        async with http.post(proxy.url + "/v1/chat/completions",
                             headers={"Authorization": "Bearer sk-client-1"},
                             json={"model": "chat-model", "messages": []}) as resp:
            body = await resp.json()
            assert resp.status == 429
            assert resp.headers["Retry-After"] == "1"
    assert body["error"]["code"] == "model_cooldown"
    assert body["error"]["model"] == "chat-model" and body["error"]["provider"] == "compat"
    assert body["error"]["reset_seconds"] == 1 and body["error"]["reset_time"] == "1s"


async def test_client_error_is_not_retried_on_other_keys(make_proxy, fakes):
    proxy = await make_proxy(two_key_config(fakes))
    for key in KEYS:
        fakes.openai.fail_for_key(key, 400)
    with pytest.raises(openai.BadRequestError):
        await chat(proxy)
    assert len(fakes.openai.requests) == 1


async def test_disabled_credential_is_skipped(make_proxy, fakes):
    proxy = await make_proxy(two_key_config(fakes))
    snap = proxy.service.snapshot()
    first = next(c for c in snap.credentials if c.label.endswith("1111"))
    view = await asyncio.wrap_future(proxy.service.disable_credential(first.id))
    assert view.state == "disabled"
    for _ in range(3):
        await chat(proxy)
    assert set(keys_seen(fakes.openai)) == {KEYS[1]}
    await asyncio.wrap_future(proxy.service.enable_credential(first.id))
    fakes.openai.requests.clear()
    await chat(proxy)
    await chat(proxy)
    assert set(keys_seen(fakes.openai)) == set(KEYS)


async def test_access_keys(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with aiohttp.ClientSession() as http:
        async with http.get(proxy.url + "/v1/models") as resp:
            assert resp.status == 401 and await resp.json() == {"error": "Missing API key"}
        async with http.get(proxy.url + "/v1/models",
                            headers={"Authorization": "Bearer wrong"}) as resp:
            assert resp.status == 401 and await resp.json() == {"error": "Invalid API key"}
        async with http.get(proxy.url + "/v1/models?key=sk-client-1",
                            headers={"Authorization": "Bearer wrong"}) as resp:
            assert resp.status == 200  # a wrong earlier source does not block a later one
            ids = [m["id"] for m in (await resp.json())["data"]]
        async with http.options(proxy.url + "/v1/chat/completions") as resp:
            assert resp.status == 204
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
        async with http.get(proxy.url + "/") as resp:
            assert (await resp.json())["message"] == "CLI Proxy API Server"
    assert "chat-model" in ids and "gemini-2.5-pro" in ids and "gpt-5-codex" in ids
    assert ids == sorted(ids)


async def test_usage_survives_restart(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    await chat(proxy)
    await chat(proxy)
    await asyncio.sleep(0.1)
    before = proxy.service.snapshot().usage.all_time
    assert before.requests == 2
    await proxy.restart()
    after = proxy.service.snapshot().usage.all_time
    assert after.requests == 2 and after.input_tokens == before.input_tokens > 0
    assert [r.model for r in proxy.service.usage.recent(10)] == ["chat-model", "chat-model"]
    await chat(proxy)
    await asyncio.sleep(0.1)
    assert proxy.service.snapshot().usage.all_time.requests == 3


async def test_usage_plugin_and_hooks(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes), start=False)
    records, calls = [], []
    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    def plugin(record):
        records.append(record)
        loop.call_soon_threadsafe(done.set)

    proxy.service.add_usage_plugin(plugin)
    proxy.service.on_before_start(lambda cfg: calls.append(("before", cfg.port)))
    proxy.service.on_after_start(lambda svc: calls.append(("after", bool(svc.base_url))))
    await proxy.start()
    await chat(proxy)
    await asyncio.wait_for(done.wait(), 5)
    assert calls == [("before", 0), ("after", True)]
    assert records[0].model == "chat-model" and records[0].status == 200


async def test_models_newer_than_the_catalog_reach_their_family(make_proxy, fakes):
    """Claude Code asks for models released after our catalog; a Claude key serves them."""
    import anthropic

    cfg = standard_config(fakes)
    cfg["claude-api-key"].append({"api-key": "sk-ant-restricted",
                                  "models": [{"name": "claude-x", "alias": "only-this"}]})
    proxy = await make_proxy(cfg)
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key="sk-client-1",
                                        max_retries=0) as client:
        for _ in range(2):
            msg = await client.messages.create(model="claude-opus-4-8", max_tokens=16,
                                               messages=[{"role": "user", "content": "hi"}])
            assert msg.content[0].text == fakes.anthropic.reply_text
    # the key restricted to its own model list is never used for it
    assert {r.api_key for r in fakes.anthropic.requests} == {"sk-ant-key-1"}
    assert fakes.anthropic.last.json["model"] == "claude-opus-4-8"
    with pytest.raises(openai.BadRequestError, match="unknown provider for model mistral-x"):
        await chat(proxy, model="mistral-x")


async def test_gemini_bad_key_fails_over_to_the_next_key(make_proxy, fakes):
    cfg = standard_config(fakes, **{"generative-language-api-key": ["AIza-bad", "AIza-good"]})
    proxy = await make_proxy(cfg)
    fakes.gemini.fail_for_key("AIza-bad", 400, {"error": {
        "code": 400, "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT", "details": [{"reason": "API_KEY_INVALID"}]}})
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.post(
                    proxy.url + "/v1beta/models/gemini-2.5-flash:generateContent",
                    headers={"x-goog-api-key": "sk-client-1"},
                    json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}) as resp:
                assert resp.status == 200
    # the bad key was tried once, then parked (30 min, like any 401)
    assert [r.api_key for r in fakes.gemini.requests].count("AIza-bad") == 1


async def test_request_retry_retries_a_transient_failure_on_the_same_key(make_proxy, fakes):
    from tests.fakes.base import FakeResponse

    proxy = await make_proxy(standard_config(fakes, **{"request-retry": 2}))
    fakes.openai.script(FakeResponse(status=503, json={"error": {"message": "overloaded"}}))
    resp = await chat(proxy)
    assert resp.choices[0].message.content == fakes.openai.reply_text
    assert keys_seen(fakes.openai) == ["sk-compat-key-1", "sk-compat-key-1"]
    cred = next(c for c in proxy.service.snapshot().credentials if c.provider == "compat")
    assert cred.state == "active" and cred.success_count == 1


async def test_token_files_route_only_where_an_executor_exists(make_proxy, fakes):
    import json

    proxy = await make_proxy(standard_config(fakes), start=False)
    auth = proxy.dir / "auth"
    auth.mkdir(exist_ok=True)
    # an upstream auth dir: a Claude Code login (usable: its access token is sent like a
    # key) and a Gemini CLI login (its Cloud Code API is not in this version)
    (auth / "claude-bob.json").write_text(json.dumps(
        {"type": "claude", "email": "bob@example.org", "access_token": "sk-ant-oat-2222"}))
    (auth / "gemini-ada.json").write_text(json.dumps(
        {"type": "gemini", "email": "ada@example.org",
         "token": {"access_token": "ya29.tok-1111"}, "project_id": "p1"}))
    await proxy.start()
    views = {c.id: c for c in proxy.service.snapshot().credentials}
    gem = views["gemini-ada.json"]
    assert gem.state == "unsupported" and gem.models == ()
    assert "gemini-cli credentials are not supported" in gem.status_message
    assert views["claude-bob.json"].state == "active" and views["claude-bob.json"].models

    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        for _ in range(4):
            await client.chat.completions.create(
                model="gemini-2.5-pro", messages=[{"role": "user", "content": "hi"}])
            await client.chat.completions.create(
                model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}])
    views = {c.id: c for c in proxy.service.snapshot().credentials}
    assert views["gemini-ada.json"].failure_count == 0
    assert views["gemini-ada.json"].success_count == 0
    assert views["claude-bob.json"].success_count == 2  # round robin with the API key
    auths = {r.headers.get("authorization") for r in fakes.anthropic.requests}
    assert "Bearer sk-ant-oat-2222" in auths
