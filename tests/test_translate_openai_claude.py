"""OpenAI-compatible answers → Claude clients (translators.md §7.2, §9 #8 #9 #31–#33).

Every stream is replayed through the official anthropic SDK's accumulator (which
indexes blocks by position and rejects malformed events), and non-stream answers are
validated as ``anthropic.types.Message``.
"""

from __future__ import annotations

from typing import Any

import orjson
from anthropic.types import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from cliproxy_tui.translate.openai import CLAUDE_PAIR
from tests.test_translate_openai_helpers import (
    answer_chunks,
    answer_completion,
    answers,
    call_delta,
    chunk,
    completion,
    run_stream,
    sse_lines,
)
from tests.translate_helpers import accumulate_claude, claude_sse_events


BODY = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": True,
        "messages": [{"role": "user", "content": "hi"}]}


def stream_message(chunks: list[dict[str, Any]], **kw: Any) -> tuple[list[dict], Message]:
    events = claude_sse_events(run_stream(CLAUDE_PAIR, BODY, sse_lines(chunks, **kw)))
    return events, accumulate_claude(events)


def complete(body: dict[str, Any]) -> Message:
    out = CLAUDE_PAIR.response(CLAUDE_PAIR.new_stream("claude-sonnet-4-5", BODY),
                               orjson.dumps(body))
    return Message.model_validate(orjson.loads(out))


# -- §10 example K ---------------------------------------------------------------------

K_LINES = [
    b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1761640000,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
    b"",
    b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1761640000,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Checking."},"finish_reason":null}]}',
    b"",
    b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1761640000,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_7","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}',
    b"",
    b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1761640000,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}]}',
    b"",
    b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1761640000,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]},"finish_reason":null}]}',
    b"",
    b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1761640000,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29}}',
    b"",
    b"data: [DONE]",
]

# Example K's exact bytes, with §9 #31 applied: the tool arguments stream as the two
# fragments they arrived in instead of one delta at the finish chunk.
K_BLOCKS = [
    b'event: message_start\ndata: {"message":{"content":[],"id":"chatcmpl-9","model":"gpt-4o","role":"assistant","stop_reason":null,"stop_sequence":null,"type":"message","usage":{"input_tokens":0,"output_tokens":0}},"type":"message_start"}\n\n',
    b'event: content_block_start\ndata: {"content_block":{"text":"","type":"text"},"index":0,"type":"content_block_start"}\n\n',
    b'event: content_block_delta\ndata: {"delta":{"text":"Checking.","type":"text_delta"},"index":0,"type":"content_block_delta"}\n\n',
    b'event: content_block_stop\ndata: {"index":0,"type":"content_block_stop"}\n\n',
    b'event: content_block_start\ndata: {"content_block":{"id":"call_7","input":{},"name":"get_weather","type":"tool_use"},"index":1,"type":"content_block_start"}\n\n',
    b'event: content_block_delta\ndata: {"delta":{"partial_json":"{\\"city\\":","type":"input_json_delta"},"index":1,"type":"content_block_delta"}\n\n',
    b'event: content_block_delta\ndata: {"delta":{"partial_json":"\\"Paris\\"}","type":"input_json_delta"},"index":1,"type":"content_block_delta"}\n\n',
    b'event: content_block_stop\ndata: {"index":1,"type":"content_block_stop"}\n\n',
    b'event: message_delta\ndata: {"delta":{"stop_reason":"tool_use","stop_sequence":null},"type":"message_delta","usage":{"input_tokens":20,"output_tokens":9}}\n\n',
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n',
]
K_EXPECTED = b"".join(K_BLOCKS)


def test_example_k_stream_exact_bytes() -> None:
    assert b"".join(run_stream(CLAUDE_PAIR, BODY, K_LINES)) == K_EXPECTED


def test_example_k_stream_in_any_batching_and_without_done() -> None:
    for cut in range(len(K_LINES)):
        assert b"".join(run_stream(CLAUDE_PAIR, BODY, K_LINES, [cut])) == K_EXPECTED
    # the executor adds no [DONE]: stream_end owes the same closing events
    assert b"".join(run_stream(CLAUDE_PAIR, BODY, K_LINES[:-1])) == K_EXPECTED


def test_example_k_accumulates_with_the_sdk() -> None:
    msg = accumulate_claude(claude_sse_events(K_BLOCKS))
    assert [b.type for b in msg.content] == ["text", "tool_use"]
    assert msg.content[1].input == {"city": "Paris"}
    assert msg.stop_reason == "tool_use"
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (20, 9)


# -- block indices, tools --------------------------------------------------------------


def test_tool_only_answer_starts_at_block_zero() -> None:
    events, msg = stream_message([
        chunk({"role": "assistant", "content": None,
               "tool_calls": [call_delta(0, "call_a", "read", "")]}),
        chunk({"tool_calls": [call_delta(0, args='{"path":')]}),
        chunk({"tool_calls": [call_delta(0, args='"a.py"}')]}),
        chunk({}, "tool_calls"),
    ])
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert [s["index"] for s in starts] == [0]
    assert msg.content[0].type == "tool_use" and msg.content[0].id == "call_a"
    assert msg.content[0].input == {"path": "a.py"}


def test_parallel_calls_and_text_after_tools_get_fresh_indices() -> None:
    events, msg = stream_message([
        chunk({"role": "assistant", "content": "Let me look."}),
        chunk({"tool_calls": [call_delta(0, "call_a", "read", '{"p":1}')]}),
        chunk({"tool_calls": [call_delta(1, "call_b", "grep", '{"q":')]}),
        chunk({"tool_calls": [call_delta(1, args='"x"}')]}),
        chunk({"content": "Done."}),
        chunk({}, "tool_calls"),
    ])
    starts = [(e["index"], e["content_block"]["type"]) for e in events
              if e["type"] == "content_block_start"]
    assert starts == [(0, "text"), (1, "tool_use"), (2, "tool_use"), (3, "text")]
    stops = [e["index"] for e in events if e["type"] == "content_block_stop"]
    assert stops == [0, 1, 2, 3]
    assert [b.type for b in msg.content] == ["text", "tool_use", "tool_use", "text"]
    assert msg.content[1].input == {"p": 1} and msg.content[2].input == {"q": "x"}


def test_interleaved_parallel_fragments_land_on_their_owncall_delta() -> None:
    _, msg = stream_message([
        chunk({"tool_calls": [call_delta(0, "call_a", "a", '{"x":'), call_delta(1, "call_b", "b", "")]}),
        chunk({"tool_calls": [call_delta(1, args='{"y":2}'), call_delta(0, args="1}")]}),
        chunk({}, "tool_calls"),
    ])
    assert [(b.name, b.input) for b in msg.content] == [("a", {"x": 1}), ("b", {"y": 2})]


def test_repeated_index_with_new_id_is_a_newcall_delta() -> None:
    # some compatible servers number every call 0
    _, msg = stream_message([
        chunk({"tool_calls": [call_delta(0, "call_a", "a", "{}")]}),
        chunk({"tool_calls": [call_delta(0, "call_b", "b", '{"k":1}')]}),
        chunk({}, "tool_calls"),
    ])
    assert [(b.id, b.name, b.input) for b in msg.content] == [
        ("call_a", "a", {}), ("call_b", "b", {"k": 1})]


def test_repeated_name_in_every_delta_does_not_restart_the_block() -> None:
    events, msg = stream_message([
        chunk({"tool_calls": [call_delta(0, "call_a", "a", '{"x"')]}),
        chunk({"tool_calls": [call_delta(0, "call_a", "a", ":1}")]}),
        chunk({}, "tool_calls"),
    ])
    assert sum(e["type"] == "content_block_start" for e in events) == 1
    assert msg.content[0].input == {"x": 1}


def test_a_name_arriving_after_the_id_still_opens_one_block() -> None:
    _, msg = stream_message([
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "function": {"arguments": "{"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"name": "late", "arguments": "}"}}]}),
        chunk({}, "tool_calls"),
    ])
    assert (msg.content[0].name, msg.content[0].input) == ("late", {})


def test_a_call_without_an_id_gets_a_claude_style_one() -> None:
    _, msg = stream_message([chunk({"tool_calls": [
        {"index": 0, "function": {"name": "f", "arguments": "{}"}}]}), chunk({}, "tool_calls")])
    assert msg.content[0].id.startswith("toolu_") and len(msg.content[0].id) == 30


# -- reasoning, start, stop reasons ----------------------------------------------------


def test_reasoning_content_becomes_a_thinking_block_before_the_text() -> None:
    events, msg = stream_message([
        chunk({"role": "assistant", "reasoning_content": "Let me "}),
        chunk({"reasoning_content": "think."}),
        chunk({"content": "Answer."}),
        chunk({}, "stop"),
    ])
    assert [(b.type) for b in msg.content] == ["thinking", "text"]
    assert msg.content[0].thinking == "Let me think." and msg.content[1].text == "Answer."
    assert not any(e.get("delta", {}).get("text") == "Let me " for e in events)


def test_openrouter_reasoning_field_is_read_too() -> None:
    _, msg = stream_message([chunk({"reasoning": "hmm"}), chunk({"content": "ok"}),
                             chunk({}, "stop")])
    assert [b.type for b in msg.content] == ["thinking", "text"]


def test_the_message_starts_without_a_role_delta() -> None:
    events, msg = stream_message([chunk({"content": "hi"}), chunk({}, "stop")])
    assert events[0]["type"] == "message_start"
    assert events[0]["message"]["id"] == "chatcmpl-1"
    assert msg.content[0].text == "hi"


def _stop(finish: str | None, tools: bool = False) -> str | None:
    delta = {"tool_calls": [call_delta(0, "c", "f", "{}")]} if tools else {"content": "x"}
    _, msg = stream_message([chunk(delta), chunk({}, finish)])
    return msg.stop_reason


def test_stop_reasons() -> None:
    assert _stop("stop") == "end_turn"
    assert _stop("length") == "max_tokens"
    assert _stop("content_filter") == "end_turn"
    assert _stop("tool_calls", tools=True) == "tool_use"
    assert _stop("function_call", tools=True) == "tool_use"
    # a compatible server saying "stop" after tool calls: the calls must not be ignored
    assert _stop("stop", tools=True) == "tool_use"
    assert _stop("length", tools=True) == "max_tokens"
    # no finish reason at all before the stream ended
    assert _stop(None) == "end_turn"
    assert _stop(None, tools=True) == "tool_use"


# -- usage -----------------------------------------------------------------------------

USAGE = {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
         "prompt_tokens_details": {"cached_tokens": 100},
         "completion_tokens_details": {"reasoning_tokens": 10}}


def test_usage_chunk_after_finish_goes_on_message_delta() -> None:
    events, msg = stream_message([chunk({"content": "x"}), chunk({}, "stop"),
                                  chunk(usage=USAGE, no_choices=True)])
    (delta,) = [e for e in events if e["type"] == "message_delta"]
    assert delta["usage"] == {"input_tokens": 20, "cache_read_input_tokens": 100,
                              "output_tokens": 30}
    assert events.index(delta) == len(events) - 2  # just before message_stop
    assert msg.usage.input_tokens == 20 and msg.usage.cache_read_input_tokens == 100
    assert msg.usage.output_tokens == 30


def test_usage_in_the_finish_chunk_is_sent_at_once() -> None:
    out = run_stream(CLAUDE_PAIR, BODY, sse_lines([
        chunk({"content": "x"}), chunk({}, "stop", {"prompt_tokens": 5,
                                                    "completion_tokens": 2})], done=False),
        end=False)
    assert b'"usage":{"input_tokens":5,"output_tokens":2}' in out[-1]


def test_missing_usage_gives_zero_counts() -> None:
    events, _ = stream_message([chunk({"content": "x"}), chunk({}, "stop")])
    (delta,) = [e for e in events if e["type"] == "message_delta"]
    assert delta["usage"] == {"input_tokens": 0, "output_tokens": 0}


def test_nothing_is_sent_twice_after_done() -> None:
    state = CLAUDE_PAIR.new_stream("m", BODY)
    first = CLAUDE_PAIR.stream_lines(state, sse_lines([chunk({"content": "x"}),
                                                       chunk({}, "stop")]))
    assert first[-1].startswith(b"event: message_stop")
    assert CLAUDE_PAIR.stream_lines(state, [b"data: [DONE]", b"[DONE]"]) == []
    assert CLAUDE_PAIR.stream_end(state) == []


def test_an_empty_stream_still_gives_a_whole_message() -> None:
    msg = accumulate_claude(claude_sse_events(run_stream(CLAUDE_PAIR, BODY, [])))
    assert msg.content == [] and msg.stop_reason == "end_turn"
    assert msg.model == "claude-sonnet-4-5" and msg.id.startswith("msg_")


def test_an_upstream_error_chunk_becomes_an_error_event() -> None:
    state = CLAUDE_PAIR.new_stream("m", BODY)
    out = CLAUDE_PAIR.stream_lines(state, [
        b'data: {"error":{"message":"overloaded","type":"server_error"}}'])
    (event,) = claude_sse_events(out)
    assert event == {"type": "error", "error": {"type": "api_error", "message": "overloaded"}}
    assert CLAUDE_PAIR.stream_end(state) == []


# -- non-stream ------------------------------------------------------------------------


def test_non_stream_text_tools_reasoning_and_usage() -> None:
    msg = complete(completion({
        "content": "Checking.", "reasoning_content": "User wants weather.",
        "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
            {"id": "call_2", "type": "function",
             "function": {"name": "get_time", "arguments": "{'tz': 'CET'}"}},
            {"id": "call_3", "type": "function", "function": {"name": "noop",
                                                              "arguments": "not json"}}]},
        "tool_calls", USAGE))
    assert [b.type for b in msg.content] == ["thinking", "text", "tool_use", "tool_use",
                                             "tool_use"]
    assert msg.content[0].thinking == "User wants weather."
    assert [(b.id, b.input) for b in msg.content[2:]] == [
        ("call_1", {"city": "Paris"}), ("call_2", {"tz": "CET"}), ("call_3", {})]
    assert msg.stop_reason == "tool_use" and msg.id == "chatcmpl-1" and msg.model == "gpt-4o"
    assert (msg.usage.input_tokens, msg.usage.cache_read_input_tokens,
            msg.usage.output_tokens) == (20, 100, 30)


def test_non_stream_stop_reasons_and_empty_answers() -> None:
    assert complete(completion({"content": "x"}, "length")).stop_reason == "max_tokens"
    assert complete(completion({"content": "x"}, None)).stop_reason == "end_turn"
    call = {"tool_calls": [{"id": "c", "type": "function",
                            "function": {"name": "f", "arguments": "{}"}}]}
    assert complete(completion(call, None)).stop_reason == "tool_use"
    assert complete(completion(call, "stop")).stop_reason == "tool_use"
    empty = complete(completion({"content": None}))
    assert empty.content == [] and empty.usage.input_tokens == 0
    parts = complete(completion({"content": [{"type": "text", "text": "a"},
                                             {"type": "text", "text": "b"}]}))
    assert [b.text for b in parts.content] == ["ab"]


# -- stream ≡ non-stream ---------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(answers(), st.lists(st.integers(0, 60), max_size=6), st.booleans())
def test_stream_accumulates_to_the_non_stream_message(a: dict[str, Any], cuts: list[int],
                                                      done: bool) -> None:
    lines = sse_lines(answer_chunks(a), done=done)
    streamed = accumulate_claude(claude_sse_events(run_stream(CLAUDE_PAIR, BODY, lines, cuts)))
    whole = complete(answer_completion(a))
    assert streamed.model_dump(exclude={"usage"}) == whole.model_dump(exclude={"usage"})
    assert streamed.usage.input_tokens == whole.usage.input_tokens
    assert streamed.usage.output_tokens == whole.usage.output_tokens
    assert streamed.usage.cache_read_input_tokens == whole.usage.cache_read_input_tokens
