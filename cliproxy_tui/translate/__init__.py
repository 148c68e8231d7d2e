"""Translation between client API formats and upstream formats.

A *pair* ``(client, upstream)`` converts the request into the upstream's format and the
answer back, chunk by chunk for streams. Translators are pure: no network, no
credentials, no routes; per-stream state lives in a small object the pair creates.

Format ids: ``openai`` (chat completions), ``openai-response`` (Responses API),
``claude`` (Messages), ``gemini``, ``gemini-cli``, ``codex``.
"""

from .registry import Pair, StreamState, get_pair, register_pair, supported_pairs

__all__ = ["Pair", "StreamState", "get_pair", "register_pair", "supported_pairs"]
