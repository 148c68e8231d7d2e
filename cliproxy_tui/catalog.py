"""Built-in model catalog per provider (auth-manager.md §6.1–§6.6).

The tables are data, not behaviour: ``builtin_models`` turns them into fresh registry
entries on every call, so a caller may mutate what it gets. Entries whose ``created``
the reference stamps at registration time use the ``now`` passed in.
"""

from __future__ import annotations

from typing import Any

_GEMINI_METHODS = ("generateContent", "countTokens", "createCachedContent",
                   "batchGenerateContent")

# (id, created, display_name)
_CLAUDE = (
    ("claude-haiku-4-5-20251001", 1759276800, "Claude 4.5 Haiku"),
    ("claude-sonnet-4-5-20250929", 1759104000, "Claude 4.5 Sonnet"),
    ("claude-opus-4-1-20250805", 1722945600, "Claude 4.1 Opus"),
    ("claude-opus-4-20250514", 1715644800, "Claude 4 Opus"),
    ("claude-sonnet-4-20250514", 1715644800, "Claude 4 Sonnet"),
    ("claude-3-7-sonnet-20250219", 1708300800, "Claude 3.7 Sonnet"),
    ("claude-3-5-haiku-20241022", 1729555200, "Claude 3.5 Haiku"),
)

# (id, version, displayName, outputTokenLimit, description)
_GEMINI_BASE = (
    ("gemini-2.5-flash", "001", "Gemini 2.5 Flash", 65536,
     "Stable mid-size multimodal Gemini model with a 1M-token context window (June 2025)."),
    ("gemini-2.5-pro", "2.5", "Gemini 2.5 Pro", 65536,
     "Stable Gemini 2.5 Pro, released on June 17, 2025."),
    ("gemini-2.5-flash-lite", "2.5", "Gemini 2.5 Flash Lite", 65536,
     "The smallest and most cost-effective Gemini 2.5 model."),
    ("gemini-2.5-flash-image-preview", "2.5", "Gemini 2.5 Flash Image Preview", 8192,
     "Preview of Gemini 2.5 Flash for generating and editing images."),
    ("gemini-2.5-flash-image", "2.5", "Gemini 2.5 Flash Image", 8192,
     "Gemini 2.5 Flash for generating and editing images."),
)

_AISTUDIO_EXTRAS = (
    ("gemini-pro-latest", "2.5", "Gemini Pro Latest", 65536,
     "Alias that always points at the newest Gemini Pro release."),
    ("gemini-flash-latest", "2.5", "Gemini Flash Latest", 65536,
     "Alias that always points at the newest Gemini Flash release."),
    ("gemini-flash-lite-latest", "2.5", "Gemini Flash-Lite Latest", 65536,
     "Alias that always points at the newest Gemini Flash-Lite release."),
)

_GPT5_DESC = "Stable GPT 5 for coding and agentic work."
_CODEX_DESC = "Stable GPT 5 Codex, tuned for coding and agentic work."

# (id, version, display_name, context_length, max_completion_tokens, params, description)
_CODEX = (
    ("gpt-5", "gpt-5-2025-08-07", "GPT 5", 400000, 128000, ("tools",), _GPT5_DESC),
    ("gpt-5-minimal", "gpt-5-2025-08-07", "GPT 5 Minimal", 400000, 128000, ("tools",),
     _GPT5_DESC),
    ("gpt-5-low", "gpt-5-2025-08-07", "GPT 5 Low", 400000, 128000, ("tools",), _GPT5_DESC),
    ("gpt-5-medium", "gpt-5-2025-08-07", "GPT 5 Medium", 400000, 128000, ("tools",),
     _GPT5_DESC),
    ("gpt-5-high", "gpt-5-2025-08-07", "GPT 5 High", 400000, 128000, ("tools",), _GPT5_DESC),
    ("gpt-5-codex", "gpt-5-2025-09-15", "GPT 5 Codex", 400000, 128000, ("tools",),
     _CODEX_DESC),
    ("gpt-5-codex-low", "gpt-5-2025-09-15", "GPT 5 Codex Low", 400000, 128000, ("tools",),
     _CODEX_DESC),
    ("gpt-5-codex-medium", "gpt-5-2025-09-15", "GPT 5 Codex Medium", 400000, 128000,
     ("tools",), _CODEX_DESC),
    ("gpt-5-codex-high", "gpt-5-2025-09-15", "GPT 5 Codex High", 400000, 128000, ("tools",),
     _CODEX_DESC),
    ("codex-mini-latest", "1.0", "Codex Mini", 4096, 2048,
     ("temperature", "max_tokens", "stream", "stop"), "Lightweight model for code generation."),
)

_QWEN_PARAMS = ("temperature", "top_p", "max_tokens", "stream", "stop")

# (id, display_name, context_length, max_completion_tokens, description)
_QWEN = (
    ("qwen3-coder-plus", "Qwen3 Coder Plus", 32768, 8192,
     "Qwen3 model for advanced code generation."),
    ("qwen3-coder-flash", "Qwen3 Coder Flash", 8192, 2048,
     "Fast Qwen3 model for code generation."),
    ("vision-model", "Qwen3 Vision Model", 32768, 2048, "Qwen3 model that understands images."),
)

# (id, display_name, description)
_IFLOW = (
    ("tstars2.0", "TStars-2.0", "iFlow's multimodal assistant model."),
    ("qwen3-coder-plus", "Qwen3-Coder-Plus", "Qwen3 Coder Plus."),
    ("qwen3-coder", "Qwen3-Coder-480B-A35B", "Qwen3 Coder, 480B total / 35B active."),
    ("qwen3-max", "Qwen3-Max", "Qwen3 flagship model."),
    ("qwen3-vl-plus", "Qwen3-VL-Plus", "Qwen3 vision-language model."),
    ("qwen3-max-preview", "Qwen3-Max-Preview", "Preview of Qwen3 Max."),
    ("kimi-k2-0905", "Kimi-K2-Instruct-0905", "Moonshot Kimi K2 instruct, 0905 release."),
    ("glm-4.6", "GLM-4.6", "Zhipu GLM 4.6."),
    ("kimi-k2", "Kimi-K2", "Moonshot Kimi K2."),
    ("deepseek-v3.2", "DeepSeek-V3.2-Exp", "Experimental DeepSeek V3.2."),
    ("deepseek-v3.1", "DeepSeek-V3.1-Terminus", "DeepSeek V3.1 Terminus."),
    ("deepseek-r1", "DeepSeek-R1", "DeepSeek R1 reasoning model."),
    ("deepseek-v3", "DeepSeek-V3-671B", "DeepSeek V3, 671B parameters."),
    ("qwen3-32b", "Qwen3-32B", "Qwen3 32B."),
    ("qwen3-235b-a22b-thinking-2507", "Qwen3-235B-A22B-Thinking",
     "Qwen3 235B (22B active) thinking model, 2507 release."),
    ("qwen3-235b-a22b-instruct", "Qwen3-235B-A22B-Instruct",
     "Qwen3 235B (22B active) instruct model."),
    ("qwen3-235b", "Qwen3-235B-A22B", "Qwen3 235B (22B active)."),
)


def _claude(now: int) -> list[dict[str, Any]]:
    return [{"id": mid, "object": "model", "created": created, "owned_by": "anthropic",
             "type": "claude", "display_name": name} for mid, created, name in _CLAUDE]


def _gemini(rows: tuple[tuple[str, str, str, int, str], ...], now: int) -> list[dict[str, Any]]:
    # Both spellings of the display name: the OpenAI/Claude listings read display_name,
    # the Gemini listing reads displayName (auth-manager §5.4).
    return [{"id": mid, "object": "model", "created": now, "owned_by": "google",
             "type": "gemini", "display_name": name, "name": f"models/{mid}",
             "version": version, "displayName": name, "description": desc,
             "inputTokenLimit": 1048576, "outputTokenLimit": out_limit,
             "supportedGenerationMethods": list(_GEMINI_METHODS)}
            for mid, version, name, out_limit, desc in rows]


def _codex(now: int) -> list[dict[str, Any]]:
    return [{"id": mid, "object": "model", "created": now, "owned_by": "openai",
             "type": "openai", "display_name": name, "version": version,
             "description": desc, "context_length": ctx, "max_completion_tokens": out,
             "supported_parameters": list(params)}
            for mid, version, name, ctx, out, params, desc in _CODEX]


def _qwen(now: int) -> list[dict[str, Any]]:
    return [{"id": mid, "object": "model", "created": now, "owned_by": "qwen", "type": "qwen",
             "display_name": name, "version": "3.0", "description": desc,
             "context_length": ctx, "max_completion_tokens": out,
             "supported_parameters": list(_QWEN_PARAMS)}
            for mid, name, ctx, out, desc in _QWEN]


def _iflow(now: int) -> list[dict[str, Any]]:
    return [{"id": mid, "object": "model", "created": now, "owned_by": "iflow",
             "type": "iflow", "display_name": name, "description": desc}
            for mid, name, desc in _IFLOW]


def builtin_models(provider: str, now: float) -> list[dict[str, Any]]:
    """The models a credential of ``provider`` offers out of the box ([] if none)."""
    stamp = int(now)
    match provider.lower():
        case "claude":
            return _claude(stamp)
        case "gemini" | "gemini-cli":
            return _gemini(_GEMINI_BASE, stamp)
        case "aistudio":
            return _gemini(_GEMINI_BASE + _AISTUDIO_EXTRAS, stamp)
        case "codex":
            return _codex(stamp)
        case "qwen":
            return _qwen(stamp)
        case "iflow":
            return _iflow(stamp)
    return []
