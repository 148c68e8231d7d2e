"""Executor for OpenAI-compatible upstreams (providers.md §9): ``POST <base>/chat/completions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import jsonfast
from ..errors import ConfigurationError
from .base import ExecRequest, ExecResult
from .http import HttpPool, read_body, request
from .sse import LineStream
from .usage_parse import StreamUsageTracker, estimate_tokens, openai_request_text, openai_usage

if TYPE_CHECKING:
    from ..auth.model import Credential

_USER_AGENT = "cli-proxy-openai-compat"


class OpenAICompatExecutor:
    native_format = "openai"

    def __init__(self, provider_key: str, pool: HttpPool) -> None:
        self.identifier = provider_key
        self._pool = pool

    def _endpoint(self, cred: Credential) -> str:
        base = cred.base_url.strip().rstrip("/")
        if not base:
            # Upstream answers 401 here, which parks the credential for 30 minutes; a
            # configuration mistake is reported without touching credential state instead.
            raise ConfigurationError(f"missing provider baseURL for {self.identifier}")
        return base + "/chat/completions"

    @staticmethod
    def _headers(cred: Credential, stream: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": _USER_AGENT}
        key = cred.api_key
        if key:
            headers["Authorization"] = "Bearer " + key
        if stream:
            headers["Accept"] = "text/event-stream"
            headers["Cache-Control"] = "no-cache"
        return headers

    @staticmethod
    def upstream_model(cred: Credential, model: str) -> str:
        return cred.model_aliases.get(model.lower(), model)

    async def execute(self, cred: Credential, req: ExecRequest) -> ExecResult:
        url = self._endpoint(cred)
        model = self.upstream_model(cred, req.model)
        payload = dict(req.body)
        payload["model"] = model
        if payload.get("stream"):
            # A JSON answer is wanted here; a streamed one could not be parsed as such.
            payload["stream"] = False
        # OpenAI rejects stream_options unless streaming
        payload.pop("stream_options", None)
        resp = await request(self._pool, "POST", url, headers=self._headers(cred, False),
                             body=jsonfast.dumps(payload), proxy_url=cred.proxy_url)
        status = resp.status
        body = await read_body(resp)
        usage = None
        if b'"usage"' in body:  # skip parsing answers that cannot carry usage
            try:
                usage = openai_usage(jsonfast.loads(body))
            except jsonfast.JSONDecodeError:
                pass
        return ExecResult(body=body, status=status, usage=usage, upstream_model=model)

    async def execute_stream(self, cred: Credential, req: ExecRequest) -> LineStream:
        url = self._endpoint(cred)
        model = self.upstream_model(cred, req.model)
        payload = dict(req.body)
        payload["model"] = model
        payload["stream"] = True
        # Deviation (§9 quirk): ask for the final usage chunk so streams get counted.
        options = payload.get("stream_options")
        options = dict(options) if isinstance(options, dict) else {}
        options["include_usage"] = True
        payload["stream_options"] = options
        resp = await request(self._pool, "POST", url, headers=self._headers(cred, True),
                             body=jsonfast.dumps(payload), proxy_url=cred.proxy_url)
        return LineStream(resp, StreamUsageTracker("openai"), upstream_model=model)

    async def count_tokens(self, cred: Credential, req: ExecRequest) -> ExecResult:
        model = self.upstream_model(cred, req.model)
        n = estimate_tokens(openai_request_text(req.body))
        body: dict[str, Any] = {"usage": {"prompt_tokens": n, "total_tokens": n}}
        return ExecResult(body=jsonfast.dumps(body), upstream_model=model)


__all__ = ["OpenAICompatExecutor"]
