"""Token usage out of upstream answers (providers.md §1.8), and a local token estimate.

Non-stream extractors take the parsed JSON body. ``StreamUsageTracker`` is fed every
stream line but parses only the few that can carry usage (a cheap ``in`` test first).

Streams keep the **last** usage seen rather than upstream's "first non-zero wins", which
records Claude's ``message_start`` (output ≈ 1) and Gemini's partial first-chunk counts
(the §1.8 recommendation).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

from .. import jsonfast
from ..translate.common_usage import int_field
from .base import UsageDetail

Family = Literal["openai", "claude", "gemini", "gemini-cli", "codex"]


def openai_usage(obj: Any) -> UsageDetail | None:
    """Chat Completions ``usage`` (also accepts Responses-style names some upstreams use)."""
    u = obj.get("usage") if isinstance(obj, dict) else None
    if not isinstance(u, dict):
        return None
    d = UsageDetail(
        input_tokens=int_field(u, "prompt_tokens") or int_field(u, "input_tokens"),
        output_tokens=int_field(u, "completion_tokens") or int_field(u, "output_tokens"),
        total_tokens=int_field(u, "total_tokens"),
        cached_tokens=int_field(u.get("prompt_tokens_details") or u.get("input_tokens_details"),
                                "cached_tokens"),
        reasoning_tokens=int_field(u.get("completion_tokens_details")
                                   or u.get("output_tokens_details"), "reasoning_tokens"),
    )
    return d.normalised()


def _claude_detail(u: dict[str, Any]) -> UsageDetail:
    inp = int_field(u, "input_tokens")
    out = int_field(u, "output_tokens")
    cached = int_field(u, "cache_read_input_tokens") or int_field(u, "cache_creation_input_tokens")
    return UsageDetail(input_tokens=inp, output_tokens=out, cached_tokens=cached,
                       total_tokens=inp + out)


def claude_usage(obj: Any) -> UsageDetail | None:
    """Messages ``usage``; for a ``message_start`` event the one under ``message``."""
    if not isinstance(obj, dict):
        return None
    u = obj.get("usage")
    if not isinstance(u, dict):
        msg = obj.get("message")
        u = msg.get("usage") if isinstance(msg, dict) else None
        if not isinstance(u, dict):
            return None
    return _claude_detail(u)


def gemini_usage(obj: Any) -> UsageDetail | None:
    """``usageMetadata`` (or ``usage_metadata``) of a Gemini response or stream chunk."""
    if not isinstance(obj, dict):
        return None
    m = obj.get("usageMetadata")
    if not isinstance(m, dict):
        m = obj.get("usage_metadata")
        if not isinstance(m, dict):
            return None
    d = UsageDetail(
        input_tokens=int_field(m, "promptTokenCount"),
        output_tokens=int_field(m, "candidatesTokenCount"),
        reasoning_tokens=int_field(m, "thoughtsTokenCount"),
        cached_tokens=int_field(m, "cachedContentTokenCount"),
        total_tokens=int_field(m, "totalTokenCount"),
    )
    return d.normalised()


def gemini_cli_usage(obj: Any) -> UsageDetail | None:
    """Cloud Code Assist envelope: usage under ``response``, else a top-level one."""
    if not isinstance(obj, dict):
        return None
    inner = obj.get("response")
    found = gemini_usage(inner) if isinstance(inner, dict) else None
    return found if found is not None else gemini_usage(obj)


def codex_usage(obj: Any) -> UsageDetail | None:
    """``response.usage`` of a Responses ``response.completed`` event (or its bare wrapper)."""
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    if kind is not None and kind != "response.completed":
        return None
    r = obj.get("response")
    u = r.get("usage") if isinstance(r, dict) else None
    if not isinstance(u, dict):
        return None
    d = UsageDetail(
        input_tokens=int_field(u, "input_tokens"),
        output_tokens=int_field(u, "output_tokens"),
        total_tokens=int_field(u, "total_tokens"),
        cached_tokens=int_field(u.get("input_tokens_details"), "cached_tokens"),
        reasoning_tokens=int_field(u.get("output_tokens_details"), "reasoning_tokens"),
    )
    return d.normalised()


_EXTRACTORS: dict[str, Callable[[Any], UsageDetail | None]] = {
    "openai": openai_usage,
    "claude": claude_usage,
    "gemini": gemini_usage,
    "gemini-cli": gemini_cli_usage,
    "codex": codex_usage,
}


class StreamUsageTracker:
    """Remembers the usage of a stream as its lines go by."""

    __slots__ = ("_extract", "detail", "family", "marker")

    def __init__(self, family: Family) -> None:
        if family not in _EXTRACTORS:
            raise ValueError(f"unknown usage family {family!r}")
        self.family = family
        # Every line that can carry usage contains this; ``usage`` also covers Gemini's
        # ``usageMetadata`` and ``usage_metadata``.
        self.marker = b"response.completed" if family == "codex" else b"usage"
        self.detail: UsageDetail | None = None
        self._extract = _EXTRACTORS[family]

    def feed(self, line: bytes) -> None:
        if self.marker not in line:
            return
        s = line.strip()
        if s.startswith(b"data:"):
            s = s[5:].lstrip()
        if not s.startswith(b"{"):
            return
        try:
            obj = jsonfast.loads(s)
        except jsonfast.JSONDecodeError:
            return
        found = self._extract(obj)
        if found is None:
            return
        if self.family == "claude":
            self._merge_claude(obj, found)
        elif found.any():
            self.detail = found

    def _merge_claude(self, obj: dict[str, Any], found: UsageDetail) -> None:
        prev = self.detail
        if obj.get("type") == "message_delta" and prev is not None:
            # message_delta carries the final output count; input/cache counts only when
            # the API repeats them (newer versions do), else those of message_start stand.
            found.input_tokens = found.input_tokens or prev.input_tokens
            found.cached_tokens = found.cached_tokens or prev.cached_tokens
            found.total_tokens = found.input_tokens + found.output_tokens
        if found.any():
            self.detail = found


def estimate_tokens(text: str) -> int:
    """Rough count without a tokenizer (none can be downloaded offline): 4 UTF-8 bytes each."""
    return math.ceil(len(text.encode("utf-8", "replace")) / 4)


def _content_texts(content: Any, out: list[str]) -> None:
    if isinstance(content, str):
        out.append(content)
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict):
                for key in ("text", "refusal", "output"):
                    v = part.get(key)
                    if isinstance(v, str):
                        out.append(v)


def _tool_texts(tools: Any, out: list[str]) -> None:
    if not isinstance(tools, list):
        return
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        fn = tool.get("function")
        if not isinstance(fn, dict):
            fn = tool  # Responses-style tools are flat
        for key in ("name", "description"):
            v = fn.get(key)
            if isinstance(v, str):
                out.append(v)
        params = fn.get("parameters")
        if params is not None:
            out.append(jsonfast.dumps_str(params))


def text_format_texts(text_cfg: Any, out: list[str]) -> None:
    """Append the name and JSON schema of a Responses ``text.format`` (structured output)."""
    fmt = text_cfg.get("format") if isinstance(text_cfg, dict) else None
    if isinstance(fmt, dict):
        if isinstance(fmt.get("name"), str):
            out.append(fmt["name"])
        if fmt.get("schema") is not None:
            out.append(jsonfast.dumps_str(fmt["schema"]))


def openai_request_text(body: dict[str, Any]) -> str:
    """The text a tokenizer would see in a Chat Completions or Responses request.

    Chat: message contents, tool-call names/arguments, tools. Responses (for Codex):
    ``instructions``, each ``input`` item's texts, function calls and outputs, tools and
    ``text.format`` name and schema. Joined by newlines.
    """
    out: list[str] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        out.append(instructions)
    messages = body.get("messages")
    items = body.get("input")
    if isinstance(items, str):
        out.append(items)
        items = None
    for item in (messages if isinstance(messages, list) else []) + (
            items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        _content_texts(item.get("content"), out)
        for key in ("name", "arguments", "output", "text"):
            v = item.get(key)
            if isinstance(v, str):
                out.append(v)
        calls = item.get("tool_calls")
        if isinstance(calls, list):
            for call in calls:
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict):
                    for key in ("name", "arguments"):
                        v = fn.get(key)
                        if isinstance(v, str):
                            out.append(v)
    _tool_texts(body.get("tools"), out)
    text_format_texts(body.get("text"), out)
    return "\n".join(out)


__all__ = ["StreamUsageTracker", "claude_usage", "codex_usage", "estimate_tokens",
           "gemini_cli_usage", "gemini_usage", "openai_request_text", "openai_usage",
           "text_format_texts"]
