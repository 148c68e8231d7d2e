"""The Codex family end to end: official SDKs → proxy → the fake Codex backend.

Each client format talks to a ``gpt-5`` model served by a ``codex-api-key``; the SDKs
parse what the proxy sends strictly, and the fake records the translated request.
"""

from __future__ import annotations

import anthropic
import openai
from google import genai
from google.genai import types as gtypes

from tests.conftest import standard_config

CLIENT_KEY = "sk-client-1"
LONG_MCP = "mcp__" + "fs" * 35 + "__read_file"
READ_FILE_SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}}


async def test_claude_client_stream_and_non_stream(make_proxy, fakes):
    fakes.codex.tool_call = {"name": "mcp__read_file", "arguments": '{"path":"a.txt"}'}
    proxy = await make_proxy(standard_config(fakes))
    tools = [{"name": LONG_MCP, "description": "Read", "input_schema": READ_FILE_SCHEMA}]
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY,
                                        max_retries=0) as client:
        msg = await client.messages.create(
            model="gpt-5", max_tokens=256, system="Be terse", tools=tools,
            messages=[{"role": "user", "content": "read a.txt"}])
        async with client.messages.stream(
                model="gpt-5", max_tokens=256, tools=tools,
                messages=[{"role": "user", "content": "again"}]) as stream:
            streamed = await stream.get_final_message()
    for m in (msg, streamed):
        assert [b.type for b in m.content] == ["text", "tool_use"]
        assert m.content[0].text == fakes.codex.reply_text
        assert m.content[1].name == LONG_MCP and m.content[1].input == {"path": "a.txt"}
        assert m.stop_reason == "tool_use"
        assert m.usage.output_tokens == fakes.codex.usage.output
        assert m.usage.input_tokens + (m.usage.cache_read_input_tokens or 0) == \
            fakes.codex.usage.input
    sent = fakes.codex.requests[0].json
    assert sent["instructions"] == "Be terse"
    assert sent["tools"][0]["name"] == "mcp__read_file"
    assert sent["input"] == [{"type": "message", "role": "user",
                              "content": [{"type": "input_text", "text": "read a.txt"}]}]
    assert sent["stream"] is True and sent["store"] is False


async def test_openai_chat_client_stream_and_non_stream(make_proxy, fakes):
    fakes.codex.tool_call = {"name": "lookup", "arguments": '{"q":"x"}'}
    proxy = await make_proxy(standard_config(fakes))
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": READ_FILE_SCHEMA}}]
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY,
                                  max_retries=0) as client:
        resp = await client.chat.completions.create(
            model="gpt-5", tools=tools,
            messages=[{"role": "system", "content": "Sys"}, {"role": "user", "content": "hi"}])
        stream = await client.chat.completions.create(
            model="gpt-5", messages=[{"role": "user", "content": "hi"}], stream=True,
            stream_options={"include_usage": True})
        chunks = [c async for c in stream]
    choice = resp.choices[0]
    assert choice.message.content == fakes.codex.reply_text
    assert choice.message.tool_calls[0].function.name == "lookup"
    assert choice.finish_reason == "tool_calls"
    assert resp.usage.prompt_tokens == fakes.codex.usage.input
    assert resp.usage.prompt_tokens_details.cached_tokens == fakes.codex.usage.cached
    assert resp.usage.completion_tokens_details.reasoning_tokens == fakes.codex.usage.reasoning
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == fakes.codex.reply_text
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == \
        fakes.codex.usage.output
    assert fakes.codex.requests[0].json["instructions"] == "Sys"


async def test_gemini_client_stream_non_stream_and_count(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    client = genai.Client(api_key=CLIENT_KEY, http_options=gtypes.HttpOptions(
        base_url=proxy.url, retry_options=gtypes.HttpRetryOptions(attempts=1)))
    config = gtypes.GenerateContentConfig(system_instruction="Be brief")
    resp = await client.aio.models.generate_content(model="gpt-5", contents="hi",
                                                    config=config)
    pieces = [c async for c in await client.aio.models.generate_content_stream(
        model="gpt-5", contents="hi")]
    count = await client.aio.models.count_tokens(model="gpt-5", contents="hello there")
    await client.aio.aclose()
    assert resp.text == fakes.codex.reply_text
    assert resp.candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert resp.usage_metadata.prompt_token_count == fakes.codex.usage.input
    assert "".join(p.text or "" for p in pieces) == fakes.codex.reply_text
    assert pieces[-1].candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert count.total_tokens and count.total_tokens > 0
    assert fakes.codex.requests[0].json["instructions"] == "Be brief"


async def test_claude_count_tokens(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY,
                                        max_retries=0) as client:
        counted = await client.messages.count_tokens(
            model="gpt-5", messages=[{"role": "user", "content": "hello there, count me"}])
    assert counted.input_tokens > 0
