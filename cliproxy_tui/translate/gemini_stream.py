"""Gemini units, and Gemini answers → Claude Messages, streamed or whole (§4.3).

The unit helpers here (``parse_units``, ``candidate``, …) serve every Gemini-sourced
pair. ``ClaudeFromGemini`` is fed Gemini units (stream chunks, or the whole non-stream
answer as one unit): streaming, it emits Claude events as parts arrive; with
``collect=True`` it only builds the final message, so the stream and the non-stream
translation of one answer cannot drift apart. (``gemini_responses`` does the same for
the Responses API.)

Thought signatures (Gemini's opaque ``thoughtSignature`` on a part) reach Claude
clients as the ``signature`` of the thinking block right before that part's block (an
empty thinking block when there were no thoughts to show); ``gemini_request`` puts them
back on the part that follows such a block. Responses clients get the last signature
as the reasoning item's ``encrypted_content``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .. import jsonfast
from .common import (
    claude_sse,
    data_payload,
    gemini_finish_to_claude,
    gemini_usage_to_claude,
    is_done,
    new_message_id,
    tool_call_id_from_name,
)

# ---------------------------------------------------------------------------
# Gemini units
# ---------------------------------------------------------------------------


def unwrap_unit(obj: dict[str, Any]) -> dict[str, Any]:
    """The Gemini response in a unit: Cloud Code (gemini-cli) wraps it as ``{"response": …}``."""
    inner = obj.get("response")
    if isinstance(inner, dict) and "candidates" not in obj:
        return inner
    return obj


def parse_units(lines: list[bytes],
                unwrap: Callable[[dict[str, Any]], dict[str, Any] | None] = unwrap_unit,
                ) -> tuple[list[dict[str, Any]], bool]:
    """Gemini response objects carried by SSE ``lines``, and whether ``[DONE]`` was seen.

    Every object goes through ``unwrap``, which may also drop it by returning None.
    """
    units: list[dict[str, Any]] = []
    done = False
    for line in lines:
        if not line:
            continue
        payload = data_payload(line)
        if payload is None:
            if is_done(line):
                done = True
            continue
        try:
            obj = jsonfast.loads(payload)
        except jsonfast.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            unit = unwrap(obj)
            if unit is not None:
                units.append(unit)
        elif isinstance(obj, list):
            for item in obj:
                if isinstance(item, dict):
                    unit = unwrap(item)
                    if unit is not None:
                        units.append(unit)
    return units, done


def parse_body(body: bytes) -> dict[str, Any]:
    """A whole Gemini answer (``{}`` when it is not a JSON object)."""
    try:
        obj = jsonfast.loads(body)
    except jsonfast.JSONDecodeError:
        return {}
    if isinstance(obj, list):
        # a stream folded into a JSON array (alt=json): keep the last element's shape
        obj = next((o for o in reversed(obj) if isinstance(o, dict)), {})
    return unwrap_unit(obj) if isinstance(obj, dict) else {}


def candidate(unit: dict[str, Any]) -> dict[str, Any] | None:
    cands = unit.get("candidates")
    if isinstance(cands, list) and cands and isinstance(cands[0], dict):
        return cands[0]
    return None


def parts_of(cand: dict[str, Any] | None) -> list[Any]:
    if cand is None:
        return []
    content = cand.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    return parts if isinstance(parts, list) else []


def finish_reason(unit: dict[str, Any], cand: dict[str, Any] | None) -> str:
    """The unit's non-empty finish reason; a blocked prompt counts as one."""
    reason = cand.get("finishReason") if cand is not None else None
    if isinstance(reason, str) and reason:
        return reason
    if cand is None:
        feedback = unit.get("promptFeedback")
        block = feedback.get("blockReason") if isinstance(feedback, dict) else None
        if isinstance(block, str) and block:
            return block
    return ""


def usage_meta(unit: dict[str, Any]) -> dict[str, Any] | None:
    meta = unit.get("usageMetadata")
    return meta if isinstance(meta, dict) else None


def function_call(part: dict[str, Any]) -> dict[str, Any] | None:
    fc = part.get("functionCall")
    if fc is None:
        fc = part.get("function_call")
    return fc if isinstance(fc, dict) else None


def call_name(fc: dict[str, Any]) -> str:
    name = fc.get("name")
    return name if isinstance(name, str) else ""


def signature(part: dict[str, Any]) -> str | None:
    sig = part.get("thoughtSignature") or part.get("thought_signature")
    return sig if isinstance(sig, str) and sig else None


def unix_seconds(stamp: Any) -> int | None:
    """``createTime`` (RFC 3339, any fraction length) → unix seconds."""
    if not isinstance(stamp, str) or len(stamp) < 19:
        return None
    try:
        base = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    tail = stamp[19:]
    if "." in tail[:1]:
        tail = tail.lstrip(".0123456789")
    offset = 0
    if tail[:1] in ("+", "-") and len(tail) >= 6:
        try:
            offset = (int(tail[1:3]) * 3600 + int(tail[4:6]) * 60) * (1 if tail[0] == "+"
                                                                     else -1)
        except ValueError:
            offset = 0
    return int(base.replace(tzinfo=UTC).timestamp()) - offset


# ---------------------------------------------------------------------------
# → Claude (§4.3, §9 #14, #21, #22)
# ---------------------------------------------------------------------------

_DELTA_HEAD = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":'
#: what follows the index in a delta event, up to the JSON value
_TEXT_DELTA = b',"delta":{"type":"text_delta","text":'
_THINKING_DELTA = b',"delta":{"type":"thinking_delta","thinking":'
_SIGNATURE_DELTA = b',"delta":{"type":"signature_delta","signature":'
_JSON_DELTA = b',"delta":{"type":"input_json_delta","partial_json":'


class GeminiUnitMachine(abc.ABC):
    """Feeds each Gemini unit's parts to a subclass's ``_start`` / ``_part`` / ``_finish``."""

    __slots__ = ("finished", "meta", "out", "started")

    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.started = self.finished = False
        self.meta: dict[str, Any] | None = None

    @abc.abstractmethod
    def _start(self, unit: dict[str, Any]) -> None:
        """Write the client's opening events (first unit)."""

    @abc.abstractmethod
    def _part(self, part: dict[str, Any]) -> None:
        """Translate one candidate part."""

    @abc.abstractmethod
    def _finish(self, reason: str) -> None:
        """Write the closing events for a Gemini ``finishReason``."""

    def feed(self, unit: dict[str, Any]) -> None:
        if not self.started:
            self._start(unit)
        meta = usage_meta(unit)
        if meta is not None:
            self.meta = meta
        if self.finished:
            return
        cand = candidate(unit)
        for part in parts_of(cand):
            if isinstance(part, dict):
                self._part(part)
        reason = finish_reason(unit, cand)
        if reason:
            self._finish(reason)

    def take(self) -> list[bytes]:
        out, self.out = self.out, []
        return out


class ClaudeFromGemini(GeminiUnitMachine):
    """Claude events (or, with ``collect``, the final message) from Gemini units."""

    __slots__ = (
        "blocks",
        "collect",
        "index",
        "kind",
        "model",
        "msg_id",
        "msg_model",
        "next_index",
        "pieces",
        "saw_tool",
        "signed",
        "stopped",
    )

    def __init__(self, model: str, collect: bool = False) -> None:
        super().__init__()
        self.collect = collect
        self.model = model
        self.blocks: list[dict[str, Any]] = []
        self.stopped = False
        self.kind = ""
        self.index = -1
        self.next_index = 0
        self.signed = False
        self.pieces: list[str] = []
        self.saw_tool = False
        self.msg_id = ""
        self.msg_model = model

    # -- events --------------------------------------------------------------------

    def _start(self, unit: dict[str, Any]) -> None:
        self.started = True
        rid = unit.get("responseId")
        self.msg_id = rid if isinstance(rid, str) and rid else new_message_id()
        version = unit.get("modelVersion")
        if isinstance(version, str) and version:
            self.msg_model = version
        if self.collect:
            return
        usage = gemini_usage_to_claude(usage_meta(unit))
        usage["output_tokens"] = 0
        self.out.append(claude_sse("message_start", {"type": "message_start", "message": {
            "id": self.msg_id, "type": "message", "role": "assistant", "content": [],
            "model": self.msg_model, "stop_reason": None, "stop_sequence": None,
            "usage": usage}}))

    def _open(self, kind: str, block: dict[str, Any]) -> None:
        self._close()
        self.kind = kind
        self.index = self.next_index
        self.next_index += 1
        self.signed = False
        if self.collect:
            self.blocks.append(block)
            self.pieces = []
        else:
            self.out.append(claude_sse("content_block_start", {
                "type": "content_block_start", "index": self.index, "content_block": block}))

    def _close(self) -> None:
        if not self.kind:
            return
        if self.collect:
            if self.kind in ("text", "thinking"):
                self.blocks[-1][self.kind] = "".join(self.pieces)
        else:
            self.out.append(claude_sse("content_block_stop", {
                "type": "content_block_stop", "index": self.index}))
        self.kind = ""

    def _delta(self, kind: bytes, value: str) -> None:
        """A delta event; ``kind`` is one of the ``_*_DELTA`` byte templates."""
        if self.collect:
            self.pieces.append(value)
            return
        self.out.append(b"".join((_DELTA_HEAD, b"%d" % self.index, kind, jsonfast.dumps(value),
                                  b"}}\n\n")))

    def _sign(self, sig: str) -> None:
        if self.kind != "thinking" or self.signed:
            self._open("thinking", {"type": "thinking", "thinking": "", "signature": ""})
        self.signed = True
        if self.collect:
            self.blocks[-1]["signature"] = sig
        else:
            self._delta(_SIGNATURE_DELTA, sig)

    # -- input ---------------------------------------------------------------------

    def _part(self, part: dict[str, Any]) -> None:
        sig = signature(part)
        text = part.get("text")
        if part.get("thought") is True:
            if isinstance(text, str) and text:
                if self.kind != "thinking" or self.signed:
                    self._open("thinking", {"type": "thinking", "thinking": "", "signature": ""})
                self._delta(_THINKING_DELTA, text)
            if sig:
                self._sign(sig)
            return
        if sig:
            self._sign(sig)
        if isinstance(text, str):
            if text:
                if self.kind != "text":
                    self._open("text", {"type": "text", "text": ""})
                self._delta(_TEXT_DELTA, text)
            return
        fc = function_call(part)
        if fc is None:
            return
        name = call_name(fc)
        args = fc.get("args")
        self.saw_tool = True
        block: dict[str, Any] = {"type": "tool_use", "id": tool_call_id_from_name(name),
                                 "name": name, "input": {}}
        if self.collect:
            block["input"] = args if isinstance(args, dict) else {}
            self._open("tool_use", block)
            return
        self._open("tool_use", block)
        if isinstance(args, dict) and args:
            self._delta(_JSON_DELTA, jsonfast.dumps_str(args))

    def _finish(self, reason: str) -> None:
        self.finished = True
        self._close()
        if self.collect:
            return
        self.out.append(claude_sse("message_delta", {
            "type": "message_delta",
            "delta": {"stop_reason": gemini_finish_to_claude(reason, self.saw_tool),
                      "stop_sequence": None},
            "usage": gemini_usage_to_claude(self.meta)}))

    def end(self) -> None:
        """Everything still owed once the upstream ended (idempotent)."""
        if self.stopped:
            return
        if not self.started:
            self._start({})
        if not self.finished:
            self._finish("")
        self.stopped = True
        if not self.collect:
            self.out.append(claude_sse("message_stop", {"type": "message_stop"}))

    def message(self, reason: str) -> dict[str, Any]:
        """The whole Claude message (``collect`` mode, after ``end``)."""
        return {"id": self.msg_id, "type": "message", "role": "assistant",
                "model": self.msg_model, "content": self.blocks,
                "stop_reason": gemini_finish_to_claude(reason, self.saw_tool),
                "stop_sequence": None, "usage": gemini_usage_to_claude(self.meta)}


def gemini_to_claude_message(body: bytes, model: str) -> dict[str, Any]:
    unit = parse_body(body)
    machine = ClaudeFromGemini(model, collect=True)
    machine.feed(unit)
    machine.end()
    return machine.message(finish_reason(unit, candidate(unit)))


__all__ = [
    "ClaudeFromGemini",
    "GeminiUnitMachine",
    "call_name",
    "candidate",
    "finish_reason",
    "function_call",
    "gemini_to_claude_message",
    "parse_body",
    "parse_units",
    "parts_of",
    "signature",
    "unix_seconds",
    "unwrap_unit",
    "usage_meta",
]
