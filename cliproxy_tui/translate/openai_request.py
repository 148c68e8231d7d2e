"""Requests into an OpenAI-compatible Chat Completions upstream (translators.md §3.2).

``claude_to_chat`` is on the benchmark path (Claude Code → an OpenAI-compatible model),
so it walks the body once and shares every unchanged leaf (schemas, texts) with it.
The executor adds ``stream_options.include_usage`` and maps the model alias itself.
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from .common import (
    TEXT_PART_TYPES,
    claude_tool_choice_to_openai,
    data_url,
    gemini_declaration_schema,
    gemini_tool_config_to_openai,
    lowercase_schema_types,
    new_call_id,
    pick,
    responses_effort_to_openai,
    responses_tool_choice_to_openai,
    stop_list,
    tool_result_text,
)

#: upstream's fixed first system text for Claude clients (example K)
RFC8259_HINT = ("Use ANY tool, the parameters MUST accord with RFC 8259 (The JavaScript Object "
                "Notation (JSON) Data Interchange Format), the keys and value MUST be enclosed "
                "in double quotes.")
_HINT_PART = {"type": "text", "text": RFC8259_HINT}


# -- claude → openai -------------------------------------------------------------------


def _claude_media_part(block: dict[str, Any]) -> dict[str, Any] | None:
    source = block.get("source")
    if not isinstance(source, dict):
        return None
    if source.get("type") == "url" and isinstance(source.get("url"), str):
        return {"type": "image_url", "image_url": {"url": source["url"]}}
    data = source.get("data")
    if isinstance(data, str):
        media = source.get("media_type")
        return {"type": "image_url",
                "image_url": {"url": data_url(media if isinstance(media, str) else "", data)}}
    return None


def _claude_system_parts(system: Any) -> list[dict[str, Any]]:
    parts = [_HINT_PART]
    if isinstance(system, str):
        if system:
            parts.append({"type": "text", "text": system})
    elif isinstance(system, list):
        for block in system:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text" and isinstance(block.get("text"), str):
                parts.append({"type": "text", "text": block["text"]})
            elif kind == "image":
                part = _claude_media_part(block)
                if part is not None:
                    parts.append(part)
    return parts


def _tool_result(block: dict[str, Any], messages: list[dict[str, Any]],
                 images: list[dict[str, Any]]) -> None:
    content = block.get("content")
    if isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "image" for b in content):
        # Chat tool messages are text-only: the images go to the user message that
        # follows the tool messages instead of into the text as base64 JSON.
        kept = []
        for b in content:
            if isinstance(b, dict) and b.get("type") == "image":
                part = _claude_media_part(b)
                if part is not None:
                    images.append(part)
            else:
                kept.append(b)
        content = kept
    call_id = block.get("tool_use_id")
    messages.append({"role": "tool", "tool_call_id": call_id if isinstance(call_id, str) else "",
                     "content": tool_result_text(content)})


def _claude_message(msg: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    role = msg.get("role")
    if not isinstance(role, str):
        return
    content = msg.get("content")
    if isinstance(content, str):
        if content:
            messages.append({"role": role, "content": content})
        return
    if not isinstance(content, list):
        return
    parts: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            if isinstance(text, str):
                parts.append({"type": "text", "text": text})
        elif kind == "tool_use":
            args = block.get("input")
            calls.append({"id": block.get("id", ""), "type": "function",
                          "function": {"name": block.get("name", ""),
                                       "arguments": jsonfast.dumps_str(args)
                                       if args is not None else "{}"}})
        elif kind == "tool_result":
            _tool_result(block, messages, images)
        elif kind == "image":
            part = _claude_media_part(block)
            if part is not None:
                parts.append(part)
        # thinking, redacted_thinking and document blocks have no Chat equivalent
    if images:
        parts = images + parts
    if parts or calls:
        out: dict[str, Any] = {"role": role, "content": parts or ""}
        if calls:
            out["tool_calls"] = calls
        messages.append(out)


def _claude_tools(tools: list[Any]) -> list[dict[str, Any]]:
    out = []
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        fn: dict[str, Any] = {"name": tool.get("name", ""),
                              "description": tool.get("description", "")}
        schema = tool.get("input_schema")
        if schema is not None:
            fn["parameters"] = schema
        out.append({"type": "function", "function": fn})
    return out


def claude_to_chat(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": _claude_system_parts(body.get("system"))}]
    for msg in body.get("messages") or ():
        if isinstance(msg, dict):
            _claude_message(msg, messages)
    out: dict[str, Any] = {"model": model, "messages": messages}
    for key in ("max_tokens", "temperature", "top_p", "user"):
        value = body.get(key)
        if value is not None:
            out[key] = value
    stops = stop_list(body.get("stop_sequences"))
    if stops:
        out["stop"] = stops[0] if len(stops) == 1 else stops
    out["stream"] = stream
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        out["tools"] = _claude_tools(tools)
        choice = body.get("tool_choice")
        mapped = claude_tool_choice_to_openai(choice)
        if mapped is not None:
            out["tool_choice"] = mapped
        if isinstance(choice, dict) and choice.get("disable_parallel_tool_use") is True:
            out["parallel_tool_calls"] = False
    return out


# -- openai-response → openai ----------------------------------------------------------


def _responses_content(content: Any, role: str) -> Any:
    """Responses message content → Chat content: a string, or parts when media is present."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts: list[str] = []
    parts: list[dict[str, Any]] = []
    media = False
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type", "input_text")
        if kind in TEXT_PART_TYPES:
            text = part.get("text")
            if isinstance(text, str):
                texts.append(text)
                parts.append({"type": "text", "text": text})
        elif role == "assistant":
            continue  # Chat assistant content is text only
        elif kind == "input_image":
            url = part.get("image_url") or part.get("url")
            if isinstance(url, str) and url:
                image: dict[str, Any] = {"url": url}
                if isinstance(part.get("detail"), str):
                    image["detail"] = part["detail"]
                parts.append({"type": "image_url", "image_url": image})
                media = True
        elif kind == "input_file":
            file = {k: part[k] for k in ("file_data", "file_id", "filename")
                    if isinstance(part.get(k), str)}
            if file:
                parts.append({"type": "file", "file": file})
                media = True
    return parts if media else "\n".join(texts)


def _responses_item(item: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    kind = item.get("type")
    if kind is None and "role" in item:
        kind = "message"
    if kind == "message":
        role = item.get("role")
        role = role if isinstance(role, str) and role else "user"
        if role == "developer":
            role = "system"
        messages.append({"role": role, "content": _responses_content(item.get("content"), role)})
    elif kind == "function_call":
        call_id = item.get("call_id") or item.get("id") or new_call_id()
        args = item.get("arguments")
        call = {"id": call_id, "type": "function",
                "function": {"name": item.get("name", ""),
                             "arguments": args if isinstance(args, str) and args else "{}"}}
        last = messages[-1] if messages else None
        # parallel calls (and a text answer followed by calls) are one assistant turn in
        # Chat: every tool message must follow the assistant message holding its call
        if last is not None and last["role"] == "assistant":
            last.setdefault("tool_calls", []).append(call)
        else:
            messages.append({"role": "assistant", "tool_calls": [call]})
    elif kind == "function_call_output":
        output = item.get("output")
        messages.append({"role": "tool", "tool_call_id": item.get("call_id", ""),
                         "content": tool_result_text(output)})
    # reasoning items (encrypted for OpenAI) and built-in tool items have no Chat form


def _responses_tools(tools: list[Any]) -> list[dict[str, Any]]:
    out = []
    for tool in tools:
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue  # built-in tools (web_search, …) cannot run on a Chat upstream
        fn: dict[str, Any] = {"name": tool.get("name", ""),
                              "description": tool.get("description") or "",
                              "parameters": tool.get("parameters") or {}}
        if isinstance(tool.get("strict"), bool):
            fn["strict"] = tool["strict"]
        out.append({"type": "function", "function": fn})
    return out


def _responses_format(text: Any) -> dict[str, Any] | None:
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict):
        return None
    kind = fmt.get("type")
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema = {k: fmt[k] for k in ("name", "description", "schema", "strict") if k in fmt}
        schema.setdefault("name", "response")
        return {"type": "json_schema", "json_schema": schema}
    return None


def responses_to_chat(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    items = body.get("input")
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
    elif isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                _responses_item(item, messages)
    out: dict[str, Any] = {"model": model, "messages": messages, "stream": stream}
    if body.get("max_output_tokens") is not None:
        out["max_tokens"] = body["max_output_tokens"]
    for key in ("temperature", "top_p", "parallel_tool_calls", "user"):
        if body.get(key) is not None:
            out[key] = body[key]
    reasoning = body.get("reasoning")
    effort = responses_effort_to_openai(reasoning.get("effort")) \
        if isinstance(reasoning, dict) else None
    if effort is not None:
        out["reasoning_effort"] = effort
    tools = body.get("tools")
    if isinstance(tools, list):
        converted = _responses_tools(tools)
        if converted:
            out["tools"] = converted
            choice = responses_tool_choice_to_openai(body.get("tool_choice"))
            if choice is not None:
                out["tool_choice"] = choice
        else:
            out.pop("parallel_tool_calls", None)  # rejected without tools
    else:
        out.pop("parallel_tool_calls", None)
    fmt = _responses_format(body.get("text"))
    if fmt is not None:
        out["response_format"] = fmt
    return out


# -- gemini → openai -------------------------------------------------------------------


def _gemini_system(body: dict[str, Any]) -> str:
    system = pick(body, "system_instruction", "systemInstruction")
    if isinstance(system, str):
        return system
    parts = system.get("parts") if isinstance(system, dict) else None
    if not isinstance(parts, list):
        return ""
    return "\n".join(p["text"] for p in parts
                     if isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"])


class _CallIds:
    """Ids for Gemini calls, matched to their responses (by id, else name, else order)."""

    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open: list[tuple[str, str]] = []

    def issue(self, call: dict[str, Any]) -> str:
        given = call.get("id")
        call_id = given if isinstance(given, str) and given else new_call_id()
        self.open.append((call_id, call.get("name", "")))
        return call_id

    def answer(self, response: dict[str, Any]) -> str:
        given = response.get("id")
        name = response.get("name")
        for i, (call_id, call_name) in enumerate(self.open):
            if (isinstance(given, str) and given and call_id == given) or \
                    (not given and call_name == name):
                del self.open[i]
                return call_id
        if isinstance(given, str) and given:
            return given
        if self.open:
            return self.open.pop(0)[0]
        return new_call_id()


def _function_response_text(response: dict[str, Any]) -> str:
    value = response.get("response")
    if isinstance(value, dict) and "content" in value:
        value = value["content"]
    if isinstance(value, str):
        return value
    return jsonfast.dumps_str(value if value is not None else {})


def _gemini_content(content: dict[str, Any], ids: _CallIds,
                    messages: list[dict[str, Any]]) -> None:
    role = content.get("role")
    role = "assistant" if role == "model" else "user"
    texts: list[str] = []
    parts: list[dict[str, Any]] = []
    media = False
    calls: list[dict[str, Any]] = []
    for part in content.get("parts") or ():
        if not isinstance(part, dict):
            continue
        if part.get("thought") is True:
            continue  # thoughts of an earlier turn are not sent back as text
        text = part.get("text")
        if isinstance(text, str):
            texts.append(text)
            parts.append({"type": "text", "text": text})
            continue
        inline = pick(part, "inlineData", "inline_data")
        if isinstance(inline, dict) and isinstance(inline.get("data"), str):
            mime = pick(inline, "mimeType", "mime_type")
            parts.append({"type": "image_url", "image_url": {
                "url": data_url(mime if isinstance(mime, str) else "", inline["data"])}})
            media = True
            continue
        call = pick(part, "functionCall", "function_call")
        if isinstance(call, dict):
            args = call.get("args")
            calls.append({"id": ids.issue(call), "type": "function",
                          "function": {"name": call.get("name", ""),
                                       "arguments": jsonfast.dumps_str(args)
                                       if args is not None else "{}"}})
            continue
        response = pick(part, "functionResponse", "function_response")
        if isinstance(response, dict):
            messages.append({"role": "tool", "tool_call_id": ids.answer(response),
                             "content": _function_response_text(response)})
    if media and role == "user":
        content_value: Any = parts
    else:
        content_value = "".join(texts)
    if content_value or calls:
        msg: dict[str, Any] = {"role": role, "content": content_value}
        if calls:
            msg["tool_calls"] = calls
        messages.append(msg)


def _gemini_tools(tools: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if not isinstance(tools, list):
        return out
    for tool in tools:
        decls = pick(tool, "functionDeclarations", "function_declarations")
        if not isinstance(decls, list):
            continue
        for decl in decls:
            if not isinstance(decl, dict):
                continue
            fn: dict[str, Any] = {"name": decl.get("name", ""),
                                  "description": decl.get("description", "")}
            schema = gemini_declaration_schema(decl)
            if schema is not None:
                # the OpenAPI-style ``parameters`` use upper-case type names
                fn["parameters"] = lowercase_schema_types(schema) \
                    if "parameters" in decl else schema
            out.append({"type": "function", "function": fn})
    return out


def _gemini_generation(config: Any, out: dict[str, Any]) -> None:
    if not isinstance(config, dict):
        return
    for keys, target in ((("temperature",), "temperature"), (("topP", "top_p"), "top_p"),
                         (("topK", "top_k"), "top_k"),
                         (("maxOutputTokens", "max_output_tokens"), "max_tokens")):
        value = pick(config, *keys)
        if value is not None:
            out[target] = value
    stops = stop_list(pick(config, "stopSequences", "stop_sequences"))
    if stops:
        out["stop"] = stops
    schema = pick(config, "responseJsonSchema", "response_json_schema", "responseSchema",
                  "response_schema")
    if isinstance(schema, dict):
        if "responseJsonSchema" not in config and "response_json_schema" not in config:
            schema = lowercase_schema_types(schema)
        out["response_format"] = {"type": "json_schema",
                                  "json_schema": {"name": "response", "schema": schema}}
    elif pick(config, "responseMimeType", "response_mime_type") == "application/json":
        out["response_format"] = {"type": "json_object"}


def gemini_to_chat(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = _gemini_system(body)
    if system:
        messages.append({"role": "system", "content": system})
    ids = _CallIds()
    for content in body.get("contents") or ():
        if isinstance(content, dict):
            _gemini_content(content, ids, messages)
    out: dict[str, Any] = {"model": model, "messages": messages}
    _gemini_generation(pick(body, "generationConfig", "generation_config"), out)
    out["stream"] = stream
    tools = _gemini_tools(body.get("tools"))
    if tools:
        out["tools"] = tools
        choice = gemini_tool_config_to_openai(pick(body, "toolConfig", "tool_config"))
        if choice is not None:
            out["tool_choice"] = choice
    return out
