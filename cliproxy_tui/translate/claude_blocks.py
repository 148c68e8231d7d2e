"""Claude content blocks and request assembly shared by the → claude request pairs.

The per-client conversions live in ``claude_request.py``; what they have in common is
here: content blocks Claude accepts, the turn builder, and the final repairs that keep
a translated request valid (see ``finish_request``). Thinking signatures travel through
clients that have an opaque slot for them (Responses ``encrypted_content``, Gemini
``thoughtSignature``) behind a marker, so only blocks that came from Claude are ever
sent back to Claude.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .common import claude_user_id, mime_from_filename, new_toolu_id, parse_data_url, stop_list

DEFAULT_MAX_TOKENS = 32000
_MIN_BUDGET = 1024
EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}

# base64 of b"CLAUDESIG" / b"CLAUDERED": 9 bytes, so marker + a base64 signature is still
# valid base64 (Google's SDKs decode ``thoughtSignature`` as bytes and re-encode it).
SIGNATURE_MARK = "Q0xBVURFU0lH"
REDACTED_MARK = "Q0xBVURFUkVE"

Block = dict[str, Any]
Message = dict[str, Any]


# ---------------------------------------------------------------------------
# Thinking signatures carried by clients
# ---------------------------------------------------------------------------


def pack_signature(signature: str) -> str:
    """The opaque value a client keeps for a Claude thinking signature."""
    return SIGNATURE_MARK + signature if signature else ""


def pack_redacted(data: str) -> str:
    return REDACTED_MARK + data if data else ""


def gemini_signature(signature: str) -> str | None:
    """``pack_signature`` for Gemini clients, or None when it would not survive their SDKs."""
    packed = pack_signature(signature)
    if not packed:
        return None
    try:
        base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        return None
    return packed


def unpack_thinking(opaque: Any, text: str) -> Block | None:
    """The Claude thinking block a carried value stands for, or None if not ours."""
    if not isinstance(opaque, str):
        return None
    if opaque.startswith(SIGNATURE_MARK) and len(opaque) > len(SIGNATURE_MARK):
        return {"type": "thinking", "thinking": text,
                "signature": opaque[len(SIGNATURE_MARK):]}
    if opaque.startswith(REDACTED_MARK) and len(opaque) > len(REDACTED_MARK):
        return {"type": "redacted_thinking", "data": opaque[len(REDACTED_MARK):]}
    return None


# ---------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------

_BAD_ID_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


def tool_id(raw: Any) -> str:
    """A tool id Claude accepts (``^[a-zA-Z0-9_-]+$``), the same for a call and its result."""
    if not isinstance(raw, str) or not raw:
        return new_toolu_id()
    return _BAD_ID_CHARS.sub("_", raw)


def text_block(text: Any, source: Any = None) -> Block | None:
    if not isinstance(text, str) or not text:
        return None
    block: Block = {"type": "text", "text": text}
    cache = source.get("cache_control") if isinstance(source, dict) else None
    if cache is not None:
        block["cache_control"] = cache
    return block


def media_block(mime: str, data: str) -> Block | None:
    """An image or document block for base64 data, None for types Claude cannot read."""
    if mime.startswith("image/"):
        return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}
    if mime == "application/pdf":
        return {"type": "document",
                "source": {"type": "base64", "media_type": mime, "data": data}}
    if mime.startswith("text/"):
        try:
            text = base64.b64decode(data).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
        return {"type": "document",
                "source": {"type": "text", "media_type": "text/plain", "data": text}}
    return None


def url_block(url: Any) -> Block | None:
    """An image block for a data URL (base64) or an http(s) URL (Claude fetches it)."""
    parsed = parse_data_url(url)
    if parsed is not None:
        return media_block(*parsed)
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    return None


def file_block(file: Any) -> Block | None:
    """OpenAI ``file`` / Responses ``input_file`` data → an image or document block."""
    if not isinstance(file, dict):
        return None
    data = file.get("file_data")
    parsed = parse_data_url(data)
    if parsed is not None:
        mime, b64 = parsed
        if mime == "application/octet-stream":
            mime = mime_from_filename(file.get("filename")) or mime
        return media_block(mime, b64)
    if isinstance(data, str) and data:
        guessed = mime_from_filename(file.get("filename"))
        return media_block(guessed, data) if guessed else None
    url = file.get("file_url")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return {"type": "document", "source": {"type": "url", "url": url}}
    return None


def tool_result_content(blocks: list[Block]) -> str | list[Block]:
    """Text-only results become one string (§9 #29); images stay blocks."""
    if all(b["type"] == "text" for b in blocks):
        return "\n".join(b["text"] for b in blocks)
    return blocks


def tool_def(name: Any, description: Any, schema: Any, source: dict[str, Any]) -> Block | None:
    if not isinstance(name, str) or not name:
        return None
    if not isinstance(schema, dict):
        schema = EMPTY_SCHEMA
    elif "type" not in schema:
        schema = {"type": "object", **schema}
    tool: Block = {"name": name,
                   "description": description if isinstance(description, str) else "",
                   "input_schema": schema}
    if source.get("cache_control") is not None:
        tool["cache_control"] = source["cache_control"]
    return tool


class Turns:
    """Claude messages built in order; tool calls and results join the turn they belong to."""

    __slots__ = ("_in_conversation", "messages", "system")

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.system: list[Block] = []
        self._in_conversation = False

    def add_system(self, blocks: list[Block]) -> None:
        if self._in_conversation:
            self.add("user", blocks)
        else:
            self.system.extend(blocks)

    def add(self, role: str, blocks: list[Block]) -> None:
        if blocks:
            self._in_conversation = True
            self.messages.append({"role": role, "content": blocks})

    def extend_last(self, role: str, blocks: list[Block], *, only_after: str = "") -> None:
        """Append to the last message if it has ``role`` (and, with ``only_after``, its
        last block has that type); else start a new message."""
        last = self.messages[-1] if self.messages else None
        if last is not None and last["role"] == role and (
                not only_after or last["content"][-1]["type"] == only_after):
            last["content"].extend(blocks)
        else:
            self.add(role, list(blocks))


def finish_request(out: dict[str, Any], turns: Turns,
                   thinking: dict[str, Any] | None) -> dict[str, Any]:
    """Complete a translated request and repair what Claude would reject.

    Upstream forwards these and the request fails at Anthropic: ``tool_choice`` without
    tools, temperatures above 1 (OpenAI allows 2), ``budget_tokens`` not below
    ``max_tokens`` (lowered, or thinking left off when no budget of at least 1024
    fits), thinking with forced tool use or with a last assistant tool turn that has no
    thinking block (left off: the caller's history and tool choice win), and sampling
    overrides while thinking. Empty text blocks and empty messages never get this far
    (``text_block`` / ``Turns.add``); tools always have an object ``input_schema``.
    """
    out["messages"] = turns.messages
    if turns.system:
        out["system"] = turns.system
    if "tools" not in out:
        out.pop("tool_choice", None)
    temp = out.get("temperature")
    if isinstance(temp, (int, float)) and temp > 1:
        out["temperature"] = 1.0  # OpenAI allows up to 2, Claude up to 1
    if thinking is not None and thinking.get("type") == "enabled":
        thinking = _fit_thinking(out, thinking)
    if thinking is not None:
        out["thinking"] = thinking
        if thinking["type"] == "enabled":
            # Claude rejects sampling overrides while thinking (top_p only from 0.95)
            out.pop("temperature", None)
            out.pop("top_k", None)
            top_p = out.get("top_p")
            if isinstance(top_p, (int, float)) and top_p < 0.95:
                out.pop("top_p")
    return out


def _fit_thinking(out: dict[str, Any], thinking: dict[str, Any]) -> dict[str, Any] | None:
    choice = out.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        return None  # forced tool use cannot be combined with thinking: the caller's pick wins
    if _unsigned_tool_turn(out["messages"]):
        return None
    budget = thinking.get("budget_tokens")
    max_tokens = out["max_tokens"]
    if isinstance(budget, int) and budget >= max_tokens:
        if max_tokens - 1 < _MIN_BUDGET:
            return None
        return {"type": "enabled", "budget_tokens": max_tokens - 1}
    return thinking


def _unsigned_tool_turn(messages: list[Message]) -> bool:
    """True if the last assistant turn used a tool without a thinking block first.

    Claude refuses such a history when thinking is on; clients without a slot for
    signatures (OpenAI chat) always send it that way, so thinking is left off instead.
    """
    for msg in reversed(messages):
        if msg["role"] != "assistant":
            continue
        blocks = msg["content"]
        if not any(b.get("type") == "tool_use" for b in blocks):
            return False
        return blocks[0].get("type") not in ("thinking", "redacted_thinking")
    return False


def max_tokens_of(*candidates: Any) -> int:
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return DEFAULT_MAX_TOKENS


def copy_sampling(out: dict[str, Any], body: dict[str, Any], *keys: tuple[str, str]) -> None:
    for src, dst in keys:
        value = body.get(src)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[dst] = value


def stop_sequences(stop: Any) -> list[str]:
    return [s for s in stop_list(stop) if s.strip()]


def with_parallel_flag(choice: dict[str, Any] | None, parallel: Any) -> dict[str, Any] | None:
    if parallel is not False:
        return choice
    if choice is None:
        return {"type": "auto", "disable_parallel_tool_use": True}
    if choice.get("type") in ("auto", "any", "tool"):
        return {**choice, "disable_parallel_tool_use": True}
    return choice


def skeleton(model: str, max_tokens: int, user_key: str, stream: bool) -> dict[str, Any]:
    return {"model": model, "max_tokens": max_tokens, "messages": [],
            "metadata": {"user_id": claude_user_id(user_key)}, "stream": stream}

