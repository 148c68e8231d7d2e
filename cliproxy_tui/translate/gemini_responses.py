"""Gemini answers → Responses API events and response objects (§4.2, §4.2.1).

Resolutions applied: echo fields come from the client's own request (§9 #6); done
events carry the full text (§9 #16); output indices follow first appearance and
reasoning items get their ``output_item.done`` (§9 #24); reasoning deltas use
``delta`` (§9 #25); thoughts after a closed reasoning item open a new one instead of
being dropped; a stream that ends without a finish reason still gets its
``response.completed``. Like ``gemini_stream.ClaudeFromGemini``, one machine serves
streams and (``collect=True``) whole answers.
"""

from __future__ import annotations

import time
from typing import Any

from .. import jsonfast
from .common import (
    RESPONSES_ECHO_FIELDS,
    gemini_usage_to_responses,
    nanos_call_id,
    new_response_id,
    responses_items,
)
from .gemini_stream import (
    GeminiUnitMachine,
    call_name,
    function_call,
    parse_body,
    signature,
    unix_seconds,
)

class _Item:
    __slots__ = (
        "args",
        "call_id",
        "id",
        "index",
        "kind",
        "name",
        "open",
        "pieces",
        "signature",
    )

    def __init__(self, kind: str, item_id: str, index: int) -> None:
        self.kind = kind
        self.id = item_id
        self.index = index
        self.pieces: list[str] = []
        self.signature = ""
        self.call_id = ""
        self.name = ""
        self.args = ""
        self.open = True

    def final(self) -> dict[str, Any]:
        if self.kind == "reasoning":
            item: dict[str, Any] = {"id": self.id, "type": "reasoning", "summary": [
                {"type": "summary_text", "text": "".join(self.pieces)}]}
            if self.signature:
                item["encrypted_content"] = self.signature
            return item
        if self.kind == "message":
            return {"id": self.id, "type": "message", "status": "completed",
                    "role": "assistant", "content": [_output_text("".join(self.pieces))]}
        return {"id": self.id, "type": "function_call", "status": "completed",
                "arguments": self.args or "{}", "call_id": self.call_id, "name": self.name}


def _output_text(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


class ResponsesFromGemini(GeminiUnitMachine):
    """Responses events (or, with ``collect``, the final response) from Gemini units."""

    __slots__ = (
        "collect",
        "created_at",
        "echo",
        "items",
        "message",
        "model",
        "raw_id",
        "reasoning",
        "resp_id",
        "seq",
    )

    def __init__(self, model: str, client_body: dict[str, Any], collect: bool = False) -> None:
        super().__init__()
        self.collect = collect
        self.seq = 0
        self.echo = {k: client_body[k] for k in RESPONSES_ECHO_FIELDS
                     if client_body.get(k) is not None}
        self.resp_id = ""
        self.raw_id = ""
        self.created_at = 0
        self.model = model
        self.items: list[_Item] = []
        self.reasoning: _Item | None = None
        self.message: _Item | None = None

    def _emit(self, event_type: str, fields: dict[str, Any]) -> None:
        self.seq += 1
        if self.collect:
            return
        self.out.extend(responses_items(event_type, {
            "type": event_type, "sequence_number": self.seq, **fields}))

    def response(self, status: str) -> dict[str, Any]:
        resp: dict[str, Any] = {
            "id": self.resp_id, "object": "response", "created_at": self.created_at,
            "status": status, "background": False, "error": None, "incomplete_details": None,
            "model": self.model, "output": [], "parallel_tool_calls": True,
            "tool_choice": "auto", "tools": []}
        resp.update(self.echo)
        if status == "completed":
            resp["output"] = [item.final() for item in self.items]
            if self.meta is not None:
                resp["usage"] = gemini_usage_to_responses(self.meta)
        return resp

    def _start(self, unit: dict[str, Any]) -> None:
        self.started = True
        rid = unit.get("responseId")
        if isinstance(rid, str) and rid:
            self.raw_id = rid.removeprefix("resp_")
            self.resp_id = "resp_" + self.raw_id
        else:
            self.resp_id = new_response_id()
            self.raw_id = self.resp_id[5:]
        created = unix_seconds(unit.get("createTime"))
        self.created_at = created if created is not None else int(time.time())
        version = unit.get("modelVersion")
        if isinstance(version, str) and version:
            self.model = version
        if self.collect:
            return
        self._emit("response.created", {"response": self.response("in_progress")})
        self._emit("response.in_progress", {"response": self.response("in_progress")})

    def _new_item(self, kind: str, item_id: str) -> _Item:
        item = _Item(kind, item_id, len(self.items))
        self.items.append(item)
        return item

    def _close_reasoning(self) -> None:
        r = self.reasoning
        if r is None:
            return
        self.reasoning = None
        r.open = False
        text = "".join(r.pieces)
        base = {"item_id": r.id, "output_index": r.index, "summary_index": 0}
        self._emit("response.reasoning_summary_text.done", {**base, "text": text})
        self._emit("response.reasoning_summary_part.done",
                   {**base, "part": {"type": "summary_text", "text": text}})
        self._emit("response.output_item.done", {"output_index": r.index, "item": r.final()})

    def _part(self, part: dict[str, Any]) -> None:
        sig = signature(part)
        text = part.get("text")
        if part.get("thought") is True:
            r = self.reasoning
            if r is None and (isinstance(text, str) and text or sig):
                r = self.reasoning = self._new_item("reasoning",
                                                    f"rs_{self.raw_id}_{len(self.items)}")
                self._emit("response.output_item.added", {"output_index": r.index, "item": {
                    "id": r.id, "type": "reasoning", "status": "in_progress", "summary": []}})
                self._emit("response.reasoning_summary_part.added", {
                    "item_id": r.id, "output_index": r.index, "summary_index": 0,
                    "part": {"type": "summary_text", "text": ""}})
            if r is not None and isinstance(text, str) and text:
                r.pieces.append(text)
                self._emit("response.reasoning_summary_text.delta", {
                    "item_id": r.id, "output_index": r.index, "summary_index": 0,
                    "delta": text})
            if r is not None and sig:
                r.signature = sig
            return
        # a signature on the part after the thoughts belongs to the reasoning still open;
        # one arriving after that item's output_item.done is dropped, so that clients
        # building items from done events see what response.completed says
        if sig and self.reasoning is not None:
            self.reasoning.signature = sig
        if isinstance(text, str):
            if text:
                self._text(text)
            return
        fc = function_call(part)
        if fc is not None:
            self._call(fc)

    def _text(self, text: str) -> None:
        self._close_reasoning()
        m = self.message
        if m is None:
            m = self.message = self._new_item("message", f"msg_{self.raw_id}_0")
            self._emit("response.output_item.added", {"output_index": m.index, "item": {
                "id": m.id, "type": "message", "status": "in_progress", "role": "assistant",
                "content": []}})
            self._emit("response.content_part.added", {
                "item_id": m.id, "output_index": m.index, "content_index": 0,
                "part": _output_text("")})
        m.pieces.append(text)
        self._emit("response.output_text.delta", {
            "item_id": m.id, "output_index": m.index, "content_index": 0, "delta": text,
            "logprobs": []})

    def _call(self, fc: dict[str, Any]) -> None:
        self._close_reasoning()
        call_id = nanos_call_id()
        item = self._new_item("function_call", "fc_" + call_id)
        item.call_id = call_id
        item.name = call_name(fc)
        args = fc.get("args")
        item.args = jsonfast.dumps_str(args) if args is not None else ""
        self._emit("response.output_item.added", {"output_index": item.index, "item": {
            "id": item.id, "type": "function_call", "status": "in_progress", "arguments": "",
            "call_id": call_id, "name": item.name}})
        if item.args:
            self._emit("response.function_call_arguments.delta", {
                "item_id": item.id, "output_index": item.index, "delta": item.args})

    def _finish(self, reason: str) -> None:
        self.finish()

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self._close_reasoning()
        m = self.message
        if m is not None and m.open:
            m.open = False
            text = "".join(m.pieces)
            base = {"item_id": m.id, "output_index": m.index, "content_index": 0}
            self._emit("response.output_text.done", {**base, "text": text, "logprobs": []})
            self._emit("response.content_part.done", {**base, "part": _output_text(text)})
            self._emit("response.output_item.done", {"output_index": m.index,
                                                     "item": m.final()})
        for item in self.items:
            if item.kind != "function_call":
                continue
            self._emit("response.function_call_arguments.done", {
                "item_id": item.id, "output_index": item.index,
                "arguments": item.args or "{}", "name": item.name})
            self._emit("response.output_item.done", {"output_index": item.index,
                                                     "item": item.final()})
        if not self.collect:
            self._emit("response.completed", {"response": self.response("completed")})

    def end(self) -> None:
        if not self.started:
            self._start({})
        self.finish()


def gemini_to_response_object(body: bytes, model: str,
                              client_body: dict[str, Any]) -> dict[str, Any]:
    machine = ResponsesFromGemini(model, client_body, collect=True)
    machine.feed(parse_body(body))
    machine.end()
    return machine.response("completed")


__all__ = ["ResponsesFromGemini", "gemini_to_response_object"]
