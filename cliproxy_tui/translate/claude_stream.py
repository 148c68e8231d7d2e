"""Answers from a Claude upstream for OpenAI chat and Gemini clients (§5.1, §5.3).

Streams are Claude SSE lines; only ``data:`` payloads are read (the event type is the
JSON ``type``). Non-stream answers are a Messages JSON object. Decisions beyond the
spec's §9 fixes:

- Usage is exact in both modes: input counts come from ``message_start`` (overridden by
  ``message_delta`` when it repeats them) and include cache reads and writes the way
  OpenAI and Gemini count prompts; cache reads are reported as cached tokens. Reasoning
  tokens, which Claude does not report, are estimated for OpenAI clients as §1.5 says
  (UTF-8 bytes of thinking / 4, at most the output tokens).
- Chat answers carry thinking as ``reasoning_content`` in both modes (upstream's
  non-stream ``reasoning`` field made streamed and whole answers disagree); signatures
  have no place in chat and are dropped.
- Gemini clients get ``finishReason`` only on the final chunk, ``MAX_TOKENS`` when
  Claude hit ``max_tokens``, function calls with Claude's tool id (so the next turn's
  answer maps back to it), and thinking signatures as ``thoughtSignature``.
- The served model is reported: Claude's ``model`` when it gave one, else the request's.
"""

from __future__ import annotations

import abc

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from .. import jsonfast
from ..clock import Clock
from .claude_blocks import gemini_signature
from .common import (
    Usage,
    claude_stop_to_gemini,
    claude_stop_to_openai,
    data_payload,
    gemini_usage_metadata,
    new_message_id,
    openai_usage,
    usage_from_claude,
)
from .registry import StreamState

Handler = Callable[[Any, dict[str, Any], list[bytes]], None]
_dumps = jsonfast.dumps
_loads = jsonfast.loads


def with_reasoning_estimate(u: Usage, thinking_bytes: int) -> Usage:
    """``u`` with reasoning tokens estimated from the thinking text (§1.5)."""
    estimate = thinking_bytes // 4
    if estimate > 0:
        u.reasoning_tokens = min(estimate, u.output_tokens) if u.output_tokens else estimate
    return u


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ClaudeEvents(StreamState):
    """Reads Claude SSE lines and dispatches each event to the subclass's handler."""

    __slots__ = ("clock", "msg_id", "served_model", "started", "stop_reason", "usage")
    HANDLERS: ClassVar[dict[str, Handler]] = {}
    #: Claude event type → name of the method that handles it
    _EVENTS: ClassVar[dict[str, str]] = {
        "message_start": "on_start", "content_block_start": "on_block_start",
        "content_block_delta": "on_block_delta", "content_block_stop": "on_block_stop",
        "message_delta": "on_message_delta", "error": "on_error"}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # plain functions, looked up once per class, so dispatch costs one dict lookup
        cls.HANDLERS = {event: getattr(cls, name) for event, name in cls._EVENTS.items()
                        if hasattr(cls, name)}

    def __init__(self, model: str, client_body: dict[str, Any], clock: Clock) -> None:
        super().__init__(model, client_body)
        self.clock = clock
        self.msg_id = ""
        self.served_model = model
        self.started = False
        self.stop_reason: str | None = None
        self.usage = Usage()

    def feed(self, lines: list[bytes]) -> list[bytes]:
        out: list[bytes] = []
        handlers = self.HANDLERS
        for line in lines:
            # fast path: orjson skips the space after "data:"; anything odd (junk before
            # the JSON, [DONE]) fails to parse and gets the careful treatment
            payload: bytes | None
            if line[:5] == b"data:":
                payload = line[5:]
            elif line[:1] == b"{":
                payload = line
            else:
                continue
            try:
                event = _loads(payload)
            except jsonfast.JSONDecodeError:
                payload = data_payload(line)
                if payload is None:
                    continue
                try:
                    event = _loads(payload)
                except jsonfast.JSONDecodeError:
                    continue
            if isinstance(event, dict):
                handler = handlers.get(event.get("type"))  # type: ignore[arg-type]
                if handler is not None:
                    handler(self, event, out)
        return out

    def begin(self, message: Any) -> None:
        """Record ``message_start``'s message (also called lazily if it never came)."""
        self.started = True
        if isinstance(message, dict):
            if isinstance(message.get("id"), str) and message["id"]:
                self.msg_id = message["id"]
            if isinstance(message.get("model"), str) and message["model"]:
                self.served_model = message["model"]
            self.usage = usage_from_claude(message.get("usage"))
        if not self.msg_id:
            self.msg_id = new_message_id()

    def record_delta(self, event: dict[str, Any]) -> None:
        delta = event.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
            self.stop_reason = delta["stop_reason"]
        if isinstance(event.get("usage"), dict):
            self.usage = usage_from_claude(event["usage"], self.usage)


class _FinishOnDelta(ClaudeEvents, abc.ABC):
    """Content blocks → client chunks, the one final chunk written at ``message_delta``.

    Subclasses say how a text, a thought and a signature become chunks (each hook gets
    the value unchecked); tool calls are gathered here, numbered in order of appearance,
    and written by the subclass at ``content_block_stop``.
    """

    __slots__ = ("_finished", "_tool_count", "_tools")

    def __init__(self, model: str, client_body: dict[str, Any], clock: Clock) -> None:
        super().__init__(model, client_body, clock)
        self._finished = False
        #: Claude block index → [ordinal, id, name, argument fragments]
        self._tools: dict[int, list[Any]] = {}
        self._tool_count = 0

    def _ensure_started(self, message: Any = None) -> None:
        """Record the message once (from ``message_start``, or whatever event came first)."""
        if self.started:
            return
        self.begin(message)
        self._open()

    @abc.abstractmethod
    def _open(self) -> None:
        """Build what every chunk shares, now that the message id and model are known."""

    @abc.abstractmethod
    def _on_text(self, text: Any, out: list[bytes]) -> None: ...

    @abc.abstractmethod
    def _on_thinking(self, text: Any, out: list[bytes]) -> None: ...

    @abc.abstractmethod
    def _on_signature(self, signature: Any, out: list[bytes]) -> None: ...

    @abc.abstractmethod
    def _finish(self) -> bytes:
        """The one final chunk (finish reason and usage)."""

    def on_block_start(self, event: dict[str, Any], out: list[bytes]) -> None:
        self._ensure_started()
        block = event.get("content_block")
        if not isinstance(block, dict):
            return
        kind = block.get("type")
        if kind == "tool_use":
            self._tools[_index(event)] = [self._tool_count, block.get("id") or "",
                                          block.get("name") or "", []]
            self._tool_count += 1
        elif kind == "text":
            self._on_text(block.get("text"), out)
        elif kind == "thinking":
            self._on_thinking(block.get("thinking"), out)

    def on_block_delta(self, event: dict[str, Any], out: list[bytes]) -> None:
        # the hot path (one event per token): the hooks check the value themselves, so
        # a delta costs one call into the subclass
        if not self.started:
            self._ensure_started()
        delta = event.get("delta")
        if not isinstance(delta, dict):
            return
        kind = delta.get("type")
        if kind == "text_delta":
            self._on_text(delta.get("text"), out)
        elif kind == "thinking_delta":
            self._on_thinking(delta.get("thinking"), out)
        elif kind == "input_json_delta":
            tool = self._tools.get(_index(event))
            fragment = delta.get("partial_json")
            if tool is not None and isinstance(fragment, str) and fragment:
                tool[3].append(fragment)
        elif kind == "signature_delta":
            self._on_signature(delta.get("signature"), out)

    def on_message_delta(self, event: dict[str, Any], out: list[bytes]) -> None:
        self._ensure_started()
        self.record_delta(event)
        if not self._finished:
            out.append(self._finish())

    def end(self) -> list[bytes]:
        if not self.started or self._finished:
            return []
        return [self._finish()]


def _error_parts(event: dict[str, Any]) -> tuple[str, str]:
    err = event.get("error")
    if not isinstance(err, dict):
        return "api_error", "upstream error"
    return str(err.get("type") or "api_error"), str(err.get("message") or "upstream error")


def _index(event: dict[str, Any]) -> int:
    index = event.get("index")
    return index if isinstance(index, int) else -1


# ---------------------------------------------------------------------------
# → openai (chat completions)
# ---------------------------------------------------------------------------


class ChatStream(_FinishOnDelta):
    """Claude SSE → chat completion chunks (§5.1)."""

    __slots__ = ("_prefix", "_thinking_bytes")

    def __init__(self, model: str, client_body: dict[str, Any], clock: Clock) -> None:
        super().__init__(model, client_body, clock)
        self._prefix = b""
        self._thinking_bytes = 0

    def _open(self) -> None:
        # the chunk envelope never changes: build it once, add only the delta per chunk
        self._prefix = b"".join((
            b'{"id":', _dumps(self.msg_id), b',"object":"chat.completion.chunk","created":',
            str(int(self.clock.now())).encode(), b',"model":', _dumps(self.model),
            b',"choices":[{"index":0,"delta":'))

    def _chunk(self, delta: bytes) -> bytes:
        return self._prefix + delta + b',"finish_reason":null}]}'

    def _on_text(self, text: Any, out: list[bytes]) -> None:
        if isinstance(text, str) and text:
            out.append(self._prefix + b'{"content":' + _dumps(text) + b'},"finish_reason":null}]}')

    def _on_thinking(self, text: Any, out: list[bytes]) -> None:
        if isinstance(text, str) and text:
            self._thinking_bytes += len(text.encode())
            out.append(self._prefix + b'{"reasoning_content":' + _dumps(text)
                       + b'},"finish_reason":null}]}')

    def _on_signature(self, signature: Any, out: list[bytes]) -> None:
        """Chat has no place for a thinking signature: dropped."""

    def on_start(self, event: dict[str, Any], out: list[bytes]) -> None:
        if self.started:
            return
        self._ensure_started(event.get("message"))
        out.append(self._chunk(b'{"role":"assistant"}'))

    def on_block_stop(self, event: dict[str, Any], out: list[bytes]) -> None:
        tool = self._tools.pop(_index(event), None)
        if tool is None:
            return
        call = {"index": tool[0], "id": tool[1], "type": "function",
                "function": {"name": tool[2], "arguments": "".join(tool[3]) or "{}"}}
        out.append(self._chunk(_dumps({"tool_calls": [call]})))

    def _finish(self) -> bytes:
        self._finished = True
        reason = claude_stop_to_openai(self.stop_reason)
        usage = openai_usage(with_reasoning_estimate(self.usage, self._thinking_bytes))
        return b"".join((self._prefix, b'{},"finish_reason":', _dumps(reason),
                         b'}],"usage":', _dumps(usage), b"}"))

    def on_error(self, event: dict[str, Any], out: list[bytes]) -> None:
        kind, message = _error_parts(event)
        out.append(_dumps({"error": {"message": message, "type": kind}}))

    def end(self) -> list[bytes]:
        if self.started and not self._finished and self.stop_reason is None \
                and self._tool_count:
            self.stop_reason = "tool_use"
        return super().end()


def message_to_chat(state: ClaudeEvents, message: dict[str, Any]) -> dict[str, Any]:
    """A Claude Messages answer → a chat completion (§5.1 non-stream)."""
    texts: list[str] = []
    thinking: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in _blocks(message):
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            thinking.append(block["thinking"])
        elif kind == "tool_use":
            calls.append({"id": block.get("id") or "", "type": "function",
                          "function": {"name": block.get("name") or "",
                                       "arguments": _dumps(block.get("input") or {}).decode()}})
    reply: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
    reasoning = "".join(thinking)
    if reasoning:
        reply["reasoning_content"] = reasoning
    if calls:
        reply["tool_calls"] = calls
    usage = with_reasoning_estimate(usage_from_claude(message.get("usage")),
                                    len(reasoning.encode()))
    return {"id": message.get("id") or state.msg_id or new_message_id(),
            "object": "chat.completion", "created": int(state.clock.now()),
            "model": message.get("model") or state.model,
            "choices": [{"index": 0, "message": reply,
                         "finish_reason": claude_stop_to_openai(message.get("stop_reason"),
                                                                bool(calls))}],
            "usage": openai_usage(usage)}


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict)]


# ---------------------------------------------------------------------------
# → gemini
# ---------------------------------------------------------------------------

_CHUNK_HEAD = b'{"candidates":[{"content":{"role":"model","parts":'


class GeminiStream(_FinishOnDelta):
    """Claude SSE → Gemini ``GenerateContentResponse`` chunks (§5.3)."""

    __slots__ = ("_create_time", "_tail")

    def __init__(self, model: str, client_body: dict[str, Any], clock: Clock) -> None:
        super().__init__(model, client_body, clock)
        self._create_time = rfc3339(clock.now())
        self._tail = b""

    def _open(self) -> None:
        self._tail = b"".join((
            b'}}],"usageMetadata":{"trafficType":"PROVISIONED_THROUGHPUT"},"modelVersion":',
            _dumps(self.served_model), b',"createTime":', _dumps(self._create_time),
            b',"responseId":', _dumps(self.msg_id), b"}"))

    def _meta(self) -> dict[str, Any]:
        return {"modelVersion": self.served_model, "createTime": self._create_time,
                "responseId": self.msg_id}

    def on_start(self, event: dict[str, Any], out: list[bytes]) -> None:
        self._ensure_started(event.get("message"))

    def _on_text(self, text: Any, out: list[bytes]) -> None:
        if isinstance(text, str) and text:
            out.append(_CHUNK_HEAD + b'[{"text":' + _dumps(text) + b"}]" + self._tail)

    def _on_thinking(self, text: Any, out: list[bytes]) -> None:
        if isinstance(text, str) and text:
            out.append(_CHUNK_HEAD + b'[{"text":' + _dumps(text) + b',"thought":true}]'
                       + self._tail)

    def _on_signature(self, signature: Any, out: list[bytes]) -> None:
        signature = gemini_signature(signature or "")
        if signature is not None:
            part = {"text": "", "thought": True, "thoughtSignature": signature}
            out.append(_CHUNK_HEAD + _dumps([part]) + self._tail)

    def on_block_stop(self, event: dict[str, Any], out: list[bytes]) -> None:
        tool = self._tools.pop(_index(event), None)
        if tool is None:
            return
        call: dict[str, Any] = {"name": tool[2], "args": _parse_args("".join(tool[3]))}
        if tool[1]:
            call["id"] = tool[1]
        out.append(_CHUNK_HEAD + _dumps([{"functionCall": call}]) + self._tail)

    def _finish(self) -> bytes:
        self._finished = True
        meta = gemini_usage_metadata(self.usage)
        meta["trafficType"] = "PROVISIONED_THROUGHPUT"
        return _dumps({"candidates": [{"content": {"role": "model", "parts": []},
                                       "finishReason": claude_stop_to_gemini(self.stop_reason)}],
                       "usageMetadata": meta, **self._meta()})

    def on_error(self, event: dict[str, Any], out: list[bytes]) -> None:
        _, message = _error_parts(event)
        out.append(_dumps({"error": {"code": 400, "message": message,
                                     "status": "INVALID_ARGUMENT"}}))


def _parse_args(raw: str) -> Any:
    if not raw:
        return {}
    try:
        return jsonfast.loads(raw)
    except jsonfast.JSONDecodeError:
        return {}


def message_to_gemini(state: GeminiStream, message: dict[str, Any]) -> dict[str, Any]:
    """A Claude Messages answer → a Gemini ``GenerateContentResponse`` (§5.3 non-stream).

    Adjacent texts and adjacent thoughts are merged; a thought keeps the signature of
    its (last) thinking block.
    """
    parts: list[dict[str, Any]] = []
    for block in _blocks(message):
        kind = block.get("type")
        if kind in ("text", "thinking"):
            thought = kind == "thinking"
            text = block.get(kind)
            if not isinstance(text, str):
                continue
            signature = gemini_signature(block.get("signature") or "") if thought else None
            if not text and signature is None:
                continue
            last = parts[-1] if parts else None
            if last is not None and "text" in last and last.get("thought", False) == thought:
                last["text"] += text
            else:
                parts.append({"text": text, "thought": True} if thought else {"text": text})
            if signature is not None:
                parts[-1]["thoughtSignature"] = signature
        elif kind == "tool_use":
            call: dict[str, Any] = {"name": block.get("name") or "",
                                    "args": block.get("input") or {}}
            if block.get("id"):
                call["id"] = block["id"]
            parts.append({"functionCall": call})
    return {"candidates": [{"content": {"role": "model", "parts": parts},
                            "finishReason": claude_stop_to_gemini(message.get("stop_reason")),
                            "index": 0}],
            "usageMetadata": gemini_usage_metadata(usage_from_claude(message.get("usage"))),
            "modelVersion": message.get("model") or state.model,
            "createTime": rfc3339(state.clock.now()),
            "responseId": message.get("id") or new_message_id()}
