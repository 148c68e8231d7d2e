"""OpenAI Responses executor for Codex: ChatGPT OAuth tokens and API keys (providers.md §6.4).

The ChatGPT Codex backend only streams, so every call is sent with ``stream: true``; a
non-stream call reads the events until ``response.completed`` and returns that event's
``response`` object, which is exactly what a non-stream Responses client expects. The
same request works against ``https://api.openai.com/v1`` for ``codex-api-key`` entries.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import jsonfast
from ..clock import SYSTEM_CLOCK, Clock
from ..errors import StreamError, TransportError, UpstreamError
from .base import ExecRequest, ExecResult, api_key_or_access_token
from .http import HttpPool, request
from .sse import LineStream
from .usage_parse import StreamUsageTracker, codex_usage, estimate_tokens, text_format_texts

if TYPE_CHECKING:
    from ..auth.model import Credential

DEFAULT_BASE_URL = "https://chatgpt.com/backend-api/codex"
CODEX_VERSION = "0.21.0"
OPENAI_BETA = "responses=experimental"
ORIGINATOR = "codex_cli_rs"
PROMPT_CACHE_TTL = 3600.0
NO_COMPLETION_MESSAGE = (b"stream error: stream disconnected before completion: "
                         b"stream closed before response.completed")

# requested model → (model sent, reasoning.effort or None = leave the client's)
_EFFORT_MODELS: dict[str, tuple[str, str | None]] = {
    "gpt-5": ("gpt-5", None),
    "gpt-5-minimal": ("gpt-5", "minimal"),
    "gpt-5-low": ("gpt-5", "low"),
    "gpt-5-medium": ("gpt-5", "medium"),
    "gpt-5-high": ("gpt-5", "high"),
    "gpt-5-codex": ("gpt-5-codex", None),
    "gpt-5-codex-low": ("gpt-5-codex", "low"),
    "gpt-5-codex-medium": ("gpt-5-codex", "medium"),
    "gpt-5-codex-high": ("gpt-5-codex", "high"),
}
# Failure events rarely carry an HTTP status; these codes have an obvious one, which lets
# the manager cool a rate-limited credential down instead of treating it as a 500.
_FAILURE_CODE_STATUS = {
    "rate_limit_exceeded": 429, "usage_limit_reached": 429, "insufficient_quota": 429,
    "context_length_exceeded": 400, "invalid_prompt": 400, "server_is_overloaded": 503,
}
_TERMINAL_MARKERS = (b"response.completed", b"response.incomplete", b"response.failed",
                     b"error")


class PromptCacheIds:
    """``<model>-<user_id>`` → a UUID that lives one hour from creation (bounded LRU)."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK, ttl: float = PROMPT_CACHE_TTL,
                 max_entries: int = 4096) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._ids: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def id_for(self, key: str) -> str:
        now = self._clock.now()
        hit = self._ids.get(key)
        if hit is not None and hit[1] > now:
            self._ids.move_to_end(key)
            return hit[0]
        new = str(uuid.uuid4())
        self._ids[key] = (new, now + self._ttl)
        self._ids.move_to_end(key)
        while len(self._ids) > self._max:
            self._ids.popitem(last=False)
        return new

    def __len__(self) -> int:
        return len(self._ids)


def is_codex_oauth(cred: Credential) -> bool:
    return not cred.api_key and bool((cred.metadata or {}).get("access_token"))


def codex_headers(cred: Credential, client_headers: Mapping[str, str],
                  cache_id: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {api_key_or_access_token(cred)}",
        "Version": client_headers.get("version") or CODEX_VERSION,
        "Openai-Beta": client_headers.get("openai-beta") or OPENAI_BETA,
        "Session_id": client_headers.get("session_id") or cache_id or str(uuid.uuid4()),
    }
    # Upstream sends an empty Conversation_id when there is no cache id; we omit it.
    if cache_id:
        headers["Conversation_id"] = cache_id
    headers["Accept"] = "text/event-stream"
    headers["Connection"] = "Keep-Alive"
    if is_codex_oauth(cred):
        headers["Originator"] = ORIGINATOR
        account = (cred.metadata or {}).get("account_id")
        if isinstance(account, str) and account:
            headers["Chatgpt-Account-Id"] = account
    return headers


def map_codex_model(cred: Credential, req: ExecRequest, body: dict[str, Any]) -> str:
    """Alias, then effort suffix → base model + ``reasoning.effort``; edits ``body`` (a copy)."""
    requested = cred.model_aliases.get(req.model.lower()) or body.get("model") or req.model
    model, effort = _EFFORT_MODELS.get(str(requested), (str(requested), None))
    body["model"] = model
    if effort is not None:
        reasoning = body.get("reasoning")
        body["reasoning"] = {**(reasoning if isinstance(reasoning, dict) else {}),
                             "effort": effort}
    return model


def _claude_user_id(req: ExecRequest) -> str:
    meta = req.body.get("metadata")
    user = meta.get("user_id") if isinstance(meta, dict) else None
    if not isinstance(user, str) or not user:
        user = req.metadata.get("user_id")
    return user if isinstance(user, str) else ""


def _text_of_content(content: Any, out: list[str]) -> None:
    if isinstance(content, str):
        out.append(content)
    elif isinstance(content, list):
        for part in content:
            text = part.get("text") if isinstance(part, dict) else None
            if isinstance(text, str):
                out.append(text)


def responses_request_text(body: Mapping[str, Any]) -> str:
    """What the §6.4 local count tokenizes: instructions, input texts, tools, text format."""
    out: list[str] = []
    if isinstance(body.get("instructions"), str):
        out.append(body["instructions"])
    items = body.get("input")
    if isinstance(items, str):
        out.append(items)
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type") or ("message" if "role" in item else "")
        if kind == "message":
            _text_of_content(item.get("content"), out)
        elif kind == "function_call":
            out.extend(v for v in (item.get("name"), item.get("arguments"))
                       if isinstance(v, str))
        elif kind == "function_call_output":
            output = item.get("output")
            if isinstance(output, str):
                out.append(output)
            elif output is not None:
                out.append(jsonfast.dumps_str(output))
        elif isinstance(item.get("text"), str):
            out.append(item["text"])
    for tool in body.get("tools") or ():
        if not isinstance(tool, dict):
            continue
        out.extend(v for v in (tool.get("name"), tool.get("description")) if isinstance(v, str))
        if tool.get("parameters") is not None:
            out.append(jsonfast.dumps_str(tool["parameters"]))
    text_format_texts(body.get("text"), out)
    return "\n".join(out)


def _terminal_event(line: bytes) -> dict[str, Any] | None:
    if not line.startswith(b"data:") or not any(m in line for m in _TERMINAL_MARKERS):
        return None
    try:
        obj = jsonfast.loads(line[5:].strip())
    except jsonfast.JSONDecodeError:
        return None
    if isinstance(obj, dict) and obj.get("type") in (
            "response.completed", "response.incomplete", "response.failed", "error"):
        return obj
    return None


def _failure(event: dict[str, Any]) -> UpstreamError:
    """``response.failed`` / ``error`` event → the error the client and manager see."""
    if event.get("type") == "response.failed":
        resp = event.get("response")
        err = resp.get("error") if isinstance(resp, dict) else None
    else:
        err = event.get("error")
    if not isinstance(err, dict):
        err = {k: v for k, v in event.items() if k not in ("type", "sequence_number")}
    status = 0
    for holder in (event, err):
        for key in ("status", "status_code"):
            v = holder.get(key)
            if isinstance(v, int) and not isinstance(v, bool) and 400 <= v <= 599:
                status = status or v
    code = err.get("code") or err.get("type")
    if not status:
        status = _FAILURE_CODE_STATUS.get(code, 500) if isinstance(code, str) else 500
    message = err.get("message") if isinstance(err.get("message"), str) else ""
    body = {"error": {"message": message or f"upstream {event.get('type')} event",
                      "type": err.get("type") or "server_error", "code": code,
                      "param": err.get("param")}}
    return UpstreamError(status, jsonfast.dumps(body), "application/json")


class CodexExecutor:
    """Executor ``codex``: ChatGPT OAuth token files and ``codex-api-key`` entries."""

    identifier = "codex"
    native_format = "codex"

    def __init__(self, pool: HttpPool, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._pool = pool
        self.prompt_cache = PromptCacheIds(clock)

    def _prepare(self, cred: Credential, req: ExecRequest) -> tuple[dict[str, Any], str, str]:
        body = dict(req.body)
        model = map_codex_model(cred, req, body)
        body["stream"] = True
        body.pop("previous_response_id", None)
        cache_id = ""
        user_id = _claude_user_id(req) if req.source_format == "claude" else ""
        if user_id:
            cache_id = self.prompt_cache.id_for(f"{req.model}-{user_id}")
            body["prompt_cache_key"] = cache_id
        elif isinstance(body.get("prompt_cache_key"), str):
            cache_id = body["prompt_cache_key"]
        return body, model, cache_id

    async def _send(self, cred: Credential, req: ExecRequest) -> tuple[Any, str]:
        body, model, cache_id = self._prepare(cred, req)
        base = (cred.base_url.strip() or DEFAULT_BASE_URL).rstrip("/")
        resp = await request(self._pool, "POST", f"{base}/responses",
                             headers=codex_headers(cred, req.client_headers, cache_id),
                             body=jsonfast.dumps(body), proxy_url=cred.proxy_url)
        return resp, model

    async def execute(self, cred: Credential, req: ExecRequest) -> ExecResult:
        resp, model = await self._send(cred, req)
        stream = LineStream(resp, upstream_model=model)
        try:
            async for batch in stream:
                for line in batch:
                    event = _terminal_event(line)
                    if event is None:
                        continue
                    if event["type"] in ("response.failed", "error"):
                        raise _failure(event)
                    response = event.get("response")
                    if not isinstance(response, dict):
                        continue
                    usage = codex_usage({"response": response})
                    return ExecResult(body=jsonfast.dumps(response), status=resp.status,
                                      headers={"Content-Type": "application/json"},
                                      usage=usage if usage is not None and usage.any() else None,
                                      upstream_model=model)
        except StreamError as exc:
            # Nothing reached the client yet: a transport failure the manager may retry.
            raise TransportError(exc.message) from exc
        finally:
            await stream.aclose()
        raise UpstreamError(408, NO_COMPLETION_MESSAGE, "text/plain")

    async def execute_stream(self, cred: Credential, req: ExecRequest) -> LineStream:
        resp, model = await self._send(cred, req)
        return LineStream(resp, StreamUsageTracker("codex"), upstream_model=model)

    async def count_tokens(self, cred: Credential, req: ExecRequest) -> ExecResult:
        body = dict(req.body)
        model = map_codex_model(cred, req, body)
        n = estimate_tokens(responses_request_text(body))
        usage = {"input_tokens": n, "output_tokens": 0, "total_tokens": n}
        # usage stays None: count calls are not recorded as usage
        return ExecResult(body=jsonfast.dumps({"response": {"usage": usage}}),
                          headers={"Content-Type": "application/json"}, upstream_model=model)


__all__ = [
    "DEFAULT_BASE_URL",
    "NO_COMPLETION_MESSAGE",
    "CodexExecutor",
    "PromptCacheIds",
    "codex_headers",
    "map_codex_model",
    "responses_request_text",
]
