"""Gemini family pairs: every client format into a Gemini upstream and back.

Registered pairs: (openai, gemini), (openai-response, gemini), (claude, gemini) and
(gemini, gemini), the last one normalising the request (§2.4, done here). Requests are
built in ``gemini_request`` and ``gemini_request_claude``; Claude answers in
``gemini_stream``, Responses answers in ``gemini_responses``, Chat Completions answers
here (§4.1).

The response side also accepts Cloud Code units (``{"response": …}``); the gemini-cli
pairs of ``gemini_cli`` run these ones inside the envelope, handing the units of a
stream over already parsed (``stream_units``).
"""

from __future__ import annotations

import abc

from typing import Any, Protocol

from .. import jsonfast
from .common import (
    claude_count_body,
    count_from_upstream,
    data_payloads,
    gemini_finish_to_openai,
    gemini_usage_to_openai,
    new_chat_completion_id,
    pick,
    tool_call_id_from_name,
)
from .gemini_request import openai_to_gemini, responses_to_gemini
from .gemini_request_claude import claude_to_gemini
from .gemini_responses import ResponsesFromGemini, gemini_to_response_object
from .gemini_stream import (
    ClaudeFromGemini,
    call_name,
    candidate,
    finish_reason,
    function_call,
    gemini_to_claude_message,
    parse_body,
    parse_units,
    parts_of,
    unix_seconds,
    usage_meta,
)
from .registry import StreamState, register_pair

# ---------------------------------------------------------------------------
# → openai (chat completions), §4.1 with §9 #1, #2, #7, #12
# ---------------------------------------------------------------------------


class _ChatState(StreamState):
    __slots__ = ("chunk_id", "create_time", "created", "last_meta", "last_usage", "saw_tool",
                 "tool_index")

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self.created = 0
        # every chunk repeats the same createTime; it is parsed (strptime, the costliest
        # step of a chunk) only when it changes
        self.create_time: Any = None
        self.tool_index = 0
        self.saw_tool = False
        self.chunk_id = ""
        # Gemini repeats usageMetadata in every chunk; convert it only when it changes
        self.last_meta: dict[str, Any] | None = None
        self.last_usage: dict[str, Any] | None = None


def _image(part: dict[str, Any]) -> dict[str, Any] | None:
    inline = part.get("inlineData")
    if inline is None:
        inline = part.get("inline_data")
    if not isinstance(inline, dict) or not inline.get("data"):
        return None
    mime = inline.get("mimeType") or inline.get("mime_type") or "image/png"
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{inline['data']}"}}


def _arguments(fc: dict[str, Any]) -> str:
    args = fc.get("args")
    return jsonfast.dumps_str(args) if args is not None else "{}"


def _read_parts(parts: list[Any]) -> tuple[list[str], list[str], list[dict[str, Any]],
                                            list[dict[str, Any]]]:
    """(texts, thoughts, function calls, images) of a candidate's parts, in order."""
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        text = part.get("text")
        if isinstance(text, str):
            (thoughts if part.get("thought") is True else texts).append(text)
            continue
        fc = function_call(part)
        if fc is not None:
            calls.append(fc)
            continue
        image = _image(part)
        if image is not None:
            images.append(image)
    return texts, thoughts, calls, images


def _chat_head(state: _ChatState, unit: dict[str, Any]) -> tuple[str, int, str]:
    rid = unit.get("responseId")
    if isinstance(rid, str) and rid:
        state.chunk_id = rid
    elif not state.chunk_id:
        state.chunk_id = new_chat_completion_id()
    stamp = unit.get("createTime")
    if stamp != state.create_time:
        state.create_time = stamp
        created = unix_seconds(stamp)
        if created is not None:
            state.created = created
    version = unit.get("modelVersion")
    return state.chunk_id, state.created, version if isinstance(version, str) and version \
        else state.model


def _chat_usage(meta: dict[str, Any] | None) -> dict[str, Any] | None:
    usage = gemini_usage_to_openai(meta)
    if usage is not None:
        # early stream chunks lack candidatesTokenCount; OpenAI's usage object always has
        # all three counters (the SDK's type requires them)
        usage.setdefault("completion_tokens", 0)
        usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
    return usage


def gemini_unit_to_chat_chunk(state: _ChatState, unit: dict[str, Any]) -> dict[str, Any] | None:
    cand = candidate(unit)
    texts, thoughts, fcs, images = _read_parts(parts_of(cand))
    reason = finish_reason(unit, cand)
    meta = usage_meta(unit)
    if not (texts or thoughts or fcs or images or reason or meta is not None):
        return None
    calls = None
    if fcs:
        state.saw_tool = True
        calls = []
        for fc in fcs:
            name = call_name(fc)
            calls.append({"id": tool_call_id_from_name(name), "index": state.tool_index,
                          "type": "function",
                          "function": {"name": name, "arguments": _arguments(fc)}})
            state.tool_index += 1
    some = bool(texts or thoughts or fcs or images)
    delta: dict[str, Any] = {"role": "assistant" if some else None,
                             "content": "".join(texts) if texts else None,
                             "reasoning_content": "".join(thoughts) if thoughts else None,
                             "tool_calls": calls}
    if images:
        delta["images"] = images
    chunk_id, created, model = _chat_head(state, unit)
    finish = native = None
    if reason:
        finish = gemini_finish_to_openai(reason, state.saw_tool)
        native = reason
    chunk: dict[str, Any] = {
        "id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                     "native_finish_reason": native}]}
    if meta is not None:
        if meta != state.last_meta:
            state.last_meta = meta
            state.last_usage = _chat_usage(meta)
        chunk["usage"] = state.last_usage
    return chunk


def gemini_to_chat_completion(state: _ChatState, body: bytes) -> dict[str, Any]:
    unit = parse_body(body)
    cand = candidate(unit)
    texts, thoughts, fcs, images = _read_parts(parts_of(cand))
    calls = [{"id": tool_call_id_from_name(call_name(fc)), "type": "function",
              "function": {"name": call_name(fc), "arguments": _arguments(fc)}} for fc in fcs]
    message: dict[str, Any] = {"role": "assistant",
                               "content": "".join(texts) if texts else None,
                               "reasoning_content": "".join(thoughts) if thoughts else None,
                               "tool_calls": calls or None}
    if images:
        message["images"] = images
    chunk_id, created, model = _chat_head(state, unit)
    reason = finish_reason(unit, cand)
    out: dict[str, Any] = {
        "id": chunk_id, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": gemini_finish_to_openai(reason, bool(calls)),
                     "native_finish_reason": reason or None}]}
    usage = _chat_usage(usage_meta(unit))
    if usage is not None:
        out["usage"] = usage
    return out


# ---------------------------------------------------------------------------
# gemini → gemini, §2.4 / §2.5
# ---------------------------------------------------------------------------


def _has_function_response(content: dict[str, Any]) -> bool:
    parts = content.get("parts")
    return isinstance(parts, list) and any(
        isinstance(p, dict) and ("functionResponse" in p or "function_response" in p)
        for p in parts)


def _normalised_contents(contents: list[Any]) -> list[Any] | None:
    """Contents with every role user/model, or None when nothing had to change."""
    out: list[Any] | None = None
    previous = ""
    for i, content in enumerate(contents):
        if not isinstance(content, dict):
            continue
        role = content.get("role")
        if role not in ("user", "model"):
            if _has_function_response(content):
                role = "user"
            else:
                role = "model" if previous == "user" else "user"
            if out is None:
                out = list(contents)
            out[i] = {**content, "role": role}
        previous = role
    return out


def _renamed_declarations(tools: list[Any]) -> list[Any] | None:
    out: list[Any] | None = None
    for i, tool in enumerate(tools):
        decls = tool.get("function_declarations") if isinstance(tool, dict) else None
        if not isinstance(decls, list):
            continue
        new_decls = []
        changed = False
        for decl in decls:
            if isinstance(decl, dict) and "parameters" in decl \
                    and pick(decl, "parametersJsonSchema", "parameters_json_schema") is None:
                decl = {("parametersJsonSchema" if k == "parameters" else k): v
                        for k, v in decl.items()}
                changed = True
            new_decls.append(decl)
        if changed:
            if out is None:
                out = list(tools)
            out[i] = {**tool, "function_declarations": new_decls}
    return out


def normalise_gemini(body: dict[str, Any]) -> dict[str, Any]:
    out = body
    contents = body.get("contents")
    if isinstance(contents, list):
        fixed = _normalised_contents(contents)
        if fixed is not None:
            out = {**out, "contents": fixed}
    tools = body.get("tools")
    if isinstance(tools, list):
        renamed = _renamed_declarations(tools)
        if renamed is not None:
            out = {**out, "tools": renamed}
    return out


# ---------------------------------------------------------------------------
# pairs
# ---------------------------------------------------------------------------


class _FromGemini:
    client = ""
    upstream = "gemini"

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return StreamState(model, client_body)

    def stream_end(self, state: StreamState) -> list[bytes]:
        return []

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return upstream_body


class _Machine(Protocol):
    def feed(self, unit: dict[str, Any]) -> None: ...
    def end(self) -> None: ...
    def take(self) -> list[bytes]: ...


class _MachineOverGemini(_FromGemini, abc.ABC):
    """A pair whose stream is an event machine fed one Gemini unit at a time."""

    @abc.abstractmethod
    def _machine(self, model: str, client_body: dict[str, Any]) -> _Machine:
        """The event machine that writes this pair's client stream."""

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        state = StreamState(model, client_body)
        state.data = self._machine(model, client_body)
        return state

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        units, done = parse_units(lines)
        return self.stream_units(state, units, done)

    def stream_units(self, state: StreamState, units: list[dict[str, Any]],
                     done: bool) -> list[bytes]:
        """``stream_lines`` for units parsed already (``gemini_cli`` unwraps its own)."""
        machine: _Machine = state.data
        for unit in units:
            machine.feed(unit)
        if done:
            machine.end()
        return machine.take()

    def stream_end(self, state: StreamState) -> list[bytes]:
        machine: _Machine = state.data
        machine.end()
        return machine.take()


class OpenAIChatOverGemini(_FromGemini):
    client = "openai"

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return openai_to_gemini(model, body)

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return _ChatState(model, client_body)

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        units, done = parse_units(lines)
        return self.stream_units(state, units, done)

    def stream_units(self, state: StreamState, units: list[dict[str, Any]],
                     done: bool) -> list[bytes]:
        """``stream_lines`` for units parsed already (``gemini_cli`` unwraps its own)."""
        assert isinstance(state, _ChatState)
        out = []
        for unit in units:
            chunk = gemini_unit_to_chat_chunk(state, unit)
            if chunk is not None:
                out.append(jsonfast.dumps(chunk))
        return out

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        assert isinstance(state, _ChatState)
        return jsonfast.dumps(gemini_to_chat_completion(state, upstream_body))


class ResponsesOverGemini(_MachineOverGemini):
    client = "openai-response"

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return responses_to_gemini(model, body)

    def _machine(self, model: str, client_body: dict[str, Any]) -> _Machine:
        return ResponsesFromGemini(model, client_body)

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return jsonfast.dumps(gemini_to_response_object(upstream_body, state.model,
                                                        state.client_body))


class ClaudeOverGemini(_MachineOverGemini):
    client = "claude"

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return claude_to_gemini(model, body)

    def _machine(self, model: str, client_body: dict[str, Any]) -> _Machine:
        return ClaudeFromGemini(model)

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return jsonfast.dumps(gemini_to_claude_message(upstream_body, state.model))

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return claude_count_body(count_from_upstream(self.upstream, upstream_body))


class GeminiOverGemini(_FromGemini):
    """Gemini clients: the request is normalised (§2.4), answers pass through (§4.4).

    Streams hand out each chunk's bare JSON; the server frames them (SSE, or one JSON
    array for ``alt=json`` clients).
    """

    client = "gemini"

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return normalise_gemini(body)

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        return data_payloads(lines)

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return upstream_body


register_pair(OpenAIChatOverGemini())
register_pair(ResponsesOverGemini())
register_pair(ClaudeOverGemini())
register_pair(GeminiOverGemini())

__all__ = [
    "ClaudeOverGemini",
    "GeminiOverGemini",
    "OpenAIChatOverGemini",
    "ResponsesOverGemini",
    "gemini_to_chat_completion",
    "gemini_unit_to_chat_chunk",
    "normalise_gemini",
]
