"""Gemini requests into the Codex backend (translators.md §3.3 "gemini → codex").

Both field spellings are read (§9 #27); calls get ``call_…`` ids (or the client's own
``id``) and each ``functionResponse`` is paired with the oldest open call of the same
function.
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from .codex_names import ToolNames, declared_tool_names
from .codex_request import (
    arguments_text,
    codex_body,
    codex_instructions,
    default_filename,
    function_tool,
    message_item,
    object_schema,
    system_prompt_text,
)
from .common import (
    data_url,
    gemini_declaration_schema,
    gemini_thinking_to_effort,
    gemini_tool_config_to_openai,
    lowercase_schema_types,
    new_call_id,
    pick,
    schema_without_dollar_schema,
)


def _gemini_system(system: Any) -> str | None:
    return system_prompt_text(system, system.get("parts") if isinstance(system, dict) else None)


def _gemini_media(part: dict[str, Any]) -> dict[str, Any] | None:
    inline = pick(part, "inlineData", "inline_data")
    if isinstance(inline, dict) and isinstance(inline.get("data"), str):
        mime = str(pick(inline, "mimeType", "mime_type") or "application/octet-stream")
        url = data_url(mime, inline["data"])
        if mime.startswith("image/"):
            return {"type": "input_image", "image_url": url}
        return {"type": "input_file", "filename": default_filename(mime), "file_data": url}
    ref = pick(part, "fileData", "file_data")
    uri = pick(ref, "fileUri", "file_uri")
    if isinstance(uri, str) and uri:
        mime = str(pick(ref, "mimeType", "mime_type") or "")
        if mime.startswith("image/"):
            return {"type": "input_image", "image_url": uri}
        return {"type": "input_file", "file_url": uri}
    return None


def _take_call_id(pending: list[tuple[str, str]], name: Any) -> str:
    """The id of the oldest unanswered call of that function (else the oldest one)."""
    for i, (called, call_id) in enumerate(pending):
        if called == name:
            del pending[i]
            return call_id
    return pending.pop(0)[1] if pending else new_call_id()


def _gemini_output(response: Any) -> str:
    if isinstance(response, str):
        return response
    if isinstance(response, dict):
        for key in ("result", "output", "content"):
            if isinstance(response.get(key), str):
                return response[key]
    return jsonfast.dumps_str(response if response is not None else {})


def _gemini_contents(contents: Any, names: ToolNames) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    pending: list[tuple[str, str]] = []
    for content in contents if isinstance(contents, list) else ():
        if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
            continue
        role = "assistant" if content.get("role") == "model" else "user"
        text_type = "output_text" if role == "assistant" else "input_text"
        parts: list[dict[str, Any]] = []
        for part in content["parts"]:
            if not isinstance(part, dict):
                continue
            call = pick(part, "functionCall", "function_call")
            answer = pick(part, "functionResponse", "function_response")
            if isinstance(part.get("text"), str):
                # earlier thoughts have no encrypted form to go back as: left out
                if part["text"] and not part.get("thought"):
                    parts.append({"type": text_type, "text": part["text"]})
            elif isinstance(call, dict):
                if parts:
                    items.append(message_item(role, parts))
                    parts = []
                given = call.get("id")
                call_id = given if isinstance(given, str) and given else new_call_id()
                pending.append((str(call.get("name") or ""), call_id))
                items.append({"type": "function_call", "call_id": call_id,
                              "name": names.short(call.get("name")),
                              "arguments": arguments_text(call.get("args"))})
            elif isinstance(answer, dict):
                if parts:
                    items.append(message_item(role, parts))
                    parts = []
                answered = answer.get("id")
                if isinstance(answered, str) and answered:
                    call_id = answered
                    pending[:] = [p for p in pending if p[1] != answered]
                else:
                    call_id = _take_call_id(pending, answer.get("name"))
                items.append({"type": "function_call_output", "call_id": call_id,
                              "output": _gemini_output(answer.get("response"))})
            elif role == "user":
                media = _gemini_media(part)
                if media is not None:
                    parts.append(media)
        if parts:
            items.append(message_item(role, parts))
    return items


def _gemini_tools(tools: Any, names: ToolNames) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, dict):
            continue
        if pick(tool, "googleSearch", "google_search", "googleSearchRetrieval") is not None:
            out.append({"type": "web_search"})
        decls = pick(tool, "functionDeclarations", "function_declarations")
        for decl in decls if isinstance(decls, list) else ():
            if not isinstance(decl, dict) or not isinstance(decl.get("name"), str):
                continue
            name = names.short(decl["name"])
            params = object_schema(lowercase_schema_types(gemini_declaration_schema(decl)))
            if params.get("type") == "object" and "additionalProperties" not in params:
                params = {**params, "additionalProperties": False}
            out.append(function_tool(name, decl.get("description"), params))
    return out


def _gemini_choice(tool_config: Any, names: ToolNames) -> Any:
    choice = gemini_tool_config_to_openai(tool_config)
    if isinstance(choice, dict):
        fn = choice.get("function")
        return {"type": "function", "name": names.short(fn.get("name") if isinstance(fn, dict)
                                                        else None)}
    return choice


def _gemini_text_config(config: Any) -> dict[str, Any] | None:
    mime = pick(config, "responseMimeType", "response_mime_type")
    schema = pick(config, "responseJsonSchema", "response_json_schema", "responseSchema",
                  "response_schema")
    if mime != "application/json" and not isinstance(schema, dict):
        return None
    if isinstance(schema, dict):
        return {"format": {"type": "json_schema", "name": "response", "strict": False,
                           "schema": lowercase_schema_types(schema_without_dollar_schema(schema))}}
    return {"format": {"type": "json_object"}}


def gemini_request(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    """Gemini generateContent body → Codex body (gemini-cli clients unwrap first)."""
    names = ToolNames(declared_tool_names("gemini", body))
    system = _gemini_system(pick(body, "system_instruction", "systemInstruction"))
    items = _gemini_contents(body.get("contents"), names)
    tools = _gemini_tools(body.get("tools"), names)
    config = pick(body, "generationConfig", "generation_config")
    thinking = pick(config, "thinkingConfig", "thinking_config")
    effort = gemini_thinking_to_effort(thinking) or "low"
    choice = _gemini_choice(pick(body, "toolConfig", "tool_config"), names)
    out = codex_body(model, codex_instructions(model, system), items, tools, choice, True,
                     effort)
    text = _gemini_text_config(config)
    if text:
        out["text"] = text
    return out
