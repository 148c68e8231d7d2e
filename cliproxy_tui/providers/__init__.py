"""Executors: one per upstream API, plus the shared outbound HTTP machinery.

Other layers call ``build_executor`` and ``native_format_of``; the executor modules
themselves stay private to this package.
"""

from __future__ import annotations

from .base import ExecRequest, ExecResult, Executor, UpstreamStream, UsageDetail
from .http import HttpPool, UpstreamMap

#: the API format each provider's executor speaks; anything not listed speaks ``openai``
NATIVE_FORMAT: dict[str, str] = {"gemini": "gemini", "claude": "claude", "codex": "codex"}


def native_format_of(provider: str) -> str:
    return NATIVE_FORMAT.get(provider, "openai")


def build_executor(provider: str, pool: HttpPool) -> Executor:
    """The executor for a provider key; unknown keys are OpenAI-compatible upstreams."""
    # Imported here so a missing or broken executor module only affects its provider.
    if provider == "gemini":
        from .gemini import GeminiExecutor

        return GeminiExecutor(pool)
    if provider == "claude":
        from .claude import ClaudeExecutor

        return ClaudeExecutor(pool)  # type: ignore[no-any-return]
    if provider == "codex":
        from .codex import CodexExecutor

        return CodexExecutor(pool)  # type: ignore[no-any-return]
    from .openai_compat import OpenAICompatExecutor

    return OpenAICompatExecutor(provider, pool)


__all__ = [
    "NATIVE_FORMAT",
    "ExecRequest",
    "ExecResult",
    "Executor",
    "HttpPool",
    "UpstreamMap",
    "UpstreamStream",
    "UsageDetail",
    "build_executor",
    "native_format_of",
]
