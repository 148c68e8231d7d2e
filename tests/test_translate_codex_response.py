"""Answers from a Codex upstream (translators.md §6) for every client, stream and not.

Outputs are parsed with the official SDKs' types; streams are accumulated with the
SDKs' own accumulators and compared with the non-stream translation of the same answer.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.types import Message
from google.genai import types as gtypes
from openai import omit
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response

import cliproxy_tui.translate.codex as codex_pairs
from cliproxy_tui.errors import StreamError
from cliproxy_tui.translate import codex_request, get_pair
from tests.test_translate_codex_sse import (
    call,
    events,
    message,
    parse_event,
    reasoning,
    response,
    run_complete,
    run_stream,
    sample,
    sse_lines,
    usage,
)
from tests.translate_helpers import accumulate_claude, claude_sse_events

LONG_MCP = "mcp__" + "x" * 70 + "__read_file"


def chat_final(chunks: list[bytes]) -> Any:
    state = ChatCompletionStreamState(input_tools=omit, response_format=omit)
    for raw in chunks:
        state.handle_chunk(ChatCompletionChunk.model_validate_json(raw))
    # the snapshot, not get_final_completion(): that one raises on finish_reason "length"
    return ChatCompletion.model_validate(state.current_completion_snapshot.model_dump())


def claude_final(blocks: list[bytes]) -> Message:
    return accumulate_claude(claude_sse_events(blocks))


# -- openai chat ----------------------------------------------------------------------


def test_chat_stream_matches_non_stream() -> None:
    resp = sample()
    chunks = run_stream("openai", {"messages": []}, sse_lines(resp))
    final = chat_final(chunks)
    whole = ChatCompletion.model_validate(run_complete("openai", {}, resp))
    msg, want = final.choices[0].message, whole.choices[0].message
    assert msg.content == want.content == "Hello there."
    assert msg.model_extra["reasoning_content"] == want.model_extra["reasoning_content"] \
        == "Plan the answer.\n\nThen check it."
    assert [(t.id, t.function.name, t.function.arguments) for t in msg.tool_calls] == \
        [(t.id, t.function.name, t.function.arguments) for t in want.tool_calls] == \
        [("call_1", "lookup", '{"q":"x y"}')]
    assert final.choices[0].finish_reason == whole.choices[0].finish_reason == "tool_calls"
    assert (final.id, final.created, final.model) == (whole.id, whole.created, whole.model) \
        == ("resp_1", 1761640000, "gpt-5-codex")
    assert whole.usage.prompt_tokens == 20 and whole.usage.completion_tokens == 9
    assert whole.usage.total_tokens == 29
    assert whole.usage.prompt_tokens_details.cached_tokens == 4
    assert whole.usage.completion_tokens_details.reasoning_tokens == 3
    assert final.usage == whole.usage  # usage on the finish chunk without include_usage


def test_chat_reasoning_never_reaches_content() -> None:
    resp = response([reasoning("secret plan"), message("answer")])
    for chunk in run_stream("openai", {}, sse_lines(resp)):
        delta = orjson.loads(chunk)["choices"][0]["delta"] if orjson.loads(chunk)["choices"] \
            else {}
        assert "secret" not in (delta.get("content") or "")
    assert run_complete("openai", {}, resp)["choices"][0]["message"]["content"] == "answer"


@pytest.mark.parametrize("include_usage", [True, False])
def test_chat_usage_placement(include_usage: bool) -> None:
    body = {"stream_options": {"include_usage": True}} if include_usage else {}
    chunks = [orjson.loads(c) for c in run_stream("openai", body,
                                                   sse_lines(response([message("hi")])))]
    for c in chunks:
        ChatCompletionChunk.model_validate(c)
    finish = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finish) == 1 and finish[0]["choices"][0]["finish_reason"] == "stop"
    usage_chunks = [c for c in chunks if "usage" in c]
    assert len(usage_chunks) == 1
    if include_usage:
        assert usage_chunks[0] is chunks[-1] and usage_chunks[0]["choices"] == []
    else:
        assert usage_chunks[0] is finish[0]
    assert usage_chunks[0]["usage"] == {"prompt_tokens": 12, "completion_tokens": 5,
                                        "total_tokens": 17}
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}


@pytest.mark.parametrize("status, reason, finish", [
    ("completed", None, "stop"),
    ("incomplete", "max_output_tokens", "length"),
    ("incomplete", "content_filter", "content_filter"),
])
def test_chat_finish_reasons(status: str, reason: str | None, finish: str) -> None:
    resp = response([message("partial")], status=status, incomplete=reason)
    chunks = [orjson.loads(c) for c in run_stream("openai", {}, sse_lines(resp))]
    assert [c["choices"][0]["finish_reason"] for c in chunks
            if c["choices"] and c["choices"][0]["finish_reason"]] == [finish]
    assert run_complete("openai", {}, resp)["choices"][0]["finish_reason"] == finish


def test_chat_tool_names_restored_and_parallel_indices() -> None:
    body = {"tools": [{"type": "function", "function": {"name": LONG_MCP}},
                      {"type": "function", "function": {"name": "b"}}]}
    resp = response([call("mcp__read_file", '{"p":1}', "call_a", "fc_a"),
                     call("b", "{}", "call_b", "fc_b")])
    final = chat_final(run_stream("openai", body, sse_lines(resp, piece=2)))
    assert [(t.index, t.id, t.function.name, t.function.arguments)
            for t in final.choices[0].message.tool_calls] == [
        (0, "call_a", LONG_MCP, '{"p":1}'), (1, "call_b", "b", "{}")]
    whole = run_complete("openai", body, resp)["choices"][0]["message"]
    assert [t["function"]["name"] for t in whole["tool_calls"]] == [LONG_MCP, "b"]
    assert whole["content"] is None


def test_chat_arguments_only_in_the_done_item() -> None:
    resp = response([call("f", '{"a":[1,2]}')])
    lines = [ln for ln in sse_lines(resp)
             if b"function_call_arguments.delta" not in ln]
    final = chat_final(run_stream("openai", {}, lines))
    assert final.choices[0].message.tool_calls[0].function.arguments == '{"a":[1,2]}'


# -- claude ---------------------------------------------------------------------------


def test_claude_stream_matches_non_stream_with_signature() -> None:
    resp = sample()
    blocks = run_stream("claude", {"messages": []}, sse_lines(resp))
    final = claude_final(blocks)
    whole = Message.model_validate(run_complete("claude", {}, resp))
    assert final.model_dump() == whole.model_dump()
    assert [b.type for b in whole.content] == ["thinking", "text", "tool_use"]
    assert whole.content[0].signature == "gAAAAABblob"
    assert whole.content[0].thinking == "Plan the answer.\n\nThen check it."
    assert whole.content[2].input == {"q": "x y"}
    assert whole.stop_reason == "tool_use"
    assert (whole.usage.input_tokens, whole.usage.cache_read_input_tokens,
            whole.usage.output_tokens) == (16, 4, 9)


def test_claude_block_indices_have_no_gaps() -> None:
    # a reasoning item without summary or blob yields no block: the message is block 0
    resp = response([reasoning(item_id="rs_0"), message("a", "b", item_id="m1"),
                     call("f", "{}"), message("c", item_id="m2")])
    objs = claude_sse_events(run_stream("claude", {}, sse_lines(resp)))
    starts = [o["index"] for o in objs if o["type"] == "content_block_start"]
    stops = [o["index"] for o in objs if o["type"] == "content_block_stop"]
    assert starts == stops == [0, 1, 2, 3]
    final = claude_final(run_stream("claude", {}, sse_lines(resp)))
    assert [b.type for b in final.content] == ["text", "text", "tool_use", "text"]
    assert final.stop_reason == "tool_use"


def test_claude_example_f_names_come_back_long() -> None:
    body = {"tools": [{"name": LONG_MCP, "input_schema": {"type": "object"}}]}
    resp = response([call("mcp__read_file", '{"path":"a"}')])
    final = claude_final(run_stream("claude", body, sse_lines(resp)))
    assert final.content[0].name == LONG_MCP
    assert run_complete("claude", body, resp)["content"][0]["name"] == LONG_MCP


@pytest.mark.parametrize("status, reason, stop", [
    ("completed", None, "end_turn"), ("incomplete", "max_output_tokens", "max_tokens")])
def test_claude_stop_reasons(status: str, reason: str | None, stop: str) -> None:
    resp = response([message("x")], status=status, incomplete=reason)
    assert claude_final(run_stream("claude", {}, sse_lines(resp))).stop_reason == stop
    assert run_complete("claude", {}, resp)["stop_reason"] == stop


def test_claude_empty_answer_keeps_content_list() -> None:
    whole = run_complete("claude", {}, response([]))
    assert whole["content"] == [] and whole["usage"]["output_tokens"] == 5
    objs = claude_sse_events(run_stream("claude", {}, sse_lines(response([]))))
    assert [o["type"] for o in objs] == ["message_start", "message_delta", "message_stop"]


# -- gemini ---------------------------------------------------------------------------


def gemini_totals(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    thought, text, calls, finish, meta = [], [], [], None, None
    for c in chunks:
        parsed = gtypes.GenerateContentResponse.model_validate(c)
        cand = parsed.candidates[0]
        for p in cand.content.parts or []:
            if p.function_call:
                calls.append((p.function_call.id, p.function_call.name, p.function_call.args))
            elif p.thought:
                thought.append(p.text)
            elif p.text is not None:
                text.append(p.text)
        finish = cand.finish_reason or finish
        meta = parsed.usage_metadata or meta
    return {"thought": "".join(thought), "text": "".join(text), "calls": calls,
            "finish": finish, "usage": meta}


def test_gemini_stream_matches_non_stream() -> None:
    resp = sample()
    chunks = [orjson.loads(c) for c in run_stream("gemini", {}, sse_lines(resp))]
    whole = run_complete("gemini", {}, resp)
    assert gemini_totals(chunks) == gemini_totals([whole])
    totals = gemini_totals([whole])
    assert totals["calls"] == [("call_1", "lookup", {"q": "x y"})]
    assert totals["finish"] == gtypes.FinishReason.STOP
    meta = totals["usage"]
    assert (meta.prompt_token_count, meta.candidates_token_count, meta.thoughts_token_count,
            meta.cached_content_token_count, meta.total_token_count) == (20, 6, 3, 4, 29)
    assert whole["createTime"] == "2025-10-28T08:26:40Z"
    assert whole["modelVersion"] == "gpt-5-codex" and whole["responseId"] == "resp_1"


def test_gemini_text_only_stream_reports_its_finish_reason_once() -> None:
    chunks = [orjson.loads(c) for c in run_stream("gemini", {}, sse_lines(
        response([message("hello")]), piece=1))]
    finishes = [c["candidates"][0].get("finishReason") for c in chunks]
    assert finishes[-1] == "STOP" and finishes.count("STOP") == 1
    assert "usageMetadata" in chunks[-1]


def test_gemini_function_call_sent_once_with_restored_name() -> None:
    body = {"tools": [{"functionDeclarations": [{"name": "g" * 80}]}]}
    resp = response([call("g" * 64, '{"a":1}'), message("after")])
    chunks = [orjson.loads(c) for c in run_stream("gemini", body, sse_lines(resp))]
    calls = [p["functionCall"] for c in chunks for p in c["candidates"][0]["content"]["parts"]
             if "functionCall" in p]
    assert calls == [{"name": "g" * 80, "args": {"a": 1}, "id": "call_1"}]


def test_gemini_cli_client_gets_wrapped_chunks() -> None:
    pair = get_pair("gemini-cli", "codex")
    assert pair is not None
    body = {"request": {"tools": [{"functionDeclarations": [{"name": "g" * 80}]}]}}
    state = pair.new_stream("gpt-5", body)
    out = pair.stream_lines(state, sse_lines(response([call("g" * 64, "{}")])))
    out += pair.stream_end(state)
    objs = [orjson.loads(o) for o in out]
    assert all(set(o) == {"response"} for o in objs)
    names = [p["functionCall"]["name"] for o in objs
             for p in o["response"]["candidates"][0]["content"]["parts"] if "functionCall" in p]
    assert names == ["g" * 80]
    whole = orjson.loads(pair.response(pair.new_stream("gpt-5", body),
                                       orjson.dumps(response([message("x")]))))
    assert whole["response"]["candidates"][0]["content"]["parts"] == [{"text": "x"}]


# -- openai-response ------------------------------------------------------------------


def test_responses_stream_passes_events_through() -> None:
    resp = sample()
    out = run_stream("openai-response", {"input": "hi"}, sse_lines(resp))
    data = [orjson.loads(item[6:]) for item in out if item.startswith(b"data: ")]
    assert data == events(resp)
    assert [i for i in out if i.startswith(b"event:")] == \
        [b"event: " + e["type"].encode() for e in events(resp)]
    for ev in data:
        parse_event(ev)
    body = orjson.dumps(resp)
    pair = get_pair("openai-response", "codex")
    assert pair is not None
    # nothing to change: the upstream bytes are the answer
    assert pair.response(pair.new_stream("gpt-5", {}), body) is body
    Response.model_validate_json(body)


def test_responses_example_l_restores_swapped_instructions(monkeypatch) -> None:
    """If the request had to carry other instructions, the client still sees its own."""
    def bundled(model: str, text: str | None) -> str:
        return "<BUNDLED_PROMPT>"

    monkeypatch.setattr(codex_request, "codex_instructions", bundled)
    monkeypatch.setattr(codex_pairs, "codex_instructions", bundled)
    client = {"model": "gpt-5-codex", "instructions": "You are a helpful assistant.",
              "input": "Say hi", "stream": True}
    pair = get_pair("openai-response", "codex")
    assert pair is not None
    assert pair.request("gpt-5-codex", client, True)["instructions"] == "<BUNDLED_PROMPT>"
    upstream = response([message("Hi")], instructions="<BUNDLED_PROMPT>")
    out = run_stream("openai-response", client, sse_lines(upstream))
    data = [orjson.loads(i[6:]) for i in out if i.startswith(b"data: ")]
    with_response = [d for d in data if "response" in d]
    assert [d["type"] for d in with_response] == ["response.created", "response.in_progress",
                                                  "response.completed"]
    assert {d["response"]["instructions"] for d in with_response} == \
        {"You are a helpful assistant."}
    delta = next(d for d in data if d["type"] == "response.output_text.delta")
    assert delta["delta"] == "Hi"
    whole = orjson.loads(pair.response(pair.new_stream("gpt-5-codex", client),
                                       orjson.dumps(upstream)))
    assert whole["instructions"] == "You are a helpful assistant."
    assert whole["output"] == upstream["output"] and whole["usage"] == upstream["usage"]


# -- robustness and endings -----------------------------------------------------------


@pytest.mark.parametrize("client", ["openai", "claude", "gemini", "openai-response"])
def test_junk_blank_done_and_odd_splits_are_tolerated(client: str) -> None:
    clean = run_stream(client, {}, sse_lines(sample()))
    noisy: list[bytes] = [b"", b": keep-alive", b"junk line", b"data: not json"]
    for line in sse_lines(sample()):
        noisy.append(line.replace(b"data: ", b"data:", 1) if line.startswith(b"data: ")
                     else line)
    noisy += [b"data: [DONE]", b"[DONE]"]
    cuts = list(range(1, len(noisy), 2))
    assert run_stream(client, {}, noisy, cuts) == clean


@pytest.mark.parametrize("client", ["openai", "claude", "gemini", "openai-response"])
def test_stream_without_completion_is_an_error(client: str) -> None:
    lines = [ln for ln in sse_lines(response([message("cut")]))
             if b"response.completed" not in ln]
    with pytest.raises(StreamError, match="before completion"):
        run_stream(client, {}, lines)


@pytest.mark.parametrize("client", ["openai", "claude", "gemini"])
@pytest.mark.parametrize("kind, status", [("response.failed", 429), ("error", 502)])
def test_failure_events_become_stream_errors_after_the_content(client: str, kind: str,
                                                               status: int) -> None:
    lines = [ln for ln in sse_lines(response([message("partial")]))
             if b"response.completed" not in ln]
    if kind == "response.failed":
        failed = response([], status="failed")
        failed["error"] = {"code": "usage_limit_reached", "message": "limit reached"}
        event = {"type": kind, "sequence_number": 99, "response": failed}
    else:
        event = {"type": "error", "code": "server_error", "message": "boom", "param": None}
    lines += [b"event: " + kind.encode(), b"data: " + orjson.dumps(event), b""]
    pair = get_pair(client, "codex")
    assert pair is not None
    state = pair.new_stream("gpt-5", {})
    out = pair.stream_lines(state, lines)
    assert b"partial"[:3] in b"".join(out)  # what came before the failure is delivered
    with pytest.raises(StreamError) as info:
        pair.stream_end(state)
    assert info.value.status == status
    assert ("limit reached" if kind == "response.failed" else "boom") in info.value.message


def test_completed_event_is_not_answered_twice() -> None:
    lines = sse_lines(response([message("x")]))
    pair = get_pair("claude", "codex")
    assert pair is not None
    state = pair.new_stream("gpt-5", {})
    out = pair.stream_lines(state, lines + lines[-3:])
    out += pair.stream_end(state)
    kinds = [o["type"] for o in claude_sse_events(out)]
    assert kinds.count("message_stop") == 1 and kinds.count("message_delta") == 1


# -- token counts ---------------------------------------------------------------------


@pytest.mark.parametrize("client, expected", [
    ("claude", {"input_tokens": 17}),
    ("gemini", {"totalTokens": 17, "promptTokensDetails": [{"modality": "TEXT",
                                                            "tokenCount": 17}]}),
    ("gemini-cli", {"totalTokens": 17, "promptTokensDetails": [{"modality": "TEXT",
                                                                "tokenCount": 17}]}),
])
def test_count_bodies(client: str, expected: dict) -> None:
    pair = get_pair(client, "codex")
    assert pair is not None
    upstream = orjson.dumps({"response": {"usage": {"input_tokens": 17, "output_tokens": 0,
                                                    "total_tokens": 17}}})
    assert orjson.loads(pair.count_response(pair.new_stream("gpt-5", {}), upstream)) == expected


def test_usage_helper_is_exact() -> None:
    u = usage(100, 40, cached=30, reasoning_tokens=25)
    resp = response([message("x")], usage_obj=u)
    chat = run_complete("openai", {}, resp)["usage"]
    assert chat == {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140,
                    "prompt_tokens_details": {"cached_tokens": 30},
                    "completion_tokens_details": {"reasoning_tokens": 25}}
    claude = run_complete("claude", {}, resp)["usage"]
    assert claude == {"input_tokens": 70, "cache_read_input_tokens": 30, "output_tokens": 40}
    gem = run_complete("gemini", {}, resp)["usageMetadata"]
    assert gem == {"promptTokenCount": 100, "candidatesTokenCount": 15,
                   "thoughtsTokenCount": 25, "cachedContentTokenCount": 30,
                   "totalTokenCount": 140}
