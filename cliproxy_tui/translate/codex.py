"""The Codex family: every client format ↔ the Codex (Responses API) upstream.

Registers ``(openai, codex)``, ``(claude, codex)``, ``(gemini, codex)`` and
``(openai-response, codex)`` (nearly a passthrough: the Responses client gets the
upstream events as they are, but the request drops what the backend rejects and the
echoed ``instructions`` are the client's own). ``(gemini-cli, codex)``
is the gemini pair inside the envelope (``gemini_cli``).

Requests: ``codex_request*``; answers: ``codex_to_*`` (non-stream input is the
Responses ``response`` object the executor folded out of the stream).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, cast

from .. import jsonfast
from .codex_request import codex_instructions, openai_request, responses_request
from .codex_request_claude import claude_request
from .codex_request_gemini import gemini_request
from .codex_stream import CodexStream, Handler, failure_error, unwrap_response
from .codex_to_chat import ChatStream, chat_completion
from .codex_to_claude import ClaudeStream, claude_message
from .codex_to_gemini import GeminiStream, gemini_response
from .common import (
    claude_count_body,
    count_from_upstream,
    data_payload,
    gemini_count_body,
)
from .registry import StreamState, register_pair

RequestFn = Callable[[str, dict[str, Any], bool], dict[str, Any]]
CompleteFn = Callable[[CodexStream, dict[str, Any]], dict[str, Any]]

_RESPONSE_EVENTS = frozenset({"response.created", "response.in_progress",
                              "response.completed", "response.incomplete",
                              "response.failed", "response.queued"})
_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed",
                       "error"})


class ResponsesStream(CodexStream):
    """Codex → Responses client: the events pass as they came (§6.2).

    Only lines that carry a ``response`` object (or an error) are parsed — to restore
    the client's ``instructions`` should the upstream have been sent other ones, and to
    see the end of the stream; deltas pass untouched.
    """

    __slots__ = ()

    CLIENT = "openai-response"
    HANDLERS: ClassVar[dict[str, Handler]] = {}

    def feed(self, lines: list[bytes]) -> list[bytes]:
        out: list[bytes] = []
        for line in lines:
            if line.startswith(b"event:"):
                out.append(line)
                continue
            payload = data_payload(line)
            if payload is None:
                continue
            if b'"response"' in payload or b'"error"' in payload:
                payload = self._inspect(payload)
            out.append(b"data: " + payload)
        return out

    def _inspect(self, payload: bytes) -> bytes:
        try:
            event = jsonfast.loads(payload)
        except jsonfast.JSONDecodeError:
            return payload
        if not isinstance(event, dict):
            return payload
        kind = event.get("type")
        if kind in _TERMINAL:
            self.finished = True
            if kind in ("response.failed", "error"):
                self.failure = failure_error(event)
        response = event.get("response")
        if kind not in _RESPONSE_EVENTS or not isinstance(response, dict):
            return payload
        fixed = restore_instructions(self, response)
        if fixed is response:
            return payload
        return jsonfast.dumps({**event, "response": fixed})

    def end(self) -> list[bytes]:
        # a failure already reached the client as the upstream's own event; the server
        # still reads ``failure`` to record the attempt as failed
        if self.failure is not None:
            return []
        return super().end()


def restore_instructions(state: StreamState, response: dict[str, Any]) -> dict[str, Any]:
    """``response`` with the client's own ``instructions`` (the same object if they are)."""
    given = state.client_body.get("instructions")
    sent = codex_instructions(state.model, given if isinstance(given, str) else None)
    if sent is None or sent == given or response.get("instructions") == given:
        return response
    return {**response, "instructions": given}


class CodexPair:
    """One ``(client, "codex")`` pair: a request function, a stream class, an answer builder."""

    upstream = "codex"

    def __init__(self, client: str, request: RequestFn, stream_cls: type[CodexStream],
                 complete: CompleteFn | None) -> None:
        self.client = client
        self._request = request
        self._stream_cls = stream_cls
        self._complete = complete

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return self._request(model, body, stream)

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return self._stream_cls(model, client_body)

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        return cast(CodexStream, state).feed(lines)

    def stream_end(self, state: StreamState) -> list[bytes]:
        return cast(CodexStream, state).end()

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        if self._complete is None:
            return _responses_answer(state, upstream_body)
        return jsonfast.dumps(self._complete(cast(CodexStream, state),
                                             unwrap_response(upstream_body)))

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        if self.client == "claude":
            return claude_count_body(count_from_upstream("codex", upstream_body))
        if self.client in ("gemini", "gemini-cli"):
            return gemini_count_body(count_from_upstream("codex", upstream_body))
        return upstream_body  # the OpenAI APIs have no count endpoint to answer


def _responses_answer(state: StreamState, upstream_body: bytes) -> bytes:
    response = unwrap_response(upstream_body)
    fixed = restore_instructions(state, response)
    if fixed is response and response.get("object") == "response":
        return upstream_body  # the common case: nothing to change, nothing re-encoded
    return jsonfast.dumps(fixed)


register_pair(CodexPair("openai", openai_request, ChatStream, chat_completion))
register_pair(CodexPair("claude", claude_request, ClaudeStream, claude_message))
register_pair(CodexPair("gemini", gemini_request, GeminiStream, gemini_response))
register_pair(CodexPair("openai-response", responses_request, ResponsesStream, None))

__all__ = ["CodexPair", "codex_instructions"]
