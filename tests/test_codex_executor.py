"""CodexExecutor against a real fake Responses server (providers.md §6.4, §1.8)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from cliproxy_tui.auth.model import Credential
from cliproxy_tui.clock import FakeClock
from cliproxy_tui.errors import TransportError, UpstreamError
from cliproxy_tui.providers.base import ExecRequest
from cliproxy_tui.providers.codex import (
    NO_COMPLETION_MESSAGE,
    CodexExecutor,
    PromptCacheIds,
    responses_request_text,
)
from cliproxy_tui.providers.http import HttpPool, UpstreamMap
from cliproxy_tui.providers.usage_parse import estimate_tokens
from tests.fakes.base import FakeResponse
from tests.fakes.codex import FakeCodex

OAUTH_TOKEN = "eyJhbGciOi.codex-oauth-token.0003"
API_KEY = "sk-proj-codex-key-0004"


@pytest.fixture
async def fake() -> AsyncIterator[FakeCodex]:
    async with FakeCodex() as f:
        yield f  # type: ignore[misc]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def executor(fake: FakeCodex, clock: FakeClock) -> AsyncIterator[CodexExecutor]:
    pool = HttpPool(upstream_map=UpstreamMap({FakeCodex.REAL_ORIGIN: fake.url,
                                              "https://api.openai.com": fake.url}))
    try:
        yield CodexExecutor(pool, clock=clock)
    finally:
        await pool.close()


def oauth_cred() -> Credential:
    return Credential(id="codex-me@example.com.json", provider="codex",
                      metadata={"type": "codex", "access_token": OAUTH_TOKEN,
                                "account_id": "acct-1234", "email": "me@example.com"})


def key_cred(base_url: str = "https://api.openai.com/v1") -> Credential:
    return Credential(id="codex:apikey:1", provider="codex",
                      attributes={"api_key": API_KEY, "base_url": base_url})


def body(model: str = "gpt-5", **extra: Any) -> dict[str, Any]:
    return {"model": model, "instructions": "You are Codex.", "store": False,
            "input": [{"type": "message", "role": "user",
                       "content": [{"type": "input_text", "text": "hello"}]}], **extra}


def req(b: dict[str, Any], *, stream: bool = False, source: str = "openai-response",
        headers: dict[str, str] | None = None, model: str | None = None) -> ExecRequest:
    return ExecRequest(model=model or b["model"], body=b, stream=stream, source_format=source,
                       client_headers=headers or {})


async def collect(stream: Any) -> list[bytes]:
    lines: list[bytes] = []
    async for batch in stream:
        lines.extend(batch)
    return lines


async def test_oauth_non_stream_folds_sse_into_response(fake: FakeCodex,
                                                        executor: CodexExecutor) -> None:
    b = body(previous_response_id="resp_old", stream=False)
    original = copy.deepcopy(b)
    result = await executor.execute(oauth_cred(), req(b))
    rec = fake.last
    assert rec.method == "POST" and rec.path == "/backend-api/codex/responses"
    assert rec.query == {}
    assert rec.json["stream"] is True and "previous_response_id" not in rec.json
    assert "prompt_cache_key" not in rec.json
    h = rec.headers
    assert h["content-type"] == "application/json"
    assert h["authorization"] == f"Bearer {OAUTH_TOKEN}"
    assert h["version"] == "0.21.0"
    assert h["openai-beta"] == "responses=experimental"
    assert h["accept"] == "text/event-stream"
    assert h["connection"] == "Keep-Alive"
    assert h["originator"] == "codex_cli_rs"
    assert h["chatgpt-account-id"] == "acct-1234"
    assert uuid.UUID(h["session_id"]).version == 4
    assert "conversation_id" not in h
    assert b == original
    out = orjson.loads(result.body)
    assert out["object"] == "response" and out["status"] == "completed"
    assert out["output"][0]["content"][0]["text"] == fake.reply_text
    assert result.upstream_model == "gpt-5"
    u = result.usage
    assert u is not None
    assert (u.input_tokens, u.output_tokens, u.cached_tokens, u.reasoning_tokens,
            u.total_tokens) == (11, 7, 3, 2, 18)


async def test_api_key_against_public_responses_api(fake: FakeCodex,
                                                    executor: CodexExecutor) -> None:
    await executor.execute(key_cred("https://api.openai.com/v1/"), req(body()))
    rec = fake.last
    assert rec.path == "/v1/responses"
    assert rec.headers["authorization"] == f"Bearer {API_KEY}"
    assert "originator" not in rec.headers and "chatgpt-account-id" not in rec.headers


async def test_client_wins_headers(fake: FakeCodex, executor: CodexExecutor) -> None:
    client = {"version": "0.46.0", "openai-beta": "responses=v2", "session_id": "sess-client",
              "originator": "someone-else"}
    await executor.execute(oauth_cred(), req(body(), headers=client))
    h = fake.last.headers
    assert h["version"] == "0.46.0" and h["openai-beta"] == "responses=v2"
    assert h["session_id"] == "sess-client"
    assert h["originator"] == "codex_cli_rs"


@pytest.mark.parametrize("requested, sent, effort", [
    ("gpt-5", "gpt-5", None), ("gpt-5-minimal", "gpt-5", "minimal"),
    ("gpt-5-low", "gpt-5", "low"), ("gpt-5-medium", "gpt-5", "medium"),
    ("gpt-5-high", "gpt-5", "high"), ("gpt-5-codex", "gpt-5-codex", None),
    ("gpt-5-codex-low", "gpt-5-codex", "low"), ("gpt-5-codex-medium", "gpt-5-codex", "medium"),
    ("gpt-5-codex-high", "gpt-5-codex", "high"), ("codex-mini-latest", "codex-mini-latest", None),
])
async def test_effort_suffix_mapping(fake: FakeCodex, executor: CodexExecutor,
                                     requested: str, sent: str, effort: str | None) -> None:
    b = body(requested, reasoning={"effort": "kept", "summary": "auto"})
    result = await executor.execute(oauth_cred(), req(b))
    assert fake.last.json["model"] == sent and result.upstream_model == sent
    assert fake.last.json["reasoning"] == {"effort": effort or "kept", "summary": "auto"}
    assert b["reasoning"] == {"effort": "kept", "summary": "auto"}


async def test_alias_applies_before_effort_mapping(fake: FakeCodex,
                                                   executor: CodexExecutor) -> None:
    cred = oauth_cred()
    cred.model_aliases = {"fast-coder": "gpt-5-codex-low"}
    await executor.execute(cred, req(body("Fast-Coder"), model="Fast-Coder"))
    assert fake.last.json["model"] == "gpt-5-codex"
    assert fake.last.json["reasoning"] == {"effort": "low"}


async def test_claude_prompt_cache_id(fake: FakeCodex, executor: CodexExecutor,
                                      clock: FakeClock) -> None:
    b = body(metadata={"user_id": "user_abc"})
    await executor.execute(oauth_cred(), req(b, source="claude"))
    first = fake.last
    cache_id = first.json["prompt_cache_key"]
    assert uuid.UUID(cache_id).version == 4
    assert first.headers["session_id"] == cache_id == first.headers["conversation_id"]
    clock.advance(3599)
    await executor.execute(oauth_cred(), req(b, source="claude"))
    assert fake.last.json["prompt_cache_key"] == cache_id
    await executor.execute(oauth_cred(), req(body("gpt-5-high", metadata={"user_id": "user_abc"}),
                                             source="claude"))
    assert fake.last.json["prompt_cache_key"] != cache_id
    clock.advance(2)
    await executor.execute(oauth_cred(), req(b, source="claude"))
    assert fake.last.json["prompt_cache_key"] != cache_id
    # a non-Claude client with the same metadata gets no cache id from us
    await executor.execute(oauth_cred(), req(b, source="openai-response"))
    assert "prompt_cache_key" not in fake.last.json
    assert "conversation_id" not in fake.last.headers


async def test_client_prompt_cache_key_kept(fake: FakeCodex, executor: CodexExecutor) -> None:
    await executor.execute(oauth_cred(), req(body(prompt_cache_key="conv-77")))
    rec = fake.last
    assert rec.json["prompt_cache_key"] == "conv-77"
    assert rec.headers["session_id"] == "conv-77" == rec.headers["conversation_id"]


def test_prompt_cache_is_bounded() -> None:
    cache = PromptCacheIds(FakeClock(), max_entries=3)
    ids = [cache.id_for(f"m-{i}") for i in range(5)]
    assert len(cache) == 3 and len(set(ids)) == 5
    assert cache.id_for("m-4") == ids[4]
    assert cache.id_for("m-0") != ids[0]


async def test_no_completed_event_is_408(fake: FakeCodex, executor: CodexExecutor) -> None:
    fake.end_before_completed = True
    with pytest.raises(UpstreamError) as err:
        await executor.execute(oauth_cred(), req(body()))
    assert err.value.status == 408 and err.value.upstream_status == 408
    assert err.value.body == NO_COMPLETION_MESSAGE


@pytest.mark.parametrize("kind, code, status", [
    ("response.failed", "server_error", 500), ("error", "rate_limit_exceeded", 429),
    ("response.failed", "context_length_exceeded", 400),
])
async def test_failure_events_raise_with_status(fake: FakeCodex, executor: CodexExecutor,
                                                kind: str, code: str, status: int) -> None:
    fake.fail_event, fake.fail_code, fake.fail_message = kind, code, "it broke"
    with pytest.raises(UpstreamError) as err:
        await executor.execute(oauth_cred(), req(body()))
    assert err.value.status == status
    error = orjson.loads(err.value.body)["error"]
    assert error["code"] == code and error["message"] == "it broke"


async def test_http_error_passes_status_and_body(fake: FakeCodex,
                                                 executor: CodexExecutor) -> None:
    fake.fail_for_key(OAUTH_TOKEN, 429)
    with pytest.raises(UpstreamError) as err:
        await executor.execute_stream(oauth_cred(), req(body(), stream=True))
    assert err.value.status == 429
    assert orjson.loads(err.value.body)["error"]["type"] == "usage_limit_reached"
    assert OAUTH_TOKEN not in err.value.message


async def test_broken_non_stream_read_is_a_transport_error(fake: FakeCodex,
                                                           executor: CodexExecutor) -> None:
    fake.script(FakeResponse(status=200, chunks=[b"data: {\"type\":\"response.created\"}\n\n"],
                             headers={"Content-Encoding": "gzip"}))
    with pytest.raises(TransportError):
        await executor.execute(oauth_cred(), req(body()))


async def test_stream_forwards_every_line(fake: FakeCodex, executor: CodexExecutor) -> None:
    fake.tool_call = {"name": "shell", "arguments": '{"cmd":["ls","-la"]}'}
    b = body("gpt-5-codex-high", tools=[{"type": "function", "name": "shell",
                                         "parameters": {"type": "object"}}])
    original = copy.deepcopy(b)
    stream = await executor.execute_stream(oauth_cred(), req(b, stream=True))
    assert stream.upstream_model == "gpt-5-codex"
    lines = await collect(stream)
    assert fake.last.json["stream"] is True and b == original
    events = [orjson.loads(ln[5:]) for ln in lines if ln.startswith(b"data:")]
    kinds = [e["type"] for e in events]
    assert kinds[:4] == ["response.created", "response.in_progress",
                         "response.output_item.added", "response.content_part.added"]
    assert kinds[-1] == "response.completed"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert sum(1 for ln in lines if ln.startswith(b"event: ")) == len(events)
    args = "".join(e["delta"] for e in events
                   if e["type"] == "response.function_call_arguments.delta")
    assert args == fake.tool_call["arguments"]
    assert stream.usage is not None and stream.usage.total_tokens == 18


async def test_stream_without_completion_has_no_usage(fake: FakeCodex,
                                                      executor: CodexExecutor) -> None:
    fake.end_before_completed = True
    stream = await executor.execute_stream(oauth_cred(), req(body(), stream=True))
    lines = await collect(stream)
    assert lines and stream.usage is None


async def test_count_tokens_is_local(fake: FakeCodex, executor: CodexExecutor) -> None:
    b = body("gpt-5-high", tools=[{"type": "function", "name": "shell",
                                   "description": "run", "parameters": {"type": "object"}}])
    result = await executor.count_tokens(oauth_cred(), req(b))
    assert fake.requests == []
    n = estimate_tokens(responses_request_text(b))
    assert n > 0
    assert orjson.loads(result.body) == {"response": {"usage": {
        "input_tokens": n, "output_tokens": 0, "total_tokens": n}}}
    assert result.upstream_model == "gpt-5"


def test_responses_request_text_covers_every_part() -> None:
    b = {"instructions": "INSTR", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "T1"}]},
        {"role": "assistant", "content": "T2"},
        {"type": "function_call", "call_id": "c", "name": "FN", "arguments": "ARGS"},
        {"type": "function_call_output", "call_id": "c", "output": "OUT"},
        {"type": "reasoning", "text": "REASON"}],
        "tools": [{"type": "function", "name": "TOOL", "description": "DESC",
                   "parameters": {"p": 1}}, {"type": "web_search"}],
        "text": {"format": {"type": "json_schema", "name": "FMT", "schema": {"s": 2}}}}
    assert responses_request_text(b).split("\n") == [
        "INSTR", "T1", "T2", "FN", "ARGS", "OUT", "REASON", "TOOL", "DESC", '{"p":1}', "FMT",
        '{"s":2}']
    assert responses_request_text({"input": "plain"}) == "plain"
