"""The Gemini-CLI envelope pairs (translators.md §0.2, §2.4, §4.4, §1.7).

The wrappers are exercised around tiny fake base pairs registered under test-only format
names, so these tests do not depend on the families' progress; the last tests run the
real registered pairs.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from google.genai import types as genai_types
from hypothesis import given, settings
from hypothesis import strategies as st

from cliproxy_tui import jsonfast
from cliproxy_tui.errors import NotImplementedRouteError
from cliproxy_tui.translate import gemini_cli, registry
from cliproxy_tui.translate.common import count_from_upstream, data_payload, gemini_count_body
from cliproxy_tui.translate.gemini_cli import (
    CloudCodeIdentity,
    FromCloudCodeClient,
    ToCloudCode,
    alternate_roles,
    regroup_tool_responses,
    unwrap_body,
    unwrap_lines,
    unwrap_request,
    unwrap_units,
    wrap_payload,
    wrap_request,
)
from cliproxy_tui.translate.gemini_stream import parse_units
from cliproxy_tui.translate.registry import StreamState

# --------------------------------------------------------------------------- fakes


class _FakeClientToGemini:
    """("tclient", "tgem"): client body {"say": …} → Gemini body; answers → {"text": …}."""

    client = "tclient"
    upstream = "tgem"

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return {"model": model, "contents": [{"role": "user", "parts": [{"text": body["say"]}]}],
                "system_instruction": {"parts": [{"text": "sys"}]}, "stream": stream}

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        state = StreamState(model, client_body)
        state.data = {"texts": [], "ended": False}
        return state

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        obj = jsonfast.loads(upstream_body)
        parts = obj["candidates"][0]["content"]["parts"]
        return jsonfast.dumps({"text": "".join(p["text"] for p in parts), "model": state.model})

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        out = []
        for line in lines:
            payload = data_payload(line)
            if payload is None:
                continue
            chunk = jsonfast.loads(payload)
            text = "".join(p["text"] for p in chunk["candidates"][0]["content"]["parts"])
            state.data["texts"].append(text)
            out.append(jsonfast.dumps({"delta": text}))
        return out

    def stream_end(self, state: StreamState) -> list[bytes]:
        state.data["ended"] = True
        return [jsonfast.dumps({"done": "".join(state.data["texts"])})]

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return jsonfast.dumps({"n": count_from_upstream("gemini", upstream_body)})


class _FakeGeminiToUpstream:
    """("tgem", "tup"): Gemini client body → {"prompt": …}; upstream text → Gemini chunks."""

    client = "tgem"
    upstream = "tup"

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        return {"model": model, "seen": body}

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState:
        state = StreamState(model, client_body)
        state.data = client_body  # so tests can see what the base pair was given
        return state

    @staticmethod
    def _chunk(text: str, finish: bool = False) -> bytes:
        cand: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
        if finish:
            cand["finishReason"] = "STOP"
        return jsonfast.dumps({"candidates": [cand]})

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return self._chunk(jsonfast.loads(upstream_body)["text"], finish=True) + b"\n"

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        out = []
        for line in lines:
            payload = data_payload(line)
            if payload is not None:
                out.append(self._chunk(jsonfast.loads(payload)["t"]))
        return out

    def stream_end(self, state: StreamState) -> list[bytes]:
        return [self._chunk("", finish=True), b""]

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        return gemini_count_body(jsonfast.loads(upstream_body)["input_tokens"])


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> tuple[ToCloudCode, FromCloudCodeClient]:
    registry._ensure_loaded()
    monkeypatch.setitem(registry._PAIRS, ("tclient", "tgem"), _FakeClientToGemini())
    monkeypatch.setitem(registry._PAIRS, ("tgem", "tup"), _FakeGeminiToUpstream())
    return (ToCloudCode("tclient", upstream="tcli", inner="tgem"),
            FromCloudCodeClient("tup", client="tcli", inner="tgem"))


def _envelope(unit: dict[str, Any]) -> bytes:
    return b"data: " + jsonfast.dumps({"response": unit, "traceId": "abc"})


def _gem_chunk(text: str) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}}]}


# --------------------------------------------------------------------------- (C, gemini-cli)


def test_request_is_wrapped(fakes: Any) -> None:
    to_cli, _ = fakes
    body = {"say": "hi"}
    out = to_cli.request("gemini-2.5-pro", body, True)
    assert out == {"model": "gemini-2.5-pro", "project": "", "request": {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "sys"}]}, "stream": True}}
    assert body == {"say": "hi"}


def test_stream_units_are_unwrapped_before_the_base_pair(fakes: Any) -> None:
    to_cli, _ = fakes
    state = to_cli.new_stream("m", {"say": "x"})
    lines = [_envelope(_gem_chunk("Hel")), b"", b"data: [DONE]", _envelope(_gem_chunk("lo")),
             b"", b'data: {"traceId":"no response object"}', b"junk", b"[DONE]"]
    out = to_cli.stream_lines(state, lines)
    assert [jsonfast.loads(p) for p in out] == [{"delta": "Hel"}, {"delta": "lo"}]
    assert [jsonfast.loads(p) for p in to_cli.stream_end(state)] == [{"done": "Hello"}]


def test_array_unit_and_bare_chunks(fakes: Any) -> None:
    to_cli, _ = fakes
    state = to_cli.new_stream("m", {"say": "x"})
    array = jsonfast.dumps([{"response": _gem_chunk("a")}, {"response": _gem_chunk("b")}])
    out = to_cli.stream_lines(state, [array, b"data: " + jsonfast.dumps(_gem_chunk("c"))])
    assert [jsonfast.loads(p)["delta"] for p in out] == ["a", "b", "c"]


def test_non_stream_and_count_are_unwrapped(fakes: Any) -> None:
    to_cli, _ = fakes
    state = to_cli.new_stream("gem-model", {"say": "x"})
    body = jsonfast.dumps({"response": _gem_chunk("whole"), "traceId": "t"})
    assert jsonfast.loads(to_cli.response(state, body)) == {"text": "whole", "model": "gem-model"}
    # an unwrapped body passes as it is
    plain = jsonfast.dumps(_gem_chunk("plain"))
    assert jsonfast.loads(to_cli.response(state, plain))["text"] == "plain"
    assert jsonfast.loads(to_cli.count_response(state, b'{"totalTokens":17}')) == {"n": 17}
    assert jsonfast.loads(to_cli.count_response(
        state, b'{"response":{"totalTokens":9}}')) == {"n": 9}


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(max_size=8), min_size=1, max_size=8), data=st.data())
def test_random_batching_gives_the_same_text(texts: list[str], data: Any) -> None:
    saved = dict(registry._PAIRS)
    try:
        registry._PAIRS[("tclient", "tgem")] = _FakeClientToGemini()
        to_cli = ToCloudCode("tclient", upstream="tcli", inner="tgem")
        lines: list[bytes] = []
        for t in texts:
            lines += [_envelope(_gem_chunk(t)), b""]
        cuts = sorted(data.draw(st.lists(st.integers(0, len(lines)), max_size=6)))
        batches = [lines[a:b] for a, b in zip([0, *cuts], [*cuts, len(lines)])]
        state = to_cli.new_stream("m", {"say": "x"})
        deltas = []
        for batch in batches:
            deltas += [jsonfast.loads(p)["delta"] for p in to_cli.stream_lines(state, batch)]
        assert "".join(deltas) == "".join(texts)
        assert jsonfast.loads(to_cli.stream_end(state)[0]) == {"done": "".join(texts)}
    finally:
        registry._PAIRS.clear()
        registry._PAIRS.update(saved)


# --------------------------------------------------------------------------- (gemini-cli, U)


def test_client_envelope_is_unwrapped(fakes: Any) -> None:
    _, from_cli = fakes
    body = {"model": "ignored", "project": "p-1",
            "request": {"contents": [], "systemInstruction": {"parts": [{"text": "s"}]}}}
    before = copy.deepcopy(body)
    out = from_cli.request("gemini-2.5-flash", body, False)
    assert out == {"model": "gemini-2.5-flash", "seen": {
        "contents": [], "system_instruction": {"parts": [{"text": "s"}]},
        "model": "gemini-2.5-flash"}}
    assert body == before
    # the base pair's state is built from the unwrapped request
    state = from_cli.new_stream("gemini-2.5-flash", body)
    assert state.data["system_instruction"] == {"parts": [{"text": "s"}]}
    assert "project" not in state.data


def test_outputs_are_wrapped_as_response(fakes: Any) -> None:
    _, from_cli = fakes
    state = from_cli.new_stream("m", {"request": {}})
    out = from_cli.stream_lines(state, [b'data: {"t":"a"}', b"", b'data: {"t":"b"}'])
    units = [jsonfast.loads(p) for p in out]
    assert [u["response"]["candidates"][0]["content"]["parts"][0]["text"] for u in units] == \
        ["a", "b"]
    for u in units:
        genai_types.GenerateContentResponse.model_validate(u["response"])
    end = from_cli.stream_end(state)
    assert len(end) == 1  # empty payloads are dropped, not wrapped
    assert jsonfast.loads(end[0])["response"]["candidates"][0]["finishReason"] == "STOP"
    whole = jsonfast.loads(from_cli.response(state, b'{"text":"all"}'))
    assert whole["response"]["candidates"][0]["content"]["parts"] == [{"text": "all"}]


def test_client_count_has_no_envelope(fakes: Any) -> None:
    _, from_cli = fakes
    state = from_cli.new_stream("m", {"request": {}})
    assert jsonfast.loads(from_cli.count_response(state, b'{"input_tokens":17}')) == {
        "totalTokens": 17, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 17}]}


def test_bare_body_without_envelope(fakes: Any) -> None:
    _, from_cli = fakes
    out = from_cli.request("m", {"contents": [{"role": "user"}], "project": "x"}, False)
    assert out["seen"] == {"contents": [{"role": "user"}], "model": "m"}


def test_missing_base_pair_is_a_clear_error() -> None:
    with pytest.raises(NotImplementedRouteError):
        ToCloudCode("nobody", upstream="tcli", inner="nothing").request("m", {}, False)
    with pytest.raises(NotImplementedRouteError):
        FromCloudCodeClient("nowhere", client="tcli", inner="nothing").request("m", {}, False)


# --------------------------------------------------------------------------- helpers


def test_wrap_and_unwrap_helpers() -> None:
    gem = {"model": "m", "system_instruction": {"parts": []}, "contents": []}
    assert wrap_request("m", gem) == {"model": "m", "project": "", "request": {
        "systemInstruction": {"parts": []}, "contents": []}}
    assert gem["system_instruction"] == {"parts": []}
    assert unwrap_request("m2", {"request": {"systemInstruction": 1}}) == \
        {"system_instruction": 1, "model": "m2"}
    assert wrap_payload(b'{"a":1}') == b'{"response":{"a":1}}'
    assert wrap_payload(b'data: {"a":1}\n') == b'{"response":{"a":1}}'
    assert wrap_payload(b"") == b"" and wrap_payload(b"[DONE]") == b""
    assert unwrap_body(b'{"response":{"a":1}}') == b'{"a":1}'
    assert unwrap_body(b"not json") == b"not json"
    assert unwrap_lines([b"", b'data: {"response":{"a":1}}']) == [b"", b'data: {"a":1}']


_unit = st.fixed_dictionaries({}, optional={
    "candidates": st.just([{"content": {"role": "model", "parts": [{"text": "t"}]}}]),
    "usageMetadata": st.just({"promptTokenCount": 3}), "responseId": st.just("r")})
_envelopes = st.one_of(
    _unit.map(lambda u: {"response": u, "traceId": "t"}), _unit,
    _unit.map(lambda u: {"response": {"response": u}}),  # unwrapped twice, as before
    _unit.map(lambda u: {"response": u, "candidates": []}), st.just({"traceId": "none"}))
_lines = st.one_of(
    _envelopes.map(lambda e: b"data: " + jsonfast.dumps(e)),
    st.lists(_envelopes, max_size=3).map(jsonfast.dumps),
    _envelopes.map(lambda e: b"data: junk" + jsonfast.dumps(e)),
    st.sampled_from([b"", b"data: [DONE]", b"[DONE]", b"junk", b"data: {broken", b": ping"]))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_lines, max_size=8))
def test_unwrap_units_is_parsing_the_unwrapped_lines(lines: list[bytes]) -> None:
    # the gemini pairs take the parsed units; others the lines: both read the same units
    assert unwrap_units(lines) == parse_units(unwrap_lines(lines))


def test_gemini_pairs_get_the_units_without_a_second_parse(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lines(lines: list[bytes]) -> list[bytes]:
        raise AssertionError("units were serialised again")

    monkeypatch.setattr(gemini_cli, "unwrap_lines", no_lines)
    for client in ("openai", "openai-response", "claude"):
        pair = registry.get_pair(client, "gemini-cli")
        assert pair is not None
        state = pair.new_stream("gemini-2.5-flash", {"model": "gemini-2.5-flash"})
        assert pair.stream_lines(state, [_envelope(_gem_chunk("hi")), b""])


def test_regroup_tool_responses() -> None:
    call = {"functionCall": {"name": "f", "args": {}}}
    resp_a = {"functionResponse": {"name": "f", "response": {"result": "a"}}}
    resp_b = {"functionResponse": {"name": "f", "response": {"result": "b"}}}
    contents = [
        {"role": "user", "parts": [{"text": "go"}]},
        {"role": "model", "parts": [call, call]},
        {"role": "user", "parts": [resp_a]},
        {"role": "user", "parts": [resp_b, {"text": "and also"}]},
        {"role": "model", "parts": [{"text": "done"}]},
    ]
    before = copy.deepcopy(contents)
    out = regroup_tool_responses(contents)
    assert contents == before
    assert out == [
        {"role": "user", "parts": [{"text": "go"}]},
        {"role": "model", "parts": [call, call]},
        {"role": "function", "parts": [resp_a, resp_b]},
        {"role": "user", "parts": [{"text": "and also"}]},  # kept, unlike upstream
        {"role": "model", "parts": [{"text": "done"}]},
    ]
    # a response nobody asked for is still sent, at the end
    stray = regroup_tool_responses([{"role": "user", "parts": [resp_a]}])
    assert stray == [{"role": "function", "parts": [resp_a]}]


def test_alternate_roles() -> None:
    contents = [{"parts": []}, {"role": "model", "parts": []}, {"role": "function", "parts": []},
                {"role": "tool", "parts": []}, {"role": "user", "parts": []}]
    assert [c["role"] for c in alternate_roles(contents)] == \
        ["user", "model", "user", "model", "user"]
    assert "role" not in contents[0]


def test_identity_pair() -> None:
    pair = CloudCodeIdentity()
    body = {"model": "m", "project": "p", "request": {"contents": []}}
    assert pair.request("m", body, True) is body
    state = pair.new_stream("m", body)
    out = pair.stream_lines(state, [b'data: {"response":{"a":1}}', b"", b"data: [DONE]"])
    assert out == [b'{"response":{"a":1}}']
    assert pair.stream_end(state) == []
    assert pair.response(state, b'{"response":{}}') == b'{"response":{}}'
    assert pair.count_response(state, b'{"totalTokens":3}') == b'{"totalTokens":3}'


# --------------------------------------------------------------------------- registered pairs


def test_every_envelope_pair_is_registered() -> None:
    for client in ("openai", "openai-response", "claude", "gemini"):
        pair = registry.get_pair(client, "gemini-cli")
        assert isinstance(pair, ToCloudCode) and pair.client == client
    for upstream in ("gemini", "claude", "codex", "openai"):
        pair = registry.get_pair("gemini-cli", upstream)
        assert isinstance(pair, FromCloudCodeClient) and pair.upstream == upstream
    assert isinstance(registry.get_pair("gemini-cli", "gemini-cli"), CloudCodeIdentity)


def test_gemini_client_over_cloud_code() -> None:
    pair = registry.get_pair("gemini", "gemini-cli")
    assert pair is not None
    body = {"systemInstruction": {"parts": [{"text": "be brief"}]},
            "contents": [
                {"role": "user", "parts": [{"text": "weather?"}]},
                {"role": "model", "parts": [{"functionCall": {"name": "w", "args": {}}}]},
                {"role": "user", "parts": [{"functionResponse": {"name": "w",
                                                                 "response": {"t": 18}}}]}],
            "tools": [{"function_declarations": [{"name": "w", "parameters": {"type": "object"}}]}]}
    before = copy.deepcopy(body)
    out = pair.request("gemini-2.5-pro", body, True)
    assert body == before
    assert out["model"] == "gemini-2.5-pro" and out["project"] == ""
    inner = out["request"]
    assert "model" not in inner and "system_instruction" not in inner
    assert inner["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert [c["role"] for c in inner["contents"]] == ["user", "model", "user"]
    assert inner["tools"][0]["function_declarations"][0] == {
        "name": "w", "parametersJsonSchema": {"type": "object"}}
    # the Cloud Code answer reaches the Gemini client without its envelope
    state = pair.new_stream("gemini-2.5-pro", body)
    chunk = _gem_chunk("sunny")
    out_lines = pair.stream_lines(state, [_envelope(chunk), b""])
    assert [jsonfast.loads(p) for p in out_lines] == [chunk]
    genai_types.GenerateContentResponse.model_validate(jsonfast.loads(out_lines[0]))
    assert jsonfast.loads(pair.response(state, jsonfast.dumps({"response": chunk}))) == chunk


def test_cloud_code_client_over_gemini() -> None:
    pair = registry.get_pair("gemini-cli", "gemini")
    assert pair is not None
    body = {"model": "x", "project": "p", "request": {"contents": [
        {"role": "user", "parts": [{"text": "hi"}]}]}}
    upstream_body = pair.request("gemini-2.5-flash", body, True)
    assert "project" not in upstream_body and "request" not in upstream_body
    assert upstream_body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    state = pair.new_stream("gemini-2.5-flash", body)
    chunk = _gem_chunk("hello")
    out = pair.stream_lines(state, [b"data: " + jsonfast.dumps(chunk), b""])
    assert [jsonfast.loads(p) for p in out] == [{"response": chunk}]
    whole = pair.response(state, jsonfast.dumps(chunk))
    assert jsonfast.loads(whole) == {"response": chunk}
    assert count_from_upstream("gemini", pair.count_response(state, b'{"totalTokens":4}')) == 4


# §10 C, as Cloud Code sends it: each unit inside {"response": …}
_UNIT_1 = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}}],
           "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5},
           "modelVersion": "gemini-2.5-flash", "responseId": "r1"}
_UNIT_2 = {"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}]},
                           "finishReason": "STOP"}],
           "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2,
                             "totalTokenCount": 7},
           "modelVersion": "gemini-2.5-flash", "responseId": "r1"}


def test_openai_client_over_cloud_code() -> None:
    import openai.types

    pair = registry.get_pair("openai", "gemini-cli")
    assert pair is not None
    body = {"model": "gemini-2.5-flash", "stream": True,
            "messages": [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": "hi"}]}
    before = copy.deepcopy(body)
    out = pair.request("gemini-2.5-flash", body, True)
    assert body == before
    assert set(out) == {"model", "project", "request"} and out["model"] == "gemini-2.5-flash"
    inner = out["request"]
    assert "model" not in inner and "system_instruction" not in inner
    assert inner["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert inner["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]

    state = pair.new_stream("gemini-2.5-flash", body)
    lines = [_envelope(_UNIT_1), b"", _envelope(_UNIT_2), b""]
    payloads = pair.stream_lines(state, lines[:2]) + pair.stream_lines(state, lines[2:])
    payloads += pair.stream_end(state)
    chunks = [openai.types.chat.ChatCompletionChunk.model_validate(jsonfast.loads(p))
              for p in payloads]
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == "Hello"
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 7

    whole = {**_UNIT_2, "candidates": [{"content": {"role": "model", "parts": [
        {"text": "Hello"}]}, "finishReason": "STOP"}]}
    completion = openai.types.chat.ChatCompletion.model_validate(jsonfast.loads(
        pair.response(state, jsonfast.dumps({"response": whole, "traceId": "t"}))))
    assert completion.choices[0].message.content == "Hello"
    assert completion.usage is not None and completion.usage.completion_tokens == 2


def test_claude_client_over_cloud_code_count() -> None:
    pair = registry.get_pair("claude", "gemini-cli")
    assert pair is not None
    body = {"model": "gemini-2.5-pro", "max_tokens": 10,
            "messages": [{"role": "user", "content": "hi"}]}
    out = pair.request("gemini-2.5-pro", body, False)
    assert out["project"] == "" and "contents" in out["request"]
    state = pair.new_stream("gemini-2.5-pro", body)
    # §10 H through the envelope
    assert jsonfast.loads(pair.count_response(state, b'{"totalTokens":17}')) == \
        {"input_tokens": 17}


def test_cloud_code_client_over_claude_stream() -> None:
    pair = registry.get_pair("gemini-cli", "claude")
    assert pair is not None
    body = {"model": "claude-sonnet-4-5", "project": "p",
            "request": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}}
    upstream_body = pair.request("claude-sonnet-4-5", body, True)
    assert upstream_body["model"] == "claude-sonnet-4-5" and "request" not in upstream_body
    state = pair.new_stream("claude-sonnet-4-5", body)
    sse = [
        b"event: message_start",
        (b'data: {"type":"message_start","message":{"id":"msg_01","type":"message",'
        b'"role":"assistant","content":[],"model":"claude-sonnet-4-5","usage":'
        b'{"input_tokens":10,"output_tokens":1}}}'), b"",
        b"event: content_block_start",
        b'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        b"", b"event: content_block_delta",
        b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Ok"}}',
        b"", b"event: content_block_stop", b'data: {"type":"content_block_stop","index":0}', b"",
        b"event: message_delta",
        (b'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
        b'"usage":{"output_tokens":3}}'), b"",
        b"event: message_stop", b'data: {"type":"message_stop"}', b"",
    ]
    payloads = pair.stream_lines(state, sse) + pair.stream_end(state)
    assert payloads
    texts = []
    for p in payloads:
        unit = jsonfast.loads(p)
        assert set(unit) == {"response"}
        resp = genai_types.GenerateContentResponse.model_validate(unit["response"])
        for cand in resp.candidates or []:
            texts += [part.text or "" for part in (cand.content.parts or []) if cand.content]
    assert "".join(texts) == "Ok"
