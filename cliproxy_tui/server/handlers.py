"""Client route handlers: read and check the body, then hand it to ``ProxyCore``.

Each handler parses the body once (orjson), checks the few fields the proxy itself
needs (model, stream flag, the main list field's type) and answers malformed input in
the client's own error shape.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from aiohttp import web

from .. import jsonfast
from ..errors import BadRequestError, NotImplementedRouteError, ProxyError
from .completions import completions_to_chat
from .errors import not_found_body
from .proxy import ClientCall, ProxyCore

log = logging.getLogger("cliproxy_tui.server")

CORE_KEY = web.AppKey("core", ProxyCore)
PRINCIPAL = web.RequestKey("principal", str)


class _BodyTooLarge(BadRequestError):
    status = 413
    code = "request_too_large"


async def _read_json(request: web.Request, core: ProxyCore) -> dict[str, Any]:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit_mb = core.max_body_bytes // (1024 * 1024)
        raise _BodyTooLarge(f"Invalid request: body larger than the {limit_mb} MiB limit")
    except (ConnectionError, OSError) as exc:
        raise BadRequestError(f"Invalid request: {exc}") from None
    if not raw:
        raise BadRequestError("Invalid request: empty body, expected a JSON object")
    try:
        body = jsonfast.loads(raw)
    except jsonfast.JSONDecodeError as exc:
        raise BadRequestError(f"Invalid request: body is not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise BadRequestError("Invalid request: body must be a JSON object")
    return body


def _require_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if model is None or model == "":
        raise BadRequestError("Invalid request: missing required field 'model'")
    if not isinstance(model, str):
        raise BadRequestError(f"Invalid request: 'model' must be a string, got {_kind(model)}")
    return model


def _check_list(body: dict[str, Any], key: str, required: bool) -> None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadRequestError(f"Invalid request: missing required field '{key}'")
        return
    if not isinstance(value, list):
        raise BadRequestError(f"Invalid request: '{key}' must be an array, got {_kind(value)}")


def _check_int(body: dict[str, Any], key: str) -> None:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadRequestError(f"Invalid request: '{key}' must be an integer, got {_kind(value)}")


_KINDS = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
          int: "a number", float: "a number"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), "null")


def _alt(request: web.Request) -> str:
    q = request.query
    alt = q.get("alt") or q.get("$alt") or ""
    return "" if alt == "sse" else alt


def _call(request: web.Request, fmt: str, model: str, body: dict[str, Any], stream: bool,
          alt: str = "") -> ClientCall:
    return ClientCall(fmt=fmt, model=model, body=body, stream=stream, alt=alt,
                      principal=request.get(PRINCIPAL, ""), headers=request.headers,
                      request=request)


Handler = Callable[[web.Request], Any]


def _guard(fmt: str, fn: Callable[[web.Request, ProxyCore], Any]) -> Handler:
    """Turn a ProxyError raised while reading the request into the client's error shape."""

    async def handler(request: web.Request) -> web.StreamResponse:
        core = request.app[CORE_KEY]
        try:
            return await fn(request, core)
        except ProxyError as err:
            return core.error_response(fmt, err)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception:  # a bug answers a clean 500 in the client's shape, never a crash
            log.exception("request %s %s failed", request.method, request.path)
            return core.error_response(fmt, ProxyError("internal error"))

    return handler


async def _chat(request: web.Request, core: ProxyCore) -> web.StreamResponse:
    body = await _read_json(request, core)
    model = _require_model(body)
    _check_list(body, "messages", required=True)
    return await core.generate(_call(request, "openai", model, body, body.get("stream") is True,
                                     _alt(request)))


async def _completions(request: web.Request, core: ProxyCore) -> web.StreamResponse:
    body = await _read_json(request, core)
    chat = completions_to_chat(body)
    model = _require_model(chat)
    call = _call(request, "openai", model, chat, chat.get("stream") is True)
    call.legacy_completions = True
    return await core.generate(call)


async def _responses(request: web.Request, core: ProxyCore) -> web.StreamResponse:
    body = await _read_json(request, core)
    model = _require_model(body)
    value = body.get("input")
    if value is not None and not isinstance(value, (str, list)):
        raise BadRequestError(
            f"Invalid request: 'input' must be a string or an array, got {_kind(value)}")
    return await core.generate(_call(request, "openai-response", model, body,
                                     body.get("stream") is True))


async def _messages(request: web.Request, core: ProxyCore) -> web.StreamResponse:
    body = await _read_json(request, core)
    model = _require_model(body)
    _check_list(body, "messages", required=True)
    _check_int(body, "max_tokens")
    # upstream streams for anything but absent/false; we stream only for true (server.md §4.1)
    stream = body.get("stream") is True
    return await core.generate(_call(request, "claude", model, body, stream,
                                     "" if stream else _alt(request)))


async def _count_tokens(request: web.Request, core: ProxyCore) -> web.StreamResponse:
    body = await _read_json(request, core)
    model = _require_model(body)
    _check_list(body, "messages", required=True)
    return await core.count_tokens(_call(request, "claude", model, body, False, _alt(request)))


async def _gemini(request: web.Request, core: ProxyCore) -> web.StreamResponse:
    target = request.match_info["target"]
    parts = target.split(":")
    if len(parts) != 2 or not parts[0]:
        return web.Response(status=404, body=not_found_body(request.path),
                            content_type="application/json")
    model, method = parts
    if method not in ("generateContent", "streamGenerateContent", "countTokens"):
        return web.Response(status=404, body=not_found_body(request.path),
                            content_type="application/json")
    body = await _read_json(request, core)
    _check_list(body, "contents", required=False)
    alt = _alt(request)
    if method == "countTokens":
        return await core.count_tokens(_call(request, "gemini", model, body, False, alt))
    return await core.generate(_call(request, "gemini", model, body,
                                     method == "streamGenerateContent", alt))


async def _v1internal(request: web.Request, core: ProxyCore) -> web.StreamResponse:
    raise NotImplementedRouteError(
        "the Gemini CLI internal API (/v1internal) needs a Gemini CLI OAuth login, "
        "which this version does not support yet")


async def _oauth_callback(request: web.Request) -> web.Response:
    return web.Response(status=501, text="OAuth logins are not supported by this version yet.\n")


chat_completions = _guard("openai", _chat)
completions = _guard("openai", _completions)
responses = _guard("openai-response", _responses)
messages = _guard("claude", _messages)
count_tokens = _guard("claude", _count_tokens)
gemini = _guard("gemini", _gemini)
v1internal = _guard("gemini-cli", _v1internal)
oauth_callback = _oauth_callback
