"""Requests into the Claude Messages API from OpenAI chat, Responses and Gemini (§3.1).

Decisions beyond the upstream rules (the spec's §9 fixes are applied as decided):

- The caller's system prompt goes to Claude's own ``system`` field. Upstream sends it as
  a first *user* message because its executor overwrote ``system``; ours keeps the
  caller's blocks after the Claude Code block, so the prompt keeps its system weight.
  Only leading system/developer messages go there; one in mid-conversation stays a user
  message (Claude has nowhere else to put it).
- Image URLs become URL image sources and files (PDF, text, images) document or image
  blocks, where upstream drops them.
- Requests Claude would reject are repaired (``claude_blocks.finish_request``).
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from .claude_blocks import (
    EMPTY_SCHEMA,
    Block,
    Turns,
    copy_sampling,
    file_block,
    finish_request,
    max_tokens_of,
    media_block,
    skeleton,
    stop_sequences,
    text_block,
    tool_def,
    tool_id,
    tool_result_content,
    unpack_thinking,
    url_block,
    with_parallel_flag,
)
from .common import (
    gemini_declaration_schema,
    gemini_thinking_to_claude,
    gemini_tool_config_to_claude,
    lowercase_schema_types,
    new_toolu_id,
    object_args,
    openai_effort_to_claude_thinking,
    openai_tool_choice_to_claude,
    pick,
    responses_effort_to_claude_thinking,
    responses_tool_choice_to_claude,
)

_DRAFT7 = "http://json-schema.org/draft-07/schema#"

# ---------------------------------------------------------------------------
# openai (chat completions) → claude
# ---------------------------------------------------------------------------


def _chat_parts(content: Any) -> list[Block]:
    if isinstance(content, str):
        block = text_block(content)
        return [block] if block else []
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return []
    blocks: list[Block] = []
    for part in content:
        if isinstance(part, str):
            block = text_block(part)
        elif not isinstance(part, dict):
            continue
        else:
            kind = part.get("type")
            if kind in ("text", "input_text", "output_text"):
                block = text_block(part.get("text"), part)
            elif kind == "image_url":
                image = part.get("image_url")
                block = url_block(image.get("url") if isinstance(image, dict) else image)
            elif kind == "file":
                block = file_block(part.get("file"))
            else:
                block = None  # input_audio and friends: Claude has no such input
        if block is not None:
            blocks.append(block)
    return blocks


def _chat_tool_calls(calls: Any) -> list[Block]:
    blocks: list[Block] = []
    if not isinstance(calls, list):
        return blocks
    for call in calls:
        if not isinstance(call, dict) or call.get("type", "function") != "function":
            continue
        fn = call.get("function")
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            continue
        blocks.append({"type": "tool_use", "id": tool_id(call.get("id")), "name": fn["name"],
                       "input": object_args(fn.get("arguments"))})
    return blocks


def _chat_tools(body: dict[str, Any]) -> list[Block]:
    tools: list[Block] = []
    raw = body.get("tools")
    if isinstance(raw, list):
        for tool in raw:
            if not isinstance(tool, dict) or tool.get("type", "function") != "function":
                continue
            fn = tool.get("function")
            if isinstance(fn, dict):
                schema = pick(fn, "parameters", "parametersJsonSchema")
                t = tool_def(fn.get("name"), fn.get("description"), schema, tool)
                if t is not None:
                    tools.append(t)
    legacy = body.get("functions")
    if not tools and isinstance(legacy, list):
        for fn in legacy:
            if isinstance(fn, dict):
                t = tool_def(fn.get("name"), fn.get("description"), fn.get("parameters"), fn)
                if t is not None:
                    tools.append(t)
    return tools


def _chat_tool_choice(body: dict[str, Any]) -> dict[str, Any] | None:
    choice = body.get("tool_choice")
    if choice is None:
        legacy = body.get("function_call")
        if isinstance(legacy, dict) and isinstance(legacy.get("name"), str):
            choice = {"type": "function", "function": {"name": legacy["name"]}}
        elif isinstance(legacy, str):
            choice = legacy
    return openai_tool_choice_to_claude(choice)


def openai_to_claude(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    out = skeleton(model, max_tokens_of(body.get("max_completion_tokens"), body.get("max_tokens")),
                    "openai", stream)
    turns = Turns()
    messages = body.get("messages")
    for msg in messages if isinstance(messages, list) else ():
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        if role in ("system", "developer"):
            turns.add_system([b for b in _chat_parts(msg.get("content")) if b["type"] == "text"])
        elif role == "user":
            turns.add("user", _chat_parts(msg.get("content")))
        elif role == "assistant":
            # Claude accepts only text (and tool use) from the assistant
            blocks = [b for b in _chat_parts(msg.get("content")) if b["type"] == "text"]
            turns.add("assistant", blocks + _chat_tool_calls(msg.get("tool_calls")))
        elif role == "tool":
            result: Block = {"type": "tool_result", "tool_use_id": tool_id(msg.get("tool_call_id"))}
            parts = _chat_parts(msg.get("content"))
            if parts:
                result["content"] = tool_result_content(parts)
            turns.extend_last("user", [result], only_after="tool_result")
    copy_sampling(out, body, ("temperature", "temperature"), ("top_p", "top_p"))
    stops = stop_sequences(body.get("stop"))
    if stops:
        out["stop_sequences"] = stops
    tools = _chat_tools(body)
    if tools:
        out["tools"] = tools
        choice = with_parallel_flag(_chat_tool_choice(body), body.get("parallel_tool_calls"))
        if choice is not None:
            out["tool_choice"] = choice
    return finish_request(out, turns,
                          openai_effort_to_claude_thinking(body.get("reasoning_effort")))


# ---------------------------------------------------------------------------
# openai-response (Responses API) → claude
# ---------------------------------------------------------------------------


def _responses_parts(content: Any, role: str) -> list[Block]:
    if isinstance(content, str):  # the short form (§9 #20)
        block = text_block(content)
        return [block] if block else []
    if not isinstance(content, list):
        return []
    blocks: list[Block] = []
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type", "input_text")
        if kind in ("input_text", "output_text", "text"):
            block = text_block(part.get("text"), part)
        elif kind == "refusal":
            block = text_block(part.get("refusal"))
        elif kind == "input_image" and role == "user":
            url = part.get("image_url", part.get("url"))
            block = url_block(url.get("url") if isinstance(url, dict) else url)
        elif kind == "input_file" and role == "user":
            block = file_block(part)
        else:
            block = None
        if block is not None:
            blocks.append(block)
    return blocks


def _responses_output(output: Any) -> str | list[Block] | None:
    if isinstance(output, str):
        return output or None
    blocks = _responses_parts(output, "user")
    return tool_result_content(blocks) if blocks else None


def _responses_reasoning(item: dict[str, Any]) -> Block | None:
    summary = item.get("summary")
    text = "".join(s.get("text", "") for s in summary
                   if isinstance(s, dict) and isinstance(s.get("text"), str)) \
        if isinstance(summary, list) else ""
    return unpack_thinking(item.get("encrypted_content"), text)


def _responses_tools(body: dict[str, Any]) -> list[Block]:
    tools: list[Block] = []
    raw = body.get("tools")
    for tool in raw if isinstance(raw, list) else ():
        # built-in tools (web_search, file_search, …) have no Claude function equivalent
        if isinstance(tool, dict) and tool.get("type", "function") == "function":
            schema = pick(tool, "parameters", "parametersJsonSchema")
            t = tool_def(tool.get("name"), tool.get("description"), schema, tool)
            if t is not None:
                tools.append(t)
    return tools


def responses_to_claude(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    out = skeleton(model, max_tokens_of(body.get("max_output_tokens")), "openai-response", stream)
    turns = Turns()
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        turns.add_system([{"type": "text", "text": instructions}])
    items = body.get("input")
    if isinstance(items, str):  # §9 #5
        items = [{"type": "message", "role": "user", "content": items}]
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type") or ("message" if "role" in item else "")
        if kind == "message":
            role = item.get("role")
            if role in ("system", "developer"):
                turns.add_system([b for b in _responses_parts(item.get("content"), "system")
                                  if b["type"] == "text"])
            elif role == "assistant":
                blocks = _responses_parts(item.get("content"), "assistant")
                if blocks:
                    # a reasoning item opens the turn its message belongs to
                    turns.extend_last("assistant", blocks, only_after="thinking")
            else:
                turns.add("user", _responses_parts(item.get("content"), "user"))
        elif kind == "reasoning":
            block = _responses_reasoning(item)
            if block is not None:
                turns.extend_last("assistant", [block])
        elif kind == "function_call":
            name = item.get("name")
            if isinstance(name, str) and name:
                block = {"type": "tool_use", "id": tool_id(item.get("call_id") or item.get("id")),
                         "name": name, "input": object_args(item.get("arguments"))}
                turns.extend_last("assistant", [block])
        elif kind == "function_call_output":
            result: Block = {"type": "tool_result", "tool_use_id": tool_id(item.get("call_id"))}
            content = _responses_output(item.get("output"))
            if content is not None:
                result["content"] = content
            turns.extend_last("user", [result], only_after="tool_result")
    copy_sampling(out, body, ("temperature", "temperature"), ("top_p", "top_p"))
    tools = _responses_tools(body)
    if tools:
        out["tools"] = tools
        choice = with_parallel_flag(responses_tool_choice_to_claude(body.get("tool_choice")),
                                     body.get("parallel_tool_calls"))
        if choice is not None:
            out["tool_choice"] = choice
    reasoning = body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    return finish_request(out, turns, responses_effort_to_claude_thinking(effort))


# ---------------------------------------------------------------------------
# gemini → claude (gemini-cli clients are unwrapped by gemini_cli.py first)
# ---------------------------------------------------------------------------


class _CallQueue:
    """Ids of the function calls still waiting for their response, oldest first."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending: list[tuple[str, str]] = []

    def push(self, name: str, call_id: str) -> None:
        self._pending.append((name, call_id))

    def pop(self, name: Any, explicit: Any) -> str:
        if isinstance(explicit, str) and explicit:
            wanted = tool_id(explicit)
            for i, (_, cid) in enumerate(self._pending):
                if cid == wanted:
                    del self._pending[i]
                    break
            return wanted
        for i, (n, cid) in enumerate(self._pending):
            if n == name:
                del self._pending[i]
                return cid
        if self._pending:
            return self._pending.pop(0)[1]
        return new_toolu_id()


def _gemini_response_content(response: Any) -> str:
    if isinstance(response, dict):
        result = response.get("result")
        if isinstance(result, str):
            return result
        if result is not None and len(response) == 1:
            return jsonfast.dumps_str(result)
    if isinstance(response, str):
        return response
    return jsonfast.dumps_str(response) if response is not None else ""


def _gemini_parts(parts: Any, role: str, calls: _CallQueue) -> list[Block]:
    blocks: list[Block] = []
    for part in parts if isinstance(parts, list) else ():
        if not isinstance(part, dict):
            continue
        block: Block | None = None
        text = part.get("text")
        if isinstance(text, str):
            if part.get("thought") is True:
                # only our own signed thoughts go back; others are never sent as text
                if role == "assistant":
                    block = unpack_thinking(pick(part, "thoughtSignature", "thought_signature"),
                                            text)
            else:
                block = text_block(text)
        elif (fc := pick(part, "functionCall", "function_call")) is not None:
            if role == "assistant" and isinstance(fc, dict) and isinstance(fc.get("name"), str):
                call_id = tool_id(fc.get("id")) if fc.get("id") else new_toolu_id()
                calls.push(fc["name"], call_id)
                args = fc.get("args")
                block = {"type": "tool_use", "id": call_id, "name": fc["name"],
                         "input": args if isinstance(args, dict) else {}}
        elif (fr := pick(part, "functionResponse", "function_response")) is not None:
            if isinstance(fr, dict):
                block = {"type": "tool_result",
                         "tool_use_id": calls.pop(fr.get("name"), fr.get("id"))}
                content = _gemini_response_content(fr.get("response"))
                if content:
                    block["content"] = content
        elif (inline := pick(part, "inlineData", "inline_data")) is not None:
            if isinstance(inline, dict) and isinstance(inline.get("data"), str):
                mime = pick(inline, "mimeType", "mime_type")
                block = media_block(mime if isinstance(mime, str) else "", inline["data"])
        elif isinstance(fd := pick(part, "fileData", "file_data"), dict):
            uri = pick(fd, "fileUri", "file_uri") or ""
            mime = pick(fd, "mimeType", "mime_type") or ""
            block = {"type": "text", "text": f"File: {uri} (Type: {mime})"}
        if block is not None:
            blocks.append(block)
    if role == "user" and any(b["type"] == "tool_result" for b in blocks):
        # Claude wants the results first in the turn that answers the calls
        blocks.sort(key=lambda b: b["type"] != "tool_result")
    return blocks


def _gemini_schema(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return dict(EMPTY_SCHEMA)
    out = lowercase_schema_types(schema)
    out.setdefault("type", "object")
    out.setdefault("additionalProperties", False)
    out.setdefault("$schema", _DRAFT7)
    return out


def _gemini_tools(body: dict[str, Any]) -> list[Block]:
    tools: list[Block] = []
    raw = body.get("tools")
    for tool in raw if isinstance(raw, list) else ():
        decls = pick(tool, "functionDeclarations", "function_declarations")
        for decl in decls if isinstance(decls, list) else ():
            if isinstance(decl, dict):
                t = tool_def(decl.get("name"), decl.get("description"),
                              _gemini_schema(gemini_declaration_schema(decl)), {})
                if t is not None:
                    tools.append(t)
    return tools


def gemini_to_claude(model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    config = pick(body, "generationConfig", "generation_config")
    if not isinstance(config, dict):
        config = {}
    out = skeleton(model, max_tokens_of(pick(config, "maxOutputTokens", "max_output_tokens")),
                    "gemini", stream)
    turns = Turns()
    system = pick(body, "system_instruction", "systemInstruction")
    if isinstance(system, dict):
        texts = [p["text"] for p in system.get("parts") or ()
                 if isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"]]
        if texts:
            turns.add_system([{"type": "text", "text": "\n".join(texts)}])
    elif isinstance(system, str) and system:
        turns.add_system([{"type": "text", "text": system}])
    calls = _CallQueue()
    contents = body.get("contents")
    for content in contents if isinstance(contents, list) else ():
        if not isinstance(content, dict):
            continue
        role = "assistant" if content.get("role") == "model" else "user"
        blocks = _gemini_parts(content.get("parts"), role, calls)
        if role == "user" and blocks and blocks[0]["type"] == "tool_result":
            turns.extend_last("user", blocks, only_after="tool_result")
        else:
            turns.add(role, blocks)
    copy_sampling(out, config, ("temperature", "temperature"), ("topP", "top_p"),
              ("top_p", "top_p"), ("topK", "top_k"), ("top_k", "top_k"))
    stops = stop_sequences(pick(config, "stopSequences", "stop_sequences"))
    if stops:
        out["stop_sequences"] = stops
    tools = _gemini_tools(body)
    if tools:
        out["tools"] = tools
        choice = gemini_tool_config_to_claude(pick(body, "toolConfig", "tool_config"))
        if choice is not None:
            out["tool_choice"] = choice
    thinking = gemini_thinking_to_claude(pick(config, "thinkingConfig", "thinking_config"))
    return finish_request(out, turns, thinking)


__all__ = ["gemini_to_claude", "openai_to_claude", "responses_to_claude"]
