"""Error bodies in the client's own API shape (server.md §3.3, §8).

Every function returns bytes ready for the wire. Nothing here adds a credential or a
client key to a body: the text comes from the error itself, and an upstream's own JSON
error body is passed on as it is.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from .. import jsonfast
from ..errors import ModelCooldownError, ProxyError, UpstreamError

ErrorResponse = tuple[int, dict[str, str], bytes]

_JSON = "application/json"

# §8.1 "later upstream addition": OpenAI-style type/code by status.
_OPENAI_TYPE_CODE: dict[int, tuple[str, str]] = {
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "insufficient_quota"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}

_CLAUDE_TYPE: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}

_GOOGLE_STATUS: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# An upstream's error may carry headers (Retry-After, rate-limit hints); the ones that
# describe the upstream's own message framing would corrupt ours.
_FRAMING_HEADERS = frozenset({
    "content-length", "content-encoding", "content-type", "transfer-encoding",
    "connection", "keep-alive", "set-cookie",
})

GEMINI_MODEL_NOT_FOUND_BODY = b'{"error":{"message":"Not Found","type":"not_found"}}'


def _status_of(err: BaseException) -> int:
    status = getattr(err, "status", 0)
    return status if isinstance(status, int) and 100 <= status <= 599 else 500


def _text_of(err: BaseException, status: int) -> str:
    if isinstance(err, ProxyError):
        text = err.message.strip()
    else:
        # Arbitrary exception texts can embed request URLs (with ?key=...) or headers;
        # only the class name leaves the process.
        text = f"internal error ({type(err).__name__})"
    return text or _reason(status)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"status {status}"


def _parse_container(raw: bytes | str) -> Any:
    """``raw`` parsed when it is a JSON object or array (the client can parse it as is),
    else None."""
    data = raw.encode() if isinstance(raw, str) else raw
    data = data.strip()
    if not data or data[0] not in b"{[":
        return None
    try:
        return jsonfast.loads(data)
    except jsonfast.JSONDecodeError:
        return None


def _own_code(err: BaseException) -> str | None:
    # Only subclasses that name a specific code say something the status does not.
    if isinstance(err, UpstreamError) or type(err) is ProxyError:
        return None
    if isinstance(err, ProxyError):
        return err.code or None
    return None


def openai_error_object(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """``{"message","type","code"}`` as OpenAI clients read it (also the Responses API)."""
    err_code: str | None
    mapped = _OPENAI_TYPE_CODE.get(status)
    if mapped is not None:
        err_type, err_code = mapped
    elif status >= 500:
        err_type, err_code = "server_error", "internal_server_error"
    else:
        err_type, err_code = "invalid_request_error", code
    return {"message": message, "type": err_type, "code": err_code}


def claude_error_type(status: int) -> str:
    return _CLAUDE_TYPE.get(status, "api_error")


def google_status(status: int) -> str:
    name = _GOOGLE_STATUS.get(status)
    if name is not None:
        return name
    if 400 <= status < 500:
        return "INVALID_ARGUMENT"
    if status >= 500:
        return "INTERNAL"
    return "UNKNOWN"


def error_body(fmt: str, status: int, message: str, code: str | None = None) -> bytes:
    """The wrapped body for ``fmt``; unknown format ids get the OpenAI shape."""
    if fmt == "claude":
        body: dict[str, Any] = {
            "type": "error",
            "error": {"type": claude_error_type(status), "message": message},
        }
    elif fmt in ("gemini", "gemini-cli"):
        body = {"error": {"code": status, "message": message, "status": google_status(status)}}
    else:
        body = {"error": openai_error_object(status, message, code)}
    return jsonfast.dumps(body)


def _passed_headers(err: BaseException) -> dict[str, str]:
    extra = getattr(err, "headers", None) or {}
    return {k: v for k, v in extra.items() if k.lower() not in _FRAMING_HEADERS}


def render_error(fmt: str, err: BaseException) -> ErrorResponse:
    """``(status, headers, body)`` for an error that ends a request before streaming."""
    if isinstance(err, ModelCooldownError):
        # §8.2: the same JSON body for every client format, keys in alphabetical order.
        headers = _passed_headers(err)
        headers["Retry-After"] = str(err.reset_seconds)
        headers["Content-Type"] = _JSON
        return 429, headers, jsonfast.dumps(err.body())
    status = _status_of(err)
    headers = _passed_headers(err)
    headers["Content-Type"] = _JSON
    if isinstance(err, UpstreamError) and _parse_container(err.body) is not None:
        return status, headers, err.body.strip()
    text = _text_of(err, status)
    if (isinstance(err, ProxyError) and not isinstance(err, UpstreamError)
            and _parse_container(text) is not None):
        return status, headers, text.encode()
    return status, headers, error_body(fmt, status, text, _own_code(err))


def render_message(fmt: str, status: int, message: str) -> ErrorResponse:
    """Same as :func:`render_error` for a plain status and text (no exception at hand)."""
    status = status if 100 <= status <= 599 else 500
    text = message.strip() or _reason(status)
    return status, {"Content-Type": _JSON}, error_body(fmt, status, text)


def access_error_body(error: str) -> bytes:
    """§3.3: the bare ``{"error":"Missing API key"}`` shape, for every client format."""
    return jsonfast.dumps({"error": error})


def invalid_request_body(detail: str) -> bytes:
    """§8.2: the body for a request whose body could not be read."""
    return jsonfast.dumps(
        {"error": {"message": f"Invalid request: {detail}", "type": "invalid_request_error"}}
    )


def not_found_body(path: str) -> bytes:
    """§8.3: a Gemini route whose ``{model}:{method}`` segment does not parse."""
    return jsonfast.dumps(
        {"error": {"message": f"{path} not found.", "type": "invalid_request_error"}}
    )


def _readable_message(err: BaseException, status: int) -> str:
    # Inside a stream the client only shows a message: dig it out of an upstream's JSON
    # error instead of nesting one JSON document inside another.
    text = _text_of(err, status)
    parsed = _parse_container(text) if isinstance(err, ProxyError) else None
    if parsed is not None:
        if isinstance(parsed, list) and parsed:
            parsed = parsed[0]
        if isinstance(parsed, dict):
            inner = parsed.get("error")
            if isinstance(inner, dict) and isinstance(inner.get("message"), str):
                return inner["message"] or text
            if isinstance(inner, str) and inner:
                return inner
            if isinstance(parsed.get("message"), str) and parsed["message"]:
                return parsed["message"]
    return text


def stream_error_event(fmt: str, err: BaseException, *, alt: str = "",
                       sequence_number: int = 0) -> bytes:
    """A format-native error event for a stream that has already started (§8.4)."""
    status = 429 if isinstance(err, ModelCooldownError) else _status_of(err)
    message = _readable_message(err, status)
    if fmt == "claude":
        payload = jsonfast.dumps(
            {"type": "error", "error": {"type": "api_error", "message": message}}
        )
        return b"event: error\ndata: " + payload + b"\n\n"
    if fmt == "openai-response":
        obj = openai_error_object(status, message, _own_code(err))
        payload = jsonfast.dumps({
            "type": "error",
            "code": obj["code"],
            "message": message,
            "param": None,
            "sequence_number": sequence_number,
        })
        return b"event: error\ndata: " + payload + b"\n\n"
    payload = error_body(fmt, status, message, _own_code(err))
    if fmt == "gemini" and alt:
        # Raw (non-SSE) Gemini framing has no event syntax; a bare JSON object is what a
        # JSON-stream reader can still recognise.
        return payload + b"\n"
    return b"data: " + payload + b"\n\n"
