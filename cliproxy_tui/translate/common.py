"""Helpers shared by every translator family (translators.md §1, §0.3, §9).

Everything here is a pure function over plain values; nothing is mutated in place.
Families import what they need instead of keeping private copies of a table, so a
mapping decision is made once:

- §1.1 reasoning / thinking tables (``*_to_gemini_thinking``, ``*_to_claude_thinking``,
  ``*_to_effort``);
- §1.3 tool_choice maps, §1.4 finish / stop reasons;
- §1.5 usage: ``Usage`` (neutral counts) parsed from each upstream's usage object and
  rendered into each client's usage shape;
- §1.6 identifiers, §1.7 token-count bodies;
- SSE line helpers (upstream lines in, client payloads out);
- content helpers: data URLs, text of OpenAI content, tool-result text (§9 #29), MIME
  types by file extension, JSON-schema cleaning for Gemini and Codex.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from typing import Any

from .. import jsonfast

# ---------------------------------------------------------------------------
# §1.1 Reasoning / thinking
# ---------------------------------------------------------------------------

_OPENAI_EFFORT_BUDGET = {"auto": -1, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}
_RESPONSES_EFFORT_BUDGET = {"auto": -1, "minimal": 1024, "low": 4096, "medium": 8192,
                            "high": 24576}


def openai_effort_to_gemini_thinking(effort: Any) -> dict[str, Any] | None:
    """Chat ``reasoning_effort`` → Gemini ``generationConfig.thinkingConfig``.

    Absent (None) and unknown values ask for a dynamic budget (-1) with thoughts
    included; ``none`` turns thinking off (no ``include_thoughts``, budget 0).
    ``minimal`` (an OpenAI value since gpt-5) gets the ``low`` budget rather than the
    spec's "unknown → -1": a caller asking for minimal reasoning does not mean dynamic.
    Always returns a dict; the ``| None`` is for symmetry with the other mappers.
    """
    if effort == "none":
        return {"thinkingBudget": 0}
    budget = _OPENAI_EFFORT_BUDGET.get(effort, -1) if isinstance(effort, str) else -1
    return {"include_thoughts": True, "thinkingBudget": budget}


def responses_effort_to_gemini_thinking(effort: Any) -> dict[str, Any]:
    """Responses ``reasoning.effort`` → ``thinkingConfig`` (no budget when absent)."""
    if effort is None:
        return {"include_thoughts": True}
    if effort == "none":
        return {"include_thoughts": False, "thinkingBudget": 0}
    budget = _RESPONSES_EFFORT_BUDGET.get(effort, -1) if isinstance(effort, str) else -1
    return {"include_thoughts": True, "thinkingBudget": budget}


def claude_effort_to_gemini_thinking(effort: Any) -> dict[str, Any]:
    """A Claude body's non-standard top-level ``reasoning_effort`` → ``thinkingConfig``.

    Same budgets as the Chat table, except that ``none`` keeps ``include_thoughts`` as
    an explicit false.
    """
    if effort == "none":
        return {"include_thoughts": False, "thinkingBudget": 0}
    return openai_effort_to_gemini_thinking(effort) or {}


def claude_thinking_to_gemini_thinking(thinking: Any) -> dict[str, Any] | None:
    """Claude ``thinking`` → ``thinkingConfig``, or None when it says nothing.

    Upstream ignores Claude's ``thinking`` for Gemini (§1.1); a caller who set a budget
    expects it honoured, so families may use this to carry it.
    """
    if not isinstance(thinking, dict):
        return None
    kind = thinking.get("type")
    if kind == "disabled":
        return {"include_thoughts": False, "thinkingBudget": 0}
    if kind != "enabled":
        return None
    budget = thinking.get("budget_tokens")
    if isinstance(budget, int) and not isinstance(budget, bool):
        return {"include_thoughts": True, "thinkingBudget": budget}
    return {"include_thoughts": True, "thinkingBudget": -1}


# Claude rejects ``thinking.type:"enabled"`` without ``budget_tokens`` and budgets under
# 1024, so the efforts upstream leaves budget-less (``auto``, ``minimal``, unknown) get a
# budget here: minimal → the minimum, anything else → medium.
_CLAUDE_MIN_BUDGET = 1024
_CLAUDE_DEFAULT_BUDGET = 8192
_OPENAI_EFFORT_CLAUDE = {"minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}
_RESPONSES_EFFORT_CLAUDE = {"minimal": 1024, "low": 4096, "medium": 8192, "high": 24576}


def _claude_thinking(effort: Any, table: dict[str, int]) -> dict[str, Any] | None:
    if effort is None:
        return None
    if effort == "none":
        return {"type": "disabled"}
    budget = table.get(effort, _CLAUDE_DEFAULT_BUDGET) if isinstance(effort, str) \
        else _CLAUDE_DEFAULT_BUDGET
    return {"type": "enabled", "budget_tokens": budget}


def openai_effort_to_claude_thinking(effort: Any) -> dict[str, Any] | None:
    """Chat ``reasoning_effort`` → Claude ``thinking`` (None when absent)."""
    return _claude_thinking(effort, _OPENAI_EFFORT_CLAUDE)


def responses_effort_to_claude_thinking(effort: Any) -> dict[str, Any] | None:
    """Responses ``reasoning.effort`` → Claude ``thinking`` (None when absent)."""
    return _claude_thinking(effort, _RESPONSES_EFFORT_CLAUDE)


def gemini_thinking_budget(config: Any) -> tuple[bool | None, int | None]:
    """(include_thoughts, thinkingBudget) of a ``thinkingConfig``, either spelling."""
    if not isinstance(config, dict):
        return None, None
    include = config.get("include_thoughts", config.get("includeThoughts"))
    budget = config.get("thinkingBudget", config.get("thinking_budget"))
    inc = include if isinstance(include, bool) else None
    bud = budget if isinstance(budget, int) and not isinstance(budget, bool) else None
    return inc, bud


def gemini_thinking_to_claude(config: Any) -> dict[str, Any] | None:
    """Gemini ``thinkingConfig`` → Claude ``thinking``; None unless thoughts are included.

    Upstream copies ``thinkingBudget`` verbatim (even -1), which Claude rejects; here a
    dynamic or missing budget becomes the medium default, a positive one is raised to
    Claude's minimum of 1024, and budget 0 means thinking off.
    """
    include, budget = gemini_thinking_budget(config)
    if include is not True:
        return None
    if budget == 0:
        return {"type": "disabled"}
    if budget is None or budget < 0:
        return {"type": "enabled", "budget_tokens": _CLAUDE_DEFAULT_BUDGET}
    return {"type": "enabled", "budget_tokens": max(budget, _CLAUDE_MIN_BUDGET)}


_RESPONSES_TO_OPENAI_EFFORT = {"none": "none", "auto": "auto", "minimal": "low", "low": "low",
                               "medium": "medium", "high": "high"}


def responses_effort_to_openai(effort: Any) -> str | None:
    """Responses ``reasoning.effort`` → Chat ``reasoning_effort`` (None when absent)."""
    if effort is None:
        return None
    return _RESPONSES_TO_OPENAI_EFFORT.get(effort, "auto") if isinstance(effort, str) else "auto"


def claude_thinking_budget_to_effort(budget: int) -> str:
    """A thinking budget (Claude or Gemini tokens) → an OpenAI/Codex effort level."""
    if budget <= 1024:
        return "low"
    if budget <= 8192:
        return "medium"
    return "high"


def claude_thinking_to_effort(thinking: Any) -> str | None:
    """Claude ``thinking`` → ``reasoning_effort`` / ``reasoning.effort``.

    The spec leaves claude → openai unmapped (§1.1), but a Claude client that enables
    thinking with a budget expects an OpenAI reasoning model to reason accordingly, so
    the budget is mapped through ``claude_thinking_budget_to_effort``. Disabled or
    absent thinking → None (send nothing, the model's default applies).
    """
    if not isinstance(thinking, dict) or thinking.get("type") != "enabled":
        return None
    budget = thinking.get("budget_tokens")
    if isinstance(budget, int) and not isinstance(budget, bool):
        return claude_thinking_budget_to_effort(budget)
    return "medium"


def gemini_thinking_to_effort(config: Any) -> str | None:
    """Gemini ``thinkingConfig`` → an OpenAI/Codex effort (same reasoning as Claude's).

    Budget 0 → ``none`` is not sent (many OpenAI models reject it): None; dynamic (-1)
    → ``medium``.
    """
    include, budget = gemini_thinking_budget(config)
    if budget is None:
        return "medium" if include is True else None
    if budget == 0:
        return None
    if budget < 0:
        return "medium"
    return claude_thinking_budget_to_effort(budget)


# ---------------------------------------------------------------------------
# §1.3 tool_choice
# ---------------------------------------------------------------------------


def _choice_name(choice: dict[str, Any]) -> str:
    fn = choice.get("function")
    if isinstance(fn, dict) and isinstance(fn.get("name"), str):
        return fn["name"]
    name = choice.get("name")
    return name if isinstance(name, str) else ""


def openai_tool_choice_to_claude(choice: Any) -> dict[str, Any] | None:
    """Chat or Responses ``tool_choice`` → Claude ``tool_choice`` (None = omit).

    Reads the function name from ``function.name`` (Chat) or top-level ``name``
    (Responses; upstream's empty-name quirk is not reproduced). ``none`` maps to
    Claude's ``{"type":"none"}`` instead of being omitted: omitting it would let the
    model call tools the caller forbade.
    """
    if choice == "auto":
        return {"type": "auto"}
    if choice == "required":
        return {"type": "any"}
    if choice == "none":
        return {"type": "none"}
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = _choice_name(choice)
        if name:
            return {"type": "tool", "name": name}
    return None


responses_tool_choice_to_claude = openai_tool_choice_to_claude


def _gemini_calling_config(tool_config: Any) -> dict[str, Any] | None:
    if not isinstance(tool_config, dict):
        return None
    cfg = tool_config.get("functionCallingConfig", tool_config.get("function_calling_config"))
    return cfg if isinstance(cfg, dict) else None


def _gemini_mode(tool_config: Any) -> tuple[str, list[str]]:
    cfg = _gemini_calling_config(tool_config)
    if cfg is None:
        return "", []
    mode = cfg.get("mode")
    names = cfg.get("allowedFunctionNames", cfg.get("allowed_function_names"))
    allowed = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    return (mode.upper() if isinstance(mode, str) else ""), allowed


def gemini_tool_config_to_claude(tool_config: Any) -> dict[str, Any] | None:
    """Gemini ``toolConfig`` / ``tool_config`` (both spellings, §9 #27) → Claude choice."""
    mode, allowed = _gemini_mode(tool_config)
    if mode == "AUTO":
        return {"type": "auto"}
    if mode == "NONE":
        return {"type": "none"}
    if mode in ("ANY", "VALIDATED"):
        if len(allowed) == 1:
            return {"type": "tool", "name": allowed[0]}
        return {"type": "any"}
    return None


def claude_tool_choice_to_openai(choice: Any) -> Any:
    """Claude ``tool_choice`` → Chat ``tool_choice`` (None when the client sent none)."""
    if not isinstance(choice, dict):
        return None
    kind = choice.get("type")
    if kind == "any":
        return "required"
    if kind == "none":
        return "none"
    if kind == "tool" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    return "auto"


def claude_tool_choice_to_responses(choice: Any) -> Any:
    """Claude ``tool_choice`` → Responses/Codex ``tool_choice`` ("auto" by default)."""
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "any":
            return "required"
        if kind == "none":
            return "none"
        if kind == "tool" and isinstance(choice.get("name"), str):
            return {"type": "function", "name": choice["name"]}
    return "auto"


def gemini_tool_config_to_openai(tool_config: Any) -> Any:
    """Gemini tool config (both spellings) → Chat ``tool_choice`` (None = not set)."""
    mode, allowed = _gemini_mode(tool_config)
    if mode == "NONE":
        return "none"
    if mode == "AUTO":
        return "auto"
    if mode in ("ANY", "VALIDATED"):
        if len(allowed) == 1:
            return {"type": "function", "function": {"name": allowed[0]}}
        return "required"
    return None


def openai_tool_choice_to_responses(choice: Any) -> Any:
    """Chat ``tool_choice`` → Responses/Codex ``tool_choice`` (None = not set)."""
    if isinstance(choice, str):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = _choice_name(choice)
        if name:
            return {"type": "function", "name": name}
    return None


def responses_tool_choice_to_openai(choice: Any) -> Any:
    """Responses ``tool_choice`` → Chat ``tool_choice`` (objects stay objects)."""
    if isinstance(choice, str):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = _choice_name(choice)
        if name:
            return {"type": "function", "function": {"name": name}}
    return None


def openai_tool_choice_to_gemini(choice: Any) -> dict[str, Any] | None:
    """Chat/Responses/Claude ``tool_choice`` → Gemini ``toolConfig`` (None = not set)."""
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind in ("function", "tool"):
            name = _choice_name(choice)
            if name:
                return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
            return None
        choice = {"any": "required", "auto": "auto", "none": "none"}.get(kind or "")
    mode = {"auto": "AUTO", "required": "ANY", "none": "NONE"}.get(choice) \
        if isinstance(choice, str) else None
    return {"functionCallingConfig": {"mode": mode}} if mode else None


# ---------------------------------------------------------------------------
# §1.4 Finish / stop reasons
# ---------------------------------------------------------------------------

#: Gemini finishReason → Chat finish_reason (§9 #1: fixed form; the raw value goes
#: to ``native_finish_reason``)
GEMINI_TO_OPENAI_FINISH: dict[str, str] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
CLAUDE_TO_OPENAI_FINISH: dict[str, str] = {
    "end_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "stop_sequence": "stop",
    "refusal": "content_filter",
}
OPENAI_TO_CLAUDE_STOP: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "end_turn",
}
OPENAI_TO_GEMINI_FINISH: dict[str, str] = {
    "stop": "STOP",
    "length": "MAX_TOKENS",
    "tool_calls": "STOP",
    "function_call": "STOP",
    "content_filter": "SAFETY",
}


def gemini_finish_to_openai(reason: Any, has_tool_call: bool = False) -> str:
    """Gemini ``finishReason`` → Chat ``finish_reason`` (unknown → ``stop``)."""
    if has_tool_call:
        return "tool_calls"
    return GEMINI_TO_OPENAI_FINISH.get(reason, "stop") if isinstance(reason, str) else "stop"


def gemini_finish_to_claude(reason: Any, has_tool_call: bool = False) -> str:
    """Gemini ``finishReason`` → Claude ``stop_reason`` (stream and non-stream alike)."""
    if has_tool_call:
        return "tool_use"
    return "max_tokens" if reason == "MAX_TOKENS" else "end_turn"


def claude_stop_to_openai(reason: Any, has_tool_call: bool = False) -> str:
    """Claude ``stop_reason`` → Chat ``finish_reason`` (a tool call forces tool_calls)."""
    if has_tool_call:
        return "tool_calls"
    return CLAUDE_TO_OPENAI_FINISH.get(reason, "stop") if isinstance(reason, str) else "stop"


def claude_stop_to_gemini(reason: Any) -> str:
    """Claude ``stop_reason`` → Gemini ``finishReason``."""
    return "MAX_TOKENS" if reason == "max_tokens" else "STOP"


def openai_finish_to_claude(reason: Any, has_tool_call: bool = False) -> str:
    """Chat ``finish_reason`` → Claude ``stop_reason``; None/empty → by tool calls."""
    if isinstance(reason, str) and reason:
        return OPENAI_TO_CLAUDE_STOP.get(reason, "end_turn")
    return "tool_use" if has_tool_call else "end_turn"


def openai_finish_to_gemini(reason: Any) -> str | None:
    """Chat ``finish_reason`` → Gemini ``finishReason``; None for null/empty (§9 #9)."""
    if not isinstance(reason, str) or not reason:
        return None
    return OPENAI_TO_GEMINI_FINISH.get(reason, "STOP")


def _incomplete_reason(response: Any) -> str:
    if not isinstance(response, dict):
        return ""
    details = response.get("incomplete_details")
    if isinstance(details, dict) and isinstance(details.get("reason"), str):
        return details["reason"]
    return ""


def codex_finish_to_openai(response: Any, has_tool_call: bool) -> str:
    """Codex ``response`` object → Chat ``finish_reason``.

    A tool call gives ``tool_calls`` in non-stream answers too (upstream says ``stop``,
    which makes agents ignore the calls); an ``incomplete`` response is ``length`` or
    ``content_filter`` by its ``incomplete_details.reason``.
    """
    if has_tool_call:
        return "tool_calls"
    status = response.get("status") if isinstance(response, dict) else None
    if status == "incomplete":
        reason = _incomplete_reason(response)
        return "content_filter" if reason == "content_filter" else "length"
    return "stop"


def codex_finish_to_claude(response: Any, has_tool_call: bool) -> str:
    """Codex ``response`` object → Claude ``stop_reason``."""
    if isinstance(response, dict):
        explicit = response.get("stop_reason")
        if isinstance(explicit, str) and explicit:
            return explicit
    if has_tool_call:
        return "tool_use"
    if isinstance(response, dict) and response.get("status") == "incomplete" \
            and _incomplete_reason(response) == "max_output_tokens":
        return "max_tokens"
    return "end_turn"


def codex_finish_to_gemini(response: Any) -> str:
    """Codex ``response`` object → Gemini ``finishReason``."""
    if isinstance(response, dict) and response.get("status") == "incomplete":
        reason = _incomplete_reason(response)
        return "SAFETY" if reason == "content_filter" else "MAX_TOKENS"
    return "STOP"


# ---------------------------------------------------------------------------
# §1.5 Usage
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Usage:
    """Token counts in one neutral convention.

    ``input_tokens`` counts every prompt token, cached ones included (OpenAI and Gemini
    count that way; Claude's ``input_tokens`` excludes cache reads and writes, so the
    Claude parser and emitter add and subtract them). ``output_tokens`` counts every
    generated token, reasoning included (OpenAI and Claude count that way; Gemini's
    ``candidatesTokenCount`` excludes thoughts). ``reasoning_tokens`` is the part of
    the output spent thinking, ``cached_tokens`` the part of the input read from a
    cache, ``cache_creation_tokens`` the part written to one.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    cache_creation_tokens: int = 0
    reasoning_tokens: int = 0

    def total(self) -> int:
        return self.total_tokens or self.input_tokens + self.output_tokens


def _n(obj: Any, key: str) -> int:
    v = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(v, bool):
        return 0
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    return 0


def _has(obj: Any, key: str) -> bool:
    v = obj.get(key) if isinstance(obj, dict) else None
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def usage_from_openai(usage: Any) -> Usage:
    """Chat ``usage`` (also Responses-style names, which some compatible upstreams use)."""
    inp = _n(usage, "prompt_tokens") or _n(usage, "input_tokens")
    out = _n(usage, "completion_tokens") or _n(usage, "output_tokens")
    details_in = usage.get("prompt_tokens_details") if isinstance(usage, dict) else None
    details_out = usage.get("completion_tokens_details") if isinstance(usage, dict) else None
    if not isinstance(details_in, dict):
        details_in = usage.get("input_tokens_details") if isinstance(usage, dict) else None
    if not isinstance(details_out, dict) or not _n(details_out, "reasoning_tokens"):
        alt = usage.get("output_tokens_details") if isinstance(usage, dict) else None
        details_out = alt if isinstance(alt, dict) else details_out
    return Usage(
        input_tokens=inp,
        output_tokens=out,
        total_tokens=_n(usage, "total_tokens") or inp + out,
        cached_tokens=_n(details_in, "cached_tokens"),
        reasoning_tokens=_n(details_out, "reasoning_tokens"),
    )


def usage_from_codex(usage: Any) -> Usage:
    """Responses/Codex ``usage`` (``input_tokens`` includes cached ones)."""
    inp = _n(usage, "input_tokens")
    out = _n(usage, "output_tokens")
    d_in = usage.get("input_tokens_details") if isinstance(usage, dict) else None
    d_out = usage.get("output_tokens_details") if isinstance(usage, dict) else None
    return Usage(input_tokens=inp, output_tokens=out,
                 total_tokens=_n(usage, "total_tokens") or inp + out,
                 cached_tokens=_n(d_in, "cached_tokens"),
                 reasoning_tokens=_n(d_out, "reasoning_tokens"))


def usage_from_claude(usage: Any, base: Usage | None = None) -> Usage:
    """Claude ``usage``; with ``base``, only the counters present in ``usage`` change.

    Streams carry input counts in ``message_start`` and cumulative output counts in
    ``message_delta`` (which may repeat the input counts): fold them with ``base``.
    """
    u = Usage() if base is None else Usage(base.input_tokens, base.output_tokens, 0,
                                           base.cached_tokens, base.cache_creation_tokens,
                                           base.reasoning_tokens)
    if not isinstance(usage, dict):
        u.total_tokens = u.input_tokens + u.output_tokens
        return u
    plain = u.input_tokens - u.cached_tokens - u.cache_creation_tokens
    if _has(usage, "cache_read_input_tokens"):
        u.cached_tokens = _n(usage, "cache_read_input_tokens")
    if _has(usage, "cache_creation_input_tokens"):
        u.cache_creation_tokens = _n(usage, "cache_creation_input_tokens")
    if _has(usage, "input_tokens"):
        plain = _n(usage, "input_tokens")
    u.input_tokens = max(plain, 0) + u.cached_tokens + u.cache_creation_tokens
    if _has(usage, "output_tokens"):
        u.output_tokens = _n(usage, "output_tokens")
    u.total_tokens = u.input_tokens + u.output_tokens
    return u


def usage_from_gemini(meta: Any) -> Usage:
    """Gemini ``usageMetadata`` (or ``usage_metadata``) in the neutral convention."""
    prompt = _n(meta, "promptTokenCount") + _n(meta, "toolUsePromptTokenCount")
    thoughts = _n(meta, "thoughtsTokenCount")
    out = _n(meta, "candidatesTokenCount") + thoughts
    return Usage(input_tokens=prompt, output_tokens=out,
                 total_tokens=_n(meta, "totalTokenCount") or prompt + out,
                 cached_tokens=_n(meta, "cachedContentTokenCount"),
                 reasoning_tokens=thoughts)


def openai_usage(u: Usage) -> dict[str, Any]:
    """Chat ``usage``; detail objects only when they carry something."""
    out: dict[str, Any] = {"prompt_tokens": u.input_tokens,
                           "completion_tokens": u.output_tokens,
                           "total_tokens": u.total()}
    if u.cached_tokens:
        out["prompt_tokens_details"] = {"cached_tokens": u.cached_tokens}
    if u.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": u.reasoning_tokens}
    return out


def responses_usage(u: Usage) -> dict[str, Any]:
    """Responses ``usage``; both detail objects are always present (the SDK requires them)."""
    return {"input_tokens": u.input_tokens,
            "input_tokens_details": {"cached_tokens": u.cached_tokens},
            "output_tokens": u.output_tokens,
            "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
            "total_tokens": u.total()}


def claude_usage(u: Usage) -> dict[str, Any]:
    """Claude ``usage``: ``input_tokens`` excludes cache reads/writes, reported apart."""
    out: dict[str, Any] = {
        "input_tokens": max(u.input_tokens - u.cached_tokens - u.cache_creation_tokens, 0),
        "output_tokens": u.output_tokens,
    }
    if u.cached_tokens:
        out["cache_read_input_tokens"] = u.cached_tokens
    if u.cache_creation_tokens:
        out["cache_creation_input_tokens"] = u.cache_creation_tokens
    return out


def gemini_usage_metadata(u: Usage) -> dict[str, Any]:
    """Gemini ``usageMetadata``: thoughts are reported apart from candidates."""
    out: dict[str, Any] = {"promptTokenCount": u.input_tokens,
                           "candidatesTokenCount": max(u.output_tokens - u.reasoning_tokens, 0),
                           "totalTokenCount": u.total()}
    if u.reasoning_tokens:
        out["thoughtsTokenCount"] = u.reasoning_tokens
    if u.cached_tokens:
        out["cachedContentTokenCount"] = u.cached_tokens
    return out


def gemini_usage_to_openai(meta: Any) -> dict[str, Any] | None:
    """Gemini ``usageMetadata`` → Chat ``usage`` with the §1.5 / §9 #13 accounting.

    ``prompt_tokens`` = prompt + thoughts and ``completion_tokens`` = candidates (kept
    from upstream, §9 #13); ``completion_tokens`` / ``total_tokens`` only when Gemini
    sent them (early stream chunks lack candidates). None when ``meta`` is absent.
    """
    if not isinstance(meta, dict):
        return None
    thoughts = _n(meta, "thoughtsTokenCount")
    out: dict[str, Any] = {"prompt_tokens": _n(meta, "promptTokenCount") + thoughts}
    if _has(meta, "candidatesTokenCount"):
        out["completion_tokens"] = _n(meta, "candidatesTokenCount")
    if _has(meta, "totalTokenCount"):
        out["total_tokens"] = _n(meta, "totalTokenCount")
    cached = _n(meta, "cachedContentTokenCount")
    if cached:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    if thoughts > 0:
        out["completion_tokens_details"] = {"reasoning_tokens": thoughts}
    return out


def gemini_usage_to_responses(meta: Any) -> dict[str, Any]:
    """Gemini ``usageMetadata`` → Responses ``usage`` (same accounting as for Chat)."""
    thoughts = _n(meta, "thoughtsTokenCount")
    return {"input_tokens": _n(meta, "promptTokenCount") + thoughts,
            "input_tokens_details": {"cached_tokens": _n(meta, "cachedContentTokenCount")},
            "output_tokens": _n(meta, "candidatesTokenCount"),
            "output_tokens_details": {"reasoning_tokens": thoughts},
            "total_tokens": _n(meta, "totalTokenCount")}


def gemini_usage_to_claude(meta: Any) -> dict[str, Any]:
    """Gemini ``usageMetadata`` → Claude ``usage`` (output = candidates + thoughts)."""
    return claude_usage(usage_from_gemini(meta))


# ---------------------------------------------------------------------------
# §1.6 Identifiers
# ---------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits
_last_nanos = 0


def unique_nanos() -> int:
    """Unix nanoseconds, strictly increasing within the process (ids must not collide)."""
    global _last_nanos
    now = time.time_ns()
    if now <= _last_nanos:
        now = _last_nanos + 1
    _last_nanos = now
    return now


def _alnum(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def tool_call_id_from_name(name: str) -> str:
    """``<function name>-<unix nanoseconds>``: the id handed out for Gemini calls."""
    return f"{name}-{unique_nanos()}"


def name_from_tool_call_id(call_id: str) -> str:
    """Inverse of ``tool_call_id_from_name``; other ids (``toolu_…``) come back whole."""
    head, sep, tail = call_id.rpartition("-")
    if sep and head and tail.isdigit():
        return head
    return call_id


def new_toolu_id() -> str:
    """``toolu_`` + 24 alphanumerics (ids generated towards Claude)."""
    return "toolu_" + _alnum(24)


def new_call_id() -> str:
    """``call_`` + 24 alphanumerics (ids generated towards Codex / OpenAI)."""
    return "call_" + _alnum(24)


def nanos_call_id(hex_form: bool = False) -> str:
    """``call_<nanos>`` (decimal, or hex as the non-stream Gemini → Responses pair uses)."""
    n = unique_nanos()
    return f"call_{n:x}" if hex_form else f"call_{n}"


def new_response_id() -> str:
    """``resp_<hex nanos>`` for Responses answers whose upstream gave no id."""
    return f"resp_{unique_nanos():x}"


def new_message_id() -> str:
    """``msg_`` + 24 alphanumerics for Claude answers whose upstream gave no id."""
    return "msg_" + _alnum(24)


def new_chat_completion_id() -> str:
    """``chatcmpl-`` + 24 alphanumerics for Chat answers whose upstream gave no id."""
    return "chatcmpl-" + _alnum(24)


_claude_user_ids: dict[str, str] = {}


def claude_user_id(translator: str) -> str:
    """The ``metadata.user_id`` one translator sends to Claude, fixed for the process.

    ``user_<sha256 hex>_account_<uuid4>_session_<uuid4>``; each translator (keyed by
    any stable name, e.g. ``"openai"``) keeps its own triple, as upstream does.
    """
    existing = _claude_user_ids.get(translator)
    if existing is not None:
        return existing
    account, session = str(uuid.uuid4()), str(uuid.uuid4())
    digest = hashlib.sha256((account + session).encode()).hexdigest()
    value = f"user_{digest}_account_{account}_session_{session}"
    _claude_user_ids[translator] = value
    return value


# ---------------------------------------------------------------------------
# §1.7 Token count bodies
# ---------------------------------------------------------------------------


def claude_count_body(n: int) -> bytes:
    """Claude ``/v1/messages/count_tokens`` answer."""
    return jsonfast.dumps({"input_tokens": n})


def gemini_count_body(n: int) -> bytes:
    """Gemini ``countTokens`` answer (also for gemini-cli clients: no wrapper)."""
    return jsonfast.dumps({"totalTokens": n,
                           "promptTokensDetails": [{"modality": "TEXT", "tokenCount": n}]})


def count_from_upstream(upstream_format: str, body: bytes | dict[str, Any]) -> int:
    """N out of any upstream count body (0 when it cannot be read).

    Claude ``{"input_tokens":N}``; Gemini ``{"totalTokens":N}`` (gemini-cli possibly
    wrapped in ``response``); OpenAI-compatible estimate ``{"usage":{"prompt_tokens":N}}``;
    Codex estimate ``{"response":{"usage":{"input_tokens":N}}}``. The other formats'
    shapes are tried as a fallback so a mislabelled body still yields its count.
    """
    if isinstance(body, (bytes, bytearray, memoryview, str)):
        try:
            obj = jsonfast.loads(body)
        except jsonfast.JSONDecodeError:
            return 0
    else:
        obj = body
    if not isinstance(obj, dict):
        return 0
    readers = {"claude": _count_claude, "gemini": _count_gemini, "gemini-cli": _count_gemini,
               "openai": _count_openai, "codex": _count_codex}
    first = readers.get(upstream_format)
    order = [first] if first else []
    order += [r for r in (_count_claude, _count_gemini, _count_openai, _count_codex)
              if r is not first]
    for reader in order:
        n = reader(obj)
        if n is not None:
            return n
    return 0


def _count_claude(obj: dict[str, Any]) -> int | None:
    return _n(obj, "input_tokens") if _has(obj, "input_tokens") else None


def _count_gemini(obj: dict[str, Any]) -> int | None:
    inner = obj.get("response")
    src = inner if isinstance(inner, dict) and "totalTokens" in inner else obj
    return _n(src, "totalTokens") if _has(src, "totalTokens") else None


def _count_openai(obj: dict[str, Any]) -> int | None:
    u = obj.get("usage")
    if not isinstance(u, dict):
        return None
    if _has(u, "prompt_tokens"):
        return _n(u, "prompt_tokens")
    return _n(u, "total_tokens") if _has(u, "total_tokens") else None


def _count_codex(obj: dict[str, Any]) -> int | None:
    resp = obj.get("response")
    u = resp.get("usage") if isinstance(resp, dict) else None
    if not isinstance(u, dict):
        return None
    if _has(u, "input_tokens"):
        return _n(u, "input_tokens")
    return _n(u, "total_tokens") if _has(u, "total_tokens") else None


# ---------------------------------------------------------------------------
# SSE helpers
# ---------------------------------------------------------------------------


def data_payload(line: bytes) -> bytes | None:
    """The JSON payload of an upstream SSE line, or None.

    ``data:`` lines lose the prefix and surrounding whitespace; a bare line that starts
    with ``{`` is taken as a payload too (raw JSON units, §0.3). None for blank lines,
    ``event:``/``id:``/comment lines, ``[DONE]`` (with or without ``data:``) and junk.
    """
    if line.startswith(b"data:"):
        payload = line[5:].strip()
    elif line[:1] == b"{":
        return line
    else:
        return None
    if not payload or payload == b"[DONE]":
        return None
    if payload[:1] not in (b"{", b"["):
        # junk before the JSON (upstream's reader skips to the first brace)
        start = payload.find(b"{")
        return payload[start:] if start > 0 else None
    return payload


def is_done(line: bytes) -> bool:
    """True for ``[DONE]`` and ``data: [DONE]``."""
    if line.startswith(b"data:"):
        line = line[5:]
    return line.strip() == b"[DONE]"


def event_name(line: bytes) -> str | None:
    """``X`` of an ``event: X`` line, else None."""
    if not line.startswith(b"event:"):
        return None
    return line[6:].strip().decode("utf-8", "replace")


def data_objects(lines: list[bytes]) -> list[dict[str, Any]]:
    """Every JSON object carried by ``lines``; unparseable payloads are skipped."""
    out = []
    for line in lines:
        payload = data_payload(line)
        if payload is None:
            continue
        try:
            obj = jsonfast.loads(payload)
        except jsonfast.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def claude_sse(event: str, obj: Any) -> bytes:
    """One complete Claude SSE block: ``event: X\\ndata: <json>\\n\\n``."""
    return b"".join((b"event: ", event.encode(), b"\ndata: ", jsonfast.dumps(obj), b"\n\n"))


def responses_items(event_type: str, obj: Any) -> list[bytes]:
    """A Responses event as the two items the server frames: ``event:`` and ``data:``."""
    return [b"event: " + event_type.encode(), b"data: " + jsonfast.dumps(obj)]


# ---------------------------------------------------------------------------
# Content helpers
# ---------------------------------------------------------------------------


def data_url(mime: str, b64: str) -> str:
    return f"data:{mime or 'application/octet-stream'};base64,{b64}"


def parse_data_url(url: Any) -> tuple[str, str] | None:
    """``(mime, base64 data)`` of a ``data:<mime>;base64,<data>`` URL, else None."""
    if not isinstance(url, str) or not url.startswith("data:"):
        return None
    head, sep, data = url[5:].partition(",")
    if not sep:
        return None
    params = head.split(";")
    if "base64" not in (p.strip().lower() for p in params[1:]):
        return None
    return (params[0].strip() or "application/octet-stream"), data


_TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})


def text_of_openai_content(content: Any, sep: str = "") -> str:
    """Text of Chat/Responses content: a string, one part, or a list of parts.

    Text parts (``text``, ``input_text``, ``output_text``, or bare strings) are joined
    with ``sep``; other parts are ignored.
    """
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return ""
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type", "text") in _TEXT_PART_TYPES:
            text = part.get("text")
            if isinstance(text, str):
                texts.append(text)
    return sep.join(texts)


def tool_result_text(content: Any) -> str:
    """A tool result's content as the string a text-only target receives (§9 #29).

    Strings pass; text blocks (Claude ``text``, OpenAI ``text``/``input_text``/
    ``output_text``) are concatenated with newlines; a non-text block (an image, a
    document) is kept as its JSON text in its place; None is empty; other values
    (objects, numbers) are their JSON text.
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return jsonfast.dumps_str(content)
    pieces = []
    for block in content:
        if isinstance(block, str):
            pieces.append(block)
        elif isinstance(block, dict) and block.get("type") in _TEXT_PART_TYPES \
                and isinstance(block.get("text"), str):
            pieces.append(block["text"])
        else:
            pieces.append(jsonfast.dumps_str(block))
    return "\n".join(pieces)


def stop_list(stop: Any) -> list[str]:
    """Chat ``stop`` (string or array) → a list of non-empty strings."""
    if isinstance(stop, str):
        return [stop] if stop else []
    if isinstance(stop, list):
        return [s for s in stop if isinstance(s, str) and s]
    return []


def pick(obj: Any, *keys: str) -> Any:
    """The first present value among ``keys`` (camelCase / snake_case spellings, §9 #27)."""
    if not isinstance(obj, dict):
        return None
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return None


def gemini_declaration_schema(decl: Any) -> Any:
    """Parameters schema of a Gemini function declaration, any spelling (§9 #34)."""
    return pick(decl, "parameters", "parametersJsonSchema", "parameters_json_schema")


#: file extension → MIME type, for OpenAI ``file`` parts sent as Gemini ``inlineData``
MIME_BY_EXTENSION: dict[str, str] = {
    "pdf": "application/pdf", "txt": "text/plain", "md": "text/markdown",
    "html": "text/html", "htm": "text/html", "css": "text/css", "csv": "text/csv",
    "xml": "text/xml", "json": "application/json", "js": "text/javascript",
    "py": "text/x-python", "rtf": "text/rtf",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "heic": "image/heic", "heif": "image/heif", "bmp": "image/bmp",
    "svg": "image/svg+xml",
    "wav": "audio/wav", "mp3": "audio/mp3", "aiff": "audio/aiff", "aac": "audio/aac",
    "ogg": "audio/ogg", "flac": "audio/flac", "m4a": "audio/mp4",
    "mp4": "video/mp4", "mpeg": "video/mpeg", "mov": "video/mov", "avi": "video/avi",
    "webm": "video/webm", "wmv": "video/wmv", "flv": "video/x-flv", "3gp": "video/3gpp",
}


def mime_from_filename(name: Any) -> str | None:
    """MIME type by file extension (case-insensitive), None when unknown."""
    if not isinstance(name, str) or "." not in name:
        return None
    return MIME_BY_EXTENSION.get(name.rsplit(".", 1)[1].lower())


# ---------------------------------------------------------------------------
# JSON-schema cleaning
# ---------------------------------------------------------------------------

# keywords whose value is one subschema / a list of them / a name → subschema map
_SUB_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
            "propertyNames", "additionalItems", "unevaluatedProperties", "unevaluatedItems")
_SUB_LIST = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUB_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# string formats Gemini documents; others (``uri``, ``email``…) are rejected by the
# Cloud Code backend, which is why upstream strips ``"format":"uri"`` from Claude Code tools
_GEMINI_FORMATS = frozenset({"date-time", "date", "time", "duration", "enum", "int32",
                             "int64", "float", "double"})


def clean_schema_for_gemini(schema: Any) -> Any:
    """A copy of a JSON schema that Gemini's ``parametersJsonSchema`` accepts.

    Deliberately minimal, since ``parametersJsonSchema`` takes (nearly) full JSON
    Schema: drops ``$schema`` everywhere, drops ``format`` values Gemini does not
    know (``uri``, ``email``, …), and lower-cases ``type`` names (OpenAPI-style
    ``OBJECT``/``STRING`` from Gemini-minded clients). Property names are never
    mistaken for keywords. Non-dict input is returned unchanged.
    """
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$schema":
            continue
        if key == "format" and isinstance(value, str) and value not in _GEMINI_FORMATS:
            continue
        if key == "type":
            out[key] = _lower_type(value)
        elif key in _SUB_ONE:
            if isinstance(value, list):
                out[key] = [clean_schema_for_gemini(v) for v in value]
            else:
                out[key] = clean_schema_for_gemini(value)
        elif key in _SUB_LIST and isinstance(value, list):
            out[key] = [clean_schema_for_gemini(v) for v in value]
        elif key in _SUB_MAP and isinstance(value, dict):
            out[key] = {k: clean_schema_for_gemini(v) for k, v in value.items()}
        else:
            out[key] = value
    return out


def _lower_type(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [v.lower() if isinstance(v, str) else v for v in value]
    return value


def lowercase_schema_types(schema: Any) -> Any:
    """A copy of a schema with every ``type`` keyword's value lower-cased (Gemini → JSON)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            out[key] = _lower_type(value)
        elif key in _SUB_ONE:
            out[key] = [lowercase_schema_types(v) for v in value] if isinstance(value, list) \
                else lowercase_schema_types(value)
        elif key in _SUB_LIST and isinstance(value, list):
            out[key] = [lowercase_schema_types(v) for v in value]
        elif key in _SUB_MAP and isinstance(value, dict):
            out[key] = {k: lowercase_schema_types(v) for k, v in value.items()}
        else:
            out[key] = value
    return out


def schema_without_dollar_schema(schema: Any) -> Any:
    """A copy of a schema without its top-level ``$schema`` (what Codex rejects)."""
    if isinstance(schema, dict) and "$schema" in schema:
        return {k: v for k, v in schema.items() if k != "$schema"}
    return schema
