"""A fake OpenAI Responses API: the ChatGPT Codex backend and ``api.openai.com/v1/responses``.

The Codex backend (``/backend-api/codex/responses``) only streams; ``/v1/responses`` also
answers non-stream requests with the response object, like the public API.

Steering: ``fake.tool_call`` (a function_call item when the request has tools),
``fake.end_before_completed`` (the stream closes cleanly without ``response.completed``),
``fake.fail_event = "response.failed" | "error"`` (that event instead of the completion).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .base import FakeUpstream, json_response, sse_event
from .openai import split_text


class FakeCodex(FakeUpstream):
    REAL_ORIGIN = "https://chatgpt.com"

    def __init__(self) -> None:
        super().__init__()
        self.reply_text = "Hello from the fake Codex upstream."
        self.chunks = 3
        #: ``{"name": ..., "arguments": "<json text>"}`` answered when the request has tools
        self.tool_call: dict[str, str] | None = None
        self.end_before_completed = False
        self.fail_event: str | None = None
        #: ``code`` / ``message`` of the failure event
        self.fail_code = "server_error"
        self.fail_message = "An error occurred while processing your request."

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/backend-api/codex/responses", self._codex)
        app.router.add_post("/v1/responses", self._public)

    def error_body(self, status: int, message: str) -> Any:
        if status == 429:
            return {"error": {"type": "usage_limit_reached", "message": message,
                              "plan_type": "plus", "resets_in_seconds": 1800}}
        kind = "invalid_request_error" if status < 500 else "server_error"
        return {"error": {"message": message, "type": kind, "param": None,
                          "code": "invalid_api_key" if status == 401 else None}}

    def _auth_error(self, request: web.Request) -> web.Response | None:
        if not self.recorded(request).api_key:
            return json_response(401, self.error_body(
                401, "Missing bearer or basic authentication in header"))
        return None

    async def _codex(self, request: web.Request) -> web.StreamResponse:
        if (err := self._auth_error(request)) is not None:
            return err
        req = self.recorded(request).json
        if not isinstance(req, dict):
            return json_response(400, {"detail": "Invalid JSON body"})
        if req.get("stream") is not True:
            return json_response(400, {"detail": "Stream must be set to true"})
        return await self._respond(request, req)

    async def _public(self, request: web.Request) -> web.StreamResponse:
        if (err := self._auth_error(request)) is not None:
            return err
        req = self.recorded(request).json
        if not isinstance(req, dict):
            return json_response(400, self.error_body(400, "Invalid JSON body"))
        return await self._respond(request, req)

    # -- protocol ----------------------------------------------------------------------

    def usage_object(self) -> dict[str, Any]:
        u = self.usage
        return {"input_tokens": u.input, "input_tokens_details": {"cached_tokens": u.cached},
                "output_tokens": u.output,
                "output_tokens_details": {"reasoning_tokens": u.reasoning},
                "total_tokens": u.input + u.output}

    def _response_object(self, req: dict[str, Any], rid: str, status: str,
                         output: list[dict[str, Any]]) -> dict[str, Any]:
        reasoning = req.get("reasoning") if isinstance(req.get("reasoning"), dict) else {}
        return {
            "id": rid, "object": "response", "created_at": int(time.time()), "status": status,
            "background": False, "error": None, "incomplete_details": None,
            "instructions": req.get("instructions"), "max_output_tokens": None,
            "model": req.get("model"), "output": output, "parallel_tool_calls": True,
            "previous_response_id": None, "prompt_cache_key": req.get("prompt_cache_key"),
            "reasoning": {"effort": reasoning.get("effort"), "summary": None},
            "service_tier": "auto", "store": False, "temperature": 1.0,
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": req.get("tool_choice", "auto"), "tools": req.get("tools") or [],
            "top_p": 1.0, "truncation": "disabled",
            "usage": self.usage_object() if status == "completed" else None,
            "user": None, "metadata": {}}

    def _output_items(self, req: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        n = self.next_id()
        message = {"id": f"msg_fake{n}", "type": "message", "status": "completed",
                   "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                                "text": self.reply_text}], "role": "assistant"}
        call = None
        if req.get("tools") and self.tool_call:
            call = {"id": f"fc_fake{n}", "type": "function_call", "status": "completed",
                    "arguments": self.tool_call["arguments"], "call_id": f"call_fake{n}",
                    "name": self.tool_call["name"]}
        return message, call

    async def _respond(self, request: web.Request, req: dict[str, Any]) -> web.StreamResponse:
        rid = f"resp_fake{self.next_id()}"
        message, call = self._output_items(req)
        output = [message] + ([call] if call else [])
        if not req.get("stream"):
            return json_response(200, self._response_object(req, rid, "completed", output))
        return await self.stream(request, self._events(req, rid, message, call))

    def _events(self, req: dict[str, Any], rid: str, message: dict[str, Any],
                call: dict[str, Any] | None) -> list[bytes]:
        seq = 0
        out: list[bytes] = []

        def emit(kind: str, **fields: Any) -> None:
            nonlocal seq
            out.append(sse_event({"type": kind, "sequence_number": seq, **fields}, kind))
            seq += 1

        emit("response.created", response=self._response_object(req, rid, "in_progress", []))
        emit("response.in_progress", response=self._response_object(req, rid, "in_progress",
                                                                     []))
        mid = message["id"]
        emit("response.output_item.added", output_index=0,
             item={**message, "status": "in_progress", "content": []})
        empty_part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        emit("response.content_part.added", item_id=mid, output_index=0, content_index=0,
             part=empty_part)
        for piece in split_text(self.reply_text, self.chunks):
            emit("response.output_text.delta", item_id=mid, output_index=0, content_index=0,
                 delta=piece, logprobs=[])
        emit("response.output_text.done", item_id=mid, output_index=0, content_index=0,
             text=self.reply_text, logprobs=[])
        emit("response.content_part.done", item_id=mid, output_index=0, content_index=0,
             part=message["content"][0])
        emit("response.output_item.done", output_index=0, item=message)
        if call:
            emit("response.output_item.added", output_index=1,
                 item={**call, "status": "in_progress", "arguments": ""})
            for piece in split_text(call["arguments"], self.chunks):
                emit("response.function_call_arguments.delta", item_id=call["id"],
                     output_index=1, delta=piece)
            emit("response.function_call_arguments.done", item_id=call["id"], output_index=1,
                 arguments=call["arguments"])
            emit("response.output_item.done", output_index=1, item=call)
        if self.end_before_completed:
            return out
        if self.fail_event == "response.failed":
            failed = self._response_object(req, rid, "failed", [])
            failed["error"] = {"code": self.fail_code, "message": self.fail_message}
            emit("response.failed", response=failed)
        elif self.fail_event == "error":
            emit("error", code=self.fail_code, message=self.fail_message, param=None)
        else:
            emit("response.completed", response=self._response_object(
                req, rid, "completed", [message] + ([call] if call else [])))
        return out


__all__ = ["FakeCodex"]
