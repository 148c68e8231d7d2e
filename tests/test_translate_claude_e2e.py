"""OpenAI, Responses and Gemini clients over a Claude upstream, end to end: official SDKs →
proxy → the fake Anthropic API (which rejects fields Claude does not define and
requests without ``max_tokens``)."""

from __future__ import annotations

import openai
from google import genai
from google.genai import types as gtypes

from tests.conftest import standard_config
from tests.test_e2e_passthrough import CLIENT_KEY, wait_records

MODEL = "claude-sonnet-4-5-20250929"
TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather by city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def openai_client(proxy) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)


async def test_chat_client_over_claude(make_proxy, fakes):
    fakes.anthropic.tool_use = {"name": "get_weather", "input": {"city": "Paris"}}
    fakes.anthropic.cache_read_tokens = 4
    proxy = await make_proxy(standard_config(fakes))
    async with openai_client(proxy) as client:
        resp = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": "Weather in Paris?"}],
            tools=[TOOL], max_tokens=300, temperature=0.2, stop=["END"])
        stream = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True,
            stream_options={"include_usage": True})
        chunks = [c async for c in stream]
    msg = resp.choices[0].message
    assert msg.content == fakes.anthropic.reply_text
    assert msg.tool_calls[0].function.name == "get_weather"
    assert msg.tool_calls[0].function.arguments == '{"city":"Paris"}'
    assert resp.choices[0].finish_reason == "tool_calls"
    assert resp.usage.prompt_tokens == fakes.anthropic.usage.input + 4
    assert resp.usage.prompt_tokens_details.cached_tokens == 4
    sent = fakes.anthropic.requests[0].json
    assert sent["max_tokens"] == 300 and sent["stop_sequences"] == ["END"]
    assert sent["system"][-1] == {"type": "text", "text": "Be brief."}
    assert sent["tools"][0]["input_schema"]["properties"] == {"city": {"type": "string"}}
    assert sent["stream"] is False
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == fakes.anthropic.reply_text
    assert chunks[-1].usage.completion_tokens == fakes.anthropic.usage.output
    assert fakes.anthropic.requests[1].json["stream"] is True
    records = await wait_records(proxy, 2)
    assert {(r.client_format, r.provider) for r in records} == {("openai", "claude")}
    assert all(r.output_tokens == fakes.anthropic.usage.output for r in records)


async def test_responses_client_over_claude(make_proxy, fakes):
    fakes.anthropic.tool_use = {"name": "get_weather", "input": {"city": "Oslo"}}
    proxy = await make_proxy(standard_config(fakes))
    tools = [{"type": "function", "name": "get_weather", "parameters": TOOL["function"]["parameters"]}]
    async with openai_client(proxy) as client:
        resp = await client.responses.create(model=MODEL, instructions="Be brief.",
                                             input="Weather in Oslo?", tools=tools)
        async with client.responses.stream(model=MODEL, input="hi") as stream:
            deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
            final = await stream.get_final_response()
    assert resp.output_text == fakes.anthropic.reply_text
    call = next(o for o in resp.output if o.type == "function_call")
    assert call.name == "get_weather" and call.arguments == '{"city":"Oslo"}'
    assert resp.instructions == "Be brief."  # echoed from the client's request
    assert resp.usage.output_tokens == fakes.anthropic.usage.output
    assert "".join(deltas) == fakes.anthropic.reply_text == final.output_text
    assert final.status == "completed"


async def test_gemini_client_over_claude(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    client = genai.Client(api_key=CLIENT_KEY, http_options=gtypes.HttpOptions(
        base_url=proxy.url, retry_options=gtypes.HttpRetryOptions(attempts=1)))
    config = gtypes.GenerateContentConfig(system_instruction="Be brief.", max_output_tokens=200,
                                          temperature=0.3)
    resp = await client.aio.models.generate_content(model=MODEL, contents="hi", config=config)
    chunks = [c async for c in await client.aio.models.generate_content_stream(
        model=MODEL, contents="hi")]
    fakes.anthropic.count_result = 17
    count = await client.aio.models.count_tokens(model=MODEL, contents="hi")
    await client.aio.aclose()
    assert resp.text == fakes.anthropic.reply_text
    assert resp.usage_metadata.candidates_token_count == fakes.anthropic.usage.output
    assert "".join(c.text or "" for c in chunks) == fakes.anthropic.reply_text
    assert chunks[-1].candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert count.total_tokens == 17  # example H
    sent = fakes.anthropic.requests[0].json
    assert sent["max_tokens"] == 200 and sent["temperature"] == 0.3
    assert sent["system"][-1]["text"] == "Be brief."
