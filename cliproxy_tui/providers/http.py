"""Outbound HTTP shared by every executor and OAuth call (providers.md §1.7).

Two things live here and nowhere else:

* ``UpstreamMap`` — the final say on every outgoing URL. Tests (and users with a local
  gateway) point real origins such as ``https://api.anthropic.com`` at other servers
  through ``CLIPROXY_UPSTREAM_MAP``.
* ``HttpPool`` — long-lived connection pools, so connections are reused across requests
  instead of paying a TCP/TLS handshake each time: direct calls go through the lean
  keep-alive client of ``h1client`` (aiohttp's request machinery was a third of the
  proxy's CPU per request); calls through an http(s) or SOCKS proxy, and ``HEAD``, through
  one ``aiohttp.ClientSession`` per effective proxy setting.

``request()`` is the hot path (every proxied call goes through it once): a dict lookup for
the route, one request and a status check, nothing more. Both clients return a response
with the same surface (``status``, ``headers``, ``read()``, ``content``, ``release()``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
from python_socks import ProxyError as SocksProxyError

from .. import request_log
from ..errors import TransportError, UpstreamError
from .h1client import H1Client
from .h1parse import decoder_for

log = logging.getLogger(__name__)

ENV_UPSTREAM_MAP = "CLIPROXY_UPSTREAM_MAP"
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_PROXY_SCHEMES = ("socks5", "socks5h", "http", "https")
# No total timeout: streams may run for many minutes. Only establishing a connection
# (TCP, TLS, proxy handshake) is bounded.
_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=30, sock_connect=30, sock_read=None)
_TRANSPORT_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError, SocksProxyError)


def _normalise_origin(origin: str) -> str:
    """``HTTPS://Host:443`` → ``https://host``; the input has no path."""
    origin = origin.lower()
    scheme, sep, authority = origin.partition("://")
    default = _DEFAULT_PORTS.get(scheme)
    if sep and default and authority.endswith(":" + default):
        return f"{scheme}://{authority[: -len(default) - 1]}"
    return origin


def _split_origin(url: str) -> tuple[str, str]:
    """``https://h:1/p?q`` → (``https://h:1``, ``/p?q``) without parsing the whole URL."""
    start = url.find("://")
    if start < 0:
        return "", url
    start += 3
    end = len(url)
    for ch in "/?#":
        i = url.find(ch, start)
        if 0 <= i < end:
            end = i
    return url[:end], url[end:]


class UpstreamMap:
    """Origin → replacement base URL, e.g. ``https://api.openai.com`` → ``http://127.0.0.1:9100``."""

    __slots__ = ("_targets",)

    def __init__(self, pairs: Mapping[str, str] | None = None) -> None:
        self._targets: dict[str, str] = {}
        for origin, target in (pairs or {}).items():
            self._add(origin, target, f"{origin}={target}")

    @classmethod
    def parse(cls, value: str) -> UpstreamMap:
        """Parse ``ORIGIN=URL,ORIGIN=URL``; raises ``ValueError`` naming the bad pair."""
        result = cls()
        for raw in value.split(","):
            pair = raw.strip()
            if not pair:
                continue
            origin, sep, target = pair.partition("=")
            if not sep:
                raise ValueError(f"{ENV_UPSTREAM_MAP}: {pair!r} is not ORIGIN=URL")
            result._add(origin.strip(), target.strip(), pair)
        return result

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> UpstreamMap:
        return cls.parse(env.get(ENV_UPSTREAM_MAP, ""))

    def _add(self, origin: str, target: str, pair: str) -> None:
        o = urlsplit(origin)
        if o.scheme.lower() not in _DEFAULT_PORTS or not o.hostname or (o.path not in ("", "/")
                                                                         or o.query or o.fragment):
            raise ValueError(f"{ENV_UPSTREAM_MAP}: {pair!r}: {origin!r} is not an origin "
                             "like https://host[:port]")
        t = urlsplit(target)
        if t.scheme.lower() not in _DEFAULT_PORTS or not t.hostname or t.query or t.fragment:
            raise ValueError(f"{ENV_UPSTREAM_MAP}: {pair!r}: {target!r} is not an http(s) URL")
        try:
            o.port, t.port  # noqa: B018 - urlsplit validates ports lazily
        except ValueError:
            raise ValueError(f"{ENV_UPSTREAM_MAP}: {pair!r} has an invalid port") from None
        key = _normalise_origin(f"{o.scheme}://{o.netloc}")
        self._targets[key] = f"{t.scheme.lower()}://{t.netloc}{t.path.rstrip('/')}"

    def __bool__(self) -> bool:
        return bool(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def rewrite(self, url: str) -> str:
        if not self._targets:
            return url
        origin, rest = _split_origin(url)
        target = self._targets.get(_normalise_origin(origin))
        if target is None:
            return url
        return target + rest


def _strip_userinfo(url: str) -> str:
    """A proxy URL safe for logs (credentials removed)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "<unparsable proxy URL>"
    return f"{scheme}://{rest.rpartition('@')[2]}"


def _usable_proxy(url: str) -> bool:
    try:
        p = urlsplit(url)
        return p.scheme.lower() in _PROXY_SCHEMES and bool(p.hostname) and (
            p.port is not None or p.scheme.lower() in ("http", "https"))
    except ValueError:
        return False


# (aiohttp session, ``proxy=`` argument for aiohttp or None); no session: direct via h1client
_Route = tuple["aiohttp.ClientSession | None", "str | None"]


class HttpPool:
    """Shared client sessions, one per effective proxy setting, created lazily on the loop.

    ``upstream_map=None`` reads ``CLIPROXY_UPSTREAM_MAP`` (a bad value raises
    ``ValueError``), so every code path honours the map without extra wiring.
    """

    def __init__(self, global_proxy_url: str = "",
                 upstream_map: UpstreamMap | None = None) -> None:
        self._map = upstream_map if upstream_map is not None else UpstreamMap.from_env()
        self._global = global_proxy_url.strip()
        self._sessions: dict[str, aiohttp.ClientSession] = {}  # effective proxy → session
        self._routes: dict[str, _Route] = {}  # credential proxy_url → route
        self._warned: set[str] = set()
        self._h1 = H1Client()
        self._closed = False

    def url(self, u: str) -> str:
        return self._map.rewrite(u)

    def set_global_proxy(self, url: str) -> None:
        """Hot reload: later requests use the new global proxy.

        Sessions of the previous setting stay open (in-flight streams keep their
        connection) until ``close()``; a later switch back reuses them.
        """
        url = url.strip()
        if url != self._global:
            self._global = url
            self._routes.clear()

    def proxy_for(self, proxy_url: str = "") -> str:
        """The proxy a call with this credential proxy uses ('' = direct)."""
        cred = proxy_url.strip()
        if cred:
            if _usable_proxy(cred):
                return cred
            # Deliberate deviation from upstream (providers.md §1.7 quirk): upstream
            # silently goes direct when a credential's proxy is unusable, which can leak
            # traffic around a proxy the user relies on; we use the global proxy instead.
            self._warn_once(cred, "credential proxy URL %s is unusable; using the global "
                                  "proxy setting instead")
        if self._global:
            if _usable_proxy(self._global):
                return self._global
            self._warn_once(self._global, "global proxy URL %s is unusable; connecting directly")
        return ""

    def _warn_once(self, url: str, message: str) -> None:
        if url not in self._warned:
            self._warned.add(url)
            log.warning(message, _strip_userinfo(url))

    def session_for(self, proxy_url: str = "") -> aiohttp.ClientSession:
        """The aiohttp session for this credential proxy (direct too: used for ``HEAD``)."""
        if self._closed:
            raise TransportError("upstream connection failed: http pool is closed")
        return self._session(self.proxy_for(proxy_url))

    def _session(self, effective: str) -> aiohttp.ClientSession:
        session = self._sessions.get(effective)
        if session is None or session.closed:
            session = self._new_session(effective, effective.partition("://")[0].lower())
            self._sessions[effective] = session
        return session

    def _route(self, proxy_url: str) -> _Route:
        route = self._routes.get(proxy_url)
        if route is not None and (route[0] is None or not route[0].closed):
            return route
        if self._closed:
            raise TransportError("upstream connection failed: http pool is closed")
        effective = self.proxy_for(proxy_url)
        if not effective:
            route = (None, None)
        else:
            # http(s) proxies go per request; aiohttp takes Basic credentials from the URL
            scheme = effective.partition("://")[0].lower()
            route = (self._session(effective), effective if scheme in ("http", "https") else None)
        self._routes[proxy_url] = route
        return route

    @staticmethod
    def _new_session(effective: str, scheme: str) -> aiohttp.ClientSession:
        connector: aiohttp.BaseConnector
        if scheme in ("socks5", "socks5h"):
            from aiohttp_socks import ProxyConnector, ProxyType

            p = urlsplit(effective)
            # rdns: the proxy resolves host names, as Go's SOCKS5 dialer does.
            connector = ProxyConnector(
                host=p.hostname or "", port=p.port or 1080, proxy_type=ProxyType.SOCKS5,
                username=unquote(p.username) if p.username else None,
                password=unquote(p.password) if p.password else None,
                rdns=True, limit=0, limit_per_host=0, keepalive_timeout=60)
        else:
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=300,
                                             keepalive_timeout=60)
        # No cookie jar (like Go's default client): a cookie set for one credential must
        # never ride along on another credential's request through the shared session.
        return aiohttp.ClientSession(connector=connector, timeout=_TIMEOUT, auto_decompress=True,
                                     trust_env=False, cookie_jar=aiohttp.DummyCookieJar())

    async def close(self) -> None:
        self._closed = True
        self._routes.clear()
        sessions = list(self._sessions.values())
        self._sessions.clear()
        for s in sessions:
            if not s.closed:
                await s.close()
        await self._h1.close()


def _reason(exc: BaseException, proxy: str | None = None) -> str:
    text = str(exc).strip()
    if not text:
        return "timeout" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__
    if proxy and "@" in proxy:
        userinfo = proxy.partition("://")[2].rpartition("@")[0]
        text = text.replace(userinfo, "***")
    return text


async def request(pool: HttpPool, method: str, url: str, *, headers: Mapping[str, str],
                  body: bytes, proxy_url: str = "",
                  decompress: bool = True) -> Any:
    """Send one upstream request; return the 2xx response un-read.

    The response is an ``aiohttp.ClientResponse`` or, for direct calls, an
    ``h1client.H1Response`` with the same surface.

    ``decompress=False`` leaves the body as the upstream encoded it (for executors that
    ask for ``zstd`` themselves, which aiohttp cannot decode without an extra package):
    read it with ``read_body(resp, encoded=True)`` or ``LineStream(..., encoded=True)``.
    Error bodies are always decoded.
    """
    session, proxy = pool._route(proxy_url)
    url = pool._map.rewrite(url)
    rl = request_log.CURRENT.get()
    attempt = rl.upstream_request(method, url, headers, body) if rl is not None else None
    resp: Any
    try:
        if session is None and pool._h1.accepts(method, url):
            resp = await pool._h1.request(method, url, headers, body, decompress=decompress)
        else:
            if session is None:
                session = pool._session("")
            resp = await session.request(method, url, data=body, headers=headers, proxy=proxy,
                                         auto_decompress=decompress)
    except _TRANSPORT_ERRORS as exc:
        if attempt is not None:
            attempt.error = _reason(exc, proxy)
        raise TransportError(f"upstream connection failed: {_reason(exc, proxy)}") from exc
    if attempt is not None:
        attempt.response(resp.status, resp.headers)
    if 200 <= resp.status < 300:
        return resp
    status = resp.status
    content_type = resp.headers.get("Content-Type", "")
    retry_after = resp.headers.get("Retry-After")
    try:
        data = await resp.read()
        if not decompress:
            data = decode_body(data, resp.headers.get("Content-Encoding", ""))
    except _TRANSPORT_ERRORS:
        data = b""
    finally:
        resp.release()
    if attempt is not None:
        attempt.chunks.append(data)
    raise UpstreamError(status, data, content_type,
                        headers={"Retry-After": retry_after} if retry_after else None)


async def read_body(resp: Any, *, encoded: bool = False) -> bytes:
    """Read a whole 2xx body and release the connection; read failures → ``TransportError``."""
    try:
        data = await resp.read()
        if encoded:
            data = decode_body(data, resp.headers.get("Content-Encoding", ""))
        rl = request_log.CURRENT.get()
        if rl is not None:
            rl.upstream_chunk(data)
        return data
    except _TRANSPORT_ERRORS as exc:
        raise TransportError(f"upstream connection failed: {_reason(exc)}") from exc
    finally:
        resp.release()


def content_decoder(content_encoding: str) -> Callable[[bytes], bytes] | None:
    """An incremental decoder for the first recognised ``Content-Encoding`` token, or None.

    Decoding follows the Go executor: only the first recognised token counts; unknown
    tokens and ``identity`` pass the bytes through.
    """
    for token in content_encoding.lower().split(","):
        decoder = decoder_for(token.strip())
        if decoder is not None:
            return decoder
    return None


def decode_body(data: bytes, content_encoding: str) -> bytes:
    """Decode a complete body; an undecodable body is returned as received."""
    decoder = content_decoder(content_encoding) if content_encoding else None
    if decoder is None or not data:
        return data
    try:
        return decoder(data)
    except Exception:  # noqa: BLE001 - a lying Content-Encoding: pass the bytes on, not lose them
        return data


__all__ = ["ENV_UPSTREAM_MAP", "HttpPool", "UpstreamMap", "content_decoder", "decode_body",
           "read_body", "request"]
