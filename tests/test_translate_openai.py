"""OpenAI-compatible upstream family: pairs, line reading, token counts, arguments.

Also holds the chunk builders and SDK-backed readers that the other
``test_translate_openai_*`` files share.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message, RawMessageStreamEvent
from pydantic import TypeAdapter

from cliproxy_tui.translate import registry
from cliproxy_tui.translate.openai import CLAUDE_PAIR, GEMINI_PAIR, RESPONSES_PAIR
from cliproxy_tui.translate.openai_chunks import DONE, ChunkStream, iter_chunks
from cliproxy_tui.translate.openai_chunks import parse_arguments

# -- shared builders -------------------------------------------------------------------


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None,
          usage: dict[str, Any] | None = None, *, cid: str = "chatcmpl-1",
          model: str = "gpt-4o", no_choices: bool = False) -> dict[str, Any]:
    """One ``chat.completion.chunk`` (a usage-only chunk with ``no_choices``)."""
    obj: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk",
                           "created": 1761640000, "model": model}
    obj["choices"] = [] if no_choices else [
        {"index": 0, "delta": delta or {}, "finish_reason": finish}]
    if usage is not None:
        obj["usage"] = usage
    return obj


def sse_lines(chunks: list[dict[str, Any]], done: bool = True) -> list[bytes]:
    """What the executor reads: ``data: …`` lines with blank separators, then [DONE]."""
    lines: list[bytes] = []
    for c in chunks:
        lines += [b"data: " + orjson.dumps(c), b""]
    if done:
        lines += [b"data: [DONE]", b""]
    return lines


def run_stream(pair: Any, body: dict[str, Any], lines: list[bytes],
               cuts: list[int] | None = None, end: bool = True) -> list[bytes]:
    """Translate ``lines`` in batches split at ``cuts`` (one batch by default)."""
    state = pair.new_stream(body.get("model", "m"), body)
    bounds = [0, *sorted(set(cuts or [])), len(lines)]
    out: list[bytes] = []
    for a, b in zip(bounds, bounds[1:]):
        if b > a:
            out += pair.stream_lines(state, lines[a:b])
    if end:
        out += pair.stream_end(state)
    return out


_CLAUDE_EVENT = TypeAdapter(RawMessageStreamEvent)


def claude_events(payloads: list[bytes]) -> list[dict[str, Any]]:
    """Parse complete Claude SSE blocks; each ``event:`` name must match its data type."""
    text = b"".join(payloads)
    assert text.endswith(b"\n\n") or not text
    events = []
    for block in text.split(b"\n\n"):
        if not block:
            continue
        head, data = block.split(b"\n", 1)
        assert head.startswith(b"event: ") and data.startswith(b"data: ")
        obj = orjson.loads(data[6:])
        assert obj["type"] == head[7:].decode()
        events.append(obj)
    return events


def accumulate_claude(events: list[dict[str, Any]]) -> Message:
    """The official SDK's accumulator over strictly validated events."""
    snapshot = None
    bufs: dict[int, bytes] = {}
    for event in events:
        parsed = _CLAUDE_EVENT.validate_python(event)
        snapshot = accumulate_event(event=parsed, current_snapshot=snapshot, json_bufs=bufs)
    assert snapshot is not None
    return Message.model_validate(snapshot.model_dump())


# -- registration ----------------------------------------------------------------------


def test_pairs_are_registered_for_the_openai_upstream() -> None:
    pairs = registry._PAIRS
    assert pairs[("claude", "openai")] is CLAUDE_PAIR
    assert pairs[("gemini", "openai")] is GEMINI_PAIR
    assert pairs[("openai-response", "openai")] is RESPONSES_PAIR


def test_request_never_mutates_the_client_body() -> None:
    body = {"model": "m", "system": "s", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f",
                                           "input": {"a": 1}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
                                      "content": [{"type": "text", "text": "x"}]}]}],
        "tools": [{"name": "f", "input_schema": {"type": "object"}}]}
    snapshot = orjson.dumps(body)
    CLAUDE_PAIR.request("m", body, True)
    assert orjson.dumps(body) == snapshot
    rbody = {"model": "m", "input": [{"role": "assistant", "content": "a"},
                                     {"type": "function_call", "call_id": "c", "name": "f",
                                      "arguments": "{}"}]}
    snapshot = orjson.dumps(rbody)
    RESPONSES_PAIR.request("m", rbody, False)
    assert orjson.dumps(rbody) == snapshot


# -- line reading ----------------------------------------------------------------------

_C = {"id": "x", "choices": []}


@pytest.mark.parametrize(("lines", "expected"), [
    ([b'data: {"id":"x","choices":[]}'], [_C]),
    ([b'data:{"id":"x","choices":[]}'], [_C]),
    ([b'{"id":"x","choices":[]}'], [_C]),
    ([b"data: [DONE]"], [DONE]),
    ([b"[DONE]"], [DONE]),
    ([b"data:[DONE]"], [DONE]),
    ([b"", b": keep-alive", b"event: chunk", b"id: 7", b"retry: 10", b"garbage"], []),
    ([b'data: xx{"id":"x","choices":[]}'], [_C]),
    ([b"data: not json"], []),
    # one event spread over two data lines (SSE joins them with a newline)
    ([b'data: {"id":"x",', b'data: "choices":[]}', b""], [_C]),
    # a broken line followed directly by a good one
    ([b"data: {broken", b'data: {"id":"x","choices":[]}'], [_C]),
    # a blank line ends an unfinished event
    ([b'data: {"id":', b"", b'data: "x"}'], []),
])
def test_chunk_lines_are_read_tolerantly(lines: list[bytes], expected: list[Any]) -> None:
    got = iter_chunks(ChunkStream("m", {}), lines)
    assert got == expected
    for g, e in zip(got, expected):
        assert (g is DONE) == (e is DONE)


def test_an_event_split_across_batches_is_joined() -> None:
    state = ChunkStream("m", {})
    assert iter_chunks(state, [b'data: {"id":"x",']) == []
    assert iter_chunks(state, [b'data: "choices":[]}', b""]) == [_C]


# -- arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ('{"city":"Paris"}', {"city": "Paris"}),
    ("{'city': 'Paris', 'n': 2}", {"city": "Paris", "n": 2}),
    ("{'q': 'it\\'s \"quoted\"'}", {"q": "it's \"quoted\""}),
    ("{'ok': True, 'none': None}", {"ok": True, "none": None}),
    ("", {}),
    ("   ", {}),
    ("[1, 2]", {}),
    ("{broken", {}),
    (None, {}),
])
def test_parse_arguments_repairs_or_falls_back(text: Any, expected: dict[str, Any]) -> None:
    assert parse_arguments(text) == expected


# -- token counts ----------------------------------------------------------------------

_ESTIMATE = b'{"usage":{"prompt_tokens":17,"total_tokens":17}}'


def test_count_bodies_per_client() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert orjson.loads(CLAUDE_PAIR.count_response(
        CLAUDE_PAIR.new_stream("m", body), _ESTIMATE)) == {"input_tokens": 17}
    assert orjson.loads(GEMINI_PAIR.count_response(GEMINI_PAIR.new_stream("m", {}),
                                                   _ESTIMATE)) == {
        "totalTokens": 17, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 17}]}
    assert orjson.loads(RESPONSES_PAIR.count_response(RESPONSES_PAIR.new_stream("m", {}),
                                                      _ESTIMATE)) == {
        "object": "response.input_tokens", "input_tokens": 17}


def test_count_request_is_the_ordinary_request() -> None:
    # a Claude count_tokens body has no max_tokens and no stream flag
    body = {"model": "claude-x", "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"name": "f", "input_schema": {"type": "object"}}]}
    out = CLAUDE_PAIR.request("gpt-4o", body, False)
    assert out["messages"][-1] == {"role": "user", "content": "hi"}
    assert out["tools"][0]["function"]["name"] == "f"
    assert "max_tokens" not in out
