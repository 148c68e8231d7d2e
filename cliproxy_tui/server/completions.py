"""Legacy ``/v1/completions`` on top of chat completions (server.md §4.2).

Upstream reads fields with a lenient JSON path reader (gjson), so a number sent as a
string still counts; the coercions below follow that reader's rules. One deliberate
difference: a JSON ``null`` field is treated as absent (upstream would send ``0``/``false``),
and a ``null`` finish_reason stays ``null`` instead of becoming ``""`` (the spec's
recommendation).
"""

from __future__ import annotations

import math
from typing import Any

from .. import jsonfast

_DEFAULT_PROMPT = "Complete this:"
_TRUE_STRINGS = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def _as_text(value: Any) -> str:
    """gjson ``String()``: strings as is, other values as their JSON text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return jsonfast.dumps_str(value)


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.strip())
        else:
            return 0.0
    except (ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _as_int(value: Any) -> int:
    if isinstance(value, int):
        return int(value)
    return int(_as_float(value))


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value in _TRUE_STRINGS
    return False


_REQUEST_FIELDS: tuple[tuple[str, Any], ...] = (
    ("max_tokens", _as_int),
    ("temperature", _as_float),
    ("top_p", _as_float),
    ("frequency_penalty", _as_float),
    ("presence_penalty", _as_float),
    ("stop", None),  # copied raw
    ("stream", _as_bool),
    ("logprobs", _as_bool),
    ("top_logprobs", _as_int),
    ("echo", _as_bool),
)


def completions_to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """A legacy completions request → a chat request built from scratch."""
    prompt = _as_text(body.get("prompt")) or _DEFAULT_PROMPT
    chat: dict[str, Any] = {
        "model": _as_text(body.get("model")),
        "messages": [{"role": "user", "content": prompt}],
    }
    for key, coerce in _REQUEST_FIELDS:
        value = body.get(key)
        if value is None:
            continue
        chat[key] = value if coerce is None else coerce(value)
    return chat


def _envelope(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": _as_text(body.get("id")),
        "object": "text_completion",
        "created": _as_int(body.get("created")),
        "model": _as_text(body.get("model")),
        "choices": [],
    }


def _choices(body: dict[str, Any]) -> list[dict[str, Any]]:
    choices = body.get("choices")
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []


def chat_response_to_completions(body: dict[str, Any]) -> dict[str, Any]:
    """A whole chat completion → a ``text_completion`` object."""
    out = _envelope(body)
    for choice in _choices(body):
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        converted: dict[str, Any] = {
            "index": _as_int(choice.get("index")),
            "text": _as_text(content),
            "finish_reason": choice.get("finish_reason"),
        }
        if "logprobs" in choice:
            converted["logprobs"] = choice["logprobs"]
        out["choices"].append(converted)
    if "usage" in body:
        out["usage"] = body["usage"]
    return out


def _delta_content(choice: dict[str, Any]) -> Any:
    delta = choice.get("delta")
    return delta.get("content") if isinstance(delta, dict) else None


def _carries_something(choice: dict[str, Any]) -> bool:
    if _as_text(_delta_content(choice)):
        return True
    reason = _as_text(choice.get("finish_reason"))
    return bool(reason) and reason != "null"


def chat_chunk_to_completions(chunk: dict[str, Any]) -> dict[str, Any] | None:
    """One chat stream chunk → a completions chunk, or None when it has nothing to show
    (role-only deltas, usage-only chunks)."""
    choices = _choices(chunk)
    if not any(_carries_something(c) for c in choices):
        return None
    out = _envelope(chunk)
    for choice in choices:
        converted: dict[str, Any] = {
            "index": _as_int(choice.get("index")),
            "text": _as_text(_delta_content(choice)),
        }
        if "finish_reason" in choice:
            converted["finish_reason"] = choice["finish_reason"]
        if "logprobs" in choice:
            converted["logprobs"] = choice["logprobs"]
        out["choices"].append(converted)
    return out
