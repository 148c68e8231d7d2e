"""Claude clients (Claude Code's API) on an OpenAI-compatible upstream, end to end.

The official anthropic SDK → the real proxy → the fake OpenAI upstream: the SDK parses
our answers strictly, the fake records what the translated request looked like.
"""

from __future__ import annotations

import anthropic

from tests.conftest import standard_config

KEY = "sk-client-1"
MODEL = "chat-model"  # the compat entry's alias of "upstream-chat-model"
WEATHER = {"name": "get_weather", "description": "Weather by city",
           "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                            "required": ["city"]}}


def _anthropic(proxy) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=proxy.url, api_key=KEY, max_retries=0)


async def test_claude_client_stream_non_stream_tools_and_count(make_proxy, fakes) -> None:
    proxy = await make_proxy(standard_config(fakes))
    fake = fakes.openai
    async with _anthropic(proxy) as client:
        msg = await client.messages.create(
            model=MODEL, max_tokens=64, system="Be brief.",
            messages=[{"role": "user", "content": "hi"}])
        assert msg.content[0].text == fake.reply_text and msg.stop_reason == "end_turn"
        assert msg.usage.output_tokens == fake.usage.output
        sent = fake.last.json
        assert sent["model"] == "upstream-chat-model" and sent["stream"] is False
        assert sent["messages"][0]["content"][1] == {"type": "text", "text": "Be brief."}

        async with client.messages.stream(
                model=MODEL, max_tokens=64,
                messages=[{"role": "user", "content": "hi"}]) as stream:
            final = await stream.get_final_message()
        assert final.content[0].text == fake.reply_text
        # §9 #32: the executor asked for usage and it reached message_delta
        assert fake.last.json["stream_options"] == {"include_usage": True}
        assert final.usage.output_tokens == fake.usage.output
        assert final.usage.input_tokens + (final.usage.cache_read_input_tokens or 0) \
            == fake.usage.input

        fake.tool_call = {"name": "get_weather", "arguments": '{"city":"Paris"}'}
        async with client.messages.stream(
                model=MODEL, max_tokens=64, tools=[WEATHER],
                messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
            final = await stream.get_final_message()
        (tool,) = final.content
        assert (tool.type, tool.name, tool.input) == ("tool_use", "get_weather",
                                                      {"city": "Paris"})
        assert final.stop_reason == "tool_use"
        assert fake.last.json["tools"][0]["function"]["name"] == "get_weather"

        count = await client.messages.count_tokens(
            model=MODEL, messages=[{"role": "user", "content": "hello there"}])
        assert count.input_tokens > 0
