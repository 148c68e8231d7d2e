"""What every Codex → client stream translator shares (translators.md §6).

A Codex stream is a sequence of Responses events; only the JSON ``type`` matters (the
``event:`` lines repeat it). ``CodexStream`` parses each ``data:`` line once, keeps the
response's id / creation time / model from ``response.created``, dispatches the event
to the client family's handler, and decides how a stream ends: with
``response.completed`` (or ``response.incomplete``) the client has everything; a
``response.failed`` / ``error`` event, or an upstream that stops before completing,
becomes a ``StreamError`` the server turns into the client's own error event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from .. import jsonfast
from ..errors import StreamError
from .codex_names import restore_map
from .registry import StreamState

# error codes of failure events whose HTTP status is obvious (the client's SDK then
# raises its rate-limit / bad-request error instead of a generic server error)
_FAILURE_STATUS = {
    "rate_limit_exceeded": 429, "usage_limit_reached": 429, "insufficient_quota": 429,
    "context_length_exceeded": 400, "invalid_prompt": 400, "server_is_overloaded": 503,
}
NOT_COMPLETED = "stream disconnected before completion: stream closed before response.completed"

# handlers take the concrete subclass; Any keeps the table covariant-free
_LIFECYCLE = ("response.created", "response.in_progress", "response.failed", "error")
Handler = Callable[[Any, dict[str, Any]], None]


def response_of(event: dict[str, Any]) -> dict[str, Any]:
    resp = event.get("response")
    return resp if isinstance(resp, dict) else {}


def unwrap_response(upstream_body: bytes) -> dict[str, Any]:
    """The ``response`` object of a non-stream answer (a whole event is accepted too)."""
    obj = jsonfast.loads(upstream_body)
    if not isinstance(obj, dict):
        return {}
    if obj.get("object") != "response" and isinstance(obj.get("response"), dict):
        return obj["response"]
    return obj


def failure_error(event: dict[str, Any]) -> StreamError:
    err = response_of(event).get("error") if event.get("type") == "response.failed" \
        else event.get("error", event)
    if not isinstance(err, dict):
        err = {}
    code = err.get("code") or err.get("type") or ""
    message = err.get("message") if isinstance(err.get("message"), str) else ""
    text = f"upstream {event.get('type')}: {code + ': ' if code else ''}{message}".rstrip(": ")
    status = _FAILURE_STATUS.get(code, 502) if isinstance(code, str) else 502
    return StreamError(text, status=status)


class CodexStream(StreamState):
    """Per-stream state of a Codex → client translator.

    A subclass handles an event by having the method ``_EVENTS`` names for it; a class
    that spells out its own ``HANDLERS`` keeps them.
    """

    __slots__ = ("_hint", "_restore", "client_format", "created_at", "failure", "finished", "out",
                 "response_id", "upstream_model")

    CLIENT: ClassVar[str] = ""
    #: event type → handler; ``response.created`` is recorded before its handler runs
    HANDLERS: ClassVar[dict[str, Handler]] = {}
    #: event type → name of the method that handles it
    _EVENTS: ClassVar[dict[str, str]] = {
        "response.created": "on_created",
        "response.reasoning_summary_part.added": "on_summary_part",
        "response.reasoning_summary_text.delta": "on_reasoning_delta",
        "response.reasoning_text.delta": "on_reasoning_delta",
        "response.output_text.delta": "on_text_delta",
        "response.refusal.delta": "on_refusal_delta",
        "response.content_part.done": "on_part_done",
        "response.output_item.added": "on_item_added",
        "response.function_call_arguments.delta": "on_arguments_delta",
        "response.output_item.done": "on_item_done",
        "response.completed": "on_completed",
        "response.incomplete": "on_completed",
    }
    _WANTED: ClassVar[frozenset[bytes] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "HANDLERS" not in cls.__dict__:
            # plain functions, looked up once per class, so dispatch costs one dict lookup
            cls.HANDLERS = {event: getattr(cls, name) for event, name in cls._EVENTS.items()
                            if hasattr(cls, name)}

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        super().__init__(model, client_body)
        self.client_format = self.CLIENT
        self._restore: dict[str, str] | None = None
        #: the type named by the last ``event:`` line, until its ``data:`` line comes
        self._hint: bytes | None = None
        self.response_id = ""
        self.created_at = 0
        self.upstream_model = ""
        self.finished = False
        self.failure: StreamError | None = None
        self.out: list[bytes] = []

    # -- shared facts ------------------------------------------------------------------

    def tool_name(self, short: Any) -> str:
        """The client's own name for a (possibly shortened) upstream tool name."""
        if not isinstance(short, str):
            return ""
        if self._restore is None:
            self._restore = restore_map(self.client_format, self.client_body)
        return self._restore.get(short, short)

    def remember(self, response: dict[str, Any]) -> None:
        if isinstance(response.get("id"), str) and response["id"]:
            self.response_id = response["id"]
        created = response.get("created_at")
        if isinstance(created, (int, float)) and not isinstance(created, bool) and created:
            self.created_at = int(created)
        if isinstance(response.get("model"), str) and response["model"]:
            self.upstream_model = response["model"]

    def final_response(self, event: dict[str, Any]) -> dict[str, Any]:
        """The ``response`` of a ``response.completed`` / ``.incomplete`` event, remembered."""
        response = response_of(event)
        self.remember(response)
        return response

    @property
    def model_name(self) -> str:
        return self.upstream_model or self.model

    # -- driving -----------------------------------------------------------------------

    def feed(self, lines: list[bytes]) -> list[bytes]:
        out = self.out = []
        handlers = self.HANDLERS
        wanted = self._wanted()
        hint = self._hint
        for line in lines:
            if not line.startswith(b"data:"):
                if line.startswith(b"event:"):
                    hint = line[6:].strip()
                continue
            # Codex names every event in the ``event:`` line before its data: events
            # this translator ignores are not even parsed (most of a stream's bytes are
            # the response object repeated by events nobody here needs)
            if hint is not None and (hint not in wanted or (
                    hint == b"response.in_progress" and self.response_id)):
                hint = None
                continue
            hint = None
            payload = line[5:].strip()
            if payload[:1] != b"{":
                start = payload.find(b"{")
                if start < 0:
                    continue  # blank, [DONE], junk
                payload = payload[start:]
            try:
                event = jsonfast.loads(payload)
            except jsonfast.JSONDecodeError:
                continue
            if not isinstance(event, dict) or self.finished:
                continue
            kind = event.get("type")
            if kind in ("response.created", "response.in_progress"):
                self.remember(response_of(event))
            elif kind in ("response.failed", "error"):
                self.failure = failure_error(event)
                self.finished = True
                continue
            handler = handlers.get(kind) if isinstance(kind, str) else None
            if handler is not None:
                handler(self, event)
        self._hint = hint
        return out

    @classmethod
    def _wanted(cls) -> frozenset[bytes]:
        wanted = cls.__dict__.get("_WANTED")
        if wanted is None:
            wanted = frozenset(k.encode() for k in (*cls.HANDLERS, *_LIFECYCLE))
            cls._WANTED = wanted
        return wanted

    def end(self) -> list[bytes]:
        self.out = []
        if self.failure is not None:
            raise self.failure
        if not self.finished:
            raise StreamError(NOT_COMPLETED)
        return self.out


def summary_texts(item: dict[str, Any]) -> list[str]:
    """Non-empty reasoning texts of a reasoning item: its summaries, else its content."""
    texts = [p["text"] for p in item.get("summary") or ()
             if isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"]]
    if texts:
        return texts
    content = item.get("content")
    return [p["text"] for p in content if isinstance(p, dict)
            and isinstance(p.get("text"), str) and p["text"]] if isinstance(content, list) else []


def message_texts(item: dict[str, Any]) -> list[tuple[str, str]]:
    """``(kind, text)`` of a message item's non-empty parts (output_text and refusal)."""
    out: list[tuple[str, str]] = []
    for part in item.get("content") or ():
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        text = part.get("refusal") if kind == "refusal" else part.get("text")
        if isinstance(text, str) and text:
            out.append(("refusal" if kind == "refusal" else "text", text))
    return out


def output_items(response: dict[str, Any]) -> list[dict[str, Any]]:
    items = response.get("output")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def delta_text(event: dict[str, Any]) -> str:
    d = event.get("delta")
    return d if isinstance(d, str) else ""
