"""Fast fake LLM upstream for benchmarking the proxy, on 127.0.0.1 only.

Routes (JSON, or SSE when the request asks for a stream):
  POST /v1/chat/completions, /chat/completions   OpenAI Chat Completions; a stream ends with a
                                                 usage chunk when stream_options.include_usage
                                                 is true, then ``data: [DONE]``
  POST /v1/messages                              Anthropic Messages (query string ignored)
  POST /v1beta/models/{model}:generateContent    Gemini (also under /v1/models/)
  POST /v1beta/models/{model}:streamGenerateContent[?alt=sse]
  POST /v1/responses, /responses                 OpenAI Responses (the Codex backend's format)
  GET  /v1/models, /v1beta/models, /health
  GET  /stats                                    request counts per route and mode
  POST /stats/reset                              zero the counts

A reply carries ``--chars`` characters of text, split over ``--chunks`` stream events. With
``--delay-ms`` 0 the whole stream leaves in one write (the upstream costs nothing, so every
microsecond measured is the proxy's); with a delay, each event is written on its own after
that pause (a slow model: shows whether a proxy passes chunks through or buffers them), and a
JSON reply waits chunks x delay. Bodies are encoded once per (format, model) and only the id
is patched per request, so the fake stays far cheaper than anything it is used to measure.

    python bench/fake_upstream.py --port 18090 --chunks 20 --chars 400 --delay-ms 0
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

ID_MARK = b"@@FAKEID@@FAKEID@@FAKEID"  # 24 bytes, replaced by a fresh id in every reply
_ids = itertools.count(1)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def fresh_id() -> bytes:
    return b"%024x" % next(_ids)


def split_text(text: str, n: int) -> list[str]:
    """n non-empty pieces of text, as even as possible (fewer when text is shorter)."""
    n = max(1, min(n, len(text)))
    size, extra = divmod(len(text), n)
    pieces, pos = [], 0
    for i in range(n):
        step = size + (1 if i < extra else 0)
        pieces.append(text[pos:pos + step])
        pos += step
    return pieces


def sse(data: Any, event: str | None = None) -> bytes:
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + orjson.dumps(data) + b"\n\n"


class Bodies:
    """Encoded replies per (kind, model, variant), built on first use."""

    def __init__(self, chunks: int, chars: int) -> None:
        words = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog",
                 "while", "a", "proxy", "relays", "it"]
        text = " ".join(itertools.islice(itertools.cycle(words), chars))[:chars]
        self.text = text
        self.parts = split_text(text, chunks)
        self.in_tokens = 12
        self.out_tokens = max(1, chars // 4)
        self._cache: dict[tuple, Any] = {}
        self.created = int(time.time())

    def get(self, kind: str, model: str, variant: bool = False) -> Any:
        key = (kind, model, variant)
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) > 512:  # a client cycling model names must not grow us
                self._cache.clear()
            build: Callable[[str, bool], Any] = getattr(self, "_" + kind)
            hit = self._cache[key] = build(model, variant)
        return hit

    # OpenAI Chat Completions -----------------------------------------------------------
    def _usage_openai(self) -> dict[str, int]:
        return {"prompt_tokens": self.in_tokens, "completion_tokens": self.out_tokens,
                "total_tokens": self.in_tokens + self.out_tokens}

    def _openai(self, model: str, _: bool) -> bytes:
        return orjson.dumps({
            "id": "chatcmpl-" + ID_MARK.decode(), "object": "chat.completion",
            "created": self.created, "model": model, "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": self.text,
                                     "refusal": None}}],
            "usage": self._usage_openai()})

    def _openai_stream(self, model: str, include_usage: bool) -> list[bytes]:
        head = {"id": "chatcmpl-" + ID_MARK.decode(), "object": "chat.completion.chunk",
                "created": self.created, "model": model, "system_fingerprint": "fp_fake"}

        def chunk(delta: dict, finish: str | None = None) -> bytes:
            return sse({**head, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                             "finish_reason": finish}]})

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [chunk({"content": p}) for p in self.parts]
        events.append(chunk({}, "stop"))
        if include_usage:
            events.append(sse({**head, "choices": [], "usage": self._usage_openai()}))
        events.append(b"data: [DONE]\n\n")
        return events

    # Anthropic Messages ----------------------------------------------------------------
    def _usage_claude(self, output: int) -> dict[str, int]:
        return {"input_tokens": self.in_tokens, "output_tokens": output,
                "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}

    def _claude(self, model: str, _: bool) -> bytes:
        return orjson.dumps({
            "id": "msg_" + ID_MARK.decode(), "type": "message", "role": "assistant",
            "model": model, "content": [{"type": "text", "text": self.text}],
            "stop_reason": "end_turn", "stop_sequence": None,
            "usage": self._usage_claude(self.out_tokens)})

    def _claude_stream(self, model: str, _: bool) -> list[bytes]:
        start: dict[str, Any] = {
            "id": "msg_" + ID_MARK.decode(), "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": self._usage_claude(1)}
        events = [sse({"type": "message_start", "message": start}, "message_start"),
                  sse({"type": "content_block_start", "index": 0,
                       "content_block": {"type": "text", "text": ""}}, "content_block_start"),
                  sse({"type": "ping"}, "ping")]
        events += [sse({"type": "content_block_delta", "index": 0,
                        "delta": {"type": "text_delta", "text": p}}, "content_block_delta")
                   for p in self.parts]
        events += [sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                   sse({"type": "message_delta",
                        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                        "usage": {"output_tokens": self.out_tokens}}, "message_delta"),
                   sse({"type": "message_stop"}, "message_stop")]
        return events

    # Gemini ----------------------------------------------------------------------------
    def _gemini_obj(self, model: str, text: str, last: bool) -> dict[str, Any]:
        cand: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]},
                                "index": 0}
        obj: dict[str, Any] = {"candidates": [cand], "modelVersion": model,
                               "responseId": ID_MARK.decode()}
        if last:
            cand["finishReason"] = "STOP"
            obj["usageMetadata"] = {"promptTokenCount": self.in_tokens,
                                    "candidatesTokenCount": self.out_tokens,
                                    "totalTokenCount": self.in_tokens + self.out_tokens}
        return obj

    def _gemini(self, model: str, _: bool) -> bytes:
        return orjson.dumps(self._gemini_obj(model, self.text, True))

    def _gemini_stream(self, model: str, as_sse: bool) -> list[bytes]:
        last = len(self.parts) - 1
        objs = [orjson.dumps(self._gemini_obj(model, p, i == last))
                for i, p in enumerate(self.parts)]
        if as_sse:  # Google frames events with CRLF CRLF
            return [b"data: " + o + b"\r\n\r\n" for o in objs]
        return [(b"[" if i == 0 else b",\r\n") + o + (b"]" if i == last else b"")
                for i, o in enumerate(objs)]

    # OpenAI Responses ------------------------------------------------------------------
    def _response_obj(self, model: str, done: bool) -> dict[str, Any]:
        rid = "resp_" + ID_MARK.decode()
        obj: dict[str, Any] = {"id": rid, "object": "response", "created_at": self.created,
                               "status": "completed" if done else "in_progress",
                               "model": model, "output": [], "usage": None}
        if done:
            obj["output"] = [{"id": "msg_" + ID_MARK.decode(), "type": "message",
                              "status": "completed", "role": "assistant",
                              "content": [{"type": "output_text", "text": self.text,
                                           "annotations": []}]}]
            obj["usage"] = {"input_tokens": self.in_tokens,
                            "input_tokens_details": {"cached_tokens": 0},
                            "output_tokens": self.out_tokens,
                            "output_tokens_details": {"reasoning_tokens": 0},
                            "total_tokens": self.in_tokens + self.out_tokens}
        return obj

    def _responses(self, model: str, _: bool) -> bytes:
        return orjson.dumps(self._response_obj(model, True))

    def _responses_stream(self, model: str, _: bool) -> list[bytes]:
        seq = itertools.count()
        item_id = "msg_" + ID_MARK.decode()

        def ev(kind: str, **fields: Any) -> bytes:
            return sse({"type": kind, "sequence_number": next(seq), **fields}, kind)

        item = {"id": item_id, "type": "message", "status": "in_progress",
                "role": "assistant", "content": []}
        part = {"type": "output_text", "text": "", "annotations": []}
        where = {"item_id": item_id, "output_index": 0, "content_index": 0}
        done = self._response_obj(model, True)
        events = [ev("response.created", response=self._response_obj(model, False)),
                  ev("response.in_progress", response=self._response_obj(model, False)),
                  ev("response.output_item.added", output_index=0, item=item),
                  ev("response.content_part.added", part=part, **where)]
        events += [ev("response.output_text.delta", delta=p, **where) for p in self.parts]
        events += [ev("response.output_text.done", text=self.text, **where),
                   ev("response.content_part.done",
                      part={**part, "text": self.text}, **where),
                   ev("response.output_item.done", output_index=0,
                      item=done["output"][0]),
                   ev("response.completed", response=done)]
        return events


class Fake:
    def __init__(self, bodies: Bodies, delay_ms: float) -> None:
        self.bodies = bodies
        self.delay = delay_ms / 1000.0
        self.counts: dict[str, int] = {}

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(body=b'{"error":{"message":"body must be a JSON object"}}',
                                     content_type="application/json")
        return body

    async def _stream(self, request: web.Request, events: list[bytes]) -> web.StreamResponse:
        rid = fresh_id()
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        if self.delay <= 0:
            await resp.write(b"".join(events).replace(ID_MARK, rid))
        else:
            for event in events:
                await asyncio.sleep(self.delay)
                await resp.write(event.replace(ID_MARK, rid))
        await resp.write_eof()
        return resp

    async def _json(self, body: bytes) -> web.Response:
        if self.delay > 0:  # as slow as the stream would be
            await asyncio.sleep(self.delay * len(self.bodies.parts))
        return web.Response(body=body.replace(ID_MARK, fresh_id()),
                            content_type="application/json")

    async def openai(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        model = str(body.get("model") or "gpt-mock")
        if body.get("stream") is True:
            opts = body.get("stream_options")
            usage = isinstance(opts, dict) and opts.get("include_usage") is True
            self._count("openai_stream")
            return await self._stream(request, self.bodies.get("openai_stream", model, usage))
        self._count("openai")
        return await self._json(self.bodies.get("openai", model))

    async def claude(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        model = str(body.get("model") or "claude-mock")
        if body.get("stream") is True:
            self._count("claude_stream")
            return await self._stream(request, self.bodies.get("claude_stream", model))
        self._count("claude")
        return await self._json(self.bodies.get("claude", model))

    async def gemini(self, request: web.Request) -> web.StreamResponse:
        model, _, action = request.match_info["target"].partition(":")
        await self._json_body(request)
        if action == "generateContent":
            self._count("gemini")
            return await self._json(self.bodies.get("gemini", model))
        if action == "streamGenerateContent":
            as_sse = request.query.get("alt") == "sse"
            self._count("gemini_stream")
            events = self.bodies.get("gemini_stream", model, as_sse)
            if as_sse:
                return await self._stream(request, events)
            return await self._json(b"".join(events))
        raise web.HTTPNotFound(body=b'{"error":{"message":"unknown Gemini method"}}',
                               content_type="application/json")

    async def responses(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        model = str(body.get("model") or "gpt-5")
        if body.get("stream") is True:
            self._count("responses_stream")
            return await self._stream(request, self.bodies.get("responses_stream", model))
        self._count("responses")
        return await self._json(self.bodies.get("responses", model))

    async def models(self, request: web.Request) -> web.Response:
        if request.path.startswith("/v1beta"):
            return web.json_response({"models": [{"name": "models/gemini-2.5-flash"}]})
        return web.json_response({"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"}
            for m in ("gpt-mock", "claude-mock", "gpt-5")]})

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.counts, dumps=lambda o: orjson.dumps(o).decode())

    async def reset(self, request: web.Request) -> web.Response:
        self.counts.clear()
        return web.json_response({})


def make_app(chunks: int = 20, chars: int = 400, delay_ms: float = 0.0) -> web.Application:
    fake = Fake(Bodies(chunks, chars), delay_ms)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.add_routes([
        web.post("/v1/chat/completions", fake.openai),
        web.post("/chat/completions", fake.openai),
        web.post("/v1/messages", fake.claude),
        web.post("/v1beta/models/{target}", fake.gemini),
        web.post("/v1/models/{target}", fake.gemini),
        web.post("/v1/responses", fake.responses),
        web.post("/responses", fake.responses),
        web.get("/v1/models", fake.models),
        web.get("/v1beta/models", fake.models),
        web.get("/health", fake.health),
        web.get("/stats", fake.stats),
        web.post("/stats/reset", fake.reset),
    ])
    return app


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--chunks", type=int, default=20, help="text events per stream")
    ap.add_argument("--chars", type=int, default=400, help="reply text length")
    ap.add_argument("--delay-ms", type=float, default=0.0, help="pause before each event")
    a = ap.parse_args(argv)
    if a.host not in LOOPBACK and not a.host.startswith("127."):
        ap.error("the fake upstream binds loopback addresses only")
    if a.chunks < 1 or a.chars < 1:
        ap.error("--chunks and --chars must be >= 1")
    if sys.platform != "win32":
        import uvloop
        uvloop.install()
    web.run_app(make_app(a.chunks, a.chars, a.delay_ms), host=a.host, port=a.port,
                access_log=None, print=None, backlog=1024, handle_signals=True)


if __name__ == "__main__":
    main()
