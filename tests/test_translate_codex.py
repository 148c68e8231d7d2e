"""Requests into Codex (translators.md §3.3) from every client format, and tool names.

Our contract differs from upstream in one deliberate place: ``instructions`` is the
client's own system text (no bundled Codex CLI prompt, no marker message).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cliproxy_tui.translate import get_pair
from cliproxy_tui.translate.codex_names import (
    restore_map,
    short_name_map,
    shorten_tool_name,
)
from cliproxy_tui.translate.codex_request import codex_instructions

LONG_MCP = "mcp__" + "x" * 70 + "__read_file"
FIXED = {"parallel_tool_calls": True, "store": False, "stream": True,
         "include": ["reasoning.encrypted_content"]}


def translate(client: str, body: dict[str, Any], model: str = "gpt-5-codex",
              stream: bool = True) -> dict[str, Any]:
    pair = get_pair(client, "codex")
    assert pair is not None
    before = copy.deepcopy(body)
    out = pair.request(model, body, stream)
    assert body == before, "the client body must not be mutated"
    return out


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


# -- tool names -----------------------------------------------------------------------


@pytest.mark.parametrize("name, short", [
    ("read_file", "read_file"),
    ("a" * 64, "a" * 64),
    ("a" * 65, "a" * 64),
    (LONG_MCP, "mcp__read_file"),
    ("mcp__" + "s" * 10 + "__" + "t" * 80, ("mcp__" + "t" * 80)[:64]),
])
def test_single_names_are_shortened_to_64(name: str, short: str) -> None:
    assert shorten_tool_name(name) == short
    assert len(shorten_tool_name(name)) <= 64


def test_collisions_get_numbered_suffixes_within_the_limit() -> None:
    a, b, c = "p" * 70, "p" * 64 + "b", "p" * 64 + "c"
    m = short_name_map([a, b, c, "short"])
    assert m == {a: "p" * 64, b: "p" * 62 + "~1", c: "p" * 62 + "~2", "short": "short"}
    assert all(len(v) <= 64 for v in m.values())
    # a declared short name that equals another's shortened form keeps its own name
    m = short_name_map(["mcp__read_file", LONG_MCP])
    assert m == {"mcp__read_file": "mcp__read_file", LONG_MCP: "mcp__read_file~1"}


def test_restore_map_inverts_only_changed_names() -> None:
    body = {"tools": [{"name": LONG_MCP, "input_schema": {}}, {"name": "plain"}]}
    assert restore_map("claude", body) == {"mcp__read_file": LONG_MCP}
    assert restore_map("claude", {"tools": [{"name": "plain"}]}) == {}
    gem = {"tools": [{"functionDeclarations": [{"name": "g" * 80}]}]}
    assert restore_map("gemini", gem) == {"g" * 64: "g" * 80}


def test_codex_instructions_is_the_client_system_text() -> None:
    assert codex_instructions("gpt-5", "Be terse") == "Be terse"
    assert codex_instructions("gpt-5-codex", None) is None
    assert codex_instructions("gpt-5", "") is None


# -- openai → codex -------------------------------------------------------------------


def test_openai_messages_tools_and_fixed_fields() -> None:
    body = {
        "model": "gpt-5", "temperature": 0.3, "max_tokens": 50, "stop": ["X"], "top_p": 0.9,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
            {"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO",
                                                    "detail": "high"}},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                {"type": "file", "file": {"filename": "a.pdf",
                                          "file_data": "data:application/pdf;base64,JVBE"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": LONG_MCP, "arguments": "{\"p\":1}"}},
                {"id": "call_2", "type": "function", "function": {"name": "b", "arguments": ""}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "42"},
            {"role": "tool", "tool_call_id": "call_2",
             "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "assistant", "content": "Done."},
        ],
        "tools": [{"type": "function", "function": {"name": LONG_MCP, "description": "Read",
                                                    "parameters": {"type": "object"}}},
                  {"type": "function", "function": {"name": "b", "strict": True}},
                  {"type": "web_search"}],
        "tool_choice": {"type": "function", "function": {"name": LONG_MCP}},
    }
    out = translate("openai", body)
    assert out["model"] == "gpt-5-codex"
    assert out["instructions"] == "Be brief.\n\nUse tools."
    assert out["input"] == [
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "What is this?"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBO", "detail": "high"},
            {"type": "input_image", "image_url": "https://x.test/a.png"},
            {"type": "input_file", "file_data": "data:application/pdf;base64,JVBE",
             "filename": "a.pdf"}]},
        {"type": "function_call", "call_id": "call_1", "name": "mcp__read_file",
         "arguments": "{\"p\":1}"},
        {"type": "function_call", "call_id": "call_2", "name": "b", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "42"},
        {"type": "function_call_output", "call_id": "call_2", "output": "a\nb"},
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "Done."}]},
    ]
    assert out["tools"] == [
        {"type": "function", "name": "mcp__read_file", "description": "Read",
         "parameters": {"type": "object", "properties": {}}, "strict": False},
        {"type": "function", "name": "b", "parameters": {"type": "object", "properties": {}},
         "strict": True},
        {"type": "web_search"}]
    assert out["tool_choice"] == {"type": "function", "name": "mcp__read_file"}
    assert out["reasoning"] == {"effort": "low", "summary": "auto"}
    for key, value in FIXED.items():
        assert out[key] == value
    for absent in ("temperature", "max_tokens", "stop", "top_p", "max_output_tokens",
                   "messages", "text"):
        assert absent not in out


@pytest.mark.parametrize("extra, expected", [
    ({"reasoning_effort": "high"}, {"effort": "high", "summary": "auto"}),
    ({"reasoning_effort": "minimal"}, {"effort": "minimal", "summary": "auto"}),
    ({}, {"effort": "low", "summary": "auto"}),
])
def test_openai_reasoning_effort_is_copied(extra: dict, expected: dict) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], **extra}
    out = translate("openai", body)
    assert out["reasoning"] == expected
    assert "instructions" not in out  # no system text: no instructions


@pytest.mark.parametrize("response_format, verbosity, text", [
    ({"type": "text"}, None, {"format": {"type": "text"}}),
    ({"type": "json_object"}, None, {"format": {"type": "json_object"}}),
    ({"type": "json_schema", "json_schema": {"name": "w", "strict": True,
                                             "schema": {"type": "object"}}}, "low",
     {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"},
                 "strict": True}, "verbosity": "low"}),
    (None, "high", {"verbosity": "high"}),
])
def test_openai_response_format_becomes_text_format(response_format: Any, verbosity: Any,
                                                     text: dict) -> None:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}]}
    if response_format:
        body["response_format"] = response_format
    if verbosity:
        body["verbosity"] = verbosity
    assert translate("openai", body)["text"] == text


@pytest.mark.parametrize("choice, expected", [
    ("auto", "auto"), ("none", "none"), ("required", "required"),
    ({"type": "function", "function": {"name": "f"}}, {"type": "function", "name": "f"}),
])
def test_openai_tool_choice(choice: Any, expected: Any) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "tool_choice": choice,
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "parallel_tool_calls": False, "prompt_cache_key": "k1"}
    out = translate("openai", body)
    assert out["tool_choice"] == expected
    assert out["parallel_tool_calls"] is False
    assert out["prompt_cache_key"] == "k1"


# -- claude → codex -------------------------------------------------------------------


def test_claude_example_f_with_client_instructions() -> None:
    body = {"model": "gpt-5-codex", "max_tokens": 1024,
            "system": [{"type": "text", "text": "Be terse"}],
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"name": LONG_MCP, "description": "Read a file",
                       "cache_control": {"type": "ephemeral"},
                       "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#",
                                        "type": "object",
                                        "properties": {"path": {"type": "string"}}}}]}
    out = translate("claude", body)
    assert out == {
        "model": "gpt-5-codex", "instructions": "Be terse",
        "input": [user("hi")],
        "tools": [{"type": "function", "name": "mcp__read_file", "description": "Read a file",
                   "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
                   "strict": False}],
        "tool_choice": "auto", "parallel_tool_calls": True,
        "reasoning": {"effort": "low", "summary": "auto"},
        "store": False, "stream": True, "include": ["reasoning.encrypted_content"]}


def test_claude_history_blocks() -> None:
    body = {
        "system": "Plain string system",
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Look"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": "iVBO"}},
                {"type": "image", "source": {"type": "url", "url": "https://x.test/i.png"}},
                {"type": "document", "title": "spec.pdf",
                 "source": {"type": "base64", "media_type": "application/pdf", "data": "JVB"}}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "I should read.", "signature": "gAAAAABenc"},
                {"type": "thinking", "thinking": "foreign", "signature": "EqQBCkgIBRAB"},
                {"type": "redacted_thinking", "data": "gAAAAABred"},
                {"type": "text", "text": "Reading."},
                {"type": "tool_use", "id": "toolu_1", "name": LONG_MCP, "input": {"p": "a"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1",
                 "content": [{"type": "text", "text": "line1"}, {"type": "text", "text": "line2"}]},
                {"type": "text", "text": "Go on"}]},
        ],
        "tools": [{"name": LONG_MCP, "input_schema": {"type": "object"}},
                  {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
        "thinking": {"type": "enabled", "budget_tokens": 20000},
    }
    out = translate("claude", body)
    assert out["instructions"] == "Plain string system"
    assert out["input"] == [
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "Look"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBO"},
            {"type": "input_image", "image_url": "https://x.test/i.png"},
            {"type": "input_file", "filename": "spec.pdf",
             "file_data": "data:application/pdf;base64,JVB"}]},
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "I should read."}],
         "encrypted_content": "gAAAAABenc"},
        {"type": "reasoning", "summary": [], "encrypted_content": "gAAAAABred"},
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "Reading."}]},
        {"type": "function_call", "call_id": "toolu_1", "name": "mcp__read_file",
         "arguments": "{\"p\":\"a\"}"},
        {"type": "function_call_output", "call_id": "toolu_1", "output": "line1\nline2"},
        user("Go on"),
    ]
    assert out["tools"][1] == {"type": "web_search"}
    assert out["tool_choice"] == "required"
    assert out["parallel_tool_calls"] is False
    assert out["reasoning"]["effort"] == "high"
    assert "max_tokens" not in out and "thinking" not in out and "system" not in out


@pytest.mark.parametrize("choice, expected", [
    (None, "auto"), ({"type": "auto"}, "auto"), ({"type": "none"}, "none"),
    ({"type": "tool", "name": LONG_MCP}, {"type": "function", "name": "mcp__read_file"}),
])
def test_claude_tool_choice(choice: Any, expected: Any) -> None:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}],
                            "tools": [{"name": LONG_MCP, "input_schema": {"type": "object"}}]}
    if choice is not None:
        body["tool_choice"] = choice
    assert translate("claude", body)["tool_choice"] == expected


@pytest.mark.parametrize("thinking, effort", [
    (None, "low"), ({"type": "disabled"}, "low"),
    ({"type": "enabled", "budget_tokens": 1024}, "low"),
    ({"type": "enabled", "budget_tokens": 8000}, "medium"),
])
def test_claude_thinking_budget_to_effort(thinking: Any, effort: str) -> None:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}]}
    if thinking:
        body["thinking"] = thinking
    assert translate("claude", body)["reasoning"] == {"effort": effort, "summary": "auto"}


# -- gemini → codex -------------------------------------------------------------------


def test_gemini_contents_tools_and_config() -> None:
    body = {
        "systemInstruction": {"parts": [{"text": "Be brief."}, {"text": "Really."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Weather in Paris and Rome?"},
                                       {"inlineData": {"mimeType": "image/png", "data": "iVBO"}}]},
            {"role": "model", "parts": [
                {"text": "secret thoughts", "thought": True},
                {"text": "Checking."},
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_time", "args": {}}},
                {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}}]},
            {"role": "user", "parts": [
                {"functionResponse": {"name": "get_time", "response": {"result": "noon"}}},
                {"functionResponse": {"name": "get_weather", "response": {"temp": 18}}},
                {"functionResponse": {"name": "get_weather", "response": {"result": "20C"}}}]},
        ],
        "tools": [{"functionDeclarations": [
            {"name": "get_weather", "description": "Weather",
             "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}}},
            {"name": "get_time", "parametersJsonSchema": {"type": "object", "properties": {}}}]},
            {"googleSearch": {}}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY",
                                                 "allowedFunctionNames": ["get_weather"]}},
        "generationConfig": {"temperature": 0.1, "maxOutputTokens": 10,
                             "responseMimeType": "application/json",
                             "responseJsonSchema": {"type": "object"},
                             "thinkingConfig": {"thinkingBudget": 24576}},
    }
    out = translate("gemini", body)
    assert out["instructions"] == "Be brief.\n\nReally."
    items = out["input"]
    assert items[0] == {"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": "Weather in Paris and Rome?"},
        {"type": "input_image", "image_url": "data:image/png;base64,iVBO"}]}
    assert items[1] == {"type": "message", "role": "assistant",
                        "content": [{"type": "output_text", "text": "Checking."}]}
    calls = items[2:5]
    outputs = items[5:8]
    assert [c["type"] for c in calls] == ["function_call"] * 3
    for c in calls:
        assert c["call_id"].startswith("call_") and len(c["call_id"]) == 29
    assert calls[0]["arguments"] == '{"city":"Paris"}'
    # each answer goes to the oldest open call of the same function
    assert [o["call_id"] for o in outputs] == [calls[1]["call_id"], calls[0]["call_id"],
                                               calls[2]["call_id"]]
    assert [o["output"] for o in outputs] == ["noon", '{"temp":18}', "20C"]
    assert out["tools"] == [
        {"type": "function", "name": "get_weather", "description": "Weather",
         "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                        "additionalProperties": False}, "strict": False},
        {"type": "function", "name": "get_time",
         "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
         "strict": False},
        {"type": "web_search"}]
    assert out["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert out["text"] == {"format": {"type": "json_schema", "name": "response",
                                      "strict": False, "schema": {"type": "object"}}}
    assert out["reasoning"] == {"effort": "high", "summary": "auto"}
    assert "generationConfig" not in out and "temperature" not in out


def test_gemini_snake_case_and_explicit_call_ids() -> None:
    body = {"system_instruction": {"parts": [{"text": "S"}]},
            "contents": [
                {"role": "model", "parts": [{"function_call": {"id": "c9", "name": "f"}}]},
                {"role": "function", "parts": [
                    {"function_response": {"id": "c9", "name": "f", "response": "ok"}}]}],
            "tools": [{"function_declarations": [{"name": "f"}]}],
            "tool_config": {"function_calling_config": {"mode": "NONE"}}}
    out = translate("gemini", body)
    assert out["instructions"] == "S"
    assert out["input"] == [
        {"type": "function_call", "call_id": "c9", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c9", "output": "ok"}]
    assert out["tool_choice"] == "none"
    assert out["reasoning"]["effort"] == "low"


def test_gemini_cli_envelope_reaches_the_gemini_pair() -> None:
    body = {"model": "gpt-5", "project": "p1",
            "request": {"systemInstruction": {"parts": [{"text": "S"}]},
                        "contents": [{"role": "user", "parts": [{"text": "hi"}]}]}}
    out = translate("gemini-cli", body)
    assert out["instructions"] == "S" and out["input"] == [user("hi")]
    assert "project" not in out and "request" not in out


# -- openai-response → codex ----------------------------------------------------------


def test_responses_example_l_keeps_the_client_instructions() -> None:
    body = {"model": "gpt-5-codex", "instructions": "You are a helpful assistant.",
            "input": "Say hi", "stream": True, "temperature": 0.7, "max_output_tokens": 256,
            "reasoning": {"effort": "medium"}}
    out = translate("openai-response", body)
    assert out == {"model": "gpt-5-codex", "instructions": "You are a helpful assistant.",
                   "input": [user("Say hi")], "stream": True,
                   "reasoning": {"effort": "medium"}, "store": False,
                   "parallel_tool_calls": True, "include": ["reasoning.encrypted_content"]}


def test_responses_passthrough_details() -> None:
    tools = [{"type": "function", "name": LONG_MCP, "parameters": {"type": "object"}}]
    body = {"input": [{"role": "system", "content": "sys"}, user("hi")], "stream": False,
            "tools": tools, "tool_choice": "required", "parallel_tool_calls": False,
            "include": ["file_search_call.results"], "text": {"verbosity": "low"},
            "top_p": 0.5, "max_completion_tokens": 9}
    out = translate("openai-response", body, model="gpt-5")
    assert out["input"] == body["input"]  # system items stay, no marker message
    assert out["tools"] == tools  # no shortening on this pair
    assert out["tool_choice"] == "required" and out["text"] == {"verbosity": "low"}
    assert out["parallel_tool_calls"] is False
    assert out["include"] == ["file_search_call.results", "reasoning.encrypted_content"]
    assert out["stream"] is True and out["store"] is False and out["model"] == "gpt-5"
    assert "instructions" not in out and "top_p" not in out
    assert "max_completion_tokens" not in out and "reasoning" not in out
