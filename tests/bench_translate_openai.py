"""Micro-benchmark of the claude ⇄ openai translation (the claude-code-router path).

Not a test (no timed assertions): run it to see the translation CPU per request.

    python tests/bench_translate_openai.py

It times, on one core, ``request()`` for the benchmark's small Claude body and for a
Claude-Code-sized one (system prompt, 15 tools, a tool round trip), ``response()`` for
a non-stream answer, and a whole 20-chunk stream (21 lines in, one network read per
chunk, plus ``stream_end``), i.e. what the proxy spends translating per request.
"""

from __future__ import annotations

import time
import timeit

import orjson

from cliproxy_tui.translate.openai import CLAUDE_PAIR

PAIR = CLAUDE_PAIR
SMALL = {"model": "gpt-mock", "max_tokens": 256,
         "messages": [{"role": "user", "content": "Say hello in one short sentence."}]}
TOOLS = [{"name": f"tool_{i}", "description": "Does a thing. " * 20,
          "input_schema": {"type": "object", "properties": {
              "path": {"type": "string", "description": "a path"},
              "limit": {"type": "integer"}}, "required": ["path"]}} for i in range(15)]
CLAUDE_CODE = {
    "model": "gpt-mock", "max_tokens": 32000, "stream": True,
    "system": [{"type": "text", "text": "You are Claude Code. " * 200,
                "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Fix the bug in main.py"}]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Reading the file."},
            {"type": "tool_use", "id": "toolu_1", "name": "tool_0",
             "input": {"path": "main.py"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1",
             "content": [{"type": "text", "text": "print('hi')\n" * 50}]},
            {"type": "text", "text": "<system-reminder>keep going</system-reminder>"}]},
    ],
    "tools": TOOLS,
}


def _chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> bytes:
    obj = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1761640000,
           "model": "gpt-mock", "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}
    if usage is not None:
        obj["choices"] = []
        obj["usage"] = usage
    return b"data: " + orjson.dumps(obj)


USAGE = {"prompt_tokens": 12, "completion_tokens": 20, "total_tokens": 32}
READS = ([[_chunk({"role": "assistant", "content": ""}), b""]]
         + [[_chunk({"content": "word " * 4}), b""] for _ in range(20)]
         + [[_chunk({}, "stop"), b""], [_chunk({}, usage=USAGE), b""], [b"data: [DONE]", b""]])
COMPLETION = orjson.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1761640000,
    "model": "gpt-mock", "choices": [{"index": 0, "finish_reason": "stop", "message": {
        "role": "assistant", "content": "word " * 80}}], "usage": USAGE})


def one_stream() -> None:
    state = PAIR.new_stream("gpt-mock", SMALL)
    for lines in READS:
        PAIR.stream_lines(state, lines)
    PAIR.stream_end(state)


def one_complete() -> None:
    PAIR.response(PAIR.new_stream("gpt-mock", SMALL), COMPLETION)


def main() -> None:
    # a yardstick for comparing machines (about 0.8 µs on a current desktop core)
    ruler = min(timeit.repeat("sum(range(100))", number=100000, repeat=7,
                              timer=time.process_time)) / 100000
    print(f"{'calibration: sum(range(100))':32} {ruler * 1e6:8.2f} µs")
    cases = {
        "request, small body": lambda: PAIR.request("gpt-mock", SMALL, False),
        "request, Claude Code body": lambda: PAIR.request("gpt-mock", CLAUDE_CODE, True),
        "non-stream response": one_complete,
        "20-chunk stream (24 reads)": one_stream,
    }
    for name, fn in cases.items():
        n = 5000
        # CPU time of this process, best of many rounds: other load on the machine
        # inflates wall-clock numbers
        best = min(timeit.repeat(fn, number=n, repeat=15, timer=time.process_time)) / n
        print(f"{name:32} {best * 1e6:8.2f} µs")


if __name__ == "__main__":
    main()
