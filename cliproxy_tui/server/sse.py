"""Stream framing towards the client (server.md §7, translators.md §0.4).

Translators emit payloads; these helpers add the bytes each client API expects around
them. They run once per chunk, so they are plain byte concatenations. An empty result
(``b""`` or ``None``) means "write nothing".
"""

from __future__ import annotations

from collections.abc import Callable

SSE_HEADERS: dict[str, str] = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "Connection": "keep-alive",
    "Access-Control-Allow-Origin": "*",
    # the rest of the CORS set: streams are prepared before the middleware sees them
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "*",
}

OPENAI_DONE = b"data: [DONE]\n\n"
#: terminates the last Responses event: each item is followed by a single newline only
RESPONSES_END = b"\n"

Framer = Callable[[bytes], bytes | None]


def frame_openai(payload: bytes) -> bytes:
    if not payload:
        return b""
    return b"data: " + payload + b"\n\n"


def frame_responses(item: bytes) -> bytes:
    # Items are ``event: <type>\ndata: <json>`` (or single lines); the newline written
    # before each ``event:`` line is what separates one SSE event from the previous one.
    if not item:
        return b""
    if item.startswith(b"event:"):
        return b"\n" + item + b"\n"
    return item + b"\n"


def frame_claude(block: bytes) -> bytes:
    return block


def frame_gemini(payload: bytes, alt: str) -> bytes:
    if not payload:
        return b""
    if alt:
        # ``alt=json`` and friends: the translator's bytes are the body, with no separator.
        return payload
    return b"data: " + payload + b"\n\n"


def _frame_gemini_raw(payload: bytes) -> bytes:
    return payload


_DONE_ITEMS = frozenset({b"[DONE]", b"data: [DONE]", b"data:[DONE]"})


def frame_gemini_cli(payload: bytes) -> bytes | None:
    stripped = payload.strip()
    if not stripped or stripped in _DONE_ITEMS:
        return None
    if payload.startswith(b"data:"):
        return payload + b"\n\n"
    return b"data: " + payload + b"\n\n"


def end_of_stream(fmt: str) -> bytes:
    """Bytes owed after the last chunk of a stream that ended cleanly."""
    if fmt == "openai":
        return OPENAI_DONE
    if fmt == "openai-response":
        return RESPONSES_END
    return b""


def frame_for(fmt: str, alt: str = "") -> Framer:
    """The per-chunk framer for a client format id; unknown ids frame like OpenAI."""
    if fmt == "openai-response":
        return frame_responses
    if fmt == "claude":
        return frame_claude
    if fmt == "gemini":
        return _frame_gemini_raw if alt else frame_openai
    if fmt == "gemini-cli":
        return frame_gemini_cli
    return frame_openai
