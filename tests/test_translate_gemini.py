"""Answers from a Gemini upstream → OpenAI chat, Responses, Claude and Gemini clients (§4).

Every output is parsed with the official SDK's types (openai, anthropic), so a shape
mistake fails here. Worked examples C, D, H and J of translators.md §10 are asserted in
their §9-resolved form.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.types import Message
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response

from cliproxy_tui.translate import get_pair
from cliproxy_tui.translate.gemini_request_claude import claude_to_gemini
from tests.translate_helpers import (
    CLAUDE_EVENT,
    RESPONSES_EVENT,
    accumulate_claude,
    claude_sse_events,
    responses_sse_events,
)

OPENAI = get_pair("openai", "gemini")
RESPONSES = get_pair("openai-response", "gemini")
CLAUDE = get_pair("claude", "gemini")
GEMINI = get_pair("gemini", "gemini")


def sse(*units: dict[str, Any]) -> list[bytes]:
    """Gemini ``alt=sse`` lines (what the executor hands over: no terminators)."""
    lines: list[bytes] = []
    for unit in units:
        lines += [b"data: " + orjson.dumps(unit), b""]
    return lines


def unit(*parts: dict[str, Any], finish: str | None = None, usage: dict | None = None,
         rid: str = "r1", model: str = "gemini-2.5-flash") -> dict[str, Any]:
    cand: dict[str, Any] = {"content": {"role": "model", "parts": list(parts)}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    out: dict[str, Any] = {"candidates": [cand], "modelVersion": model, "responseId": rid}
    if usage is not None:
        out["usageMetadata"] = usage
    return out


# --- client-side helpers: run a pair like the server does, parse like the SDK does ------


def chat_stream(lines: list[bytes], body: dict | None = None) -> list[dict[str, Any]]:
    state = OPENAI.new_stream("gemini-2.5-flash", body or {})
    payloads = OPENAI.stream_lines(state, lines) + OPENAI.stream_end(state)
    chunks = [orjson.loads(p) for p in payloads]
    for c in chunks:
        ChatCompletionChunk.model_validate(c)
    return chunks


def chat_response(body: bytes) -> dict[str, Any]:
    out = orjson.loads(OPENAI.response(OPENAI.new_stream("gemini-2.5-flash", {}), body))
    ChatCompletion.model_validate(out)
    return out


def claude_events(batches: list[list[bytes]], end: bool = True) -> list[dict[str, Any]]:
    state = CLAUDE.new_stream("gemini-2.5-flash", {})
    blocks: list[bytes] = []
    for batch in batches:
        blocks += CLAUDE.stream_lines(state, batch)
    if end:
        blocks += CLAUDE.stream_end(state)
    events = claude_sse_events(blocks)
    for event in events:
        CLAUDE_EVENT.validate_python(event)
    return events


def claude_response(body: bytes) -> dict[str, Any]:
    out = orjson.loads(CLAUDE.response(CLAUDE.new_stream("gemini-2.5-flash", {}), body))
    Message.model_validate(out)
    return out


def responses_events(lines: list[bytes], body: dict | None = None) -> list[dict[str, Any]]:
    state = RESPONSES.new_stream("gemini-2.5-flash", body or {"model": "gemini-2.5-flash"})
    events = responses_sse_events(RESPONSES.stream_lines(state, lines)
                                  + RESPONSES.stream_end(state))
    for event in events:
        RESPONSES_EVENT.validate_python(event)
    assert [e["sequence_number"] for e in events] == list(range(1, len(events) + 1))
    return events


def responses_response(body: bytes, client: dict | None = None) -> dict[str, Any]:
    state = RESPONSES.new_stream("gemini-2.5-flash", client or {"model": "gemini-2.5-flash"})
    out = orjson.loads(RESPONSES.response(state, body))
    Response.model_validate(out)
    return out


EXAMPLE_C = [
    (b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}],'
     b'"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5},'
     b'"modelVersion":"gemini-2.5-flash","responseId":"r1"}'), b"",
    (b'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]},'
     b'"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2,'
     b'"totalTokenCount":7},"modelVersion":"gemini-2.5-flash","responseId":"r1"}'), b""]

EXAMPLE_J = orjson.dumps({
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "Let me think", "thought": True}, {"text": "Calling."},
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
        "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 6,
                      "thoughtsTokenCount": 4, "totalTokenCount": 20},
    "modelVersion": "gemini-2.5-flash", "createTime": "2025-10-28T11:00:00.123456Z",
    "responseId": "r2"})


# ---------------------------------------------------------------------------
# → openai chat (§4.1)
# ---------------------------------------------------------------------------


def test_example_c_stream() -> None:
    # resolved: blank lines give no all-null chunks (§9 #12); finish_reason "stop" with
    # the raw "STOP" kept in native_finish_reason (§9 #1); the first chunk's usage has
    # completion_tokens 0 (OpenAI usage objects always carry all three counters)
    assert chat_stream(EXAMPLE_C) == [
        {"id": "r1", "object": "chat.completion.chunk", "created": 0, "model": "gemini-2.5-flash",
         "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel",
                                            "reasoning_content": None, "tool_calls": None},
                      "finish_reason": None, "native_finish_reason": None}],
         "usage": {"total_tokens": 5, "prompt_tokens": 5, "completion_tokens": 0}},
        {"id": "r1", "object": "chat.completion.chunk", "created": 0, "model": "gemini-2.5-flash",
         "choices": [{"index": 0, "delta": {"role": "assistant", "content": "lo",
                                            "reasoning_content": None, "tool_calls": None},
                      "finish_reason": "stop", "native_finish_reason": "STOP"}],
         "usage": {"completion_tokens": 2, "total_tokens": 7, "prompt_tokens": 5}}]


def test_chat_stream_created_follows_create_time() -> None:
    # createTime is parsed once per value: a stamp that repeats, goes missing or is
    # unreadable keeps the last time read, a new one is read again
    stamps = ["2025-10-28T11:00:00Z", "2025-10-28T11:00:00Z", None, "garbage",
              "2025-10-28T11:00:05.5+01:00", "2025-10-28T11:00:00Z"]
    units = []
    for stamp in stamps:
        u = unit({"text": "x"})
        if stamp is not None:
            u["createTime"] = stamp
        units.append(u)
    created = [c["created"] for c in chat_stream(sse(*units))]
    assert created == [1761649200, 1761649200, 1761649200, 1761649200, 1761645605,
                       1761649200]


def test_example_j_chat_non_stream() -> None:
    out = chat_response(EXAMPLE_J)
    call_id = out["choices"][0]["message"]["tool_calls"][0]["id"]
    assert call_id.startswith("get_weather-") and call_id[12:].isdigit()
    assert out == {
        "id": "r2", "object": "chat.completion", "created": 1761649200,
        "model": "gemini-2.5-flash",
        "choices": [{"index": 0, "message": {
            "role": "assistant", "content": "Calling.", "reasoning_content": "Let me think",
            "tool_calls": [{"id": call_id, "type": "function", "function": {
                "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            "finish_reason": "tool_calls", "native_finish_reason": "STOP"}],
        "usage": {"completion_tokens": 6, "total_tokens": 20, "prompt_tokens": 14,
                  "completion_tokens_details": {"reasoning_tokens": 4}}}


@pytest.mark.parametrize(("gemini", "openai"), [
    ("STOP", "stop"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"),
    ("RECITATION", "content_filter"), ("PROHIBITED_CONTENT", "content_filter"),
    ("MALFORMED_FUNCTION_CALL", "stop"), ("OTHER", "stop")])
def test_chat_finish_reasons(gemini: str, openai: str) -> None:
    (chunk,) = chat_stream(sse(unit({"text": "x"}, finish=gemini)))
    assert chunk["choices"][0]["finish_reason"] == openai
    assert chunk["choices"][0]["native_finish_reason"] == gemini
    body = orjson.dumps(unit({"text": "x"}, finish=gemini))
    assert chat_response(body)["choices"][0]["finish_reason"] == openai


def test_chat_stream_tools_thoughts_images_and_parts() -> None:
    chunks = chat_stream(sse(
        unit({"text": "a", "thought": True}, {"text": "b", "thought": True},
             {"text": "x"}, {"text": "y"}),  # §9 #2: concatenated, not last-wins
        unit({"functionCall": {"name": "f", "args": {"k": 1}}, "thoughtSignature": "S"},
             {"functionCall": {"name": "g"}}),
        unit({"functionCall": {"name": "h", "args": {}}}),
        unit({"inlineData": {"mimeType": "image/png", "data": "iVBO"}}),
        unit(finish="STOP", usage={"promptTokenCount": 3, "candidatesTokenCount": 4,
                                   "thoughtsTokenCount": 2, "cachedContentTokenCount": 1,
                                   "totalTokenCount": 9})))
    first = chunks[0]["choices"][0]["delta"]
    assert (first["content"], first["reasoning_content"]) == ("xy", "ab")
    calls = chunks[1]["choices"][0]["delta"]["tool_calls"] + \
        chunks[2]["choices"][0]["delta"]["tool_calls"]
    # §9 #7: ordinal indices across the whole answer; ids are <name>-<nanos>
    assert [(c["index"], c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        (0, "f", '{"k":1}'), (1, "g", "{}"), (2, "h", "{}")]
    assert len({c["id"] for c in calls}) == 3
    assert all(c["id"].startswith(c["function"]["name"] + "-") for c in calls)
    assert chunks[3]["choices"][0]["delta"]["images"] == [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}}]
    last = chunks[-1]
    # a call seen earlier in the stream still makes the finish "tool_calls"
    assert last["choices"][0]["finish_reason"] == "tool_calls"
    assert last["choices"][0]["delta"]["role"] is None
    assert last["usage"] == {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9,
                             "prompt_tokens_details": {"cached_tokens": 1},
                             "completion_tokens_details": {"reasoning_tokens": 2}}


def test_chat_stream_tolerates_junk_done_and_envelopes() -> None:
    good = orjson.dumps(unit({"text": "hi"}))
    lines = [b"", b": keep-alive", b"event: message", b"data: not json", b"data:" + good,
             b"data: junk before " + good, b"[DONE]", b"data: [DONE]",
             b"data: " + orjson.dumps({"response": unit({"text": "!"}, finish="STOP")})]
    contents = [c["choices"][0]["delta"]["content"] for c in chat_stream(lines)]
    assert contents == ["hi", "hi", "!"]


def test_chat_blocked_prompt() -> None:
    blocked = {"promptFeedback": {"blockReason": "SAFETY"},
               "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4}}
    (chunk,) = chat_stream(sse(blocked))
    assert chunk["choices"][0]["finish_reason"] == "content_filter"
    out = chat_response(orjson.dumps(blocked))
    assert out["choices"][0]["message"]["content"] is None
    assert out["choices"][0]["finish_reason"] == "content_filter"


def test_chat_non_stream_without_usage_or_parts() -> None:
    out = chat_response(orjson.dumps({"candidates": [{"content": {"parts": []}}]}))
    assert "usage" not in out
    assert out["model"] == "gemini-2.5-flash" and out["id"].startswith("chatcmpl-")
    assert out["choices"][0]["message"] == {"role": "assistant", "content": None,
                                            "reasoning_content": None, "tool_calls": None}
    assert out["choices"][0]["finish_reason"] == "stop"


# ---------------------------------------------------------------------------
# → claude (§4.3)
# ---------------------------------------------------------------------------

EXAMPLE_D = sse(
    unit({"text": "Hmm", "thought": True}, {"text": "Hi"}, rid="resp-d"),
    unit({"functionCall": {"name": "lookup", "args": {"q": "x"}}}, finish="STOP", rid="resp-d",
         usage={"promptTokenCount": 9, "candidatesTokenCount": 4, "thoughtsTokenCount": 3,
                "totalTokenCount": 16}))


def test_example_d_claude_stream() -> None:
    events = claude_events([EXAMPLE_D + [b"data: [DONE]"]])
    tool_id = events[7]["content_block"]["id"]
    assert tool_id.startswith("lookup-") and tool_id[7:].isdigit()
    assert events == [
        {"type": "message_start", "message": {
            "id": "resp-d", "type": "message", "role": "assistant", "content": [],
            "model": "gemini-2.5-flash", "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0}}},
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "thinking_delta", "thinking": "Hmm"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block": {
            "type": "tool_use", "id": tool_id, "name": "lookup", "input": {}}},
        {"type": "content_block_delta", "index": 2,
         "delta": {"type": "input_json_delta", "partial_json": "{\"q\":\"x\"}"}},
        {"type": "content_block_stop", "index": 2},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": {"input_tokens": 9, "output_tokens": 7}},
        {"type": "message_stop"}]
    # the [DONE] already ended the message: stream_end owes nothing more
    assert sum(e["type"] == "message_stop" for e in events) == 1


def test_example_j_claude_non_stream() -> None:
    out = claude_response(EXAMPLE_J)
    tool_id = out["content"][2]["id"]
    assert tool_id.startswith("get_weather-")  # §9 #14: not tool_1
    assert out == {
        "content": [{"thinking": "Let me think", "type": "thinking", "signature": ""},
                    {"text": "Calling.", "type": "text"},
                    {"id": tool_id, "input": {"city": "Paris"}, "name": "get_weather",
                     "type": "tool_use"}],
        "id": "r2", "model": "gemini-2.5-flash", "role": "assistant", "stop_reason": "tool_use",
        "stop_sequence": None, "type": "message",
        "usage": {"input_tokens": 10, "output_tokens": 10}}


def test_claude_stream_final_unit_without_candidates_count() -> None:
    # §9 #21: a final unit without candidatesTokenCount still closes the message
    events = claude_events([sse(unit({"text": "think", "thought": True}),
                                unit(finish="MAX_TOKENS", usage={"promptTokenCount": 5,
                                                                 "thoughtsTokenCount": 8}))])
    types = [e["type"] for e in events]
    assert types == ["message_start", "content_block_start", "content_block_delta",
                     "content_block_stop", "message_delta", "message_stop"]
    assert events[4]["delta"]["stop_reason"] == "max_tokens"
    assert events[4]["usage"] == {"input_tokens": 5, "output_tokens": 8}


def test_claude_stream_without_finish_reason_is_closed_at_the_end() -> None:
    first = claude_events([sse(unit({"text": "partial"}))], end=False)
    assert [e["type"] for e in first] == ["message_start", "content_block_start",
                                          "content_block_delta"]
    state = CLAUDE.new_stream("m", {})
    CLAUDE.stream_lines(state, sse(unit({"text": "partial"})))
    tail = b"".join(CLAUDE.stream_end(state))
    assert tail.count(b"event: ") == 3 and b'"stop_reason":"end_turn"' in tail
    assert CLAUDE.stream_end(state) == []  # idempotent


def test_claude_empty_stream_is_still_a_message() -> None:
    events = claude_events([[b""]])
    assert [e["type"] for e in events] == ["message_start", "message_delta", "message_stop"]
    msg = accumulate_claude(events)
    assert msg.content == [] and msg.model == "gemini-2.5-flash"


def test_claude_non_stream_without_parts() -> None:
    # §9 #22: content [] and usage present
    out = claude_response(orjson.dumps({"candidates": [{"finishReason": "SAFETY"}]}))
    assert out["content"] == [] and out["usage"] == {"input_tokens": 0, "output_tokens": 0}
    assert out["stop_reason"] == "end_turn"


def test_claude_usage_with_cache_and_message_start_input() -> None:
    meta = {"promptTokenCount": 100, "cachedContentTokenCount": 60, "candidatesTokenCount": 5,
            "totalTokenCount": 105}
    events = claude_events([sse(unit({"text": "x"}, finish="STOP", usage=meta))])
    assert events[0]["message"]["usage"] == {"input_tokens": 40, "output_tokens": 0,
                                             "cache_read_input_tokens": 60}
    assert events[-2]["usage"] == {"input_tokens": 40, "output_tokens": 5,
                                   "cache_read_input_tokens": 60}
    assert claude_response(orjson.dumps(unit({"text": "x"}, finish="STOP", usage=meta)))[
        "usage"] == events[-2]["usage"]


def test_claude_signatures_round_trip() -> None:
    answer = [unit({"text": "plan", "thought": True}),
              unit({"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "SIG-A"},
                   {"functionCall": {"name": "g", "args": {}}, "thoughtSignature": "SIG-B"},
                   finish="STOP")]
    events = claude_events([sse(*answer)])
    sigs = [e["delta"]["signature"] for e in events
            if e["type"] == "content_block_delta" and e["delta"]["type"] == "signature_delta"]
    assert sigs == ["SIG-A", "SIG-B"]
    msg = accumulate_claude(events)
    kinds = [(b.type, getattr(b, "signature", None)) for b in msg.content]
    assert kinds == [("thinking", "SIG-A"), ("tool_use", None), ("thinking", "SIG-B"),
                     ("tool_use", None)]
    # the non-stream translation builds the same blocks
    whole = claude_response(orjson.dumps(unit(*answer[0]["candidates"][0]["content"]["parts"],
                                              *answer[1]["candidates"][0]["content"]["parts"],
                                              finish="STOP")))
    assert [(b["type"], b.get("signature")) for b in whole["content"]] == kinds
    # a Claude client sends the turn back: each signature lands on its call again
    history = {"max_tokens": 10, "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": msg.model_dump(exclude_none=True)["content"]}]}
    assert claude_to_gemini("gemini-2.5-flash", history)["contents"][1]["parts"] == [
        {"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "SIG-A"},
        {"functionCall": {"name": "g", "args": {}}, "thoughtSignature": "SIG-B"}]


def test_claude_count_tokens_example_h() -> None:
    state = CLAUDE.new_stream("gemini-2.5-flash", {})
    body = b'{"totalTokens":17,"promptTokensDetails":[{"modality":"TEXT","tokenCount":17}]}'
    assert orjson.loads(CLAUDE.count_response(state, body)) == {"input_tokens": 17}


# ---------------------------------------------------------------------------
# → openai-response (§4.2)
# ---------------------------------------------------------------------------

CLIENT = {"model": "gemini-2.5-flash", "instructions": "Be terse.", "input": "hi",
          "tools": [{"type": "function", "name": "get_weather", "parameters": {}}],
          "tool_choice": "auto", "temperature": 0.5, "metadata": {"k": "v"}, "store": False}


def test_responses_stream_events() -> None:
    events = responses_events(sse(
        unit({"text": "Let me ", "thought": True}, {"text": "think", "thought": True},
             rid="abc"),
        # the signature rides on the first part after the thoughts
        unit({"text": "Calling.", "thoughtSignature": "SIG"}, rid="abc"),
        unit({"functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
              "thoughtSignature": "LATE"}, finish="STOP", rid="abc",
             usage={"promptTokenCount": 10, "candidatesTokenCount": 6, "thoughtsTokenCount": 4,
                    "cachedContentTokenCount": 2, "totalTokenCount": 20})), CLIENT)
    types = [e["type"] for e in events]
    assert types == [
        "response.created", "response.in_progress",
        "response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added", "response.content_part.added",
        "response.output_text.delta",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.completed"]
    assert events[4]["delta"] == "Let me "  # §9 #25
    assert events[6]["text"] == "Let me think"
    assert events[14]["text"] == "Calling."  # §9 #16
    assert [e["output_index"] for e in events[2:-1]] == [0] * 7 + [1] * 3 + [2, 2] + [1] * 3 \
        + [2, 2]
    call = events[12]["item"]
    assert call["call_id"].startswith("call_") and call["id"] == "fc_" + call["call_id"]
    assert events[13]["delta"] == '{"city":"Paris"}'
    done = events[-1]["response"]
    assert done["id"] == "resp_abc" and done["status"] == "completed"
    # §9 #6: echo fields from the client's own request
    for key in ("instructions", "tools", "tool_choice", "temperature", "metadata", "store",
                "model"):
        assert done[key] == CLIENT[key]
    assert [i["type"] for i in done["output"]] == ["reasoning", "message", "function_call"]
    assert done["output"][0]["id"] == "rs_abc_0" and done["output"][1]["id"] == "msg_abc_0"
    assert done["output"][0]["encrypted_content"] == "SIG"
    assert events[8]["item"] == done["output"][0]  # the done event already carried it
    usage = done["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (14, 6, 20)
    assert usage["input_tokens_details"]["cached_tokens"] == 2
    assert usage["output_tokens_details"]["reasoning_tokens"] == 4
    assert events[0]["response"]["status"] == "in_progress"


def test_responses_non_stream_matches_example_j() -> None:
    out = responses_response(EXAMPLE_J, CLIENT)
    assert out["id"] == "resp_r2" and out["created_at"] == 1761649200
    assert out["status"] == "completed" and out["incomplete_details"] is None
    assert [(i["type"], i.get("name")) for i in out["output"]] == [
        ("reasoning", None), ("message", None), ("function_call", "get_weather")]
    assert out["output"][0]["summary"] == [{"type": "summary_text", "text": "Let me think"}]
    assert out["output"][1]["content"][0]["text"] == "Calling."
    assert out["output"][2]["arguments"] == '{"city":"Paris"}'
    assert out["instructions"] == "Be terse." and out["tools"] == CLIENT["tools"]
    assert out["usage"]["input_tokens"] == 14 and out["usage"]["output_tokens"] == 6


def test_responses_stream_ended_without_finish_and_done_sentinel() -> None:
    events = responses_events(sse(unit({"text": "x"})) + [b"[DONE]"])
    assert events[-1]["type"] == "response.completed"
    assert sum(e["type"] == "response.completed" for e in events) == 1
    assert "usage" not in events[-1]["response"]
    # a second finish unit does not complete twice
    twice = responses_events(sse(unit({"text": "x"}, finish="STOP"), unit(finish="STOP")))
    assert sum(e["type"] == "response.completed" for e in twice) == 1


def test_responses_thoughts_after_text_open_a_new_reasoning_item() -> None:
    events = responses_events(sse(unit({"text": "a", "thought": True}), unit({"text": "t"}),
                                  unit({"text": "b", "thought": True}, finish="STOP")))
    output = events[-1]["response"]["output"]
    assert [(i["type"], i["id"]) for i in output] == [
        ("reasoning", "rs_r1_0"), ("message", "msg_r1_0"), ("reasoning", "rs_r1_2")]
    assert output[2]["summary"][0]["text"] == "b"


def test_responses_empty_answer() -> None:
    out = responses_response(b"{}")
    assert out["output"] == [] and out["id"].startswith("resp_")
    assert out["model"] == "gemini-2.5-flash"


# ---------------------------------------------------------------------------
# → gemini (§4.4)
# ---------------------------------------------------------------------------


def test_gemini_client_stream_and_body_pass_through() -> None:
    state = GEMINI.new_stream("gemini-2.5-flash", {})
    lines = EXAMPLE_C + [b"data: [DONE]"]
    assert GEMINI.stream_lines(state, lines) == [EXAMPLE_C[0][6:], EXAMPLE_C[2][6:]]
    assert GEMINI.stream_end(state) == []
    assert GEMINI.response(state, EXAMPLE_J) is EXAMPLE_J
    count = b'{"totalTokens":3}'
    assert GEMINI.count_response(state, count) == count
