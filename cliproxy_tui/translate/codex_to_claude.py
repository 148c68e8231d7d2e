"""Codex answers → Claude Messages (translators.md §6.3).

Block indices are allocated 0, 1, 2, … in order of first appearance, one block open at
a time, so the official SDK's accumulator (which indexes blocks by position) never
sees a gap — Codex ``output_index`` values are not used, because a reasoning item
without summary text would leave one. Blocks open lazily on their first non-empty
delta, so the stream yields exactly the blocks of the non-stream answer.

A reasoning item becomes a ``thinking`` block: its summary parts joined by a blank
line, and its ``encrypted_content`` as the block's ``signature`` (a ``signature_delta``
at the item's end). A Claude client returns that block on the next turn, and the
request side hands the blob back to Codex as the reasoning item it came from.
"""

from __future__ import annotations

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
    claude_sse,
    claude_usage,
    codex_finish_to_claude,
    object_args,
    usage_from_codex,
)


class ClaudeStream(CodexStream):
    __slots__ = ("calls", "has_text", "next_index", "open_index", "open_key", "open_kind",
                 "saw_tool", "sep_pending", "started")

    CLIENT = "claude"

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self.started = False
        self.next_index = 0
        self.open_kind = ""
        self.open_key: Any = None
        self.open_index = -1
        self.has_text = False
        self.sep_pending = False
        #: item id → argument fragments sent so far
        self.calls: dict[str, list[str]] = {}
        self.saw_tool = False

    # -- blocks ------------------------------------------------------------------------

    def _emit(self, event: str, obj: dict[str, Any]) -> None:
        self.out.append(claude_sse(event, obj))

    def _start(self) -> None:
        self.started = True
        self._emit("message_start", {"type": "message_start", "message": {
            "id": self.response_id, "type": "message", "role": "assistant",
            "model": self.model_name, "content": [], "stop_reason": None,
            "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}})

    def _open(self, kind: str, key: Any, block: dict[str, Any]) -> None:
        if not self.started:
            self._start()
        self._close()
        self.open_kind, self.open_key = kind, key
        self.open_index = self.next_index
        self.next_index += 1
        self.has_text = False
        self.sep_pending = False
        self._emit("content_block_start", {"type": "content_block_start",
                                           "index": self.open_index, "content_block": block})

    def _close(self) -> None:
        if self.open_kind:
            self._emit("content_block_stop", {"type": "content_block_stop",
                                              "index": self.open_index})
            self.open_kind = ""
            self.open_key = None

    def _delta(self, delta: dict[str, Any]) -> None:
        self._emit("content_block_delta", {"type": "content_block_delta",
                                           "index": self.open_index, "delta": delta})

    def _text_delta(self, kind: bytes, text: str) -> None:
        # the hot path (one event per token): only the text is serialised
        self.out.append(b"".join((
            b'event: content_block_delta\ndata: {"type":"content_block_delta","index":',
            str(self.open_index).encode(), b',"delta":{"type":"', kind, b'":',
            jsonfast.dumps(text), b"}}\n\n")))

    def _is_open(self, kind: str, key: Any) -> bool:
        return self.open_kind == kind and self.open_key == key

    # -- handlers ----------------------------------------------------------------------

    def on_created(self, event: dict[str, Any]) -> None:
        if not self.started:
            self._start()

    def on_summary_part(self, event: dict[str, Any]) -> None:
        if self._is_open("thinking", event.get("item_id")) and self.has_text:
            self.sep_pending = True

    def on_reasoning_delta(self, event: dict[str, Any]) -> None:
        text = delta_text(event)
        if not text:
            return
        key = event.get("item_id")
        if not self._is_open("thinking", key):
            self._open("thinking", key, {"type": "thinking", "thinking": "", "signature": ""})
        if self.sep_pending:
            text = "\n\n" + text
            self.sep_pending = False
        self.has_text = True
        self._text_delta(b'thinking_delta","thinking', text)

    def on_text_delta(self, event: dict[str, Any]) -> None:
        text = delta_text(event)
        if not text:
            return
        key = (event.get("item_id"), event.get("content_index"))
        if not self._is_open("text", key):
            self._open("text", key, {"type": "text", "text": ""})
        self._text_delta(b'text_delta","text', text)

    on_refusal_delta = on_text_delta  # a refusal reads as the answer's text

    def on_part_done(self, event: dict[str, Any]) -> None:
        if self._is_open("text", (event.get("item_id"), event.get("content_index"))):
            self._close()

    def on_item_added(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if isinstance(item, dict) and item.get("type") == "function_call":
            self._open_call(item)

    def _open_call(self, item: dict[str, Any]) -> list[str]:
        key = item.get("id")
        self._open("tool", key, {"type": "tool_use", "id": str(item.get("call_id") or ""),
                                 "name": self.tool_name(item.get("name")), "input": {}})
        self.saw_tool = True
        sent: list[str] = []
        if isinstance(key, str):
            self.calls[key] = sent
        return sent

    def on_arguments_delta(self, event: dict[str, Any]) -> None:
        key = event.get("item_id")
        text = delta_text(event)
        if text and self._is_open("tool", key) and isinstance(key, str):
            self.calls[key].append(text)
            self._text_delta(b'input_json_delta","partial_json', text)

    def on_item_done(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict):
            return
        kind, key = item.get("type"), item.get("id")
        if kind == "function_call":
            sent = self.calls.get(key) if isinstance(key, str) else None
            if sent is None or not self._is_open("tool", key):
                sent = self._open_call(item) if sent is None else sent
            args = item.get("arguments")
            so_far = "".join(sent)
            if self._is_open("tool", key) and isinstance(args, str) \
                    and len(args) > len(so_far) and args.startswith(so_far):
                self._delta({"type": "input_json_delta", "partial_json": args[len(so_far):]})
            if self._is_open("tool", key):
                self._close()
        elif kind == "reasoning":
            blob = item.get("encrypted_content")
            if isinstance(blob, str) and blob:
                if not self._is_open("thinking", key):
                    self._open("thinking", key,
                               {"type": "thinking", "thinking": "", "signature": ""})
                self._delta({"type": "signature_delta", "signature": blob})
            if self._is_open("thinking", key):
                self._close()
        elif kind == "message" and self.open_kind == "text" \
                and isinstance(self.open_key, tuple) and self.open_key[0] == key:
            self._close()

    def on_completed(self, event: dict[str, Any]) -> None:
        response = self.final_response(event)
        if not self.started:
            self._start()
        self._close()
        usage = response.get("usage")
        self._emit("message_delta", {
            "type": "message_delta",
            "delta": {"stop_reason": codex_finish_to_claude(response, self.saw_tool),
                      "stop_sequence": None},
            "usage": claude_usage(usage_from_codex(usage if isinstance(usage, dict) else {}))})
        self._emit("message_stop", {"type": "message_stop"})
        self.finished = True


def claude_message(state: CodexStream, response: dict[str, Any]) -> dict[str, Any]:
    """A Codex ``response`` object → a Claude ``Message`` object."""
    content: list[dict[str, Any]] = []
    has_call = False
    for item in output_items(response):
        kind = item.get("type")
        if kind == "reasoning":
            text = "\n\n".join(summary_texts(item))
            blob = item.get("encrypted_content")
            blob = blob if isinstance(blob, str) else ""
            if text or blob:
                content.append({"type": "thinking", "thinking": text, "signature": blob})
        elif kind == "message":
            content.extend({"type": "text", "text": text} for _, text in message_texts(item))
        elif kind == "function_call":
            has_call = True
            content.append({"type": "tool_use", "id": str(item.get("call_id") or ""),
                            "name": state.tool_name(item.get("name")),
                            "input": object_args(item.get("arguments"))})
    usage = response.get("usage")
    return {
        "id": str(response.get("id") or ""), "type": "message", "role": "assistant",
        "model": response.get("model") or state.model, "content": content,
        "stop_reason": codex_finish_to_claude(response, has_call), "stop_sequence": None,
        "usage": claude_usage(usage_from_codex(usage if isinstance(usage, dict) else {})),
    }
