"""OpenAI-compatible answers → Responses API events and objects (translators.md §7.4).

Resolved behaviour, against upstream's:

- output indices are allocated per item in order of first appearance (§9 #24) and every
  item — reasoning included — gets its ``response.output_item.done``;
- done events carry the full text (§9 #16); reasoning deltas carry ``delta`` (§9 #25);
- every entry of ``delta.tool_calls`` counts, so parallel calls stay apart;
- ``response.completed`` waits for the usage chunk that follows the finish chunk (the
  executor asks for it), so the usage is not lost;
- echo fields come from the client's own request (§9 #6).

Function-call items stay open until a message or reasoning item starts or the answer
finishes, so argument fragments of parallel calls may interleave safely.
"""

from __future__ import annotations

import time
from typing import Any

from .. import jsonfast
from .common import (
    RESPONSES_ECHO_FIELDS,
    new_call_id,
    new_response_id,
    responses_usage,
    usage_from_openai,
)
from .openai_chunks import (
    DONE,
    ChunkStream,
    ToolSlot,
    completion_message,
    first_choice,
    iter_chunks,
    reasoning_text,
    tool_slot,
)

_dumps = jsonfast.dumps

# ``model`` is echoed with a fallback to the routed model, see ``echo_fields``
_ECHO = tuple(k for k in RESPONSES_ECHO_FIELDS if k != "model")


def echo_fields(client_body: dict[str, Any], model: str) -> dict[str, Any]:
    """The request fields a Response object repeats, with the defaults the SDK requires."""
    echo: dict[str, Any] = {"model": client_body.get("model") or model,
                            "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}
    for key in _ECHO:
        value = client_body.get(key)
        if value is not None:
            echo[key] = value
    return echo


def _response_object(resp_id: str, created: int, status: str, echo: dict[str, Any],
                     output: list[dict[str, Any]], usage: dict[str, Any] | None
                     ) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": resp_id, "object": "response", "created_at": created,
                           "status": status, "background": False, "error": None,
                           "incomplete_details": None}
    obj.update(echo)
    obj["output"] = output
    if usage is not None:
        obj["usage"] = usage
    return obj


def _usage(raw: Any) -> dict[str, Any]:
    usage = responses_usage(usage_from_openai(raw))
    usage["input_tokens_details"]["cache_write_tokens"] = 0
    return usage


class _Item:
    """The message or reasoning item being streamed."""

    __slots__ = ("item_id", "kind", "output_index", "parts")

    def __init__(self, kind: str, item_id: str, output_index: int) -> None:
        self.kind = kind
        self.item_id = item_id
        self.output_index = output_index
        self.parts: list[str] = []


class ResponsesStream(ChunkStream):
    """Where one OpenAI → Responses stream stands."""

    __slots__ = ("completed", "created", "current", "echo", "finished", "next_index",
                 "open_calls", "order", "output", "resp_id", "seq", "started", "tools",
                 "usage")

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self.seq = 1
        self.started = False
        self.finished = False
        self.completed = False
        self.resp_id = ""
        self.created = 0
        self.echo = echo_fields(client_body, model)
        self.next_index = 0
        self.current: _Item | None = None
        self.tools: dict[int, ToolSlot] = {}
        self.order: list[ToolSlot] = []
        self.open_calls: list[ToolSlot] = []
        #: finished items by output index
        self.output: dict[int, dict[str, Any]] = {}
        self.usage: Any = None


def _emit(st: ResponsesStream, out: list[bytes], kind: str, fields: dict[str, Any]) -> None:
    event = {"type": kind, "sequence_number": st.seq}
    event.update(fields)
    st.seq += 1
    out.append(b"event: " + kind.encode())
    out.append(b"data: " + _dumps(event))


def _start(st: ResponsesStream, chunk: dict[str, Any], out: list[bytes]) -> None:
    st.started = True
    chat_id = chunk.get("id")
    st.resp_id = chat_id if isinstance(chat_id, str) and chat_id else new_response_id()
    created = chunk.get("created")
    st.created = created if isinstance(created, int) else int(time.time())
    for kind in ("response.created", "response.in_progress"):
        _emit(st, out, kind, {"response": _response_object(
            st.resp_id, st.created, "in_progress", st.echo, [], None)})


def _close_current(st: ResponsesStream, out: list[bytes]) -> None:
    item = st.current
    if item is None:
        return
    st.current = None
    text = "".join(item.parts)
    ids = {"item_id": item.item_id, "output_index": item.output_index}
    if item.kind == "message":
        part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        _emit(st, out, "response.output_text.done",
              {**ids, "content_index": 0, "text": text, "logprobs": []})
        _emit(st, out, "response.content_part.done", {**ids, "content_index": 0, "part": part})
        done = {"id": item.item_id, "type": "message", "status": "completed",
                "role": "assistant", "content": [part]}
    else:
        summary = {"type": "summary_text", "text": text}
        _emit(st, out, "response.reasoning_summary_text.done",
              {**ids, "summary_index": 0, "text": text})
        _emit(st, out, "response.reasoning_summary_part.done",
              {**ids, "summary_index": 0, "part": summary})
        done = {"id": item.item_id, "type": "reasoning", "summary": [summary],
                "encrypted_content": ""}
    st.output[item.output_index] = done
    _emit(st, out, "response.output_item.done", {"output_index": item.output_index,
                                                 "item": done})


def _close_calls(st: ResponsesStream, out: list[bytes]) -> None:
    for slot in st.order:
        if not slot.started:  # a call that never got its name
            _start_call(st, slot, out)
    for slot in st.open_calls:
        args = slot.arguments()
        item_id = "fc_" + slot.call_id
        _emit(st, out, "response.function_call_arguments.done",
              {"item_id": item_id, "output_index": slot.position, "arguments": args})
        done = {"id": item_id, "type": "function_call", "status": "completed",
                "arguments": args, "call_id": slot.call_id, "name": slot.name}
        st.output[slot.position] = done
        _emit(st, out, "response.output_item.done", {"output_index": slot.position,
                                                     "item": done})
    st.open_calls = []


def _open_item(st: ResponsesStream, kind: str, out: list[bytes]) -> _Item:
    _close_current(st, out)
    _close_calls(st, out)
    index = st.next_index
    st.next_index += 1
    prefix = "msg_" if kind == "message" else "rs_"
    item = _Item(kind, f"{prefix}{st.resp_id}_{index}", index)
    st.current = item
    ids = {"item_id": item.item_id, "output_index": index}
    if kind == "message":
        _emit(st, out, "response.output_item.added", {"output_index": index, "item": {
            "id": item.item_id, "type": "message", "status": "in_progress",
            "role": "assistant", "content": []}})
        _emit(st, out, "response.content_part.added", {**ids, "content_index": 0, "part": {
            "type": "output_text", "text": "", "annotations": [], "logprobs": []}})
    else:
        _emit(st, out, "response.output_item.added", {"output_index": index, "item": {
            "id": item.item_id, "type": "reasoning", "summary": []}})
        _emit(st, out, "response.reasoning_summary_part.added", {
            **ids, "summary_index": 0, "part": {"type": "summary_text", "text": ""}})
    return item


def _start_call(st: ResponsesStream, slot: ToolSlot, out: list[bytes]) -> None:
    slot.started = True
    slot.position = st.next_index
    st.next_index += 1
    if not slot.call_id:
        slot.call_id = new_call_id()
    st.open_calls.append(slot)
    item_id = "fc_" + slot.call_id
    _emit(st, out, "response.output_item.added", {"output_index": slot.position, "item": {
        "id": item_id, "type": "function_call", "status": "in_progress", "arguments": "",
        "call_id": slot.call_id, "name": slot.name}})
    if slot.args:
        _emit(st, out, "response.function_call_arguments.delta",
              {"item_id": item_id, "output_index": slot.position, "delta": slot.arguments()})


def _on_delta(st: ResponsesStream, delta: dict[str, Any], out: list[bytes]) -> None:
    thought = reasoning_text(delta)
    if thought:
        item = st.current if st.current is not None and st.current.kind == "reasoning" \
            else _open_item(st, "reasoning", out)
        item.parts.append(thought)
        _emit(st, out, "response.reasoning_summary_text.delta",
              {"item_id": item.item_id, "output_index": item.output_index,
               "summary_index": 0, "delta": thought})
    text = delta.get("content")
    if text and isinstance(text, str):
        item = st.current if st.current is not None and st.current.kind == "message" \
            else _open_item(st, "message", out)
        item.parts.append(text)
        _emit(st, out, "response.output_text.delta",
              {"item_id": item.item_id, "output_index": item.output_index,
               "content_index": 0, "delta": text, "logprobs": []})
    calls = delta.get("tool_calls")
    if calls and isinstance(calls, list):
        _close_current(st, out)
        for pos, entry in enumerate(calls):
            if not isinstance(entry, dict):
                continue
            slot, fragment = tool_slot(st.tools, st.order, entry, pos)
            if fragment:
                slot.args.append(fragment)
            if not slot.started:
                if slot.name:
                    _start_call(st, slot, out)
            elif fragment:
                _emit(st, out, "response.function_call_arguments.delta",
                      {"item_id": "fc_" + slot.call_id, "output_index": slot.position,
                       "delta": fragment})


def _complete(st: ResponsesStream, out: list[bytes]) -> None:
    _close_current(st, out)
    _close_calls(st, out)
    st.completed = True
    output = [st.output[i] for i in sorted(st.output)]
    usage = _usage(st.usage) if st.usage else None
    _emit(st, out, "response.completed", {"response": _response_object(
        st.resp_id, st.created, "completed", st.echo, output, usage)})


def stream_to_responses(st: ResponsesStream, lines: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    if st.completed:
        return out
    for chunk in iter_chunks(st, lines):
        if chunk is DONE:
            if st.started:
                _complete(st, out)
            return out
        kind = chunk.get("object")
        if (kind is not None and kind != "chat.completion.chunk") \
                or not isinstance(chunk.get("choices"), list):
            continue
        if not st.started:
            _start(st, chunk, out)
        choice = first_choice(chunk)
        if choice is not None:
            delta = choice.get("delta")
            if isinstance(delta, dict) and delta:
                _on_delta(st, delta, out)
            reason = choice.get("finish_reason")
            if reason and isinstance(reason, str) and not st.finished:
                st.finished = True
                _close_current(st, out)
                _close_calls(st, out)
        usage = chunk.get("usage")
        if usage and isinstance(usage, dict):
            st.usage = usage
            if st.finished:
                _complete(st, out)
                return out
    return out


def end_responses_stream(st: ResponsesStream) -> list[bytes]:
    out: list[bytes] = []
    if not st.completed:
        if not st.started:
            _start(st, {}, out)
        _complete(st, out)
    return out


# -- non-stream ------------------------------------------------------------------------


def completion_to_responses(st: ResponsesStream, body: bytes) -> bytes:
    """A chat completion → a Responses ``Response`` object."""
    obj, choice, message = completion_message(body)
    chat_id = obj.get("id")
    resp_id = chat_id if isinstance(chat_id, str) and chat_id else new_response_id()
    created = obj.get("created")
    created = created if isinstance(created, int) else int(time.time())
    output: list[dict[str, Any]] = []
    thought = reasoning_text(message)
    if thought:
        output.append({"id": f"rs_{resp_id}_{len(output)}", "type": "reasoning",
                       "summary": [{"type": "summary_text", "text": thought}],
                       "encrypted_content": ""})
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p["text"] for p in content if isinstance(p, dict)
                          and p.get("type") in ("text", "output_text")
                          and isinstance(p.get("text"), str))
    if isinstance(content, str) and content:
        output.append({"id": f"msg_{resp_id}_{len(output)}", "type": "message",
                       "status": "completed", "role": "assistant",
                       "content": [{"type": "output_text", "text": content, "annotations": [],
                                    "logprobs": []}]})
    for call in message.get("tool_calls") or ():
        if not isinstance(call, dict):
            continue
        fn = call.get("function")
        fn = fn if isinstance(fn, dict) else {}
        call_id = call.get("id")
        call_id = call_id if isinstance(call_id, str) and call_id else new_call_id()
        args = fn.get("arguments")
        output.append({"id": "fc_" + call_id, "type": "function_call", "status": "completed",
                       "arguments": args if isinstance(args, str) else "",
                       "call_id": call_id,
                       "name": fn.get("name") if isinstance(fn.get("name"), str) else ""})
    usage = obj.get("usage")
    return jsonfast.dumps(_response_object(resp_id, created, "completed", st.echo, output,
                                           _usage(usage) if isinstance(usage, dict) else None))
