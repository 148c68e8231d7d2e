"""Shared outbound HTTP: upstream map, session pool, request errors, LineStream, usage parsing."""

from __future__ import annotations

import asyncio
import gzip
import logging
import socket
import zlib
from typing import Any

import aiohttp
import brotli
import pytest
import zstandard
from aiohttp_socks import ProxyConnector
from hypothesis import given, settings
from hypothesis import strategies as st

from cliproxy_tui.errors import StreamError, TransportError, UpstreamError
from cliproxy_tui.providers.h1parse import auto_decoder
from cliproxy_tui.providers.http import HttpPool, UpstreamMap, decode_body, read_body, request
from cliproxy_tui.providers.sse import MAX_LINE, LineStream
from cliproxy_tui.providers.usage_parse import (
    StreamUsageTracker,
    claude_usage,
    codex_usage,
    estimate_tokens,
    gemini_cli_usage,
    gemini_usage,
    openai_request_text,
    openai_usage,
)
from tests.fakes.base import FakeResponse, FakeUpstream, upstream_map_env
from tests.fakes.openai import FakeOpenAI

# -- UpstreamMap ----------------------------------------------------------------------------


def test_map_rewrites_origin_and_keeps_path_and_query() -> None:
    m = UpstreamMap.parse("https://api.anthropic.com=http://127.0.0.1:9101,"
                          "https://generativelanguage.googleapis.com=http://127.0.0.1:9102")
    assert len(m) == 2
    assert (m.rewrite("https://api.anthropic.com/v1/messages?beta=true")
            == "http://127.0.0.1:9101/v1/messages?beta=true")
    assert (m.rewrite("https://generativelanguage.googleapis.com/v1beta/models/x:countTokens")
            == "http://127.0.0.1:9102/v1beta/models/x:countTokens")
    assert m.rewrite("https://api.openai.com/v1/chat") == "https://api.openai.com/v1/chat"
    # scheme is part of the origin
    assert m.rewrite("http://api.anthropic.com/v1") == "http://api.anthropic.com/v1"


def test_map_compares_case_insensitively_and_normalises_default_ports() -> None:
    m = UpstreamMap.parse("HTTPS://API.Example.com:443=http://127.0.0.1:1")
    assert m.rewrite("https://api.example.com/a") == "http://127.0.0.1:1/a"
    assert m.rewrite("HTTPS://Api.Example.COM:443/a?b=1") == "http://127.0.0.1:1/a?b=1"
    assert m.rewrite("https://api.example.com:8443/a") == "https://api.example.com:8443/a"
    m2 = UpstreamMap.parse("http://h.test:80=http://127.0.0.1:2, https://h.test:8443=http://x:3")
    assert m2.rewrite("http://h.test/p") == "http://127.0.0.1:2/p"
    assert m2.rewrite("https://h.test:8443/p") == "http://x:3/p"
    assert m2.rewrite("https://h.test/p") == "https://h.test/p"


def test_map_prepends_target_path_prefix() -> None:
    m = UpstreamMap.parse("https://chatgpt.com=http://127.0.0.1:5/prefix/")
    assert (m.rewrite("https://chatgpt.com/backend-api/codex/responses")
            == "http://127.0.0.1:5/prefix/backend-api/codex/responses")
    assert m.rewrite("https://chatgpt.com") == "http://127.0.0.1:5/prefix"
    assert m.rewrite("https://chatgpt.com?x=1") == "http://127.0.0.1:5/prefix?x=1"
    # a longer host with the mapped one as prefix is a different origin
    assert m.rewrite("https://chatgpt.com.evil/x") == "https://chatgpt.com.evil/x"


def test_map_ignores_blank_entries_and_reads_env() -> None:
    assert not UpstreamMap.parse("")
    assert not UpstreamMap.parse(" , ,")
    m = UpstreamMap.from_env({"CLIPROXY_UPSTREAM_MAP": " https://a.test = http://127.0.0.1:7 ,"})
    assert m.rewrite("https://a.test/x") == "http://127.0.0.1:7/x"
    assert not UpstreamMap.from_env({})


@pytest.mark.parametrize("bad", [
    "https://api.openai.com",                 # no '='
    "api.openai.com=http://127.0.0.1:1",      # origin without scheme
    "ftp://files.test=http://127.0.0.1:1",    # unsupported scheme
    "https://a.test/v1=http://127.0.0.1:1",   # origin with a path
    "https://a.test=127.0.0.1:1",             # target without scheme
    "https://a.test=http://",                 # target without host
    "https://a.test:abc=http://127.0.0.1:1",  # bad port
    "https://a.test=http://127.0.0.1:99999",  # port out of range
])
def test_map_rejects_invalid_pairs_naming_them(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        UpstreamMap.parse(f"https://ok.test=http://127.0.0.1:1,{bad}")
    assert bad in str(info.value)
    assert "CLIPROXY_UPSTREAM_MAP" in str(info.value)


def test_pool_reads_the_map_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPROXY_UPSTREAM_MAP", "https://api.openai.com=http://127.0.0.1:4")
    assert HttpPool().url("https://api.openai.com/v1/models") == "http://127.0.0.1:4/v1/models"
    monkeypatch.setenv("CLIPROXY_UPSTREAM_MAP", "garbage")
    with pytest.raises(ValueError):
        HttpPool()


# -- HttpPool sessions ----------------------------------------------------------------------


async def test_one_session_per_effective_proxy_setting() -> None:
    pool = HttpPool(upstream_map=UpstreamMap())
    try:
        direct = pool.session_for("")
        assert pool.session_for("") is direct
        assert isinstance(direct.connector, aiohttp.TCPConnector)
        assert not isinstance(direct.connector, ProxyConnector)
        http_proxy = pool.session_for("http://user:pw@127.0.0.1:3128")
        assert http_proxy is pool.session_for("http://user:pw@127.0.0.1:3128")
        assert http_proxy is not direct
        socks = pool.session_for("socks5://127.0.0.1:1080")
        assert isinstance(socks.connector, ProxyConnector)
        assert pool.session_for("socks5://127.0.0.1:1080") is socks
        assert isinstance(pool.session_for("socks5h://u:p@127.0.0.1:1081").connector,
                          ProxyConnector)
        assert direct.connector.limit == 0
        assert direct.timeout.total is None and direct.timeout.connect == 30
    finally:
        await pool.close()
    assert direct.closed and socks.closed and http_proxy.closed
    await pool.close()  # idempotent
    with pytest.raises(TransportError):
        pool.session_for("")


async def test_unusable_credential_proxy_falls_back_to_global_and_warns_once(
        caplog: pytest.LogCaptureFixture) -> None:
    pool = HttpPool("socks5://127.0.0.1:1080", upstream_map=UpstreamMap())
    try:
        caplog.set_level(logging.WARNING, logger="cliproxy_tui.providers.http")
        global_session = pool.session_for("")
        assert pool.session_for("ftp://user:secretpw@proxy.test:21") is global_session
        assert pool.session_for("ftp://user:secretpw@proxy.test:21") is global_session
        assert pool.proxy_for("not a url") == "socks5://127.0.0.1:1080"
        warnings = [r for r in caplog.records if "unusable" in r.getMessage()]
        assert len(warnings) == 2  # once per bad URL, not per call
        assert all("secretpw" not in r.getMessage() for r in warnings)
        pool.set_global_proxy("bogus://x")
        assert pool.proxy_for("") == ""
        assert pool.session_for("") is not global_session
        assert not global_session.closed  # in-flight users keep it until close()
    finally:
        await pool.close()
    assert global_session.closed


async def test_credential_proxy_wins_over_global_and_hot_reload_switches() -> None:
    pool = HttpPool("http://127.0.0.1:3128", upstream_map=UpstreamMap())
    try:
        assert pool.proxy_for("socks5://127.0.0.1:1080") == "socks5://127.0.0.1:1080"
        assert pool.proxy_for("") == "http://127.0.0.1:3128"
        before = pool.session_for("")
        pool.set_global_proxy("")
        assert pool.proxy_for("") == ""
        after = pool.session_for("")
        assert after is not before
        pool.set_global_proxy("http://127.0.0.1:3128")
        assert pool.session_for("") is before
    finally:
        await pool.close()


# -- request() ------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> Any:
    async with FakeUpstream() as f:
        yield f


@pytest.fixture
async def pool() -> Any:
    p = HttpPool(upstream_map=UpstreamMap())
    yield p
    await p.close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


async def test_transport_error_on_closed_port_without_secrets(pool: HttpPool) -> None:
    with pytest.raises(TransportError) as info:
        await request(pool, "POST", f"http://127.0.0.1:{_closed_port()}/v1/x",
                      headers={"Authorization": "Bearer sk-very-secret-key-123456"}, body=b"{}")
    assert info.value.message.startswith("upstream connection failed: ")
    assert "sk-very-secret" not in info.value.message
    assert info.value.upstream_status == 0


async def test_upstream_error_carries_status_body_and_retry_after(
        fake: FakeUpstream, pool: HttpPool) -> None:
    fake.script(FakeResponse(429, body=b'{"error":{"message":"slow down"}}',
                             headers={"Retry-After": "17"}),
                FakeResponse(500, body=b""))
    with pytest.raises(UpstreamError) as info:
        await request(pool, "POST", fake.url + "/x", headers={}, body=b"{}")
    err = info.value
    assert err.status == 429 and err.upstream_status == 429
    assert err.body == b'{"error":{"message":"slow down"}}'
    assert err.content_type.startswith("application/json")
    assert err.headers == {"Retry-After": "17"}
    with pytest.raises(UpstreamError) as info:
        await request(pool, "POST", fake.url + "/x", headers={}, body=b"{}")
    assert info.value.message == "status 500" and info.value.headers == {}


@pytest.mark.parametrize("encoding,encode", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("br", brotli.compress),
])
async def test_error_bodies_are_decoded(fake: FakeUpstream, pool: HttpPool, encoding: str,
                                        encode: Any) -> None:
    raw = b'{"error":{"type":"overloaded_error","message":"busy"}}'
    for decompress in (True, False):
        fake.script(FakeResponse(529, body=encode(raw), headers={"Content-Encoding": encoding}))
        with pytest.raises(UpstreamError) as info:
            await request(pool, "POST", fake.url + "/v1/messages", headers={}, body=b"{}",
                          decompress=decompress)
        assert info.value.body == raw


async def test_zstd_bodies_decode_when_aiohttp_decompression_is_off(
        fake: FakeUpstream, pool: HttpPool) -> None:
    raw = b'{"ok":true}'
    packed = zstandard.ZstdCompressor().compress(raw)
    fake.script(FakeResponse(400, body=packed, headers={"Content-Encoding": "zstd"}),
                FakeResponse(200, body=packed, headers={"Content-Encoding": "zstd, gzip"}))
    hdrs = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    with pytest.raises(UpstreamError) as info:
        await request(pool, "POST", fake.url + "/x", headers=hdrs, body=b"{}", decompress=False)
    assert info.value.body == raw
    resp = await request(pool, "POST", fake.url + "/x", headers=hdrs, body=b"{}",
                         decompress=False)
    assert await read_body(resp, encoded=True) == raw
    assert fake.requests[-1].headers["accept-encoding"] == "gzip, deflate, br, zstd"


def test_decode_body_passes_unknown_or_broken_encodings_through() -> None:
    assert decode_body(b"abc", "identity") == b"abc"
    assert decode_body(b"abc", "compress") == b"abc"
    assert decode_body(b"not gzip", "gzip") == b"not gzip"
    assert decode_body(zlib.compress(b"x")[2:-4], "deflate") == b"x"  # raw deflate


def test_only_the_first_recognised_encoding_decodes() -> None:
    # the Go executor's rule; aiohttp-style auto decoding takes a single exact token only
    packed = gzip.compress(b"hello")
    assert decode_body(packed, "identity, X-GZIP") == b"hello"
    assert decode_body(packed, "gzip, br") == b"hello"
    assert decode_body(brotli.compress(b"hi"), "br, gzip") == b"hi"
    assert auto_decoder("x-gzip") is None and auto_decoder("gzip, br") is None
    assert auto_decoder("GZIP") is not None


async def test_success_is_returned_unread_and_map_applies(fake: FakeUpstream) -> None:
    fake.script(FakeResponse(200, json={"hello": "world"}))
    pool = HttpPool(upstream_map=UpstreamMap.parse(f"https://api.example.test={fake.url}/pre"))
    try:
        resp = await request(pool, "POST", "https://api.example.test/v1/x?y=1",
                             headers={"X-Test": "1", "User-Agent": "mine/1.0"},
                             body=b'{"a":1}')
        assert resp.status == 200
        assert await read_body(resp) == b'{"hello":"world"}'
    finally:
        await pool.close()
    rec = fake.last
    assert rec.path == "/pre/v1/x" and rec.query == {"y": "1"}
    assert rec.headers["x-test"] == "1" and rec.headers["user-agent"] == "mine/1.0"
    assert rec.body == b'{"a":1}' and rec.json == {"a": 1}


async def test_upstream_cookies_are_not_replayed(fake: FakeUpstream, pool: HttpPool) -> None:
    # one shared session serves every credential: a cookie must not leak between them
    fake.script(FakeResponse(200, json={}, headers={"Set-Cookie": "sid=abc; Path=/"}),
                FakeResponse(200, json={}))
    for _ in range(2):
        await read_body(await request(pool, "POST", f"http://localhost:{fake.port}/c",
                                       headers={}, body=b"{}"))
    assert "cookie" not in fake.last.headers


async def test_http_proxy_is_used_per_request_with_basic_auth(fake: FakeUpstream) -> None:
    # The fake plays the forward proxy: aiohttp sends it the absolute-form request.
    fake.script(FakeResponse(200, json={"via": "proxy"}))
    pool = HttpPool(upstream_map=UpstreamMap())
    try:
        proxy = f"http://puser:ppass@127.0.0.1:{fake.port}"
        resp = await request(pool, "GET", "http://upstream.invalid/v1/models", headers={},
                             body=b"", proxy_url=proxy)
        assert await read_body(resp) == b'{"via":"proxy"}'
    finally:
        await pool.close()
    rec = fake.last
    assert rec.headers["host"] == "upstream.invalid"
    assert rec.headers["proxy-authorization"] == aiohttp.encode_basic_auth("puser", "ppass")


# -- LineStream over a real connection ------------------------------------------------------


async def test_line_stream_over_network_with_usage(fake: FakeUpstream, pool: HttpPool) -> None:
    fake.chunk_delay = 0.02
    fake.script(FakeResponse(chunks=[
        b'data: {"choices":[{"delta":{"content":"a"}}],"usage":null}\r\n\r\nda',
        (b'ta: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,'
         b'"total_tokens":7}}\n\n'),
        b"data: [DONE]\n\n"]))
    resp = await request(pool, "POST", fake.url + "/s", headers={}, body=b"{}")
    stream = LineStream(resp, StreamUsageTracker("openai"), upstream_model="m")
    assert stream.status == 200 and stream.upstream_model == "m"
    batches = [batch async for batch in stream]
    assert all(batches)
    lines = [ln for b in batches for ln in b]
    assert lines == [b'data: {"choices":[{"delta":{"content":"a"}}],"usage":null}', b"",
                     (b'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,'
                      b'"total_tokens":7}}'), b"", b"data: [DONE]", b""]
    assert stream.usage is not None and stream.usage.total_tokens == 7
    await stream.aclose()
    await stream.aclose()


async def test_line_stream_decodes_compressed_stream(fake: FakeUpstream, pool: HttpPool) -> None:
    text = b"".join(b"data: {\"n\":%d}\n\n" % i for i in range(200))
    packed = zstandard.ZstdCompressor().compress(text)
    fake.script(FakeResponse(chunks=[packed[:10], packed[10:50], packed[50:]],
                             headers={"Content-Encoding": "zstd"}))
    resp = await request(pool, "POST", fake.url + "/s", headers={}, body=b"{}",
                         decompress=False)
    lines = [ln async for b in LineStream(resp, encoded=True) for ln in b]
    assert lines == text.split(b"\n")[:-1]


async def test_closing_a_stream_early_drops_the_upstream_connection(
        pool: HttpPool) -> None:
    async with FakeOpenAI() as openai_fake:
        openai_fake.hang_stream_after(2)
        body = b'{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}'
        resp = await request(pool, "POST", openai_fake.url + "/v1/chat/completions",
                             headers={"Authorization": "Bearer k"}, body=body)
        stream = LineStream(resp)
        it = stream.__aiter__()
        first = await it.__anext__()
        assert first[0].startswith(b"data: {")
        await stream.aclose()
        for _ in range(100):
            if openai_fake.streams_aborted:
                break
            await asyncio.sleep(0.01)
        assert openai_fake.streams_aborted == 1
        with pytest.raises(StopAsyncIteration):
            await it.__anext__()


async def test_stream_broken_mid_body_raises_stream_error(pool: HttpPool) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(2)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Content-Length: 1000\r\n\r\ndata: partial\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        resp = await request(pool, "POST", f"http://127.0.0.1:{port}/", headers={},
                             body=b"{}")
        stream = LineStream(resp)
        got: list[bytes] = []
        with pytest.raises(StreamError) as info:
            async for batch in stream:
                got.extend(batch)
        assert info.value.message.startswith("upstream stream broke: ")
        assert got == [b"data: partial"]
    finally:
        server.close()
        await server.wait_closed()


# -- LineStream splitting, against a scripted response --------------------------------------


class _ScriptedContent:
    def __init__(self, chunks: list[bytes], error: BaseException | None = None) -> None:
        self._chunks = list(chunks)
        self._error = error

    async def readany(self) -> bytes:
        if self._chunks:
            return self._chunks.pop(0)
        if self._error is not None:
            raise self._error
        return b""

    def at_eof(self) -> bool:
        return not self._chunks and self._error is None


class _ScriptedResponse:
    """Just the surface of ``aiohttp.ClientResponse`` that LineStream reads."""

    status = 200

    def __init__(self, chunks: list[bytes], error: BaseException | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.content = _ScriptedContent(chunks, error)
        self.headers = headers or {}
        self.released = 0
        self.closed = 0

    def release(self) -> None:
        self.released += 1

    def close(self) -> None:
        self.closed += 1


async def _collect(chunks: list[bytes], tracker: StreamUsageTracker | None = None
                   ) -> list[list[bytes]]:
    resp: Any = _ScriptedResponse(chunks)
    stream = LineStream(resp, tracker)
    out = [b async for b in stream]
    assert resp.released + resp.closed == 1
    return out


def _expected_lines(data: bytes) -> list[bytes]:
    def strip(x: bytes) -> bytes:
        return x[:-1] if x.endswith(b"\r") else x

    *full, tail = data.split(b"\n")
    return [strip(x) for x in full] + ([strip(tail)] if strip(tail) else [])


line_bytes = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"x"))


@settings(max_examples=200, deadline=None, database=None)
@given(lines=st.lists(line_bytes, max_size=12),
       crlf=st.booleans(), trailing=st.booleans(),
       cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=10))
def test_line_stream_splits_lines_across_any_read_boundaries(
        lines: list[bytes], crlf: bool, trailing: bool, cuts: list[int]) -> None:
    sep = b"\r\n" if crlf else b"\n"
    data = sep.join(lines) + (sep if trailing and lines else b"")
    points = sorted({c for c in cuts if 0 < c < len(data)})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)]) if data[a:b]]
    batches = asyncio.run(_collect(chunks))
    assert all(batches)
    assert len(batches) <= len(chunks) + 1  # the unterminated tail comes at EOF
    assert [ln for b in batches for ln in b] == _expected_lines(data)


async def test_line_stream_yields_one_batch_per_read() -> None:
    batches = await _collect([b"a\nb", b"c\r", b"\n\nd\n", b"tail"])
    assert batches == [[b"a"], [b"bc", b"", b"d"], [b"tail"]]


async def test_line_longer_than_limit_ends_the_stream() -> None:
    mib = b"x" * (1024 * 1024)
    resp: Any = _ScriptedResponse([mib] * 21 + [b"\n"])
    with pytest.raises(StreamError, match="token too long"):
        async for _ in LineStream(resp):
            pass
    assert resp.closed == 1
    resp = _ScriptedResponse([b"ok\n" + b"y" * (MAX_LINE + 1) + b"\nmore\n"])
    stream = LineStream(resp)
    with pytest.raises(StreamError, match="token too long"):
        await stream.__anext__()
    # exactly the limit is still fine
    resp = _ScriptedResponse([b"z" * MAX_LINE + b"\n"])
    assert [len(ln) for b in [b async for b in LineStream(resp)] for ln in b] == [MAX_LINE]


async def test_read_error_becomes_stream_error_and_closes() -> None:
    resp: Any = _ScriptedResponse([b"data: 1\n"],
                                  error=aiohttp.ClientPayloadError("Response payload is not "
                                                                   "completed"))
    stream = LineStream(resp)
    assert await stream.__anext__() == [b"data: 1"]
    with pytest.raises(StreamError, match="upstream stream broke: Response payload"):
        await stream.__anext__()
    assert resp.closed == 1
    await stream.aclose()
    assert resp.closed == 1


# -- usage extraction -----------------------------------------------------------------------


def test_openai_usage_mapping() -> None:
    d = openai_usage({"usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                                "prompt_tokens_details": {"cached_tokens": 4},
                                "completion_tokens_details": {"reasoning_tokens": 3}}})
    assert d is not None
    assert (d.input_tokens, d.output_tokens, d.total_tokens, d.cached_tokens,
            d.reasoning_tokens) == (10, 5, 15, 4, 3)
    d = openai_usage({"usage": {"prompt_tokens": 2, "completion_tokens": 1}})
    assert d is not None and d.total_tokens == 3
    assert openai_usage({"usage": None}) is None
    assert openai_usage({"choices": []}) is None
    assert openai_usage([1]) is None


def test_claude_usage_mapping() -> None:
    d = claude_usage({"usage": {"input_tokens": 8, "output_tokens": 4,
                                "cache_read_input_tokens": 0,
                                "cache_creation_input_tokens": 6}})
    assert d is not None and (d.input_tokens, d.output_tokens, d.cached_tokens,
                              d.total_tokens) == (8, 4, 6, 12)
    d = claude_usage({"usage": {"input_tokens": 1, "cache_read_input_tokens": 9,
                                "cache_creation_input_tokens": 6}})
    assert d is not None and d.cached_tokens == 9
    d = claude_usage({"type": "message_start", "message": {"usage": {"input_tokens": 3}}})
    assert d is not None and d.input_tokens == 3
    assert claude_usage({"type": "ping"}) is None


def test_gemini_usage_mapping() -> None:
    meta = {"promptTokenCount": 10, "candidatesTokenCount": 4, "thoughtsTokenCount": 2,
            "cachedContentTokenCount": 1}
    d = gemini_usage({"usageMetadata": meta})
    assert d is not None and (d.input_tokens, d.output_tokens, d.reasoning_tokens,
                              d.cached_tokens, d.total_tokens) == (10, 4, 2, 1, 16)
    d = gemini_usage({"usage_metadata": dict(meta, totalTokenCount=99)})
    assert d is not None and d.total_tokens == 99
    assert gemini_usage({"candidates": []}) is None
    d = gemini_cli_usage({"response": {"usageMetadata": meta}})
    assert d is not None and d.input_tokens == 10
    d = gemini_cli_usage({"usage_metadata": meta})
    assert d is not None and d.output_tokens == 4
    assert gemini_cli_usage({"response": {}}) is None


def test_codex_usage_mapping() -> None:
    ev = {"type": "response.completed", "response": {"usage": {
        "input_tokens": 20, "output_tokens": 6, "total_tokens": 26,
        "input_tokens_details": {"cached_tokens": 5},
        "output_tokens_details": {"reasoning_tokens": 4}}}}
    d = codex_usage(ev)
    assert d is not None and (d.input_tokens, d.output_tokens, d.total_tokens, d.cached_tokens,
                              d.reasoning_tokens) == (20, 6, 26, 5, 4)
    assert codex_usage({"type": "response.created", "response": {"usage": {"input_tokens": 1}}}
                       ) is None
    assert codex_usage({"response": {"usage": {"input_tokens": 1}}}) is not None


def test_tracker_keeps_last_non_zero_detail_and_skips_noise() -> None:
    t = StreamUsageTracker("openai")
    for line in [b"", b"event: x", b"data: [DONE]", b'data: {"usage":null}',
                 b'data: {"usage":{"prompt_tokens":1,"completion_tokens":1}}',
                 b'data:{"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}',
                 b'data: {"usage":{"prompt_tokens":0,"completion_tokens":0}}',
                 b"data: {broken usage"]:
        t.feed(line)
    assert t.detail is not None and t.detail.total_tokens == 12 and t.detail.input_tokens == 9


def test_tracker_merges_claude_message_start_and_last_delta() -> None:
    t = StreamUsageTracker("claude")
    t.feed(b'data: {"type":"message_start","message":{"usage":{"input_tokens":25,'
           b'"cache_read_input_tokens":7,"output_tokens":1}}}')
    t.feed(b'data: {"type":"content_block_delta","delta":{"text":"usage talk"}}')
    t.feed(b'data: {"type":"message_delta","usage":{"output_tokens":10}}')
    t.feed(b'data: {"type":"message_delta","usage":{"output_tokens":42}}')
    d = t.detail
    assert d is not None
    assert (d.input_tokens, d.cached_tokens, d.output_tokens, d.total_tokens) == (25, 7, 42, 67)


def test_tracker_gemini_final_counts_win_and_codex_needs_completed() -> None:
    g = StreamUsageTracker("gemini")
    g.feed(b'data: {"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":1}}')
    g.feed(b'data: {"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":9,'
           b'"totalTokenCount":14}}')
    assert g.detail is not None and g.detail.output_tokens == 9
    c = StreamUsageTracker("codex")
    c.feed(b'data: {"type":"response.created","response":{"usage":null}}')
    assert c.detail is None
    c.feed(b'data: {"type":"response.completed","response":{"usage":{"input_tokens":3,'
           b'"output_tokens":2,"total_tokens":5}}}')
    assert c.detail is not None and c.detail.total_tokens == 5
    with pytest.raises(ValueError):
        StreamUsageTracker("nope")  # type: ignore[arg-type]


def test_estimate_tokens_and_request_text() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
    assert estimate_tokens("é" * 4) == 2  # utf-8 bytes, not characters
    chat = {"messages": [{"role": "system", "content": "be brief"},
                         {"role": "user", "content": [{"type": "text", "text": "hello"},
                                                      {"type": "image_url", "image_url": {}}]},
                         {"role": "assistant", "tool_calls": [
                             {"function": {"name": "lookup", "arguments": "{\"q\":1}"}}]}],
            "tools": [{"type": "function", "function": {
                "name": "lookup", "description": "find", "parameters": {"type": "object"}}}]}
    assert openai_request_text(chat).split("\n") == [
        "be brief", "hello", "lookup", '{"q":1}', "lookup", "find", '{"type":"object"}']
    responses = {"instructions": "sys", "input": [
        {"type": "message", "content": [{"type": "input_text", "text": "hi"}]},
        {"type": "function_call", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "output": "42"}],
        "tools": [{"type": "function", "name": "f", "parameters": {}}],
        "text": {"format": {"name": "fmt", "schema": {"a": 1}}}}
    assert openai_request_text(responses).split("\n") == [
        "sys", "hi", "f", "{}", "42", "f", "{}", "fmt", '{"a":1}']


def test_upstream_map_env_helper() -> None:
    class _Multi(FakeUpstream):
        REAL_ORIGIN = "https://one.test"
        EXTRA_ORIGINS = ("https://two.test",)

    f = _Multi()
    f.port = 1234
    assert upstream_map_env(f) == ("https://one.test=http://127.0.0.1:1234,"
                                   "https://two.test=http://127.0.0.1:1234")
