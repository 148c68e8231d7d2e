"""Chunk builders and generated answers shared by the ``test_translate_openai_*`` files.

No SDK is imported here, so each test file pays only for the SDK it validates with.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson
from hypothesis import strategies as st


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None,
          usage: dict[str, Any] | None = None, *, cid: str = "chatcmpl-1",
          model: str = "gpt-4o", no_choices: bool = False) -> dict[str, Any]:
    """One ``chat.completion.chunk`` (a usage-only chunk with ``no_choices``)."""
    obj: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk",
                           "created": 1761640000, "model": model}
    obj["choices"] = [] if no_choices else [
        {"index": 0, "delta": delta or {}, "finish_reason": finish}]
    if usage is not None:
        obj["usage"] = usage
    return obj


def sse_lines(chunks: list[dict[str, Any]], done: bool = True) -> list[bytes]:
    """What the executor reads: ``data: …`` lines with blank separators, then [DONE]."""
    lines: list[bytes] = []
    for c in chunks:
        lines += [b"data: " + orjson.dumps(c), b""]
    if done:
        lines += [b"data: [DONE]", b""]
    return lines


def run_stream(pair: Any, body: dict[str, Any], lines: list[bytes],
               cuts: list[int] | None = None, end: bool = True) -> list[bytes]:
    """Translate ``lines`` in batches split at ``cuts`` (one batch by default)."""
    state = pair.new_stream(body.get("model", "m"), body)
    bounds = [0, *sorted(set(cuts or [])), len(lines)]
    out: list[bytes] = []
    for a, b in itertools.pairwise(bounds):
        if b > a:
            out += pair.stream_lines(state, lines[a:b])
    if end:
        out += pair.stream_end(state)
    return out


def call_delta(index: int, call_id: str | None = None, name: str | None = None,
          args: str = "") -> dict[str, Any]:
    """One ``delta.tool_calls[]`` entry (the first of a call carries id and type)."""
    fn: dict[str, Any] = {"arguments": args}
    if name is not None:
        fn["name"] = name
    entry: dict[str, Any] = {"index": index, "function": fn}
    if call_id is not None:
        entry.update(id=call_id, type="function")
    return entry


def completion(message: dict[str, Any], finish: str | None = "stop",
               usage: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": "chatcmpl-1", "object": "chat.completion",
                            "created": 1761640000, "model": "gpt-4o",
                            "choices": [{"index": 0, "message": {"role": "assistant",
                                                                 **message},
                                         "finish_reason": finish}]}
    if usage is not None:
        body["usage"] = usage
    return body


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                min_size=1, max_size=12)
_args = st.dictionaries(st.sampled_from(["a", "path", "q", "n"]),
                        st.one_of(st.integers(-5, 99), _text), max_size=3)


@st.composite
def answers(draw: Any) -> dict[str, Any]:
    calls = [{"id": f"call_{i}", "name": draw(st.sampled_from(["read", "grep", "ls"])),
              "args": orjson.dumps(draw(_args)).decode()}
             for i in range(draw(st.integers(0, 3)))]
    finish = "tool_calls" if calls else draw(st.sampled_from(["stop", "length"]))
    return {"reasoning": draw(st.lists(_text, max_size=3)),
            "text": draw(st.lists(_text, max_size=4)), "calls": calls, "finish": finish,
            "usage": {"prompt_tokens": draw(st.integers(0, 500)),
                      "completion_tokens": draw(st.integers(0, 500)),
                      "prompt_tokens_details": {"cached_tokens": draw(st.integers(0, 50))}},
            "pieces": draw(st.integers(1, 4))}


def answer_chunks(a: dict[str, Any]) -> list[dict[str, Any]]:
    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"reasoning_content": r}) for r in a["reasoning"]]
    out += [chunk({"content": t}) for t in a["text"]]
    for i, c in enumerate(a["calls"]):
        out.append(chunk({"tool_calls": [call_delta(i, c["id"], c["name"], "")]}))
        text, n = c["args"], a["pieces"]
        step = max(1, len(text) // n)
        for j in range(0, len(text), step):
            out.append(chunk({"tool_calls": [call_delta(i, args=text[j:j + step])]}))
    out.append(chunk({}, a["finish"]))
    out.append(chunk(usage=a["usage"], no_choices=True))
    return out


def answer_completion(a: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"content": "".join(a["text"]) or None}
    if a["reasoning"]:
        message["reasoning_content"] = "".join(a["reasoning"])
    if a["calls"]:
        message["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["name"], "arguments": c["args"]}}
                                 for c in a["calls"]]
    return completion(message, a["finish"], a["usage"])
