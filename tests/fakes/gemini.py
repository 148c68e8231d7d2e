"""A fake Gemini API (``generativelanguage.googleapis.com`` ``v1beta``)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from .base import FakeUpstream, json_response
from .openai import split_text

_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                 503: "UNAVAILABLE"}
_GENERATE_FIELDS = {"contents", "tools", "toolConfig", "tool_config", "safetySettings",
                    "safety_settings", "systemInstruction", "system_instruction",
                    "generationConfig", "generation_config", "cachedContent", "cached_content",
                    "labels"}
_COUNT_FIELDS = {"contents", "generateContentRequest", "generate_content_request",
                 "systemInstruction", "system_instruction"}


class FakeGemini(FakeUpstream):
    REAL_ORIGIN = "https://generativelanguage.googleapis.com"

    def __init__(self) -> None:
        super().__init__()
        self.reply_text = "Hello from the fake Gemini upstream."
        self.thought_text = "Thinking it over."
        self.chunks = 3
        #: ``{"name": ..., "args": {...}}`` answered when the request has tools
        self.tool_call: dict[str, Any] | None = None
        #: ``totalTokens`` of countTokens answers (None: ``usage.input``)
        self.count_total: int | None = None
        self.models = ["gemini-2.5-pro", "gemini-2.5-flash"]

    def setup_routes(self, app: web.Application) -> None:
        for version in ("v1beta", "v1"):
            app.router.add_post(f"/{version}/models/{{target}}", self._model_call)
            app.router.add_get(f"/{version}/models", self._list)

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"code": status, "message": message,
                          "status": _STATUS_NAMES.get(status, "UNKNOWN")}}

    def _error(self, status: int, message: str) -> web.Response:
        return json_response(status, self.error_body(status, message))

    async def _list(self, request: web.Request) -> web.Response:
        if not self.recorded(request).api_key:
            return self._unregistered()
        return json_response(200, {"models": [
            {"name": f"models/{m}", "displayName": m, "supportedGenerationMethods":
             ["generateContent", "countTokens"]} for m in self.models]})

    def _unregistered(self) -> web.Response:
        return self._error(403, "Method doesn't allow unregistered callers (callers without "
                                "established identity). Please use API Key or other form of "
                                "API consumer identity to call this API.")

    async def _model_call(self, request: web.Request) -> web.StreamResponse:
        rec = self.recorded(request)
        if not rec.api_key:
            return self._unregistered()
        model, _, action = request.match_info["target"].rpartition(":")
        if not model or action not in ("generateContent", "streamGenerateContent",
                                       "countTokens"):
            return self._error(404, f"Method not found: {request.match_info['target']}")
        req = rec.json
        if not isinstance(req, dict):
            return self._error(400, "Invalid JSON payload received.")
        allowed = _COUNT_FIELDS if action == "countTokens" else _GENERATE_FIELDS
        for key in req:
            if key not in allowed:
                return self._error(400, f'Invalid JSON payload received. Unknown name "{key}": '
                                        "Cannot find field.")
        if action == "countTokens":
            total = self.count_total if self.count_total is not None else self.usage.input
            return json_response(200, {"totalTokens": total, "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": total}]})
        if not req.get("contents"):
            return self._error(400, "* GenerateContentRequest.contents: contents is not "
                                    "specified\n")
        alt = rec.query.get("alt") or rec.query.get("$alt") or ""
        rid = f"fake-response-{self.next_id()}"
        if action == "generateContent":
            return json_response(200, self._response(model, rid, self._parts(req), "STOP",
                                                     self._usage_metadata()))
        pieces = self._stream_parts(req)
        objs = []
        for i, parts in enumerate(pieces):
            final = i == len(pieces) - 1
            usage = self._usage_metadata() if final else self._partial_usage(i + 1, len(pieces))
            objs.append(self._response(model, rid, parts, "STOP" if final else None, usage))
        if alt == "sse":
            return await self.stream(request, [b"data: " + orjson.dumps(o) + b"\r\n\r\n"
                                               for o in objs])
        # Google's JSON-array streaming: pretty-printed elements separated by ",\r\n"
        chunks = [(b"[" if i == 0 else b",\r\n") + orjson.dumps(o, option=orjson.OPT_INDENT_2)
                  + b"\n" for i, o in enumerate(objs)]
        chunks.append(b"]")
        return await self.stream(request, chunks, content_type="application/json")

    def _include_thoughts(self, req: dict[str, Any]) -> bool:
        tc = (req.get("generationConfig") or {}).get("thinkingConfig") or {}
        return bool(tc.get("includeThoughts") or tc.get("include_thoughts"))

    def _parts(self, req: dict[str, Any]) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        if self._include_thoughts(req):
            parts.append({"text": self.thought_text, "thought": True})
        if req.get("tools") and self.tool_call:
            parts.append({"functionCall": dict(self.tool_call)})
        else:
            parts.append({"text": self.reply_text})
        return parts

    def _stream_parts(self, req: dict[str, Any]) -> list[list[dict[str, Any]]]:
        out: list[list[dict[str, Any]]] = []
        if self._include_thoughts(req):
            out.append([{"text": self.thought_text, "thought": True}])
        if req.get("tools") and self.tool_call:
            out.append([{"functionCall": dict(self.tool_call)}])
        else:
            out.extend([{"text": p}] for p in split_text(self.reply_text, self.chunks))
        return out

    def _usage_metadata(self) -> dict[str, Any]:
        u = self.usage
        meta: dict[str, Any] = {"promptTokenCount": u.input, "candidatesTokenCount": u.output,
                                "totalTokenCount": u.input + u.output + u.reasoning,
                                "promptTokensDetails": [{"modality": "TEXT",
                                                         "tokenCount": u.input}]}
        if u.cached:
            meta["cachedContentTokenCount"] = u.cached
        if u.reasoning:
            meta["thoughtsTokenCount"] = u.reasoning
        return meta

    def _partial_usage(self, i: int, n: int) -> dict[str, Any]:
        out = self.usage.output * i // n
        return {"promptTokenCount": self.usage.input, "candidatesTokenCount": out,
                "totalTokenCount": self.usage.input + out}

    @staticmethod
    def _response(model: str, rid: str, parts: list[dict[str, Any]], finish: str | None,
                  usage: dict[str, Any]) -> dict[str, Any]:
        cand: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            cand["finishReason"] = finish
        return {"candidates": [cand], "usageMetadata": usage, "modelVersion": model,
                "responseId": rid}


__all__ = ["FakeGemini"]
