"""Claude Messages requests into the Codex backend (translators.md §3.3 "claude → codex").

The client's ``system`` becomes ``instructions``; thinking blocks that carry a Codex
encrypted reasoning blob (the signature we handed out) go back as ``reasoning`` items,
so the model keeps its chain of thought across tool calls.
"""

from __future__ import annotations

from typing import Any

from .codex_names import ToolNames, declared_tool_names
from .codex_request import (
    ENCRYPTED_PREFIX,
    arguments_text,
    codex_body,
    codex_instructions,
    default_filename,
    function_tool,
    message_item,
    object_schema,
    short_choice,
    system_prompt_text,
)
from .common import (
    claude_thinking_to_effort,
    claude_tool_choice_to_responses,
    data_url,
    text_of_openai_content,
    tool_result_text,
)


def _claude_system(system: Any) -> str | None:
    blocks = system if isinstance(system, list) else ()
    # a block without a type is a text block
    return system_prompt_text(system, [b for b in blocks if isinstance(b, dict)
                                       and b.get("type", "text") == "text"])


def _claude_image(source: Any) -> dict[str, Any] | None:
    if not isinstance(source, dict):
        return None
    if source.get("type") == "url" and isinstance(source.get("url"), str):
        return {"type": "input_image", "image_url": source["url"]}
    data = source.get("data") or source.get("base64")
    if not isinstance(data, str) or not data:
        return None
    mime = source.get("media_type") or source.get("mime_type") or "application/octet-stream"
    return {"type": "input_image", "image_url": data_url(str(mime), data)}


def _claude_document(block: dict[str, Any]) -> list[dict[str, Any]]:
    source = block.get("source")
    if not isinstance(source, dict):
        return []
    kind = source.get("type")
    if kind == "text" and isinstance(source.get("data"), str):
        return [{"type": "input_text", "text": source["data"]}]
    if kind == "content":
        inner = source.get("content")
        text = text_of_openai_content(inner, "\n")
        return [{"type": "input_text", "text": text}] if text else []
    if kind == "url" and isinstance(source.get("url"), str):
        return [{"type": "input_file", "file_url": source["url"]}]
    data = source.get("data")
    if kind == "base64" and isinstance(data, str) and data:
        mime = str(source.get("media_type") or "application/pdf")
        title = block.get("title")
        name = title if isinstance(title, str) and title else default_filename(mime)
        return [{"type": "input_file", "filename": name, "file_data": data_url(mime, data)}]
    return []


def _reasoning_item(block: dict[str, Any]) -> dict[str, Any] | None:
    """A Claude thinking block that we produced from a Codex reasoning item, going back."""
    redacted = block.get("type") == "redacted_thinking"
    blob = block.get("data") if redacted else block.get("signature")
    if not isinstance(blob, str) or not blob.startswith(ENCRYPTED_PREFIX):
        return None
    text = "" if redacted else block.get("thinking")
    summary = [{"type": "summary_text", "text": text}] if isinstance(text, str) and text else []
    return {"type": "reasoning", "summary": summary, "encrypted_content": blob}


def _claude_blocks(role: str, blocks: list[Any], items: list[dict[str, Any]],
                   names: ToolNames) -> None:
    assistant = role == "assistant"
    text_type = "output_text" if assistant else "input_text"
    parts: list[dict[str, Any]] = []

    def flush() -> None:
        if parts:
            items.append(message_item(role, parts.copy()))
            parts.clear()

    for block in blocks:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            if isinstance(text, str) and text:
                parts.append({"type": text_type, "text": text})
        elif kind == "tool_use":
            flush()
            items.append({"type": "function_call", "call_id": str(block.get("id") or ""),
                          "name": names.short(block.get("name")),
                          "arguments": arguments_text(block.get("input"))})
        elif kind == "tool_result":
            flush()
            items.append({"type": "function_call_output",
                          "call_id": str(block.get("tool_use_id") or ""),
                          "output": tool_result_text(block.get("content"))})
        elif kind in ("thinking", "redacted_thinking"):
            item = _reasoning_item(block) if assistant else None
            if item is not None:
                flush()
                items.append(item)
        elif assistant:
            continue
        elif kind == "image":
            image = _claude_image(block.get("source"))
            if image is not None:
                parts.append(image)
        elif kind == "document":
            parts.extend(_claude_document(block))
    flush()


def _claude_tools(tools: Any, names: ToolNames) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, dict):
            continue
        kind = tool.get("type")
        if isinstance(kind, str) and kind.startswith("web_search"):
            out.append({"type": "web_search"})
            continue
        name = tool.get("name")
        if not isinstance(name, str) or not name:
            continue
        # only the keys a Responses function has: extra Claude keys (cache_control, …)
        # are rejected by the OpenAI API
        out.append(function_tool(names.short(name), tool.get("description"),
                                 object_schema(tool.get("input_schema"))))
    return out


def claude_request(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    """Claude Messages body → Codex body."""
    names = ToolNames(declared_tool_names("claude", body))
    items: list[dict[str, Any]] = []
    messages = body.get("messages")
    for m in messages if isinstance(messages, list) else ():
        if not isinstance(m, dict):
            continue
        role = "assistant" if m.get("role") == "assistant" else "user"
        content = m.get("content")
        if isinstance(content, str):
            if content:
                kind = "output_text" if role == "assistant" else "input_text"
                items.append(message_item(role, [{"type": kind, "text": content}]))
        elif isinstance(content, list):
            _claude_blocks(role, content, items, names)
    tools = _claude_tools(body.get("tools"), names)
    choice = body.get("tool_choice")
    parallel = not (isinstance(choice, dict) and choice.get("disable_parallel_tool_use") is True)
    effort = claude_thinking_to_effort(body.get("thinking")) or "low"
    instructions = codex_instructions(model, _claude_system(body.get("system")))
    return codex_body(model, instructions, items, tools,
                      short_choice(claude_tool_choice_to_responses(choice), names),
                      parallel, effort)
