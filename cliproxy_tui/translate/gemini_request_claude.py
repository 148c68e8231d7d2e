"""Claude Messages requests into Gemini ``generateContent`` (translators.md §2.3, §9).

Besides the spec's rules: a string ``system`` counts (§9 #4); ``image`` and
``document`` blocks become ``inlineData`` / ``fileData`` and empty turns are skipped
(§9 #28); a tool result's name comes from the ``tool_use`` block with its id (the
``<name>-<nanos>`` rule only as a fallback), its text blocks are joined and its images
travel as parts next to it (§9 #29); Claude's ``thinking`` budget is honoured when no
``reasoning_effort`` is given; a thinking block's signature goes back onto the part
after it (see ``gemini_stream``).
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from .common import (
    claude_effort_to_gemini_thinking,
    claude_thinking_to_gemini_thinking,
    mime_from_filename,
    name_from_tool_call_id,
    text_of_openai_content,
)
from .gemini_request import (
    assemble_body,
    file_uri_part,
    function_declaration,
    generation_config,
    inline_part,
    thinking_off,
)


def _claude_source_part(source: Any, default_mime: str) -> dict[str, Any] | None:
    if not isinstance(source, dict):
        return None
    kind = source.get("type")
    media = source.get("media_type")
    mime = media if isinstance(media, str) and media else default_mime
    if kind == "base64" and isinstance(source.get("data"), str):
        return inline_part(mime, source["data"])
    if kind == "url" and isinstance(source.get("url"), str):
        url = source["url"]
        return file_uri_part(mime_from_filename(url.split("?", 1)[0]) or default_mime, url)
    if kind == "text" and isinstance(source.get("data"), str) and source["data"]:
        return {"text": source["data"]}
    if kind == "content":
        text = text_of_openai_content(source.get("content"), "\n")
        return {"text": text} if text else None
    return None


def _claude_tool_result(block: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    tool_id = block.get("tool_use_id")
    tool_id = tool_id if isinstance(tool_id, str) else ""
    name = names.get(tool_id) or name_from_tool_call_id(tool_id)
    content = block.get("content")
    extra: list[dict[str, Any]] = []
    if isinstance(content, list):
        # text blocks are the result; images travel next to it as parts of their own
        texts = []
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text" \
                    and isinstance(item.get("text"), str):
                texts.append(item["text"])
            elif isinstance(item, dict) and item.get("type") in ("image", "document"):
                part = _claude_source_part(item.get("source"), "image/png" if item.get(
                    "type") == "image" else "application/pdf")
                if part is not None:
                    extra.append(part)
            elif isinstance(item, str):
                texts.append(item)
            else:
                texts.append(jsonfast.dumps_str(item))
        result: Any = "\n".join(texts)
    elif isinstance(content, str):
        result = content
    elif content is None:
        result = ""
    else:
        result = jsonfast.dumps_str(content)
    return [{"functionResponse": {"name": name, "response": {"result": result}}}, *extra]


def _claude_message_parts(content: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if not isinstance(content, list):
        return []
    parts: list[dict[str, Any]] = []
    pending_signature: str | None = None
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        new: list[dict[str, Any]] = []
        if kind == "text":
            text = block.get("text")
            if isinstance(text, str) and text:
                new.append({"text": text})
        elif kind == "tool_use":
            name = block.get("name")
            args = block.get("input")
            if isinstance(name, str) and name:
                new.append({"functionCall": {"name": name,
                                             "args": args if isinstance(args, dict) else {}}})
        elif kind == "tool_result":
            new = _claude_tool_result(block, names)
        elif kind == "image":
            part = _claude_source_part(block.get("source"), "image/png")
            if part is not None:
                new.append(part)
        elif kind == "document":
            part = _claude_source_part(block.get("source"), "application/pdf")
            if part is not None:
                new.append(part)
        elif kind == "thinking":
            # the thought text need not go back; its signature belongs to the next part
            sig = block.get("signature")
            if isinstance(sig, str) and sig:
                pending_signature = sig
        if new and pending_signature is not None:
            new[0] = {**new[0], "thoughtSignature": pending_signature}
            pending_signature = None
        parts.extend(new)
    if pending_signature is not None and parts and "thoughtSignature" not in parts[-1]:
        parts[-1] = {**parts[-1], "thoughtSignature": pending_signature}
    return parts


def claude_to_gemini(model: str, body: dict[str, Any]) -> dict[str, Any]:
    system: list[dict[str, Any]] = []
    raw_system = body.get("system")
    if isinstance(raw_system, str):
        if raw_system:
            system.append({"text": raw_system})
    elif isinstance(raw_system, list):
        for block in raw_system:
            if isinstance(block, dict) and block.get("type", "text") == "text" \
                    and isinstance(block.get("text"), str) and block["text"]:
                system.append({"text": block["text"]})
    messages = body.get("messages")
    if not isinstance(messages, list):
        messages = []
    names: dict[str, str] = {}
    for msg in messages:
        content = msg.get("content") if isinstance(msg, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict) and block.get("type") == "tool_use" \
                    and isinstance(block.get("id"), str) and isinstance(block.get("name"), str):
                names[block["id"]] = block["name"]
    contents: list[dict[str, Any]] = []
    for msg in messages:
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            continue
        parts = _claude_message_parts(msg.get("content"), names)
        if parts:
            contents.append({"role": "model" if msg["role"] == "assistant" else "user",
                             "parts": parts})
    thinking: dict[str, Any] | None
    if body.get("reasoning_effort") is not None:
        thinking = claude_effort_to_gemini_thinking(body["reasoning_effort"])
    else:
        thinking = claude_thinking_to_gemini_thinking(body.get("thinking"))
    if thinking is None:
        thinking = {"include_thoughts": True, "thinkingBudget": -1}
    gen = generation_config(thinking_off(thinking, model), body, max_key=("max_tokens",),
                            stop=body.get("stop_sequences"))
    decls = []
    tools = body.get("tools")
    for tool in tools if isinstance(tools, list) else ():
        if isinstance(tool, dict) and isinstance(tool.get("input_schema"), dict):
            decl = function_declaration(tool.get("name"), tool.get("description"),
                                         tool["input_schema"])
            if decl is not None:
                decls.append(decl)
    out: dict[str, Any] = {"generationConfig": gen}
    return assemble_body(out, contents, system, decls, body.get("tool_choice") if decls else None)


__all__ = ["claude_to_gemini"]
