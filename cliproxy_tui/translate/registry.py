"""The registry of format pairs and the pair contract."""

from __future__ import annotations

import importlib
from typing import Any, Protocol


class StreamState:
    """Per-stream state; pairs subclass it or use its free-form ``data`` slot."""

    __slots__ = ("client_body", "data", "model")

    def __init__(self, model: str, client_body: dict[str, Any]) -> None:
        self.model = model
        self.client_body = client_body
        self.data: Any = None


class Pair(Protocol):
    client: str
    upstream: str

    def request(self, model: str, body: dict[str, Any], stream: bool) -> dict[str, Any]:
        """Client body → upstream body. Must not mutate ``body``."""

    def response(self, state: StreamState, upstream_body: bytes) -> bytes:
        """Whole upstream answer → whole client answer (JSON bytes)."""

    def new_stream(self, model: str, client_body: dict[str, Any]) -> StreamState: ...

    def stream_lines(self, state: StreamState, lines: list[bytes]) -> list[bytes]:
        """Upstream SSE lines (one network read) → client payloads, framed by the server."""

    def stream_end(self, state: StreamState) -> list[bytes]:
        """Payloads still owed to the client when the upstream stream ended cleanly."""

    def count_response(self, state: StreamState, upstream_body: bytes) -> bytes:
        """Upstream token-count answer → client token-count answer."""


_PAIRS: dict[tuple[str, str], Pair] = {}


def register_pair(pair: Pair) -> None:
    _PAIRS[(pair.client, pair.upstream)] = pair


def get_pair(client: str, upstream: str) -> Pair | None:
    _ensure_loaded()
    return _PAIRS.get((client, upstream))


def supported_pairs() -> list[tuple[str, str]]:
    _ensure_loaded()
    return sorted(_PAIRS)


_loaded = False
_loading = False

#: pair modules, imported once on first lookup; each registers its pairs at import.
#: ``gemini_cli`` comes last because its envelope pairs wrap the gemini ones.
_PAIR_MODULES = ("passthrough", "gemini", "claude", "codex", "openai", "gemini_cli")


def _ensure_loaded() -> None:
    global _loaded, _loading
    if _loaded or _loading:
        # _loading: a pair module looked a pair up while being imported
        return
    _loading = True
    try:
        for name in _PAIR_MODULES:
            full = f"{__package__}.{name}"
            try:
                importlib.import_module(full)
            except ModuleNotFoundError as exc:
                # only a family module that is not there (yet) is skipped; a missing
                # dependency inside one of them is a real error
                if exc.name != full:
                    raise
        # set only on success, so a broken module fails every lookup, not just the first
        _loaded = True
    finally:
        _loading = False
