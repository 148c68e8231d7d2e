"""OpenAICompatExecutor against the fake OpenAI upstream (providers.md §9)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cliproxy_tui import jsonfast
from cliproxy_tui.auth.model import Credential
from cliproxy_tui.errors import ConfigurationError, UpstreamError
from cliproxy_tui.providers import (
    HttpPool,
    UpstreamMap,
    build_executor,
    native_format_of,
)
from cliproxy_tui.providers.base import ExecRequest
from cliproxy_tui.providers.openai_compat import OpenAICompatExecutor
from tests.fakes.base import FakeResponse, upstream_map_env
from tests.fakes.openai import FakeOpenAI

KEY = "sk-or-test-0123456789abcdef"


@pytest.fixture
async def fake() -> Any:
    async with FakeOpenAI() as f:
        yield f


@pytest.fixture
async def pool(fake: FakeOpenAI) -> Any:
    p = HttpPool(upstream_map=UpstreamMap.parse(upstream_map_env(fake)))
    yield p
    await p.close()


def cred(base_url: str = "https://api.openai.com/v1", key: str = KEY, **kw: Any) -> Credential:
    attrs = {"base_url": base_url, "compat_name": "OpenRouter", "provider_key": "openrouter"}
    if key:
        attrs["api_key"] = key
    return Credential(id="openai-compatibility:openrouter:abc", provider="openrouter",
                      attributes=attrs, model_aliases={"fast": "gpt-4o-mini"}, **kw)


def chat(model: str = "gpt-4o", stream: bool = False, **extra: Any) -> ExecRequest:
    body: dict[str, Any] = {"model": model,
                            "messages": [{"role": "user", "content": "Say hi"}], **extra}
    if stream:
        body["stream"] = True
    return ExecRequest(model=model, body=body, stream=stream, source_format="openai")


async def test_non_stream_request_shape_usage_and_alias(fake: FakeOpenAI, pool: HttpPool) -> None:
    ex = OpenAICompatExecutor("openrouter", pool)
    req = chat("FAST", temperature=0.2)
    before = copy.deepcopy(req.body)
    res = await ex.execute(cred(), req)
    assert req.body == before  # not mutated
    rec = fake.last
    assert rec.method == "POST" and rec.path == "/v1/chat/completions" and rec.query == {}
    assert rec.headers["authorization"] == f"Bearer {KEY}"
    assert rec.headers["content-type"] == "application/json"
    assert rec.headers["user-agent"] == "cli-proxy-openai-compat"
    assert "cache-control" not in rec.headers
    assert rec.headers.get("accept") != "text/event-stream"
    assert rec.json == {"model": "gpt-4o-mini", "temperature": 0.2,
                        "messages": [{"role": "user", "content": "Say hi"}]}
    assert res.status == 200 and res.upstream_model == "gpt-4o-mini"
    body = jsonfast.loads(res.body)
    assert body["object"] == "chat.completion" and body["model"] == "gpt-4o-mini"
    assert body["choices"][0]["message"]["content"] == fake.reply_text
    u = res.usage
    assert u is not None
    assert (u.input_tokens, u.output_tokens, u.cached_tokens, u.reasoning_tokens,
            u.total_tokens) == (11, 7, 3, 2, 18)


async def test_non_stream_returns_upstream_bytes_verbatim(fake: FakeOpenAI,
                                                          pool: HttpPool) -> None:
    raw = b'{ "id": "x",\n  "usage": {"prompt_tokens": 4, "completion_tokens": 1} }'
    fake.script(FakeResponse(200, body=raw))
    res = await OpenAICompatExecutor("openrouter", pool).execute(cred(), chat())
    assert res.body == raw
    assert res.usage is not None and res.usage.total_tokens == 5


async def test_non_stream_turns_client_stream_flag_off(fake: FakeOpenAI, pool: HttpPool) -> None:
    req = chat(stream=True, stream_options={"include_usage": True})
    req.stream = False
    res = await OpenAICompatExecutor("openrouter", pool).execute(cred(), req)
    assert fake.last.json["stream"] is False and "stream_options" not in fake.last.json
    assert jsonfast.loads(res.body)["object"] == "chat.completion"


async def test_stream_adds_include_usage_and_counts_usage(fake: FakeOpenAI,
                                                          pool: HttpPool) -> None:
    ex = OpenAICompatExecutor("openrouter", pool)
    req = chat("gpt-4o", stream=True, stream_options={"extra_flag": 1, "include_usage": False})
    before = copy.deepcopy(req.body)
    stream = await ex.execute_stream(cred(), req)
    try:
        assert stream.status == 200 and stream.upstream_model == "gpt-4o"
        lines = [ln async for batch in stream for ln in batch]
    finally:
        await stream.aclose()
    assert req.body == before
    rec = fake.last
    assert rec.json["stream"] is True
    assert rec.json["stream_options"] == {"extra_flag": 1, "include_usage": True}
    assert rec.headers["accept"] == "text/event-stream"
    assert rec.headers["cache-control"] == "no-cache"
    data = [ln for ln in lines if ln.startswith(b"data: ")]
    assert data[-1] == b"data: [DONE]"
    chunks = [jsonfast.loads(ln[6:]) for ln in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == fake.reply_text
    u = stream.usage
    assert u is not None and (u.input_tokens, u.output_tokens, u.total_tokens) == (11, 7, 18)


async def test_stream_without_client_stream_options(fake: FakeOpenAI, pool: HttpPool) -> None:
    fake.tool_call = {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    req = chat(stream=True, tools=[{"type": "function", "function": {"name": "get_weather"}}])
    stream = await OpenAICompatExecutor("openrouter", pool).execute_stream(cred(), req)
    lines = [ln async for batch in stream for ln in batch]
    assert fake.last.json["stream_options"] == {"include_usage": True}
    chunks = [jsonfast.loads(ln[6:]) for ln in lines if ln.startswith(b"data: {")]
    args = "".join(call["function"].get("arguments", "")
                   for c in chunks if c["choices"]
                   for call in c["choices"][0]["delta"].get("tool_calls") or [])
    assert args == '{"city":"Paris"}'
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"


async def test_fake_satisfies_the_official_sdk(fake: FakeOpenAI) -> None:
    from openai import AsyncOpenAI

    async with AsyncOpenAI(api_key=KEY, base_url=fake.url + "/v1", max_retries=0) as client:
        done = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        assert done.choices[0].message.content == fake.reply_text
        assert done.usage is not None and done.usage.prompt_tokens == 11
        parts, usage = [], None
        async for chunk in await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}], stream=True,
                stream_options={"include_usage": True}):
            if chunk.choices:
                parts.append(chunk.choices[0].delta.content or "")
            usage = chunk.usage or usage
        assert "".join(parts) == fake.reply_text
        assert usage is not None and usage.completion_tokens == 7
        models = await client.models.list()
        assert [m.id for m in models.data] == fake.models


async def test_keyless_credential_sends_no_authorization(fake: FakeOpenAI,
                                                        pool: HttpPool) -> None:
    fake.require_auth = False
    await OpenAICompatExecutor("local", pool).execute(cred(fake.url + "/v1/", key=""), chat())
    assert "authorization" not in fake.last.headers
    assert fake.last.path == "/v1/chat/completions"  # trailing slash of base trimmed


async def test_keyless_against_auth_requiring_upstream_passes_401_on(pool: HttpPool) -> None:
    async with FakeOpenAI() as strict:
        with pytest.raises(UpstreamError) as info:
            await OpenAICompatExecutor("local", pool).execute(cred(strict.url, key=""), chat())
    assert info.value.status == 401
    assert b"You didn't provide an API key" in info.value.body


async def test_upstream_error_passes_through(fake: FakeOpenAI, pool: HttpPool) -> None:
    body = {"error": {"message": "Rate limit reached for gpt-4o", "type": "requests",
                      "param": None, "code": "rate_limit_exceeded"}}
    fake.fail_for_key(KEY, 429, body)
    ex = OpenAICompatExecutor("openrouter", pool)
    with pytest.raises(UpstreamError) as info:
        await ex.execute(cred(), chat())
    assert info.value.status == 429 and jsonfast.loads(info.value.body) == body
    with pytest.raises(UpstreamError) as info:
        await ex.execute_stream(cred(), chat(stream=True))
    assert info.value.status == 429
    # another key of the same upstream is unaffected
    res = await ex.execute(cred(key="sk-other-key-999"), chat())
    assert res.status == 200


async def test_missing_base_url_is_a_configuration_error(fake: FakeOpenAI,
                                                          pool: HttpPool) -> None:
    ex = OpenAICompatExecutor("openrouter", pool)
    with pytest.raises(ConfigurationError, match="missing provider baseURL for openrouter"):
        await ex.execute(cred("  "), chat())
    with pytest.raises(ConfigurationError):
        await ex.execute_stream(cred(""), chat(stream=True))
    assert fake.requests == []


async def test_count_tokens_is_local(fake: FakeOpenAI, pool: HttpPool) -> None:
    req = chat("fast")
    req.body["messages"].append({"role": "assistant", "content": "x" * 30})
    res = await OpenAICompatExecutor("openrouter", pool).count_tokens(cred(), req)
    n = -(-len("Say hi\n" + "x" * 30) // 4)
    assert jsonfast.loads(res.body) == {"usage": {"prompt_tokens": n, "total_tokens": n}}
    assert res.upstream_model == "gpt-4o-mini" and res.usage is None
    assert fake.requests == []


async def test_build_executor_and_native_formats(pool: HttpPool) -> None:
    ex = build_executor("openrouter", pool)
    assert isinstance(ex, OpenAICompatExecutor)
    assert ex.identifier == "openrouter" and ex.native_format == "openai"
    gem = build_executor("gemini", pool)
    assert gem.identifier == "gemini" and gem.native_format == "gemini"
    assert native_format_of("gemini") == "gemini"
    assert native_format_of("claude") == "claude"
    assert native_format_of("codex") == "codex"
    assert native_format_of("qwen") == "openai" and native_format_of("openrouter") == "openai"
