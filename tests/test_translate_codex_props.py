"""Property: a Codex stream translated chunk by chunk equals the non-stream translation.

Hypothesis builds Codex answers (reasoning with or without summaries and encrypted
content, messages with several parts, parallel function calls, cached and reasoning
usage, complete or cut by the token limit), streams them with random delta sizes, and
splits the SSE lines into random batches. Each client's stream is accumulated with
its official SDK and compared with the non-stream translation of the same answer.
"""

from __future__ import annotations

from typing import Any

import orjson
from anthropic.types import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion

from tests.test_translate_codex_response import chat_final, claude_final, gemini_totals
from tests.test_translate_codex_sse import (
    call,
    message,
    parse_event,
    reasoning,
    response,
    run_complete,
    run_stream,
    sse_lines,
    usage,
)

LONG = "mcp__" + "s" * 70 + "__write_file"
TOOLS_BODY = {
    "openai": {"tools": [{"type": "function", "function": {"name": n}}
                         for n in ("lookup", LONG)]},
    "claude": {"tools": [{"name": n, "input_schema": {"type": "object"}}
                         for n in ("lookup", LONG)]},
    "gemini": {"tools": [{"functionDeclarations": [{"name": "lookup"}, {"name": LONG}]}]},
}
SHORT = {"lookup": "lookup", LONG: "mcp__write_file"}

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
               max_size=12)
json_value = st.one_of(st.integers(-5, 5), st.text(max_size=5), st.booleans(), st.none())


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    kinds = draw(st.lists(st.sampled_from(["reasoning", "message", "call"]), max_size=5))
    output = []
    for i, kind in enumerate(kinds):
        if kind == "reasoning":
            blob = draw(st.sampled_from(["", "gAAAAABx" + str(i)]))
            output.append(reasoning(*draw(st.lists(text, max_size=3)), blob=blob,
                                    item_id=f"rs_{i}"))
        elif kind == "message":
            output.append(message(*draw(st.lists(text, min_size=1, max_size=3)),
                                  item_id=f"msg_{i}"))
        else:
            args = draw(st.dictionaries(st.text("abc", min_size=1, max_size=3), json_value,
                                        max_size=3))
            name = SHORT[draw(st.sampled_from(sorted(SHORT)))]
            output.append(call(name, orjson.dumps(args).decode(), f"call_{i}", f"fc_{i}"))
    inp, out = draw(st.integers(0, 5000)), draw(st.integers(0, 5000))
    u = usage(inp, out, cached=draw(st.integers(0, inp)),
              reasoning_tokens=draw(st.integers(0, out)))
    cut = draw(st.booleans())
    return response(output, usage_obj=u, status="incomplete" if cut else "completed",
                    incomplete="max_output_tokens" if cut else None)


def lines_and_cuts(draw: st.DrawFn, resp: dict[str, Any]) -> tuple[list[bytes], list[int]]:
    lines = sse_lines(resp, piece=draw(st.integers(1, 6)))
    cuts = draw(st.lists(st.integers(1, max(1, len(lines) - 1)), max_size=12))
    return lines, cuts


FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(answers(), st.data())
def test_openai_chat_stream_equals_non_stream(resp: dict[str, Any], data: st.DataObject) -> None:
    lines, cuts = lines_and_cuts(data.draw, resp)
    body = TOOLS_BODY["openai"]
    final = chat_final(run_stream("openai", body, lines, cuts))
    whole = ChatCompletion.model_validate(run_complete("openai", body, resp))
    got, want = final.choices[0].message, whole.choices[0].message
    assert (got.content or "") == (want.content or "")
    assert (got.model_extra or {}).get("reasoning_content") == \
        (want.model_extra or {}).get("reasoning_content")
    assert [(t.id, t.function.name, t.function.arguments) for t in got.tool_calls or []] == \
        [(t.id, t.function.name, t.function.arguments) for t in want.tool_calls or []]
    assert all(t.function.name in (LONG, "lookup") for t in want.tool_calls or [])
    assert final.choices[0].finish_reason == whole.choices[0].finish_reason
    assert final.usage == whole.usage


@FAST
@given(answers(), st.data())
def test_claude_stream_equals_non_stream(resp: dict[str, Any], data: st.DataObject) -> None:
    lines, cuts = lines_and_cuts(data.draw, resp)
    body = TOOLS_BODY["claude"]
    final = claude_final(run_stream("claude", body, lines, cuts))
    whole = Message.model_validate(run_complete("claude", body, resp))
    assert final.model_dump() == whole.model_dump()


@FAST
@given(answers(), st.data())
def test_gemini_stream_equals_non_stream(resp: dict[str, Any], data: st.DataObject) -> None:
    lines, cuts = lines_and_cuts(data.draw, resp)
    body = TOOLS_BODY["gemini"]
    chunks = [orjson.loads(c) for c in run_stream("gemini", body, lines, cuts)]
    whole = run_complete("gemini", body, resp)
    assert gemini_totals(chunks) == gemini_totals([whole])
    assert [c for c in chunks if c["candidates"][0].get("finishReason")] == [chunks[-1]]


@FAST
@given(answers(), st.data())
def test_responses_stream_carries_the_non_stream_answer(resp: dict[str, Any],
                                                        data: st.DataObject) -> None:
    lines, cuts = lines_and_cuts(data.draw, resp)
    out = run_stream("openai-response", {}, lines, cuts)
    events = [orjson.loads(i[6:]) for i in out if i.startswith(b"data: ")]
    for ev in events:
        parse_event(ev)
    assert events[-1]["response"] == run_complete("openai-response", {}, resp)
