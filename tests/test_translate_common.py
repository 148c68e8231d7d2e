"""The shared translation helpers (translators.md §1, §0.3) and the pair registry."""

from __future__ import annotations

import copy
import importlib.abc
import importlib.util
import re
import subprocess
import sys
from typing import Any

import anthropic.types
import openai.types
import openai.types.responses
import pytest
from google.genai import types as genai_types
from hypothesis import given
from hypothesis import strategies as st

from cliproxy_tui import jsonfast
from cliproxy_tui.translate import common as c
from cliproxy_tui.translate import registry

# --------------------------------------------------------------------------- §1.1


@pytest.mark.parametrize(("effort", "expected"), [
    (None, {"include_thoughts": True, "thinkingBudget": -1}),
    ("none", {"thinkingBudget": 0}),
    ("auto", {"include_thoughts": True, "thinkingBudget": -1}),
    ("minimal", {"include_thoughts": True, "thinkingBudget": 1024}),
    ("low", {"include_thoughts": True, "thinkingBudget": 1024}),
    ("medium", {"include_thoughts": True, "thinkingBudget": 8192}),
    ("high", {"include_thoughts": True, "thinkingBudget": 24576}),
    ("extreme", {"include_thoughts": True, "thinkingBudget": -1}),
    (3, {"include_thoughts": True, "thinkingBudget": -1}),
])
def test_openai_effort_to_gemini(effort: Any, expected: dict[str, Any]) -> None:
    assert c.openai_effort_to_gemini_thinking(effort) == expected


@pytest.mark.parametrize(("effort", "expected"), [
    (None, {"include_thoughts": True}),
    ("none", {"include_thoughts": False, "thinkingBudget": 0}),
    ("auto", {"include_thoughts": True, "thinkingBudget": -1}),
    ("minimal", {"include_thoughts": True, "thinkingBudget": 1024}),
    ("low", {"include_thoughts": True, "thinkingBudget": 4096}),
    ("medium", {"include_thoughts": True, "thinkingBudget": 8192}),
    ("high", {"include_thoughts": True, "thinkingBudget": 24576}),
    ("weird", {"include_thoughts": True, "thinkingBudget": -1}),
])
def test_responses_effort_to_gemini(effort: Any, expected: dict[str, Any]) -> None:
    assert c.responses_effort_to_gemini_thinking(effort) == expected


@pytest.mark.parametrize(("effort", "expected"), [
    (None, {"include_thoughts": True, "thinkingBudget": -1}),
    ("none", {"include_thoughts": False, "thinkingBudget": 0}),
    ("low", {"include_thoughts": True, "thinkingBudget": 1024}),
    ("high", {"include_thoughts": True, "thinkingBudget": 24576}),
])
def test_claude_effort_to_gemini(effort: Any, expected: dict[str, Any]) -> None:
    assert c.claude_effort_to_gemini_thinking(effort) == expected


@pytest.mark.parametrize(("thinking", "expected"), [
    (None, None),
    ({"type": "enabled", "budget_tokens": 2048}, {"include_thoughts": True, "thinkingBudget": 2048}),
    ({"type": "enabled"}, {"include_thoughts": True, "thinkingBudget": -1}),
    ({"type": "disabled"}, {"include_thoughts": False, "thinkingBudget": 0}),
    ({"type": "other"}, None),
])
def test_claude_thinking_to_gemini(thinking: Any, expected: Any) -> None:
    assert c.claude_thinking_to_gemini_thinking(thinking) == expected


@pytest.mark.parametrize(("fn", "effort", "expected"), [
    (c.openai_effort_to_claude_thinking, None, None),
    (c.openai_effort_to_claude_thinking, "none", {"type": "disabled"}),
    (c.openai_effort_to_claude_thinking, "low", {"type": "enabled", "budget_tokens": 1024}),
    (c.openai_effort_to_claude_thinking, "medium", {"type": "enabled", "budget_tokens": 8192}),
    (c.openai_effort_to_claude_thinking, "high", {"type": "enabled", "budget_tokens": 24576}),
    # Claude rejects "enabled" without a budget: upstream's quirk is not reproduced
    (c.openai_effort_to_claude_thinking, "auto", {"type": "enabled", "budget_tokens": 8192}),
    (c.responses_effort_to_claude_thinking, "minimal", {"type": "enabled", "budget_tokens": 1024}),
    (c.responses_effort_to_claude_thinking, "low", {"type": "enabled", "budget_tokens": 4096}),
    (c.responses_effort_to_claude_thinking, "medium", {"type": "enabled", "budget_tokens": 8192}),
    (c.responses_effort_to_claude_thinking, "high", {"type": "enabled", "budget_tokens": 24576}),
    (c.responses_effort_to_claude_thinking, "none", {"type": "disabled"}),
])
def test_effort_to_claude(fn: Any, effort: Any, expected: Any) -> None:
    assert fn(effort) == expected


@pytest.mark.parametrize(("config", "expected"), [
    (None, None),
    ({"thinkingBudget": 4000}, None),
    ({"include_thoughts": False, "thinkingBudget": 4000}, None),
    ({"include_thoughts": True, "thinkingBudget": 4000}, {"type": "enabled", "budget_tokens": 4000}),
    ({"includeThoughts": True, "thinkingBudget": 4000}, {"type": "enabled", "budget_tokens": 4000}),
    ({"include_thoughts": True, "thinkingBudget": 100}, {"type": "enabled", "budget_tokens": 1024}),
    ({"include_thoughts": True, "thinkingBudget": -1}, {"type": "enabled", "budget_tokens": 8192}),
    ({"include_thoughts": True}, {"type": "enabled", "budget_tokens": 8192}),
    ({"include_thoughts": True, "thinkingBudget": 0}, {"type": "disabled"}),
])
def test_gemini_thinking_to_claude(config: Any, expected: Any) -> None:
    assert c.gemini_thinking_to_claude(config) == expected


@pytest.mark.parametrize(("effort", "expected"), [
    (None, None), ("none", "none"), ("auto", "auto"), ("minimal", "low"), ("low", "low"),
    ("medium", "medium"), ("high", "high"), ("huge", "auto"),
])
def test_responses_effort_to_openai(effort: Any, expected: Any) -> None:
    assert c.responses_effort_to_openai(effort) == expected


@pytest.mark.parametrize(("budget", "effort"), [
    (0, "low"), (1024, "low"), (1025, "medium"), (8192, "medium"), (8193, "high"),
    (64000, "high"),
])
def test_budget_to_effort(budget: int, effort: str) -> None:
    assert c.claude_thinking_budget_to_effort(budget) == effort


@pytest.mark.parametrize(("thinking", "expected"), [
    (None, None), ({"type": "disabled"}, None), ({"type": "enabled"}, "medium"),
    ({"type": "enabled", "budget_tokens": 1024}, "low"),
    ({"type": "enabled", "budget_tokens": 32000}, "high"),
])
def test_claude_thinking_to_effort(thinking: Any, expected: Any) -> None:
    assert c.claude_thinking_to_effort(thinking) == expected


@pytest.mark.parametrize(("config", "expected"), [
    (None, None), ({"include_thoughts": True}, "medium"), ({"thinkingBudget": 0}, None),
    ({"thinkingBudget": -1}, "medium"), ({"thinking_budget": 2000}, "medium"),
    ({"thinkingBudget": 500}, "low"), ({"thinkingBudget": 24576}, "high"),
])
def test_gemini_thinking_to_effort(config: Any, expected: Any) -> None:
    assert c.gemini_thinking_to_effort(config) == expected


# --------------------------------------------------------------------------- §1.3


@pytest.mark.parametrize(("choice", "expected"), [
    ("auto", {"type": "auto"}),
    ("required", {"type": "any"}),
    ("none", {"type": "none"}),
    ({"type": "function", "function": {"name": "f"}}, {"type": "tool", "name": "f"}),
    ({"type": "function", "name": "g"}, {"type": "tool", "name": "g"}),  # Responses form
    ({"type": "function"}, None),
    (None, None),
])
def test_openai_tool_choice_to_claude(choice: Any, expected: Any) -> None:
    assert c.openai_tool_choice_to_claude(choice) == expected
    assert c.responses_tool_choice_to_claude(choice) == expected


@pytest.mark.parametrize(("config", "claude", "openai_choice"), [
    ({"function_calling_config": {"mode": "AUTO"}}, {"type": "auto"}, "auto"),
    ({"functionCallingConfig": {"mode": "NONE"}}, {"type": "none"}, "none"),
    ({"functionCallingConfig": {"mode": "ANY"}}, {"type": "any"}, "required"),
    ({"function_calling_config": {"mode": "any", "allowed_function_names": ["f"]}},
     {"type": "tool", "name": "f"}, {"type": "function", "function": {"name": "f"}}),
    ({}, None, None),
    (None, None, None),
])
def test_gemini_tool_config(config: Any, claude: Any, openai_choice: Any) -> None:
    assert c.gemini_tool_config_to_claude(config) == claude
    assert c.gemini_tool_config_to_openai(config) == openai_choice


@pytest.mark.parametrize(("choice", "chat", "responses"), [
    ({"type": "auto"}, "auto", "auto"),
    ({"type": "any"}, "required", "required"),
    ({"type": "none"}, "none", "none"),
    ({"type": "tool", "name": "f"}, {"type": "function", "function": {"name": "f"}},
     {"type": "function", "name": "f"}),
    ({"type": "mystery"}, "auto", "auto"),
    (None, None, "auto"),
])
def test_claude_tool_choice(choice: Any, chat: Any, responses: Any) -> None:
    assert c.claude_tool_choice_to_openai(choice) == chat
    assert c.claude_tool_choice_to_responses(choice) == responses


def test_chat_and_responses_tool_choice_forms() -> None:
    chat_fn = {"type": "function", "function": {"name": "f"}}
    resp_fn = {"type": "function", "name": "f"}
    assert c.openai_tool_choice_to_responses(chat_fn) == resp_fn
    assert c.openai_tool_choice_to_responses("required") == "required"
    assert c.responses_tool_choice_to_openai(resp_fn) == chat_fn
    assert c.responses_tool_choice_to_openai("none") == "none"
    assert c.responses_tool_choice_to_openai({"type": "file_search"}) is None


@pytest.mark.parametrize(("choice", "expected"), [
    ("auto", {"functionCallingConfig": {"mode": "AUTO"}}),
    ("required", {"functionCallingConfig": {"mode": "ANY"}}),
    ("none", {"functionCallingConfig": {"mode": "NONE"}}),
    ({"type": "function", "function": {"name": "f"}},
     {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f"]}}),
    ({"type": "tool", "name": "g"},
     {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["g"]}}),
    ({"type": "any"}, {"functionCallingConfig": {"mode": "ANY"}}),
    (None, None),
])
def test_tool_choice_to_gemini(choice: Any, expected: Any) -> None:
    out = c.openai_tool_choice_to_gemini(choice)
    assert out == expected
    if out is not None:
        genai_types.ToolConfig.model_validate(out)


# --------------------------------------------------------------------------- §1.4


@pytest.mark.parametrize(("reason", "tool", "openai_reason", "claude_reason"), [
    ("STOP", False, "stop", "end_turn"),
    ("MAX_TOKENS", False, "length", "max_tokens"),
    ("SAFETY", False, "content_filter", "end_turn"),
    ("RECITATION", False, "content_filter", "end_turn"),
    ("OTHER", False, "stop", "end_turn"),
    (None, False, "stop", "end_turn"),
    ("STOP", True, "tool_calls", "tool_use"),
    ("MAX_TOKENS", True, "tool_calls", "tool_use"),
])
def test_gemini_finish(reason: Any, tool: bool, openai_reason: str, claude_reason: str) -> None:
    assert c.gemini_finish_to_openai(reason, tool) == openai_reason
    assert c.gemini_finish_to_claude(reason, tool) == claude_reason


@pytest.mark.parametrize(("reason", "openai_reason", "gemini_reason"), [
    ("end_turn", "stop", "STOP"), ("tool_use", "tool_calls", "STOP"),
    ("max_tokens", "length", "MAX_TOKENS"), ("stop_sequence", "stop", "STOP"),
    ("refusal", "content_filter", "STOP"), ("pause_turn", "stop", "STOP"), (None, "stop", "STOP"),
])
def test_claude_stop(reason: Any, openai_reason: str, gemini_reason: str) -> None:
    assert c.claude_stop_to_openai(reason) == openai_reason
    assert c.claude_stop_to_gemini(reason) == gemini_reason


def test_claude_stop_tool_call_forces_tool_calls() -> None:
    assert c.claude_stop_to_openai("end_turn", has_tool_call=True) == "tool_calls"


@pytest.mark.parametrize(("reason", "tool", "claude_reason", "gemini_reason"), [
    ("stop", False, "end_turn", "STOP"), ("length", False, "max_tokens", "MAX_TOKENS"),
    ("tool_calls", False, "tool_use", "STOP"), ("function_call", False, "tool_use", "STOP"),
    ("content_filter", False, "end_turn", "SAFETY"), ("odd", False, "end_turn", "STOP"),
    (None, True, "tool_use", None), (None, False, "end_turn", None), ("", True, "tool_use", None),
])
def test_openai_finish(reason: Any, tool: bool, claude_reason: str, gemini_reason: Any) -> None:
    assert c.openai_finish_to_claude(reason, tool) == claude_reason
    assert c.openai_finish_to_gemini(reason) == gemini_reason


@pytest.mark.parametrize(("response", "tool", "chat", "claude", "gemini"), [
    ({"status": "completed"}, False, "stop", "end_turn", "STOP"),
    ({"status": "completed"}, True, "tool_calls", "tool_use", "STOP"),
    ({"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}, False,
     "length", "max_tokens", "MAX_TOKENS"),
    ({"status": "incomplete", "incomplete_details": {"reason": "content_filter"}}, False,
     "content_filter", "end_turn", "SAFETY"),
    ({"status": "completed", "stop_reason": "stop_sequence"}, True, "tool_calls",
     "stop_sequence", "STOP"),
    (None, False, "stop", "end_turn", "STOP"),
])
def test_codex_finish(response: Any, tool: bool, chat: str, claude: str, gemini: str) -> None:
    assert c.codex_finish_to_openai(response, tool) == chat
    assert c.codex_finish_to_claude(response, tool) == claude
    assert c.codex_finish_to_gemini(response) == gemini


# --------------------------------------------------------------------------- §1.5

# §10 J: promptTokenCount 10, candidates 6, thoughts 4, total 20
GEMINI_META = {"promptTokenCount": 10, "candidatesTokenCount": 6, "thoughtsTokenCount": 4,
               "totalTokenCount": 20}


def test_gemini_usage_worked_example() -> None:
    chat = c.gemini_usage_to_openai(GEMINI_META)
    assert chat == {"completion_tokens": 6, "total_tokens": 20, "prompt_tokens": 14,
                    "completion_tokens_details": {"reasoning_tokens": 4}}
    openai.types.CompletionUsage.model_validate(chat)
    assert c.gemini_usage_to_claude(GEMINI_META) == {"input_tokens": 10, "output_tokens": 10}
    resp = c.gemini_usage_to_responses(GEMINI_META)
    assert resp == {"input_tokens": 14,
                    "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                    "output_tokens": 6, "output_tokens_details": {"reasoning_tokens": 4},
                    "total_tokens": 20}
    openai.types.responses.ResponseUsage.model_validate(resp)


def test_gemini_usage_partial_and_absent() -> None:
    assert c.gemini_usage_to_openai(None) is None
    # §10 C first unit: no candidates yet → no completion_tokens key
    assert c.gemini_usage_to_openai({"promptTokenCount": 5, "totalTokenCount": 5}) == \
        {"prompt_tokens": 5, "total_tokens": 5}


def test_gemini_cached_tokens_are_reported() -> None:
    meta = {"promptTokenCount": 100, "cachedContentTokenCount": 60, "candidatesTokenCount": 5,
            "totalTokenCount": 105}
    assert c.gemini_usage_to_openai(meta)["prompt_tokens_details"] == {"cached_tokens": 60}
    assert c.gemini_usage_to_responses(meta)["input_tokens_details"] == \
        {"cached_tokens": 60, "cache_write_tokens": 0}
    claude = c.gemini_usage_to_claude(meta)
    assert claude == {"input_tokens": 40, "output_tokens": 5, "cache_read_input_tokens": 60}
    anthropic.types.Usage.model_validate(claude)


def test_claude_stream_usage_folds_start_and_delta() -> None:
    start = c.usage_from_claude({"input_tokens": 10, "output_tokens": 1,
                                 "cache_read_input_tokens": 30,
                                 "cache_creation_input_tokens": 5})
    final = c.usage_from_claude({"output_tokens": 12}, start)
    assert final == c.Usage(input_tokens=45, output_tokens=12, total_tokens=57,
                            cached_tokens=30, cache_creation_tokens=5)
    assert start.output_tokens == 1  # the base is not changed in place
    assert c.claude_usage(final) == {"input_tokens": 10, "output_tokens": 12,
                                     "cache_read_input_tokens": 30,
                                     "cache_creation_input_tokens": 5}
    chat = c.openai_usage(final)
    assert chat == {"prompt_tokens": 45, "completion_tokens": 12, "total_tokens": 57,
                    "prompt_tokens_details": {"cached_tokens": 30}}
    meta = c.gemini_usage_metadata(final)
    assert meta == {"promptTokenCount": 45, "candidatesTokenCount": 12, "totalTokenCount": 57,
                    "cachedContentTokenCount": 30}
    genai_types.GenerateContentResponseUsageMetadata.model_validate(meta)


def test_claude_delta_that_repeats_input() -> None:
    start = c.usage_from_claude({"input_tokens": 10, "output_tokens": 1})
    final = c.usage_from_claude({"input_tokens": 11, "output_tokens": 7}, start)
    assert (final.input_tokens, final.output_tokens, final.total()) == (11, 7, 18)
    assert c.usage_from_claude(None, start).total() == 11


def test_openai_usage_reads_both_spellings() -> None:
    chat = c.usage_from_openai({"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29,
                                "prompt_tokens_details": {"cached_tokens": 4},
                                "completion_tokens_details": {"reasoning_tokens": 3}})
    assert chat == c.Usage(20, 9, 29, cached_tokens=4, reasoning_tokens=3)
    resp_style = c.usage_from_openai({"input_tokens": 20, "output_tokens": 9,
                                      "output_tokens_details": {"reasoning_tokens": 3}})
    assert resp_style == c.Usage(20, 9, 29, reasoning_tokens=3)
    assert c.usage_from_openai(None) == c.Usage()


def test_codex_usage() -> None:
    u = c.usage_from_codex({"input_tokens": 12, "input_tokens_details": {"cached_tokens": 2},
                            "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 1},
                            "total_tokens": 17})
    assert u == c.Usage(12, 5, 17, cached_tokens=2, reasoning_tokens=1)
    assert c.claude_usage(u) == {"input_tokens": 10, "output_tokens": 5,
                                 "cache_read_input_tokens": 2}
    assert c.gemini_usage_metadata(u) == {"promptTokenCount": 12, "candidatesTokenCount": 4,
                                          "totalTokenCount": 17, "thoughtsTokenCount": 1,
                                          "cachedContentTokenCount": 2}


_counts = st.integers(min_value=0, max_value=10**7)


@st.composite
def _usages(draw: Any, creation: bool = True) -> c.Usage:
    cached, created, plain = draw(_counts), draw(_counts) if creation else 0, draw(_counts)
    reasoning, visible = draw(_counts), draw(_counts)
    inp, out = plain + cached + created, visible + reasoning
    return c.Usage(inp, out, inp + out, cached, created, reasoning)


@given(_usages())
def test_claude_usage_round_trip(u: c.Usage) -> None:
    shaped = c.claude_usage(u)
    anthropic.types.Usage.model_validate(shaped)
    back = c.usage_from_claude(shaped)
    assert (back.input_tokens, back.output_tokens, back.cached_tokens,
            back.cache_creation_tokens) == (u.input_tokens, u.output_tokens, u.cached_tokens,
                                            u.cache_creation_tokens)


@given(_usages(creation=False))
def test_openai_shapes_round_trip(u: c.Usage) -> None:
    chat = c.openai_usage(u)
    openai.types.CompletionUsage.model_validate(chat)
    assert c.usage_from_openai(chat) == u
    resp = c.responses_usage(u)
    parsed = openai.types.responses.ResponseUsage.model_validate(resp)
    assert parsed.input_tokens_details.cached_tokens == u.cached_tokens
    assert c.usage_from_codex(resp) == u
    meta = c.gemini_usage_metadata(u)
    genai_types.GenerateContentResponseUsageMetadata.model_validate(meta)
    assert c.usage_from_gemini(meta) == u


# --------------------------------------------------------------------------- §1.6


def test_tool_call_ids_from_names_are_unique_and_invertible() -> None:
    ids = [c.tool_call_id_from_name("get-weather") for _ in range(200)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"get-weather-\d{19}", i) for i in ids)
    assert {c.name_from_tool_call_id(i) for i in ids} == {"get-weather"}
    # ids we did not hand out come back whole (§2.3)
    assert c.name_from_tool_call_id("toolu_01ABCdef") == "toolu_01ABCdef"
    assert c.name_from_tool_call_id("call-abc") == "call-abc"


def test_generated_ids() -> None:
    assert re.fullmatch(r"toolu_[A-Za-z0-9]{24}", c.new_toolu_id())
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", c.new_call_id())
    assert re.fullmatch(r"msg_[A-Za-z0-9]{24}", c.new_message_id())
    assert re.fullmatch(r"chatcmpl-[A-Za-z0-9]{24}", c.new_chat_completion_id())
    assert re.fullmatch(r"call_\d+", c.nanos_call_id())
    assert re.fullmatch(r"call_[0-9a-f]+", c.nanos_call_id(hex_form=True))
    assert re.fullmatch(r"resp_[0-9a-f]+", c.new_response_id())
    assert len({c.new_toolu_id() for _ in range(100)}) == 100


def test_claude_user_id_per_translator() -> None:
    a = c.claude_user_id("test-a")
    assert c.claude_user_id("test-a") == a
    assert c.claude_user_id("test-b") != a
    m = re.fullmatch(r"user_([0-9a-f]{64})_account_([0-9a-f-]{36})_session_([0-9a-f-]{36})", a)
    assert m is not None


# --------------------------------------------------------------------------- §1.7


def test_count_bodies_worked_example_h() -> None:
    # Claude client over Gemini (totalTokens 17); Gemini client over Claude (input_tokens 17)
    n = c.count_from_upstream("gemini", b'{"totalTokens":17}')
    assert jsonfast.loads(c.claude_count_body(n)) == {"input_tokens": 17}
    n = c.count_from_upstream("claude", b'{"input_tokens":17}')
    assert jsonfast.loads(c.gemini_count_body(n)) == {
        "totalTokens": 17, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 17}]}
    # the SDK model lacks promptTokensDetails (its REST reader drops unknown fields)
    body = {k: v for k, v in jsonfast.loads(c.gemini_count_body(n)).items()
            if k != "promptTokensDetails"}
    assert genai_types.CountTokensResponse.model_validate(body).total_tokens == 17
    anthropic.types.MessageTokensCount.model_validate(jsonfast.loads(c.claude_count_body(n)))


@pytest.mark.parametrize(("fmt", "body", "n"), [
    ("claude", b'{"input_tokens":5}', 5),
    ("gemini", b'{"totalTokens":6,"promptTokensDetails":[]}', 6),
    ("gemini-cli", b'{"response":{"totalTokens":7}}', 7),
    ("openai", b'{"usage":{"prompt_tokens":8,"total_tokens":8}}', 8),
    ("codex", b'{"response":{"usage":{"input_tokens":9,"output_tokens":0,"total_tokens":9}}}', 9),
    ("codex", {"response": {"usage": {"input_tokens": 3}}}, 3),
    ("openai", b'{"input_tokens":4}', 4),  # mislabelled body still read
    ("claude", b"not json", 0),
    ("claude", b"[1]", 0),
    ("gemini", b"{}", 0),
])
def test_count_from_upstream(fmt: str, body: Any, n: int) -> None:
    assert c.count_from_upstream(fmt, body) == n


# --------------------------------------------------------------------------- SSE


@pytest.mark.parametrize(("line", "payload"), [
    (b'data: {"a":1}', b'{"a":1}'),
    (b'data:{"a":1}', b'{"a":1}'),
    (b'data:   {"a":1}  ', b'{"a":1}'),
    (b'{"bare":true}', b'{"bare":true}'),
    (b"data: [DONE]", None),
    (b"data:[DONE]", None),
    (b"[DONE]", None),
    (b"", None),
    (b"data:", None),
    (b"event: message_start", None),
    (b": keep-alive comment", None),
    (b"id: 7", None),
    (b'data: junk{"a":1}', b'{"a":1}'),
    (b"data: junk", None),
    (b"data: [1,2]", b"[1,2]"),
    (b'[{"response":{}}]', b'[{"response":{}}]'),
])
def test_data_payload(line: bytes, payload: bytes | None) -> None:
    assert c.data_payload(line) == payload


def test_is_done() -> None:
    assert c.is_done(b"data: [DONE]") and c.is_done(b"[DONE]") and c.is_done(b"data:[DONE] ")
    assert not c.is_done(b'data: {"a":1}')


def test_data_objects_skips_junk() -> None:
    lines = [b"event: x", b'data: {"a":1}', b"", b"data: {broken", b"data: [1]", b"[DONE]",
             b'data: {"b":2}']
    assert c.data_objects(lines) == [{"a": 1}, {"b": 2}]


@given(st.dictionaries(st.text(), st.recursive(
    st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10), max_size=4))
def test_data_payload_round_trips_any_object(obj: dict[str, Any]) -> None:
    line = b"data: " + jsonfast.dumps(obj)
    assert jsonfast.loads(c.data_payload(line) or b"null") == obj


def test_claude_sse_block_parses_as_sdk_event() -> None:
    block = c.claude_sse("content_block_delta", {
        "type": "content_block_delta", "index": 0,
        "delta": {"type": "text_delta", "text": "héllo\n"}})
    assert block.startswith(b"event: content_block_delta\ndata: ")
    assert block.endswith(b"\n\n") and block.count(b"\n") == 3
    data = block.split(b"\n")[1][len(b"data: "):]
    event = anthropic.types.RawContentBlockDeltaEvent.model_validate(jsonfast.loads(data))
    assert event.delta.text == "héllo\n"  # type: ignore[union-attr]


def test_responses_items() -> None:
    items = c.responses_items("response.output_text.delta", {"type": "response.output_text.delta",
                                                             "delta": "a\nb"})
    assert items[0] == b"event: response.output_text.delta"
    assert items[1].startswith(b"data: ") and b"\n" not in items[1]
    assert jsonfast.loads(items[1][6:])["delta"] == "a\nb"


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize(("url", "parsed"), [
    ("data:image/png;base64,iVBORw0KGgo=", ("image/png", "iVBORw0KGgo=")),
    ("data:;base64,AAAA", ("application/octet-stream", "AAAA")),
    ("data:image/jpeg;name=x.jpg;base64,/9j/", ("image/jpeg", "/9j/")),
    ("data:text/plain,hello", None),  # not base64
    ("https://example.com/cat.png", None),
    ("data:image/png;base64", None),
    (None, None),
])
def test_parse_data_url(url: Any, parsed: Any) -> None:
    assert c.parse_data_url(url) == parsed


def test_data_url_round_trip() -> None:
    assert c.data_url("image/png", "QUJD") == "data:image/png;base64,QUJD"
    assert c.parse_data_url(c.data_url("", "QUJD")) == ("application/octet-stream", "QUJD")


@pytest.mark.parametrize(("content", "text"), [
    ("plain", "plain"),
    (None, ""),
    ({"type": "text", "text": "one"}, "one"),
    ([{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}},
      {"type": "input_text", "text": "b"}, {"type": "output_text", "text": "c"}, "d"], "abcd"),
    ([{"text": "untyped"}], "untyped"),
    (42, ""),
])
def test_text_of_openai_content(content: Any, text: str) -> None:
    assert c.text_of_openai_content(content) == text


def test_text_of_openai_content_separator() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    assert c.text_of_openai_content(parts, "\n") == "a\nb"


@pytest.mark.parametrize(("content", "text"), [
    ("18C", "18C"),
    (None, ""),
    # §9 #29: the usual Claude Code shape is joined, not sent as raw JSON
    ([{"type": "text", "text": "18C"}], "18C"),
    ([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "a\nb"),
    ([{"type": "text", "text": "see"},
      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}}],
     'see\n{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA"}}'),
    ({"type": "text", "text": "single"}, "single"),
    ({"temp": 18}, '{"temp":18}'),
    (7, "7"),
])
def test_tool_result_text(content: Any, text: str) -> None:
    assert c.tool_result_text(content) == text


def test_stop_list_and_pick() -> None:
    assert c.stop_list("END") == ["END"]
    assert c.stop_list(["a", "", 3, "b"]) == ["a", "b"]
    assert c.stop_list("") == [] and c.stop_list(None) == []
    body = {"system_instruction": {"parts": []}}
    assert c.pick(body, "systemInstruction", "system_instruction") == {"parts": []}
    assert c.pick(None, "a") is None
    decl = {"name": "f", "parametersJsonSchema": {"type": "object"}}
    assert c.gemini_declaration_schema(decl) == {"type": "object"}
    assert c.gemini_declaration_schema({"parameters": {"a": 1}, "parametersJsonSchema": {}}) == \
        {"a": 1}


@pytest.mark.parametrize(("name", "mime"), [
    ("report.PDF", "application/pdf"), ("a.b.png", "image/png"), ("notes.txt", "text/plain"),
    ("song.mp3", "audio/mp3"), ("noext", None), ("x.unknownext", None), (None, None),
])
def test_mime_from_filename(name: Any, mime: Any) -> None:
    assert c.mime_from_filename(name) == mime


def test_clean_schema_for_gemini() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "OBJECT",
        "properties": {
            # property names that look like keywords are kept as names
            "type": {"type": "STRING", "format": "uri", "description": "a type"},
            "format": {"type": "string", "format": "date-time"},
            "$schema": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string", "format": "email"}},
            "either": {"anyOf": [{"type": "INTEGER"}, {"type": "null"}]},
        },
        "required": ["type"],
        "additionalProperties": False,
        "$defs": {"X": {"$schema": "x", "type": ["STRING", "NULL"]}},
    }
    before = copy.deepcopy(schema)
    cleaned = c.clean_schema_for_gemini(schema)
    assert schema == before
    assert cleaned == {
        "type": "object",
        "properties": {
            "type": {"type": "string", "description": "a type"},
            "format": {"type": "string", "format": "date-time"},
            "$schema": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "either": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
        "required": ["type"],
        "additionalProperties": False,
        "$defs": {"X": {"type": ["string", "null"]}},
    }
    assert c.clean_schema_for_gemini(None) is None
    # a clean schema is accepted as a Gemini function declaration
    genai_types.FunctionDeclaration.model_validate(
        {"name": "f", "parametersJsonSchema": cleaned})


def test_lowercase_types_and_codex_schema() -> None:
    schema = {"type": "OBJECT", "properties": {"q": {"type": "STRING"},
                                               "type": {"type": "NUMBER"}}}
    assert c.lowercase_schema_types(schema) == {
        "type": "object", "properties": {"q": {"type": "string"}, "type": {"type": "number"}}}
    assert schema["type"] == "OBJECT"
    with_dollar = {"$schema": "x", "type": "object"}
    assert c.schema_without_dollar_schema(with_dollar) == {"type": "object"}
    assert with_dollar == {"$schema": "x", "type": "object"}
    plain = {"type": "object"}
    assert c.schema_without_dollar_schema(plain) is plain


# --------------------------------------------------------------------------- registry


def test_registry_imports_every_family_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert registry._PAIR_MODULES == ("passthrough", "gemini", "claude", "codex", "openai",
                                      "gemini_cli")
    monkeypatch.setattr(registry, "_loaded", False)
    registry.supported_pairs()
    for name in registry._PAIR_MODULES:
        assert f"cliproxy_tui.translate.{name}" in sys.modules
    # the envelope pairs are registered once gemini_cli is imported
    assert registry.get_pair("gemini-cli", "gemini-cli") is not None
    assert registry.get_pair("claude", "gemini-cli") is not None


@pytest.mark.parametrize("first", ["gemini", "codex", "gemini_cli"])
def test_a_family_imported_before_the_first_lookup_keeps_its_pairs(first: str) -> None:
    # a fresh interpreter: which module is imported first must not decide which pair wins
    code = (f"import cliproxy_tui.translate.{first}\n"
            "from cliproxy_tui.translate import get_pair\n"
            "print(type(get_pair('gemini', 'gemini')).__name__,"
            " type(get_pair('openai-response', 'codex')).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["GeminiOverGemini", "CodexPair"]


def test_registry_skips_only_a_missing_family_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_loaded", False)
    monkeypatch.setattr(registry, "_PAIR_MODULES", ("passthrough", "zz_not_written_yet"))
    registry.supported_pairs()  # no error

    class _Loader(importlib.abc.Loader):
        def create_module(self, spec: Any) -> None:
            return None

        def exec_module(self, module: Any) -> None:
            importlib.import_module("zz_missing_dependency_of_a_family")

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
            if name == "cliproxy_tui.translate.zz_broken":
                return importlib.util.spec_from_loader(name, _Loader())
            return None

    monkeypatch.setattr(sys, "meta_path", [_Finder(), *sys.meta_path])
    monkeypatch.setattr(registry, "_loaded", False)
    monkeypatch.setattr(registry, "_PAIR_MODULES", ("zz_broken",))
    for _ in range(2):  # every lookup fails loudly, not only the first
        with pytest.raises(ModuleNotFoundError):
            registry.supported_pairs()
    assert "cliproxy_tui.translate.zz_broken" not in sys.modules
