"""The pure pieces of the HTTP server: access keys, error bodies, model lists, legacy
completions and SSE framing (server.md §3, §4.2, §7, §8, §9)."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import openai
import pytest
from aiohttp.test_utils import make_mocked_request
from google.genai import errors as genai_errors
from google.genai import models as genai_models
from google.genai import types as genai_types
from openai._models import construct_type
from openai._streaming import SSEDecoder
from openai.types import Completion, Model
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseErrorEvent

from cliproxy_tui import jsonfast
from cliproxy_tui.errors import (
    BadRequestError,
    ModelCooldownError,
    NoCredentialError,
    TransportError,
    UnknownModelError,
    UpstreamError,
)
from cliproxy_tui.server import errors as eb
from cliproxy_tui.server.access import INVALID_API_KEY, MISSING_API_KEY, AccessChecker
from cliproxy_tui.server.completions import (
    chat_chunk_to_completions,
    chat_response_to_completions,
    completions_to_chat,
)
from cliproxy_tui.server.model_lists import (
    claude_models_list,
    gemini_model_get,
    gemini_models_list,
    models_list_for,
    openai_models_list,
)
from cliproxy_tui.server.sse import (
    OPENAI_DONE,
    RESPONSES_END,
    SSE_HEADERS,
    end_of_stream,
    frame_claude,
    frame_for,
    frame_gemini,
    frame_gemini_cli,
    frame_openai,
    frame_responses,
)

_REQ = httpx2.Request("POST", "http://127.0.0.1:8317/v1/test")


# -- access (§3.2, §3.3, §13 items 2 and 11) --------------------------------------------


def _check(checker: AccessChecker, path: str, headers: dict[str, str]):
    # A real aiohttp request: case-insensitive headers and a MultiDict query, as in the app.
    request = make_mocked_request("GET", path, headers=headers)
    return checker.check(request.headers, request.query)


KEYS = AccessChecker(["proxy-key-1", "proxy-key-2"])

ACCESS_CASES = [
    # (path, headers, ok, principal, source, error)
    ("/v1/models", {}, False, "", "", MISSING_API_KEY),
    ("/v1/models", {"X-Api-Key": ""}, False, "", "", MISSING_API_KEY),
    ("/v1/models?key=", {}, False, "", "", MISSING_API_KEY),
    ("/v1/models", {"Authorization": "Bearer proxy-key-1"}, True, "proxy-key-1",
     "authorization", ""),
    ("/v1/models", {"Authorization": "bearer proxy-key-1"}, True, "proxy-key-1",
     "authorization", ""),
    ("/v1/models", {"Authorization": "BEARER   proxy-key-1 "}, True, "proxy-key-1",
     "authorization", ""),
    ("/v1/models", {"Authorization": "proxy-key-1"}, True, "proxy-key-1", "authorization", ""),
    ("/v1/models", {"Authorization": "Basic proxy-key-1"}, False, "", "", INVALID_API_KEY),
    ("/v1/models", {"Authorization": "Bearer"}, False, "", "", INVALID_API_KEY),
    ("/v1/models", {"Authorization": "Bearer wrong"}, False, "", "", INVALID_API_KEY),
    ("/v1/models", {"X-Goog-Api-Key": "proxy-key-1"}, True, "proxy-key-1",
     "x-goog-api-key", ""),
    ("/v1/models", {"x-goog-api-key": "proxy-key-1"}, True, "proxy-key-1",
     "x-goog-api-key", ""),
    ("/v1/models", {"x-api-key": "proxy-key-2"}, True, "proxy-key-2", "x-api-key", ""),
    ("/v1/models?key=proxy-key-1", {}, True, "proxy-key-1", "query-key", ""),
    ("/v1/models?auth_token=proxy-key-2", {}, True, "proxy-key-2", "query-auth-token", ""),
    ("/v1/models?key=nope&auth_token=nope", {}, False, "", "", INVALID_API_KEY),
    ("/v1/models", {"X-Api-Key": "PROXY-KEY-1"}, False, "", "", INVALID_API_KEY),
    # §13.11: a wrong key in an earlier source does not block a later correct one
    ("/v1/models?key=proxy-key-1", {"Authorization": "Bearer sk-upstream"}, True,
     "proxy-key-1", "query-key", ""),
    ("/v1/models?auth_token=proxy-key-1",
     {"Authorization": "Bearer a", "X-Goog-Api-Key": "b", "X-Api-Key": "c"},
     True, "proxy-key-1", "query-auth-token", ""),
    # the same key in several places: the earliest source is reported
    ("/v1/models?key=proxy-key-1", {"Authorization": "Bearer proxy-key-1"}, True,
     "proxy-key-1", "authorization", ""),
    # two different configured keys: the first source wins
    ("/v1/models?key=proxy-key-1", {"X-Api-Key": "proxy-key-2"}, True, "proxy-key-2",
     "x-api-key", ""),
]


@pytest.mark.parametrize(("path", "headers", "ok", "principal", "source", "error"),
                         ACCESS_CASES)
def test_access_sources(path: str, headers: dict[str, str], ok: bool, principal: str,
                        source: str, error: str) -> None:
    result = _check(KEYS, path, headers)
    assert (result.ok, result.principal, result.source, result.error) == (
        ok, principal, source, error)


@pytest.mark.parametrize("keys", [[], [""], ["", "  "]])
def test_no_usable_keys_means_open(keys: list[str]) -> None:
    checker = AccessChecker(keys)
    assert checker.open
    assert _check(checker, "/v1/models", {}).ok
    assert _check(checker, "/v1/models", {"Authorization": "Bearer anything"}).ok


def test_from_config_keys_warns_about_blank_entries() -> None:
    checker, warnings = AccessChecker.from_config_keys([""])
    assert checker.open and len(warnings) == 1 and "blank" in warnings[0]
    checker, warnings = AccessChecker.from_config_keys(["k1", "", "k2"])
    assert not checker.open and len(checker) == 2
    assert warnings == ["api-keys: ignored 1 blank entry"]
    checker, warnings = AccessChecker.from_config_keys(None)
    assert checker.open and warnings == []


def test_access_error_bodies_are_bare_strings() -> None:
    assert eb.access_error_body(MISSING_API_KEY) == b'{"error":"Missing API key"}'
    assert eb.access_error_body(INVALID_API_KEY) == b'{"error":"Invalid API key"}'


# -- error bodies (§8) --------------------------------------------------------------------


def _openai_error(status: int, body: bytes) -> openai.APIStatusError:
    with openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1") as client:
        return client._make_status_error_from_response(
            httpx2.Response(status, content=body, request=_REQ))


def _anthropic_error(status: int, body: bytes) -> anthropic.APIStatusError:
    with anthropic.Anthropic(api_key="sk-test", base_url="http://127.0.0.1:9") as client:
        return client._make_status_error_from_response(
            httpx2.Response(status, content=body, request=_REQ))


def _genai_error(status: int, body: bytes) -> genai_errors.APIError:
    with pytest.raises(genai_errors.APIError) as info:
        genai_errors.APIError.raise_for_response(
            httpx2.Response(status, content=body, request=_REQ))
    return info.value


OPENAI_BY_STATUS = [
    (400, "invalid_request_error", None, openai.BadRequestError),
    (401, "authentication_error", "invalid_api_key", openai.AuthenticationError),
    (403, "permission_error", "insufficient_quota", openai.PermissionDeniedError),
    (404, "invalid_request_error", "model_not_found", openai.NotFoundError),
    (429, "rate_limit_error", "rate_limit_exceeded", openai.RateLimitError),
    (500, "server_error", "internal_server_error", openai.InternalServerError),
    (503, "server_error", "internal_server_error", openai.InternalServerError),
]


@pytest.mark.parametrize("fmt", ["openai", "openai-response"])
@pytest.mark.parametrize(("status", "err_type", "code", "sdk_class"), OPENAI_BY_STATUS)
def test_openai_error_shape(fmt: str, status: int, err_type: str, code: str | None,
                            sdk_class: type) -> None:
    got_status, headers, body = eb.render_message(fmt, status, "went wrong")
    assert got_status == status and headers == {"Content-Type": "application/json"}
    assert jsonfast.loads(body) == {"error": {"message": "went wrong", "type": err_type,
                                              "code": code}}
    err = _openai_error(status, body)
    assert isinstance(err, sdk_class)
    assert err.message == f"Error code: {status} - went wrong"
    assert (err.type, err.code) == (err_type, code)


CLAUDE_BY_STATUS = [
    (400, "invalid_request_error"), (401, "authentication_error"),
    (403, "permission_error"), (404, "not_found_error"), (413, "request_too_large"),
    (429, "rate_limit_error"), (500, "api_error"), (529, "overloaded_error"),
    (502, "api_error"), (418, "api_error"),
]


@pytest.mark.parametrize(("status", "err_type"), CLAUDE_BY_STATUS)
def test_claude_error_shape(status: int, err_type: str) -> None:
    got_status, _, body = eb.render_message("claude", status, "went wrong")
    assert got_status == status
    assert jsonfast.loads(body) == {"type": "error",
                                    "error": {"type": err_type, "message": "went wrong"}}
    err = _anthropic_error(status, body)
    assert (err.status_code, err.type, err.api_message) == (status, err_type, "went wrong")


GEMINI_BY_STATUS = [
    (400, "INVALID_ARGUMENT"), (401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED"),
    (404, "NOT_FOUND"), (429, "RESOURCE_EXHAUSTED"), (500, "INTERNAL"),
    (501, "UNIMPLEMENTED"), (502, "UNAVAILABLE"), (503, "UNAVAILABLE"),
    (504, "DEADLINE_EXCEEDED"), (422, "INVALID_ARGUMENT"), (507, "INTERNAL"),
]


@pytest.mark.parametrize("fmt", ["gemini", "gemini-cli"])
@pytest.mark.parametrize(("status", "google_status"), GEMINI_BY_STATUS)
def test_gemini_error_shape(fmt: str, status: int, google_status: str) -> None:
    got_status, _, body = eb.render_message(fmt, status, "went wrong")
    assert got_status == status
    assert jsonfast.loads(body) == {"error": {"code": status, "message": "went wrong",
                                              "status": google_status}}
    err = _genai_error(status, body)
    assert (err.code, err.message, err.status) == (status, "went wrong", google_status)


@pytest.mark.parametrize("fmt", ["openai", "openai-response", "claude", "gemini",
                                 "gemini-cli"])
def test_unknown_model_names_the_model(fmt: str) -> None:
    status, _, body = eb.render_error(fmt, UnknownModelError("gpt-9-turbo"))
    assert status == 400
    assert b"unknown provider for model gpt-9-turbo" in body
    parsed = jsonfast.loads(body)
    message = parsed["error"]["message"]
    assert message == "unknown provider for model gpt-9-turbo"
    if fmt.startswith("openai"):
        assert parsed["error"]["code"] == "model_not_found"


@pytest.mark.parametrize("fmt", ["openai", "openai-response", "claude", "gemini",
                                 "gemini-cli"])
def test_cooldown_body_is_the_same_for_every_format(fmt: str) -> None:
    err = ModelCooldownError("gemini-2.5-pro", "gemini-cli", 90, "1m30s")
    status, headers, body = eb.render_error(fmt, err)
    assert status == 429
    assert headers == {"Retry-After": "90", "Content-Type": "application/json"}
    assert body == (b'{"error":{"code":"model_cooldown","message":"All credentials for model '
                    b'gemini-2.5-pro are cooling down via provider gemini-cli","model":'
                    b'"gemini-2.5-pro","provider":"gemini-cli","reset_seconds":90,'
                    b'"reset_time":"1m30s"}}')


def test_cooldown_without_provider_or_model() -> None:
    _, headers, body = eb.render_error("openai", ModelCooldownError("", "", 1, "1s"))
    assert headers["Retry-After"] == "1"
    assert body == (b'{"error":{"code":"model_cooldown","message":"All credentials for model '
                    b'requested model are cooling down","model":"","reset_seconds":1,'
                    b'"reset_time":"1s"}}')
    err = _openai_error(429, body)
    assert isinstance(err, openai.RateLimitError) and err.code == "model_cooldown"


@pytest.mark.parametrize("fmt", ["openai", "claude", "gemini"])
def test_upstream_json_error_passes_through_verbatim(fmt: str) -> None:
    upstream = (b'{"type":"error","error":{"type":"overloaded_error",'
                b'"message":"Overloaded"}}\n')
    err = UpstreamError(529, upstream, "application/json",
                        headers={"Retry-After": "7", "Content-Length": "999",
                                 "Content-Encoding": "gzip"})
    status, headers, body = eb.render_error(fmt, err)
    assert status == 529
    assert body == upstream.strip()
    assert headers == {"Retry-After": "7", "Content-Type": "application/json"}


def test_upstream_json_array_passes_through() -> None:
    upstream = b'[{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}]'
    assert eb.render_error("gemini", UpstreamError(429, upstream))[2] == upstream


@pytest.mark.parametrize(("fmt", "path"), [
    ("openai", ("error", "message")),
    ("claude", ("error", "message")),
    ("gemini", ("error", "message")),
])
def test_upstream_text_error_is_wrapped(fmt: str, path: tuple[str, str]) -> None:
    for raw in (b"<html>502 Bad Gateway</html>", b'"just a json string"', b""):
        status, _, body = eb.render_error(fmt, UpstreamError(502, raw))
        assert status == 502
        parsed = jsonfast.loads(body)
        expected = raw.decode() or "status 502"
        assert parsed[path[0]][path[1]] == expected


def test_local_errors_render_their_text() -> None:
    status, _, body = eb.render_error("openai", NoCredentialError("auth_not_found"))
    assert status == 500
    assert jsonfast.loads(body)["error"] == {"message": "auth_not_found: no auth available",
                                             "type": "server_error",
                                             "code": "internal_server_error"}
    status, _, body = eb.render_error("gemini", TransportError("connect refused"))
    assert status == 502
    assert jsonfast.loads(body)["error"]["status"] == "UNAVAILABLE"
    status, _, body = eb.render_error("openai", BadRequestError("body is not JSON"))
    assert status == 400
    assert jsonfast.loads(body)["error"]["code"] == "invalid_request"


def test_unexpected_exception_text_never_reaches_the_client() -> None:
    err = ValueError("GET https://upstream/v1?key=AIzaSECRETSECRET failed")
    for fmt in ("openai", "claude", "gemini"):
        status, _, body = eb.render_error(fmt, err)
        assert status == 500
        assert b"SECRET" not in body and b"ValueError" in body


def test_fixed_bodies() -> None:
    assert eb.not_found_body("/v1beta/models/gemini-2.5-pro") == (
        b'{"error":{"message":"/v1beta/models/gemini-2.5-pro not found.",'
        b'"type":"invalid_request_error"}}')
    assert eb.GEMINI_MODEL_NOT_FOUND_BODY == (
        b'{"error":{"message":"Not Found","type":"not_found"}}')
    assert eb.invalid_request_body("unexpected EOF") == (
        b'{"error":{"message":"Invalid request: unexpected EOF",'
        b'"type":"invalid_request_error"}}')


def test_empty_message_falls_back_to_the_status_phrase() -> None:
    _, _, body = eb.render_message("openai", 503, "  ")
    assert jsonfast.loads(body)["error"]["message"] == "Service Unavailable"


# -- errors during a stream (§8.4) ------------------------------------------------------


def test_claude_stream_error_event() -> None:
    event = eb.stream_error_event("claude", TransportError("connection reset"))
    assert event == (b'event: error\ndata: {"type":"error","error":{"type":"api_error",'
                     b'"message":"connection reset"}}\n\n')
    with anthropic.Anthropic(api_key="sk-test", base_url="http://127.0.0.1:9") as client:
        stream = anthropic.Stream(cast_to=object, client=client,
                                  response=httpx2.Response(200, content=event, request=_REQ))
        with pytest.raises(anthropic.APIStatusError) as info:
            list(stream)
    assert (info.value.type, info.value.api_message) == ("api_error", "connection reset")


def test_openai_stream_error_event_is_raised_by_the_sdk() -> None:
    upstream = UpstreamError(429, b'{"error":{"message":"slow down","type":"rate_limit"}}')
    event = eb.stream_error_event("openai", upstream)
    assert event.startswith(b"data: {") and event.endswith(b"}\n\n")
    assert jsonfast.loads(event[6:]) == {"error": {"message": "slow down",
                                                   "type": "rate_limit_error",
                                                   "code": "rate_limit_exceeded"}}
    body = frame_openai(b'{"id":"c1","object":"chat.completion.chunk","created":1,'
                        b'"model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}')
    with openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1") as client:
        stream = openai.Stream(cast_to=ChatCompletionChunk, client=client,
                               response=httpx2.Response(200, content=body + event,
                                                        request=_REQ))
        seen = []
        with pytest.raises(openai.APIError) as info:
            for chunk in stream:
                seen.append(chunk.choices[0].delta.content)
    assert seen == ["Hi"] and info.value.message == "slow down"


def test_responses_stream_error_event_matches_the_sdk_type() -> None:
    event = eb.stream_error_event("openai-response", UpstreamError(500, b"boom"),
                                  sequence_number=12)
    assert event.startswith(b"event: error\ndata: ")
    (sse,) = list(SSEDecoder().iter_bytes(iter([event])))
    assert sse.event == "error"
    parsed = ResponseErrorEvent.model_validate(sse.json())
    assert (parsed.code, parsed.message, parsed.param, parsed.sequence_number) == (
        "internal_server_error", "boom", None, 12)
    assert list(sse.json()) == ["type", "code", "message", "param", "sequence_number"]


@pytest.mark.parametrize("fmt", ["gemini", "gemini-cli"])
def test_gemini_stream_error_event(fmt: str) -> None:
    event = eb.stream_error_event(fmt, TransportError("reset"))
    assert event == (b'data: {"error":{"code":502,"message":"reset",'
                     b'"status":"UNAVAILABLE"}}\n\n')


def test_gemini_raw_stream_error_has_no_sse_syntax() -> None:
    event = eb.stream_error_event("gemini", TransportError("reset"), alt="json")
    assert event == b'{"error":{"code":502,"message":"reset","status":"UNAVAILABLE"}}\n'


# -- model lists (§9) -------------------------------------------------------------------

MODELS: list[dict[str, Any]] = [
    {"id": "gpt-5", "object": "model", "created": 1760000000, "owned_by": "openai",
     "type": "openai", "display_name": "GPT 5", "version": "gpt-5-2025-08-07",
     "description": "GPT 5", "context_length": 400000, "max_completion_tokens": 128000,
     "supported_parameters": ["tools"]},
    {"id": "gemini-2.5-pro", "object": "model", "created": 1760000000, "owned_by": "google",
     "type": "gemini", "display_name": "Gemini 2.5 Pro", "name": "models/gemini-2.5-pro",
     "version": "2.5", "displayName": "Gemini 2.5 Pro", "description": "Gemini",
     "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
     "supportedGenerationMethods": ["generateContent", "countTokens"]},
    {"id": "claude-sonnet-4-5-20250929", "object": "model", "created": 1759104000,
     "owned_by": "anthropic", "type": "claude", "display_name": "Claude 4.5 Sonnet"},
    {"id": "local-llama", "object": "model", "created": 0, "type": "openai-compatibility",
     "display_name": "llama"},
]


def test_openai_models_list_shape_and_order() -> None:
    body = jsonfast.loads(openai_models_list(MODELS))
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [
        "claude-sonnet-4-5-20250929", "gemini-2.5-pro", "gpt-5", "local-llama"]
    by_id = {m["id"]: m for m in body["data"]}
    assert by_id["local-llama"] == {"id": "local-llama", "object": "model", "owned_by": "",
                                    "type": "openai-compatibility", "display_name": "llama"}
    assert by_id["gpt-5"] == {k: v for k, v in MODELS[0].items()}
    assert set(by_id["gemini-2.5-pro"]) == {"id", "object", "owned_by", "created", "type",
                                            "display_name", "version", "description"}
    for entry in body["data"]:
        Model.model_validate({"created": 0, **entry})


def test_claude_models_list_shape() -> None:
    body = jsonfast.loads(claude_models_list(MODELS))
    assert list(body) == ["data", "has_more", "first_id", "last_id"]
    assert body["has_more"] is False
    assert (body["first_id"], body["last_id"]) == ("claude-sonnet-4-5-20250929", "local-llama")
    assert body["data"][0] == {"id": "claude-sonnet-4-5-20250929", "object": "model",
                               "owned_by": "anthropic", "created": 1759104000,
                               "type": "claude", "display_name": "Claude 4.5 Sonnet"}
    assert all(set(m) <= {"id", "object", "owned_by", "created", "type", "display_name"}
               for m in body["data"])
    assert jsonfast.loads(claude_models_list([])) == {"data": [], "has_more": False,
                                                      "first_id": None, "last_id": None}


def test_gemini_models_list_shape() -> None:
    body = jsonfast.loads(gemini_models_list(MODELS))
    names = [m["name"] for m in body["models"]]
    assert names == ["claude-sonnet-4-5-20250929", "models/gemini-2.5-pro", "gpt-5",
                     "local-llama"]
    pro = body["models"][1]
    assert pro == {"name": "models/gemini-2.5-pro", "version": "2.5",
                   "displayName": "Gemini 2.5 Pro", "description": "Gemini",
                   "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
                   "supportedGenerationMethods": ["generateContent", "countTokens"]}
    assert body["models"][0] == {"name": "claude-sonnet-4-5-20250929",
                                 "displayName": "Claude 4.5 Sonnet"}
    # google-genai's own reading path: wire converter, then validation of the known fields
    parsed = [genai_types.Model._from_response(response=genai_models._Model_from_mldev(m),
                                               kwargs={})
              for m in body["models"]]
    assert parsed[1].input_token_limit == 1048576
    assert parsed[1].supported_actions == ["generateContent", "countTokens"]


@pytest.mark.parametrize(("name", "expected"), [
    ("gemini-2.5-pro", "models/gemini-2.5-pro"),
    ("models/gemini-2.5-pro", "models/gemini-2.5-pro"),
    ("gpt-5", "gpt-5"),
    ("models/gpt-5", "gpt-5"),
    ("gemini-9", None),
    ("models/", None),
    ("", None),
])
def test_gemini_model_get(name: str, expected: str | None) -> None:
    found = gemini_model_get(MODELS, name)
    assert (found or {}).get("name") == expected


def test_gemini_model_get_carries_sampling_defaults_when_registered() -> None:
    model = {**MODELS[1], "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2,
             "thinking": True}
    found = gemini_model_get([model], "gemini-2.5-pro")
    assert found is not None
    assert (found["topP"], found["topK"], found["thinking"]) == (0.95, 64, True)
    assert "temperature" not in (gemini_model_get(MODELS, "gemini-2.5-pro") or {})


@pytest.mark.parametrize(("user_agent", "claude_shape"), [
    ("claude-cli/2.0.14 (external, cli)", True),
    ("Claude-cli/2.0", False),
    ("curl/8 claude-cli", False),
    ("OpenAI/Python 1.0", False),
    ("", False),
    (None, False),
])
def test_models_list_shape_chosen_by_user_agent(user_agent: str | None,
                                                claude_shape: bool) -> None:
    body = jsonfast.loads(models_list_for(user_agent, MODELS))
    assert ("has_more" in body) is claude_shape
    assert ("object" in body) is not claude_shape


# -- legacy completions (§4.2) ----------------------------------------------------------


@pytest.mark.parametrize(("prompt", "content"), [
    ("Say hi", "Say hi"),
    ("", "Complete this:"),
    (None, "Complete this:"),
    (["a", "b"], '["a","b"]'),
])
def test_completions_prompt(prompt: Any, content: str) -> None:
    body: dict[str, Any] = {"model": "gpt-5"}
    if prompt is not None:
        body["prompt"] = prompt
    assert completions_to_chat(body) == {
        "model": "gpt-5", "messages": [{"role": "user", "content": content}]}


def test_completions_copies_known_fields_and_drops_the_rest() -> None:
    chat = completions_to_chat({
        "model": "gpt-5", "prompt": "x", "max_tokens": "12", "temperature": 1,
        "top_p": 0.5, "frequency_penalty": "0.25", "presence_penalty": 0,
        "stop": ["\n", "END"], "stream": True, "logprobs": 3, "echo": "true",
        "top_logprobs": 2.9, "suffix": "s", "n": 2, "user": "u", "best_of": 3,
        "stream_options": {"include_usage": True}, "seed": None,
    })
    assert chat == {
        "model": "gpt-5", "messages": [{"role": "user", "content": "x"}],
        "max_tokens": 12, "temperature": 1.0, "top_p": 0.5, "frequency_penalty": 0.25,
        "presence_penalty": 0.0, "stop": ["\n", "END"], "stream": True, "logprobs": True,
        "top_logprobs": 2, "echo": True,
    }


def test_completions_null_fields_are_absent() -> None:
    chat = completions_to_chat({"model": "m", "prompt": "p", "max_tokens": None,
                                "stream": None, "stop": None})
    assert set(chat) == {"model", "messages"}


def test_chat_response_to_completions() -> None:
    out = chat_response_to_completions({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
        "model": "gpt-5", "system_fingerprint": "fp",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hello"},
             "finish_reason": "stop", "logprobs": None},
            {"index": 1, "message": {"role": "assistant", "content": None},
             "finish_reason": None},
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    })
    assert out == {
        "id": "chatcmpl-1", "object": "text_completion", "created": 1700000000,
        "model": "gpt-5",
        "choices": [
            {"index": 0, "text": "Hello", "finish_reason": "stop", "logprobs": None},
            {"index": 1, "text": "", "finish_reason": None},
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
    assert list(out) == ["id", "object", "created", "model", "choices", "usage"]
    # the SDK builds responses leniently; the regular choice also passes strict validation
    parsed = construct_type(type_=Completion, value=out)
    assert parsed.choices[1].finish_reason is None and parsed.usage.total_tokens == 4
    strict = Completion.model_validate({**out, "choices": out["choices"][:1]})
    assert strict.choices[0].text == "Hello"


def test_chat_response_defaults_when_fields_are_missing() -> None:
    assert chat_response_to_completions({}) == {
        "id": "", "object": "text_completion", "created": 0, "model": "", "choices": []}


CHUNK_CASES: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
    # role-only delta: nothing to show
    ({"id": "c", "created": 5, "model": "m",
      "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}, None),
    # usage-only chunk
    ({"id": "c", "created": 5, "model": "m", "choices": [],
      "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}, None),
    # finish_reason "null" as text does not count
    ({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "null"}]}, None),
    ({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": None}]}, None),
    # content; a JSON null finish_reason stays null
    ({"id": "c", "created": 5, "model": "m",
      "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]},
     {"id": "c", "object": "text_completion", "created": 5, "model": "m",
      "choices": [{"index": 0, "text": "Hi", "finish_reason": None}]}),
    # content without a finish_reason key: the key stays absent
    ({"id": "c", "created": 5, "model": "m",
      "choices": [{"index": 0, "delta": {"content": "Hi"}}]},
     {"id": "c", "object": "text_completion", "created": 5, "model": "m",
      "choices": [{"index": 0, "text": "Hi"}]}),
    # the final chunk: no content, a finish_reason; usage is not carried
    ({"id": "c", "created": 5, "model": "m",
      "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
      "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}},
     {"id": "c", "object": "text_completion", "created": 5, "model": "m",
      "choices": [{"index": 0, "text": "", "finish_reason": "stop"}]}),
    # missing id/model/created
    ({"choices": [{"delta": {"content": "x"}}]},
     {"id": "", "object": "text_completion", "created": 0, "model": "",
      "choices": [{"index": 0, "text": "x"}]}),
]


@pytest.mark.parametrize(("chunk", "expected"), CHUNK_CASES)
def test_chat_chunk_to_completions(chunk: dict[str, Any],
                                   expected: dict[str, Any] | None) -> None:
    assert chat_chunk_to_completions(chunk) == expected


def test_converted_chunks_read_by_the_openai_sdk() -> None:
    converted = [chat_chunk_to_completions(chunk) for chunk, _ in CHUNK_CASES]
    wire = b"".join(frame_openai(jsonfast.dumps(c)) for c in converted if c is not None)
    wire += end_of_stream("openai")
    with openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1") as client:
        stream = openai.Stream(cast_to=Completion, client=client,
                               response=httpx2.Response(200, content=wire, request=_REQ))
        texts = [(c.choices[0].text, c.choices[0].finish_reason) for c in stream]
    assert texts == [("Hi", None), ("Hi", None), ("", "stop"), ("x", None)]


# -- SSE framing (§7) -------------------------------------------------------------------


def test_sse_headers() -> None:
    assert SSE_HEADERS == {"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                           "Connection": "keep-alive", "Access-Control-Allow-Origin": "*",
                           "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
                           "Access-Control-Allow-Headers": "*"}


def test_openai_framing_matches_the_spec_example() -> None:
    chunks = [
        (b'{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,'
         b'"delta":{"content":"Hi"}}]}'),
        (b'{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,'
         b'"delta":{},"finish_reason":"stop"}]}'),
    ]
    frame = frame_for("openai")
    wire = b"".join(filter(None, map(frame, chunks))) + end_of_stream("openai")
    assert wire == (b"data: " + chunks[0] + b"\n\ndata: " + chunks[1] + b"\n\n"
                    b"data: [DONE]\n\n")
    assert OPENAI_DONE == b"data: [DONE]\n\n"
    assert frame_openai(b"") == b""


@pytest.mark.parametrize("items", [
    [b'event: response.created\ndata: {"type":"response.created","response":{}}',
     (b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
      b'"delta":"Hi"}')],
    [b"event: response.created", b'data: {"type":"response.created","response":{}}',
     b"event: response.output_text.delta",
     b'data: {"type":"response.output_text.delta","delta":"Hi"}'],
])
def test_responses_framing_matches_the_spec_example(items: list[bytes]) -> None:
    frame = frame_for("openai-response")
    wire = b"".join(map(frame, items)) + end_of_stream("openai-response")
    assert wire == (b'\nevent: response.created\ndata: {"type":"response.created",'
                    b'"response":{}}\n\nevent: response.output_text.delta\n'
                    b'data: {"type":"response.output_text.delta","delta":"Hi"}\n\n')
    events = list(SSEDecoder().iter_bytes(iter([wire])))
    assert [e.event for e in events] == ["response.created", "response.output_text.delta"]
    assert RESPONSES_END == b"\n" and frame_responses(b"") == b""


def test_claude_blocks_are_written_unchanged() -> None:
    block = b'event: message_stop\ndata: {"type":"message_stop"}\n\n\n'
    assert frame_claude(block) is block
    assert frame_for("claude") is frame_claude
    assert end_of_stream("claude") == b""


def test_gemini_framing_depends_on_alt() -> None:
    payload = b'{"candidates":[]}'
    assert frame_gemini(payload, "") == b'data: {"candidates":[]}\n\n'
    assert frame_gemini(payload, "json") == payload
    assert frame_for("gemini", "")(payload) == b'data: {"candidates":[]}\n\n'
    assert frame_for("gemini", "json")(payload) == payload
    assert end_of_stream("gemini") == b""


@pytest.mark.parametrize(("payload", "framed"), [
    (b'{"response":{}}', b'data: {"response":{}}\n\n'),
    (b'data: {"response":{}}', b'data: {"response":{}}\n\n'),
    (b"[DONE]", None),
    (b"data: [DONE]", None),
    (b"", None),
])
def test_gemini_cli_framing(payload: bytes, framed: bytes | None) -> None:
    assert frame_gemini_cli(payload) == framed
    assert frame_for("gemini-cli")(payload) == framed
