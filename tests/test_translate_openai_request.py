"""Requests into an OpenAI-compatible Chat upstream (translators.md §3.2, §9)."""

from __future__ import annotations

from typing import Any

import pytest

from cliproxy_tui.translate.openai import CLAUDE_PAIR, GEMINI_PAIR, RESPONSES_PAIR
from cliproxy_tui.translate.openai_request import RFC8259_HINT

HINT = {"type": "text", "text": RFC8259_HINT}


def claude(body: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    return CLAUDE_PAIR.request("gpt-4o", {"model": "claude-sonnet-4-5", **body}, stream)


def responses(body: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    return RESPONSES_PAIR.request("gpt-4o", {"model": "gpt-4o", **body}, stream)


def gemini(body: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    return GEMINI_PAIR.request("gpt-4o", body, stream)


# -- claude → openai -------------------------------------------------------------------


def test_example_k_request() -> None:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": True,
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01A",
                                                   "name": "get_weather",
                                                   "input": {"city": "Paris"}}]},
                {"role": "user", "content": [{"type": "tool_result",
                                              "tool_use_id": "toolu_01A",
                                              "content": "18C"}]}],
            "tools": [{"name": "get_weather", "description": "Weather by city",
                       "input_schema": {"type": "object",
                                        "properties": {"city": {"type": "string"}},
                                        "required": ["city"]}}],
            "stop_sequences": ["END"], "temperature": 0.2}
    assert CLAUDE_PAIR.request("gpt-4o", body, True) == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": [HINT, {"type": "text", "text": "Be brief."}]},
            {"content": "Weather in Paris?", "role": "user"},
            {"content": "", "role": "assistant", "tool_calls": [
                {"function": {"arguments": '{"city":"Paris"}', "name": "get_weather"},
                 "id": "toolu_01A", "type": "function"}]},
            {"content": "18C", "role": "tool", "tool_call_id": "toolu_01A"}],
        "max_tokens": 1024, "temperature": 0.2, "stop": "END", "stream": True,
        "tools": [{"function": {"description": "Weather by city", "name": "get_weather",
                                "parameters": {"properties": {"city": {"type": "string"}},
                                               "required": ["city"], "type": "object"}},
                   "type": "function"}]}


def test_system_string_images_and_sampling() -> None:
    out = claude({"system": "Be kind.", "top_p": 0.9, "top_k": 5, "max_tokens": 10,
                  "stop_sequences": ["A", "B"], "metadata": {"user_id": "u"},
                  "thinking": {"type": "enabled", "budget_tokens": 2048},
                  "messages": [{"role": "user", "content": [
                      {"type": "text", "text": "What is this?"},
                      {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                   "data": "iVBO"}},
                      {"type": "image", "source": {"type": "base64", "data": "AAAA"}},
                      {"type": "image", "source": {"type": "url",
                                                   "url": "https://x/y.png"}}]}]})
    assert out["messages"][0] == {"role": "system", "content": [
        HINT, {"type": "text", "text": "Be kind."}]}
    assert out["messages"][1] == {"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}},
        {"type": "image_url", "image_url": {"url": "data:application/octet-stream;base64,AAAA"}},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}
    assert (out["top_p"], out["max_tokens"], out["stop"]) == (0.9, 10, ["A", "B"])
    # not mapped (§1.1, §3.2): top_k, metadata, thinking
    assert not {"top_k", "metadata", "thinking", "reasoning_effort"} & out.keys()
    assert out["stream"] is False


def test_tool_results_come_first_and_array_content_is_joined() -> None:
    out = claude({"messages": [
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "sig"},
            {"type": "text", "text": "Two calls."},
            {"type": "tool_use", "id": "t1", "name": "a", "input": {}},
            {"type": "tool_use", "id": "t2", "name": "b"}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1",
             "content": [{"type": "text", "text": "line 1"}, {"type": "text", "text": "line 2"}]},
            {"type": "tool_result", "tool_use_id": "t2", "content": [
                {"type": "text", "text": "see picture"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                             "data": "/9j/"}}]},
            {"type": "text", "text": "<reminder>"}]}]})
    msgs = out["messages"][1:]
    assert msgs[0] == {"role": "assistant", "content": [{"type": "text", "text": "Two calls."}],
                       "tool_calls": [
                           {"id": "t1", "type": "function",
                            "function": {"name": "a", "arguments": "{}"}},
                           {"id": "t2", "type": "function",
                            "function": {"name": "b", "arguments": "{}"}}]}
    # §9 #29: text blocks concatenated, not sent as raw JSON
    assert msgs[1] == {"role": "tool", "tool_call_id": "t1", "content": "line 1\nline 2"}
    assert msgs[2] == {"role": "tool", "tool_call_id": "t2", "content": "see picture"}
    # the tool's image cannot ride in a Chat tool message: it follows in the user turn
    assert msgs[3] == {"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}},
        {"type": "text", "text": "<reminder>"}]}
    assert len(msgs) == 4


def test_empty_messages_are_skipped() -> None:
    out = claude({"messages": [{"role": "user", "content": ""},
                               {"role": "user", "content": []},
                               {"role": "assistant", "content": [
                                   {"type": "redacted_thinking", "data": "x"}]},
                               {"role": "user", "content": "hi"}]})
    assert out["messages"][1:] == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(("choice", "expected"), [
    ({"type": "auto"}, "auto"),
    ({"type": "any"}, "required"),
    ({"type": "tool", "name": "f"}, {"type": "function", "function": {"name": "f"}}),
    ({"type": "none"}, "none"),
    (None, None),
])
def test_tool_choice(choice: Any, expected: Any) -> None:
    body: dict[str, Any] = {"messages": [], "tools": [
        {"name": "f", "input_schema": {"type": "object"}},
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]}
    if choice is not None:
        body["tool_choice"] = choice
    out = claude(body)
    assert out.get("tool_choice") == expected
    assert out["tools"][1] == {"type": "function",
                               "function": {"name": "web_search", "description": ""}}


def test_disable_parallel_tool_use() -> None:
    out = claude({"messages": [], "tools": [{"name": "f", "input_schema": {}}],
                  "tool_choice": {"type": "auto", "disable_parallel_tool_use": True}})
    assert out["parallel_tool_calls"] is False
    assert "parallel_tool_calls" not in claude({"messages": []})


# -- openai-response → openai ----------------------------------------------------------


def test_responses_messages_calls_and_outputs() -> None:
    out = responses({
        "instructions": "Be terse.", "max_output_tokens": 256, "temperature": 0.3,
        "top_p": 0.8, "parallel_tool_calls": False, "reasoning": {"effort": "minimal"},
        "input": [
            {"role": "developer", "content": "Use tools."},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "Look"},
                {"type": "input_image", "image_url": "data:image/png;base64,iVBO",
                 "detail": "low"},
                {"type": "input_file", "filename": "a.pdf",
                 "file_data": "data:application/pdf;base64,JVBE"}]},
            {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "Calling"}]},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "function_call", "call_id": "c1", "name": "a", "arguments": '{"x":1}'},
            {"type": "function_call", "call_id": "c2", "name": "b", "arguments": ""},
            {"type": "function_call_output", "call_id": "c1", "output": "one"},
            {"type": "function_call_output", "call_id": "c2",
             "output": [{"type": "input_text", "text": "two"}]},
            {"role": "user", "content": "thanks"}],
        "tools": [{"type": "function", "name": "a", "description": "A",
                   "parameters": {"type": "object"}, "strict": True},
                  {"type": "function", "name": "b"},
                  {"type": "web_search"}],
        "tool_choice": {"type": "function", "name": "a"},
        "text": {"format": {"type": "json_schema", "name": "r", "strict": True,
                            "schema": {"type": "object"}}}})
    assert out["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": [
            {"type": "text", "text": "Look"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO",
                                                "detail": "low"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE",
                                      "filename": "a.pdf"}}]},
        {"role": "assistant", "content": "Calling", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "a", "arguments": '{"x":1}'}},
            {"id": "c2", "type": "function", "function": {"name": "b", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "one"},
        {"role": "tool", "tool_call_id": "c2", "content": "two"},
        {"role": "user", "content": "thanks"}]
    assert out["tools"] == [
        {"type": "function", "function": {"name": "a", "description": "A",
                                          "parameters": {"type": "object"}, "strict": True}},
        {"type": "function", "function": {"name": "b", "description": "",
                                          "parameters": {}}}]
    assert out["tool_choice"] == {"type": "function", "function": {"name": "a"}}
    assert (out["max_tokens"], out["temperature"], out["top_p"]) == (256, 0.3, 0.8)
    assert out["parallel_tool_calls"] is False and out["reasoning_effort"] == "low"
    assert out["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "r", "schema": {"type": "object"}, "strict": True}}
    assert out["stream"] is False and out["model"] == "gpt-4o"


def test_responses_string_input_and_defaults() -> None:
    out = responses({"input": "Say hi", "parallel_tool_calls": True,
                     "text": {"format": {"type": "text"}}}, stream=True)
    assert out == {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hi"}],
                   "stream": True}
    # a lone call (no preceding assistant text) is its own assistant turn
    out = responses({"input": [{"role": "user", "content": "q"},
                               {"type": "function_call", "call_id": "c", "name": "f",
                                "arguments": "{}"}]})
    assert out["messages"][1] == {"role": "assistant", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    assert responses({"input": [], "text": {"format": {"type": "json_object"}}}
                     )["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize(("effort", "expected"), [
    ("none", "none"), ("auto", "auto"), ("minimal", "low"), ("low", "low"),
    ("medium", "medium"), ("high", "high"), ("odd", "auto")])
def test_responses_effort_table(effort: str, expected: str) -> None:
    assert responses({"input": [], "reasoning": {"effort": effort}})["reasoning_effort"] \
        == expected


# -- gemini → openai -------------------------------------------------------------------


def test_gemini_contents_tools_and_config() -> None:
    out = gemini({
        "systemInstruction": {"parts": [{"text": "Be brief."}, {"text": "Really."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "What is "}, {"text": "this?"},
                                       {"inlineData": {"mimeType": "image/png",
                                                       "data": "iVBO"}}]},
            {"role": "model", "parts": [
                {"text": "secret", "thought": True},
                {"text": "Looking."},
                {"functionCall": {"name": "lookup", "args": {"q": "x"}}},
                {"functionCall": {"id": "given-id", "name": "other"}}]},
            {"role": "function", "parts": [
                {"functionResponse": {"name": "other", "id": "given-id",
                                      "response": {"content": "B"}}},
                {"functionResponse": {"name": "lookup", "response": {"result": 42}}}]},
            {"role": "user", "parts": [{"text": "ok"}]}],
        "tools": [{"functionDeclarations": [
            {"name": "lookup", "description": "Find",
             "parameters": {"type": "OBJECT", "properties": {"q": {"type": "STRING"}}}},
            {"name": "other", "parametersJsonSchema": {"type": "object"}}]},
            {"function_declarations": [{"name": "snake",
                                        "parameters_json_schema": {"type": "object"}}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
        "generationConfig": {"temperature": 0.1, "topP": 0.5, "topK": 3,
                             "maxOutputTokens": 99, "stopSequences": ["X"],
                             "responseMimeType": "application/json"}})
    msgs = out["messages"]
    assert msgs[0] == {"role": "system", "content": "Be brief.\nReally."}
    assert msgs[1] == {"role": "user", "content": [
        {"type": "text", "text": "What is "}, {"type": "text", "text": "this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}}]}
    assert msgs[2]["role"] == "assistant" and msgs[2]["content"] == "Looking."
    first, second = msgs[2]["tool_calls"]
    assert first["id"].startswith("call_") and len(first["id"]) == 29
    assert first["function"] == {"name": "lookup", "arguments": '{"q":"x"}'}
    assert second["id"] == "given-id" and second["function"]["arguments"] == "{}"
    # answers matched by id, then by name; never an empty message or role "function"
    assert msgs[3] == {"role": "tool", "tool_call_id": "given-id", "content": "B"}
    assert msgs[4] == {"role": "tool", "tool_call_id": first["id"],
                       "content": '{"result":42}'}
    assert msgs[5] == {"role": "user", "content": "ok"} and len(msgs) == 6
    assert out["tools"] == [
        {"type": "function", "function": {"name": "lookup", "description": "Find",
                                          "parameters": {"type": "object", "properties": {
                                              "q": {"type": "string"}}}}},
        {"type": "function", "function": {"name": "other", "description": "",
                                          "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "snake", "description": "",
                                          "parameters": {"type": "object"}}}]
    assert out["tool_choice"] == "required"
    assert (out["temperature"], out["top_p"], out["top_k"], out["max_tokens"],
            out["stop"]) == (0.1, 0.5, 3, 99, ["X"])
    assert out["response_format"] == {"type": "json_object"}


def test_gemini_snake_case_and_schemas() -> None:
    out = gemini({
        "system_instruction": {"parts": [{"text": "S"}]},
        "contents": [{"parts": [{"inline_data": {"mime_type": "image/jpeg", "data": "/9j/"}}]}],
        "generation_config": {"max_output_tokens": 5,
                              "response_json_schema": {"type": "object"}},
        "tool_config": {"function_calling_config": {"mode": "ANY",
                                                    "allowed_function_names": ["f"]}},
        "tools": [{"functionDeclarations": [{"name": "f"}]}]})
    assert out["messages"] == [{"role": "system", "content": "S"}, {"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}}]}]
    assert out["max_tokens"] == 5
    assert out["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "response", "schema": {"type": "object"}}}
    assert out["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert out["tools"] == [{"type": "function", "function": {"name": "f", "description": ""}}]
    schema = gemini({"contents": [], "generationConfig": {
        "responseSchema": {"type": "OBJECT", "properties": {"a": {"type": "INTEGER"}}}}})
    assert schema["response_format"]["json_schema"]["schema"] == {
        "type": "object", "properties": {"a": {"type": "integer"}}}
