"""A lean HTTP/1.1 keep-alive client for direct upstream calls (providers.md §1.7).

Why it exists: ``aiohttp.ClientSession.request`` cost about a third of the proxy's CPU
per proxied request (request object, header munging, connector bookkeeping, a task per
body write). Upstream calls are one bytes body to a handful of origins, so this client
does only that:

* one connection pool per (scheme, host, port), newest idle connection first;
* a request is a single pre-assembled ``transport.write`` (request line, headers,
  ``Content-Length``, body); the URL and ``Host`` header of each URL are prepared once;
* answers parsed in C by ``httptools`` (``h1parse``); a connection goes back to the pool
  as soon as its answer is complete, unless the server said ``Connection: close``;
* a pooled connection that turns out dead before any byte of the answer arrived is
  retried once on a new connection (POSTs are not idempotent: nothing else is retried).

Requests look like aiohttp's on the wire: same default ``Accept``, ``Accept-Encoding``,
``User-Agent`` and ``Content-Type``, same path quoting (yarl), same automatic decoding.
Proxied calls and ``HEAD`` stay with aiohttp (``providers.http`` decides).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Mapping
from typing import Any

import aiohappyeyeballs  # aiohttp's own dependency
from aiohttp.client_reqrep import ClientRequest
from aiohttp.http import SERVER_SOFTWARE
from yarl import URL

from .h1parse import H1Connection, H1Response, HttpClientError, StaleConnection

CONNECT_TIMEOUT = 30.0
#: idle connections older than this are closed (aiohttp's keepalive_timeout here)
KEEPALIVE_TIMEOUT = 60.0
DNS_TTL = 300.0
_MAX_TARGETS = 1024  # cached URL preparations; the cache starts over past this

_DEFAULTS = {k.lower(): v for k, v in ClientRequest.DEFAULT_HEADERS.items()}
# name → bit recording that the caller set it (or -1: we write it ourselves)
_SPECIAL = {"host": 1, "accept": 2, "accept-encoding": 4, "user-agent": 8,
            "content-type": 16, "content-length": -1, "transfer-encoding": -1}
_ACCEPT = f"Accept: {_DEFAULTS.get('accept', '*/*')}\r\n"
_ACCEPT_ENCODING = (f"Accept-Encoding: {_DEFAULTS['accept-encoding']}\r\n"
                    if "accept-encoding" in _DEFAULTS else "")
_USER_AGENT = f"User-Agent: {SERVER_SOFTWARE}\r\n"


class _Target:
    """A URL ready to send: where to connect and what the request line says."""

    __slots__ = ("host", "host_line", "key", "origin", "path", "port", "tls")

    def __init__(self, url: URL) -> None:
        self.tls = url.scheme == "https"
        self.host = url.raw_host or ""
        self.port = url.port or (443 if self.tls else 80)
        self.key = (url.scheme, self.host, self.port)
        self.path = url.raw_path_qs
        self.host_line = f"Host: {url.host_port_subcomponent}\r\n"
        self.origin = f"{url.scheme}://{url.host_port_subcomponent}"  # for error messages


def _target(url: str) -> _Target | None:
    try:
        u = URL(url)
    except (ValueError, TypeError):
        return None
    if u.scheme not in ("http", "https") or not u.raw_host or u.raw_user is not None:
        return None  # userinfo means Basic auth: aiohttp's job
    return _Target(u)


def _head(method: str, target: _Target, headers: Mapping[str, str], length: int) -> bytes:
    parts = [f"{method} {target.path} HTTP/1.1\r\n", ""]
    seen = 0
    for name, value in headers.items():
        bit = _SPECIAL.get(name.lower())
        if bit is not None:
            if bit < 0:
                continue  # framing is ours: the body is sent with its real length
            seen |= bit
        parts.append(f"{name}: {value}\r\n")
    if not seen & 1:
        parts[1] = target.host_line
    if not seen & 2:
        parts.append(_ACCEPT)
    if not seen & 4:
        parts.append(_ACCEPT_ENCODING)
    if not seen & 8:
        parts.append(_USER_AGENT)
    parts.append(f"Content-Length: {length}\r\n")
    if not seen & 16:
        parts.append("Content-Type: application/octet-stream\r\n")
    parts.append("\r\n")
    head = "".join(parts)
    lines = len(parts) - parts.count("")
    if head.count("\n") != lines or head.count("\r") != lines:
        # same refusal as aiohttp: a CR/LF in a header would smuggle another header in
        raise ValueError("Newline or carriage return character detected in HTTP status "
                         "message or header. This is a potential security issue.")
    return head.encode("utf-8", "surrogateescape")


class H1Client:
    """Pooled keep-alive HTTP/1.1 connections; see the module docstring.

    ``ssl_context`` defaults to ``ssl.create_default_context()`` (certificates and host
    names verified, SNI sent), made once on the first https connection.
    """

    def __init__(self, *, connect_timeout: float = CONNECT_TIMEOUT,
                 keepalive_timeout: float = KEEPALIVE_TIMEOUT,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self._connect_timeout = connect_timeout
        self._keepalive = keepalive_timeout
        self._ssl = ssl_context
        self._ssl_lock: asyncio.Lock | None = None
        self._targets: dict[str, _Target | None] = {}
        self._dns: dict[tuple[str, int], tuple[float, list[Any]]] = {}
        self._idle: dict[tuple[str, str, int], list[H1Connection]] = {}
        self._conns: set[H1Connection] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self._closed = False

    def accepts(self, method: str, url: str) -> bool:
        """Whether this client sends the call (absolute http(s) URL without userinfo, not HEAD)."""
        target = self._targets.get(url)
        if target is None:
            if url in self._targets:
                return False
            target = self._prepare(url)
            if target is None:
                return False
        return method != "HEAD"

    def _prepare(self, url: str) -> _Target | None:
        if len(self._targets) >= _MAX_TARGETS:
            self._targets.clear()
        target = self._targets[url] = _target(url)
        return target

    @property
    def connection_count(self) -> int:
        """Open connections, busy or idle."""
        return len(self._conns)

    @property
    def idle_count(self) -> int:
        """Connections waiting in the pool."""
        return sum(len(v) for v in self._idle.values())

    async def request(self, method: str, url: str, headers: Mapping[str, str], body: bytes,
                      *, decompress: bool = True) -> H1Response:
        """Send one request; return the response once its headers are in (body unread).

        Failures raise ``HttpClientError`` (an ``OSError``); ``ValueError`` for a URL or
        header this client cannot send.
        """
        if self._closed:
            raise HttpClientError("client is closed")
        target = self._targets.get(url) or self._prepare(url)
        if target is None:
            # the URL is left out: a query string may carry an API key
            raise ValueError("not an absolute http(s) URL without userinfo")
        data = _head(method, target, headers, len(body))
        if body:
            data += body
        conn = self._take_idle(target.key)
        if conn is not None:
            try:
                return await conn.send(data, decompress)
            except StaleConnection:
                pass  # the server dropped the idle connection: once more on a new one
            except BaseException:
                conn.abort()  # cancelled or failed mid-exchange: the connection is out of step
                raise
        conn = await self._connect(target)
        try:
            return await conn.send(data, decompress)
        except BaseException:
            conn.abort()
            raise

    # -- the pool -----------------------------------------------------------------------

    def _take_idle(self, key: tuple[str, str, int]) -> H1Connection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            transport = conn.transport
            if not conn.closed and transport is not None and not transport.is_closing():
                return conn
            conn.abort()
        return None

    def _release(self, conn: H1Connection) -> None:
        """A connection whose answer is complete: ready for the next request."""
        if self._closed:
            conn.abort()
            return
        conn.idle_since = conn.loop.time()
        idle = self._idle.get(conn.key)
        if idle is None:
            idle = self._idle[conn.key] = []
        idle.append(conn)
        if self._sweeper is None:
            self._sweeper = conn.loop.call_later(self._keepalive / 2, self._sweep, conn.loop)

    def _opened(self, conn: H1Connection) -> None:
        self._conns.add(conn)

    def _forget(self, conn: H1Connection) -> None:
        """Called from ``connection_lost``."""
        self._conns.discard(conn)
        idle = self._idle.get(conn.key)
        if idle and conn in idle:
            idle.remove(conn)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sweeper = None
        limit = loop.time() - self._keepalive
        left = 0
        for idle in self._idle.values():
            # oldest first: connections are appended when they go idle
            while idle and idle[0].idle_since <= limit:
                idle.pop(0).abort()
            left += len(idle)
        if left and not self._closed:
            self._sweeper = loop.call_later(self._keepalive / 2, self._sweep, loop)

    async def _connect(self, target: _Target) -> H1Connection:
        loop = asyncio.get_running_loop()
        ctx = await self._ssl_context() if target.tls else None
        conn = H1Connection(self, target.key, loop)
        try:
            async with asyncio.timeout(self._connect_timeout):
                infos = await self._resolve(loop, target)
                # Happy Eyeballs as aiohttp does: a host whose IPv6 route is a black hole
                # still connects over IPv4 after 0.25 s instead of waiting out the timeout.
                sock = await aiohappyeyeballs.start_connection(
                    infos, happy_eyeballs_delay=0.25, loop=loop)
                try:
                    await loop.create_connection(lambda: conn, sock=sock, ssl=ctx,
                                                 server_hostname=target.host if ctx else None)
                except BaseException:
                    sock.close()
                    raise
        except TimeoutError:
            conn.abort()
            raise HttpClientError(f"Connection timeout to host {target.origin}") from None
        except OSError as exc:
            conn.abort()
            self._dns.pop((target.host, target.port), None)  # the address may have moved
            raise HttpClientError(f"Cannot connect to host {target.host}:{target.port} "
                                  f"ssl:{'default' if ctx else False} "
                                  f"[{exc.strerror or exc}]") from exc
        if self._closed:
            conn.abort()
            raise HttpClientError("client is closed")
        return conn

    async def _resolve(self, loop: asyncio.AbstractEventLoop, target: _Target) -> list[Any]:
        """Addresses of the target's host, cached for ``DNS_TTL`` (aiohttp's ttl_dns_cache)."""
        key = (target.host, target.port)
        now = loop.time()
        hit = self._dns.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        if not infos:
            raise OSError(f"no address for {target.host}")
        if len(self._dns) >= _MAX_TARGETS:
            self._dns.clear()
        self._dns[key] = (now + DNS_TTL, infos)
        return infos

    async def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            if self._ssl_lock is None:
                self._ssl_lock = asyncio.Lock()
            async with self._ssl_lock:
                if self._ssl is None:
                    # loading the system's CA store blocks: keep it off the event loop
                    self._ssl = await asyncio.to_thread(_default_context)
        return self._ssl

    async def close(self) -> None:
        """Close every connection, in use or idle (in-flight bodies fail)."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        conns = list(self._conns)
        self._idle.clear()
        for conn in conns:
            conn.abort()
        # connection_lost runs on the next loop turns; let the sockets really close
        for _ in range(10):
            if not self._conns:
                break
            await asyncio.sleep(0)
        self._conns.clear()


def _default_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


__all__ = ["CONNECT_TIMEOUT", "KEEPALIVE_TIMEOUT", "H1Client", "H1Response", "HttpClientError"]
