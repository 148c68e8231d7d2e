"""OpenAI-compatible upstream family: pairs, line reading, token counts, arguments.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from cliproxy_tui.translate import registry
from cliproxy_tui.translate.openai import CLAUDE_PAIR, GEMINI_PAIR, RESPONSES_PAIR
from cliproxy_tui.translate.openai_chunks import DONE, ChunkStream, iter_chunks, parse_arguments

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
