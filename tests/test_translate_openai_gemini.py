"""OpenAI-compatible answers → Gemini clients (translators.md §7.3, §9 #8 #9 #26).

Every emitted chunk and body is validated as google-genai's
``GenerateContentResponse`` (which forbids unknown keys).
"""

from __future__ import annotations

from typing import Any

import orjson
from google.genai import types
from hypothesis import given, settings
from hypothesis import strategies as st

from cliproxy_tui.translate.openai import GEMINI_PAIR
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

BODY = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
USAGE = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42,
         "prompt_tokens_details": {"cached_tokens": 4},
         "completion_tokens_details": {"reasoning_tokens": 10}}
META = {"promptTokenCount": 12, "candidatesTokenCount": 20, "totalTokenCount": 42,
        "thoughtsTokenCount": 10, "cachedContentTokenCount": 4}


def stream(chunks: list[dict[str, Any]], cuts: list[int] | None = None,
           **kw: Any) -> list[dict[str, Any]]:
    out = [orjson.loads(p) for p in run_stream(GEMINI_PAIR, BODY, sse_lines(chunks, **kw),
                                               cuts)]
    for obj in out:
        types.GenerateContentResponse.model_validate(obj)
    return out


def complete(body: dict[str, Any]) -> dict[str, Any]:
    out = orjson.loads(GEMINI_PAIR.response(GEMINI_PAIR.new_stream("gemini-2.5-pro", BODY),
                                            orjson.dumps(body)))
    types.GenerateContentResponse.model_validate(out)
    return out


def parts_of(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["candidates"][0]["content"]["parts"] if obj["candidates"] else []


def test_text_stream_ends_with_finish_and_usage_together() -> None:
    out = stream([chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}),
                  chunk({"content": "lo"}), chunk({}, "stop"),
                  chunk(usage=USAGE, no_choices=True)])
    assert [parts_of(o) for o in out] == [[{"text": "Hel"}], [{"text": "lo"}], []]
    last = out[-1]
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["usageMetadata"] == META
    assert all("finishReason" not in o["candidates"][0] for o in out[:-1])  # §9 #9
    assert {o["modelVersion"] for o in out} == {"gpt-4o"}
    assert {o["responseId"] for o in out} == {"chatcmpl-1"}


def test_usage_in_the_finish_chunk_is_kept() -> None:
    out = stream([chunk({"content": "x"}), chunk({}, "length", USAGE)], done=False)
    assert out[-1]["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert out[-1]["usageMetadata"] == META


def test_tool_calls_in_index_order_at_the_finish() -> None:
    out = stream([
        chunk({"tool_calls": [call_delta(1, "call_b", "grep", "{'q': 'x'}"),
                              call_delta(0, "call_a", "read", '{"p":')]}),
        chunk({"tool_calls": [call_delta(0, args="1}")]}),
        chunk({"tool_calls": [{"index": 2, "id": "w", "type": "web_search",
                               "function": {"name": "ws", "arguments": "{}"}}]}),
        chunk({}, "tool_calls"), chunk(usage=USAGE, no_choices=True)])
    (final,) = out
    assert parts_of(final) == [
        {"functionCall": {"name": "read", "args": {"p": 1}, "id": "call_a"}},
        {"functionCall": {"name": "grep", "args": {"q": "x"}, "id": "call_b"}}]
    assert final["candidates"][0]["finishReason"] == "STOP"


def test_reasoning_content_becomes_thought_parts() -> None:
    out = stream([chunk({"reasoning_content": "hmm"}), chunk({"content": "ok"}),
                  chunk({}, "stop")])
    assert parts_of(out[0]) == [{"text": "hmm", "thought": True}]
    assert parts_of(out[1]) == [{"text": "ok"}]


def test_finish_reason_table() -> None:
    for finish, expected in [("stop", "STOP"), ("length", "MAX_TOKENS"),
                             ("content_filter", "SAFETY"), ("tool_calls", "STOP"),
                             ("weird", "STOP")]:
        out = stream([chunk({"content": "x"}), chunk({}, finish)])
        assert out[-1]["candidates"][0]["finishReason"] == expected


def test_calls_without_finish_and_nothing_twice() -> None:
    state = GEMINI_PAIR.new_stream("m", BODY)
    assert GEMINI_PAIR.stream_lines(state, sse_lines([chunk({"tool_calls": [
        call_delta(0, "c", "f", "{}")]})], done=False)) == []
    (tail,) = [orjson.loads(p) for p in GEMINI_PAIR.stream_end(state)]
    assert parts_of(tail) == [{"functionCall": {"name": "f", "args": {}, "id": "c"}}]
    assert tail["candidates"][0]["finishReason"] == "STOP"
    assert GEMINI_PAIR.stream_end(state) == []
    state = GEMINI_PAIR.new_stream("m", BODY)
    first = GEMINI_PAIR.stream_lines(state, sse_lines([chunk({}, "stop")]))
    assert len(first) == 1
    assert GEMINI_PAIR.stream_lines(state, [b"data: [DONE]"]) == []
    assert GEMINI_PAIR.stream_end(state) == []


def test_running_usage_rides_on_content_chunks() -> None:
    out = stream([chunk({"content": "a"}, usage={"prompt_tokens": 3, "completion_tokens": 1}),
                  chunk(usage={"prompt_tokens": 3, "completion_tokens": 2}, no_choices=True)])
    assert out[0]["usageMetadata"]["candidatesTokenCount"] == 1
    assert out[1]["candidates"] == [] and out[1]["usageMetadata"]["totalTokenCount"] == 5


def test_non_stream() -> None:
    out = complete(completion({
        "content": "Calling.", "reasoning_content": "think",
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]},
        "tool_calls", USAGE))
    assert out == {
        "candidates": [{"content": {"role": "model", "parts": [
            {"text": "think", "thought": True}, {"text": "Calling."},
            {"functionCall": {"name": "get_weather", "args": {"city": "Paris"},
                              "id": "call_1"}}]},
            "index": 0, "finishReason": "STOP"}],
        "modelVersion": "gpt-4o", "responseId": "chatcmpl-1", "usageMetadata": META}
    bare = complete({"choices": []})
    assert bare["candidates"][0]["finishReason"] == "STOP" and "usageMetadata" not in bare
    assert bare["modelVersion"] == "gemini-2.5-pro"


def _merged(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adjacent text (or thought) parts joined, as a client concatenating a stream sees them."""
    out: list[dict[str, Any]] = []
    for p in parts:
        if out and "text" in p and "text" in out[-1] \
                and p.get("thought") == out[-1].get("thought"):
            out[-1] = {**out[-1], "text": out[-1]["text"] + p["text"]}
        else:
            out.append(p)
    return out


@settings(max_examples=40, deadline=None)
@given(answers(), st.lists(st.integers(0, 60), max_size=6), st.booleans())
def test_stream_concatenates_to_the_non_stream_answer(a: dict[str, Any], cuts: list[int],
                                                      done: bool) -> None:
    chunks = stream(answer_chunks(a), cuts, done=done)
    whole = complete(answer_completion(a))
    streamed = _merged([p for c in chunks for p in parts_of(c)])
    assert streamed == parts_of(whole)
    assert chunks[-1]["candidates"][0]["finishReason"] == whole["candidates"][0]["finishReason"]
    assert chunks[-1]["usageMetadata"] == whole["usageMetadata"]


def test_gemini_cli_clients_get_the_same_answers_wrapped() -> None:
    # the gemini-cli pair is the gemini one inside the Cloud Code envelope (gemini_cli.py)
    from cliproxy_tui.translate import get_pair

    cli = get_pair("gemini-cli", "openai")
    assert cli is not None
    envelope = {"model": "m", "project": "p", "request": {
        "systemInstruction": {"parts": [{"text": "S"}]}, "contents": BODY["contents"]}}
    assert cli.request("gpt-4o", envelope, True)["messages"] == [
        {"role": "system", "content": "S"}, {"role": "user", "content": "hi"}]
    lines = sse_lines([chunk({"content": "x"}), chunk({}, "stop")])
    state = cli.new_stream("gpt-4o", envelope)
    wrapped = [orjson.loads(p) for p in cli.stream_lines(state, lines) + cli.stream_end(state)]
    plain = [orjson.loads(p) for p in run_stream(GEMINI_PAIR, BODY, lines)]
    assert wrapped == [{"response": p} for p in plain]
