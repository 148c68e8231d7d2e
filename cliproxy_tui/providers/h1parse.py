"""One HTTP/1.1 client connection (an asyncio Protocol) and the response it parses.

The response side of ``h1client``: llhttp (through ``httptools``) parses the bytes in C
and calls back once per header, per body piece and at the end of the message, so a
small JSON answer costs one ``data_received`` and a handful of callbacks.

``H1Response`` offers the part of ``aiohttp.ClientResponse`` the executors and
``LineStream`` use (``status``, ``headers``, ``read()``, ``content.readany()``,
``content.at_eof()``, ``release()``, ``close()``), so they need not know which client sent
the request.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httptools
from multidict import CIMultiDict, CIMultiDictProxy

if TYPE_CHECKING:
    from .h1client import H1Client

#: a body piece waiting for its consumer pauses the socket past this many bytes
HIGH_WATER = 256 * 1024
#: encodings aiohttp decodes on its own (exact, single-token ``Content-Encoding`` only)
_AUTO_ENCODINGS = frozenset({"gzip", "deflate", "br", "zstd"})


class HttpClientError(OSError):
    """A connection, protocol or body failure.

    An ``OSError`` on purpose: every caller already maps ``OSError`` to its transport
    error (``TransportError`` before the answer, ``StreamError`` during a stream).
    """


class StaleConnection(HttpClientError):
    """A pooled connection died before any byte of the answer came back: safe to retry."""


def auto_decoder(content_encoding: str) -> Callable[[bytes], bytes] | None:
    """The decoder aiohttp's ``auto_decompress`` would use, or None to pass bytes through."""
    if not content_encoding.isascii():
        return None
    enc = content_encoding.lower()
    return decoder_for(enc) if enc in _AUTO_ENCODINGS else None


def decoder_for(token: str) -> Callable[[bytes], bytes] | None:
    """An incremental decoder for one lower-case ``Content-Encoding`` token, or None.

    ``gzip``/``x-gzip``, ``deflate`` (zlib-wrapped or raw), ``br`` and ``zstd``; which
    tokens a caller honours (aiohttp's exact match here, the Go executor's first
    recognised token in ``providers.http``) is the caller's choice.
    """
    if token in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    if token == "deflate":
        return _LazyDeflate().decompress
    if token == "br":
        import brotli

        return brotli.Decompressor().process  # type: ignore[no-any-return]
    if token == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress  # type: ignore[no-any-return]
    return None


class _LazyDeflate:
    """``deflate`` is zlib-wrapped per the RFC; some servers send it raw (aiohttp sniffs too)."""

    __slots__ = ("_obj",)

    def __init__(self) -> None:
        self._obj: Any = None

    def decompress(self, data: bytes) -> bytes:
        if self._obj is None:
            if not data:
                return b""
            raw = (data[0] & 0x0F) != 8
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        return self._obj.decompress(data)  # type: ignore[no-any-return]


class H1Response:
    """A response whose headers have arrived; the body streams in behind them."""

    __slots__ = ("_body", "_chunks", "_conn", "_decode", "_encoding", "_eof", "_exc", "_headers",
                 "_loop", "_raw_headers", "_size", "_waiter", "_whole", "status")

    def __init__(self, conn: H1Connection, status: int, raw_headers: list[tuple[bytes, bytes]],
                 decode: Callable[[bytes], bytes] | None, encoding: str) -> None:
        self.status = status
        self._raw_headers = raw_headers
        self._headers: CIMultiDictProxy[str] | None = None
        self._conn: H1Connection | None = conn  # None once the body is complete or dropped
        self._loop = conn.loop
        self._decode = decode
        self._encoding = encoding
        self._chunks: list[bytes] = []
        self._size = 0
        self._eof = False
        self._exc: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._whole = False  # read() wants everything: never pause the socket
        self._body: bytes | None = None  # what read() returned, for a second read()

    # -- fed by the connection ----------------------------------------------------------

    def _feed(self, data: bytes) -> None:
        if self._decode is not None:
            try:
                data = self._decode(data)
            except Exception:  # noqa: BLE001 - zlib.error, brotli.error, ZstdError
                conn = self._conn
                self._fail(HttpClientError(f"Can not decode content-encoding: {self._encoding}"))
                if conn is not None:
                    conn.abort()
                return
            if not data:
                return
        self._chunks.append(data)
        self._size += len(data)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if self._size > HIGH_WATER and not self._whole and self._conn is not None:
            self._conn.pause()

    def _finish(self) -> None:
        self._conn = None
        self._eof = True
        self._wake()

    def _fail(self, exc: BaseException) -> None:
        self._conn = None
        if not self._eof:
            self._exc = exc
            self._eof = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- the consumer's side ------------------------------------------------------------

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """Built on first use: a JSON answer's caller usually only looks at the status."""
        headers = self._headers
        if headers is None:
            headers = self._headers = CIMultiDictProxy(CIMultiDict(
                [(n.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape"))
                 for n, v in self._raw_headers]))
        return headers

    @property
    def content(self) -> H1Response:
        """The body stream (aiohttp spells it ``resp.content``)."""
        return self

    async def _wait(self) -> None:
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def readany(self) -> bytes:
        """What has arrived since the last call (waits for something); ``b""`` at the end."""
        while not self._chunks:
            if self._eof:
                if self._exc is not None:
                    raise self._exc
                return b""
            await self._wait()
        chunks = self._chunks
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()
        self._size = 0
        if self._conn is not None:
            self._conn.resume()
        return data

    async def read(self) -> bytes:
        """The whole body (waits for its end); again the same bytes on later calls."""
        if self._body is not None:
            return self._body
        if not self._eof:
            self._whole = True
            if self._conn is not None:
                self._conn.resume()
            while not self._eof:
                await self._wait()
        if self._exc is not None:
            raise self._exc
        chunks = self._chunks
        body = self._body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()
        return body

    def at_eof(self) -> bool:
        return self._eof and not self._chunks

    def release(self) -> None:
        """Done with the response: a connection still receiving its body is closed."""
        self.close()

    def close(self) -> None:
        conn = self._conn
        if conn is not None:
            self._fail(HttpClientError("Connection closed"))
            conn.abort()


class H1Connection(asyncio.Protocol):
    """A keep-alive connection to one origin; carries one request at a time."""

    __slots__ = ("_client", "_decompress", "_encoding", "_got_bytes", "_has_length",
                 "_header_list", "_info", "_paused", "_resp", "_waiter", "closed", "idle_since",
                 "key", "loop", "parser", "reused", "transport")

    def __init__(self, client: H1Client, key: tuple[str, str, int],
                 loop: asyncio.AbstractEventLoop) -> None:
        self._client = client
        self.key = key
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reused = False  # carried an earlier request: may have gone stale while idle
        self.idle_since = 0.0
        self._waiter: asyncio.Future[H1Response] | None = None  # pending until headers
        self._resp: H1Response | None = None  # receiving its body
        self._decompress = True
        self._got_bytes = False
        self._header_list: list[tuple[bytes, bytes]] = []
        self._encoding = ""
        self._has_length = False  # Content-Length or chunked: the body does not end at EOF
        self._info = False  # inside a 1xx answer
        self._paused = False

    # -- requests -----------------------------------------------------------------------

    def send(self, data: bytes, decompress: bool) -> asyncio.Future[H1Response]:
        """Write one whole request; the future resolves when the answer's headers are in."""
        self._decompress = decompress
        self._got_bytes = False
        self._waiter = waiter = self.loop.create_future()
        assert self.transport is not None
        self.transport.write(data)
        return waiter

    def abort(self) -> None:
        """Drop the connection now (a half-read body must never go back to the pool)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def pause(self) -> None:
        if not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._client._opened(self)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None and self._resp is None:
            # bytes nobody asked for: the stream is out of step, never reuse it
            self.abort()
            return
        self._got_bytes = True
        try:
            self.parser.feed_data(data)
        except Exception as exc:  # noqa: BLE001 - any parse failure ends this connection
            self._broken(HttpClientError(f"Bad HTTP response: {exc}"))

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost finishes the message

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._client._forget(self)
        resp, waiter = self._resp, self._waiter
        self._resp = self._waiter = None
        if waiter is not None and not waiter.done():
            if not self._got_bytes and self.reused:
                waiter.set_exception(StaleConnection("Server disconnected"))
            else:
                waiter.set_exception(_lost(exc, "Server disconnected"))
        if resp is not None:
            if exc is None and not self._has_length:
                resp._finish()  # a body delimited by the end of the connection
            else:
                resp._fail(_lost(exc, "Response payload is not completed"))

    def _broken(self, exc: HttpClientError) -> None:
        resp, waiter = self._resp, self._waiter
        self._resp = self._waiter = None
        self.abort()
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        if resp is not None:
            resp._fail(exc)

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._waiter is None and not self._info:
            raise HttpClientError("response without a request")
        self._header_list = []
        self._encoding = ""
        self._has_length = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_list.append((name, value))
        if len(name) in (14, 16, 17):  # content-length, content-encoding, transfer-encoding
            low = name.lower()
            if low == b"content-encoding":
                self._encoding = value.decode("utf-8", "surrogateescape")
            elif low in (b"content-length", b"transfer-encoding"):
                self._has_length = True

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:
            self._info = True  # 100 Continue, 103 Early Hints: the real answer follows
            return
        waiter = self._waiter
        self._waiter = None
        if waiter is None or waiter.done():  # the caller was cancelled meanwhile
            raise HttpClientError("response nobody waits for")
        decode = auto_decoder(self._encoding) if self._encoding and self._decompress else None
        resp = H1Response(self, status, self._header_list, decode, self._encoding)
        if status in (204, 304):
            self._has_length = True
        self._resp = resp
        waiter.set_result(resp)

    def on_body(self, body: bytes) -> None:
        resp = self._resp
        if resp is not None:
            resp._feed(body)

    def on_message_complete(self) -> None:
        if self._info:
            self._info = False
            return
        resp = self._resp
        self._resp = None
        keep = self.parser.should_keep_alive() and not self.closed
        if resp is not None:
            resp._finish()
        if keep:
            self.resume()
            self.reused = True
            self._client._release(self)
        else:
            self.abort()


def _lost(exc: BaseException | None, default: str) -> HttpClientError:
    if exc is None:
        return HttpClientError(default)
    text = str(exc).strip() or type(exc).__name__
    err = HttpClientError(f"{default}: {text}")
    err.__cause__ = exc
    return err


__all__ = ["HIGH_WATER", "H1Connection", "H1Response", "HttpClientError", "StaleConnection",
           "auto_decoder", "decoder_for"]
