"""Client-side readers shared by the translator tests of every family.

What a client makes of a translated stream: Claude SSE blocks and Responses
``event:`` / ``data:`` items parsed back into events (names checked against their
data), and a Claude stream accumulated by the official anthropic SDK.
"""

from __future__ import annotations

from typing import Any, get_args

import orjson
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message, RawMessageStreamEvent
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

# built once per test session: an adapter over a whole event union takes a while to build
CLAUDE_EVENT = TypeAdapter(RawMessageStreamEvent)
RESPONSES_EVENT = TypeAdapter(ResponseStreamEvent)
#: Responses stream event classes by their ``type`` (the SDK's union is discriminated by
#: ``type`` through its own metadata, which a bare pydantic adapter does not read)
RESPONSES_EVENT_CLASSES: dict[str, Any] = {
    literal: cls
    for cls in get_args(get_args(ResponseStreamEvent)[0])
    for literal in get_args(cls.model_fields["type"].annotation)
}


def claude_sse_events(blocks: list[bytes]) -> list[dict[str, Any]]:
    """Claude SSE blocks, one ``event: X`` / ``data: {…}`` pair and a blank line each,
    → their JSON payloads, checking the framing and that ``X`` is the data's type."""
    out = []
    for block in blocks:
        assert block.endswith(b"\n\n")
        event_line, data_line = block[:-2].split(b"\n")
        assert event_line.startswith(b"event: ") and data_line.startswith(b"data: ")
        obj = orjson.loads(data_line[6:])
        assert obj["type"] == event_line[7:].decode()
        out.append(obj)
    return out


def accumulate_claude(events: list[dict[str, Any]]) -> Message:
    """The official SDK's accumulator over strictly validated events."""
    snapshot = None
    bufs: dict[int, bytes] = {}
    for event in events:
        snapshot = accumulate_event(event=CLAUDE_EVENT.validate_python(event),
                                    current_snapshot=snapshot, json_bufs=bufs)
    assert snapshot is not None
    return Message.model_validate(snapshot.model_dump())


def responses_sse_events(items: list[bytes]) -> list[dict[str, Any]]:
    """Pairs of Responses ``event:`` / ``data:`` items → the event objects (names checked)."""
    assert len(items) % 2 == 0
    events = []
    for name, data in zip(items[::2], items[1::2], strict=True):
        assert name.startswith(b"event: ") and data.startswith(b"data: ")
        obj = orjson.loads(data[6:])
        assert obj["type"] == name[7:].decode()
        events.append(obj)
    return events
