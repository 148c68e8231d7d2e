"""Pairs whose upstream is an OpenAI-compatible Chat Completions API.

``(claude, openai)``, ``(gemini, openai)`` and ``(openai-response, openai)``: requests per
translators.md §3.2, answers per §7.2–§7.4 (``openai → openai`` is the passthrough).
The gemini-cli client pair comes from ``gemini_cli``, which wraps the gemini one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import jsonfast
from .common import claude_count_body, count_from_upstream, gemini_count_body
from .openai_claude import ClaudeStream, completion_to_claude, end_claude_stream, stream_to_claude
from .openai_gemini import GeminiStream, completion_to_gemini, end_gemini_stream, stream_to_gemini
from .openai_request import claude_to_chat, gemini_to_chat, responses_to_chat
from .openai_responses import (
    ResponsesStream,
    completion_to_responses,
    end_responses_stream,
    stream_to_responses,
)
from .registry import StreamState, register_pair

UPSTREAM = "openai"


def _responses_count_body(n: int) -> bytes:
    # the Responses API's own shape (``POST /v1/responses/input_tokens``)
    return jsonfast.dumps({"object": "response.input_tokens", "input_tokens": n})


class ChatUpstreamPair:
    """One client format on an OpenAI-compatible upstream, from its module's functions."""

    upstream = UPSTREAM

    def __init__(self, client: str,
                 request: Callable[[str, dict[str, Any], bool], dict[str, Any]],
                 state: Callable[[str, dict[str, Any]], StreamState],
                 response: Callable[[Any, bytes], bytes],
                 stream: Callable[[Any, list[bytes]], list[bytes]],
                 end: Callable[[Any], list[bytes]],
                 count_body: Callable[[int], bytes]) -> None:
        self.client = client
        self._request = request
        self._state = state
        self._response = response
        self._stream = stream
        self._end = end
        self._count_body = count_body

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return self._request(model, body, stream)

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return self._state(model, client_body)

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return self._response(state, upstream_body)

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        return self._stream(state, lines)

    def stream_end(self, state: StreamState) -> list[bytes]:
        return self._end(state)

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return self._count_body(count_from_upstream(UPSTREAM, upstream_body))


CLAUDE_PAIR = ChatUpstreamPair("claude", claude_to_chat, ClaudeStream, completion_to_claude,
                               stream_to_claude, end_claude_stream, claude_count_body)
GEMINI_PAIR = ChatUpstreamPair("gemini", gemini_to_chat, GeminiStream, completion_to_gemini,
                               stream_to_gemini, end_gemini_stream, gemini_count_body)
RESPONSES_PAIR = ChatUpstreamPair("openai-response", responses_to_chat, ResponsesStream,
                                  completion_to_responses, stream_to_responses,
                                  end_responses_stream, _responses_count_body)

for _pair in (CLAUDE_PAIR, GEMINI_PAIR, RESPONSES_PAIR):
    register_pair(_pair)
