"""ClaudeExecutor against a real fake Anthropic server (providers.md §5.4, §1.7, §1.8)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from cliproxy_tui.auth.model import Credential
from cliproxy_tui.errors import ConfigurationError, UpstreamError
from cliproxy_tui.providers.base import ExecRequest
from cliproxy_tui.providers.claude import ANTHROPIC_BETA, CLAUDE_CODE_SYSTEM_TEXT, ClaudeExecutor
from cliproxy_tui.providers.http import HttpPool, UpstreamMap
from tests.fakes.anthropic import FakeAnthropic, compress_body
from tests.fakes.base import FakeResponse

API_KEY = "sk-ant-api03-test-key-0001"
OAUTH_TOKEN = "sk-ant-oat01-oauth-token-0002"
CC_BLOCK = {"type": "text", "text": CLAUDE_CODE_SYSTEM_TEXT,
            "cache_control": {"type": "ephemeral"}}


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as f:
        yield f  # type: ignore[misc]


@pytest.fixture
async def executor(fake: FakeAnthropic) -> AsyncIterator[ClaudeExecutor]:
    pool = HttpPool(upstream_map=UpstreamMap({FakeAnthropic.REAL_ORIGIN: fake.url}))
    try:
        yield ClaudeExecutor(pool)
    finally:
        await pool.close()


def key_cred(**attrs: str) -> Credential:
    return Credential(id="claude:apikey:1", provider="claude",
                      attributes={"api_key": API_KEY, **attrs})


def oauth_cred() -> Credential:
    return Credential(id="claude-me@example.com.json", provider="claude",
                      metadata={"type": "claude", "access_token": OAUTH_TOKEN,
                                "email": "me@example.com"})


def body(model: str = "claude-sonnet-4-5-20250929", **extra: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 256,
            "messages": [{"role": "user", "content": "hi there"}], **extra}


def req(b: dict[str, Any], *, stream: bool = False, headers: dict[str, str] | None = None,
        model: str | None = None) -> ExecRequest:
    return ExecRequest(model=model or b["model"], body=b, stream=stream, source_format="claude",
                       client_headers=headers or {})


async def collect(stream: Any) -> list[bytes]:
    lines: list[bytes] = []
    async for batch in stream:
        lines.extend(batch)
    return lines


def sse_data(lines: list[bytes]) -> list[dict[str, Any]]:
    return [orjson.loads(ln[5:]) for ln in lines if ln.startswith(b"data:")]


async def test_non_stream_url_headers_and_usage(fake: FakeAnthropic,
                                                executor: ClaudeExecutor) -> None:
    fake.cache_read_tokens = 5
    result = await executor.execute(key_cred(), req(body()))
    rec = fake.last
    assert rec.method == "POST" and rec.path == "/v1/messages"
    assert rec.query == {"beta": "true"}
    h = rec.headers
    assert h["authorization"] == f"Bearer {API_KEY}"
    assert h["x-api-key"] == API_KEY
    assert h["content-type"] == "application/json"
    assert h["anthropic-beta"] == ANTHROPIC_BETA
    assert h["anthropic-version"] == "2023-06-01"
    assert h["anthropic-dangerous-direct-browser-access"] == "true"
    assert h["x-app"] == "cli"
    assert h["x-stainless-helper-method"] == "stream"
    assert h["x-stainless-retry-count"] == "0"
    assert h["x-stainless-runtime-version"] == "v24.3.0"
    assert h["x-stainless-package-version"] == "0.55.1"
    assert h["x-stainless-runtime"] == "node"
    assert h["x-stainless-lang"] == "js"
    assert h["x-stainless-arch"] == "arm64"
    assert h["x-stainless-os"] == "MacOS"
    assert h["x-stainless-timeout"] == "60"
    assert h["connection"] == "keep-alive"
    assert h["user-agent"] == "claude-cli/1.0.83 (external, cli)"
    assert h["accept-encoding"] == "gzip, deflate, br, zstd"
    assert h["accept"] == "application/json"
    out = orjson.loads(result.body)
    assert out["type"] == "message" and out["content"][0]["text"] == fake.reply_text
    assert result.status == 200 and result.upstream_model == "claude-sonnet-4-5-20250929"
    assert result.usage is not None
    assert (result.usage.input_tokens, result.usage.output_tokens) == (11, 7)
    assert result.usage.cached_tokens == 5 and result.usage.total_tokens == 18
    assert "stream" not in rec.json


async def test_non_stream_call_never_asks_for_sse(fake: FakeAnthropic,
                                                  executor: ClaudeExecutor) -> None:
    result = await executor.execute(key_cred(), req(body(stream=True)))
    assert fake.last.json["stream"] is False
    assert orjson.loads(result.body)["type"] == "message"


async def test_client_wins_headers_are_copied(fake: FakeAnthropic,
                                              executor: ClaudeExecutor) -> None:
    client = {"anthropic-version": "2023-01-01", "x-app": "vscode",
              "x-stainless-os": "Linux", "x-stainless-arch": "x64",
              "x-stainless-lang": "python", "x-stainless-runtime": "CPython",
              "x-stainless-package-version": "0.70.0", "x-stainless-timeout": "600",
              "x-stainless-retry-count": "2", "x-stainless-runtime-version": "3.11.7",
              "x-stainless-helper-method": "none",
              "anthropic-dangerous-direct-browser-access": "false",
              # forced headers: the client's value must not leak through
              "anthropic-beta": "client-beta", "user-agent": "client/1.0"}
    await executor.execute(key_cred(), req(body(), headers=client))
    h = fake.last.headers
    for name, value in client.items():
        if name in ("anthropic-beta", "user-agent"):
            continue
        assert h[name] == value, name
    assert h["anthropic-beta"] == ANTHROPIC_BETA
    assert h["user-agent"] == "claude-cli/1.0.83 (external, cli)"


async def test_oauth_token_sends_bearer_only(fake: FakeAnthropic,
                                             executor: ClaudeExecutor) -> None:
    await executor.execute(oauth_cred(), req(body()))
    h = fake.last.headers
    assert h["authorization"] == f"Bearer {OAUTH_TOKEN}"
    assert "x-api-key" not in h


async def test_credential_without_secret_is_a_configuration_error(
        executor: ClaudeExecutor) -> None:
    cred = Credential(id="claude-empty.json", provider="claude", metadata={"type": "claude"})
    with pytest.raises(ConfigurationError):
        await executor.execute(cred, req(body()))
    with pytest.raises(ConfigurationError, match="^claude credential .* has no API key or "
                                                 "access token$"):
        await executor.execute_stream(cred, req(body()))


async def test_base_url_trailing_slash_trimmed(fake: FakeAnthropic) -> None:
    pool = HttpPool(upstream_map=UpstreamMap())
    try:
        ex = ClaudeExecutor(pool)
        await ex.execute(key_cred(base_url=fake.url + "/"), req(body()))
        assert fake.last.path == "/v1/messages" and fake.last.query == {"beta": "true"}
    finally:
        await pool.close()


async def test_model_alias_maps_upstream_name(fake: FakeAnthropic,
                                              executor: ClaudeExecutor) -> None:
    cred = key_cred()
    cred.model_aliases = {"my-sonnet": "claude-sonnet-4-5-20250929"}
    result = await executor.execute(cred, req(body("My-Sonnet"), model="My-Sonnet"))
    assert fake.last.json["model"] == "claude-sonnet-4-5-20250929"
    assert result.upstream_model == "claude-sonnet-4-5-20250929"
    await executor.execute(cred, req(body("claude-opus-4-1-20250805")))
    assert fake.last.json["model"] == "claude-opus-4-1-20250805"


@pytest.mark.parametrize("system, kept", [
    ("Be terse.", [{"type": "text", "text": "Be terse."}]),
    ([{"type": "text", "text": "A"}, {"type": "text", "text": "B"}],
     [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}]),
    (None, []),
])
async def test_system_block_first_keeps_client_system(fake: FakeAnthropic,
                                                      executor: ClaudeExecutor,
                                                      system: Any, kept: list[Any]) -> None:
    b = body() if system is None else body(system=system)
    original = copy.deepcopy(b)
    await executor.execute(key_cred(), req(b))
    assert fake.last.json["system"] == [CC_BLOCK, *kept]
    assert b == original


async def test_claude_code_client_block_not_duplicated(fake: FakeAnthropic,
                                                       executor: ClaudeExecutor) -> None:
    system = [dict(CC_BLOCK), {"type": "text", "text": "project rules"}]
    await executor.execute(key_cred(), req(body(system=system)))
    assert fake.last.json["system"] == system


async def test_injected_block_respects_cache_breakpoint_limit(
        fake: FakeAnthropic, executor: ClaudeExecutor) -> None:
    cached = {"type": "ephemeral"}
    b = body(system=[{"type": "text", "text": "s", "cache_control": cached}],
             messages=[{"role": "user", "content": [
                 {"type": "text", "text": t, "cache_control": cached} for t in "abc"]}])
    await executor.execute(key_cred(), req(b))
    first = fake.last.json["system"][0]
    assert first == {"type": "text", "text": CLAUDE_CODE_SYSTEM_TEXT}


async def test_haiku_exception_non_stream_and_count(fake: FakeAnthropic,
                                                    executor: ClaudeExecutor) -> None:
    b = body("claude-3-5-haiku-20241022", system="own prompt")
    await executor.execute(key_cred(), req(b))
    assert fake.last.json["system"] == "own prompt"
    await executor.count_tokens(key_cred(), req(b))
    assert fake.last.json["system"] == "own prompt"
    stream = await executor.execute_stream(key_cred(), req(b, stream=True))
    await collect(stream)
    assert fake.last.json["system"] == [CC_BLOCK, {"type": "text", "text": "own prompt"}]


async def test_stream_lines_forwarded_and_usage_merged(fake: FakeAnthropic,
                                                       executor: ClaudeExecutor) -> None:
    fake.cache_read_tokens = 4
    b = body(system="own")
    original = copy.deepcopy(b)
    stream = await executor.execute_stream(key_cred(), req(b, stream=True))
    assert stream.status == 200 and stream.upstream_model == b["model"]
    lines = await collect(stream)
    rec = fake.last
    assert rec.path == "/v1/messages" and rec.query == {"beta": "true"}
    assert rec.headers["accept"] == "text/event-stream"
    assert rec.json["stream"] is True
    assert rec.json["system"] == [CC_BLOCK, {"type": "text", "text": "own"}]
    assert b == original
    events = [ln[7:] for ln in lines if ln.startswith(b"event: ")]
    assert events[:3] == [b"message_start", b"content_block_start", b"ping"]
    assert events[-2:] == [b"message_delta", b"message_stop"]
    text = "".join(d["delta"]["text"] for d in sse_data(lines)
                   if d["type"] == "content_block_delta")
    assert text == fake.reply_text
    assert stream.usage is not None
    assert (stream.usage.input_tokens, stream.usage.output_tokens) == (11, 7)
    assert stream.usage.cached_tokens == 4 and stream.usage.total_tokens == 18


async def test_stream_tool_use_deltas(fake: FakeAnthropic, executor: ClaudeExecutor) -> None:
    fake.tool_use = {"name": "get_weather", "input": {"city": "Paris", "unit": "c"}}
    tools = [{"name": "get_weather", "description": "w",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    stream = await executor.execute_stream(key_cred(), req(body(tools=tools), stream=True))
    data = sse_data(await collect(stream))
    partial = "".join(d["delta"]["partial_json"] for d in data
                      if d["type"] == "content_block_delta"
                      and d["delta"]["type"] == "input_json_delta")
    assert orjson.loads(partial) == fake.tool_use["input"]
    delta = next(d for d in data if d["type"] == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
async def test_compressed_bodies_decoded(fake: FakeAnthropic, executor: ClaudeExecutor,
                                         encoding: str) -> None:
    fake.compress = encoding
    result = await executor.execute(key_cred(), req(body()))
    assert orjson.loads(result.body)["content"][0]["text"] == fake.reply_text
    stream = await executor.execute_stream(key_cred(), req(body(), stream=True))
    data = sse_data(await collect(stream))
    assert data[-1] == {"type": "message_stop"}
    assert stream.usage is not None and stream.usage.output_tokens == 7
    count = await executor.count_tokens(key_cred(), req(body()))
    assert "input_tokens" in orjson.loads(count.body)
    with pytest.raises(UpstreamError) as err:
        await executor.execute(oauth_cred(), req({"model": "claude-x", "max_tokens": 1}))
    assert err.value.status == 400
    assert orjson.loads(err.value.body)["error"]["message"] == "messages: Field required"


async def test_scripted_compressed_error_decoded(fake: FakeAnthropic,
                                                 executor: ClaudeExecutor) -> None:
    payload = orjson.dumps({"type": "error", "error": {"type": "overloaded_error",
                                                       "message": "Overloaded"}})
    fake.script(FakeResponse(status=529, body=compress_body(payload, "zstd"),
                             headers={"Content-Encoding": "zstd"}))
    with pytest.raises(UpstreamError) as err:
        await executor.execute(key_cred(), req(body()))
    assert err.value.status == 529 and err.value.body == payload


async def test_rate_limit_passes_status_and_body(fake: FakeAnthropic,
                                                 executor: ClaudeExecutor) -> None:
    fake.fail_for_key(API_KEY, 429)
    with pytest.raises(UpstreamError) as err:
        await executor.execute_stream(key_cred(), req(body(), stream=True))
    assert err.value.status == 429 and err.value.upstream_status == 429
    assert orjson.loads(err.value.body)["error"]["type"] == "rate_limit_error"


async def test_bad_key_is_401(fake: FakeAnthropic, executor: ClaudeExecutor) -> None:
    fake.valid_keys = {"sk-ant-api03-other"}
    with pytest.raises(UpstreamError) as err:
        await executor.execute(key_cred(), req(body()))
    assert err.value.status == 401
    assert orjson.loads(err.value.body) == {"type": "error", "error": {
        "type": "authentication_error", "message": "invalid x-api-key"}}
    assert API_KEY not in err.value.message


async def test_count_tokens_sends_only_count_fields(fake: FakeAnthropic,
                                                    executor: ClaudeExecutor) -> None:
    fake.count_result = 42
    b = body(system="sys", stream=True, temperature=0.2, metadata={"user_id": "u"},
             tools=[{"name": "t", "input_schema": {"type": "object"}}],
             tool_choice={"type": "auto"}, thinking={"type": "enabled", "budget_tokens": 1024})
    original = copy.deepcopy(b)
    result = await executor.count_tokens(key_cred(), req(b))
    rec = fake.last
    assert rec.path == "/v1/messages/count_tokens" and rec.query == {"beta": "true"}
    assert rec.headers["accept"] == "application/json"
    assert set(rec.json) == {"model", "messages", "system", "tools", "tool_choice", "thinking"}
    assert rec.json["system"] == [CC_BLOCK, {"type": "text", "text": "sys"}]
    assert orjson.loads(result.body) == {"input_tokens": 42}
    assert result.usage is None
    assert b == original
