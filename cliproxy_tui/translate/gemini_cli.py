"""The Gemini-CLI (Cloud Code Assist) envelope around the gemini pairs (§0.2, §2.4, §4.4).

Cloud Code speaks Gemini inside an envelope: requests ``{"model","project","request":
{…gemini…}}``, answers and stream units ``{"response":{…gemini…}}``. So no family
translates to or from ``gemini-cli`` itself:

- ``(C, "gemini-cli")`` runs the ``(C, "gemini")`` pair and wraps its request / unwraps
  every upstream unit before handing it to that pair (parsed, to a pair that takes
  units through ``stream_units``; as ``data:`` lines otherwise);
- ``("gemini-cli", U)`` unwraps the client's envelope, runs the ``("gemini", U)`` pair and
  wraps every output as ``{"response": …}``;
- ``("gemini-cli", "gemini-cli")`` passes through.

Base pairs are looked up at call time: they are registered by other modules, and a
test may register its own under other format names.
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast
from ..errors import NotImplementedRouteError
from .common import data_payload, data_payloads
from .gemini_stream import parse_units, unwrap_unit
from .registry import Pair, StreamState, get_pair, register_pair

CLI = "gemini-cli"
GEMINI = "gemini"


def _base(client: str, upstream: str) -> Pair:
    pair = get_pair(client, upstream)
    if pair is None:
        raise NotImplementedRouteError(
            f"translation from the {client} API to the {upstream} API is not available")
    return pair


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


def wrap_request(model: str, gemini_body: dict[str, Any]) -> dict[str, Any]:
    """A Gemini request inside the envelope: ``model`` moves out, system field camelCased.

    ``project`` stays empty: the executor fills it (and the real model) per attempt.
    """
    inner = {k: v for k, v in gemini_body.items() if k != "model"}
    if "system_instruction" in inner:
        system = inner.pop("system_instruction")
        inner.setdefault("systemInstruction", system)
    return {"model": model, "project": "", "request": inner}


def unwrap_request(model: str, body: dict[str, Any]) -> dict[str, Any]:
    """The Gemini request inside a client's envelope, with ``model`` set.

    A body without a ``request`` object is taken as a bare Gemini request (some callers
    skip the envelope); ``project`` never reaches the inner request.
    """
    inner = body.get("request")
    if isinstance(inner, dict):
        out = dict(inner)
    else:
        out = {k: v for k, v in body.items() if k not in ("project", "request")}
    out["model"] = model
    if "systemInstruction" in out:
        system = out.pop("systemInstruction")
        out.setdefault("system_instruction", system)
    return out


def regroup_tool_responses(contents: list[Any]) -> list[Any]:
    """Cloud Code wants the answers to one model turn's N calls in the very next content.

    A model content with N ``functionCall`` parts opens a group; ``functionResponse``
    parts are taken out of their contents and queued, and as soon as the queue can
    answer the most recent open group they go out together as one ``function`` content.
    Unlike upstream, nothing is lost: the other parts of a content that held responses
    stay (as a content of their own, after the group), and responses that answer no
    group are sent at the end.
    """
    out: list[Any] = []
    open_groups: list[int] = []
    queue: list[Any] = []

    def flush() -> None:
        while open_groups and len(queue) >= open_groups[-1]:
            n = open_groups.pop()
            out.append({"role": "function", "parts": queue[:n]})
            del queue[:n]

    for content in contents:
        parts = content.get("parts") if isinstance(content, dict) else None
        if not isinstance(parts, list):
            out.append(content)
            continue
        responses = [p for p in parts if isinstance(p, dict) and _is_response(p)]
        if responses:
            queue.extend(responses)
            flush()
            others = [p for p in parts if not (isinstance(p, dict) and _is_response(p))]
            if others:
                out.append({**content, "parts": others})
            continue
        if content.get("role") == "model":
            calls = sum(1 for p in parts if isinstance(p, dict)
                        and ("functionCall" in p or "function_call" in p))
            if calls:
                open_groups.append(calls)
        out.append(content)
    flush()
    if queue:
        out.append({"role": "function", "parts": queue})
    return out


def _is_response(part: dict[str, Any]) -> bool:
    return "functionResponse" in part or "function_response" in part


def alternate_roles(contents: list[Any]) -> list[Any]:
    """Contents whose role is not ``user``/``model`` get the role that keeps turns
    alternating: the first one ``user``, after ``user`` → ``model``, after ``model`` →
    ``user`` (so a ``function`` answer to a model turn is sent as ``user``)."""
    out: list[Any] = []
    prev = ""
    for content in contents:
        if isinstance(content, dict):
            role = content.get("role")
            if role not in ("user", "model"):
                role = "model" if prev == "user" else "user"
                content = {**content, "role": role}
            prev = role
        out.append(content)
    return out


def rename_snake_parameters(tools: Any) -> Any:
    """``tools[i].function_declarations[j].parameters`` → ``parametersJsonSchema`` (§2.4).

    Only the snake_case container: camelCase ``functionDeclarations`` keep
    ``parameters``, which Google's SDKs fill with the OpenAPI-style schema it expects.
    """
    if not isinstance(tools, list):
        return tools
    out = []
    for tool in tools:
        decls = tool.get("function_declarations") if isinstance(tool, dict) else None
        if isinstance(decls, list):
            renamed = []
            for decl in decls:
                if isinstance(decl, dict) and "parameters" in decl \
                        and "parametersJsonSchema" not in decl:
                    decl = {("parametersJsonSchema" if k == "parameters" else k): v
                            for k, v in decl.items()}
                renamed.append(decl)
            tool = {**tool, "function_declarations": renamed}
        out.append(tool)
    return out


def normalise_for_cloud_code(gemini_body: dict[str, Any]) -> dict[str, Any]:
    """The gemini → gemini-cli request rules of §2.4 applied to a Gemini client's body."""
    out = dict(gemini_body)
    contents = out.get("contents")
    if isinstance(contents, list):
        out["contents"] = alternate_roles(regroup_tool_responses(contents))
    if "tools" in out:
        out["tools"] = rename_snake_parameters(out["tools"])
    return out


# ---------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------


def unwrap_lines(lines: list[bytes]) -> list[bytes]:
    """Upstream envelope lines → plain Gemini ``data:`` lines.

    Units without a ``response`` object yield nothing (§4.4) unless they already look
    like Gemini chunks; an array unit (non-SSE ``alt``) yields one line per element;
    non-data lines (blank, ``[DONE]``) and unparseable junk pass unchanged, for the
    base pair to ignore.
    """
    out: list[bytes] = []
    for line in lines:
        payload = data_payload(line)
        if payload is None:
            out.append(line)
            continue
        try:
            obj = jsonfast.loads(payload)
        except jsonfast.JSONDecodeError:
            out.append(line)
            continue
        for unit in obj if isinstance(obj, list) else (obj,):
            inner = _inner(unit)
            if inner is not None:
                out.append(b"data: " + jsonfast.dumps(inner))
    return out


def _inner(unit: Any) -> Any:
    if not isinstance(unit, dict):
        return None
    inner = unit.get("response")
    if isinstance(inner, dict):
        return inner
    if "candidates" in unit or "usageMetadata" in unit:
        return unit
    return None


def _inner_unit(unit: dict[str, Any]) -> dict[str, Any] | None:
    inner = _inner(unit)
    return None if inner is None else unwrap_unit(inner)


def unwrap_units(lines: list[bytes]) -> tuple[list[dict[str, Any]], bool]:
    """``parse_units(unwrap_lines(lines))``, without serialising every unit only to parse
    it again: the units and whether ``[DONE]`` was seen, for a base pair that reads
    Gemini units (``stream_units``)."""
    return parse_units(lines, _inner_unit)


def unwrap_body(body: bytes) -> bytes:
    """A whole envelope answer → the Gemini answer (the body itself if not wrapped)."""
    try:
        obj = jsonfast.loads(body)
    except jsonfast.JSONDecodeError:
        return body
    if isinstance(obj, dict) and isinstance(obj.get("response"), dict):
        return jsonfast.dumps(obj["response"])
    return body


def wrap_payload(payload: bytes) -> bytes:
    """A bare Gemini JSON payload → ``{"response":<payload>}`` (no re-parse); b"" stays."""
    if payload.startswith(b"data:"):
        payload = payload[5:]
    payload = payload.strip()
    if not payload or payload == b"[DONE]":
        return b""
    return b'{"response":' + payload + b"}"


def _wrap_all(payloads: list[bytes]) -> list[bytes]:
    out = []
    for p in payloads:
        wrapped = wrap_payload(p)
        if wrapped:
            out.append(wrapped)
    return out


# ---------------------------------------------------------------------------
# Pairs
# ---------------------------------------------------------------------------


class ToCloudCode:
    """``(client, "gemini-cli")``: the ``(client, "gemini")`` pair inside the envelope."""

    def __init__(self, client: str, upstream: str = CLI, inner: str = GEMINI) -> None:
        self.client = client
        self.upstream = upstream
        self.inner = inner

    def _pair(self) -> Pair:
        return _base(self.client, self.inner)

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        gemini_body = self._pair().request(model, body, stream)
        if self.client == GEMINI:
            gemini_body = normalise_for_cloud_code(gemini_body)
        return wrap_request(model, gemini_body)

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return self._pair().new_stream(model, client_body)

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return self._pair().response(state, unwrap_body(upstream_body))

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        pair = self._pair()
        stream_units = getattr(pair, "stream_units", None)
        if stream_units is not None:
            return stream_units(state, *unwrap_units(lines))
        return pair.stream_lines(state, unwrap_lines(lines))

    def stream_end(self, state: StreamState) -> list[bytes]:
        return self._pair().stream_end(state)

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return self._pair().count_response(state, unwrap_body(upstream_body))


class FromCloudCodeClient:
    """``("gemini-cli", upstream)``: unwrap the client's envelope, run ``("gemini",
    upstream)``, wrap every answer as ``{"response": …}``.

    The base pair's state is built from the *unwrapped* body, so what it reads from the
    original request (tool-name maps, echo fields) is really there.
    """

    def __init__(self, upstream: str, client: str = CLI, inner: str = GEMINI) -> None:
        self.client = client
        self.upstream = upstream
        self.inner = inner

    def _pair(self) -> Pair:
        return _base(self.inner, self.upstream)

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return self._pair().request(model, unwrap_request(model, body), stream)

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return self._pair().new_stream(model, unwrap_request(model, client_body))

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return wrap_payload(self._pair().response(state, upstream_body))

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        return _wrap_all(self._pair().stream_lines(state, lines))

    def stream_end(self, state: StreamState) -> list[bytes]:
        return _wrap_all(self._pair().stream_end(state))

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        # gemini-cli count answers carry no envelope (§1.7)
        return self._pair().count_response(state, upstream_body)


class CloudCodeIdentity:
    """``("gemini-cli", "gemini-cli")``: bodies pass; stream units go out as bare JSON."""

    client = CLI
    upstream = CLI

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return body

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        return StreamState(model, client_body)

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return upstream_body

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        return data_payloads(lines)

    def stream_end(self, state: StreamState) -> list[bytes]:
        return []

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return upstream_body


for _client in ("openai", "openai-response", "claude", GEMINI):
    register_pair(ToCloudCode(_client))
for _upstream in (GEMINI, "claude", "codex", "openai"):
    register_pair(FromCloudCodeClient(_upstream))
register_pair(CloudCodeIdentity())
