"""The one request path: model → providers → credential → translate → executor → client.

``ProxyCore`` holds what a request needs (registry, manager, executors, the current
access checker) and turns one parsed client request into a response. Route modules only
read and validate the client's body; everything after that is here, shared by every
client format.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from ..auth.model import Credential
from ..clock import SYSTEM_CLOCK, Clock
from ..errors import (
    NotImplementedRouteError,
    ProxyError,
    StreamError,
    UnknownModelError,
)
from .. import jsonfast, request_log
from ..masking import hide
from ..providers import HttpPool, build_executor
from ..providers.base import ExecRequest, ExecResult, Executor, UpstreamStream, UsageDetail
from ..registry import ModelRegistry, resolve_model
from ..translate import Pair, get_pair
from ..usage import UsageRecord, new_request_id
from . import errors as error_bodies
from .access import AccessChecker
from .completions import chat_chunk_to_completions, chat_response_to_completions
from .sse import SSE_HEADERS, end_of_stream, frame_for

log = logging.getLogger("cliproxy_tui.server")

_JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(slots=True)
class ClientCall:
    """One parsed client request, as the route handlers hand it over."""

    fmt: str
    model: str
    body: dict[str, Any]
    stream: bool
    alt: str = ""
    principal: str = ""
    headers: Any = field(default_factory=dict)
    #: the aiohttp request (streams are prepared on it)
    request: Any = None
    #: set by /v1/completions: convert the chat answer back to the legacy shape
    legacy_completions: bool = False


class ProxyCore:
    def __init__(self, registry: ModelRegistry, manager: Any, pool: HttpPool,
                 usage_sink: Callable[[UsageRecord], None], *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.registry = registry
        self.manager = manager
        self.pool = pool
        self.usage_sink = usage_sink
        self.clock = clock
        self.access = AccessChecker(())
        self.compat_names: frozenset[str] = frozenset()
        self.max_body_bytes = 32 * 1024 * 1024
        #: where ``request-log: true`` writes its files; None while it is off
        self.request_log_dir: str | None = None
        self._executors: dict[str, Executor] = {}
        #: live upstream streams, closed on shutdown so that handlers finish at once
        self.open_streams: set[UpstreamStream] = set()

    # -- executors ---------------------------------------------------------------------

    def executor(self, provider: str) -> Executor:
        ex = self._executors.get(provider)
        if ex is None:
            ex = self._executors[provider] = build_executor(provider, self.pool)
        return ex

    def reset_executors(self) -> None:
        """Drop executor instances so the next request builds them with the new config."""
        self._executors.clear()

    # -- the request path --------------------------------------------------------------

    def _route(self, call: ClientCall) -> tuple[str, list[str], dict[str, Any]]:
        resolved = resolve_model(call.model, self.compat_names)
        providers = resolved.providers
        if providers is None:
            providers = self.registry.providers_for(resolved.model)
            if not providers:
                providers = self._family_providers(resolved.model)
        if not providers:
            raise UnknownModelError(call.model)
        metadata = resolved.metadata
        if call.fmt == "claude":
            # the Codex executor keys its prompt cache on the Claude client's user id,
            # which translated bodies do not carry
            meta = call.body.get("metadata")
            user_id = meta.get("user_id") if isinstance(meta, dict) else None
            if isinstance(user_id, str) and user_id:
                metadata = {**metadata, "user_id": user_id}
        return resolved.model, providers, metadata

    def _family_providers(self, model: str) -> list[str]:
        """Providers for a model newer than the built-in catalog, by its name's family.

        Claude Code and the Codex CLI default to models released after our catalog was
        written; a user with a Claude or Codex key expects those to work. Only credentials
        that offer the provider's whole catalog qualify (a key with its own ``models``
        list offers exactly those).
        """
        for prefix, family in _MODEL_FAMILIES:
            if model.startswith(prefix):
                present = {c.provider for c in self.manager.all()
                           if not c.disabled and not c.models
                           and "compat_name" not in c.attributes}
                return [p for p in family if p in present]
        return []

    def _prepare(self, call: ClientCall, model: str, metadata: dict[str, Any],
                 cred: Credential) -> tuple[Executor, Pair, ExecRequest]:
        ex = self.executor(cred.provider)
        rl = request_log.CURRENT.get()
        if rl is not None:
            rl.credential(cred)
        pair = get_pair(call.fmt, ex.native_format)
        if pair is None:
            raise NotImplementedRouteError(
                f"model {call.model} is served by provider {cred.provider}, which speaks the "
                f"{ex.native_format} API; translation from the {call.fmt} API to it is not "
                "available in this version")
        body = pair.request(model, call.body, call.stream)
        req = ExecRequest(model=model, body=body, stream=call.stream, source_format=call.fmt,
                          alt=_upstream_alt(call), metadata=metadata,
                          client_headers=call.headers)
        return ex, pair, req

    async def generate(self, call: ClientCall) -> web.StreamResponse:
        started = self.clock.monotonic()
        at = self.clock.now()
        try:
            model, providers, metadata = self._route(call)
        except ProxyError as err:
            return self.error_response(call.fmt, err)

        async def attempt(cred: Credential) -> tuple[Pair, Any]:
            ex, pair, req = self._prepare(call, model, metadata, cred)
            if call.stream:
                return pair, await ex.execute_stream(cred, req)
            return pair, await ex.execute(cred, req)

        try:
            # a stream's outcome is recorded when it ends, not when its headers arrive
            (pair, result), cred = await self.manager.execute(model, providers, attempt,
                                                              record_success=not call.stream)
        except ProxyError as err:
            self._record(call, at, started, model, None, None, err.status, None, None)
            return self.error_response(call.fmt, err)
        if call.stream:
            return await self._stream(call, at, started, model, cred, pair, result)
        return self._complete(call, at, started, model, cred, pair, result)

    def _complete(self, call: ClientCall, at: float, started: float, model: str,
                  cred: Credential, pair: Pair, result: ExecResult) -> web.Response:
        state = pair.new_stream(model, call.body)
        try:
            body = pair.response(state, result.body)
            if call.legacy_completions:
                body = _legacy_completion_body(body)
        except Exception as exc:  # a translator bug must not take the server down
            log.exception("translating the %s answer failed", pair.upstream)
            err = StreamError(f"could not translate the upstream answer: {exc}")
            self._record(call, at, started, model, cred, result.upstream_model, err.status,
                         result.usage, None)
            return self.error_response(call.fmt, err)
        self._record(call, at, started, model, cred, result.upstream_model, 200, result.usage,
                     None)
        return web.Response(body=body, headers=_JSON_HEADERS)

    async def _stream(self, call: ClientCall, at: float, started: float, model: str,
                      cred: Credential, pair: Pair, upstream: UpstreamStream) -> web.StreamResponse:
        request = call.request
        json_array = call.fmt == "gemini" and bool(call.alt)
        frame = _JsonArrayFrame() if json_array else frame_for(call.fmt, call.alt)
        state = pair.new_stream(model, call.body)
        legacy = call.legacy_completions
        rl = request_log.CURRENT.get()
        headers = _JSON_ARRAY_HEADERS if json_array else SSE_HEADERS
        resp = (web.StreamResponse(status=200, headers=headers) if rl is None
                else _LoggedStreamResponse(rl, status=200, headers=headers))
        ttfb: float | None = None
        status = 200
        outcome: tuple[bool, int, str] | None = None
        self.open_streams.add(upstream)
        try:
            await resp.prepare(request)
            try:
                async for lines in upstream:
                    payloads = pair.stream_lines(state, lines)
                    if not payloads:
                        continue
                    if legacy:
                        payloads = _legacy_chunks(payloads)
                    data = b"".join(filter(None, map(frame, payloads)))
                    if data:
                        await resp.write(data)
                        if ttfb is None:
                            ttfb = self.clock.monotonic()
                tail = [frame(p) for p in pair.stream_end(state)]
                failure = getattr(state, "failure", None)
                if isinstance(failure, ProxyError):
                    # the client got the upstream's own failure event (same format):
                    # nothing more to write, but the attempt failed
                    status = failure.status
                    outcome = (False, failure.upstream_status, failure.message)
                tail.append(frame.close() if json_array else end_of_stream(call.fmt))
                data = b"".join(filter(None, tail))
                if data:
                    await resp.write(data)
                    if ttfb is None:
                        ttfb = self.clock.monotonic()
                if outcome is None:
                    outcome = (True, 0, "")
            except ProxyError as err:
                status = err.status
                outcome = (False, err.upstream_status, err.message)
                await resp.write(error_bodies.stream_error_event(call.fmt, err, alt=call.alt))
            await resp.write_eof()
        except (ConnectionError, asyncio.CancelledError) as exc:
            status = 499  # the client went away; nothing left to tell it
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self.open_streams.discard(upstream)
            await upstream.aclose()
            if outcome is None:
                # the client left: that says nothing about the credential
                outcome = (True, 0, "")
            self.manager.record_result(cred.id, model, success=outcome[0], status=outcome[1],
                                       message=outcome[2])
            ttfb_ms = None if ttfb is None else (ttfb - started) * 1000.0
            self._record(call, at, started, model, cred, upstream.upstream_model, status,
                         upstream.usage, ttfb_ms)
        return resp

    async def count_tokens(self, call: ClientCall) -> web.Response:
        try:
            model, providers, metadata = self._route(call)
        except ProxyError as err:
            return self.error_response(call.fmt, err)

        async def attempt(cred: Credential) -> tuple[Pair, ExecResult]:
            ex, pair, req = self._prepare(call, model, metadata, cred)
            return pair, await ex.count_tokens(cred, req)

        try:
            (pair, result), _cred = await self.manager.execute(model, providers, attempt)
        except ProxyError as err:
            return self.error_response(call.fmt, err)
        body = pair.count_response(pair.new_stream(model, call.body), result.body)
        return web.Response(body=body, headers=_JSON_HEADERS)

    # -- helpers -----------------------------------------------------------------------

    def error_response(self, fmt: str, err: ProxyError) -> web.Response:
        status, headers, body = error_bodies.render_error(fmt, err)
        return web.Response(status=status, body=body, headers=headers)

    def _record(self, call: ClientCall, at: float, started: float, model: str,
                cred: Credential | None, served: str | None, status: int,
                usage: UsageDetail | None, ttfb_ms: float | None) -> None:
        u = usage or _NO_USAGE
        total = u.total_tokens or (u.input_tokens + u.output_tokens + u.reasoning_tokens)
        record = UsageRecord(
            time=at,
            client_key=hide(call.principal) if call.principal else "",
            client_format=call.fmt,
            model=call.model,
            served_model=served or model,
            provider=cred.provider if cred else "",
            credential_id=cred.id if cred else "",
            credential_label=cred.display_label() if cred else "",
            status=status,
            failed=status >= 400,
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            cached_tokens=u.cached_tokens,
            reasoning_tokens=u.reasoning_tokens,
            total_tokens=total,
            latency_ms=(self.clock.monotonic() - started) * 1000.0,
            ttfb_ms=ttfb_ms,
            stream=call.stream,
            request_id=new_request_id(),
        )
        self.usage_sink(record)


_NO_USAGE = UsageDetail()
_JSON_ARRAY_HEADERS = {"Content-Type": "application/json; charset=UTF-8",
                       "Access-Control-Allow-Origin": "*"}


def _upstream_alt(call: ClientCall) -> str:
    # a Gemini client streaming with alt=json gets a JSON array built from the upstream's
    # SSE (below), so every upstream is asked for SSE
    return "" if call.stream else call.alt


class _LoggedStreamResponse(web.StreamResponse):
    """A stream response that also hands every chunk to the request's log file."""

    def __init__(self, rl: request_log.RequestLog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rl = rl

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        self._rl.client_chunk(bytes(data))
        await super().write(data)


class _JsonArrayFrame:
    """Gemini ``streamGenerateContent?alt=json``: the chunks as one JSON array, streamed."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, payload: bytes) -> bytes:
        if not payload:
            return b""
        self.count += 1
        return (b"[" if self.count == 1 else b",\r\n") + payload

    def close(self) -> bytes:
        return b"]" if self.count else b"[]"

_MODEL_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("claude-", ("claude",)),
    ("gemini-", ("gemini", "gemini-cli", "aistudio")),
    ("gpt-", ("codex",)),
    ("codex-", ("codex",)),
    ("o3", ("codex",)),
    ("o4-", ("codex",)),
)


def _legacy_completion_body(body: bytes) -> bytes:
    return jsonfast.dumps(chat_response_to_completions(jsonfast.loads(body)))


def _legacy_chunks(payloads: list[bytes]) -> list[bytes]:
    out = []
    for p in payloads:
        converted = chat_chunk_to_completions(jsonfast.loads(p))
        if converted is not None:
            out.append(jsonfast.dumps(converted))
    return out
