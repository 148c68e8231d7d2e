"""OpenAI, Claude and Responses clients served by a Gemini API key, end to end.

Official SDKs → proxy → fake Gemini (which rejects unknown request fields like the real
API): the translated request must be accepted, the answer must parse in the client's
SDK, and the usage must reach the client.
"""

from __future__ import annotations

import anthropic
import openai

from tests.conftest import standard_config

CLIENT_KEY = "sk-client-1"
MODEL = "gemini-2.5-flash"
WEATHER_TOOL = {"name": "get_weather", "description": "Weather by city",
                "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                                 "required": ["city"]}}


def openai_client(proxy) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY, max_retries=0)


def anthropic_client(proxy) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0)


async def test_openai_chat_over_gemini(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with openai_client(proxy) as client:
        resp = await client.chat.completions.create(
            model=MODEL, max_tokens=64, stop=["END"],
            messages=[{"role": "system", "content": "Be brief."},
                      {"role": "user", "content": "hi"}])
        stream = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True)
        chunks = [c async for c in stream]
    gem = fakes.gemini
    assert resp.choices[0].message.content == gem.reply_text
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.completion_tokens == gem.usage.output
    assert resp.usage.completion_tokens_details.reasoning_tokens == gem.usage.reasoning
    sent = gem.requests[0].json
    assert sent["system_instruction"]["parts"] == [{"text": "Be brief."}]
    assert sent["generationConfig"]["maxOutputTokens"] == 64
    assert sent["generationConfig"]["stopSequences"] == ["END"]
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == gem.reply_text
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or ""
                        for c in chunks)
    assert reasoning == gem.thought_text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage.completion_tokens == gem.usage.output


async def test_openai_tool_call_over_gemini(make_proxy, fakes):
    fakes.gemini.tool_call = {"name": "get_weather", "args": {"city": "Paris"}}
    proxy = await make_proxy(standard_config(fakes))
    tools = [{"type": "function", "function": {"name": "get_weather",
                                               "parameters": WEATHER_TOOL["input_schema"]}}]
    async with openai_client(proxy) as client:
        resp = await client.chat.completions.create(
            model=MODEL, tools=tools, tool_choice="auto",
            messages=[{"role": "user", "content": "Weather in Paris?"}])
        call = resp.choices[0].message.tool_calls[0]
        assert resp.choices[0].finish_reason == "tool_calls"
        assert (call.function.name, call.function.arguments) == ("get_weather",
                                                                 '{"city":"Paris"}')
        # the next turn carries the call and its result back
        await client.chat.completions.create(model=MODEL, tools=tools, messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": "18C"}])
    contents = fakes.gemini.last.json["contents"]
    assert contents[1] == {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]}
    assert contents[2] == {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}}]}
    assert fakes.gemini.requests[0].json["toolConfig"] == {
        "functionCallingConfig": {"mode": "AUTO"}}


async def test_claude_over_gemini(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    gem = fakes.gemini
    async with anthropic_client(proxy) as client:
        msg = await client.messages.create(model=MODEL, max_tokens=256, system="Be brief.",
                                           messages=[{"role": "user", "content": "hi"}])
        async with client.messages.stream(model=MODEL, max_tokens=256,
                                          messages=[{"role": "user", "content": "hi"}]) as s:
            texts = [t async for t in s.text_stream]
            final = await s.get_final_message()
        gem.count_total = 17
        count = await client.messages.count_tokens(
            model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert [b.type for b in msg.content] == ["thinking", "text"]
    assert msg.content[1].text == gem.reply_text and msg.stop_reason == "end_turn"
    assert msg.usage.output_tokens == gem.usage.output + gem.usage.reasoning
    assert msg.usage.cache_read_input_tokens == gem.usage.cached
    assert gem.requests[0].json["system_instruction"]["parts"] == [{"text": "Be brief."}]
    assert "".join(texts) == gem.reply_text
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking == gem.thought_text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == gem.usage.output + gem.usage.reasoning
    assert count.input_tokens == 17


async def test_claude_tool_use_over_gemini(make_proxy, fakes):
    fakes.gemini.tool_call = {"name": "get_weather", "args": {"city": "Paris"}}
    proxy = await make_proxy(standard_config(fakes))
    async with anthropic_client(proxy) as client:
        async with client.messages.stream(
                model=MODEL, max_tokens=256, tools=[WEATHER_TOOL],
                messages=[{"role": "user", "content": "Weather in Paris?"}]) as s:
            final = await s.get_final_message()
        tool = next(b for b in final.content if b.type == "tool_use")
        assert final.stop_reason == "tool_use"
        assert (tool.name, tool.input) == ("get_weather", {"city": "Paris"})
        await client.messages.create(model=MODEL, max_tokens=256, tools=[WEATHER_TOOL],
                                     messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [b.model_dump(exclude_none=True)
                                              for b in final.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id,
                                          "content": "18C"}]}])
    contents = fakes.gemini.last.json["contents"]
    assert contents[2] == {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}}]}


async def test_responses_over_gemini(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    gem = fakes.gemini
    async with openai_client(proxy) as client:
        resp = await client.responses.create(model=MODEL, input="hi",
                                             instructions="Be brief.", max_output_tokens=99)
        stream = await client.responses.create(model=MODEL, input="hi", stream=True)
        events = [e async for e in stream]
    assert resp.output_text == gem.reply_text
    assert resp.instructions == "Be brief." and resp.max_output_tokens == 99
    assert resp.usage.output_tokens == gem.usage.output
    assert resp.usage.output_tokens_details.reasoning_tokens == gem.usage.reasoning
    assert gem.requests[0].json["generationConfig"]["maxOutputTokens"] == 99
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert deltas == gem.reply_text
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    done = events[-1].response
    assert [i.type for i in done.output] == ["reasoning", "message"]
    assert done.output_text == gem.reply_text
    assert done.usage.input_tokens_details.cached_tokens == gem.usage.cached
