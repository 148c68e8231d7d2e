"""Answers from a Claude upstream for chat, Responses and Gemini clients (§5.1–5.3).

Outputs are parsed with the official SDKs' types (openai ``ChatCompletionChunk`` /
``ChatCompletion`` / Responses stream events and ``Response``, google-genai
``GenerateContentResponse``), and streams are accumulated with the SDKs' own
accumulators, so shape mistakes fail here.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from google.genai import types as gtypes
from openai import omit
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.lib.streaming.responses import ResponseStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response

from cliproxy_tui.clock import FakeClock
from cliproxy_tui.translate import get_pair
from cliproxy_tui.translate.claude import claude_pairs, fold_sse
from cliproxy_tui.translate.claude_blocks import SIGNATURE_MARK, unpack_thinking
from tests.translate_helpers import RESPONSES_EVENT, responses_sse_events

CLOCK = FakeClock(1_761_640_000.0)
PAIRS = {p.client: p for p in claude_pairs(CLOCK)}
SIG = base64.b64encode(b"claude signature bytes").decode()


def sse(*events: dict[str, Any]) -> list[bytes]:
    """Claude SSE lines as our executor hands them over: event, data, blank."""
    lines: list[bytes] = []
    for ev in events:
        lines += [b"event: " + ev["type"].encode(), b"data: " + orjson.dumps(ev), b""]
    return lines


def message_events(msg: dict[str, Any], split_json: int = 3) -> list[dict[str, Any]]:
    """The Claude stream events that describe the Messages object ``msg``."""
    usage = msg["usage"]
    start_usage = {k: v for k, v in usage.items() if k != "output_tokens"} | {"output_tokens": 1}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": {
        **{k: v for k, v in msg.items() if k not in ("content", "usage", "stop_reason")},
        "content": [], "stop_reason": None, "usage": start_usage}}]
    for i, block in enumerate(msg["content"]):
        kind = block["type"]
        if kind == "text":
            events.append({"type": "content_block_start", "index": i,
                           "content_block": {"type": "text", "text": ""}})
            for piece in _pieces(block["text"], split_json):
                events.append({"type": "content_block_delta", "index": i,
                               "delta": {"type": "text_delta", "text": piece}})
        elif kind == "thinking":
            events.append({"type": "content_block_start", "index": i,
                           "content_block": {"type": "thinking", "thinking": ""}})
            for piece in _pieces(block["thinking"], split_json):
                events.append({"type": "content_block_delta", "index": i,
                               "delta": {"type": "thinking_delta", "thinking": piece}})
            events.append({"type": "content_block_delta", "index": i,
                           "delta": {"type": "signature_delta", "signature": block["signature"]}})
        elif kind == "tool_use":
            events.append({"type": "content_block_start", "index": i, "content_block": {
                "type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}})
            args = orjson.dumps(block["input"]).decode()
            for piece in [""] + _pieces(args, split_json):
                events.append({"type": "content_block_delta", "index": i,
                               "delta": {"type": "input_json_delta", "partial_json": piece}})
        events.append({"type": "content_block_stop", "index": i})
    events.append({"type": "message_delta",
                   "delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None},
                   "usage": {"output_tokens": usage["output_tokens"]}})
    events.append({"type": "message_stop"})
    return events


def _pieces(text: str, n: int) -> list[str]:
    if not text:
        return []
    size = max(1, -(-len(text) // n))
    return [text[i:i + size] for i in range(0, len(text), size)]


def run_stream(client: str, lines: list[bytes], body: dict[str, Any] | None = None,
               batches: list[int] | None = None) -> list[bytes]:
    pair = PAIRS[client]
    state = pair.new_stream("claude-sonnet-4-5", body or {})
    out: list[bytes] = []
    if batches is None:
        out += pair.stream_lines(state, lines)
    else:
        start = 0
        for cut in [*batches, len(lines)]:
            out += pair.stream_lines(state, lines[start:cut])
            start = cut
    return out + pair.stream_end(state)


def run_whole(client: str, message: dict[str, Any], body: dict[str, Any] | None = None) -> Any:
    pair = PAIRS[client]
    state = pair.new_stream("claude-sonnet-4-5", body or {})
    return orjson.loads(pair.response(state, orjson.dumps(message)))


EXAMPLE_E = sse(
    {"type": "message_start", "message": {"id": "msg_01", "type": "message", "role": "assistant",
                                          "content": [], "model": "claude-sonnet-4-5-20250929",
                                          "usage": {"input_tokens": 10, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Ok"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {
        "type": "tool_use", "id": "toolu_A", "name": "lookup", "input": {}}},
    {"type": "content_block_delta", "index": 1,
     "delta": {"type": "input_json_delta", "partial_json": "{\"q\":"}},
    {"type": "content_block_delta", "index": 1,
     "delta": {"type": "input_json_delta", "partial_json": "\"x\"}"}},
    {"type": "content_block_stop", "index": 1},
    {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
     "usage": {"output_tokens": 12}},
    {"type": "message_stop"})

THINKING_MESSAGE = {
    "id": "msg_T", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "thinking", "thinking": "Let me think about it", "signature": SIG},
                {"type": "text", "text": "Calling."},
                {"type": "tool_use", "id": "toolu_B", "name": "get_weather",
                 "input": {"city": "Paris"}}],
    "stop_reason": "tool_use", "stop_sequence": None,
    "usage": {"input_tokens": 10, "cache_read_input_tokens": 5,
              "cache_creation_input_tokens": 2, "output_tokens": 40}}


# ---------------------------------------------------------------------------
# → openai chat
# ---------------------------------------------------------------------------


def test_example_e_stream():
    T = int(CLOCK.now())
    chunks = [orjson.loads(c) for c in run_stream("openai", EXAMPLE_E)]
    for c in chunks:
        ChatCompletionChunk.model_validate(c)
        assert (c["id"], c["created"], c["model"]) == ("msg_01", T, "claude-sonnet-4-5")
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"role": "assistant"}, {"content": "Ok"},
        # §9 #7: ordinal 0, not Claude's block index 1
        {"tool_calls": [{"index": 0, "id": "toolu_A", "type": "function",
                         "function": {"name": "lookup", "arguments": "{\"q\":\"x\"}"}}]},
        {}]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    # exact usage: the prompt count comes from message_start (upstream said 0)
    assert chunks[-1]["usage"] == {"prompt_tokens": 10, "completion_tokens": 12,
                                   "total_tokens": 22}


def test_example_e_non_stream_from_json_and_from_sse():
    expected = {"id": "msg_01", "object": "chat.completion", "created": int(CLOCK.now()),
                "model": "claude-sonnet-4-5-20250929",
                "choices": [{"index": 0, "message": {
                    "role": "assistant", "content": "Ok",
                    "tool_calls": [{"id": "toolu_A", "type": "function", "function": {
                        "name": "lookup", "arguments": "{\"q\":\"x\"}"}}]},
                    "finish_reason": "tool_calls"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 12, "total_tokens": 22}}
    message = fold_sse(b"\n".join(EXAMPLE_E))
    assert run_whole("openai", message) == expected
    pair = PAIRS["openai"]
    from_sse = orjson.loads(pair.response(pair.new_stream("m", {}), b"\n".join(EXAMPLE_E)))
    assert from_sse == expected
    ChatCompletion.model_validate(expected)


def test_fold_sse_joins_every_delta_into_its_block():
    text = "word " * 500
    message = {"id": "msg_F", "type": "message", "role": "assistant", "model": "claude-x",
               "content": [{"type": "thinking", "thinking": "plan " * 300, "signature": SIG},
                           {"type": "text", "text": text},
                           {"type": "tool_use", "id": "toolu_F", "name": "f",
                            "input": {"q": "x" * 50}}],
               "stop_reason": "tool_use", "stop_sequence": None,
               "usage": {"input_tokens": 3, "output_tokens": 9}}
    folded = fold_sse(b"\n".join(sse(*message_events(message, split_json=200))))
    assert folded["content"] == message["content"]
    assert folded["stop_reason"] == "tool_use" and folded["id"] == "msg_F"


def test_chat_thinking_usage_and_no_signature_leak():
    lines = sse(*message_events(THINKING_MESSAGE))
    raw = b"".join(run_stream("openai", lines))
    assert SIG.encode() not in raw and SIGNATURE_MARK.encode() not in raw
    state = ChatCompletionStreamState()
    for c in run_stream("openai", lines):
        state.handle_chunk(ChatCompletionChunk.model_validate(orjson.loads(c)))
    final = state.get_final_completion()
    msg = final.choices[0].message
    assert msg.content == "Calling."
    assert msg.model_extra["reasoning_content"] == "Let me think about it"
    assert msg.tool_calls[0].function.arguments == '{"city":"Paris"}'
    whole = run_whole("openai", THINKING_MESSAGE)
    ChatCompletion.model_validate(whole)
    assert SIG not in orjson.dumps(whole).decode()
    assert whole["choices"][0]["message"]["reasoning_content"] == "Let me think about it"
    # cache reads and writes are prompt tokens; reads are reported as cached;
    # reasoning is estimated from the thinking text (21 bytes // 4)
    expected_usage = {"prompt_tokens": 17, "completion_tokens": 40, "total_tokens": 57,
                      "prompt_tokens_details": {"cached_tokens": 5},
                      "completion_tokens_details": {"reasoning_tokens": 5}}
    assert whole["usage"] == expected_usage
    assert final.usage.model_dump(exclude_none=True) == expected_usage


@pytest.mark.parametrize(("stop", "expected"), [
    ("end_turn", "stop"), ("max_tokens", "length"), ("stop_sequence", "stop"),
    ("tool_use", "tool_calls"), ("refusal", "content_filter"), ("pause_turn", "stop")])
def test_chat_finish_reasons(stop, expected):
    msg = {"id": "m", "model": "c", "content": [{"type": "text", "text": "x"}],
           "stop_reason": stop, "usage": {"input_tokens": 1, "output_tokens": 1}}
    assert run_whole("openai", msg)["choices"][0]["finish_reason"] == expected
    last = orjson.loads(run_stream("openai", sse(*message_events(msg)))[-1])
    assert last["choices"][0]["finish_reason"] == expected


def test_chat_stream_tolerates_junk_and_closes_once():
    events = message_events({"id": "m", "model": "c", "content": [{"type": "text", "text": "hi"}],
                             "stop_reason": "end_turn",
                             "usage": {"input_tokens": 3, "output_tokens": 2}})
    lines = [b": comment", b"data: [DONE]", b"[DONE]", b"garbage {", b"data:"]
    lines += [b"data:" + orjson.dumps(e) for e in events]  # no space after the colon
    lines.insert(8, b"data: junk" + orjson.dumps({"type": "ping"}))
    lines.append(b"data: [DONE]")
    chunks = run_stream("openai", lines)
    finishes = [c for c in chunks if b'"finish_reason":"stop"' in c]
    assert len(finishes) == 1
    assert "".join(orjson.loads(c)["choices"][0]["delta"].get("content", "")
                   for c in chunks) == "hi"


def test_chat_stream_end_without_message_delta_finishes():
    lines = sse(*message_events(THINKING_MESSAGE))[:-6]  # cut before message_delta
    chunks = [orjson.loads(c) for c in run_stream("openai", lines)]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert sum(1 for c in chunks if c["choices"][0]["finish_reason"]) == 1


def test_chat_stream_error_event():
    lines = sse({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})
    assert [orjson.loads(c) for c in run_stream("openai", lines)] == [
        {"error": {"message": "busy", "type": "overloaded_error"}}]


# ---------------------------------------------------------------------------
# → openai-response
# ---------------------------------------------------------------------------

CLIENT_RESPONSES_BODY = {"model": "claude-sonnet-4-5", "instructions": "Be brief.",
                         "input": "hi", "max_output_tokens": 500, "store": False,
                         "tools": [{"type": "function", "name": "get_weather"}],
                         "metadata": {"k": "v"}}


def accumulate_responses(items: list[bytes]) -> tuple[list[dict[str, Any]], Any]:
    events = responses_sse_events(items)
    state = ResponseStreamState(input_tools=CLIENT_RESPONSES_BODY["tools"], text_format=omit)
    snapshot = None
    for ev in events:
        parsed = RESPONSES_EVENT.validate_python(ev)
        state.handle_event(parsed)
        snapshot = state._ResponseStreamState__current_snapshot  # type: ignore[attr-defined]
    return events, snapshot


def test_responses_stream_thinking_text_tool():
    items = run_stream("openai-response", sse(*message_events(THINKING_MESSAGE)),
                       CLIENT_RESPONSES_BODY)
    events, snapshot = accumulate_responses(items)
    assert [e["sequence_number"] for e in events] == list(range(1, len(events) + 1))
    kinds = [e["type"] for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed" and kinds.count("response.completed") == 1
    added = [e for e in events if e["type"] == "response.output_item.added"]
    done = [e for e in events if e["type"] == "response.output_item.done"]
    # §9 #24: one output index per item, in order; every item is closed
    assert [e["output_index"] for e in added] == [0, 1, 2]
    assert [e["output_index"] for e in done] == [0, 1, 2]
    deltas = [e for e in events if e["type"] == "response.reasoning_summary_text.delta"]
    assert "".join(e["delta"] for e in deltas) == "Let me think about it"  # §9 #25
    text_done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text_done["text"] == "Calling."  # §9 #16
    final = events[-1]["response"]
    Response.model_validate(final)
    reasoning, message, call = final["output"]
    assert reasoning["id"] == "rs_msg_T_0" and message["id"] == "msg_msg_T_0"
    assert call == {"id": "fc_toolu_B", "type": "function_call", "status": "completed",
                    "arguments": '{"city":"Paris"}', "call_id": "toolu_B", "name": "get_weather"}
    assert unpack_thinking(reasoning["encrypted_content"], "t")["signature"] == SIG
    assert final["usage"]["input_tokens"] == 17
    assert final["usage"]["input_tokens_details"]["cached_tokens"] == 5
    assert final["usage"]["output_tokens_details"]["reasoning_tokens"] == 5
    # §9 #6: echo fields are the client's, not the translated request's
    assert final["instructions"] == "Be brief." and final["max_output_tokens"] == 500
    assert final["metadata"] == {"k": "v"} and final["tools"] == CLIENT_RESPONSES_BODY["tools"]
    assert final["store"] is False and final["model"] == "claude-sonnet-4-5"
    # the SDK's accumulator, fed the deltas, agrees with the completed response
    assert snapshot.output[1].content[0].text == "Calling."
    assert snapshot.output[2].arguments == '{"city":"Paris"}'


def test_responses_non_stream_matches_stream():
    whole = run_whole("openai-response", THINKING_MESSAGE, CLIENT_RESPONSES_BODY)
    Response.model_validate(whole)
    items = run_stream("openai-response", sse(*message_events(THINKING_MESSAGE)),
                       CLIENT_RESPONSES_BODY)
    final = responses_sse_events(items)[-1]["response"]
    assert whole["output"] == final["output"] and whole["usage"] == final["usage"]
    assert whole["status"] == "completed" and whole["id"] == "msg_T"


def test_responses_adjacent_text_blocks_share_one_message_and_redacted_thinking():
    msg = {"id": "m2", "model": "c", "stop_reason": "end_turn",
           "usage": {"input_tokens": 1, "output_tokens": 2},
           "content": [{"type": "redacted_thinking", "data": "opaque=="},
                       {"type": "text", "text": "A"}, {"type": "text", "text": "B"}]}
    events = [{"type": "message_start", "message": {"id": "m2", "model": "c", "content": [],
                                                    "usage": {"input_tokens": 1}}},
              {"type": "content_block_start", "index": 0,
               "content_block": {"type": "redacted_thinking", "data": "opaque=="}},
              {"type": "content_block_stop", "index": 0}]
    for i, t in ((1, "A"), (2, "B")):
        events += [{"type": "content_block_start", "index": i,
                    "content_block": {"type": "text", "text": ""}},
                   {"type": "content_block_delta", "index": i,
                    "delta": {"type": "text_delta", "text": t}},
                   {"type": "content_block_stop", "index": i}]
    events += [{"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 2}}, {"type": "message_stop"}]
    streamed, _ = accumulate_responses(run_stream("openai-response", sse(*events)))
    final = streamed[-1]["response"]
    assert [o["type"] for o in final["output"]] == ["reasoning", "message"]
    assert final["output"][1]["content"][0]["text"] == "AB"
    assert unpack_thinking(final["output"][0]["encrypted_content"], "") == {
        "type": "redacted_thinking", "data": "opaque=="}
    assert run_whole("openai-response", msg)["output"] == final["output"]


def test_responses_stream_end_completes_once():
    lines = sse(*message_events(THINKING_MESSAGE))
    with_stop = responses_sse_events(run_stream("openai-response", lines))
    without_stop = responses_sse_events(run_stream("openai-response", lines[:-3]))
    assert [e["type"] for e in with_stop].count("response.completed") == 1
    assert [e["type"] for e in without_stop].count("response.completed") == 1
    assert with_stop[-1]["response"]["output"] == without_stop[-1]["response"]["output"]


# ---------------------------------------------------------------------------
# → gemini
# ---------------------------------------------------------------------------


def gemini_chunks(items: list[bytes]) -> list[gtypes.GenerateContentResponse]:
    return [gtypes.GenerateContentResponse._from_response(response=orjson.loads(i), kwargs={})
            for i in items]


def merge_gemini(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parts of a Gemini stream, adjacent texts (and adjacent thoughts) merged."""
    parts: list[dict[str, Any]] = []
    for chunk in chunks:
        for part in chunk["candidates"][0]["content"]["parts"]:
            last = parts[-1] if parts else None
            if last is not None and "text" in part and "text" in last \
                    and last.get("thought", False) == part.get("thought", False):
                last["text"] += part["text"]
                if "thoughtSignature" in part:
                    last["thoughtSignature"] = part["thoughtSignature"]
            else:
                parts.append(dict(part))
    return parts


def test_gemini_stream_and_non_stream():
    items = run_stream("gemini", sse(*message_events(THINKING_MESSAGE)))
    parsed = gemini_chunks(items)
    raw = [orjson.loads(i) for i in items]
    assert [c["candidates"][0].get("finishReason") for c in raw][-1] == "STOP"
    assert all("finishReason" not in c["candidates"][0] for c in raw[:-1])
    assert raw[-1]["usageMetadata"] == {"promptTokenCount": 17, "candidatesTokenCount": 40,
                                        "totalTokenCount": 57, "cachedContentTokenCount": 5,
                                        "trafficType": "PROVISIONED_THROUGHPUT"}
    assert {c["responseId"] for c in raw} == {"msg_T"}
    assert {c["modelVersion"] for c in raw} == {"claude-sonnet-4-5-20250929"}
    assert "".join(c.text or "" for c in parsed) == "Calling."
    calls = [fc for c in parsed for fc in (c.function_calls or [])]
    assert [(fc.name, fc.args, fc.id) for fc in calls] == [
        ("get_weather", {"city": "Paris"}, "toolu_B")]
    whole = run_whole("gemini", THINKING_MESSAGE)
    gtypes.GenerateContentResponse._from_response(response=whole, kwargs={})
    assert merge_gemini(raw) == whole["candidates"][0]["content"]["parts"]


def test_gemini_signature_survives_the_sdk_and_comes_back_to_claude():
    whole = run_whole("gemini", THINKING_MESSAGE)
    resp = gtypes.GenerateContentResponse._from_response(response=whole, kwargs={})
    history = resp.candidates[0].content.model_dump(mode="json", by_alias=True, exclude_none=True)
    request = get_pair("gemini", "claude").request("claude-sonnet-4-5", {"contents": [
        {"role": "user", "parts": [{"text": "weather?"}]}, history,
        {"role": "user", "parts": [{"functionResponse": {
            "id": "toolu_B", "name": "get_weather", "response": {"result": "18C"}}}]}],
        "generationConfig": {"thinkingConfig": {"includeThoughts": True, "thinkingBudget": 2048}}},
        False)
    assistant = request["messages"][1]["content"]
    assert assistant[0] == {"type": "thinking", "thinking": "Let me think about it",
                            "signature": SIG}
    assert assistant[2]["id"] == "toolu_B"
    assert request["messages"][2]["content"][0]["tool_use_id"] == "toolu_B"
    assert request["thinking"] == {"type": "enabled", "budget_tokens": 2048}


@pytest.mark.parametrize(("stop", "expected"), [("max_tokens", "MAX_TOKENS"),
                                                ("end_turn", "STOP"), ("tool_use", "STOP")])
def test_gemini_finish_reasons(stop, expected):
    msg = {"id": "m", "model": "c", "content": [{"type": "text", "text": "x"}],
           "stop_reason": stop, "usage": {"input_tokens": 1, "output_tokens": 1}}
    assert run_whole("gemini", msg)["candidates"][0]["finishReason"] == expected
    last = orjson.loads(run_stream("gemini", sse(*message_events(msg)))[-1])
    assert last["candidates"][0]["finishReason"] == expected


def test_gemini_cli_wraps_every_output():
    pair = get_pair("gemini-cli", "claude")
    state = pair.new_stream("claude-sonnet-4-5", {"request": {"contents": []}})
    items = pair.stream_lines(state, sse(*message_events(THINKING_MESSAGE))) \
        + pair.stream_end(state)
    assert items and all(orjson.loads(i).keys() == {"response"} for i in items)
    whole = orjson.loads(pair.response(pair.new_stream("m", {}), orjson.dumps(THINKING_MESSAGE)))
    assert whole["response"]["responseId"] == "msg_T"


def test_gemini_stream_error_and_empty_stream():
    lines = sse({"type": "error", "error": {"type": "api_error", "message": "boom"}})
    assert [orjson.loads(i) for i in run_stream("gemini", lines)] == [
        {"error": {"code": 400, "message": "boom", "status": "INVALID_ARGUMENT"}}]
    assert run_stream("gemini", []) == []


# ---------------------------------------------------------------------------
# token counts (§1.7, example H)
# ---------------------------------------------------------------------------


def test_count_responses():
    body = b'{"input_tokens":17}'
    gemini = get_pair("gemini", "claude")
    assert orjson.loads(gemini.count_response(gemini.new_stream("m", {}), body)) == {
        "totalTokens": 17, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 17}]}
    cli = get_pair("gemini-cli", "claude")
    assert orjson.loads(cli.count_response(cli.new_stream("m", {}), body))["totalTokens"] == 17
    chat = get_pair("openai", "claude")
    assert chat.count_response(chat.new_stream("m", {}), body) == body
