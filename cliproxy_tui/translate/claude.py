"""The Claude family: OpenAI chat, Responses and Gemini clients over a Claude upstream.

Registers ``(openai, claude)``, ``(openai-response, claude)`` and ``(gemini, claude)``;
gemini-cli clients reach the Gemini pair through ``gemini_cli.py``. Requests are built
in ``claude_request.py``, answers in ``claude_stream.py`` (chat, Gemini) and
``claude_responses.py``. Non-stream answers are the Messages JSON our executor returns;
an SSE body (a gateway that streamed anyway) is folded into a message first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import jsonfast
from ..clock import SYSTEM_CLOCK, Clock
from .claude_request import gemini_to_claude, openai_to_claude, responses_to_claude
from .claude_responses import ResponsesStream, message_to_response
from .claude_stream import (
    ChatStream,
    ClaudeEvents,
    GeminiStream,
    message_to_chat,
    message_to_gemini,
)
from .common import count_from_upstream, data_objects, gemini_count_body
from .registry import StreamState, register_pair

RequestFn = Callable[[str, dict[str, Any], bool], dict[str, Any]]
AnswerFn = Callable[[Any, dict[str, Any]], dict[str, Any]]


def fold_sse(body: bytes) -> dict[str, Any]:
    """A Claude SSE text → the Messages object it describes."""
    message: dict[str, Any] = {"content": []}
    blocks: dict[int, dict[str, Any]] = {}
    #: block index → its streamed fields (``text``, ``thinking``, ``partial_json``) in
    #: pieces, joined once at the end: adding each delta to the string is quadratic
    pieces: dict[int, dict[str, list[str]]] = {}
    for event in data_objects(body.split(b"\n")):
        kind = event.get("type")
        if kind == "message_start" and isinstance(event.get("message"), dict):
            message = {**event["message"], "content": []}
        elif kind == "content_block_start" and isinstance(event.get("content_block"), dict):
            index = event.get("index", len(blocks))
            blocks[index] = dict(event["content_block"])
            pieces[index] = {}
        elif kind == "content_block_delta" and isinstance(event.get("delta"), dict):
            index = event.get("index", -1)
            block = blocks.get(index)
            delta = event["delta"]
            if block is None:
                continue
            dtype = delta.get("type")
            if dtype == "text_delta":
                _add_piece(block, pieces[index], "text", str(delta.get("text") or ""))
            elif dtype == "thinking_delta":
                _add_piece(block, pieces[index], "thinking", str(delta.get("thinking") or ""))
            elif dtype == "signature_delta":
                block["signature"] = delta.get("signature")
            elif dtype == "input_json_delta":
                pieces[index].setdefault("partial_json", []).append(
                    str(delta.get("partial_json") or ""))
        elif kind == "message_delta":
            delta = event.get("delta")
            if isinstance(delta, dict):
                message["stop_reason"] = delta.get("stop_reason")
            if isinstance(event.get("usage"), dict):
                message["usage"] = {**(message.get("usage") or {}), **event["usage"]}
    for index in sorted(blocks):
        block = blocks[index]
        fields = pieces[index]
        for key in ("text", "thinking"):
            if key in fields:
                block[key] = "".join(fields[key])
        if block.get("type") == "tool_use" and fields.get("partial_json"):
            try:
                block["input"] = jsonfast.loads("".join(fields["partial_json"]))
            except jsonfast.JSONDecodeError:
                block["input"] = {}
        message["content"].append(block)
    return message


def _add_piece(block: dict[str, Any], fields: dict[str, list[str]], key: str, piece: str) -> None:
    parts = fields.get(key)
    if parts is None:
        # the first piece joins the value the block started with (and the block gets the
        # key now, so its keys keep their order)
        block[key] = block.get(key, "") + piece
        fields[key] = [block[key]]
    else:
        parts.append(piece)


def _message(upstream_body: bytes) -> dict[str, Any]:
    head = upstream_body.lstrip()[:6]
    if head.startswith((b"event:", b"data:")):
        return fold_sse(upstream_body)
    obj = jsonfast.loads(upstream_body)
    return obj if isinstance(obj, dict) else {}


class ClaudeUpstreamPair:
    """One ``(client, "claude")`` pair: the client's request in, Claude's answer out."""

    upstream = "claude"

    def __init__(self, client: str, request: RequestFn, state: type[ClaudeEvents],
                 answer: AnswerFn, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.client = client
        self._request = request
        self._state = state
        self._answer = answer
        self._clock = clock

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return self._request(model, body, stream)

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return self._state(model, client_body, self._clock)

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        return state.feed(lines)  # type: ignore[attr-defined]

    def stream_end(self, state: StreamState) -> list[bytes]:
        return state.end()  # type: ignore[attr-defined]

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return jsonfast.dumps(self._answer(state, _message(upstream_body)))

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        if self.client == "gemini":
            return gemini_count_body(count_from_upstream("claude", upstream_body))
        # chat and Responses clients have no count route; keep Claude's answer
        return upstream_body


def claude_pairs(clock: Clock = SYSTEM_CLOCK) -> list[ClaudeUpstreamPair]:
    """The family's pairs (tests build their own with a fake clock)."""
    return [
        ClaudeUpstreamPair("openai", openai_to_claude, ChatStream, message_to_chat, clock=clock),
        ClaudeUpstreamPair("openai-response", responses_to_claude, ResponsesStream,
                           message_to_response, clock=clock),
        ClaudeUpstreamPair("gemini", gemini_to_claude, GeminiStream, message_to_gemini,
                           clock=clock),
    ]


for _pair in claude_pairs():
    register_pair(_pair)

__all__ = ["ClaudeUpstreamPair", "claude_pairs", "fold_sse"]
