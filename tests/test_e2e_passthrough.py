"""Same-format passthrough, end to end: official SDKs → proxy → fake upstreams.

Each test checks what the client got (parsed strictly by the SDK), what the fake
received (model, credential, headers) and the usage record the proxy kept.
"""

from __future__ import annotations

import asyncio

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as gtypes

from tests.conftest import standard_config

CLIENT_KEY = "sk-client-1"


def openai_client(proxy) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)


def anthropic_client(proxy) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)


def genai_client(proxy) -> genai.Client:
    return genai.Client(api_key=CLIENT_KEY, http_options=gtypes.HttpOptions(
        base_url=proxy.url, retry_options=gtypes.HttpRetryOptions(attempts=1)))


async def wait_records(proxy, n: int) -> list:
    """Usage records are added right after the response is written; give them a moment."""
    for _ in range(100):
        recent = proxy.service.usage.recent(50)
        if len(recent) >= n:
            return recent
        await asyncio.sleep(0.02)
    return proxy.service.usage.recent(50)


async def test_openai_chat_non_stream(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with openai_client(proxy) as client:
        resp = await client.chat.completions.create(
            model="chat-model", messages=[{"role": "user", "content": "hi"}])
    assert resp.choices[0].message.content == fakes.openai.reply_text
    assert resp.usage.prompt_tokens == fakes.openai.usage.input
    assert resp.usage.completion_tokens == fakes.openai.usage.output
    seen = fakes.openai.last
    assert seen.path == "/v1/chat/completions"
    assert seen.json["model"] == "upstream-chat-model"  # alias → upstream name
    assert seen.headers["authorization"] == "Bearer sk-compat-key-1"
    assert seen.headers["user-agent"] == "cli-proxy-openai-compat"
    (record,) = await wait_records(proxy, 1)
    assert record.client_format == "openai" and record.model == "chat-model"
    assert record.served_model == "upstream-chat-model"
    assert record.provider == "compat" and record.status == 200 and not record.stream
    assert (record.input_tokens, record.output_tokens) == (fakes.openai.usage.input,
                                                           fakes.openai.usage.output)
    assert record.cached_tokens == fakes.openai.usage.cached
    assert record.reasoning_tokens == fakes.openai.usage.reasoning
    assert record.client_key == "sk-c...nt-1"
    assert record.latency_ms > 0


@pytest.mark.parametrize("include_usage", [True, False])
async def test_openai_chat_stream(make_proxy, fakes, include_usage):
    proxy = await make_proxy(standard_config(fakes))
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}
    async with openai_client(proxy) as client:
        stream = await client.chat.completions.create(
            model="chat-model", messages=[{"role": "user", "content": "hi"}], stream=True,
            **extra)
        chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == fakes.openai.reply_text
    usage_chunks = [c for c in chunks if c.usage is not None]
    if include_usage:
        assert usage_chunks[-1].usage.prompt_tokens == fakes.openai.usage.input
    else:
        assert usage_chunks == []  # the client did not ask for the usage chunk
    # the proxy always asks for usage, so the stream is counted either way
    assert fakes.openai.last.json["stream_options"]["include_usage"] is True
    (record,) = await wait_records(proxy, 1)
    assert record.stream and record.output_tokens == fakes.openai.usage.output
    assert record.ttfb_ms is not None and record.ttfb_ms <= record.latency_ms


async def test_legacy_completions(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with openai_client(proxy) as client:
        resp = await client.completions.create(model="chat-model", prompt="Say hi", max_tokens=5)
        stream = await client.completions.create(model="chat-model", prompt="Say hi",
                                                 stream=True)
        streamed = "".join([c.choices[0].text async for c in stream if c.choices])
    assert resp.choices[0].text == fakes.openai.reply_text
    assert streamed == fakes.openai.reply_text
    assert fakes.openai.requests[0].json["messages"] == [{"role": "user", "content": "Say hi"}]


async def test_claude_messages(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    model = "claude-sonnet-4-5-20250929"
    async with anthropic_client(proxy) as client:
        msg = await client.messages.create(model=model, max_tokens=64, system="Be brief.",
                                           messages=[{"role": "user", "content": "hi"}])
        async with client.messages.stream(model=model, max_tokens=64,
                                          messages=[{"role": "user", "content": "hi"}]) as s:
            streamed = "".join([t async for t in s.text_stream])
            final = await s.get_final_message()
        count = await client.messages.count_tokens(
            model=model, messages=[{"role": "user", "content": "hi"}])
    assert msg.content[0].text == fakes.anthropic.reply_text
    assert streamed == fakes.anthropic.reply_text
    assert final.usage.output_tokens == fakes.anthropic.usage.output
    assert count.input_tokens > 0
    first = fakes.anthropic.requests[0]
    assert first.path == "/v1/messages" and first.query.get("beta") == "true"
    assert first.headers["x-api-key"] == "sk-ant-key-1"
    system = first.json["system"]
    assert system[0]["text"].startswith("You are Claude Code")
    assert system[-1]["text"] == "Be brief."  # the client's own system prompt is kept
    records = await wait_records(proxy, 2)
    by_stream = {r.stream: r for r in records}
    assert by_stream[True].input_tokens == fakes.anthropic.usage.input
    assert by_stream[True].output_tokens == fakes.anthropic.usage.output
    assert by_stream[False].output_tokens == fakes.anthropic.usage.output
    assert len(records) == 2  # count_tokens is not a usage record


async def test_gemini_generate(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    client = genai_client(proxy)
    resp = await client.aio.models.generate_content(model="gemini-2.5-flash", contents="hi")
    chunks = [c async for c in await client.aio.models.generate_content_stream(
        model="gemini-2.5-flash", contents="hi")]
    count = await client.aio.models.count_tokens(model="gemini-2.5-flash", contents="hi")
    await client.aio.aclose()
    assert resp.text == fakes.gemini.reply_text
    assert "".join(c.text or "" for c in chunks) == fakes.gemini.reply_text
    assert count.total_tokens > 0
    first = fakes.gemini.requests[0]
    assert first.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert first.headers["x-goog-api-key"] == "AIza-gemini-key-1"
    stream_req = fakes.gemini.requests[1]
    assert stream_req.path.endswith(":streamGenerateContent") and stream_req.query["alt"] == "sse"
    records = await wait_records(proxy, 2)
    assert {r.stream for r in records} == {True, False}
    for r in records:
        assert r.input_tokens == fakes.gemini.usage.input
        assert r.output_tokens == fakes.gemini.usage.output
        assert r.reasoning_tokens == fakes.gemini.usage.reasoning


async def test_responses_to_codex(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with openai_client(proxy) as client:
        resp = await client.responses.create(model="gpt-5", input="hi")
        stream = await client.responses.create(model="gpt-5-high", input="hi", stream=True)
        events = [e async for e in stream]
    assert resp.output_text == fakes.codex.reply_text
    assert resp.usage.input_tokens == fakes.codex.usage.input
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == fakes.codex.reply_text
    assert events[-1].type == "response.completed"
    second = fakes.codex.requests[1]
    assert second.path == "/backend-api/codex/responses"
    assert second.json["model"] == "gpt-5" and second.json["reasoning"]["effort"] == "high"
    assert second.headers["authorization"] == "Bearer sk-codex-key-1"
    records = await wait_records(proxy, 2)
    for r in records:
        assert r.provider == "codex" and r.input_tokens == fakes.codex.usage.input
        assert r.cached_tokens == fakes.codex.usage.cached
        assert r.reasoning_tokens == fakes.codex.usage.reasoning


@pytest.mark.parametrize("model", ["gemini-2.5-flash", "chat-model"])
async def test_gemini_stream_with_alt_json_is_one_json_array(make_proxy, fakes, model):
    import json

    import aiohttp

    proxy = await make_proxy(standard_config(fakes))
    async with aiohttp.ClientSession() as http:
        async with http.post(proxy.url + f"/v1beta/models/{model}:streamGenerateContent?alt=json",
                             headers={"x-goog-api-key": CLIENT_KEY},
                             json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
                             ) as resp:
            assert resp.status == 200 and resp.content_type == "application/json"
            chunks = json.loads(await resp.read())
    text = "".join(p.get("text", "") for c in chunks for p in c["candidates"][0]["content"]
                   .get("parts", []))
    fake = fakes.gemini if model.startswith("gemini") else fakes.openai
    assert text == fake.reply_text
