"""Responses and Gemini clients on an OpenAI-compatible upstream, end to end.

Official SDKs → the real proxy → the fake OpenAI upstream: the SDKs parse our answers
strictly, the fake records what the translated request looked like.
"""

from __future__ import annotations

import openai
from google import genai
from google.genai import types as gtypes

from tests.conftest import standard_config

KEY = "sk-client-1"
MODEL = "chat-model"  # the compat entry's alias of "upstream-chat-model"


async def test_responses_client(make_proxy, fakes) -> None:
    proxy = await make_proxy(standard_config(fakes))
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=KEY,
                                  max_retries=0) as client:
        resp = await client.responses.create(model=MODEL, input="hi",
                                             instructions="Be brief.")
        assert resp.output_text == fakes.openai.reply_text
        assert resp.usage.input_tokens == fakes.openai.usage.input
        assert resp.instructions == "Be brief."
        sent = fakes.openai.last.json
        assert sent["messages"] == [{"role": "system", "content": "Be brief."},
                                    {"role": "user", "content": "hi"}]
        async with client.responses.stream(model=MODEL, input="hi") as stream:
            deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
            final = await stream.get_final_response()
        assert "".join(deltas) == final.output_text == fakes.openai.reply_text
        assert final.usage.output_tokens == fakes.openai.usage.output


async def test_gemini_client(make_proxy, fakes) -> None:
    proxy = await make_proxy(standard_config(fakes))
    client = genai.Client(api_key=KEY, http_options=gtypes.HttpOptions(
        base_url=proxy.url, retry_options=gtypes.HttpRetryOptions(attempts=1)))
    config = gtypes.GenerateContentConfig(system_instruction="Be brief.", max_output_tokens=50)
    resp = await client.aio.models.generate_content(model=MODEL, contents="hi", config=config)
    assert resp.text == fakes.openai.reply_text
    assert resp.candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert resp.usage_metadata.prompt_token_count == fakes.openai.usage.input
    sent = fakes.openai.last.json
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["max_tokens"] == 50
    chunks = [c async for c in await client.aio.models.generate_content_stream(
        model=MODEL, contents="hi")]
    assert "".join(c.text or "" for c in chunks) == fakes.openai.reply_text
    assert chunks[-1].candidates[0].finish_reason == gtypes.FinishReason.STOP
    assert chunks[-1].usage_metadata.total_token_count == \
        fakes.openai.usage.input + fakes.openai.usage.output
    count = await client.aio.models.count_tokens(model=MODEL, contents="hello there")
    assert count.total_tokens > 0
