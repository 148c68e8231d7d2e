"""A fake OpenAI Chat Completions API (also what OpenAI-compatible upstreams speak)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .base import FakeUpstream, json_response, sse_event

_NO_KEY = ("You didn't provide an API key. You need to provide your API key in an "
           "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), "
           "or as the password field (i.e. username: YOUR_KEY, password: empty), if you're "
           "accessing the API from your browser and are prompted for a username and password. "
           "You can obtain an API key from https://platform.openai.com/account/api-keys.")


def split_text(text: str, n: int) -> list[str]:
    """``text`` in ``n`` contiguous pieces (fewer when the text is shorter)."""
    n = max(1, min(n, len(text) or 1))
    size, extra = divmod(len(text), n)
    out, pos = [], 0
    for i in range(n):
        step = size + (1 if i < extra else 0)
        out.append(text[pos:pos + step])
        pos += step
    return out


class FakeOpenAI(FakeUpstream):
    REAL_ORIGIN = "https://api.openai.com"

    def __init__(self) -> None:
        super().__init__()
        self.reply_text = "Hello from the fake OpenAI upstream."
        self.chunks = 3
        #: ``{"name": ..., "arguments": "<json text>"}`` answered when the request has tools
        self.tool_call: dict[str, str] | None = None
        self.models = ["gpt-4o", "gpt-4o-mini"]
        self.require_auth = True

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/models", self._models)

    def error_body(self, status: int, message: str) -> Any:
        kind, code = {
            400: ("invalid_request_error", None),
            401: ("invalid_request_error", "invalid_api_key"),
            403: ("invalid_request_error", "unsupported_country_region_territory"),
            404: ("invalid_request_error", "model_not_found"),
            429: ("requests", "rate_limit_exceeded"),
        }.get(status, ("server_error", None))
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def _auth_error(self, request: web.Request) -> web.Response | None:
        if not self.require_auth:
            return None
        if not self.recorded(request).api_key:
            return json_response(401, {"error": {"message": _NO_KEY, "type":
                                                 "invalid_request_error", "param": None,
                                                 "code": None}})
        return None

    async def _models(self, request: web.Request) -> web.StreamResponse:
        if (err := self._auth_error(request)) is not None:
            return err
        now = int(time.time())
        return json_response(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": now, "owned_by": "openai"}
            for m in self.models]})

    def _usage(self) -> dict[str, Any]:
        u = self.usage
        return {
            "prompt_tokens": u.input, "completion_tokens": u.output,
            "total_tokens": u.input + u.output,
            "prompt_tokens_details": {"cached_tokens": u.cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": u.reasoning, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0},
        }

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if (err := self._auth_error(request)) is not None:
            return err
        req = self.recorded(request).json
        if not isinstance(req, dict):
            return json_response(400, self.error_body(
                400, "We could not parse the JSON body of your request. (HINT: This likely "
                     "means you aren't using your HTTP library correctly.)"))
        model = req.get("model")
        if not isinstance(model, str) or not model:
            return json_response(400, self.error_body(400, "you must provide a model parameter"))
        stream = bool(req.get("stream"))
        if req.get("stream_options") is not None and not stream:
            return json_response(400, self.error_body(
                400, "The 'stream_options' parameter is only allowed when 'stream' is enabled."))
        call = self.tool_call if req.get("tools") and self.tool_call else None
        cid = f"chatcmpl-fake{self.next_id()}"
        created = int(time.time())
        if not stream:
            message: dict[str, Any] = {"role": "assistant", "content": self.reply_text,
                                       "refusal": None, "annotations": []}
            if call:
                message["content"] = None
                message["tool_calls"] = [{"id": "call_fake1", "type": "function",
                                          "function": {"name": call["name"],
                                                       "arguments": call["arguments"]}}]
            return json_response(200, {
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": "tool_calls" if call else "stop"}],
                "usage": self._usage(), "service_tier": "default",
                "system_fingerprint": "fp_fake"})
        include_usage = bool((req.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            obj: dict[str, Any] = {
                "id": cid, "object": "chat.completion.chunk", "created": created,
                "model": model, "service_tier": "default", "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None,
                             "finish_reason": finish}]}
            if include_usage:
                obj["usage"] = None
            return sse_event(obj)

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        if call:
            events[0] = chunk({"role": "assistant", "content": None, "tool_calls": [
                {"index": 0, "id": "call_fake1", "type": "function",
                 "function": {"name": call["name"], "arguments": ""}}]})
            for piece in split_text(call["arguments"], self.chunks):
                events.append(chunk({"tool_calls": [{"index": 0,
                                                     "function": {"arguments": piece}}]}))
            events.append(chunk({}, "tool_calls"))
        else:
            for piece in split_text(self.reply_text, self.chunks):
                events.append(chunk({"content": piece}))
            events.append(chunk({}, "stop"))
        if include_usage:
            events.append(sse_event({
                "id": cid, "object": "chat.completion.chunk", "created": created,
                "model": model, "service_tier": "default", "system_fingerprint": "fp_fake",
                "choices": [], "usage": self._usage()}))
        events.append(b"data: [DONE]\n\n")
        return await self.stream(request, events)


__all__ = ["FakeOpenAI", "split_text"]
