"""Anthropic Messages executor for Claude API keys and Claude OAuth tokens (providers.md §5.4).

The request arrives already in Messages format. This module builds the URL and the
Claude-Code-like headers, maps the model alias, puts the Claude Code system block first,
and sends. Answers may come compressed with any of gzip/deflate/br/zstd because we ask
for all four; aiohttp cannot decode zstd without an extra package, so bodies are read
encoded and decoded by ``providers.http`` / ``LineStream``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import jsonfast
from .base import ExecRequest, ExecResult, UsageDetail, api_key_or_access_token
from .http import HttpPool, read_body, request
from .sse import LineStream
from .usage_parse import StreamUsageTracker, claude_usage

if TYPE_CHECKING:
    from ..auth.model import Credential

DEFAULT_BASE_URL = "https://api.anthropic.com"
CLAUDE_CODE_SYSTEM_TEXT = "You are Claude Code, Anthropic's official CLI for Claude."
ANTHROPIC_BETA = ("claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,"
                  "fine-grained-tool-streaming-2025-05-14")
USER_AGENT = "claude-cli/1.0.83 (external, cli)"

# Defaults an incoming request's header of the same name replaces ("client wins").
_CLIENT_WINS: tuple[tuple[str, str], ...] = (
    ("Anthropic-Version", "2023-06-01"),
    ("Anthropic-Dangerous-Direct-Browser-Access", "true"),
    ("X-App", "cli"),
    ("X-Stainless-Helper-Method", "stream"),
    ("X-Stainless-Retry-Count", "0"),
    ("X-Stainless-Runtime-Version", "v24.3.0"),
    ("X-Stainless-Package-Version", "0.55.1"),
    ("X-Stainless-Runtime", "node"),
    ("X-Stainless-Lang", "js"),
    ("X-Stainless-Arch", "arm64"),
    ("X-Stainless-Os", "MacOS"),
    ("X-Stainless-Timeout", "60"),
)
# (name, lower-case name the client's headers are looked up by, default), built once
_CLIENT_WINS_LOOKUP = tuple((name, name.lower(), default) for name, default in _CLIENT_WINS)
# The count endpoint rejects fields it does not define (stream, max_tokens, ...).
_COUNT_FIELDS = ("model", "messages", "system", "tools", "tool_choice", "thinking")
# Anthropic rejects a request with more than four cache_control breakpoints.
_MAX_CACHE_BREAKPOINTS = 4


def claude_headers(cred: Credential, client_headers: Mapping[str, str], *,
                   stream: bool) -> dict[str, str]:
    token = api_key_or_access_token(cred)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Anthropic-Beta": ANTHROPIC_BETA,
    }
    for name, lower, default in _CLIENT_WINS_LOOKUP:
        headers[name] = client_headers.get(lower) or default
    headers["Connection"] = "keep-alive"
    headers["User-Agent"] = USER_AGENT
    headers["Accept-Encoding"] = "gzip, deflate, br, zstd"
    headers["Accept"] = "text/event-stream" if stream else "application/json"
    if cred.api_key:
        # The public API authenticates console keys (sk-ant-api…) by x-api-key; the
        # Bearer header alone only works for OAuth tokens and some gateways.
        headers["x-api-key"] = cred.api_key
    return headers


def claude_base_url(cred: Credential) -> str:
    # Trimmed unlike upstream, which produced ``https://x//v1/messages`` (§5.4 quirk).
    return (cred.base_url.strip() or DEFAULT_BASE_URL).rstrip("/")


def _count_cache_breakpoints(body: Mapping[str, Any]) -> int:
    n = 0
    for key in ("tools", "system"):
        items = body.get(key)
        if isinstance(items, list):
            n += sum(1 for it in items if isinstance(it, dict) and "cache_control" in it)
    messages = body.get("messages")
    if isinstance(messages, list):
        for m in messages:
            content = m.get("content") if isinstance(m, dict) else None
            if isinstance(content, list):
                n += sum(1 for b in content if isinstance(b, dict) and "cache_control" in b)
    return n


def with_claude_code_system(body: Mapping[str, Any]) -> list[Any]:
    """``system`` with the Claude Code block first and the client's own blocks after it.

    Upstream replaced the client's system prompt; we keep it (§5.4 recommendation). A
    client that already starts with the block (Claude Code itself) is left as it is.
    """
    system = body.get("system")
    if isinstance(system, str):
        own: list[Any] = [{"type": "text", "text": system}] if system else []
    elif isinstance(system, list):
        own = list(system)
    else:
        own = []
    first = own[0] if own else None
    if isinstance(first, dict) and first.get("text") == CLAUDE_CODE_SYSTEM_TEXT:
        return own
    block: dict[str, Any] = {"type": "text", "text": CLAUDE_CODE_SYSTEM_TEXT}
    if _count_cache_breakpoints(body) < _MAX_CACHE_BREAKPOINTS:
        block["cache_control"] = {"type": "ephemeral"}
    return [block, *own]


def prepare_claude_body(cred: Credential, req: ExecRequest, *,
                        stream: bool) -> tuple[dict[str, Any], str]:
    """A shallow copy of ``req.body`` ready to send, and the upstream model name."""
    body = dict(req.body)
    model = cred.model_aliases.get(req.model.lower()) or body.get("model") or req.model
    body["model"] = model
    if stream or not str(model).startswith("claude-3-5-haiku"):
        body["system"] = with_claude_code_system(body)
    return body, str(model)


class ClaudeExecutor:
    """Executor ``claude``: API keys (``claude-api-key``) and OAuth token files alike."""

    identifier = "claude"
    native_format = "claude"

    def __init__(self, pool: HttpPool) -> None:
        self._pool = pool

    async def _send(self, cred: Credential, req: ExecRequest, path: str,
                    body: dict[str, Any], *, stream: bool) -> Any:
        url = f"{claude_base_url(cred)}{path}?beta=true"
        headers = claude_headers(cred, req.client_headers, stream=stream)
        return await request(self._pool, "POST", url, headers=headers,
                             body=jsonfast.dumps(body), proxy_url=cred.proxy_url,
                             decompress=False)

    async def execute(self, cred: Credential, req: ExecRequest) -> ExecResult:
        body, model = prepare_claude_body(cred, req, stream=False)
        if body.get("stream"):
            body["stream"] = False
        resp = await self._send(cred, req, "/v1/messages", body, stream=False)
        data = await read_body(resp, encoded=True)
        return ExecResult(body=data, status=resp.status, usage=_body_usage(data),
                          headers={"Content-Type": "application/json"},
                          upstream_model=model)

    async def execute_stream(self, cred: Credential, req: ExecRequest) -> LineStream:
        body, model = prepare_claude_body(cred, req, stream=True)
        body["stream"] = True
        resp = await self._send(cred, req, "/v1/messages", body, stream=True)
        return LineStream(resp, StreamUsageTracker("claude"), upstream_model=model,
                          encoded=True)

    async def count_tokens(self, cred: Credential, req: ExecRequest) -> ExecResult:
        full, model = prepare_claude_body(cred, req, stream=False)
        body = {k: full[k] for k in _COUNT_FIELDS if k in full}
        resp = await self._send(cred, req, "/v1/messages/count_tokens", body, stream=False)
        data = await read_body(resp, encoded=True)
        return ExecResult(body=data, status=resp.status,
                          headers={"Content-Type": "application/json"}, upstream_model=model)


def _body_usage(data: bytes) -> UsageDetail | None:
    try:
        obj = jsonfast.loads(data)
    except jsonfast.JSONDecodeError:
        return None
    found = claude_usage(obj)
    return found if found is not None and found.any() else None


__all__ = [
    "ANTHROPIC_BETA",
    "CLAUDE_CODE_SYSTEM_TEXT",
    "DEFAULT_BASE_URL",
    "ClaudeExecutor",
    "claude_headers",
    "prepare_claude_body",
    "with_claude_code_system",
]
