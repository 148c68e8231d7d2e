"""Codex answers → OpenAI Chat Completions (translators.md §6.1).

Stream: a role chunk when the response is created, then one chunk per text, reasoning
or tool-call delta, and a finish chunk at ``response.completed``. Tool calls are
streamed the way OpenAI streams them (name and id first, then argument fragments in
order, indices 0, 1, … per response, §9 #7); arguments that only arrive in the
``output_item.done`` item are sent from there. Reasoning summaries go out as
``reasoning_content`` deltas — the field DeepSeek, Qwen and most OpenAI-compatible
clients read — and never as ``content``; summary parts are separated by a blank line.

Usage (prompt, completion, cached and reasoning tokens) rides on the finish chunk, or,
when the client asked for ``stream_options.include_usage``, on its own final chunk
with empty ``choices``, as OpenAI sends it. ``id``, ``created`` and ``model`` come
from ``response.created`` (§9 #10).
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
from .common import codex_finish_to_openai, openai_usage, usage_from_codex


class ChatStream(CodexStream):
    __slots__ = ("_head", "calls", "include_usage", "reasoning_seen", "sep_pending",
                 "started", "tool_count")

    CLIENT = "openai"

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        opts = client_body.get("stream_options")
        self.include_usage = isinstance(opts, dict) and opts.get("include_usage") is True
        self.started = False
        self._head = b""
        #: item id → [tool index, argument fragments sent so far]
        self.calls: dict[str, list[Any]] = {}
        self.tool_count = 0
        self.reasoning_seen = False
        self.sep_pending = False

    def _chunk(self, delta: dict[str, Any]) -> None:
        if not self.started:
            self._start()
        # the envelope is the same for every delta: serialised once per stream
        self.out.append(b"".join((self._head, jsonfast.dumps(delta),
                                  b',"finish_reason":null}]}')))

    def _envelope(self) -> dict[str, Any]:
        return {"id": self.response_id, "object": "chat.completion.chunk",
                "created": self.created_at, "model": self.model_name}

    def _start(self) -> None:
        self.started = True
        head = jsonfast.dumps(self._envelope())
        self._head = head[:-1] + b',"choices":[{"index":0,"delta":'
        self._chunk({"role": "assistant", "content": ""})

    def on_created(self, event: dict[str, Any]) -> None:
        if not self.started:
            self._start()

    def on_summary_part(self, event: dict[str, Any]) -> None:
        if self.reasoning_seen:
            self.sep_pending = True

    def on_reasoning_delta(self, event: dict[str, Any]) -> None:
        text = delta_text(event)
        if not text:
            return
        if self.sep_pending:
            text = "\n\n" + text
            self.sep_pending = False
        self.reasoning_seen = True
        self._chunk({"reasoning_content": text})

    def on_text_delta(self, event: dict[str, Any]) -> None:
        text = delta_text(event)
        if text:
            self._chunk({"content": text})

    def on_refusal_delta(self, event: dict[str, Any]) -> None:
        text = delta_text(event)
        if text:
            self._chunk({"refusal": text})

    def _new_call(self, item: dict[str, Any], arguments: str) -> list[Any]:
        entry: list[Any] = [self.tool_count, [arguments] if arguments else []]
        self.tool_count += 1
        if isinstance(item.get("id"), str):
            self.calls[item["id"]] = entry
        self._chunk({"tool_calls": [{
            "index": entry[0], "id": str(item.get("call_id") or ""), "type": "function",
            "function": {"name": self.tool_name(item.get("name")), "arguments": arguments}}]})
        return entry

    def on_item_added(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if isinstance(item, dict) and item.get("type") == "function_call":
            args = item.get("arguments")
            self._new_call(item, args if isinstance(args, str) else "")

    def on_arguments_delta(self, event: dict[str, Any]) -> None:
        entry = self.calls.get(event.get("item_id"))  # type: ignore[arg-type]
        text = delta_text(event)
        if entry is None or not text:
            return
        entry[1].append(text)
        self._chunk({"tool_calls": [{"index": entry[0], "function": {"arguments": text}}]})

    def on_item_done(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict) or item.get("type") != "function_call":
            return
        args = item.get("arguments")
        args = args if isinstance(args, str) else ""
        entry = self.calls.get(item.get("id"))  # type: ignore[arg-type]
        if entry is None:
            self._new_call(item, args)
            return
        sent = "".join(entry[1])
        if len(args) > len(sent) and args.startswith(sent):
            rest = args[len(sent):]
            entry[1].append(rest)
            self._chunk({"tool_calls": [{"index": entry[0], "function": {"arguments": rest}}]})

    def on_completed(self, event: dict[str, Any]) -> None:
        response = self.final_response(event)
        if not self.started:
            self._start()
        finish = codex_finish_to_openai(response, self.tool_count > 0)
        usage = response.get("usage")
        chunk = self._envelope()
        chunk["choices"] = [{"index": 0, "delta": {}, "finish_reason": finish}]
        if isinstance(usage, dict) and not self.include_usage:
            chunk["usage"] = openai_usage(usage_from_codex(usage))
        self.out.append(jsonfast.dumps(chunk))
        if isinstance(usage, dict) and self.include_usage:
            tail = self._envelope()
            tail["choices"] = []
            tail["usage"] = openai_usage(usage_from_codex(usage))
            self.out.append(jsonfast.dumps(tail))
        self.finished = True


def chat_completion(state: CodexStream, response: dict[str, Any]) -> dict[str, Any]:
    """A Codex ``response`` object → a ``chat.completion`` object."""
    texts: list[str] = []
    refusals: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in output_items(response):
        kind = item.get("type")
        if kind == "message":
            for part_kind, text in message_texts(item):
                (refusals if part_kind == "refusal" else texts).append(text)
        elif kind == "reasoning":
            reasoning.extend(summary_texts(item))
        elif kind == "function_call":
            args = item.get("arguments")
            calls.append({"id": str(item.get("call_id") or ""), "type": "function",
                          "function": {"name": state.tool_name(item.get("name")),
                                       "arguments": args if isinstance(args, str) else ""}})
    message: dict[str, Any] = {"role": "assistant",
                               "content": "".join(texts) if texts or not calls else None}
    if reasoning:
        message["reasoning_content"] = "\n\n".join(reasoning)
    if refusals:
        message["refusal"] = "".join(refusals)
    if calls:
        message["tool_calls"] = calls
    created = response.get("created_at")
    out: dict[str, Any] = {
        "id": str(response.get("id") or ""), "object": "chat.completion",
        "created": int(created) if isinstance(created, (int, float)) else 0,
        "model": response.get("model") or state.model,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": codex_finish_to_openai(response, bool(calls))}],
    }
    usage = response.get("usage")
    if isinstance(usage, dict):
        out["usage"] = openai_usage(usage_from_codex(usage))
    return out
