"""Every client API against every API-key upstream, through the real proxy, with the SDKs.

For each (client, upstream) pair: a text answer, stream and not, with the usage numbers
the fake reported (mapped as translators.md §1.5 says), and a tool-call round trip in
which the SDK sends the tool result back and gets the final answer — the second
upstream request must carry the tool result under the call id of the first answer.
"""

from __future__ import annotations

import json

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as gtypes

from tests.conftest import standard_config

CLIENT_KEY = "sk-client-1"
#: a model each upstream kind serves (see standard_config)
UPSTREAM_MODELS = {"openai": "chat-model", "claude": "claude-sonnet-4-5-20250929",
                   "codex": "gpt-5", "gemini": "gemini-2.5-flash"}
CLIENTS = ["openai", "responses", "claude", "gemini"]
UPSTREAMS = ["openai", "claude", "codex", "gemini"]
SAME_FORMAT = {("openai", "openai"), ("claude", "claude"), ("responses", "codex"),
               ("gemini", "gemini")}
WEATHER_TOOL = {"name": "get_weather", "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                               "required": ["city"]}}


def fake_of(fakes, upstream):
    return {"openai": fakes.openai, "claude": fakes.anthropic, "codex": fakes.codex,
            "gemini": fakes.gemini}[upstream]


def expected_usage(client: str, upstream: str, fake) -> tuple[int, int]:
    """(input, output) the client should see for the fake's usage (translators.md §1.5)."""
    u = fake.usage
    same = (client, upstream) in SAME_FORMAT
    tokens_in, tokens_out = u.input, u.output
    if upstream == "gemini" and client in ("openai", "responses"):
        tokens_in = u.input + u.reasoning  # prompt includes thoughts (§9 #13: keep)
    if upstream == "gemini" and client == "claude":
        tokens_out = u.output + u.reasoning  # Claude counts thinking as output
    if client == "claude" and not same:
        tokens_in -= u.cached  # Claude's input_tokens exclude cache reads (reported apart)
    if client == "gemini" and upstream in ("openai", "codex"):
        tokens_out -= u.reasoning  # Gemini's candidates exclude thoughts (reported apart)
    return tokens_in, tokens_out


# -- client drivers: each returns (text, input_tokens, output_tokens) --------------------

async def run_openai(proxy, model, stream):
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY,
                                  max_retries=0) as client:
        messages = [{"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "hi"}]
        if not stream:
            r = await client.chat.completions.create(model=model, messages=messages)
            return r.choices[0].message.content, r.usage.prompt_tokens, r.usage.completion_tokens
        s = await client.chat.completions.create(model=model, messages=messages, stream=True,
                                                 stream_options={"include_usage": True})
        text, usage = [], None
        async for c in s:
            if c.choices and c.choices[0].delta.content:
                text.append(c.choices[0].delta.content)
            if c.usage:
                usage = c.usage
        return "".join(text), usage.prompt_tokens, usage.completion_tokens


async def run_responses(proxy, model, stream):
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY,
                                  max_retries=0) as client:
        if not stream:
            r = await client.responses.create(model=model, input="hi", instructions="Be brief.")
            return r.output_text, r.usage.input_tokens, r.usage.output_tokens
        s = await client.responses.create(model=model, input="hi", instructions="Be brief.",
                                          stream=True)
        text, final = [], None
        async for e in s:
            if e.type == "response.output_text.delta":
                text.append(e.delta)
            elif e.type == "response.completed":
                final = e.response
        return "".join(text), final.usage.input_tokens, final.usage.output_tokens


async def run_claude(proxy, model, stream):
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY,
                                        max_retries=0) as client:
        kw = dict(model=model, max_tokens=256, system="Be brief.",
                  messages=[{"role": "user", "content": "hi"}])
        if not stream:
            m = await client.messages.create(**kw)
            return "".join(b.text for b in m.content if b.type == "text"), \
                m.usage.input_tokens, m.usage.output_tokens
        async with client.messages.stream(**kw) as s:
            text = "".join([t async for t in s.text_stream])
            m = await s.get_final_message()
        return text, m.usage.input_tokens, m.usage.output_tokens


def genai_client(proxy):
    return genai.Client(api_key=CLIENT_KEY, http_options=gtypes.HttpOptions(
        base_url=proxy.url, retry_options=gtypes.HttpRetryOptions(attempts=1)))


async def run_gemini(proxy, model, stream):
    client = genai_client(proxy)
    config = gtypes.GenerateContentConfig(system_instruction="Be brief.")
    try:
        if not stream:
            r = await client.aio.models.generate_content(model=model, contents="hi",
                                                         config=config)
            u = r.usage_metadata
            return r.text, u.prompt_token_count, u.candidates_token_count
        text, usage = [], None
        async for c in await client.aio.models.generate_content_stream(
                model=model, contents="hi", config=config):
            if c.text:
                text.append(c.text)
            if c.usage_metadata and c.usage_metadata.candidates_token_count:
                usage = c.usage_metadata
        return "".join(text), usage.prompt_token_count, usage.candidates_token_count
    finally:
        await client.aio.aclose()


DRIVERS = {"openai": run_openai, "responses": run_responses, "claude": run_claude,
           "gemini": run_gemini}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("upstream", UPSTREAMS)
@pytest.mark.parametrize("client", CLIENTS)
async def test_text_and_usage(make_proxy, fakes, client, upstream, stream):
    proxy = await make_proxy(standard_config(fakes))
    fake = fake_of(fakes, upstream)
    text, tokens_in, tokens_out = await DRIVERS[client](proxy, UPSTREAM_MODELS[upstream], stream)
    assert text == fake.reply_text
    assert (tokens_in, tokens_out) == expected_usage(client, upstream, fake)
    assert len(fake.requests) == 1
    sent = fake.last.json
    # the system prompt reached the upstream in its own format
    assert "Be brief." in json.dumps(sent)
    records = proxy.service.usage.recent(5)
    assert records and records[-1].status == 200 and records[-1].stream == stream
    assert records[-1].output_tokens == fake.usage.output


# -- tool-call round trips ---------------------------------------------------------------

def arm_tool_call(fake, upstream):
    if upstream == "claude":
        fake.tool_use = {"name": "get_weather", "input": {"city": "Paris"}}
    elif upstream == "gemini":
        fake.tool_call = {"name": "get_weather", "args": {"city": "Paris"}}
    else:
        fake.tool_call = {"name": "get_weather", "arguments": '{"city": "Paris"}'}


def disarm_tool_call(fake, upstream):
    if upstream == "claude":
        fake.tool_use = None
    else:
        fake.tool_call = None


def tool_result_in(upstream: str, body: dict) -> tuple[str, str]:
    """(call id, result text) of the tool result in the second upstream request."""
    if upstream == "openai":
        msg = next(m for m in body["messages"] if m["role"] == "tool")
        return msg["tool_call_id"], msg["content"] if isinstance(msg["content"], str) else \
            "".join(p.get("text", "") for p in msg["content"])
    if upstream == "claude":
        for m in body["messages"]:
            for b in m["content"] if isinstance(m["content"], list) else []:
                if b.get("type") == "tool_result":
                    c = b["content"]
                    return b["tool_use_id"], c if isinstance(c, str) else "".join(
                        x.get("text", "") for x in c)
    if upstream == "codex":
        item = next(i for i in body["input"] if i.get("type") == "function_call_output")
        return item["call_id"], item["output"]
    if upstream == "gemini":
        for content in body["contents"]:
            for part in content["parts"]:
                fr = part.get("functionResponse") or part.get("function_response")
                if fr:
                    return fr.get("name", ""), json.dumps(fr["response"])
    raise AssertionError(f"no tool result in {body}")


async def tool_round_trip_openai(proxy, model, stream):
    tools = [{"type": "function", "function": WEATHER_TOOL}]
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY,
                                  max_retries=0) as client:
        if stream:
            s = await client.chat.completions.create(model=model, messages=messages,
                                                     tools=tools, stream=True)
            calls: dict[int, dict] = {}
            async for c in s:
                for tc in (c.choices[0].delta.tool_calls or []) if c.choices else []:
                    slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
            call = calls[0]
        else:
            r = await client.chat.completions.create(model=model, messages=messages, tools=tools)
            tc = r.choices[0].message.tool_calls[0]
            call = {"id": tc.id, "name": tc.function.name, "arguments": tc.function.arguments}
        yield call["name"], json.loads(call["arguments"]), call["id"]
        messages += [{"role": "assistant", "content": None, "tool_calls": [
            {"id": call["id"], "type": "function",
             "function": {"name": call["name"], "arguments": call["arguments"]}}]},
            {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21C"}]
        r = await client.chat.completions.create(model=model, messages=messages, tools=tools)
        yield r.choices[0].message.content


async def tool_round_trip_responses(proxy, model, stream):
    tools = [{"type": "function", **WEATHER_TOOL}]
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY,
                                  max_retries=0) as client:
        if stream:
            s = await client.responses.create(model=model, input="Weather in Paris?",
                                              tools=tools, stream=True)
            output = None
            async for e in s:
                if e.type == "response.completed":
                    output = e.response.output
        else:
            output = (await client.responses.create(model=model, input="Weather in Paris?",
                                                    tools=tools)).output
        call = next(o for o in output if o.type == "function_call")
        yield call.name, json.loads(call.arguments), call.call_id
        r = await client.responses.create(model=model, tools=tools, input=[
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": call.call_id, "name": call.name,
             "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21C"}])
        yield r.output_text


async def tool_round_trip_claude(proxy, model, stream):
    tools = [{"name": WEATHER_TOOL["name"], "description": WEATHER_TOOL["description"],
              "input_schema": WEATHER_TOOL["parameters"]}]
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY,
                                        max_retries=0) as client:
        if stream:
            async with client.messages.stream(model=model, max_tokens=256, tools=tools,
                                              messages=messages) as s:
                m = await s.get_final_message()
        else:
            m = await client.messages.create(model=model, max_tokens=256, tools=tools,
                                             messages=messages)
        assert m.stop_reason == "tool_use"
        use = next(b for b in m.content if b.type == "tool_use")
        yield use.name, use.input, use.id
        messages += [{"role": "assistant", "content": [b.model_dump(exclude_none=True)
                                                       for b in m.content]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                                   "content": "sunny, 21C"}]}]
        m = await client.messages.create(model=model, max_tokens=256, tools=tools,
                                         messages=messages)
        yield "".join(b.text for b in m.content if b.type == "text")


async def tool_round_trip_gemini(proxy, model, stream):
    client = genai_client(proxy)
    decl = gtypes.FunctionDeclaration(name=WEATHER_TOOL["name"],
                                      description=WEATHER_TOOL["description"],
                                      parameters_json_schema=WEATHER_TOOL["parameters"])
    config = gtypes.GenerateContentConfig(
        tools=[gtypes.Tool(function_declarations=[decl])],
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True))
    contents = [gtypes.Content(role="user", parts=[gtypes.Part(text="Weather in Paris?")])]
    try:
        if stream:
            parts = []
            async for c in await client.aio.models.generate_content_stream(
                    model=model, contents=contents, config=config):
                if c.candidates and c.candidates[0].content and c.candidates[0].content.parts:
                    parts += c.candidates[0].content.parts
        else:
            r = await client.aio.models.generate_content(model=model, contents=contents,
                                                         config=config)
            parts = r.candidates[0].content.parts
        call_part = next(p for p in parts if p.function_call)
        call = call_part.function_call
        yield call.name, dict(call.args), call.id or call.name
        contents += [gtypes.Content(role="model", parts=[call_part]),
                     gtypes.Content(role="user", parts=[gtypes.Part(
                         function_response=gtypes.FunctionResponse(
                             id=call.id, name=call.name, response={"result": "sunny, 21C"}))])]
        r = await client.aio.models.generate_content(model=model, contents=contents,
                                                     config=config)
        yield r.text
    finally:
        await client.aio.aclose()


TOOL_DRIVERS = {"openai": tool_round_trip_openai, "responses": tool_round_trip_responses,
                "claude": tool_round_trip_claude, "gemini": tool_round_trip_gemini}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("upstream", UPSTREAMS)
@pytest.mark.parametrize("client", CLIENTS)
async def test_tool_call_round_trip(make_proxy, fakes, client, upstream, stream):
    proxy = await make_proxy(standard_config(fakes))
    fake = fake_of(fakes, upstream)
    arm_tool_call(fake, upstream)
    steps = TOOL_DRIVERS[client](proxy, UPSTREAM_MODELS[upstream], stream)
    name, args, client_call_id = await steps.__anext__()
    assert name == "get_weather" and args == {"city": "Paris"}
    assert client_call_id
    first_upstream = fake.requests[0].json
    assert "get_weather" in json.dumps(first_upstream)  # the tool definition was sent
    disarm_tool_call(fake, upstream)
    final = await steps.__anext__()
    assert final == fake.reply_text
    call_id, result = tool_result_in(upstream, fake.requests[1].json)
    assert "sunny, 21C" in result
    if upstream == "gemini":
        assert call_id == "get_weather"  # Gemini pairs results with calls by name
    else:
        # the upstream's own call id came back with the result, not a regenerated one
        prefix = {"openai": "call_fake", "codex": "call_fake", "claude": "toolu_fake"}[upstream]
        assert call_id.startswith(prefix), call_id
    await steps.aclose()


async def test_claude_client_on_codex_keeps_one_prompt_cache_key_per_user(make_proxy, fakes):
    proxy = await make_proxy(standard_config(fakes))
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY,
                                        max_retries=0) as client:
        for user in ("user-a", "user-a", "user-b"):
            await client.messages.create(model="gpt-5", max_tokens=64,
                                         metadata={"user_id": user},
                                         messages=[{"role": "user", "content": "hi"}])
    keys = [r.json.get("prompt_cache_key") for r in fakes.codex.requests]
    assert keys[0] and keys[0] == keys[1] != keys[2]
    assert fakes.codex.requests[0].headers["session_id"] == keys[0]


@pytest.mark.parametrize("upstream", UPSTREAMS)
async def test_claude_count_tokens_on_every_upstream(make_proxy, fakes, upstream):
    proxy = await make_proxy(standard_config(fakes))
    tools = [{"name": "get_weather", "description": "w", "input_schema": WEATHER_TOOL["parameters"]}]
    async with anthropic.AsyncAnthropic(base_url=proxy.url, api_key=CLIENT_KEY,
                                        max_retries=0) as client:
        count = await client.messages.count_tokens(
            model=UPSTREAM_MODELS[upstream], system="Be brief.", tools=tools,
            tool_choice={"type": "auto"}, messages=[{"role": "user", "content": "hi"}])
    assert count.input_tokens > 0


@pytest.mark.parametrize("upstream", UPSTREAMS)
async def test_gemini_count_tokens_on_every_upstream(make_proxy, fakes, upstream):
    proxy = await make_proxy(standard_config(fakes))
    client = genai_client(proxy)
    try:
        count = await client.aio.models.count_tokens(model=UPSTREAM_MODELS[upstream],
                                                     contents="hello there")
    finally:
        await client.aio.aclose()
    assert count.total_tokens > 0


@pytest.mark.parametrize("client", CLIENTS)
async def test_upstream_failure_mid_stream_reaches_the_client_in_its_shape(make_proxy, fakes,
                                                                          client):
    """Codex fails after text was streamed: each SDK sees an error, not a clean end."""
    proxy = await make_proxy(standard_config(fakes))
    fakes.codex.fail_event = "response.failed"
    fakes.codex.fail_code = "rate_limit_exceeded"
    fakes.codex.fail_message = "Slow down"
    if client == "responses":
        # same format: the client gets the Responses API's own failure event
        async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=CLIENT_KEY,
                                      max_retries=0) as oc:
            events = [e async for e in await oc.responses.create(model="gpt-5", input="hi",
                                                                 stream=True)]
        assert events[-1].type == "response.failed"
        assert events[-1].response.error.message == "Slow down"
    else:
        with pytest.raises(Exception) as info:
            await DRIVERS[client](proxy, "gpt-5", True)
        assert "Slow down" in str(info.value), info.value
    records = proxy.service.usage.recent(5)
    assert records[-1].status >= 400
    cred = next(c for c in proxy.service.snapshot().credentials if c.provider == "codex")
    assert cred.failure_count == 1
