"""Requests into Claude from OpenAI chat, Responses and Gemini clients (translators.md §3.1).

Every translated body is checked against the Claude API's own rules (the anthropic SDK's
``MessageCreateParams`` shape plus the constraints the API enforces), so a shape mistake
fails here rather than at Anthropic.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cliproxy_tui.translate import get_pair
from cliproxy_tui.translate.claude_blocks import (
    REDACTED_MARK,
    SIGNATURE_MARK,
    gemini_signature,
    pack_signature,
    unpack_thinking,
)
from cliproxy_tui.translate.claude_request import (
    gemini_to_claude,
    openai_to_claude,
    responses_to_claude,
)

MODEL = "claude-sonnet-4-5"
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}},
                  "required": ["city"]}


def assert_valid_claude(body: dict[str, Any]) -> None:
    """The constraints Anthropic enforces that upstream's translations broke."""
    assert isinstance(body["max_tokens"], int) and body["max_tokens"] > 0
    assert body["metadata"]["user_id"].startswith("user_")
    for msg in body["messages"]:
        assert msg["role"] in ("user", "assistant")
        assert msg["content"], "Claude rejects messages without content"
        for block in msg["content"]:
            if block["type"] == "text":
                assert block["text"], "Claude rejects empty text blocks"
            if msg["role"] == "assistant":
                assert block["type"] in ("text", "tool_use", "thinking", "redacted_thinking")
        results = [b["type"] == "tool_result" for b in msg["content"]]
        if any(results):  # results come first in their turn
            assert results == sorted(results, reverse=True)
    for tool in body.get("tools", ()):
        assert tool["name"] and tool["input_schema"]["type"] == "object"
    if "tool_choice" in body:
        assert body.get("tools")
    thinking = body.get("thinking")
    if thinking and thinking["type"] == "enabled":
        assert 1024 <= thinking["budget_tokens"] < body["max_tokens"]
        assert "temperature" not in body and "top_k" not in body
    if "temperature" in body:
        assert 0 <= body["temperature"] <= 1


def translate(client: str, body: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    pair = get_pair(client, "claude")
    assert pair is not None
    before = copy.deepcopy(body)
    out = pair.request(MODEL, body, stream)
    assert body == before, "the client body must not be mutated"
    assert_valid_claude(out)
    return out


# ---------------------------------------------------------------------------
# openai → claude
# ---------------------------------------------------------------------------

EXAMPLE_I = {
    "model": MODEL, "stream": True, "max_tokens": 4096,
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [
            {"type": "text", "text": "Weather?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"}],
    "tools": [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather by city", "parameters": WEATHER_SCHEMA}}],
    "tool_choice": "auto", "reasoning_effort": "low"}


def test_example_i_openai_request():
    out = translate("openai", EXAMPLE_I, stream=True)
    assert out["model"] == MODEL and out["max_tokens"] == 4096 and out["stream"] is True
    # decision: the system prompt goes to Claude's system field (our executor keeps it)
    assert out["system"] == [{"type": "text", "text": "Be brief."}]
    assert out["messages"] == [
        {"role": "user", "content": [
            {"type": "text", "text": "Weather?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": "iVBORw0KGgo="}}]},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "call_1", "name": "get_weather",
             "input": {"city": "Paris"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"}]}]
    assert out["tools"] == [{"name": "get_weather", "description": "Weather by city",
                             "input_schema": WEATHER_SCHEMA}]
    assert out["tool_choice"] == {"type": "auto"}
    # Example I asks for thinking, but its last assistant turn used a tool without a
    # (signed) thinking block, which Claude rejects while thinking is on: left off.
    assert "thinking" not in out


def test_example_i_thinking_without_the_tool_turn():
    body = {**EXAMPLE_I, "messages": EXAMPLE_I["messages"][:2]}
    assert translate("openai", body)["thinking"] == {"type": "enabled", "budget_tokens": 1024}


@pytest.mark.parametrize(("effort", "max_tokens", "expected"), [
    ("low", 32000, {"type": "enabled", "budget_tokens": 1024}),
    ("medium", 32000, {"type": "enabled", "budget_tokens": 8192}),
    ("high", 32000, {"type": "enabled", "budget_tokens": 24576}),
    ("minimal", 32000, {"type": "enabled", "budget_tokens": 1024}),
    ("none", 32000, {"type": "disabled"}),
    ("high", 4096, {"type": "enabled", "budget_tokens": 4095}),  # budget < max_tokens
    ("low", 1024, None),  # no valid budget fits: thinking stays off
    (None, 32000, None),
])
def test_reasoning_effort_to_thinking(effort, max_tokens, expected):
    body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": max_tokens,
            "temperature": 0.3}
    if effort:
        body["reasoning_effort"] = effort
    out = translate("openai", body)
    assert out.get("thinking") == expected
    if expected and expected["type"] == "enabled":
        assert "temperature" not in out  # Claude refuses sampling overrides while thinking
    else:
        assert out["temperature"] == 0.3


@pytest.mark.parametrize(("body", "expected"), [
    ({}, {"max_tokens": 32000}),
    ({"max_tokens": 100}, {"max_tokens": 100}),
    ({"max_completion_tokens": 200, "max_tokens": 100}, {"max_tokens": 200}),
    ({"temperature": 0.5, "top_p": 0.9}, {"temperature": 0.5, "top_p": 0.9}),
    ({"temperature": 1.7}, {"temperature": 1.0}),
    ({"stop": "END"}, {"stop_sequences": ["END"]}),
    ({"stop": ["A", "B", " ", ""]}, {"stop_sequences": ["A", "B"]}),
])
def test_openai_generation_parameters(body, expected):
    out = translate("openai", {"messages": [{"role": "user", "content": "hi"}], **body})
    for key, value in expected.items():
        assert out[key] == value
    for absent in ("response_format", "n", "seed", "top_k"):
        assert absent not in out


@pytest.mark.parametrize(("choice", "parallel", "expected"), [
    ("auto", None, {"type": "auto"}),
    ("required", None, {"type": "any"}),
    ("none", None, {"type": "none"}),
    ({"type": "function", "function": {"name": "get_weather"}}, None,
     {"type": "tool", "name": "get_weather"}),
    (None, None, None),
    (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
    ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
])
def test_openai_tool_choice(choice, parallel, expected):
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}],
                            "tools": EXAMPLE_I["tools"]}
    if choice is not None:
        body["tool_choice"] = choice
    if parallel is not None:
        body["parallel_tool_calls"] = parallel
    assert translate("openai", body).get("tool_choice") == expected


def test_tool_choice_without_tools_is_not_sent():
    out = translate("openai", {"messages": [{"role": "user", "content": "hi"}],
                               "tool_choice": "required"})
    assert "tool_choice" not in out and "tools" not in out


def test_openai_tools_defaults_and_non_function_tools():
    out = translate("openai", {"messages": [{"role": "user", "content": "hi"}], "tools": [
        {"type": "function", "function": {"name": "now"}},  # no parameters
        {"type": "function", "function": {"name": "s", "parametersJsonSchema": WEATHER_SCHEMA}},
        {"type": "function", "function": {"name": "c", "parameters": {"properties": {}}},
         "cache_control": {"type": "ephemeral"}},
        {"type": "web_search"}]})
    assert out["tools"] == [
        {"name": "now", "description": "", "input_schema": {"type": "object", "properties": {}}},
        {"name": "s", "description": "", "input_schema": WEATHER_SCHEMA},
        {"name": "c", "description": "", "input_schema": {"type": "object", "properties": {}},
         "cache_control": {"type": "ephemeral"}}]


def test_openai_roles_developer_and_mid_conversation_system():
    out = translate("openai", {"messages": [
        {"role": "developer", "content": [{"type": "text", "text": "Rules."}]},
        {"role": "system", "content": "More rules."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "system", "content": "Now be formal."},
        {"role": "function", "name": "legacy", "content": "x"},
        {"role": "user", "content": ""}]})
    assert out["system"] == [{"type": "text", "text": "Rules."},
                             {"type": "text", "text": "More rules."}]
    assert out["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
        {"role": "user", "content": [{"type": "text", "text": "Now be formal."}]}]


def test_openai_content_parts_images_and_files():
    out = translate("openai", {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "look", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": ""},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": "data:image/jpeg;base64,/9j/"},
        {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"}},
        {"type": "file", "file": {"filename": "notes.txt", "file_data": "aGVsbG8="}},
        {"type": "file", "file": {"file_id": "file-123"}},
        {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}]}]})
    assert out["messages"][0]["content"] == [
        {"type": "text", "text": "look", "cache_control": {"type": "ephemeral"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                     "data": "/9j/"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                        "data": "JVBE"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                        "data": "hello"}}]


def test_openai_parallel_tool_calls_and_results_share_turns():
    out = translate("openai", {"messages": [
        {"role": "user", "content": "both"},
        {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "call_a", "type": "function",
             "function": {"name": "f", "arguments": "{\"x\":1}"}},
            {"id": "call.b/2", "type": "function", "function": {"name": "g", "arguments": "oops"}},
            {"type": "function", "function": {"name": "h", "arguments": ""}}]},
        {"role": "tool", "tool_call_id": "call_a", "content": [
            {"type": "text", "text": "one"}, {"type": "text", "text": "two"}]},
        {"role": "tool", "tool_call_id": "call.b/2", "content": ""},
        {"role": "user", "content": "thanks"}]})
    assistant = out["messages"][1]["content"]
    assert assistant[0] == {"type": "text", "text": "Checking."}
    assert [b["input"] for b in assistant[1:]] == [{"x": 1}, {}, {}]
    assert assistant[2]["id"] == "call_b_2"  # Claude's id alphabet, same for the result
    assert assistant[3]["id"].startswith("toolu_") and len(assistant[3]["id"]) == 30
    results = out["messages"][2]["content"]
    assert results == [  # §9 #29: text blocks joined, not raw JSON
        {"type": "tool_result", "tool_use_id": "call_a", "content": "one\ntwo"},
        {"type": "tool_result", "tool_use_id": "call_b_2"}]
    assert out["messages"][3] == {"role": "user", "content": [{"type": "text", "text": "thanks"}]}


def test_openai_tool_result_with_image_keeps_blocks():
    out = translate("openai", {"messages": [
        {"role": "assistant", "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "shot", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c", "content": [
            {"type": "text", "text": "see"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]})
    assert out["messages"][1]["content"][0]["content"] == [
        {"type": "text", "text": "see"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}]


def test_openai_legacy_functions():
    out = translate("openai", {"messages": [{"role": "user", "content": "hi"}],
                               "functions": [{"name": "f", "parameters": WEATHER_SCHEMA}],
                               "function_call": {"name": "f"}})
    assert out["tools"][0]["name"] == "f"
    assert out["tool_choice"] == {"type": "tool", "name": "f"}


def test_forced_tool_use_turns_thinking_off():
    out = translate("openai", {"messages": [{"role": "user", "content": "hi"}],
                               "tools": EXAMPLE_I["tools"], "tool_choice": "required",
                               "reasoning_effort": "high"})
    assert out["tool_choice"] == {"type": "any"} and "thinking" not in out


def test_user_id_is_stable_per_translator():
    a = translate("openai", {"messages": [{"role": "user", "content": "hi"}]})
    b = translate("openai", {"messages": [{"role": "user", "content": "ho"}]})
    c = translate("openai-response", {"input": "hi"})
    assert a["metadata"] == b["metadata"]
    assert a["metadata"] != c["metadata"]


# ---------------------------------------------------------------------------
# openai-response → claude
# ---------------------------------------------------------------------------


def test_responses_string_input_and_instructions():
    out = translate("openai-response", {"instructions": "Be brief.", "input": "Say hi",
                                        "max_output_tokens": 256, "temperature": 0.4})
    assert out["system"] == [{"type": "text", "text": "Be brief."}]
    assert out["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Say hi"}]}]
    assert out["max_tokens"] == 256 and out["temperature"] == 0.4


def test_responses_items():
    out = translate("openai-response", {"input": [
        {"role": "developer", "content": "System via developer."},
        {"role": "user", "content": "short form"},  # §9 #20
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "look"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
            {"type": "input_image", "image_url": "https://x.test/a.png"},
            {"type": "input_file", "filename": "r.pdf", "file_data": "data:application/pdf;base64,JVBE"}]},
        {"type": "message", "role": "assistant", "content": [
            {"type": "output_text", "text": "Calling.", "annotations": []}]},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather",
         "arguments": "{\"city\":\"Paris\"}"},
        {"type": "function_call", "call_id": "call_2", "name": "get_weather", "arguments": "bad"},
        {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
        {"type": "function_call_output", "call_id": "call_2",
         "output": [{"type": "input_text", "text": "20C"}]},
        {"type": "item_reference", "id": "x"},
        {"type": "message", "role": "assistant", "content": "Done."}]})
    assert out["system"] == [{"type": "text", "text": "System via developer."}]
    msgs = out["messages"]
    assert msgs[0] == {"role": "user", "content": [{"type": "text", "text": "short form"}]}
    assert [b["type"] for b in msgs[1]["content"]] == ["text", "image", "image", "document"]
    assert msgs[1]["content"][2]["source"] == {"type": "url", "url": "https://x.test/a.png"}
    assert msgs[2] == {"role": "assistant", "content": [
        {"type": "text", "text": "Calling."},
        {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "call_2", "name": "get_weather", "input": {}}]}
    assert msgs[3] == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"},
        {"type": "tool_result", "tool_use_id": "call_2", "content": "20C"}]}
    assert msgs[4] == {"role": "assistant", "content": [{"type": "text", "text": "Done."}]}


def test_responses_tools_choice_and_reasoning():
    out = translate("openai-response", {
        "input": "hi", "reasoning": {"effort": "low"}, "parallel_tool_calls": False,
        "tools": [{"type": "function", "name": "get_weather", "parameters": WEATHER_SCHEMA,
                   "strict": True},
                  {"type": "web_search_preview"}],
        "tool_choice": "auto", "text": {"format": {"type": "json_object"}}})
    assert out["tools"] == [{"name": "get_weather", "description": "",
                             "input_schema": WEATHER_SCHEMA}]
    assert out["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert "text" not in out


def test_responses_tool_choice_object_reads_top_level_name():
    out = translate("openai-response", {
        "input": "hi", "tools": [{"type": "function", "name": "f"}],
        "tool_choice": {"type": "function", "name": "f"}})
    assert out["tool_choice"] == {"type": "tool", "name": "f"}


def test_responses_reasoning_items_round_trip_signatures():
    sig = "EqQBCkYIBxgCKkAbcd"
    out = translate("openai-response", {"reasoning": {"effort": "medium"}, "input": [
        {"role": "user", "content": "weather?"},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Think"}],
         "encrypted_content": pack_signature(sig)},
        {"type": "reasoning", "id": "rs_2", "summary": [],
         "encrypted_content": REDACTED_MARK + "opaque"},
        {"type": "reasoning", "id": "rs_3", "summary": [{"type": "summary_text", "text": "x"}],
         "encrypted_content": "gAAAAB-openai-encrypted"},  # not ours: never sent to Claude
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "18C"}],
        "tools": [{"type": "function", "name": "get_weather"}]})
    assert out["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "Think", "signature": sig},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "tool_use", "id": "c1", "name": "get_weather", "input": {}}]
    # the tool turn starts with signed thinking, so thinking can stay on
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 8192}


# ---------------------------------------------------------------------------
# gemini → claude
# ---------------------------------------------------------------------------


def test_gemini_request_like_example_m():
    out = translate("gemini", {
        "system_instruction": {"parts": [{"text": "Be brief."}, {"text": "Really."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
            {"role": "model", "parts": [
                {"text": "Checking."},
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
            {"role": "function", "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"result": "18C"}}}]}],
        "tools": [{"functionDeclarations": [{"name": "get_weather", "description": "Weather by city",
                                             "parameters": {"type": "OBJECT", "properties": {
                                                 "city": {"type": "STRING"}}}}]}],
        "generationConfig": {"temperature": 0.2, "topP": 0.8, "topK": 40,
                             "maxOutputTokens": 1024, "stopSequences": ["END"]}})
    assert out["system"] == [{"type": "text", "text": "Be brief.\nReally."}]
    call_id = out["messages"][1]["content"][1]["id"]
    assert call_id.startswith("toolu_")
    assert out["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": call_id, "name": "get_weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call_id, "content": "18C"}]}]
    assert out["tools"] == [{"name": "get_weather", "description": "Weather by city",
                             "input_schema": {"type": "object",
                                              "properties": {"city": {"type": "string"}},
                                              "additionalProperties": False,
                                              "$schema": "http://json-schema.org/draft-07/schema#"}}]
    assert (out["temperature"], out["top_p"], out["top_k"]) == (0.2, 0.8, 40)
    assert out["max_tokens"] == 1024 and out["stop_sequences"] == ["END"]


def test_gemini_snake_case_spellings_and_json_schema():  # §9 #27, #34
    out = translate("gemini", {
        "systemInstruction": {"parts": [{"text": "sys"}]},
        "contents": [{"role": "user", "parts": [
            {"text": "see"}, {"inline_data": {"mime_type": "image/png", "data": "AAAA"}},
            {"inlineData": {"mimeType": "application/pdf", "data": "JVBE"}},
            {"file_data": {"file_uri": "gs://b/x.mp4", "mime_type": "video/mp4"}}]}],
        "tools": [{"function_declarations": [
            {"name": "a", "parametersJsonSchema": WEATHER_SCHEMA},
            {"name": "b", "parameters_json_schema": WEATHER_SCHEMA},
            {"name": "c"}]}],
        "tool_config": {"function_calling_config": {"mode": "ANY",
                                                    "allowed_function_names": ["a"]}},
        "generation_config": {"max_output_tokens": 77}})
    assert out["system"] == [{"type": "text", "text": "sys"}]
    assert [b["type"] for b in out["messages"][0]["content"]] == [
        "text", "image", "document", "text"]
    assert out["messages"][0]["content"][3]["text"] == "File: gs://b/x.mp4 (Type: video/mp4)"
    assert [t["input_schema"]["properties"] for t in out["tools"]] == [
        WEATHER_SCHEMA["properties"], WEATHER_SCHEMA["properties"], {}]
    assert out["tool_choice"] == {"type": "tool", "name": "a"}
    assert out["max_tokens"] == 77


@pytest.mark.parametrize(("config", "expected"), [
    ({"includeThoughts": True, "thinkingBudget": 2048}, {"type": "enabled", "budget_tokens": 2048}),
    ({"include_thoughts": True, "thinkingBudget": -1}, {"type": "enabled", "budget_tokens": 8192}),
    ({"include_thoughts": True, "thinkingBudget": 100}, {"type": "enabled", "budget_tokens": 1024}),
    ({"include_thoughts": True, "thinkingBudget": 0}, {"type": "disabled"}),
    ({"thinkingBudget": 4096}, None),
])
def test_gemini_thinking_config(config, expected):
    out = translate("gemini", {"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                               "generationConfig": {"thinkingConfig": config}})
    assert out.get("thinking") == expected


def test_gemini_thoughts_and_function_ids():
    sig = gemini_signature("AAAA")
    assert sig is not None
    out = translate("gemini", {"contents": [
        {"role": "user", "parts": [{"text": "go"}]},
        {"role": "model", "parts": [
            {"text": "private thought", "thought": True},  # unsigned: never sent as text
            {"text": "signed thought", "thought": True, "thoughtSignature": sig},
            {"functionCall": {"id": "toolu_X", "name": "f", "args": {}}},
            {"functionCall": {"name": "g", "args": {"a": 1}}},
            {"functionCall": {"name": "f", "args": "not an object"}}]},
        {"role": "user", "parts": [
            {"text": "results:"},
            {"functionResponse": {"name": "g", "response": {"output": "G!"}}},
            {"functionResponse": {"id": "toolu_X", "name": "f", "response": {"result": {"n": 1}}}},
            {"functionResponse": {"name": "f", "response": {"result": "F2"}}}]}]})
    assistant = out["messages"][1]["content"]
    assert assistant[0] == {"type": "thinking", "thinking": "signed thought", "signature": "AAAA"}
    ids = [b["id"] for b in assistant[1:]]
    assert ids[0] == "toolu_X" and len(set(ids)) == 3
    results = out["messages"][2]["content"]
    # results first (Claude's rule), each paired with its own call
    assert [(b.get("tool_use_id"), b.get("content")) for b in results] == [
        (ids[1], '{"output":"G!"}'), ("toolu_X", '{"n":1}'), (ids[2], "F2"), (None, None)]
    assert results[3] == {"type": "text", "text": "results:"}


def test_gemini_empty_contents_are_skipped():  # §9 #28
    out = translate("gemini", {"contents": [
        {"role": "user", "parts": [{"text": "hi"}]},
        {"role": "model", "parts": [{"text": ""}]},
        {"role": "user", "parts": [{"inline_data": {"mime_type": "audio/wav", "data": "AA"}}]}]})
    assert out["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


# ---------------------------------------------------------------------------
# gemini-cli clients and signatures
# ---------------------------------------------------------------------------


def test_gemini_cli_envelope_reaches_the_gemini_pair():
    pair = get_pair("gemini-cli", "claude")
    assert pair is not None
    out = pair.request(MODEL, {"model": MODEL, "project": "p", "request": {
        "systemInstruction": {"parts": [{"text": "sys"}]},
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}]}}, True)
    assert out["system"] == [{"type": "text", "text": "sys"}]
    assert out["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert out["stream"] is True and "project" not in out


def test_signature_carriers():
    assert unpack_thinking(pack_signature("abc"), "t") == {
        "type": "thinking", "thinking": "t", "signature": "abc"}
    assert unpack_thinking(SIGNATURE_MARK, "t") is None
    assert unpack_thinking("foreign", "t") is None
    assert unpack_thinking(None, "t") is None
    assert gemini_signature("not base64!") is None
    assert gemini_signature("") is None


def test_direct_functions_match_the_registered_pairs():
    body = {"messages": [{"role": "user", "content": "hi"}]}
    assert openai_to_claude(MODEL, body, False)["messages"] == \
        translate("openai", body)["messages"]
    assert responses_to_claude(MODEL, {"input": "hi"}, False)["messages"] == \
        translate("openai-response", {"input": "hi"})["messages"]
    gbody = {"contents": [{"parts": [{"text": "hi"}]}]}
    assert gemini_to_claude(MODEL, gbody, False)["messages"] == \
        translate("gemini", gbody)["messages"]
