"""Requests into Gemini ``generateContent`` (translators.md §2.1–§2.5, §9).

``openai_to_gemini`` and ``responses_to_gemini`` build a new Gemini body from a client
body (``gemini_request_claude`` does the same for Claude bodies, with the builders
shared here); ``gemini.normalise_gemini`` fixes a Gemini client's own body. None of
them mutates its input.

Choices made where the spec describes upstream defects (§9) or leaves a choice:

- the body carries no ``model`` key: the executor puts the model in the URL, and the
  API's strict parser rejects unknown top-level fields;
- function responses travel in ``user`` contents: current Gemini models reject the
  ``tool`` / ``function`` roles upstream sends;
- consecutive function calls share one ``model`` content and their responses one
  ``user`` content, because Gemini checks that the counts match per turn;
- ``max_tokens``, stop sequences, JSON mode and ``tool_choice`` are carried, since a
  caller that sets them expects them honoured (§9 #15 and the translation contract);
- images and files become ``inlineData`` (base64) or ``fileData`` (URLs);
- thought signatures come back from Claude clients as the ``signature`` of a thinking
  block (see ``gemini_stream``) and are put on the part that follows the block.
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from .common import (
    TEXT_PART_TYPES,
    clean_schema_for_gemini,
    mime_from_filename,
    object_args,
    openai_effort_to_gemini_thinking,
    openai_tool_choice_to_gemini,
    parse_data_url,
    responses_effort_to_gemini_thinking,
    stop_list,
    text_of_openai_content,
)

_EMPTY_OBJECT_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}
_SYSTEM_ROLES = frozenset({"system", "developer"})


# ---------------------------------------------------------------------------
# shared builders
# ---------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def thinking_off(thinking: dict[str, Any], model: str) -> dict[str, Any]:
    # gemini-2.5-pro cannot switch thinking off; 128 is its smallest budget (the same
    # value the executor's ``-nothinking`` suffix uses)
    if thinking.get("thinkingBudget") == 0 and "gemini-2.5-pro" in model:
        return {**thinking, "thinkingBudget": 128}
    return thinking


def function_declaration(name: Any, description: Any,
                         schema: Any) -> dict[str, Any] | None:
    if not isinstance(name, str) or not name:
        return None
    decl: dict[str, Any] = {"name": name}
    if isinstance(description, str) and description:
        decl["description"] = description
    decl["parametersJsonSchema"] = (clean_schema_for_gemini(schema) if isinstance(schema, dict)
                                    and schema else _EMPTY_OBJECT_SCHEMA)
    return decl


def inline_part(mime: str, data: str) -> dict[str, Any]:
    return {"inlineData": {"mime_type": mime, "data": data}}


def file_uri_part(mime: str | None, uri: str) -> dict[str, Any]:
    ref: dict[str, Any] = {"file_uri": uri}
    if mime:
        ref["mime_type"] = mime
    return {"fileData": ref}


def _image_url_part(url: Any) -> dict[str, Any] | None:
    parsed = parse_data_url(url)
    if parsed is not None:
        return inline_part(*parsed)
    if isinstance(url, str) and url.startswith(("http://", "https://", "gs://")):
        path = url.split("?", 1)[0]
        return file_uri_part(mime_from_filename(path) or "image/jpeg", url)
    return None


def _file_part(data: Any, filename: Any, url: Any = None) -> dict[str, Any] | None:
    parsed = parse_data_url(data)
    if parsed is not None:
        mime, b64 = parsed
        if mime == "application/octet-stream":
            mime = mime_from_filename(filename) or mime
        return inline_part(mime, b64)
    if isinstance(data, str) and data:
        guessed = mime_from_filename(filename)
        return inline_part(guessed, data) if guessed else None
    if isinstance(url, str) and url:
        return file_uri_part(mime_from_filename(filename) or mime_from_filename(url), url)
    return None


def generation_config(thinking: dict[str, Any], body: dict[str, Any], *,
                      max_key: tuple[str, ...], stop: Any, top_k: bool = True) -> dict[str, Any]:
    gen: dict[str, Any] = {"thinkingConfig": thinking}
    if _number(body.get("temperature")):
        gen["temperature"] = body["temperature"]
    if _number(body.get("top_p")):
        gen["topP"] = body["top_p"]
    if top_k and _number(body.get("top_k")):
        gen["topK"] = body["top_k"]
    for key in max_key:
        if _int(body.get(key)):
            gen["maxOutputTokens"] = body[key]
            break
    stops = stop_list(stop)
    if stops:
        gen["stopSequences"] = stops
    return gen


def _json_mode(gen: dict[str, Any], kind: Any, schema: Any) -> None:
    if kind == "json_object":
        gen["responseMimeType"] = "application/json"
    elif kind == "json_schema":
        gen["responseMimeType"] = "application/json"
        if isinstance(schema, dict):
            gen["responseJsonSchema"] = clean_schema_for_gemini(schema)


def assemble_body(out: dict[str, Any], contents: list[dict[str, Any]],
                  system: list[dict[str, Any]], decls: list[dict[str, Any]],
                  tool_choice: Any) -> dict[str, Any]:
    out["contents"] = contents
    if system:
        out["system_instruction"] = {"role": "user", "parts": system}
    if decls:
        out["tools"] = [{"functionDeclarations": decls}]
    config = openai_tool_choice_to_gemini(tool_choice)
    if config is not None:
        out["toolConfig"] = config
    return out


# ---------------------------------------------------------------------------
# openai (chat completions) → gemini, §2.1
# ---------------------------------------------------------------------------


def _openai_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return []
    parts: list[dict[str, Any]] = []
    for item in content:
        if isinstance(item, str):
            if item:
                parts.append({"text": item})
            continue
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "text")
        part: dict[str, Any] | None = None
        if kind in TEXT_PART_TYPES:
            text = item.get("text")
            if isinstance(text, str) and text:
                part = {"text": text}
        elif kind == "image_url":
            ref = item.get("image_url")
            part = _image_url_part(ref.get("url") if isinstance(ref, dict) else ref)
        elif kind == "input_audio":
            audio = item.get("input_audio")
            if isinstance(audio, dict) and isinstance(audio.get("data"), str):
                fmt = audio.get("format") if isinstance(audio.get("format"), str) else "wav"
                part = inline_part(f"audio/{fmt}", audio["data"])
        elif kind == "file":
            f = item.get("file")
            if isinstance(f, dict):
                part = _file_part(f.get("file_data"), f.get("filename"))
        if part is not None:
            parts.append(part)
    return parts


def _tool_result_value(content: Any) -> Any:
    """A Chat ``tool`` message's content as a ``functionResponse`` result (§9 #18)."""
    text = text_of_openai_content(content).strip()
    if not text:
        return {}
    if text[0] in "{[":
        try:
            return jsonfast.loads(text)
        except jsonfast.JSONDecodeError:
            pass
    return text


def openai_to_gemini(model: str, body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        messages = []
    results: dict[str, Any] = {}
    for msg in messages:
        if isinstance(msg, dict) and msg.get("role") == "tool":
            call_id = msg.get("tool_call_id")
            if isinstance(call_id, str):
                results[call_id] = msg.get("content")
    only_one = len(messages) == 1
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        role = msg.get("role")
        content = msg.get("content")
        if role in _SYSTEM_ROLES and not only_one:
            text = text_of_openai_content(content, "\n")
            if text:
                system.append({"text": text})
        elif role in _SYSTEM_ROLES or role == "user":
            parts = _openai_parts(content)
            if parts:
                contents.append({"role": "user", "parts": parts})
        elif role == "assistant":
            _openai_assistant(msg, results, contents)
    gen = generation_config(
        thinking_off(openai_effort_to_gemini_thinking(body.get("reasoning_effort")) or {},
                      model),
        body, max_key=("max_completion_tokens", "max_tokens"), stop=body.get("stop"))
    modalities = body.get("modalities")
    if isinstance(modalities, list):
        upper = [m.upper() for m in modalities if isinstance(m, str)]
        if upper:
            gen["responseModalities"] = upper
    image_config = body.get("image_config")
    if isinstance(image_config, dict) and isinstance(image_config.get("aspect_ratio"), str):
        gen["imageConfig"] = {"aspectRatio": image_config["aspect_ratio"]}
    fmt = body.get("response_format")
    if isinstance(fmt, dict):
        spec = fmt.get("json_schema")
        _json_mode(gen, fmt.get("type"), spec.get("schema") if isinstance(spec, dict) else None)
    if _int(body.get("seed")):
        gen["seed"] = body["seed"]
    decls = []
    tools = body.get("tools")
    for tool in tools if isinstance(tools, list) else ():
        fn = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" \
            else None
        if isinstance(fn, dict):
            decl = function_declaration(fn.get("name"), fn.get("description"),
                                         fn.get("parameters"))
            if decl is not None:
                decls.append(decl)
    out: dict[str, Any] = {"generationConfig": gen}
    return assemble_body(out, contents, system, decls, body.get("tool_choice") if decls else None)


def _openai_assistant(msg: dict[str, Any], results: dict[str, Any],
                      contents: list[dict[str, Any]]) -> None:
    parts = _openai_parts(msg.get("content"))
    responses: list[dict[str, Any]] = []
    calls = msg.get("tool_calls")
    for call in calls if isinstance(calls, list) else ():
        if not isinstance(call, dict) or call.get("type", "function") != "function":
            continue
        fn = call.get("function")
        if not isinstance(fn, dict):
            continue
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            continue
        parts.append({"functionCall": {"name": name, "args": object_args(fn.get("arguments"))}})
        call_id = call.get("id")
        result = results.get(call_id) if isinstance(call_id, str) else None
        responses.append({"functionResponse": {
            "name": name, "response": {"result": _tool_result_value(result)}}})
    if parts:
        contents.append({"role": "model", "parts": parts})
    if responses:
        contents.append({"role": "user", "parts": responses})


# ---------------------------------------------------------------------------
# openai-response → gemini, §2.2
# ---------------------------------------------------------------------------


def _responses_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if not isinstance(content, list):
        return []
    parts: list[dict[str, Any]] = []
    for item in content:
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "input_text")
        part: dict[str, Any] | None = None
        if kind in TEXT_PART_TYPES:
            text = item.get("text")
            if isinstance(text, str) and text:
                part = {"text": text}
        elif kind == "input_image":
            ref = item.get("image_url")
            part = _image_url_part(ref.get("url") if isinstance(ref, dict) else ref)
        elif kind == "input_file":
            part = _file_part(item.get("file_data"), item.get("filename"), item.get("file_url"))
        if part is not None:
            parts.append(part)
    return parts


def _output_value(output: Any) -> Any:
    if isinstance(output, list):
        output = text_of_openai_content(output)
    if isinstance(output, str):
        stripped = output.strip()
        if stripped[:1] == "{":
            try:
                value = jsonfast.loads(stripped)
            except jsonfast.JSONDecodeError:
                return output
            if isinstance(value, dict):
                return value
        return output
    return output if output is not None else ""


class _Contents:
    """Gemini contents being built; merges what must share one turn."""

    __slots__ = ("_last_kind", "items")

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._last_kind = ""

    def add(self, kind: str, role: str, parts: list[dict[str, Any]]) -> None:
        if not parts:
            return
        # model turns merge (text + parallel calls), and so do runs of function responses
        if kind == self._last_kind and kind in ("model", "responses"):
            self.items[-1]["parts"].extend(parts)
            return
        self.items.append({"role": role, "parts": list(parts)})
        self._last_kind = kind


def responses_to_gemini(model: str, body: dict[str, Any]) -> dict[str, Any]:
    items = body.get("input")
    if isinstance(items, str):
        items = [{"type": "message", "role": "user", "content": items}]
    if not isinstance(items, list):
        items = []
    system: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        system.append({"text": instructions})
    names: dict[str, str] = {}
    contents = _Contents()
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind is None and "role" in item:
            kind = "message"
        if kind == "message":
            role = item.get("role")
            if role in _SYSTEM_ROLES:
                text = text_of_openai_content(item.get("content"), "\n")
                if text:
                    system.append({"text": text})
            elif role in ("assistant", "model"):
                contents.add("model", "model", _responses_parts(item.get("content")))
            else:
                contents.add("user", "user", _responses_parts(item.get("content")))
        elif kind == "function_call":
            name = item.get("name")
            if not isinstance(name, str) or not name:
                continue
            call_id = item.get("call_id")
            if isinstance(call_id, str):
                names[call_id] = name
            contents.add("model", "model", [{"functionCall": {
                "name": name, "args": object_args(item.get("arguments"))}}])
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            name = names.get(call_id, "unknown") if isinstance(call_id, str) else "unknown"
            contents.add("responses", "user", [{"functionResponse": {
                "name": name,
                "response": {"name": name, "content": _output_value(item.get("output"))}}}])
    reasoning = body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    gen = generation_config(thinking_off(responses_effort_to_gemini_thinking(effort), model),
                            body, max_key=("max_output_tokens",),
                            stop=body.get("stop_sequences"), top_k=False)
    text_opts = body.get("text")
    fmt = text_opts.get("format") if isinstance(text_opts, dict) else None
    if isinstance(fmt, dict):
        _json_mode(gen, fmt.get("type"), fmt.get("schema"))
    decls = []
    tools = body.get("tools")
    for tool in tools if isinstance(tools, list) else ():
        if isinstance(tool, dict) and tool.get("type") == "function":
            decl = function_declaration(tool.get("name"), tool.get("description"),
                                         tool.get("parameters"))
            if decl is not None:
                decls.append(decl)
    out: dict[str, Any] = {"generationConfig": gen}
    return assemble_body(out, contents.items, system, decls,
                   body.get("tool_choice") if decls else None)


__all__ = [
    "assemble_body",
    "file_uri_part",
    "function_declaration",
    "generation_config",
    "inline_part",
    "openai_to_gemini",
    "responses_to_gemini",
    "thinking_off",
]
