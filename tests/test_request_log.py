"""``request-log: true``: one file per /v1 request, secrets masked, streams and retries kept."""

from __future__ import annotations

import asyncio
import os
import stat

import aiohttp
import anthropic
import openai

from cliproxy_tui.request_log import file_name, masked_header, masked_query
from tests.conftest import standard_config

KEYS = ["sk-compat-aaaa1111", "sk-compat-bbbb2222"]


def read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def config(fakes, **extra):
    cfg = standard_config(fakes, **{"request-log": True}, **extra)
    cfg["openai-compatibility"][0]["api-key-entries"] = [{"api-key": k} for k in KEYS]
    return cfg


async def files(directory, n, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = sorted(f for f in os.listdir(directory) if f.endswith(".log")) \
            if os.path.isdir(directory) else []
        if len(found) >= n:
            return [os.path.join(directory, f) for f in found]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"expected {n} request log files, found {found}")
        await asyncio.sleep(0.05)


async def test_a_request_and_its_upstream_attempts_are_written(make_proxy, fakes, tmp_path,
                                                              monkeypatch):
    monkeypatch.setenv("WRITABLE_PATH", str(tmp_path / "w"))
    proxy = await make_proxy(config(fakes))
    fakes.openai.fail_for_key(KEYS[0], 429)
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        for _ in range(2):  # round robin: one of the two meets the 429 first
            await client.chat.completions.create(
                model="chat-model", messages=[{"role": "user", "content": "what is 6*7?"}])
    paths = await files(tmp_path / "w" / "logs", 2)
    assert all(os.path.basename(p).startswith("v1-chat-completions-") for p in paths)
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in paths)
    [text] = [t for t in map(read, paths) if "=== API REQUEST 2 ===" in t]
    for section in ("=== REQUEST INFO ===", "=== HEADERS ===", "=== REQUEST BODY ===",
                    "=== API REQUEST 1 ===", "=== API RESPONSE 1 ===", "=== API REQUEST 2 ===",
                    "=== API RESPONSE 2 ===", "=== RESPONSE ==="):
        assert section in text
    assert "URL: /v1/chat/completions" in text and "Method: POST" in text
    assert "what is 6*7?" in text  # the client's body and the upstream body
    assert "Upstream URL: https://api.openai.com/v1/chat/completions" not in text  # mapped
    assert f"Upstream URL: {fakes.openai.url}" in text or fakes.openai.origin in text
    assert "Status: 429" in text and text.count("Status: 200") == 2
    assert text.index("Status: 429") < text.index("=== API REQUEST 2 ===")
    assert "provider=compat" in text and "type=api_key value=…1111" in text
    # no secret in full: the client's access key, both upstream keys
    for secret in ("sk-client-1", *KEYS):
        assert secret not in text
    assert "Authorization: Bearer …nt-1" in text
    assert '"chat.completion"' in text  # what the client got


async def test_streams_unauthorised_requests_and_off_switch(make_proxy, fakes, tmp_path,
                                                            monkeypatch):
    monkeypatch.setenv("WRITABLE_PATH", str(tmp_path / "w"))
    proxy = await make_proxy(config(fakes), watch=True)
    logs = tmp_path / "w" / "logs"
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key="sk-client-1",
                                        max_retries=0) as client:
        async with client.messages.stream(
                model="claude-sonnet-4-5", max_tokens=50,
                messages=[{"role": "user", "content": "stream please"}]) as stream:
            await stream.get_final_message()
    async with aiohttp.ClientSession() as http:
        async with http.post(proxy.url + "/v1/messages?key=sk-wrong-key-9876",
                             json={"model": "x"}) as resp:
            assert resp.status == 401
        async with http.get(proxy.url + "/") as resp:  # not a /v1 path: no file
            assert resp.status == 200
    paths = await files(logs, 2)
    texts = [read(p) for p in paths]
    streamed = next(t for t in texts if "stream please" in t)
    assert "event: message_stop" in streamed.split("=== RESPONSE ===")[1]
    assert "event: message_stop" in streamed.split("=== API RESPONSE 1 ===")[1]
    assert "x-api-key: …nt-1" in streamed.lower() or "…nt-1" in streamed
    assert "sk-ant-key-1" not in streamed and "sk-client-1" not in streamed
    rejected = next(t for t in texts if "Status: 401" in t)
    assert "key=…9876" in rejected and "sk-wrong-key-9876" not in rejected
    assert "=== API REQUEST" not in rejected

    await asyncio.sleep(0.3)
    proxy.write_config({**proxy.config, "request-log": False})
    deadline = asyncio.get_running_loop().time() + 5
    while proxy.service.core.request_log_dir is not None:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        await client.chat.completions.create(
            model="chat-model", messages=[{"role": "user", "content": "hi"}])
    await asyncio.sleep(0.3)
    assert len([f for f in os.listdir(logs) if f.endswith(".log")]) == 2


async def test_off_by_default(make_proxy, fakes, tmp_path, monkeypatch):
    monkeypatch.setenv("WRITABLE_PATH", str(tmp_path / "w"))
    proxy = await make_proxy(standard_config(fakes))
    assert proxy.service.core.request_log_dir is None
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        await client.chat.completions.create(
            model="chat-model", messages=[{"role": "user", "content": "hi"}])
    await asyncio.sleep(0.2)
    assert not (tmp_path / "w" / "logs").exists()


def test_names_and_masking():
    ns = 1_761_678_025_123_456_789
    name = file_name("/v1beta/models/gemini-2.5-pro:streamGenerateContent", ns)
    assert name.startswith("v1beta-models-gemini-2.5-pro-streamGenerateContent-")
    assert name.endswith("-123456789.log")
    assert file_name("/", ns).startswith("root-")
    assert masked_header("Authorization", "Bearer sk-abcdefgh1234") == "Bearer …1234"
    assert masked_header("x-goog-api-key", "AIzaSyXXXX9999") == "…9999"
    assert masked_header("Content-Type", "application/json") == "application/json"
    assert masked_query("alt=sse&key=AIza-secret-5555") == "alt=sse&key=…5555"
