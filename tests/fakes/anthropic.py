"""A fake Anthropic Messages API (``api.anthropic.com``): JSON and SSE like the real one.

``fake.compress = "gzip" | "deflate" | "br" | "zstd"`` makes every answer of the fake's
own routes (successes, streams and its own errors) come back with that
``Content-Encoding``; streams are compressed incrementally, one flushed block per chunk,
as a real server does.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from typing import Any

import brotli
import orjson
import zstandard
from aiohttp import web

from .base import FakeUpstream
from .openai import split_text

_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error",
                403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
_MESSAGE_FIELDS = {"model", "messages", "max_tokens", "system", "metadata", "stop_sequences",
                   "stream", "temperature", "top_p", "top_k", "tools", "tool_choice",
                   "thinking", "service_tier", "container", "mcp_servers", "context_management"}
_COUNT_FIELDS = {"model", "messages", "system", "tools", "tool_choice", "thinking",
                 "mcp_servers", "context_management"}


def _compressor(encoding: str) -> Callable[[bytes], bytes]:
    """Compress one chunk so that everything so far can be decoded (sync flush)."""
    if encoding == "gzip":
        gz = zlib.compressobj(wbits=31)
        return lambda b: gz.compress(b) + gz.flush(zlib.Z_SYNC_FLUSH)
    if encoding == "deflate":
        df = zlib.compressobj(wbits=zlib.MAX_WBITS)
        return lambda b: df.compress(b) + df.flush(zlib.Z_SYNC_FLUSH)
    if encoding == "br":
        br = brotli.Compressor()
        return lambda b: br.process(b) + br.flush()
    if encoding == "zstd":
        zs = zstandard.ZstdCompressor().compressobj()
        return lambda b: zs.compress(b) + zs.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    raise ValueError(f"unknown encoding {encoding!r}")


def compress_body(data: bytes, encoding: str) -> bytes:
    """``data`` as one complete body in ``encoding``."""
    if encoding == "gzip":
        return zlib.compress(data, wbits=31)
    if encoding == "deflate":
        return zlib.compress(data)
    if encoding == "br":
        return brotli.compress(data)
    if encoding == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(f"unknown encoding {encoding!r}")


def event(name: str, obj: dict[str, Any]) -> bytes:
    return f"event: {name}\n".encode() + b"data: " + orjson.dumps(obj) + b"\n\n"


class FakeAnthropic(FakeUpstream):
    REAL_ORIGIN = "https://api.anthropic.com"

    def __init__(self) -> None:
        super().__init__()
        self.reply_text = "Hello from the fake Anthropic upstream."
        self.chunks = 3
        #: ``{"name": ..., "input": {...}}`` answered as a tool_use block when tools are sent
        self.tool_use: dict[str, Any] | None = None
        #: reported as ``cache_read_input_tokens``
        self.cache_read_tokens = 0
        #: ``None``: any non-empty key is accepted; else only these
        self.valid_keys: set[str] | None = None
        #: Content-Encoding of this fake's own answers (None: uncompressed)
        self.compress: str | None = None
        #: ``input_tokens`` of count_tokens answers (None: estimated from the body)
        self.count_result: int | None = None

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v1/messages/count_tokens", self._count_tokens)

    def error_body(self, status: int, message: str) -> Any:
        return {"type": "error",
                "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message}}

    # -- answers -----------------------------------------------------------------------

    def _json(self, status: int, obj: Any) -> web.Response:
        body = orjson.dumps(obj)
        headers = {"request-id": f"req_fake{self.next_id()}"}
        if self.compress:
            body = compress_body(body, self.compress)
            headers["Content-Encoding"] = self.compress
        return web.Response(status=status, body=body, headers=headers,
                            content_type="application/json")

    def _error(self, status: int, message: str) -> web.Response:
        return self._json(status, self.error_body(status, message))

    def _check(self, request: web.Request, allowed: set[str]) -> web.Response | dict[str, Any]:
        rec = self.recorded(request)
        key = rec.api_key
        if not key or (self.valid_keys is not None and key not in self.valid_keys):
            return self._error(401, "invalid x-api-key")
        if not rec.headers.get("anthropic-version"):
            return self._error(400, "anthropic-version: header is required")
        req = rec.json
        if not isinstance(req, dict):
            return self._error(400, "There was an error parsing the body of your request.")
        for field in req:
            if field not in allowed:
                return self._error(400, f"{field}: Extra inputs are not permitted")
        if not isinstance(req.get("model"), str) or not req["model"]:
            return self._error(400, "model: Field required")
        if not isinstance(req.get("messages"), list):
            return self._error(400, "messages: Field required")
        return req

    async def _count_tokens(self, request: web.Request) -> web.Response:
        req = self._check(request, _COUNT_FIELDS)
        if isinstance(req, web.Response):
            return req
        if self.count_result is not None:
            n = self.count_result
        else:
            text = orjson.dumps([req.get("system"), req["messages"], req.get("tools")])
            n = math.ceil(len(text) / 4)
        return self._json(200, {"input_tokens": n})

    def _usage(self, output: int) -> dict[str, Any]:
        return {"input_tokens": self.usage.input, "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": self.cache_read_tokens, "output_tokens": output,
                "service_tier": "standard"}

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        req = self._check(request, _MESSAGE_FIELDS)
        if isinstance(req, web.Response):
            return req
        if not isinstance(req.get("max_tokens"), int):
            return self._error(400, "max_tokens: Field required")
        model = req["model"]
        tool = self.tool_use if req.get("tools") and self.tool_use else None
        msg_id = f"msg_fake{self.next_id()}"
        tool_id = f"toolu_fake{self.next_id()}"
        stop = "tool_use" if tool else "end_turn"
        if not req.get("stream"):
            content: list[dict[str, Any]] = [{"type": "text", "text": self.reply_text}]
            if tool:
                content.append({"type": "tool_use", "id": tool_id, "name": tool["name"],
                                "input": tool["input"]})
            return self._json(200, {
                "id": msg_id, "type": "message", "role": "assistant", "model": model,
                "content": content, "stop_reason": stop, "stop_sequence": None,
                "usage": self._usage(self.usage.output)})
        events = [
            event("message_start", {"type": "message_start", "message": {
                "id": msg_id, "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": None, "stop_sequence": None,
                "usage": self._usage(1)}}),
            event("content_block_start", {"type": "content_block_start", "index": 0,
                                          "content_block": {"type": "text", "text": ""}}),
            event("ping", {"type": "ping"}),
        ]
        for piece in split_text(self.reply_text, self.chunks):
            events.append(event("content_block_delta", {
                "type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": piece}}))
        events.append(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
        if tool:
            events.append(event("content_block_start", {
                "type": "content_block_start", "index": 1, "content_block": {
                    "type": "tool_use", "id": tool_id, "name": tool["name"], "input": {}}}))
            args = orjson.dumps(tool["input"]).decode()
            for piece in [""] + split_text(args, self.chunks):
                events.append(event("content_block_delta", {
                    "type": "content_block_delta", "index": 1,
                    "delta": {"type": "input_json_delta", "partial_json": piece}}))
            events.append(event("content_block_stop",
                                {"type": "content_block_stop", "index": 1}))
        events.append(event("message_delta", {
            "type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": self.usage.output}}))
        events.append(event("message_stop", {"type": "message_stop"}))
        headers = {"request-id": f"req_fake{self.next_id()}"}
        if self.compress:
            squeeze = _compressor(self.compress)
            events = [squeeze(e) for e in events]
            headers["Content-Encoding"] = self.compress
        return await self.stream(request, events, headers=headers)


__all__ = ["FakeAnthropic", "compress_body", "event"]
