"""Line-by-line reading of an upstream stream (providers.md §1.7 "SSE reading").

``LineStream`` yields, per network read, the complete lines that read made available —
so the caller can translate and write one batch per read, adding no latency — and keeps
the unfinished tail for the next read. Work per read is a handful of C-level bytes
operations; lines are only inspected further when a usage tracker wants them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp

from .. import request_log
from ..errors import StreamError
from .http import content_decoder

if TYPE_CHECKING:
    from .base import UsageDetail
    from .usage_parse import StreamUsageTracker

#: Go's bufio.Scanner limit used upstream for SSE lines (20 MiB)
MAX_LINE = 20 * 1024 * 1024
_READ_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


def _strip_cr(lines: list[bytes]) -> list[bytes]:
    return [ln[:-1] if ln[-1:] == b"\r" else ln for ln in lines]


def _feed_marked(tracker: StreamUsageTracker, buf: bytes, end: int) -> None:
    """Feed the tracker the complete lines of ``buf[:end]`` that contain its marker.

    ``feed()`` ignores every other line; finding the few marked ones with ``bytes.find``
    over the whole read costs far less than testing each line.
    """
    marker = tracker.marker
    pos = buf.find(marker, 0, end)
    while pos >= 0:
        start = buf.rfind(b"\n", 0, pos) + 1
        stop = buf.find(b"\n", pos, end)  # found: buf[end - 1] is a newline
        line = buf[start:stop]
        tracker.feed(line[:-1] if line[-1:] == b"\r" else line)
        pos = buf.find(marker, stop + 1, end)


class LineStream:
    """An ``UpstreamStream`` over a 2xx response of ``http.request`` (an
    ``aiohttp.ClientResponse`` or an ``h1client.H1Response``: the same surface).

    ``encoded=True`` when the request was sent with ``decompress=False``: the body is then
    decoded here according to ``Content-Encoding``.
    """

    __slots__ = (
        "_closed",
        "_decode",
        "_done",
        "_pending",
        "_pending_len",
        "_readany",
        "_resp",
        "_rl",
        "_tracker",
        "status",
        "upstream_model",
    )

    def __init__(self, resp: Any,
                 usage_tracker: StreamUsageTracker | None = None, *,
                 upstream_model: str = "", encoded: bool = False) -> None:
        self.status = resp.status
        self.upstream_model = upstream_model
        self._resp = resp
        self._readany: Callable[[], Awaitable[bytes]] = resp.content.readany
        #: request-log: the decoded chunks are kept for the request's log file
        self._rl = request_log.CURRENT.get()
        self._tracker = usage_tracker
        # fragments of the unfinished last line; a list so a huge line costs O(n), not O(n²)
        self._pending: list[bytes] = []
        self._pending_len = 0
        self._decode: Callable[[bytes], bytes] | None = (
            content_decoder(resp.headers.get("Content-Encoding", "")) if encoded else None)
        self._done = False
        self._closed = False

    @property
    def headers(self) -> Any:
        """The upstream's response headers (looked up on demand: few callers need them)."""
        return self._resp.headers

    @property
    def usage(self) -> UsageDetail | None:
        return self._tracker.detail if self._tracker is not None else None

    def __aiter__(self) -> LineStream:
        return self

    async def __anext__(self) -> list[bytes]:
        while not self._done:
            try:
                chunk = await self._readany()
            except _READ_ERRORS as exc:
                self._close_now()
                reason = str(exc).strip() or type(exc).__name__
                raise StreamError(f"upstream stream broke: {reason}") from exc
            except BaseException:
                # cancelled (client went away): drop the upstream connection at once
                self._close_now()
                raise
            if not chunk:
                self._done = True
                tail = self._take_tail()
                if tail is not None:
                    return tail
                break
            if self._decode is not None:
                try:
                    chunk = self._decode(chunk)
                except Exception as exc:  # zlib.error, brotli.error, ZstdError
                    self._close_now()
                    raise StreamError(
                        f"upstream stream broke: bad content encoding: {exc}") from exc
                if not chunk:
                    continue
            if self._rl is not None:
                self._rl.upstream_chunk(chunk)
            batch = self._split(chunk)
            if batch:
                return batch
        self._close_now()
        raise StopAsyncIteration

    def _split(self, chunk: bytes) -> list[bytes]:
        if b"\n" not in chunk:
            self._pending.append(chunk)
            self._pending_len += len(chunk)
            if self._pending_len > MAX_LINE:
                self._too_long()
            return []
        if self._pending:
            self._pending.append(chunk)
            buf = b"".join(self._pending)
            self._pending.clear()
        else:
            buf = chunk
        lines = buf.split(b"\n")
        last = lines.pop()
        if last:
            self._pending.append(last)
        self._pending_len = len(last)
        if b"\r" in buf:
            lines = _strip_cr(lines)
        if len(buf) > MAX_LINE and (self._pending_len > MAX_LINE
                                    or max(map(len, lines)) > MAX_LINE):
            self._too_long()
        if self._tracker is not None:
            _feed_marked(self._tracker, buf, len(buf) - len(last))
        return lines

    def _take_tail(self) -> list[bytes] | None:
        if not self._pending:
            return None
        line = b"".join(self._pending)
        self._pending.clear()
        self._pending_len = 0
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            return None
        if self._tracker is not None:
            self._tracker.feed(line)
        return [line]

    def _too_long(self) -> None:
        self._close_now()
        raise StreamError("token too long")

    def _close_now(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._done = True
        # An unfinished body: close the connection so the upstream stops generating.
        if self._resp.content.at_eof():
            self._resp.release()
        else:
            self._resp.close()

    async def aclose(self) -> None:
        self._close_now()


__all__ = ["MAX_LINE", "LineStream"]
