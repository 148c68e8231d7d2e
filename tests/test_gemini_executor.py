"""GeminiExecutor against the fake Gemini API (providers.md §3)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cliproxy_tui import jsonfast
from cliproxy_tui.auth.model import Credential
from cliproxy_tui.errors import UpstreamError
from cliproxy_tui.providers import HttpPool, UpstreamMap
from cliproxy_tui.providers.base import ExecRequest
from cliproxy_tui.providers.gemini import GeminiExecutor, models_base
from tests.fakes.base import upstream_map_env
from tests.fakes.gemini import FakeGemini

KEY = "AIzaSyFAKE-test-key-000111"


@pytest.fixture
async def fake() -> Any:
    async with FakeGemini() as f:
        yield f


@pytest.fixture
async def pool(fake: FakeGemini) -> Any:
    p = HttpPool(upstream_map=UpstreamMap.parse(upstream_map_env(fake)))
    yield p
    await p.close()


def cred(key: str = KEY, **attrs: str) -> Credential:
    a = {"source": "config:gemini[x]", **attrs}
    if key:
        a["api_key"] = key
    return Credential(id="gemini:apikey:abc", provider="gemini", label="gemini-apikey",
                      attributes=a)


def gen(model: str = "gemini-2.5-pro", *, stream: bool = False, alt: str = "",
        metadata: dict[str, Any] | None = None, **extra: Any) -> ExecRequest:
    body = {"contents": [{"role": "user", "parts": [{"text": "Hello"}]}], **extra}
    return ExecRequest(model=model, body=body, stream=stream, source_format="gemini", alt=alt,
                       metadata=metadata or {})


def test_models_base_choices() -> None:
    assert models_base("") == "https://generativelanguage.googleapis.com/v1beta/models"
    assert models_base("https://gw.test/") == "https://gw.test/v1beta/models"
    assert models_base("https://gw.test/google/v1beta/") == "https://gw.test/google/v1beta/models"


async def test_generate_content_url_headers_and_usage(fake: FakeGemini, pool: HttpPool) -> None:
    req = gen(session_id="sess-1", generationConfig={"temperature": 0.5})
    before = copy.deepcopy(req.body)
    res = await GeminiExecutor(pool).execute(cred(), req)
    assert req.body == before
    rec = fake.last
    assert rec.path == "/v1beta/models/gemini-2.5-pro:generateContent" and rec.query == {}
    assert rec.headers["x-goog-api-key"] == KEY
    assert rec.headers["content-type"] == "application/json"
    assert "authorization" not in rec.headers
    assert rec.json == {"contents": before["contents"], "generationConfig": {"temperature": 0.5}}
    body = jsonfast.loads(res.body)
    assert body["candidates"][0]["content"]["parts"][0]["text"] == fake.reply_text
    assert body["candidates"][0]["finishReason"] == "STOP"
    assert res.upstream_model == "gemini-2.5-pro"
    u = res.usage
    assert u is not None
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.cached_tokens,
            u.total_tokens) == (11, 7, 2, 3, 20)


async def test_alt_is_passed_as_dollar_alt(fake: FakeGemini, pool: HttpPool) -> None:
    await GeminiExecutor(pool).execute(cred(), gen(alt="json"))
    assert fake.last.query == {"$alt": "json"}
    stream = await GeminiExecutor(pool).execute_stream(cred(), gen(stream=True, alt="json"))
    text = b"\n".join([ln async for batch in stream for ln in batch])
    assert fake.last.path.endswith(":streamGenerateContent")
    assert fake.last.query == {"$alt": "json"}
    # the JSON-array stream arrives intact
    parsed = jsonfast.loads(text.replace(b"\r", b""))
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in parsed) \
        == fake.reply_text


async def test_thinking_metadata_is_applied_without_touching_the_request(
        fake: FakeGemini, pool: HttpPool) -> None:
    req = gen("gemini-2.5-flash", generationConfig={"temperature": 1,
                                                    "thinkingConfig": {"other": 1}},
              metadata={"gemini_thinking_budget": 1024, "gemini_include_thoughts": True,
                        "gemini_original_model": "gemini-2.5-flash-thinking-1024"})
    before = copy.deepcopy(req.body)
    res = await GeminiExecutor(pool).execute(cred(), req)
    assert req.body == before
    assert fake.last.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert fake.last.json["generationConfig"] == {
        "temperature": 1,
        "thinkingConfig": {"other": 1, "thinkingBudget": 1024, "include_thoughts": True}}
    parts = jsonfast.loads(res.body)["candidates"][0]["content"]["parts"]
    assert parts[0] == {"text": fake.thought_text, "thought": True}


async def test_budget_only_and_image_model(fake: FakeGemini, pool: HttpPool) -> None:
    ex = GeminiExecutor(pool)
    await ex.execute(cred(), gen(metadata={"gemini_thinking_budget": 0}))
    assert fake.last.json["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 0}}
    await ex.execute(cred(), gen("gemini-2.5-flash-image-preview",
                                 metadata={"gemini_thinking_budget": 128},
                                 generationConfig={"topK": 3}))
    assert fake.last.json["generationConfig"] == {"topK": 3}


async def test_stream_sse_lines_and_final_usage(fake: FakeGemini, pool: HttpPool) -> None:
    req = gen(stream=True, session_id="drop-me")
    before = copy.deepcopy(req.body)
    stream = await GeminiExecutor(pool).execute_stream(cred(), req)
    try:
        lines = [ln async for batch in stream for ln in batch]
    finally:
        await stream.aclose()
    assert req.body == before
    rec = fake.last
    assert rec.path == "/v1beta/models/gemini-2.5-pro:streamGenerateContent"
    assert rec.query == {"alt": "sse"} and "session_id" not in rec.json
    assert rec.headers["x-goog-api-key"] == KEY
    data = [jsonfast.loads(ln[6:]) for ln in lines if ln.startswith(b"data: ")]
    assert len(data) == fake.chunks
    assert "".join(d["candidates"][0]["content"]["parts"][0]["text"] for d in data) \
        == fake.reply_text
    assert all(ln == b"" or ln.startswith(b"data: ") for ln in lines)  # \r stripped
    u = stream.usage
    assert u is not None and (u.input_tokens, u.output_tokens, u.total_tokens) == (11, 7, 20)


async def test_count_tokens_strips_fields_and_never_sends_alt(fake: FakeGemini,
                                                              pool: HttpPool) -> None:
    fake.count_total = 42
    req = gen(alt="json", tools=[{"functionDeclarations": []}],
              generationConfig={"temperature": 0}, session_id="s",
              systemInstruction={"parts": [{"text": "be nice"}]})
    before = copy.deepcopy(req.body)
    res = await GeminiExecutor(pool).count_tokens(cred(), req)
    assert req.body == before
    rec = fake.last
    assert rec.path == "/v1beta/models/gemini-2.5-pro:countTokens" and rec.query == {}
    assert set(rec.json) == {"contents", "systemInstruction"}
    assert jsonfast.loads(res.body)["totalTokens"] == 42
    assert res.usage is None


async def test_base_url_override(fake: FakeGemini) -> None:
    pool = HttpPool(upstream_map=UpstreamMap())
    try:
        ex = GeminiExecutor(pool)
        await ex.execute(cred(base_url=fake.url), gen())
        assert fake.last.path == "/v1beta/models/gemini-2.5-pro:generateContent"
        await ex.execute(cred(base_url=fake.url + "/v1/"), gen())
        assert fake.last.path == "/v1/models/gemini-2.5-pro:generateContent"
    finally:
        await pool.close()


async def test_bearer_token_when_no_api_key(fake: FakeGemini, pool: HttpPool) -> None:
    c = cred(key="")
    c.metadata = {"access_token": "top-level", "token": {"access_token": "ya29.nested"}}
    await GeminiExecutor(pool).execute(c, gen())
    assert fake.last.headers["authorization"] == "Bearer ya29.nested"
    assert "x-goog-api-key" not in fake.last.headers
    c.metadata = {"access_token": "ya29.top"}
    await GeminiExecutor(pool).execute(c, gen())
    assert fake.last.headers["authorization"] == "Bearer ya29.top"


async def test_errors_pass_through(fake: FakeGemini, pool: HttpPool) -> None:
    fake.fail_for_key(KEY, 429)
    ex = GeminiExecutor(pool)
    for call in (ex.execute(cred(), gen()), ex.execute_stream(cred(), gen(stream=True)),
                 ex.count_tokens(cred(), gen())):
        with pytest.raises(UpstreamError) as info:
            await call
        assert info.value.status == 429
        err = jsonfast.loads(info.value.body)["error"]
        assert err["status"] == "RESOURCE_EXHAUSTED" and err["code"] == 429
    with pytest.raises(UpstreamError) as info:
        await ex.execute(cred(key=""), gen())
    assert info.value.status == 403


async def test_fake_satisfies_the_official_sdk(fake: FakeGemini) -> None:
    from google import genai
    from google.genai import types

    client = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=fake.url))
    try:
        done = await client.aio.models.generate_content(model="gemini-2.5-pro", contents="hi")
        assert done.text == fake.reply_text
        assert done.usage_metadata is not None and done.usage_metadata.prompt_token_count == 11
        parts = [c.text async for c in await client.aio.models.generate_content_stream(
            model="gemini-2.5-pro", contents="hi")]
        assert "".join(p or "" for p in parts) == fake.reply_text
        counted = await client.aio.models.count_tokens(model="gemini-2.5-pro", contents="hi")
        assert counted.total_tokens == 11
    finally:
        await client.aio.aclose()
        client.close()
