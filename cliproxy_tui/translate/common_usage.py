"""§1.5 usage mapping and §1.7 token-count bodies.

Import them through ``translate.common``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import jsonfast

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


def int_field(obj: Any, key: str) -> int:
    """``obj[key]`` as a count: floats truncated; 0 when ``obj`` is no dict or the value is
    missing, a bool or no number.

    ``providers.usage_parse`` reads its counters with this too, so the usage recorded and
    the usage translated for the client agree on what a malformed counter is worth.
    """
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
    inp = int_field(usage, "prompt_tokens") or int_field(usage, "input_tokens")
    out = int_field(usage, "completion_tokens") or int_field(usage, "output_tokens")
    details_in = usage.get("prompt_tokens_details") if isinstance(usage, dict) else None
    details_out = usage.get("completion_tokens_details") if isinstance(usage, dict) else None
    if not isinstance(details_in, dict):
        details_in = usage.get("input_tokens_details") if isinstance(usage, dict) else None
    if not isinstance(details_out, dict) or not int_field(details_out, "reasoning_tokens"):
        alt = usage.get("output_tokens_details") if isinstance(usage, dict) else None
        details_out = alt if isinstance(alt, dict) else details_out
    return Usage(
        input_tokens=inp,
        output_tokens=out,
        total_tokens=int_field(usage, "total_tokens") or inp + out,
        cached_tokens=int_field(details_in, "cached_tokens"),
        reasoning_tokens=int_field(details_out, "reasoning_tokens"),
    )


def usage_from_codex(usage: Any) -> Usage:
    """Responses/Codex ``usage`` (``input_tokens`` includes cached ones)."""
    inp = int_field(usage, "input_tokens")
    out = int_field(usage, "output_tokens")
    d_in = usage.get("input_tokens_details") if isinstance(usage, dict) else None
    d_out = usage.get("output_tokens_details") if isinstance(usage, dict) else None
    return Usage(input_tokens=inp, output_tokens=out,
                 total_tokens=int_field(usage, "total_tokens") or inp + out,
                 cached_tokens=int_field(d_in, "cached_tokens"),
                 cache_creation_tokens=int_field(d_in, "cache_write_tokens"),
                 reasoning_tokens=int_field(d_out, "reasoning_tokens"))


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
        u.cached_tokens = int_field(usage, "cache_read_input_tokens")
    if _has(usage, "cache_creation_input_tokens"):
        u.cache_creation_tokens = int_field(usage, "cache_creation_input_tokens")
    if _has(usage, "input_tokens"):
        plain = int_field(usage, "input_tokens")
    u.input_tokens = max(plain, 0) + u.cached_tokens + u.cache_creation_tokens
    if _has(usage, "output_tokens"):
        u.output_tokens = int_field(usage, "output_tokens")
    u.total_tokens = u.input_tokens + u.output_tokens
    return u


def usage_from_gemini(meta: Any) -> Usage:
    """Gemini ``usageMetadata`` (or ``usage_metadata``) in the neutral convention."""
    prompt = int_field(meta, "promptTokenCount") + int_field(meta, "toolUsePromptTokenCount")
    thoughts = int_field(meta, "thoughtsTokenCount")
    out = int_field(meta, "candidatesTokenCount") + thoughts
    return Usage(input_tokens=prompt, output_tokens=out,
                 total_tokens=int_field(meta, "totalTokenCount") or prompt + out,
                 cached_tokens=int_field(meta, "cachedContentTokenCount"),
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
    """Responses ``usage``; both detail objects are always complete (current SDKs require
    ``cached_tokens``, ``cache_write_tokens`` and ``reasoning_tokens``)."""
    return {"input_tokens": u.input_tokens,
            "input_tokens_details": {"cached_tokens": u.cached_tokens,
                                     "cache_write_tokens": u.cache_creation_tokens},
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
    thoughts = int_field(meta, "thoughtsTokenCount")
    out: dict[str, Any] = {"prompt_tokens": int_field(meta, "promptTokenCount") + thoughts}
    if _has(meta, "candidatesTokenCount"):
        out["completion_tokens"] = int_field(meta, "candidatesTokenCount")
    if _has(meta, "totalTokenCount"):
        out["total_tokens"] = int_field(meta, "totalTokenCount")
    cached = int_field(meta, "cachedContentTokenCount")
    if cached:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    if thoughts > 0:
        out["completion_tokens_details"] = {"reasoning_tokens": thoughts}
    return out


def gemini_usage_to_responses(meta: Any) -> dict[str, Any]:
    """Gemini ``usageMetadata`` → Responses ``usage`` (same accounting as for Chat)."""
    thoughts = int_field(meta, "thoughtsTokenCount")
    return {"input_tokens": int_field(meta, "promptTokenCount") + thoughts,
            "input_tokens_details": {"cached_tokens": int_field(meta, "cachedContentTokenCount"),
                                     "cache_write_tokens": 0},
            "output_tokens": int_field(meta, "candidatesTokenCount"),
            "output_tokens_details": {"reasoning_tokens": thoughts},
            "total_tokens": int_field(meta, "totalTokenCount")}


def gemini_usage_to_claude(meta: Any) -> dict[str, Any]:
    """Gemini ``usageMetadata`` → Claude ``usage`` (output = candidates + thoughts)."""
    return claude_usage(usage_from_gemini(meta))


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
    return int_field(obj, "input_tokens") if _has(obj, "input_tokens") else None


def _count_gemini(obj: dict[str, Any]) -> int | None:
    inner = obj.get("response")
    src = inner if isinstance(inner, dict) and "totalTokens" in inner else obj
    return int_field(src, "totalTokens") if _has(src, "totalTokens") else None


def _count_openai(obj: dict[str, Any]) -> int | None:
    u = obj.get("usage")
    if not isinstance(u, dict):
        return None
    if _has(u, "prompt_tokens"):
        return int_field(u, "prompt_tokens")
    return int_field(u, "total_tokens") if _has(u, "total_tokens") else None


def _count_codex(obj: dict[str, Any]) -> int | None:
    resp = obj.get("response")
    u = resp.get("usage") if isinstance(resp, dict) else None
    if not isinstance(u, dict):
        return None
    if _has(u, "input_tokens"):
        return int_field(u, "input_tokens")
    return int_field(u, "total_tokens") if _has(u, "total_tokens") else None
