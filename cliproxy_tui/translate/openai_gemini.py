"""OpenAI-compatible answers → Gemini ``GenerateContentResponse`` (translators.md §7.3).

Resolved behaviour, against upstream's:

- only a non-empty ``finish_reason`` finishes (a JSON ``null`` does not, §9 #9);
- tool calls are emitted in ascending index order (§9 #8), with the upstream call id as
  ``functionCall.id`` so a client that echoes it keeps ids stable across turns;
- ``reasoning_content`` becomes ``{"thought":true}`` parts (§9 #26);
- the finish chunk waits for the usage chunk that follows it (the executor asks for one)
  so that, as from Gemini itself, the last chunk carries ``finishReason`` and
  ``usageMetadata`` together (§9 #26);
- chunks use Gemini's own field names (``modelVersion``, ``responseId``), not
  upstream's ``model``.
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from .common import gemini_usage_metadata, openai_finish_to_gemini, usage_from_openai
from .openai_chunks import (
    DONE,
    ChunkStream,
    ToolSlot,
    completion_message,
    first_choice,
    iter_chunks,
    parse_arguments,
    reasoning_text,
    tool_slot,
)

_dumps = jsonfast.dumps


class GeminiStream(ChunkStream):
    """Where one OpenAI → Gemini stream stands."""

    __slots__ = ("done", "order", "pending", "response_id", "tools", "upstream_model")

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self.tools: dict[int, ToolSlot] = {}
        self.order: list[ToolSlot] = []
        #: the finish chunk, held until the usage chunk (or the end) arrives
        self.pending: dict[str, Any] | None = None
        self.done = False
        self.response_id = ""
        self.upstream_model = ""


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _remember_ids(st: GeminiStream, obj: dict[str, Any]) -> None:
    st.response_id = _str(obj.get("id"))
    st.upstream_model = _str(obj.get("model"))


def _chunk(st: GeminiStream, parts: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"candidates": [{"content": {"role": "model", "parts": parts},
                                           "index": 0}],
                           "modelVersion": st.upstream_model or st.model}
    if st.response_id:
        out["responseId"] = st.response_id
    return out


def _call_parts(slots: list[ToolSlot]) -> list[dict[str, Any]]:
    """Calls in ascending upstream index (§9 #8); equal indices keep arrival order."""
    return [_call_part(s) for s in sorted(slots, key=lambda s: s.index)]


def _call_part(slot: ToolSlot) -> dict[str, Any]:
    call: dict[str, Any] = {"name": slot.name, "args": parse_arguments(slot.arguments())}
    if slot.call_id:
        call["id"] = slot.call_id
    return {"functionCall": call}


def _content_parts(message: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    thought = reasoning_text(message)
    if thought:
        parts.append({"text": thought, "thought": True})
    text = message.get("content")
    if isinstance(text, list):
        text = "".join(p["text"] for p in text if isinstance(p, dict)
                       and isinstance(p.get("text"), str))
    if text and isinstance(text, str):
        parts.append({"text": text})
    return parts


def stream_to_gemini(st: GeminiStream, lines: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    if st.done:
        return out
    for chunk in iter_chunks(st, lines):
        if chunk is DONE:
            _flush(st, out)
            st.done = True
            return out
        if "error" in chunk and "choices" not in chunk:
            continue
        if not st.response_id:
            _remember_ids(st, chunk)
        choice = first_choice(chunk)
        parts: list[dict[str, Any]] = []
        reason: str | None = None
        if choice is not None:
            delta = choice.get("delta")
            if isinstance(delta, dict) and delta:
                parts = _content_parts(delta)
                calls = delta.get("tool_calls")
                if calls and isinstance(calls, list):
                    for pos, entry in enumerate(calls):
                        if isinstance(entry, dict) and entry.get("type", "function") == "function":
                            slot, fragment = tool_slot(st.tools, st.order, entry, pos)
                            if fragment:
                                slot.args.append(fragment)
            reason = openai_finish_to_gemini(choice.get("finish_reason"))
        usage = chunk.get("usage")
        meta = gemini_usage_metadata(usage_from_openai(usage)) \
            if usage and isinstance(usage, dict) else None
        if reason is not None and st.pending is None:
            pending = _chunk(st, _call_parts(st.order))
            pending["candidates"][0]["finishReason"] = reason
            st.order = []
            st.tools = {}
            st.pending = pending
        if parts:
            content = _chunk(st, parts)
            if meta is not None and st.pending is None:
                # providers that report running usage on every chunk
                content["usageMetadata"] = meta
                meta = None
            out.append(_dumps(content))
        if meta is not None:
            if st.pending is not None:
                st.pending["usageMetadata"] = meta
                _flush(st, out)
            else:
                usage_chunk = _chunk(st, [])
                usage_chunk["candidates"] = []
                usage_chunk["usageMetadata"] = meta
                out.append(_dumps(usage_chunk))
    return out


def _flush(st: GeminiStream, out: list[bytes]) -> None:
    if st.order:
        # calls never followed by a finish reason still reach the client
        if st.pending is None:
            st.pending = _chunk(st, [])
            st.pending["candidates"][0]["finishReason"] = "STOP"
        st.pending["candidates"][0]["content"]["parts"].extend(_call_parts(st.order))
        st.order = []
        st.tools = {}
    if st.pending is not None:
        out.append(_dumps(st.pending))
        st.pending = None


def end_gemini_stream(st: GeminiStream) -> list[bytes]:
    out: list[bytes] = []
    if not st.done:
        _flush(st, out)
        st.done = True
    return out


# -- non-stream ------------------------------------------------------------------------


def completion_to_gemini(st: GeminiStream, body: bytes) -> bytes:
    """A chat completion → a Gemini ``GenerateContentResponse``."""
    obj, choice, message = completion_message(body)
    _remember_ids(st, obj)
    parts = _content_parts(message)
    for call in message.get("tool_calls") or ():
        if not isinstance(call, dict) or call.get("type", "function") != "function":
            continue
        fn = call.get("function")
        fn = fn if isinstance(fn, dict) else {}
        slot = ToolSlot(_str(call.get("id")), _str(fn.get("name")))
        if isinstance(fn.get("arguments"), str):
            slot.args.append(fn["arguments"])
        parts.append(_call_part(slot))
    out = _chunk(st, parts)
    out["candidates"][0]["finishReason"] = openai_finish_to_gemini(
        choice.get("finish_reason")) or "STOP"
    usage = obj.get("usage")
    if isinstance(usage, dict):
        out["usageMetadata"] = gemini_usage_metadata(usage_from_openai(usage))
    return jsonfast.dumps(out)
