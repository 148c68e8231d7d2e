"""Executor for Gemini API keys (providers.md §3): ``generativelanguage.googleapis.com/v1beta``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from .. import jsonfast
from ..errors import UpstreamError
from .base import ExecRequest, ExecResult
from .http import HttpPool, read_body, request
from .sse import LineStream
from .usage_parse import StreamUsageTracker, gemini_usage

if TYPE_CHECKING:
    from ..auth.model import Credential

DEFAULT_BASE = "https://generativelanguage.googleapis.com"


def models_base(base_url: str) -> str:
    """``…/models`` for a credential's base URL ('' = Google's endpoint).

    A bare origin (``https://gw.example``) gets the official ``/v1beta`` path; a base URL
    with a path (``https://gw.example/google/v1beta``) is taken as the API root as written.
    """
    base = base_url.strip().rstrip("/") or DEFAULT_BASE
    if urlsplit(base).path in ("", "/"):
        return base + "/v1beta/models"
    return base + "/models"


def _bearer(cred: Credential) -> str:
    meta = cred.metadata or {}
    token = meta.get("token")
    if isinstance(token, dict) and isinstance(token.get("access_token"), str) \
            and token["access_token"]:
        return str(token["access_token"])
    access = meta.get("access_token")
    return access if isinstance(access, str) else ""


def apply_thinking(payload: dict[str, Any], metadata: dict[str, Any]) -> None:
    """Thinking-suffix metadata → ``generationConfig.thinkingConfig`` (copies what it changes)."""
    budget = metadata.get("gemini_thinking_budget")
    include = metadata.get("gemini_include_thoughts")
    if budget is None and include is None:
        return
    gen = payload.get("generationConfig")
    gen = dict(gen) if isinstance(gen, dict) else {}
    thinking = gen.get("thinkingConfig")
    thinking = dict(thinking) if isinstance(thinking, dict) else {}
    if budget is not None:
        thinking["thinkingBudget"] = int(budget)
    if include is not None:
        thinking["include_thoughts"] = bool(include)
    gen["thinkingConfig"] = thinking
    payload["generationConfig"] = gen


def _drop_image_model_thinking(payload: dict[str, Any], model: str) -> None:
    # image models reject a thinking config (§2.5 step 4, paths without ``request.``)
    if "gemini-2.5-flash-image" not in model:
        return
    gen = payload.get("generationConfig")
    if isinstance(gen, dict) and "thinkingConfig" in gen:
        gen = dict(gen)
        del gen["thinkingConfig"]
        payload["generationConfig"] = gen


class GeminiExecutor:
    identifier = "gemini"
    native_format = "gemini"

    def __init__(self, pool: HttpPool) -> None:
        self._pool = pool

    @staticmethod
    def upstream_model(cred: Credential, model: str) -> str:
        return cred.model_aliases.get(model.lower(), model)

    def _url(self, cred: Credential, model: str, action: str) -> str:
        return f"{models_base(cred.base_url)}/{quote(model, safe='-._~')}:{action}"

    @staticmethod
    def _headers(cred: Credential) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = cred.api_key
        if key:
            headers["x-goog-api-key"] = key
        else:
            # Upstream sends an empty "Bearer " on some paths; sending nothing is clearer
            # and fails the same way.
            token = _bearer(cred)
            if token:
                headers["Authorization"] = "Bearer " + token
        return headers

    def _payload(self, req: ExecRequest, model: str) -> dict[str, Any]:
        payload = dict(req.body)
        apply_thinking(payload, req.metadata)
        _drop_image_model_thinking(payload, model)
        payload.pop("session_id", None)
        return payload

    async def _post(self, cred: Credential, url: str, payload: dict[str, Any]) -> Any:
        try:
            return await request(self._pool, "POST", url, headers=self._headers(cred),
                                 body=jsonfast.dumps(payload), proxy_url=cred.proxy_url)
        except UpstreamError as err:
            # Google answers a bad API key with 400 INVALID_ARGUMENT; it is the key's
            # fault, not the request's: report 401 so the next key is tried
            if err.status == 400 and (b"API_KEY_INVALID" in err.body
                                      or b"API key not valid" in err.body):
                raise UpstreamError(401, err.body, err.content_type, err.headers) from None
            raise

    async def execute(self, cred: Credential, req: ExecRequest) -> ExecResult:
        model = self.upstream_model(cred, req.model)
        url = self._url(cred, model, "generateContent")
        if req.alt:
            url += "?$alt=" + quote(req.alt, safe="")
        resp = await self._post(cred, url, self._payload(req, model))
        status = resp.status
        body = await read_body(resp)
        usage = None
        if b"usageMetadata" in body or b"usage_metadata" in body:
            try:
                usage = gemini_usage(jsonfast.loads(body))
            except jsonfast.JSONDecodeError:  # a non-JSON alt such as proto
                pass
        return ExecResult(body=body, status=status, usage=usage, upstream_model=model)

    async def execute_stream(self, cred: Credential, req: ExecRequest) -> LineStream:
        model = self.upstream_model(cred, req.model)
        url = self._url(cred, model, "streamGenerateContent")
        url += ("?$alt=" + quote(req.alt, safe="")) if req.alt else "?alt=sse"
        resp = await self._post(cred, url, self._payload(req, model))
        return LineStream(resp, StreamUsageTracker("gemini"), upstream_model=model)

    async def count_tokens(self, cred: Credential, req: ExecRequest) -> ExecResult:
        model = self.upstream_model(cred, req.model)
        payload = dict(req.body)
        # countTokens accepts contents (and systemInstruction); tool and generation
        # settings are rejected as unknown fields
        for key in ("tools", "toolConfig", "tool_config", "generationConfig", "session_id"):
            payload.pop(key, None)
        resp = await self._post(cred, self._url(cred, model, "countTokens"), payload)
        status = resp.status
        return ExecResult(body=await read_body(resp), status=status, upstream_model=model)


__all__ = ["DEFAULT_BASE", "GeminiExecutor", "apply_thinking", "models_base"]
