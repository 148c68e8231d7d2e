"""Property: a Gemini answer streamed in arbitrary line batches gives the client the same
final message as the non-stream translation of the same answer.

The streamed side is accumulated the way clients do it: OpenAI deltas concatenated,
Claude events through the anthropic SDK's own accumulator, Responses by taking the
``response.completed`` object. Tool-call ids are time-based, so they are compared by
shape, not value.
"""

from __future__ import annotations

from typing import Any

import orjson
from anthropic.types import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_translate_gemini import (
    CLAUDE,
    OPENAI,
    RESPONSES,
    chat_response,
    claude_response,
    responses_response,
)
from tests.translate_helpers import accumulate_claude

SETTINGS = settings(max_examples=60, deadline=None)

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_sig = st.none() | st.sampled_from(["SIG1", "SIG2", "c2lnbmF0dXJl"])
_args = st.none() | st.dictionaries(st.sampled_from(["a", "city", "ü"]),
                                    st.integers(-(2**53), 2**53) | _text | st.booleans(), max_size=3)


@st.composite
def _part(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["thought", "text", "text", "call"]))
    if kind == "call":
        part: dict[str, Any] = {"functionCall": {"name": draw(st.sampled_from(["f", "get_x"]))}}
        args = draw(_args)
        if args is not None:
            part["functionCall"]["args"] = args
    else:
        part = {"text": draw(_text)}
        if kind == "thought":
            part["thought"] = True
    sig = draw(_sig)
    if sig:
        part["thoughtSignature"] = sig
    return part


@st.composite
def answers(draw: st.DrawFn) -> tuple[list[list[bytes]], bytes]:
    """(the stream as batches of SSE lines, the same answer as one non-stream body)."""
    parts = draw(st.lists(_part(), max_size=8))
    cuts = sorted(draw(st.lists(st.integers(0, len(parts)), max_size=4)))
    groups = [parts[a:b] for a, b in zip([0, *cuts], [*cuts, len(parts)])]
    if draw(st.booleans()):
        groups.append([])  # Gemini often sends the finish in a part-less last unit
    finish = draw(st.sampled_from(["STOP", "MAX_TOKENS", "SAFETY"]))
    usage = {"promptTokenCount": draw(st.integers(0, 500)),
             "candidatesTokenCount": draw(st.integers(0, 500)),
             "thoughtsTokenCount": draw(st.integers(0, 50)),
             "cachedContentTokenCount": draw(st.integers(0, 5))}
    usage["totalTokenCount"] = usage["promptTokenCount"] + usage["candidatesTokenCount"] \
        + usage["thoughtsTokenCount"]

    def unit(unit_parts: list[dict[str, Any]], last: bool) -> dict[str, Any]:
        cand: dict[str, Any] = {"content": {"role": "model", "parts": unit_parts}}
        out: dict[str, Any] = {"candidates": [cand], "modelVersion": "gemini-2.5-flash",
                               "responseId": "r1"}
        if last:
            cand["finishReason"] = finish
            out["usageMetadata"] = usage
        return out

    lines: list[bytes] = []
    for i, group in enumerate(groups):
        lines += [b"data: " + orjson.dumps(unit(group, i == len(groups) - 1)), b""]
    splits = sorted(draw(st.lists(st.integers(0, len(lines)), max_size=5)))
    batches = [lines[a:b] for a, b in zip([0, *splits], [*splits, len(lines)])]
    return batches, orjson.dumps(unit(parts, True))


def _anonymous_calls(calls: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(c["function"]["name"], c["function"]["arguments"]) for c in calls]


@SETTINGS
@given(answers())
def test_openai_stream_equals_non_stream(answer: tuple[list[list[bytes]], bytes]) -> None:
    batches, body = answer
    state = OPENAI.new_stream("gemini-2.5-flash", {})
    chunks = [orjson.loads(p) for batch in batches for p in OPENAI.stream_lines(state, batch)]
    chunks += [orjson.loads(p) for p in OPENAI.stream_end(state)]
    content: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    saw_content = saw_reasoning = False
    for chunk in chunks:
        delta = chunk["choices"][0]["delta"]
        if delta["content"] is not None:
            saw_content = True
            content.append(delta["content"])
        if delta["reasoning_content"] is not None:
            saw_reasoning = True
            reasoning.append(delta["reasoning_content"])
        calls += delta["tool_calls"] or []
    assert [c["index"] for c in calls] == list(range(len(calls)))
    whole = chat_response(body)
    message = whole["choices"][0]["message"]
    assert ("".join(content) if saw_content else None) == message["content"]
    assert ("".join(reasoning) if saw_reasoning else None) == message["reasoning_content"]
    assert _anonymous_calls(calls) == _anonymous_calls(message["tool_calls"] or [])
    assert chunks[-1]["choices"][0]["finish_reason"] == whole["choices"][0]["finish_reason"]
    assert chunks[-1]["usage"] == whole["usage"]


def _claude_shape(message: dict[str, Any]) -> dict[str, Any]:
    blocks = []
    for block in message["content"]:
        block = dict(block)
        if block["type"] == "tool_use":
            assert block.pop("id").startswith(block["name"] + "-")
        blocks.append(block)
    return {**message, "content": blocks}


@SETTINGS
@given(answers())
def test_claude_stream_equals_non_stream(answer: tuple[list[list[bytes]], bytes]) -> None:
    batches, body = answer
    state = CLAUDE.new_stream("gemini-2.5-flash", {})
    blocks = [b for batch in batches for b in CLAUDE.stream_lines(state, batch)]
    blocks += CLAUDE.stream_end(state)
    events = [orjson.loads(b.split(b"\n", 2)[1][6:]) for b in blocks]
    indices = [e["index"] for e in events if e["type"] == "content_block_start"]
    assert indices == list(range(len(indices)))
    streamed = accumulate_claude(events).model_dump(exclude_none=True)
    whole = Message.model_validate(claude_response(body)).model_dump(exclude_none=True)
    assert _claude_shape(streamed) == _claude_shape(whole)


def _responses_shape(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in output:
        item = dict(item)
        if item["type"] == "function_call":
            assert item.pop("id") == "fc_" + item.pop("call_id")
        out.append(item)
    return out


@SETTINGS
@given(answers())
def test_responses_stream_equals_non_stream(answer: tuple[list[list[bytes]], bytes]) -> None:
    batches, body = answer
    client = {"model": "gemini-2.5-flash", "input": "hi"}
    state = RESPONSES.new_stream("gemini-2.5-flash", client)
    items = [i for batch in batches for i in RESPONSES.stream_lines(state, batch)]
    items += RESPONSES.stream_end(state)
    events = [orjson.loads(i[6:]) for i in items if i.startswith(b"data: ")]
    assert [e["sequence_number"] for e in events] == list(range(1, len(events) + 1))
    (completed,) = [e["response"] for e in events if e["type"] == "response.completed"]
    whole = responses_response(body, client)
    assert _responses_shape(completed["output"]) == _responses_shape(whole["output"])
    assert completed["usage"] == whole["usage"]
    assert completed["id"] == whole["id"] == "resp_r1"
    # every item that was added is also done, with the final form the response carries
    done = {e["item"]["id"]: e["item"] for e in events if e["type"] == "response.output_item.done"}
    assert [done[i["id"]] for i in completed["output"]] == completed["output"]
