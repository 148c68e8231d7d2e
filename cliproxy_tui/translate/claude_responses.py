"""Answers from a Claude upstream for Responses API clients (§5.2).

With the spec's §9 fixes: output indices are allocated per item in order of first
appearance (#24), every item gets its ``response.output_item.done`` (reasoning ones
included), reasoning deltas carry ``delta`` (#25), done events carry the full text
(#16), and echo fields come from the client's own request (#6). Further decisions:

- Adjacent Claude text blocks (citations split text into many) form one message item;
  a message after a tool call or thinking block is a new item (``msg_<id>_<n>``).
- A thinking block becomes a reasoning item whose ``encrypted_content`` carries the
  block's signature (behind a marker, see ``claude_blocks``); a client that sends the
  item back (Codex CLI, the Agents SDK, anyone with ``store:false``) gives Claude its
  signed thinking again. Redacted thinking travels the same way, with an empty summary.
- Usage is exact (cache reads as cached tokens, reasoning estimated as for chat).
"""

from __future__ import annotations

from typing import Any, ClassVar

from .. import jsonfast
from ..clock import Clock
from .claude_blocks import pack_redacted, pack_signature
from .claude_stream import ClaudeEvents, with_reasoning_estimate
from .common import RESPONSES_ECHO_FIELDS, new_response_id, responses_usage, usage_from_claude

_dumps = jsonfast.dumps


def response_object(client_body: dict[str, Any], model: str, resp_id: str, created: int,
                    status: str, output: list[Any], usage: dict[str, Any] | None) -> dict[str, Any]:
    """A Responses ``response`` object with the fields the SDK requires and the echo fields."""
    obj: dict[str, Any] = {"id": resp_id, "object": "response", "created_at": created,
                           "status": status, "background": False, "error": None,
                           "incomplete_details": None, "instructions": None, "model": model,
                           "output": output, "parallel_tool_calls": True,
                           "tool_choice": "auto", "tools": []}
    for key in RESPONSES_ECHO_FIELDS:
        value = client_body.get(key)
        if value is not None:
            obj[key] = value
    if usage is not None:
        obj["usage"] = usage
    return obj


def _reasoning_item(item_id: str, text: str, opaque: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "type": "reasoning",
                            "summary": [{"type": "summary_text", "text": text}] if text else []}
    if opaque:
        item["encrypted_content"] = opaque
    return item


def _message_item(item_id: str, text: str, status: str) -> dict[str, Any]:
    return {"id": item_id, "type": "message", "status": status, "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def _call_item(call_id: str, name: str, arguments: str, status: str) -> dict[str, Any]:
    return {"id": f"fc_{call_id}", "type": "function_call", "status": status,
            "arguments": arguments, "call_id": call_id, "name": name}


class _Open:
    """The output item a Claude block is currently filling."""

    __slots__ = ("item_id", "kind", "name", "out_idx", "parts", "signature")

    def __init__(self, kind: str, out_idx: int, item_id: str, name: str = "") -> None:
        self.kind = kind
        self.out_idx = out_idx
        self.item_id = item_id
        self.name = name
        self.parts: list[str] = []
        self.signature = ""


class ResponsesStream(ClaudeEvents):
    """Claude SSE → Responses events, each as ``event:`` / ``data:`` items."""

    __slots__ = (
        "_blocks",
        "_completed",
        "_created",
        "_done",
        "_message",
        "_messages",
        "_next_index",
        "_resp_id",
        "_seq",
        "_thinking_bytes",
    )

    def __init__(self, model: str, client_body: dict[str, Any], clock: Clock) -> None:
        super().__init__(model, client_body, clock)
        self._seq = 0
        self._next_index = 0
        self._messages = 0
        self._created = int(clock.now())
        self._resp_id = ""
        #: Claude block index → the item it fills (text blocks share the open message)
        self._blocks: dict[int, _Open] = {}
        self._message: _Open | None = None
        #: finished items, by output index
        self._done: dict[int, dict[str, Any]] = {}
        self._thinking_bytes = 0
        self._completed = False

    # -- emitting ----------------------------------------------------------------------

    def _emit(self, out: list[bytes], kind: str, fields: dict[str, Any]) -> None:
        self._seq += 1
        fields["type"] = kind
        fields["sequence_number"] = self._seq
        out.append(b"event: " + kind.encode())
        out.append(b"data: " + _dumps(fields))

    def _response(self, status: str, output: list[Any], usage: dict[str, Any] | None) -> Any:
        return response_object(self.client_body, self.model, self._resp_id, self._created,
                               status, output, usage)

    def _ensure_started(self, out: list[bytes], message: Any = None) -> None:
        if self.started:
            return
        self.begin(message)
        self._resp_id = self.msg_id
        self._emit(out, "response.created", {"response": self._response("in_progress", [], None)})
        self._emit(out, "response.in_progress",
                   {"response": self._response("in_progress", [], None)})

    def _open(self, kind: str, item_id: str, name: str = "") -> _Open:
        item = _Open(kind, self._next_index, item_id, name)
        self._next_index += 1
        return item

    # -- items ---------------------------------------------------------------------------

    def _open_message(self, out: list[bytes]) -> _Open:
        if self._message is not None:
            return self._message
        msg = self._open("message", f"msg_{self._resp_id}_{self._messages}")
        self._messages += 1
        self._message = msg
        ids = {"item_id": msg.item_id, "output_index": msg.out_idx}
        self._emit(out, "response.output_item.added", {
            "output_index": msg.out_idx,
            "item": {"id": msg.item_id, "type": "message", "status": "in_progress",
                     "role": "assistant", "content": []}})
        self._emit(out, "response.content_part.added", {
            **ids, "content_index": 0,
            "part": {"type": "output_text", "text": "", "annotations": []}})
        return msg

    def _close_message(self, out: list[bytes]) -> None:
        msg = self._message
        if msg is None:
            return
        self._message = None
        text = "".join(msg.parts)
        ids = {"item_id": msg.item_id, "output_index": msg.out_idx, "content_index": 0}
        self._emit(out, "response.output_text.done", {**ids, "text": text, "logprobs": []})
        self._emit(out, "response.content_part.done", {
            **ids, "part": {"type": "output_text", "text": text, "annotations": []}})
        item = _message_item(msg.item_id, text, "completed")
        self._done[msg.out_idx] = item
        self._emit(out, "response.output_item.done", {"output_index": msg.out_idx, "item": item})

    def _close(self, block: _Open, out: list[bytes]) -> None:
        ids = {"item_id": block.item_id, "output_index": block.out_idx}
        if block.kind == "thinking":
            text = "".join(block.parts)
            self._emit(out, "response.reasoning_summary_text.done",
                       {**ids, "summary_index": 0, "text": text})
            self._emit(out, "response.reasoning_summary_part.done",
                       {**ids, "summary_index": 0, "part": {"type": "summary_text", "text": text}})
            item = _reasoning_item(block.item_id, text, pack_signature(block.signature))
        elif block.kind == "tool":
            args = "".join(block.parts) or "{}"
            self._emit(out, "response.function_call_arguments.done",
                       {**ids, "name": block.name, "arguments": args})
            item = _call_item(block.item_id[3:], block.name, args, "completed")
        else:
            return
        self._done[block.out_idx] = item
        self._emit(out, "response.output_item.done", {"output_index": block.out_idx, "item": item})

    # -- Claude events -------------------------------------------------------------------

    def on_start(self, event: dict[str, Any], out: list[bytes]) -> None:
        self._ensure_started(out, event.get("message"))

    def on_block_start(self, event: dict[str, Any], out: list[bytes]) -> None:
        self._ensure_started(out)
        block = event.get("content_block")
        if not isinstance(block, dict):
            return
        index = event.get("index")
        kind = block.get("type")
        if kind == "text":
            msg = self._open_message(out)
            self._blocks[index] = msg  # type: ignore[index]
            self._text(msg, block.get("text"), out)
            return
        self._close_message(out)
        if kind == "thinking":
            item = self._open("thinking", f"rs_{self._resp_id}_{index}")
            self._emit(out, "response.output_item.added", {
                "output_index": item.out_idx,
                "item": {"id": item.item_id, "type": "reasoning", "summary": []}})
            self._emit(out, "response.reasoning_summary_part.added", {
                "item_id": item.item_id, "output_index": item.out_idx, "summary_index": 0,
                "part": {"type": "summary_text", "text": ""}})
            self._blocks[index] = item  # type: ignore[index]
            self._thinking(item, block.get("thinking"), out)
        elif kind == "redacted_thinking":
            item = self._open("redacted", f"rs_{self._resp_id}_{index}")
            done = _reasoning_item(item.item_id, "", pack_redacted(block.get("data") or ""))
            self._emit(out, "response.output_item.added", {
                "output_index": item.out_idx,
                "item": {"id": item.item_id, "type": "reasoning", "summary": []}})
            self._done[item.out_idx] = done
            self._emit(out, "response.output_item.done", {"output_index": item.out_idx,
                                                          "item": done})
        elif kind == "tool_use":
            call_id = str(block.get("id") or "")
            name = str(block.get("name") or "")
            item = self._open("tool", f"fc_{call_id}", name)
            self._emit(out, "response.output_item.added", {
                "output_index": item.out_idx,
                "item": _call_item(call_id, name, "", "in_progress")})
            self._blocks[index] = item  # type: ignore[index]

    def _text(self, msg: _Open, text: Any, out: list[bytes]) -> None:
        if isinstance(text, str) and text:
            msg.parts.append(text)
            self._emit(out, "response.output_text.delta", {
                "item_id": msg.item_id, "output_index": msg.out_idx, "content_index": 0,
                "delta": text, "logprobs": []})

    def _thinking(self, item: _Open, text: Any, out: list[bytes]) -> None:
        if isinstance(text, str) and text:
            item.parts.append(text)
            self._thinking_bytes += len(text.encode())
            self._emit(out, "response.reasoning_summary_text.delta", {
                "item_id": item.item_id, "output_index": item.out_idx, "summary_index": 0,
                "delta": text})

    def on_block_delta(self, event: dict[str, Any], out: list[bytes]) -> None:
        item = self._blocks.get(event.get("index"))  # type: ignore[arg-type]
        delta = event.get("delta")
        if item is None or not isinstance(delta, dict):
            return
        kind = delta.get("type")
        if kind == "text_delta" and item.kind == "message":
            self._text(item, delta.get("text"), out)
        elif kind == "thinking_delta" and item.kind == "thinking":
            self._thinking(item, delta.get("thinking"), out)
        elif kind == "signature_delta" and item.kind == "thinking":
            item.signature = str(delta.get("signature") or "")
        elif kind == "input_json_delta" and item.kind == "tool":
            fragment = delta.get("partial_json")
            if isinstance(fragment, str) and fragment:
                item.parts.append(fragment)
                self._emit(out, "response.function_call_arguments.delta", {
                    "item_id": item.item_id, "output_index": item.out_idx, "delta": fragment})

    def on_block_stop(self, event: dict[str, Any], out: list[bytes]) -> None:
        item = self._blocks.pop(event.get("index"), None)  # type: ignore[arg-type]
        if item is not None and item.kind != "message":
            self._close(item, out)

    def on_message_delta(self, event: dict[str, Any], out: list[bytes]) -> None:
        self.record_delta(event)

    def on_message_stop(self, event: dict[str, Any], out: list[bytes]) -> None:
        self._complete(out)

    def _complete(self, out: list[bytes]) -> None:
        if self._completed:
            return
        self._ensure_started(out)
        self._completed = True
        self._close_message(out)
        for index in sorted(self._blocks, key=lambda i: self._blocks[i].out_idx):
            item = self._blocks[index]
            if item.kind != "message":
                self._close(item, out)
        self._blocks.clear()
        output = [self._done[i] for i in sorted(self._done)]
        usage = responses_usage(with_reasoning_estimate(self.usage, self._thinking_bytes))
        self._emit(out, "response.completed",
                   {"response": self._response("completed", output, usage)})

    def on_error(self, event: dict[str, Any], out: list[bytes]) -> None:
        err = event.get("error")
        err = err if isinstance(err, dict) else {}
        self._emit(out, "error", {"code": str(err.get("type") or "api_error"),
                                  "message": str(err.get("message") or "upstream error"),
                                  "param": None})

    def end(self) -> list[bytes]:
        out: list[bytes] = []
        if self.started and not self._completed:
            self._complete(out)
        return out

    _EVENTS: ClassVar[dict[str, str]] = {**ClaudeEvents._EVENTS, "message_stop": "on_message_stop"}


def message_to_response(state: ClaudeEvents, message: dict[str, Any]) -> dict[str, Any]:
    """A Claude Messages answer → one Responses ``response`` object (§5.2 non-stream)."""
    raw_id = message.get("id")
    resp_id = raw_id if isinstance(raw_id, str) and raw_id else new_response_id()
    output: list[dict[str, Any]] = []
    texts: list[tuple[dict[str, Any], list[str]]] = []  # message items and their pieces
    text: list[str] | None = None  # the open message's pieces
    thinking_bytes = 0
    content = message.get("content")
    for index, block in enumerate(content if isinstance(content, list) else ()):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            if text is None:
                text = []
                item = _message_item(f"msg_{resp_id}_{len(texts)}", "", "completed")
                output.append(item)
                texts.append((item, text))
            text.append(str(block.get("text") or ""))
            continue
        if kind not in ("thinking", "redacted_thinking", "tool_use"):
            continue
        text = None
        if kind == "thinking":
            thought = str(block.get("thinking") or "")
            thinking_bytes += len(thought.encode())
            output.append(_reasoning_item(f"rs_{resp_id}_{index}", thought,
                                          pack_signature(str(block.get("signature") or ""))))
        elif kind == "redacted_thinking":
            output.append(_reasoning_item(f"rs_{resp_id}_{index}", "",
                                          pack_redacted(str(block.get("data") or ""))))
        else:
            output.append(_call_item(str(block.get("id") or ""), str(block.get("name") or ""),
                                     _dumps(block.get("input") or {}).decode(), "completed"))
    for item, pieces in texts:
        item["content"][0]["text"] = "".join(pieces)
    usage = with_reasoning_estimate(usage_from_claude(message.get("usage")), thinking_bytes)
    created = int(state.clock.now())
    return response_object(state.client_body, state.model, resp_id, created, "completed",
                           output, responses_usage(usage))
