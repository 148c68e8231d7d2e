"""The aiohttp application: middleware (CORS, access keys, 404s) and the route table."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from aiohttp import web

from .. import jsonfast
from .. import request_log
from . import handlers
from .errors import GEMINI_MODEL_NOT_FOUND_BODY, access_error_body
from .handlers import CORE_KEY, PRINCIPAL
from .model_lists import gemini_model_get, gemini_models_list, models_list_for
from .proxy import ProxyCore

log = logging.getLogger("cliproxy_tui.server")

_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "*",
}
_ROOT = jsonfast.dumps({
    "message": "CLI Proxy API Server",
    "endpoints": ["POST /v1/chat/completions", "POST /v1/completions", "GET /v1/models"],
})
_NOT_FOUND = "404 page not found"


def _needs_key(path: str) -> bool:
    if path.startswith("/v1beta/"):
        return True
    if path.startswith("/v1/"):
        return not path.startswith("/v1/ws")
    return path == "/v1" or path == "/v1beta"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    directory = request.app[CORE_KEY].request_log_dir
    if directory is not None and request.path.startswith("/v1"):
        return await _logged(request, handler, directory)
    return await _serve(request, handler)


async def _logged(request: web.Request, handler: Handler, directory: str) -> web.StreamResponse:
    """``request-log: true``: serve the request and write its file (request_log.py)."""
    rl = request_log.RequestLog(directory, request.method, request.path, request.query_string,
                                request.headers, b"")
    token = request_log.CURRENT.set(rl)
    response: web.StreamResponse | None = None
    try:
        response = await _serve(request, handler)
        return response
    except asyncio.CancelledError:
        rl.error = "the client went away before the response ended"
        raise
    except Exception as exc:
        rl.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        request_log.CURRENT.reset(token)
        # aiohttp keeps the body it read (the handler read it once; a second read here
        # could see a body it refused as too large)
        rl.body = getattr(request, "_read_bytes", None) or b""
        if response is not None:
            rl.status = response.status
            rl.resp_headers = list(response.headers.items())
            if isinstance(response, web.Response) and isinstance(response.body, bytes):
                rl.client_chunk(response.body)
        asyncio.get_running_loop().run_in_executor(None, rl.write)


async def _serve(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=_CORS)
    path = request.path
    if _needs_key(path):
        access = request.app[CORE_KEY].access
        if not access.open:
            result = access.check(request.headers, request.query)
            if not result.ok:
                return web.Response(status=401, body=access_error_body(result.error),
                                    content_type="application/json", headers=_CORS)
            request[PRINCIPAL] = result.principal
    try:
        response = await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        # upstream (gin) answers unknown routes and wrong methods alike, with no 405
        return web.Response(status=404, text=_NOT_FOUND, headers=_CORS)
    # cheaper than an on_response_prepare signal; streams carry CORS in SSE_HEADERS
    if not response.prepared:
        response.headers.update(_CORS)
    return response


async def _root(request: web.Request) -> web.Response:
    return web.Response(body=_ROOT, content_type="application/json")


async def _models(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    body = models_list_for(request.headers.get("User-Agent", ""),
                           core.registry.available_models())
    return web.Response(body=body, content_type="application/json")


async def _gemini_models(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    body = gemini_models_list(core.registry.available_models())
    return web.Response(body=body, content_type="application/json")


async def _gemini_model(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    found = gemini_model_get(core.registry.available_models(), request.match_info["target"])
    if found is None:
        return web.Response(status=404, content_type="application/json",
                            body=GEMINI_MODEL_NOT_FOUND_BODY)
    return web.Response(body=jsonfast.dumps(found), content_type="application/json")


def build_app(core: ProxyCore) -> web.Application:
    app = web.Application(middlewares=[_middleware], client_max_size=core.max_body_bytes)
    app[CORE_KEY] = core

    def both(method: str, path: str, handler: Callable) -> None:
        # accept the trailing-slash form directly instead of redirecting (server.md §1)
        app.router.add_route(method, path, handler)
        app.router.add_route(method, path + "/", handler)

    app.router.add_get("/", _root)
    both("GET", "/v1/models", _models)
    both("POST", "/v1/chat/completions", handlers.chat_completions)
    both("POST", "/v1/completions", handlers.completions)
    both("POST", "/v1/responses", handlers.responses)
    both("POST", "/v1/messages", handlers.messages)
    both("POST", "/v1/messages/count_tokens", handlers.count_tokens)
    both("GET", "/v1beta/models", _gemini_models)
    app.router.add_get("/v1beta/models/{target}", _gemini_model)
    app.router.add_post("/v1beta/models/{target}", handlers.gemini)
    # google-genai >= 3 calls the v1 form of the Gemini routes
    app.router.add_post("/v1/models/{target}", handlers.gemini)
    app.router.add_post(r"/v1internal:{method}", handlers.v1internal)
    for name in ("anthropic", "codex", "google", "iflow"):
        app.router.add_get(f"/{name}/callback", handlers.oauth_callback)
    return app
