"""Reading an OpenAI-compatible upstream: chunk lines, tool-call slots, arguments.

Shared by the three response translators of the OpenAI family (→ claude, → gemini,
→ openai-response). Everything here runs once per upstream line, so it stays a few
byte operations plus one ``orjson.loads``.
"""

from __future__ import annotations

import ast
from typing import Any

from .. import jsonfast
from .registry import StreamState

#: ``iter_chunks`` yields this for ``[DONE]`` (with or without ``data:``)
DONE: dict[str, Any] = {}
#: a multi-line event is given up beyond this (the executor's own line limit)
_MAX_PARTIAL = 20 * 1024 * 1024


class ChunkStream(StreamState):
    """Stream state with the half-read multi-line ``data:`` event that parsing may keep."""

    __slots__ = ("partial",)

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self.partial: bytes | None = None


def iter_chunks(state: ChunkStream, lines: list[bytes]) -> list[Any]:
    """The JSON objects carried by one batch of upstream lines, ``DONE`` for ``[DONE]``.

    Tolerates ``data:`` with or without a space, bare JSON lines, ``event:``/``id:``/
    comment lines, junk before the first ``{`` and an event whose JSON is spread over
    several ``data:`` lines (SSE joins them with newlines; the pieces are kept in
    ``state.partial`` until they parse or a blank line ends the event).
    """
    out: list[Any] = []
    loads = jsonfast.loads
    for line in lines:
        # an object line: parsed inline (``[DONE]`` and oddities go the slow way, since
        # a failed parse costs an exception)
        if state.partial is None and line[-1:] == b"}" and line.startswith(b"data:"):
            try:
                obj = loads(line[5:])  # JSON allows the space after the colon
            except jsonfast.JSONDecodeError:
                obj = parse_line(state, line)
        else:
            obj = parse_line(state, line)
        if type(obj) is dict:
            out.append(obj)
    return out


def parse_line(state: ChunkStream, line: bytes) -> Any:
    """One upstream line → a JSON value, ``DONE``, or None (nothing to read)."""
    if not line:
        state.partial = None  # a blank line ends the event
        return None
    if line.startswith(b"data:"):
        payload = line[5:].strip()
    elif line[:1] == b"{":
        payload = line
    else:
        return DONE if line.strip() == b"[DONE]" else None
    if payload == b"[DONE]":
        state.partial = None
        return DONE
    pending = state.partial
    if pending is not None:
        state.partial = None
        try:
            return jsonfast.loads(pending + b"\n" + payload)
        except jsonfast.JSONDecodeError:
            pass
    try:
        return jsonfast.loads(payload)
    except jsonfast.JSONDecodeError:
        return _salvage(state, payload, pending)


def _salvage(state: ChunkStream, payload: bytes, pending: bytes | None) -> Any:
    """A payload that did not parse: junk before the JSON, or part of a longer event."""
    if pending is not None:
        # a continuation line of the event being collected
        if len(pending) + len(payload) < _MAX_PARTIAL:
            state.partial = pending + b"\n" + payload
        return None
    start = payload.find(b"{")
    if start < 0:
        return None
    if start > 0:
        try:
            return jsonfast.loads(payload[start:])
        except jsonfast.JSONDecodeError:
            pass
    # possibly the first of several ``data:`` lines of one event
    state.partial = payload[start:]
    return None


def first_choice(chunk: dict[str, Any]) -> dict[str, Any] | None:
    """The choice with index 0 (every client format here has a single answer)."""
    choices = chunk.get("choices")
    if not choices or not isinstance(choices, list):
        return None
    choice = choices[0]
    return choice if isinstance(choice, dict) else None


def completion_message(body: bytes) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A whole chat completion: the object, its first choice and that choice's message
    (``{}`` for each one that is missing or no object)."""
    obj = jsonfast.loads(body)
    if not isinstance(obj, dict):
        obj = {}
    choice = first_choice(obj) or {}
    message = choice.get("message")
    return obj, choice, message if isinstance(message, dict) else {}


def reasoning_text(delta: dict[str, Any]) -> str:
    """Reasoning text of a delta or message (§9 #33).

    ``reasoning_content`` is what DeepSeek, Qwen and iFlow send; OpenRouter and some
    others call the same thing ``reasoning``.
    """
    text = delta.get("reasoning_content")
    if isinstance(text, str) and text:
        return text
    text = delta.get("reasoning")
    return text if isinstance(text, str) else ""


class ToolSlot:
    """One streamed tool call, assembled from its fragments in arrival order."""

    __slots__ = ("args", "call_id", "index", "name", "position", "started")

    def __init__(self, call_id: str, name: str, index: int = 0) -> None:
        #: the upstream's ``tool_calls[].index``
        self.index = index
        self.call_id = call_id
        self.name = name
        self.args: list[str] = []
        #: block index / output index once announced to the client
        self.position = -1
        self.started = False

    def arguments(self) -> str:
        return "".join(self.args)


def tool_slot(tools: dict[int, ToolSlot], order: list[ToolSlot], entry: dict[str, Any],
              pos: int) -> tuple[ToolSlot, str]:
    """The slot a ``delta.tool_calls[]`` entry belongs to, and its argument fragment.

    Slots are keyed by the entry's ``index``; an entry that repeats an index with a
    *different* id is a new call (providers that number every call 0), one that repeats
    the same id or none continues the call. A name that arrives late fills the slot.
    """
    index = entry.get("index")
    if not isinstance(index, int):
        index = pos
    fn = entry.get("function")
    if not isinstance(fn, dict):
        fn = {}
    call_id = entry.get("id")
    call_id = call_id if isinstance(call_id, str) else ""
    name = fn.get("name")
    name = name if isinstance(name, str) else ""
    slot = tools.get(index)
    if slot is None or (call_id and slot.call_id and call_id != slot.call_id):
        slot = ToolSlot(call_id, name, index)
        tools[index] = slot
        order.append(slot)
    else:
        if call_id and not slot.call_id:
            slot.call_id = call_id
        if name and not slot.name:
            slot.name = name
    args = fn.get("arguments")
    return slot, args if isinstance(args, str) else ""


def parse_arguments(text: Any) -> dict[str, Any]:
    """Tool-call arguments as an object: JSON, else repaired pseudo-JSON, else ``{}``.

    Some models write Python-style ``{'city': 'Paris'}``; upstream converts single
    quotes before parsing, and so do we (a Python literal is the last resort).
    """
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        value = jsonfast.loads(text)
    except jsonfast.JSONDecodeError:
        value = _repair(text)
    return value if isinstance(value, dict) else {}


def _repair(text: str) -> Any:
    if "'" in text:
        try:
            return jsonfast.loads(_single_to_double_quotes(text))
        except jsonfast.JSONDecodeError:
            pass
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _single_to_double_quotes(text: str) -> str:
    out: list[str] = []
    quote = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if not quote:
            if c in "'\"":
                quote = c
                out.append('"')
            else:
                out.append(c)
        elif c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            out.append("'" if quote == "'" and nxt == "'" else c + nxt)
            i += 2
            continue
        elif c == quote:
            quote = ""
            out.append('"')
        elif c == '"':
            out.append('\\"')
        else:
            out.append(c)
        i += 1
    return "".join(out)
