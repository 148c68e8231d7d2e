"""Shared machinery of the fake upstreams: a real aiohttp server on 127.0.0.1.

A fake records every request it receives and answers like the real API. Tests steer it:

* ``fake.script(FakeResponse(...))`` — one-shot answers, used in order, before the
  fake's normal behaviour;
* ``fake.fail_for_key(key, status, body)`` — every request authenticated with ``key``
  gets that error (failover and round-robin tests);
* ``fake.usage`` — the token counts the fake reports;
* ``fake.chunk_delay`` — seconds between stream chunks;
* ``fake.hang_stream_after(n)`` — streams send ``n`` chunks then stall (disconnect tests);
  ``fake.streams_aborted`` counts streams whose client went away.

Subclasses set ``REAL_ORIGIN`` (and ``EXTRA_ORIGINS`` when they also serve other real
hosts, e.g. an OAuth token endpoint) and add their routes in ``setup_routes``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Self

import orjson
from aiohttp import web


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    #: lower-case header names
    headers: dict[str, str]
    body: bytes
    json: Any  # parsed body, None when empty or not JSON

    @property
    def api_key(self) -> str:
        return key_of(self.headers, self.query)


_RECORD: web.RequestKey[RecordedRequest] = web.RequestKey("fake_record", RecordedRequest)


@dataclass(slots=True)
class FakeResponse:
    """One scripted answer. ``json`` wins over ``body``; ``chunks`` streams the bytes given."""

    status: int = 200
    json: Any = None
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: list[bytes] | None = None
    content_type: str = ""


@dataclass(slots=True)
class FakeUsage:
    input: int = 11
    output: int = 7
    cached: int = 3
    reasoning: int = 2


def key_of(headers: dict[str, str], query: dict[str, str]) -> str:
    """The credential a request carries, however the API expects it."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return (headers.get("x-api-key") or headers.get("x-goog-api-key")
            or query.get("key", "")).strip()


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(obj), headers=headers,
                        content_type="application/json")


class FakeUpstream:
    REAL_ORIGIN: str = ""
    EXTRA_ORIGINS: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.usage = FakeUsage()
        self.chunk_delay = 0.0
        self.streams_aborted = 0
        self._scripted: list[FakeResponse] = []
        self._failing: dict[str, tuple[int, Any]] = {}
        self._hang_after: int | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._ids = itertools.count(1)
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 ** 2)
        self.setup_routes(app)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        # a short shutdown timeout: a stalled stream must not hold a test for a minute
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, access_log=None,
                                     handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    @staticmethod
    def recorded(request: web.Request) -> RecordedRequest:
        """The record of ``request`` (not ``last``: requests may run concurrently)."""
        return request[_RECORD]

    def next_id(self) -> int:
        return next(self._ids)

    # -- programming -------------------------------------------------------------------

    def script(self, *responses: FakeResponse) -> None:
        self._scripted.extend(responses)

    def fail_for_key(self, api_key: str, status: int = 429, body: Any = None) -> None:
        """``body``: dict (sent as JSON), bytes/str, or None for the API's own error shape."""
        self._failing[api_key] = (status, body)

    def clear_failures(self) -> None:
        self._failing.clear()

    def hang_stream_after(self, n: int | None) -> None:
        self._hang_after = n

    # -- for subclasses ----------------------------------------------------------------

    def setup_routes(self, app: web.Application) -> None:
        """Add the API's routes."""

    def error_body(self, status: int, message: str) -> Any:
        """The API's error JSON for ``status``; subclasses give the real shape."""
        return {"error": {"message": message, "code": status}}

    async def stream(self, request: web.Request, chunks: Iterable[bytes], *,
                     content_type: str = "text/event-stream",
                     headers: dict[str, str] | None = None) -> web.StreamResponse:
        """Send ``chunks`` one write each, honouring ``chunk_delay`` and ``hang_stream_after``."""
        resp = web.StreamResponse(status=200, headers=headers)
        resp.content_type = content_type
        if content_type == "text/event-stream":
            resp.headers.setdefault("Cache-Control", "no-cache")
        await resp.prepare(request)
        sent = 0
        try:
            for chunk in chunks:
                if self._hang_after is not None and sent >= self._hang_after:
                    await self._stopping.wait()
                    return resp
                if self.chunk_delay and sent:
                    await asyncio.sleep(self.chunk_delay)
                await resp.write(chunk)
                sent += 1
            await resp.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            self.streams_aborted += 1
            raise
        return resp

    # -- internals ---------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        parsed: Any = None
        if body:
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError:
                parsed = None
        rec = RecordedRequest(
            method=request.method, path=request.path, query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()}, body=body, json=parsed)
        self.requests.append(rec)
        request[_RECORD] = rec
        failing = self._failing.get(rec.api_key) if self._failing else None
        if failing is not None:
            status, fbody = failing
            if fbody is None:
                fbody = self.error_body(status, f"fake failure for this key ({status})")
            return self._render(FakeResponse(status=status, json=fbody)
                                if isinstance(fbody, (dict, list))
                                else FakeResponse(status=status, body=fbody))
        if self._scripted:
            scripted = self._scripted.pop(0)
            if scripted.delay:
                await asyncio.sleep(scripted.delay)
            if scripted.chunks is not None:
                return await self.stream(request, scripted.chunks,
                                         content_type=scripted.content_type
                                         or "text/event-stream", headers=scripted.headers)
            return self._render(scripted)
        return await handler(request)

    @staticmethod
    def _render(r: FakeResponse) -> web.Response:
        if r.json is not None:
            return web.Response(status=r.status, body=orjson.dumps(r.json), headers=r.headers,
                                content_type=r.content_type or "application/json")
        body = r.body.encode() if isinstance(r.body, str) else r.body
        headers = dict(r.headers)
        if r.content_type:
            headers["Content-Type"] = r.content_type
        elif not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return web.Response(status=r.status, body=body, headers=headers)

    async def _not_found(self, request: web.Request) -> web.Response:
        return json_response(404, self.error_body(404, f"no route {request.method} "
                                                       f"{request.path}"))


def upstream_map_env(*fakes: FakeUpstream) -> str:
    """``CLIPROXY_UPSTREAM_MAP`` value sending each fake's real origins to the fake."""
    pairs = []
    for fake in fakes:
        for origin in (fake.REAL_ORIGIN, *fake.EXTRA_ORIGINS):
            if origin:
                pairs.append(f"{origin}={fake.url}")
    return ",".join(pairs)


def sse_event(obj: Any, event: str | None = None) -> bytes:
    """One SSE event: optional ``event:`` line, ``data: <json>``, blank line."""
    data = b"data: " + orjson.dumps(obj) + b"\n\n"
    return (f"event: {event}\n".encode() + data) if event else data


__all__ = ["FakeResponse", "FakeUpstream", "FakeUsage", "RecordedRequest", "json_response",
           "key_of", "sse_event", "upstream_map_env"]
