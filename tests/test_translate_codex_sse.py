"""A faithful Codex (Responses API) event stream built from a response object.

The Codex translator tests feed these lines to the stream side and the response
object to the non-stream side, so both sides see the same answer. The tests in this
file prove the generator itself is faithful: every event parses as the official
``openai`` SDK's ``ResponseStreamEvent`` and the SDK's own accumulator rebuilds the
response from them.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import orjson
from openai import omit
from openai.lib.streaming.responses import ResponseStreamState
from openai.types.responses import Response

from tests.translate_helpers import RESPONSES_EVENT_CLASSES


def parse_event(ev: dict[str, Any]) -> Any:
    return RESPONSES_EVENT_CLASSES[ev["type"]].model_validate(ev)


def reasoning(*summaries: str, blob: str = "", item_id: str = "rs_1") -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "type": "reasoning",
                            "summary": [{"type": "summary_text", "text": s} for s in summaries]}
    if blob:
        item["encrypted_content"] = blob
    return item


def message(*texts: str, item_id: str = "msg_1", refusal: str = "") -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "output_text", "annotations": [], "logprobs": [],
                                      "text": t} for t in texts]
    if refusal:
        content.append({"type": "refusal", "refusal": refusal})
    return {"id": item_id, "type": "message", "status": "completed", "role": "assistant",
            "content": content}


def call(name: str, arguments: str, call_id: str = "call_1",
         item_id: str = "fc_1") -> dict[str, Any]:
    return {"id": item_id, "type": "function_call", "status": "completed", "call_id": call_id,
            "name": name, "arguments": arguments}


def usage(inp: int = 12, out: int = 5, cached: int = 0, reasoning_tokens: int = 0) -> dict:
    return {"input_tokens": inp,
            "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
            "output_tokens": out, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": inp + out}


def response(output: list[dict[str, Any]], *, status: str = "completed",
             usage_obj: dict[str, Any] | None = None, rid: str = "resp_1",
             model: str = "gpt-5-codex", created_at: int = 1761640000,
             instructions: str | None = None, incomplete: str | None = None) -> dict[str, Any]:
    return {
        "id": rid, "object": "response", "created_at": created_at, "status": status,
        "background": False, "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": instructions, "max_output_tokens": None, "model": model,
        "output": output, "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": "low", "summary": "auto"}, "store": False,
        "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto",
        "tools": [], "top_p": 1.0, "truncation": "disabled",
        "usage": usage_obj if usage_obj is not None else (usage() if status != "failed"
                                                          else None),
        "user": None, "metadata": {},
    }


def _pieces(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or []


def events(resp: dict[str, Any], piece: int = 3) -> list[dict[str, Any]]:
    """The events the Responses API streams for ``resp`` (``piece`` = chars per delta)."""
    out: list[dict[str, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        out.append({"type": kind, "sequence_number": len(out), **fields})

    start = {**resp, "status": "in_progress", "output": [], "usage": None,
             "incomplete_details": None}
    emit("response.created", response=start)
    emit("response.in_progress", response=start)
    for idx, item in enumerate(resp["output"]):
        iid = item["id"]
        kind = item["type"]
        if kind == "reasoning":
            emit("response.output_item.added", output_index=idx,
                 item={"id": iid, "type": "reasoning", "summary": []})
            for si, part in enumerate(item["summary"]):
                emit("response.reasoning_summary_part.added", item_id=iid, output_index=idx,
                     summary_index=si, part={"type": "summary_text", "text": ""})
                for p in _pieces(part["text"], piece):
                    emit("response.reasoning_summary_text.delta", item_id=iid,
                         output_index=idx, summary_index=si, delta=p)
                emit("response.reasoning_summary_text.done", item_id=iid, output_index=idx,
                     summary_index=si, text=part["text"])
                emit("response.reasoning_summary_part.done", item_id=iid, output_index=idx,
                     summary_index=si, part=part)
        elif kind == "message":
            emit("response.output_item.added", output_index=idx,
                 item={**item, "status": "in_progress", "content": []})
            for ci, part in enumerate(item["content"]):
                refusal = part["type"] == "refusal"
                empty = {"type": "refusal", "refusal": ""} if refusal else {
                    "type": "output_text", "annotations": [], "logprobs": [], "text": ""}
                emit("response.content_part.added", item_id=iid, output_index=idx,
                     content_index=ci, part=empty)
                text = part["refusal"] if refusal else part["text"]
                for p in _pieces(text, piece):
                    if refusal:
                        emit("response.refusal.delta", item_id=iid, output_index=idx,
                             content_index=ci, delta=p)
                    else:
                        emit("response.output_text.delta", item_id=iid, output_index=idx,
                             content_index=ci, delta=p, logprobs=[])
                if refusal:
                    emit("response.refusal.done", item_id=iid, output_index=idx,
                         content_index=ci, refusal=text)
                else:
                    emit("response.output_text.done", item_id=iid, output_index=idx,
                         content_index=ci, text=text, logprobs=[])
                emit("response.content_part.done", item_id=iid, output_index=idx,
                     content_index=ci, part=part)
        elif kind == "function_call":
            emit("response.output_item.added", output_index=idx,
                 item={**item, "status": "in_progress", "arguments": ""})
            for p in _pieces(item["arguments"], piece):
                emit("response.function_call_arguments.delta", item_id=iid, output_index=idx,
                     delta=p)
            emit("response.function_call_arguments.done", item_id=iid, output_index=idx,
                 arguments=item["arguments"], name=item["name"])
        emit("response.output_item.done", output_index=idx, item=item)
    final = "response.incomplete" if resp["status"] == "incomplete" else "response.completed"
    emit(final, response=resp)
    return out


def sse_lines(resp: dict[str, Any], piece: int = 3) -> list[bytes]:
    """``events`` as the raw SSE lines the executor hands over (no terminators)."""
    lines: list[bytes] = []
    for ev in events(resp, piece):
        lines += [b"event: " + ev["type"].encode(), b"data: " + orjson.dumps(ev), b""]
    return lines


def sample() -> dict[str, Any]:
    return response([reasoning("Plan the answer.", "Then check it.", blob="gAAAAABblob"),
                     message("Hello there."), call("lookup", '{"q":"x y"}')],
                    usage_obj=usage(20, 9, cached=4, reasoning_tokens=3))


# -- the generator is faithful ---------------------------------------------------------


def test_every_event_parses_as_an_sdk_stream_event() -> None:
    resp = response([reasoning("a", blob="gAAAAAx"), message("hi", refusal="no"),
                     call("f", "{}")])
    seen = set()
    for ev in events(resp):
        parsed = parse_event(ev)
        assert parsed.type == ev["type"]
        seen.add(ev["type"])
    assert {"response.refusal.delta", "response.reasoning_summary_text.delta",
            "response.function_call_arguments.delta", "response.completed"} <= seen


def test_the_sdk_accumulator_rebuilds_the_response() -> None:
    resp = sample()
    state = ResponseStreamState(input_tools=omit, text_format=omit)
    final = None
    for ev in events(resp):
        for out in state.handle_event(parse_event(ev)):
            if out.type == "response.completed":
                final = out.response
    assert final is not None
    assert final.model_dump(exclude_none=True)["output"] == \
        Response.model_validate(resp).model_dump(exclude_none=True)["output"]


def test_sse_lines_are_event_data_blank_triples() -> None:
    lines = sse_lines(response([message("ok")]))
    assert lines[0] == b"event: response.created"
    assert lines[1].startswith(b"data: {")
    assert lines[2] == b""
    assert len(lines) % 3 == 0


def run_stream(client: str, body: dict[str, Any], lines: list[bytes],
               cuts: list[int] | None = None, model: str = "gpt-5") -> list[bytes]:
    """Feed ``lines`` to the ``(client, codex)`` pair in batches split at ``cuts``."""
    from cliproxy_tui.translate import get_pair

    pair = get_pair(client, "codex")
    assert pair is not None
    state = pair.new_stream(model, body)
    bounds = [0, *sorted({c for c in (cuts or []) if 0 < c < len(lines)}), len(lines)]
    out: list[bytes] = []
    for a, b in pairwise(bounds):
        out += pair.stream_lines(state, lines[a:b])
    out += pair.stream_end(state)
    return out


def run_complete(client: str, body: dict[str, Any], resp: dict[str, Any],
                 model: str = "gpt-5") -> Any:
    """The non-stream translation of ``resp`` for ``client``, parsed back to JSON."""
    from cliproxy_tui.translate import get_pair

    pair = get_pair(client, "codex")
    assert pair is not None
    return orjson.loads(pair.response(pair.new_stream(model, body), orjson.dumps(resp)))
