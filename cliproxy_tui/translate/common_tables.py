"""§1.1 reasoning / thinking, §1.3 tool_choice and §1.4 finish-reason tables.

Import them through ``translate.common``.
"""

from __future__ import annotations

from typing import Any

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


def _forced_function(choice: Any) -> str:
    """The name a Chat / Responses ``{"type":"function", …}`` choice forces, else ""."""
    if isinstance(choice, dict) and choice.get("type") == "function":
        return _choice_name(choice)
    return ""


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
    name = _forced_function(choice)
    return {"type": "tool", "name": name} if name else None


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
    name = _forced_function(choice)
    return {"type": "function", "name": name} if name else None


def responses_tool_choice_to_openai(choice: Any) -> Any:
    """Responses ``tool_choice`` → Chat ``tool_choice`` (objects stay objects)."""
    if isinstance(choice, str):
        return choice
    name = _forced_function(choice)
    return {"type": "function", "function": {"name": name}} if name else None


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
