"""Requests into the Codex backend (translators.md §3.3).

Every client format becomes a Responses API body: ``input`` items in conversation
order, function tools with names shortened to 64 characters (``codex_names``),
``store:false``, ``include:["reasoning.encrypted_content"]`` and a reasoning summary, so
that reasoning can be shown to the client and carried to the next turn.

Sampling and length fields (``temperature``, ``top_p``, ``max_tokens``, stop
sequences) are not sent: the ChatGPT Codex backend rejects them, and the reasoning
models it serves do not take them on the public API either.
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from .codex_names import ToolNames, declared_tool_names
from .common import (
    TEXT_PART_TYPES,
    openai_tool_choice_to_responses,
    parse_data_url,
    schema_without_dollar_schema,
    text_of_openai_content,
    tool_result_text,
)

#: OpenAI encrypted reasoning blobs are Fernet tokens; a Claude thinking signature
#: that does not look like one came from another upstream and would be rejected.
ENCRYPTED_PREFIX = "gAAAAA"
_INCLUDE = "reasoning.encrypted_content"


def codex_instructions(model: str, client_system_text: str | None) -> str | None:
    """The ``instructions`` sent to Codex: the client's own system text, or none.

    The one place that decides it, so that the ChatGPT OAuth backend (which insists on
    the Codex CLI's own prompt) can swap in that prompt plus a marker message later.
    """
    return client_system_text or None


def system_prompt_text(system: Any, blocks: Any) -> str | None:
    """A client's system prompt as one text, for ``codex_instructions``.

    ``system`` itself when it is a string, else the non-empty ``text`` of each of
    ``blocks`` (the format's text parts of it) joined by blank lines; None when empty.
    """
    if isinstance(system, str):
        return system or None
    if not isinstance(blocks, list):
        return None
    texts = [b["text"] for b in blocks
             if isinstance(b, dict) and isinstance(b.get("text"), str) and b["text"]]
    return "\n\n".join(texts) or None


def codex_body(model: str, instructions: str | None, items: list[dict[str, Any]],
               tools: list[dict[str, Any]], tool_choice: Any, parallel: bool,
               effort: Any) -> dict[str, Any]:
    """The Codex request around translated items: the fields every pair sends."""
    out: dict[str, Any] = {"model": model}
    if instructions is not None:
        out["instructions"] = instructions
    out["input"] = items
    if tools:
        out["tools"] = tools
        out["tool_choice"] = tool_choice if tool_choice is not None else "auto"
    out["parallel_tool_calls"] = parallel
    out["reasoning"] = {"effort": effort, "summary": "auto"}
    out["store"] = False
    out["stream"] = True
    out["include"] = [_INCLUDE]
    return out


def message_item(role: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": parts}


def object_schema(schema: Any) -> dict[str, Any]:
    """A function's parameters as the Responses API wants them: an object schema."""
    if not isinstance(schema, dict) or not schema:
        return {"type": "object", "properties": {}}
    schema = schema_without_dollar_schema(schema)
    if schema.get("type") == "object" and "properties" not in schema:
        schema = {**schema, "properties": {}}
    return schema


def function_tool(name: str, description: Any, parameters: dict[str, Any],
                  strict: bool = False) -> dict[str, Any]:
    """A Responses ``function`` tool; only the keys the OpenAI API accepts."""
    entry: dict[str, Any] = {"type": "function", "name": name}
    if isinstance(description, str):
        entry["description"] = description
    entry["parameters"] = parameters
    entry["strict"] = strict
    return entry


def short_choice(choice: Any, names: ToolNames) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "name": names.short(choice.get("name"))}
    return choice


def default_filename(mime: str) -> str:
    ext = mime.rsplit("/", 1)[-1] if "/" in mime else "bin"
    return f"file.{ext or 'bin'}"


def arguments_text(value: Any) -> str:
    if isinstance(value, str):
        return value or "{}"
    return jsonfast.dumps_str(value if value is not None else {})


# -- openai (chat completions) --------------------------------------------------------


def _openai_parts(content: Any, assistant: bool) -> list[dict[str, Any]]:
    text_type = "output_text" if assistant else "input_text"
    if isinstance(content, str):
        return [{"type": text_type, "text": content}] if content else []
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return []
    out: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, str):
            if part:
                out.append({"type": text_type, "text": part})
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type", "text")
        if kind in TEXT_PART_TYPES or (kind == "refusal" and assistant):
            text = part.get("text", part.get("refusal"))
            if isinstance(text, str) and text:
                out.append({"type": text_type, "text": text})
        elif assistant:
            continue  # a Responses assistant turn holds text only
        elif kind in ("image_url", "input_image"):
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if isinstance(url, str) and url:
                entry: dict[str, Any] = {"type": "input_image", "image_url": url}
                detail = image.get("detail") if isinstance(image, dict) else None
                if isinstance(detail, str):
                    entry["detail"] = detail
                out.append(entry)
        elif kind == "file":
            file_part = _openai_file(part.get("file"))
            if file_part is not None:
                out.append(file_part)
    return out


def _openai_file(file: Any) -> dict[str, Any] | None:
    if not isinstance(file, dict):
        return None
    entry: dict[str, Any] = {"type": "input_file"}
    if isinstance(file.get("file_id"), str):
        entry["file_id"] = file["file_id"]
    data = file.get("file_data")
    if isinstance(data, str) and data:
        parsed = parse_data_url(data)
        entry["file_data"] = data
        name = file.get("filename")
        entry["filename"] = name if isinstance(name, str) and name else default_filename(
            parsed[0] if parsed else "application/pdf")
    return entry if len(entry) > 1 else None


def _openai_tools(tools: Any, names: ToolNames) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, dict):
            continue
        kind = tool.get("type")
        if kind == "function":
            fn = tool.get("function")
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                continue
            # Responses functions are strict unless told otherwise; Chat ones are not
            strict = fn["strict"] if isinstance(fn.get("strict"), bool) else False
            out.append(function_tool(names.short(fn["name"]), fn.get("description"),
                                     object_schema(fn.get("parameters")), strict))
        elif kind == "custom" and isinstance(tool.get("custom"), dict):
            out.append({"type": "custom", **tool["custom"]})
        elif isinstance(kind, str) and kind:
            out.append(tool)  # built-in Responses tools (web_search, …) as they are
    return out


def _openai_text_config(body: dict[str, Any]) -> dict[str, Any] | None:
    text: dict[str, Any] = {}
    rf = body.get("response_format")
    if isinstance(rf, dict):
        kind = rf.get("type")
        if kind in ("text", "json_object"):
            text["format"] = {"type": kind}
        elif kind == "json_schema" and isinstance(rf.get("json_schema"), dict):
            js = rf["json_schema"]
            fmt: dict[str, Any] = {"type": "json_schema",
                                   "name": js.get("name") or "response",
                                   "schema": js.get("schema") or {}}
            if isinstance(js.get("strict"), bool):
                fmt["strict"] = js["strict"]
            if isinstance(js.get("description"), str):
                fmt["description"] = js["description"]
            text["format"] = fmt
    given = body.get("text")
    verbosity = body.get("verbosity") or (given.get("verbosity") if isinstance(given, dict)
                                          else None)
    if isinstance(verbosity, str):
        text["verbosity"] = verbosity
    return text or None


def openai_request(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    """Chat Completions body → Codex body."""
    names = ToolNames(declared_tool_names("openai", body))
    system: list[str] = []
    items: list[dict[str, Any]] = []
    messages = body.get("messages")
    for m in messages if isinstance(messages, list) else ():
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role in ("system", "developer"):
            text = text_of_openai_content(m.get("content"), "\n\n")
            if text:
                system.append(text)
        elif role == "tool":
            items.append({"type": "function_call_output",
                          "call_id": str(m.get("tool_call_id") or ""),
                          "output": tool_result_text(m.get("content"))})
        else:
            assistant = role == "assistant"
            parts = _openai_parts(m.get("content"), assistant)
            if parts:
                items.append(message_item("assistant" if assistant else "user", parts))
            calls = m.get("tool_calls") if assistant else None
            for call in calls if isinstance(calls, list) else ():
                fn = call.get("function") if isinstance(call, dict) else None
                if not isinstance(fn, dict):
                    continue
                items.append({"type": "function_call", "call_id": str(call.get("id") or ""),
                              "name": names.short(fn.get("name")),
                              "arguments": arguments_text(fn.get("arguments"))})
    tools = _openai_tools(body.get("tools"), names)
    choice = short_choice(openai_tool_choice_to_responses(body.get("tool_choice")), names)
    parallel = body.get("parallel_tool_calls")
    effort = body.get("reasoning_effort")
    instructions = codex_instructions(model, "\n\n".join(system) or None)
    out = codex_body(model, instructions, items, tools, choice,
                     parallel if isinstance(parallel, bool) else True,
                     effort if isinstance(effort, str) and effort else "low")
    text_config = _openai_text_config(body)
    if text_config:
        out["text"] = text_config
    if isinstance(body.get("prompt_cache_key"), str):
        out["prompt_cache_key"] = body["prompt_cache_key"]
    return out


# -- openai-response (near passthrough) -----------------------------------------------

_RESPONSES_DROPPED = frozenset({"max_output_tokens", "max_completion_tokens", "temperature",
                                "top_p"})


def responses_request(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    """Responses body → Codex body: the same API, minus what the backend rejects."""
    out = {k: v for k, v in body.items() if k not in _RESPONSES_DROPPED}
    out["model"] = model
    out["stream"] = True
    out["store"] = False
    parallel = body.get("parallel_tool_calls")
    out["parallel_tool_calls"] = parallel if isinstance(parallel, bool) else True
    include = body.get("include")
    wanted = [x for x in include if isinstance(x, str)] if isinstance(include, list) else []
    if _INCLUDE not in wanted:
        wanted.append(_INCLUDE)
    out["include"] = wanted
    if isinstance(body.get("input"), str):
        text = {"type": "input_text", "text": body["input"]}
        out["input"] = [message_item("user", [text])]
    given = body.get("instructions")
    instructions = codex_instructions(model, given if isinstance(given, str) else None)
    if instructions is not None and instructions != given:
        out["instructions"] = instructions
    return out
