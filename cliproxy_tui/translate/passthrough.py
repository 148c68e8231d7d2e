"""Same-format pairs: the body passes through; only SSE framing is normalised.

openai → openai (OpenAI-compatible upstreams) and claude → claude. The other
same-API pairs have work to do and live with their family: gemini → gemini normalises
the request (``gemini``), openai-response → codex drops what the backend rejects
(``codex``).
"""

from __future__ import annotations

from typing import Any

from .registry import StreamState, register_pair


def _data_payload(line: bytes) -> bytes | None:
    """JSON payload of a ``data:`` line, or None for other lines and ``[DONE]``."""
    if not line.startswith(b"data:"):
        return None
    payload = line[5:].strip()
    if not payload or payload == b"[DONE]":
        return None
    return payload


class _Identity:
    client = ""
    upstream = ""

    def __init__(self, client: str, upstream: str) -> None:
        self.client = client
        self.upstream = upstream

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return body

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return upstream_body

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return StreamState(model, client_body)

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        # raw SSE lines are re-terminated and passed as they came
        return [line + b"\n" for line in lines]

    def stream_end(self, state: StreamState) -> list[bytes]:
        return []

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return upstream_body


class _OpenAIChat(_Identity):
    """Chat chunks are re-framed by the server (``data: …`` + ``[DONE]`` at the end).

    The executor asks the upstream for a usage chunk (``stream_options.include_usage``)
    so that every stream is counted; a client that did not ask for it does not get that
    extra chunk (it has an empty ``choices`` list, which some clients do not expect).
    """

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        state = StreamState(model, client_body)
        opts = client_body.get("stream_options")
        state.data = isinstance(opts, dict) and opts.get("include_usage") is True
        return state

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        out = []
        wants_usage = state.data
        for line in lines:
            payload = _data_payload(line)
            if payload is None:
                continue
            if not wants_usage and b'"usage"' in payload and _is_usage_only(payload):
                continue
            out.append(payload)
        return out


def _is_usage_only(payload: bytes) -> bool:
    compact = payload.replace(b" ", b"")
    return b'"choices":[]' in compact


register_pair(_OpenAIChat("openai", "openai"))
register_pair(_Identity("claude", "claude"))
