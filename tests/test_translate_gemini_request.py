"""Requests into Gemini: openai, openai-response, claude and gemini clients (§2, §9).

Worked examples A, B and M of translators.md §10 are asserted in their resolved form
(see each test); the rest are tables, one row per fidelity rule.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from google.genai import types as gtypes

from cliproxy_tui.translate import get_pair

OPENAI = get_pair("openai", "gemini")
RESPONSES = get_pair("openai-response", "gemini")
CLAUDE = get_pair("claude", "gemini")
GEMINI = get_pair("gemini", "gemini")


def translate(pair: Any, body: dict[str, Any], model: str = "gemini-2.5-flash") -> dict[str, Any]:
    """Translate, check the input was not mutated and that google-genai accepts the shape."""
    before = copy.deepcopy(body)
    out = pair.request(model, body, False)
    assert body == before, "the client body must not be mutated"
    assert "model" not in out  # the model travels in the URL
    # google-genai's own Content type must accept every content we build
    for content in out.get("contents", []):
        gtypes.Content.model_validate(content)
        assert content["role"] in ("user", "model") and content["parts"]
    if "system_instruction" in out:
        gtypes.Content.model_validate(out["system_instruction"])
    for tool in out.get("tools", []):
        gtypes.Tool.model_validate(tool)
    if "toolConfig" in out:
        gtypes.ToolConfig.model_validate(out["toolConfig"])
    # (the REST API's generationConfig.imageConfig is not in the SDK's model)
    gtypes.GenerationConfig.model_validate(
        {k: v for k, v in out["generationConfig"].items() if k != "imageConfig"})
    assert set(out) <= {"contents", "generationConfig", "system_instruction", "tools",
                        "toolConfig"}
    return out


# ---------------------------------------------------------------------------
# §10 worked examples
# ---------------------------------------------------------------------------


def test_example_a_openai_request() -> None:
    body = {"model": "gemini-2.5-pro", "reasoning_effort": "low", "temperature": 0.2,
            "max_tokens": 100,
            "messages": [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": [
                             {"type": "text", "text": "What is this?"},
                             {"type": "image_url",
                              "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}],
            "tools": [{"type": "function", "function": {
                "name": "lookup",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}]}
    # resolved form: §9 #15 carries max_tokens; no top-level "model" (it is in the URL)
    assert translate(OPENAI, body, "gemini-2.5-pro") == {
        "contents": [{"role": "user", "parts": [
            {"text": "What is this?"},
            {"inlineData": {"mime_type": "image/png", "data": "iVBORw0KGgo="}}]}],
        "generationConfig": {"thinkingConfig": {"include_thoughts": True, "thinkingBudget": 1024},
                             "temperature": 0.2, "maxOutputTokens": 100},
        "system_instruction": {"role": "user", "parts": [{"text": "Be brief."}]},
        "tools": [{"functionDeclarations": [{
            "name": "lookup",
            "parametersJsonSchema": {"type": "object", "properties": {"q": {"type": "string"}}}}]}],
    }


def test_example_b_openai_tool_history() -> None:
    body = {"messages": [
        {"role": "user", "content": "look x up"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "lookup", "arguments": "{\"q\":\"x\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "42"}]}
    # resolved form: the function response travels in a "user" content (Gemini rejects
    # the "tool" role upstream uses)
    assert translate(OPENAI, body)["contents"][1:] == [
        {"role": "model", "parts": [{"functionCall": {"name": "lookup", "args": {"q": "x"}}}]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "lookup", "response": {"result": "42"}}}]}]


def test_example_m_claude_request() -> None:
    body = {"model": "gemini-2.5-pro", "max_tokens": 1024, "stream": True,
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": [
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "get_weather-1761640000000000000",
                     "name": "get_weather", "input": {"city": "Paris"}}]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "get_weather-1761640000000000000",
                     "content": "18C"}]}],
            "tools": [{"name": "get_weather", "description": "Weather by city",
                       "input_schema": {"type": "object",
                                        "properties": {"city": {"type": "string"}},
                                        "required": ["city"]}}],
            "thinking": {"type": "enabled", "budget_tokens": 2048}, "temperature": 0.2,
            "stop_sequences": ["END"]}
    # resolved form: max_tokens (§9 #15), stop sequences and the thinking budget are carried
    assert translate(CLAUDE, body, "gemini-2.5-pro") == {
        "contents": [
            {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
            {"role": "model", "parts": [
                {"text": "Checking."},
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
            {"role": "user", "parts": [{"functionResponse": {
                "name": "get_weather", "response": {"result": "18C"}}}]}],
        "generationConfig": {"thinkingConfig": {"include_thoughts": True, "thinkingBudget": 2048},
                             "temperature": 0.2, "maxOutputTokens": 1024,
                             "stopSequences": ["END"]},
        "system_instruction": {"role": "user", "parts": [{"text": "Be brief."}]},
        "tools": [{"functionDeclarations": [{
            "name": "get_weather", "description": "Weather by city",
            "parametersJsonSchema": {"type": "object", "properties": {"city": {"type": "string"}},
                                     "required": ["city"]}}]}],
    }


# ---------------------------------------------------------------------------
# openai → gemini (§2.1)
# ---------------------------------------------------------------------------


def _msgs(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "hi"}, *messages], **extra}


@pytest.mark.parametrize(("effort", "model", "thinking"), [
    (None, "gemini-2.5-flash", {"include_thoughts": True, "thinkingBudget": -1}),
    ("auto", "gemini-2.5-flash", {"include_thoughts": True, "thinkingBudget": -1}),
    ("low", "gemini-2.5-flash", {"include_thoughts": True, "thinkingBudget": 1024}),
    ("medium", "gemini-2.5-flash", {"include_thoughts": True, "thinkingBudget": 8192}),
    ("high", "gemini-2.5-flash", {"include_thoughts": True, "thinkingBudget": 24576}),
    ("none", "gemini-2.5-flash", {"thinkingBudget": 0}),
    # 2.5 Pro cannot turn thinking off: its smallest budget
    ("none", "gemini-2.5-pro", {"thinkingBudget": 128}),
])
def test_openai_reasoning_effort(effort: str | None, model: str, thinking: dict) -> None:
    body = _msgs(reasoning_effort=effort) if effort else _msgs()
    assert translate(OPENAI, body, model)["generationConfig"]["thinkingConfig"] == thinking


@pytest.mark.parametrize(("extra", "expected"), [
    ({"temperature": 0.5, "top_p": 0.9, "top_k": 40},
     {"temperature": 0.5, "topP": 0.9, "topK": 40}),
    ({"temperature": "hot"}, {}),
    ({"max_tokens": 50}, {"maxOutputTokens": 50}),
    ({"max_completion_tokens": 70, "max_tokens": 50}, {"maxOutputTokens": 70}),
    ({"stop": "END"}, {"stopSequences": ["END"]}),
    ({"stop": ["a", "b"]}, {"stopSequences": ["a", "b"]}),
    ({"seed": 7}, {"seed": 7}),
    ({"modalities": ["text", "image"]}, {"responseModalities": ["TEXT", "IMAGE"]}),
    ({"image_config": {"aspect_ratio": "16:9"}}, {"imageConfig": {"aspectRatio": "16:9"}}),
    ({"response_format": {"type": "json_object"}}, {"responseMimeType": "application/json"}),
    ({"response_format": {"type": "json_schema", "json_schema": {
        "name": "x", "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}}},
     {"responseMimeType": "application/json",
      "responseJsonSchema": {"type": "object", "properties": {"a": {"type": "integer"}}}}),
    ({"response_format": {"type": "text"}}, {}),
])
def test_openai_generation_parameters(extra: dict, expected: dict) -> None:
    gen = translate(OPENAI, _msgs(**extra))["generationConfig"]
    gen.pop("thinkingConfig")
    assert gen == expected


def test_openai_system_and_developer_messages() -> None:
    body = {"messages": [
        {"role": "system", "content": "one"},
        {"role": "developer", "content": [{"type": "text", "text": "two"}]},  # §9 #19
        {"role": "user", "content": "hi"}]}
    out = translate(OPENAI, body)
    assert out["system_instruction"]["parts"] == [{"text": "one"}, {"text": "two"}]
    assert out["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    # a lone system message is the prompt itself
    only = translate(OPENAI, {"messages": [{"role": "system", "content": "alone"}]})
    assert only["contents"] == [{"role": "user", "parts": [{"text": "alone"}]}]
    assert "system_instruction" not in only


def test_openai_content_parts() -> None:
    body = {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png?x=1"}},
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        {"type": "file", "file": {"filename": "doc.pdf", "file_data": "JVBERi0="}},
        {"type": "file", "file": {"filename": "a.bin",
                                  "file_data": "data:application/pdf;base64,JVBERi0="}},
        {"type": "file", "file": {"filename": "unknown.xyz", "file_data": "AAAA"}},
        {"type": "refusal", "refusal": "no"}]}]}
    assert translate(OPENAI, body)["contents"][0]["parts"] == [
        {"text": "look"},
        {"fileData": {"file_uri": "https://example.com/cat.png?x=1", "mime_type": "image/png"}},
        {"inlineData": {"mime_type": "audio/wav", "data": "UklGRg=="}},
        {"inlineData": {"mime_type": "application/pdf", "data": "JVBERi0="}},
        {"inlineData": {"mime_type": "application/pdf", "data": "JVBERi0="}},
    ]


def test_openai_empty_user_and_unknown_roles_are_skipped() -> None:
    out = translate(OPENAI, {"messages": [{"role": "user", "content": None},
                                          {"role": "function", "content": "x"},
                                          {"role": "user", "content": "hi"}]})
    assert out["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]


def test_openai_assistant_text_and_parallel_tool_calls() -> None:
    body = _msgs(
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "f", "arguments": ""}},
            {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{bad"}}]},
        {"role": "tool", "tool_call_id": "b", "content": "line1\nline \"2\""},
        {"role": "tool", "tool_call_id": "a",
         "content": [{"type": "text", "text": "{\"ok\": true}"}]},
        {"role": "assistant", "content": "done"})
    out = translate(OPENAI, body)
    # §9 #3 text kept with the calls; §9 #18 args parsed ({} when empty/invalid), results
    # JSON-encoded (newlines and quotes survive), array content joined
    assert out["contents"][1:] == [
        {"role": "model", "parts": [{"text": "Let me check."},
                                    {"functionCall": {"name": "f", "args": {}}},
                                    {"functionCall": {"name": "g", "args": {}}}]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "f", "response": {"result": {"ok": True}}}},
            {"functionResponse": {"name": "g", "response": {"result": "line1\nline \"2\""}}}]},
        {"role": "model", "parts": [{"text": "done"}]}]


def test_openai_missing_tool_result_still_answers_the_call() -> None:
    body = _msgs({"role": "assistant", "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]})
    assert translate(OPENAI, body)["contents"][-1] == {"role": "user", "parts": [
        {"functionResponse": {"name": "f", "response": {"result": {}}}}]}


def test_openai_tools_and_tool_choice() -> None:
    body = _msgs(tools=[
        {"type": "function", "function": {"name": "noargs", "description": "d",
                                          "strict": True}},
        {"type": "function", "function": {"name": "withargs", "parameters": {
            "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "properties": {"u": {"type": "string", "format": "uri"}}}}},
        {"type": "web_search"}],
        tool_choice={"type": "function", "function": {"name": "withargs"}})
    out = translate(OPENAI, body)
    # §9 #17: tools without parameters kept, only name/description/schema copied
    assert out["tools"] == [{"functionDeclarations": [
        {"name": "noargs", "description": "d",
         "parametersJsonSchema": {"type": "object", "properties": {}}},
        {"name": "withargs", "parametersJsonSchema": {
            "type": "object", "properties": {"u": {"type": "string"}}}}]}]
    assert out["toolConfig"] == {"functionCallingConfig": {
        "mode": "ANY", "allowedFunctionNames": ["withargs"]}}


@pytest.mark.parametrize(("choice", "mode"), [("auto", "AUTO"), ("none", "NONE"),
                                              ("required", "ANY")])
def test_openai_tool_choice_strings(choice: str, mode: str) -> None:
    body = _msgs(tools=[{"type": "function", "function": {"name": "f"}}], tool_choice=choice)
    assert translate(OPENAI, body)["toolConfig"] == {"functionCallingConfig": {"mode": mode}}


def test_openai_tool_choice_without_tools_is_not_sent() -> None:
    assert "toolConfig" not in translate(OPENAI, _msgs(tool_choice="required"))


# ---------------------------------------------------------------------------
# openai-response → gemini (§2.2)
# ---------------------------------------------------------------------------


def test_responses_string_input_and_instructions() -> None:
    out = translate(RESPONSES, {"model": "m", "instructions": "Be terse.", "input": "hi"})
    assert out["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]  # §9 #5
    assert out["system_instruction"] == {"role": "user", "parts": [{"text": "Be terse."}]}
    assert out["generationConfig"] == {"thinkingConfig": {"include_thoughts": True}}


def test_responses_messages_roles_and_content_forms() -> None:
    body = {"input": [
        {"role": "developer", "content": "dev rules"},  # §9 #19
        {"type": "message", "role": "system",
         "content": [{"type": "input_text", "text": "sys rules"}]},
        {"role": "user", "content": "plain string"},  # §9 #20
        {"role": "user", "content": [
            {"type": "input_text", "text": "see"},
            {"type": "input_image", "image_url": "data:image/jpeg;base64,/9j/"},
            {"type": "input_file", "filename": "r.pdf",
             "file_data": "data:application/pdf;base64,JVBE"}]},
        {"role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}]}
    out = translate(RESPONSES, body)
    assert out["system_instruction"]["parts"] == [{"text": "dev rules"}, {"text": "sys rules"}]
    assert out["contents"] == [
        {"role": "user", "parts": [{"text": "plain string"}]},
        {"role": "user", "parts": [
            {"text": "see"}, {"inlineData": {"mime_type": "image/jpeg", "data": "/9j/"}},
            {"inlineData": {"mime_type": "application/pdf", "data": "JVBE"}}]},
        {"role": "model", "parts": [{"text": "ok"}]}]


def test_responses_function_calls_grouped_per_turn() -> None:
    body = {"input": [
        {"role": "user", "content": "go"},
        {"type": "reasoning", "summary": [], "encrypted_content": "opaque"},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{\"a\":1}"},
        {"type": "function_call", "call_id": "c2", "name": "g", "arguments": ""},
        {"type": "function_call_output", "call_id": "c1", "output": "{\"r\":2}"},
        {"type": "function_call_output", "call_id": "c2", "output": "plain"},
        {"type": "function_call_output", "call_id": "zz", "output": "orphan"}]}
    assert translate(RESPONSES, body)["contents"][1:] == [
        {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"a": 1}}},
                                    {"functionCall": {"name": "g", "args": {}}}]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "f", "response": {"name": "f", "content": {"r": 2}}}},
            {"functionResponse": {"name": "g", "response": {"name": "g", "content": "plain"}}},
            {"functionResponse": {"name": "unknown",
                                  "response": {"name": "unknown", "content": "orphan"}}}]}]


def test_responses_parameters_tools_and_choice() -> None:
    body = {"input": "hi", "temperature": 0.3, "top_p": 0.8, "max_output_tokens": 200,
            "reasoning": {"effort": "minimal"},
            "text": {"format": {"type": "json_schema", "name": "o",
                                "schema": {"type": "object"}}},
            "tools": [{"type": "function", "name": "f", "description": "d",
                       "parameters": {"type": "object",
                                      "properties": {"x": {"type": "string"}}}},
                      {"type": "function", "name": "bare"},
                      {"type": "web_search_preview"}],
            "tool_choice": {"type": "function", "name": "f"}}
    out = translate(RESPONSES, body)
    # max_output_tokens merges into generationConfig (upstream replaced it, losing thinking)
    assert out["generationConfig"] == {
        "thinkingConfig": {"include_thoughts": True, "thinkingBudget": 1024},
        "temperature": 0.3, "topP": 0.8, "maxOutputTokens": 200,
        "responseMimeType": "application/json", "responseJsonSchema": {"type": "object"}}
    # JSON-schema types stay lower-case: parametersJsonSchema is JSON Schema
    assert out["tools"] == [{"functionDeclarations": [
        {"name": "f", "description": "d",
         "parametersJsonSchema": {"type": "object", "properties": {"x": {"type": "string"}}}},
        {"name": "bare", "parametersJsonSchema": {"type": "object", "properties": {}}}]}]
    assert out["toolConfig"] == {"functionCallingConfig": {"mode": "ANY",
                                                           "allowedFunctionNames": ["f"]}}


@pytest.mark.parametrize(("effort", "thinking"), [
    ("none", {"include_thoughts": False, "thinkingBudget": 0}),
    ("low", {"include_thoughts": True, "thinkingBudget": 4096}),
    ("high", {"include_thoughts": True, "thinkingBudget": 24576}),
])
def test_responses_reasoning_effort(effort: str, thinking: dict) -> None:
    out = translate(RESPONSES, {"input": "hi", "reasoning": {"effort": effort}})
    assert out["generationConfig"]["thinkingConfig"] == thinking


# ---------------------------------------------------------------------------
# claude → gemini (§2.3)
# ---------------------------------------------------------------------------


def _claude(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"max_tokens": 100, "messages": list(messages), **extra}


def test_claude_string_system_and_blocks() -> None:
    out = translate(CLAUDE, _claude({"role": "user", "content": "hi"}, system="Be nice."))
    assert out["system_instruction"] == {"role": "user", "parts": [{"text": "Be nice."}]}  # #4


def test_claude_images_documents_and_empty_turns() -> None:
    body = _claude(
        {"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/webp",
                                         "data": "UklG"}},
            {"type": "image", "source": {"type": "url", "url": "https://x.test/a.jpg"}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": "JVBE"}},
            {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                            "data": "notes"}}]},
        {"role": "assistant", "content": [{"type": "redacted_thinking", "data": "x"}]},
        {"role": "user", "content": [{"type": "text", "text": ""}]},
        {"role": "user", "content": "next"})
    # §9 #28: media mapped, turns left empty are skipped
    assert translate(CLAUDE, body)["contents"] == [
        {"role": "user", "parts": [
            {"inlineData": {"mime_type": "image/webp", "data": "UklG"}},
            {"fileData": {"file_uri": "https://x.test/a.jpg", "mime_type": "image/jpeg"}},
            {"inlineData": {"mime_type": "application/pdf", "data": "JVBE"}},
            {"text": "notes"}]},
        {"role": "user", "parts": [{"text": "next"}]}]


def test_claude_tool_results_names_and_content() -> None:
    body = _claude(
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_01ABC", "name": "read_file", "input": {"p": "a"}},
            {"type": "tool_use", "id": "shot-1761640000000000000", "name": "shot",
             "input": {}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01ABC", "content": [
                {"type": "text", "text": "line 1"}, {"type": "text", "text": "line 2"}]},
            {"type": "tool_result", "tool_use_id": "shot-1761640000000000000", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": "iVBO"}}]},
            {"type": "tool_result", "tool_use_id": "lost-1761640000000000001",
             "content": "x"}]})
    assert translate(CLAUDE, body)["contents"][2] == {"role": "user", "parts": [
        # the name comes from the tool_use with that id, even for genuine toolu_ ids
        {"functionResponse": {"name": "read_file", "response": {"result": "line 1\nline 2"}}},
        {"functionResponse": {"name": "shot", "response": {"result": ""}}},
        {"inlineData": {"mime_type": "image/png", "data": "iVBO"}},
        # no tool_use in the history: the <name>-<nanos> id still names it
        {"functionResponse": {"name": "lost", "response": {"result": "x"}}}]}


def test_claude_thinking_signature_goes_back_on_the_next_part() -> None:
    body = _claude(
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "SIG1"},
            {"type": "tool_use", "id": "f-1", "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "f-1",
                                      "content": "ok"}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "answer"},
            {"type": "thinking", "thinking": "", "signature": "SIG2"}]})
    contents = translate(CLAUDE, body)["contents"]
    assert contents[1] == {"role": "model", "parts": [
        {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "SIG1"}]}
    assert contents[3] == {"role": "model", "parts": [
        {"text": "answer", "thoughtSignature": "SIG2"}]}


@pytest.mark.parametrize(("extra", "thinking"), [
    ({}, {"include_thoughts": True, "thinkingBudget": -1}),
    ({"thinking": {"type": "enabled", "budget_tokens": 5000}},
     {"include_thoughts": True, "thinkingBudget": 5000}),
    ({"reasoning_effort": "high", "thinking": {"type": "enabled", "budget_tokens": 5000}},
     {"include_thoughts": True, "thinkingBudget": 24576}),
    ({"reasoning_effort": "none"}, {"include_thoughts": False, "thinkingBudget": 0}),
    ({"thinking": {"type": "disabled"}}, {"include_thoughts": False, "thinkingBudget": 0}),
])
def test_claude_thinking(extra: dict, thinking: dict) -> None:
    body = _claude({"role": "user", "content": "hi"}, **extra)
    assert translate(CLAUDE, body)["generationConfig"]["thinkingConfig"] == thinking


def test_claude_parameters_tools_and_choice() -> None:
    body = _claude({"role": "user", "content": "hi"}, temperature=1, top_p=0.5, top_k=5,
                   stop_sequences=["X"], tool_choice={"type": "any"},
                   tools=[{"name": "t", "description": "d", "cache_control": {"type": "ephemeral"},
                           "input_schema": {"type": "object", "properties": {
                               "url": {"type": "string", "format": "uri"}}}},
                          {"type": "web_search_20250305", "name": "web_search"}])
    out = translate(CLAUDE, body)
    gen = out["generationConfig"]
    gen.pop("thinkingConfig")
    assert gen == {"temperature": 1, "topP": 0.5, "topK": 5, "maxOutputTokens": 100,
                   "stopSequences": ["X"]}
    # only the declaration keys Gemini knows; "format":"uri" dropped as upstream does
    assert out["tools"] == [{"functionDeclarations": [{
        "name": "t", "description": "d",
        "parametersJsonSchema": {"type": "object", "properties": {"url": {"type": "string"}}}}]}]
    assert out["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}


# ---------------------------------------------------------------------------
# gemini → gemini normalisation (§2.4, §2.5, §9 #27, #34)
# ---------------------------------------------------------------------------


def test_gemini_roles_are_normalised() -> None:
    body = {"contents": [
        {"parts": [{"text": "hi"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {}}}]},
        {"role": "function", "parts": [{"functionResponse": {"name": "f", "response": {}}}]},
        {"role": "tool", "parts": [{"text": "odd"}]},
        {"role": "user", "parts": [{"text": "more"}]}]}
    before = copy.deepcopy(body)
    out = GEMINI.request("gemini-2.5-flash", body, False)
    assert body == before
    assert [c["role"] for c in out["contents"]] == ["user", "model", "user", "model", "user"]


def test_gemini_snake_case_parameters_renamed_camel_untouched() -> None:
    schema = {"type": "object", "properties": {}}
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "tools": [
        {"function_declarations": [{"name": "a", "parameters": schema},
                                   {"name": "b", "parametersJsonSchema": schema}]},
        {"functionDeclarations": [{"name": "c", "parameters": {"type": "OBJECT"}}]}]}
    out = GEMINI.request("gemini-2.5-flash", body, False)
    assert out["tools"] == [
        {"function_declarations": [{"name": "a", "parametersJsonSchema": schema},
                                   {"name": "b", "parametersJsonSchema": schema}]},
        {"functionDeclarations": [{"name": "c", "parameters": {"type": "OBJECT"}}]}]
    assert body["tools"][0]["function_declarations"][0] == {"name": "a", "parameters": schema}


def test_gemini_clean_body_is_returned_as_is() -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
            "systemInstruction": {"parts": [{"text": "s"}]}}
    assert GEMINI.request("gemini-2.5-flash", body, False) is body
