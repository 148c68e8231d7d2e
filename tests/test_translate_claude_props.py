"""Property tests: a Claude answer translated chunk by chunk, with the upstream SSE cut
into line batches at random points, gives the same final message as the non-stream
translation of the same answer — for chat, Responses and Gemini clients. Streams are
accumulated with the official SDKs' accumulators where they have one.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai import omit
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.lib.streaming.responses import ResponseStreamState
from openai.types.chat import ChatCompletionChunk

from tests.test_translate_claude_answers import (
    merge_gemini,
    message_events,
    run_stream,
    run_whole,
    sse,
)
from tests.test_translate_claude_request import assert_valid_claude, translate
from tests.translate_helpers import RESPONSES_EVENT, responses_sse_events

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

texts = st.text(min_size=0, max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6)
signatures = st.binary(min_size=0, max_size=24).map(lambda b: base64.b64encode(b).decode())


@st.composite
def claude_messages(draw: Any) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from(["text", "thinking", "tool_use"]), max_size=6))
    content: list[dict[str, Any]] = []
    for i, kind in enumerate(kinds):
        if kind == "text":
            content.append({"type": "text", "text": draw(texts)})
        elif kind == "thinking":
            content.append({"type": "thinking", "thinking": draw(texts),
                            "signature": draw(signatures)})
        else:
            content.append({"type": "tool_use", "id": f"toolu_{i:02d}",
                            "name": draw(st.sampled_from(["f", "get_weather", "x_y"])),
                            "input": draw(st.dictionaries(st.text(max_size=5), json_values,
                                                          max_size=3))})
    has_tool = "tool_use" in kinds
    stop = "tool_use" if has_tool else draw(st.sampled_from(
        ["end_turn", "max_tokens", "stop_sequence"]))
    usage = {"input_tokens": draw(st.integers(0, 5000)),
             "output_tokens": draw(st.integers(0, 5000)),
             "cache_read_input_tokens": draw(st.integers(0, 500)),
             "cache_creation_input_tokens": draw(st.integers(0, 500))}
    return {"id": "msg_P", "type": "message", "role": "assistant", "model": "claude-x",
            "content": content, "stop_reason": stop, "stop_sequence": None, "usage": usage}


def batches_for(lines: list[bytes], data: Any) -> list[int]:
    cuts = data.draw(st.lists(st.integers(0, len(lines)), max_size=8))
    return sorted(cuts)


@SETTINGS
@given(msg=claude_messages(), data=st.data(), split=st.integers(1, 4))
def test_chat_stream_equals_non_stream(msg, data, split):
    lines = sse(*message_events(msg, split))
    state = ChatCompletionStreamState()
    for chunk in run_stream("openai", lines, batches=batches_for(lines, data)):
        state.handle_chunk(ChatCompletionChunk.model_validate(orjson.loads(chunk)))
    streamed = state.current_completion_snapshot  # get_final_completion raises on "length"
    whole = run_whole("openai", msg)
    s_msg, w_msg = streamed.choices[0].message, whole["choices"][0]["message"]
    assert (s_msg.content or "") == w_msg["content"]
    assert (s_msg.model_extra or {}).get("reasoning_content") == w_msg.get("reasoning_content")
    s_calls = [(c.id, c.function.name, orjson.loads(c.function.arguments))
               for c in s_msg.tool_calls or []]
    w_calls = [(c["id"], c["function"]["name"], orjson.loads(c["function"]["arguments"]))
               for c in w_msg.get("tool_calls", [])]
    assert s_calls == w_calls
    assert streamed.choices[0].finish_reason == whole["choices"][0]["finish_reason"]
    assert streamed.usage.model_dump(exclude_none=True) == whole["usage"]
    assert streamed.id == whole["id"]


@SETTINGS
@given(msg=claude_messages(), data=st.data(), split=st.integers(1, 4))
def test_responses_stream_equals_non_stream(msg, data, split):
    body = {"model": "claude-x", "input": "hi", "instructions": "sys"}
    lines = sse(*message_events(msg, split))
    items = run_stream("openai-response", lines, body, batches=batches_for(lines, data))
    events = responses_sse_events(items)
    state = ResponseStreamState(input_tools=omit, text_format=omit)
    for ev in events:
        state.handle_event(RESPONSES_EVENT.validate_python(ev))
    assert [e["sequence_number"] for e in events] == list(range(1, len(events) + 1))
    final = events[-1]
    assert final["type"] == "response.completed"
    whole = run_whole("openai-response", msg, body)
    assert final["response"]["output"] == whole["output"]
    assert final["response"]["usage"] == whole["usage"]
    # deltas accumulate to the done texts
    texts_by_item: dict[str, str] = {}
    for ev in events:
        if ev["type"] in ("response.output_text.delta", "response.reasoning_summary_text.delta",
                          "response.function_call_arguments.delta"):
            texts_by_item[ev["item_id"]] = texts_by_item.get(ev["item_id"], "") + ev["delta"]
    for item in whole["output"]:
        if item["type"] == "message":
            assert texts_by_item.get(item["id"], "") == item["content"][0]["text"]
        elif item["type"] == "function_call":
            args = texts_by_item.get(item["id"], "") or "{}"
            assert orjson.loads(args) == orjson.loads(item["arguments"])


@SETTINGS
@given(msg=claude_messages(), data=st.data(), split=st.integers(1, 4))
def test_gemini_stream_equals_non_stream(msg, data, split):
    lines = sse(*message_events(msg, split))
    chunks = [orjson.loads(c) for c in run_stream("gemini", lines,
                                                  batches=batches_for(lines, data))]
    whole = run_whole("gemini", msg)
    assert merge_gemini(chunks) == whole["candidates"][0]["content"]["parts"]
    assert chunks[-1]["candidates"][0]["finishReason"] == whole["candidates"][0]["finishReason"]
    meta = {k: v for k, v in chunks[-1]["usageMetadata"].items() if k != "trafficType"}
    assert meta == whole["usageMetadata"]


# ---------------------------------------------------------------------------
# requests: any chat history becomes a valid Claude request, the body untouched
# ---------------------------------------------------------------------------

parts = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, texts),
    st.just({"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}),
    st.just({"type": "input_audio", "input_audio": {"data": "AA", "format": "wav"}}))
contents = st.one_of(st.none(), texts, st.lists(parts, max_size=3))
tool_calls = st.lists(st.builds(
    lambda i, args: {"id": f"call_{i}", "type": "function",
                     "function": {"name": "f", "arguments": args}},
    st.integers(0, 3), st.sampled_from(["", "{}", "{\"a\":1}", "nope"])), max_size=2)
chat_messages = st.lists(st.one_of(
    st.builds(lambda r, c: {"role": r, "content": c},
              st.sampled_from(["system", "developer", "user", "function"]), contents),
    st.builds(lambda c, tc: {"role": "assistant", "content": c, "tool_calls": tc},
              contents, tool_calls),
    st.builds(lambda i, c: {"role": "tool", "tool_call_id": f"call_{i}", "content": c},
              st.integers(0, 3), contents)), max_size=8)


@SETTINGS
@given(messages=chat_messages,
       effort=st.sampled_from([None, "none", "minimal", "low", "medium", "high", "weird"]),
       max_tokens=st.sampled_from([None, 500, 2000, 50000]))
def test_any_chat_history_becomes_a_valid_claude_request(messages, effort, max_tokens):
    body: dict[str, Any] = {"messages": messages, "temperature": 0.7,
                            "tools": [{"type": "function", "function": {"name": "f"}}]}
    if effort:
        body["reasoning_effort"] = effort
    if max_tokens:
        body["max_tokens"] = max_tokens
    before = copy.deepcopy(body)
    assert_valid_claude(translate("openai", body))
    assert body == before
