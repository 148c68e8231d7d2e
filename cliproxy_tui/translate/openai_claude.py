"""OpenAI-compatible answers → Claude Messages (translators.md §7.2, §9 #8 #9 #31–#33).

This is the claude-code-router path, the hottest of all, so events are written from
byte templates (keys in alphabetical order, as upstream's map-built JSON has them) and
each text fragment costs one ``orjson.dumps`` of a string.

Resolved behaviour, against upstream's:

- the message starts on the first chunk, whether or not it carries a role (§9 #9);
- content-block indices are 0, 1, 2 … in order of first appearance — thinking, text or
  tool — and each block is closed with its own index (§9 #31), so the official SDK's
  accumulator (which indexes blocks by position) works;
- tool arguments stream as ``input_json_delta`` fragments as they arrive (§9 #31);
- ``reasoning_content`` becomes a ``thinking`` block (§9 #33);
- usage — cached prompt tokens as ``cache_read_input_tokens`` — goes on ``message_delta``,
  which waits for the usage chunk the executor asks for (``include_usage``, §9 #32);
- an answer with tool calls whose finish reason says ``stop`` reports ``tool_use``
  (some compatible servers say ``stop``; Claude clients would ignore the calls).
"""

from __future__ import annotations

from typing import Any

import orjson

from .. import jsonfast
from .common import (
    claude_usage,
    new_message_id,
    new_toolu_id,
    openai_finish_to_claude,
    usage_from_openai,
)
from .openai_chunks import (
    DONE,
    ChunkStream,
    ToolSlot,
    completion_message,
    parse_arguments,
    parse_line,
    reasoning_text,
    tool_slot,
)

#: fragments are plain strings, ids and small dicts: orjson without jsonfast's options
#: (one Python call less per fragment on the hottest loop)
_dumps = orjson.dumps

_MSG_START = b'event: message_start\ndata: {"message":{"content":[],"id":'
_MSG_START_MODEL = b',"model":'
_MSG_START_END = (b',"role":"assistant","stop_reason":null,"stop_sequence":null,'
                  b'"type":"message","usage":{"input_tokens":0,"output_tokens":0}},'
                  b'"type":"message_start"}\n\n')
_START_TEXT = (b'event: content_block_start\ndata: {"content_block":{"text":"","type":"text"},'
               b'"index":')
_START_THINKING = (b'event: content_block_start\ndata: {"content_block":{"signature":"",'
                   b'"thinking":"","type":"thinking"},"index":')
_START_TOOL = b'event: content_block_start\ndata: {"content_block":{"id":'
_START_TOOL_NAME = b',"input":{},"name":'
_START_TOOL_END = b',"type":"tool_use"},"index":'
_START_END = b',"type":"content_block_start"}\n\n'
_DELTA_TEXT = b'event: content_block_delta\ndata: {"delta":{"text":'
_DELTA_TEXT_END = b',"type":"text_delta"},"index":'
_DELTA_THINKING = b'event: content_block_delta\ndata: {"delta":{"thinking":'
_DELTA_THINKING_END = b',"type":"thinking_delta"},"index":'
_DELTA_JSON = b'event: content_block_delta\ndata: {"delta":{"partial_json":'
_DELTA_JSON_END = b',"type":"input_json_delta"},"index":'
_DELTA_END = b',"type":"content_block_delta"}\n\n'
_STOP = b'event: content_block_stop\ndata: {"index":'
_STOP_END = b',"type":"content_block_stop"}\n\n'
_MSG_DELTA = b'event: message_delta\ndata: {"delta":{"stop_reason":'
_MSG_DELTA_USAGE = b',"stop_sequence":null},"type":"message_delta","usage":'
_MSG_DELTA_END = b'}\n\n'
_MSG_STOP = b'event: message_stop\ndata: {"type":"message_stop"}\n\n'

_NO_BLOCK, _TEXT, _THINKING, _TOOL = 0, 1, 2, 3
_ZERO_USAGE = b'{"input_tokens":0,"output_tokens":0}'


class ClaudeStream(ChunkStream):
    """Where one OpenAI → Claude stream stands."""

    __slots__ = ("block", "block_kind", "delta_sent", "delta_tail", "finish", "next_index", "order",
                 "started", "stopped", "tool_seen", "tools", "usage")

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self.started = False
        #: message_stop (or an error event) went out: nothing more is owed
        self.stopped = False
        self.next_index = 0
        self.block = -1
        self.block_kind = _NO_BLOCK
        #: the bytes after the JSON string of a text / thinking delta of the open block
        self.delta_tail = b""
        self.tools: dict[int, ToolSlot] = {}
        self.order: list[ToolSlot] = []
        self.tool_seen = False
        self.finish: str | None = None
        self.usage: dict[str, Any] | None = None
        self.delta_sent = False


def _close_block(st: ClaudeStream, out: list[bytes]) -> None:
    if st.block_kind != _NO_BLOCK:
        out.append(b"%s%d%s" % (_STOP, st.block, _STOP_END))
        st.block_kind = _NO_BLOCK


def _next_block(st: ClaudeStream, kind: int, out: list[bytes]) -> int:
    """Close the open block and make a ``kind`` block the open one; its index."""
    _close_block(st, out)
    index = st.next_index
    st.next_index = index + 1
    st.block = index
    st.block_kind = kind
    return index


def _open_block(st: ClaudeStream, kind: int, out: list[bytes]) -> None:
    index = _next_block(st, kind, out)
    if kind == _TEXT:
        out.append(b"%s%d%s" % (_START_TEXT, index, _START_END))
        st.delta_tail = b"%s%d%s" % (_DELTA_TEXT_END, index, _DELTA_END)
    elif kind == _THINKING:
        out.append(b"%s%d%s" % (_START_THINKING, index, _START_END))
        st.delta_tail = b"%s%d%s" % (_DELTA_THINKING_END, index, _DELTA_END)


def _start_message(st: ClaudeStream, chunk: dict[str, Any], out: list[bytes]) -> None:
    st.started = True
    msg_id = chunk.get("id")
    model = chunk.get("model")
    out.append(b"".join((
        _MSG_START, _dumps(msg_id if isinstance(msg_id, str) and msg_id else new_message_id()),
        _MSG_START_MODEL, _dumps(model if isinstance(model, str) and model else st.model),
        _MSG_START_END)))


def _start_tool(st: ClaudeStream, slot: ToolSlot, out: list[bytes]) -> None:
    index = slot.position = _next_block(st, _TOOL, out)
    slot.started = True
    st.tool_seen = True
    if not slot.call_id:
        slot.call_id = new_toolu_id()
    out.append(b"".join((_START_TOOL, _dumps(slot.call_id), _START_TOOL_NAME,
                         _dumps(slot.name), _START_TOOL_END, b"%d" % index, _START_END)))
    if slot.args:
        # fragments that came before the name (rare): sent as one delta
        out.append(b"%s%s%s%d%s" % (_DELTA_JSON, _dumps(slot.arguments()), _DELTA_JSON_END,
                                    index, _DELTA_END))


def _on_tool_calls(st: ClaudeStream, calls: list[Any], out: list[bytes]) -> None:
    for pos, entry in enumerate(calls):
        if not isinstance(entry, dict):
            continue
        slot, fragment = tool_slot(st.tools, st.order, entry, pos)
        if not slot.started:
            if fragment:
                slot.args.append(fragment)
            if slot.name:
                _start_tool(st, slot, out)
            continue
        if fragment:
            slot.args.append(fragment)
            # a fragment for a call whose block is already closed (interleaved parallel
            # calls) still goes out under that call's own index
            out.append(b"%s%s%s%d%s" % (_DELTA_JSON, _dumps(fragment), _DELTA_JSON_END,
                                        slot.position, _DELTA_END))


def _close_all(st: ClaudeStream, out: list[bytes]) -> None:
    for slot in st.order:
        if not slot.started:  # a call that never got its name
            _start_tool(st, slot, out)
    _close_block(st, out)


def _stop_reason(st: ClaudeStream) -> str:
    reason = openai_finish_to_claude(st.finish, st.tool_seen)
    if reason == "end_turn" and st.tool_seen and st.finish == "stop":
        return "tool_use"
    return reason


def _message_delta(st: ClaudeStream, out: list[bytes]) -> None:
    st.delta_sent = True
    usage = _dumps(claude_usage(usage_from_openai(st.usage))) if st.usage else _ZERO_USAGE
    out.append(b"".join((_MSG_DELTA, _dumps(_stop_reason(st)), _MSG_DELTA_USAGE, usage,
                         _MSG_DELTA_END)))


def _finish(st: ClaudeStream, out: list[bytes]) -> None:
    """Everything still owed: open blocks, message_delta, message_stop (once)."""
    if st.stopped:
        return
    if not st.started:
        _start_message(st, {}, out)
    _close_all(st, out)
    if not st.delta_sent:
        _message_delta(st, out)
    out.append(_MSG_STOP)
    st.stopped = True


def _error_event(chunk: dict[str, Any]) -> bytes:
    err = chunk.get("error")
    message = err.get("message") if isinstance(err, dict) else err
    if not isinstance(message, str) or not message:
        message = jsonfast.dumps_str(err)
    return b"event: error\ndata: " + _dumps(
        {"type": "error", "error": {"type": "api_error", "message": message}}) + b"\n\n"


def stream_to_claude(st: ClaudeStream, lines: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    if st.stopped:
        return out
    loads = jsonfast.loads
    for line in lines:
        if not line:
            st.partial = None  # a blank line ends an SSE event
            continue
        # an object line is parsed inline, this loop being the proxy's hottest code;
        # ``[DONE]`` and oddities go the slow way (a failed parse costs an exception)
        if st.partial is None and line[-1:] == b"}" and line.startswith(b"data:"):
            try:
                chunk = loads(line[5:])
            except jsonfast.JSONDecodeError:
                chunk = parse_line(st, line)
        else:
            chunk = parse_line(st, line)
        if type(chunk) is not dict:
            continue
        if chunk is DONE:
            _finish(st, out)
            return out
        if "error" in chunk and "choices" not in chunk:
            out.append(_error_event(chunk))
            st.stopped = True
            return out
        if not st.started:
            _start_message(st, chunk, out)
        choices = chunk.get("choices")
        if choices and type(choices) is list and type(choices[0]) is dict:
            choice = choices[0]
            delta = choice.get("delta")
            if delta and type(delta) is dict:
                if "reasoning_content" in delta or "reasoning" in delta:
                    thought = reasoning_text(delta)
                    if thought:
                        if st.block_kind != _THINKING:
                            _open_block(st, _THINKING, out)
                        out.append(_DELTA_THINKING + _dumps(thought) + st.delta_tail)
                text = delta.get("content")
                if text and type(text) is str:
                    if st.block_kind != _TEXT:
                        _open_block(st, _TEXT, out)
                    out.append(_DELTA_TEXT + _dumps(text) + st.delta_tail)
                calls = delta.get("tool_calls")
                if calls and type(calls) is list:
                    _on_tool_calls(st, calls, out)
            reason = choice.get("finish_reason")
            if reason and st.finish is None and type(reason) is str:
                _close_all(st, out)
                st.finish = reason
        usage = chunk.get("usage")
        if usage and type(usage) is dict:
            st.usage = usage
            if st.finish is not None and not st.delta_sent:
                _message_delta(st, out)
    return out


def end_claude_stream(st: ClaudeStream) -> list[bytes]:
    out: list[bytes] = []
    _finish(st, out)
    return out


# -- non-stream ------------------------------------------------------------------------


def completion_to_claude(st: ClaudeStream, body: bytes) -> bytes:
    """A chat completion → a Claude ``Message``."""
    obj, choice, message = completion_message(body)
    content: list[dict[str, Any]] = []
    thought = reasoning_text(message)
    if thought:
        content.append({"type": "thinking", "thinking": thought, "signature": ""})
    _content_blocks(message.get("content"), content)
    calls = message.get("tool_calls")
    has_calls = False
    if isinstance(calls, list):
        for call in calls:
            if not isinstance(call, dict):
                continue
            fn = call.get("function")
            fn = fn if isinstance(fn, dict) else {}
            call_id = call.get("id")
            content.append({"type": "tool_use",
                            "id": call_id if isinstance(call_id, str) and call_id
                            else new_toolu_id(),
                            "name": fn.get("name") if isinstance(fn.get("name"), str) else "",
                            "input": parse_arguments(fn.get("arguments"))})
            has_calls = True
    finish = choice.get("finish_reason")
    reason = openai_finish_to_claude(finish, has_calls)
    if reason == "end_turn" and has_calls and finish == "stop":
        reason = "tool_use"
    msg_id = obj.get("id")
    model = obj.get("model")
    return jsonfast.dumps({
        "id": msg_id if isinstance(msg_id, str) and msg_id else new_message_id(),
        "type": "message",
        "role": "assistant",
        "model": model if isinstance(model, str) and model else st.model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": None,
        "usage": claude_usage(usage_from_openai(obj.get("usage"))),
    })


def _content_blocks(value: Any, content: list[dict[str, Any]]) -> None:
    """Message ``content`` (a string or a list of parts) → text / thinking blocks."""
    if isinstance(value, str):
        if value:
            content.append({"type": "text", "text": value})
        return
    if not isinstance(value, list):
        return
    for part in value:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("text", "output_text"):
            text = part.get("text")
            if isinstance(text, str) and text:
                if content and content[-1]["type"] == "text":
                    content[-1] = {"type": "text", "text": content[-1]["text"] + text}
                else:
                    content.append({"type": "text", "text": text})
        elif kind in ("reasoning", "thinking"):
            text = part.get("text", part.get("thinking"))
            if isinstance(text, str) and text:
                content.append({"type": "thinking", "thinking": text, "signature": ""})
