"""Codex answers → Gemini ``GenerateContentResponse`` (translators.md §6.4).

Stream: one chunk per text delta (reasoning as ``thought`` parts), one per finished
function call (arguments parsed, name restored, the call id as ``functionCall.id``),
and a final chunk with ``finishReason`` and ``usageMetadata`` at ``response.completed``
(§9 #23: a text-only answer reports its finish reason too; a call is sent once).
``modelVersion``, ``responseId`` and ``createTime`` come from ``response.created``
(§9 #10). gemini-cli clients get the same chunks inside ``{"response": …}`` through
the envelope pairs of ``gemini_cli``.

Usage in Gemini's own accounting: ``candidatesTokenCount`` excludes the reasoning
tokens, which go to ``thoughtsTokenCount``; cached input is ``cachedContentTokenCount``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import jsonfast
from .codex_stream import (
    CodexStream,
    delta_text,
    message_texts,
    output_items,
    summary_texts,
)
from .common import (
    codex_finish_to_gemini,
    gemini_usage_metadata,
    object_args,
    usage_from_codex,
)

_HEAD = b'{"candidates":[{"content":{"role":"model","parts":'


def rfc3339(unix_seconds: int) -> str:
    return datetime.fromtimestamp(unix_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _function_call(state: CodexStream, item: dict[str, Any]) -> dict[str, Any]:
    call: dict[str, Any] = {"name": state.tool_name(item.get("name")),
                            "args": object_args(item.get("arguments"))}
    if isinstance(item.get("call_id"), str) and item["call_id"]:
        call["id"] = item["call_id"]
    return {"functionCall": call}


def _trailer(state: CodexStream) -> dict[str, Any]:
    out: dict[str, Any] = {"modelVersion": state.model_name}
    if state.created_at:
        out["createTime"] = rfc3339(state.created_at)
    if state.response_id:
        out["responseId"] = state.response_id
    return out


class GeminiStream(CodexStream):
    __slots__ = ("_tail", "reasoning_item", "sep_pending")

    CLIENT = "gemini"

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self._tail = b""
        #: the reasoning item whose text was sent last; its next summary part is set
        #: off by a blank line, as the non-stream answer joins them
        self.reasoning_item: Any = None
        self.sep_pending = False

    def _parts(self, parts: list[dict[str, Any]]) -> None:
        if not self._tail:
            # what follows the parts is the same for every delta: serialised once
            self._tail = b'},"index":0}],' + jsonfast.dumps(_trailer(self))[1:]
        self.out.append(b"".join((_HEAD, jsonfast.dumps(parts), self._tail)))

    def on_summary_part(self, event: dict[str, Any]) -> None:
        if self.reasoning_item is not None and self.reasoning_item == event.get("item_id"):
            self.sep_pending = True

    def on_reasoning_delta(self, event: dict[str, Any]) -> None:
        text = delta_text(event)
        if not text:
            return
        item = event.get("item_id")
        if item != self.reasoning_item:
            self.reasoning_item = item
            self.sep_pending = False
        if self.sep_pending:
            text = "\n\n" + text
            self.sep_pending = False
        self._parts([{"text": text, "thought": True}])

    def on_text_delta(self, event: dict[str, Any]) -> None:
        text = delta_text(event)
        if text:
            self._parts([{"text": text}])

    on_refusal_delta = on_text_delta  # a refusal reads as the answer's text

    def on_item_done(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if isinstance(item, dict) and item.get("type") == "function_call":
            self._parts([_function_call(self, item)])

    def on_completed(self, event: dict[str, Any]) -> None:
        response = self.final_response(event)
        usage = response.get("usage")
        chunk: dict[str, Any] = {"candidates": [{
            "content": {"role": "model", "parts": []},
            "finishReason": codex_finish_to_gemini(response), "index": 0}]}
        if isinstance(usage, dict):
            chunk["usageMetadata"] = gemini_usage_metadata(usage_from_codex(usage))
        chunk.update(_trailer(self))
        self.out.append(jsonfast.dumps(chunk))
        self.finished = True


def gemini_response(state: CodexStream, response: dict[str, Any]) -> dict[str, Any]:
    """A Codex ``response`` object → a Gemini ``GenerateContentResponse`` object."""
    state.remember(response)
    parts: list[dict[str, Any]] = []
    for item in output_items(response):
        kind = item.get("type")
        if kind == "reasoning":
            text = "\n\n".join(summary_texts(item))
            if text:
                parts.append({"text": text, "thought": True})
        elif kind == "message":
            text = "".join(t for _, t in message_texts(item))
            if text:
                parts.append({"text": text})
        elif kind == "function_call":
            parts.append(_function_call(state, item))
    out: dict[str, Any] = {"candidates": [{
        "content": {"role": "model", "parts": parts},
        "finishReason": codex_finish_to_gemini(response), "index": 0}]}
    usage = response.get("usage")
    if isinstance(usage, dict):
        out["usageMetadata"] = gemini_usage_metadata(usage_from_codex(usage))
    out.update(_trailer(state))
    return out
