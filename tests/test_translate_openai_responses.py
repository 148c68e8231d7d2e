"""OpenAI-compatible answers → Responses API clients (translators.md §7.4, §9 #6 #16 #24 #25).

Every event is validated with its ``openai.types.responses`` event model and replayed
the way an accumulating client reads it (items looked up by ``output_index``); the
non-stream body is validated as ``openai.types.responses.Response``.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.responses import Response

from cliproxy_tui.translate.openai import RESPONSES_PAIR
from tests.test_translate_openai_helpers import (
    answer_chunks,
    answer_completion,
    answers,
    chunk,
    run_stream,
    sse_lines,
)
from tests.translate_helpers import RESPONSES_EVENT_CLASSES, responses_sse_events

BODY = {"model": "gpt-4o", "stream": True, "input": "hi",
        "instructions": "Be terse.", "metadata": {"k": "v"},
        "tools": [{"type": "function", "name": "read", "parameters": {"type": "object"}}]}


def replay(events: list[dict[str, Any]]) -> Response:
    """Strict validation of every event, then the checks an accumulating client relies on.

    Deltas must target an announced, still-open item of the right type at its
    ``output_index``, and every done event must repeat exactly what its deltas built.
    Returns the completed response.
    """
    items: dict[int, dict[str, Any]] = {}
    built: dict[int, list[str]] = {}
    for n, event in enumerate(events, start=1):
        assert event["sequence_number"] == n
        RESPONSES_EVENT_CLASSES[event["type"]].model_validate(event)
        kind, index = event["type"], event.get("output_index")
        if kind == "response.output_item.added":
            assert index not in items
            items[index] = event["item"]
            built[index] = []
        elif kind.endswith(".delta"):
            item = items[index]
            assert item["id"] == event["item_id"] and "done" not in item
            assert item["type"] == _DELTA_ITEM[kind]
            built[index].append(event["delta"])
        elif kind in _DONE_TEXT:
            assert "".join(built[index]) == _DONE_TEXT[kind](event)
        elif kind == "response.output_item.done":
            assert items[index]["id"] == event["item"]["id"]
            items[index]["done"] = True
    assert events[-1]["type"] == "response.completed"
    assert all("done" in item for item in items.values())
    done = Response.model_validate(events[-1]["response"])
    assert [o.id for o in done.output] == [items[i]["id"] for i in sorted(items)]
    return done


_DELTA_ITEM = {"response.output_text.delta": "message",
               "response.reasoning_summary_text.delta": "reasoning",
               "response.function_call_arguments.delta": "function_call"}
_DONE_TEXT = {"response.output_text.done": lambda e: e["text"],
              "response.content_part.done": lambda e: e["part"]["text"],
              "response.reasoning_summary_text.done": lambda e: e["text"],
              "response.reasoning_summary_part.done": lambda e: e["part"]["text"],
              "response.function_call_arguments.done": lambda e: e["arguments"]}


def stream(chunks: list[dict[str, Any]], body: dict[str, Any] = BODY,
           **kw: Any) -> list[dict[str, Any]]:
    return responses_sse_events(run_stream(RESPONSES_PAIR, body, sse_lines(chunks, **kw)))


def complete(body: dict[str, Any], client: dict[str, Any] = BODY) -> Response:
    out = RESPONSES_PAIR.response(RESPONSES_PAIR.new_stream("gpt-4o", client),
                                  orjson.dumps(body))
    return Response.model_validate(orjson.loads(out))


# -- §10 example G ---------------------------------------------------------------------


def test_example_g() -> None:
    events = stream([chunk({"role": "assistant"}), chunk({"content": "Hi"}),
                     chunk({}, "stop", {"prompt_tokens": 3, "completion_tokens": 1,
                                        "total_tokens": 4})])
    assert [(e["sequence_number"], e["type"]) for e in events] == [
        (1, "response.created"), (2, "response.in_progress"),
        (3, "response.output_item.added"), (4, "response.content_part.added"),
        (5, "response.output_text.delta"), (6, "response.output_text.done"),
        (7, "response.content_part.done"), (8, "response.output_item.done"),
        (9, "response.completed")]
    assert events[2]["item"]["id"] == "msg_chatcmpl-1_0"
    assert events[4]["delta"] == "Hi"
    # §9 #16: done events carry the full text
    assert events[5]["text"] == "Hi" and events[6]["part"]["text"] == "Hi"
    done = replay(events)
    assert done.id == "chatcmpl-1" and done.status == "completed"
    assert done.output[0].content[0].text == "Hi"
    assert (done.usage.input_tokens, done.usage.input_tokens_details.cached_tokens,
            done.usage.output_tokens, done.usage.total_tokens) == (3, 0, 1, 4)


def test_usage_chunk_after_the_finish_reaches_completed() -> None:
    usage = {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70,
             "prompt_tokens_details": {"cached_tokens": 40},
             "completion_tokens_details": {"reasoning_tokens": 5}}
    events = stream([chunk({"content": "x"}), chunk({}, "stop"),
                     chunk(usage=usage, no_choices=True)])
    done = replay(events)
    assert (done.usage.input_tokens, done.usage.input_tokens_details.cached_tokens,
            done.usage.output_tokens, done.usage.output_tokens_details.reasoning_tokens,
            done.usage.total_tokens) == (50, 40, 20, 5, 70)
    assert sum(e["type"] == "response.completed" for e in events) == 1


def test_reasoning_text_and_parallel_calls_get_sequential_indices() -> None:
    events = stream([
        chunk({"role": "assistant", "reasoning_content": "Think"}),
        chunk({"reasoning_content": "ing."}),
        chunk({"content": "Calling."}),
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                               "function": {"name": "read", "arguments": '{"p":'}},
                              {"index": 1, "id": "call_b", "type": "function",
                               "function": {"name": "grep", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": '{"q":"x"}'}},
                              {"index": 0, "function": {"arguments": "1}"}}]}),
        chunk({}, "tool_calls")])
    added = [(e["output_index"], e["item"]["type"]) for e in events
             if e["type"] == "response.output_item.added"]
    assert added == [(0, "reasoning"), (1, "message"), (2, "function_call"),
                     (3, "function_call")]
    done_items = [(e["output_index"], e["item"]["type"]) for e in events
                  if e["type"] == "response.output_item.done"]
    assert sorted(done_items) == added  # reasoning too (§9 #24)
    deltas = [e for e in events if e["type"] == "response.reasoning_summary_text.delta"]
    assert [d["delta"] for d in deltas] == ["Think", "ing."]  # §9 #25
    done = replay(events)
    reasoning, message, call_a, call_b = done.output
    assert reasoning.summary[0].text == "Thinking." and reasoning.id == "rs_chatcmpl-1_0"
    assert message.content[0].text == "Calling." and message.id == "msg_chatcmpl-1_1"
    assert (call_a.id, call_a.call_id, call_a.name, call_a.arguments) == (
        "fc_call_a", "call_a", "read", '{"p":1}')
    assert (call_b.name, call_b.arguments) == ("grep", '{"q":"x"}')
    assert done.usage is None


def test_echo_fields_come_from_the_client_request() -> None:
    events = stream([chunk({"content": "x"}), chunk({}, "stop")])
    for event in (events[0], events[-1]):
        resp = event["response"]
        assert resp["instructions"] == "Be terse." and resp["metadata"] == {"k": "v"}
        assert resp["tools"] == BODY["tools"] and resp["model"] == "gpt-4o"
        assert resp["parallel_tool_calls"] is True and resp["tool_choice"] == "auto"


def test_end_without_done_and_nothing_twice() -> None:
    lines = sse_lines([chunk({"content": "x"}), chunk({}, "stop")], done=False)
    state = RESPONSES_PAIR.new_stream("gpt-4o", BODY)
    first = responses_sse_events(RESPONSES_PAIR.stream_lines(state, lines))
    assert first[-1]["type"] == "response.output_item.done"  # completed waits for usage
    tail = responses_sse_events(RESPONSES_PAIR.stream_end(state))
    assert [e["type"] for e in tail] == ["response.completed"]
    assert RESPONSES_PAIR.stream_end(state) == []
    replay(first + tail)


def test_empty_stream_and_foreign_chunks() -> None:
    events = responses_sse_events(run_stream(RESPONSES_PAIR, BODY, [
        b'data: {"object":"other","choices":[{"delta":{"content":"no"}}]}',
        b'data: {"id":"x"}', b"data: [DONE]"]))
    assert [e["type"] for e in events] == ["response.created", "response.in_progress",
                                           "response.completed"]
    assert replay(events).output == []


# -- non-stream ------------------------------------------------------------------------


def test_non_stream_object() -> None:
    resp = complete({"id": "chatcmpl-7", "object": "chat.completion", "created": 1761640000,
                     "model": "gpt-4o", "choices": [{"index": 0, "finish_reason": "tool_calls",
                                                     "message": {
        "role": "assistant", "content": "Hi", "reasoning_content": "hmm",
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "read", "arguments": "{}"}}]}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13,
                  "completion_tokens_details": {"reasoning_tokens": 2}}})
    assert (resp.id, resp.created_at, resp.status, resp.model) == (
        "chatcmpl-7", 1761640000, "completed", "gpt-4o")
    assert [o.type for o in resp.output] == ["reasoning", "message", "function_call"]
    assert [o.id for o in resp.output] == ["rs_chatcmpl-7_0", "msg_chatcmpl-7_1", "fc_call_1"]
    assert resp.usage.output_tokens_details.reasoning_tokens == 2
    assert resp.instructions == "Be terse."
    bare = complete({"choices": [{"message": {"content": ""}}]}, {"model": "m"})
    assert bare.output == [] and bare.usage is None and bare.id.startswith("resp_")
    assert bare.tools == [] and bare.parallel_tool_calls is True


# -- stream ≡ non-stream ---------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(answers(), st.lists(st.integers(0, 60), max_size=6), st.booleans())
def test_stream_completes_to_the_non_stream_object(a: dict[str, Any], cuts: list[int],
                                                   done: bool) -> None:
    lines = sse_lines(answer_chunks(a), done=done)
    streamed = replay(responses_sse_events(run_stream(RESPONSES_PAIR, BODY, lines, cuts)))
    whole = complete(answer_completion(a))
    assert streamed.model_dump() == whole.model_dump()
