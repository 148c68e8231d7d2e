"""Upstream calls through outbound proxies (global and per-key proxy-url), end to end.

A tiny SOCKS5 server and a tiny HTTP forward proxy run on 127.0.0.1 and count what they
relayed; the proxy's requests must go through them to the fakes.
"""

from __future__ import annotations

import asyncio
import struct

import aiohttp
import openai
from aiohttp import web

from tests.conftest import standard_config


class Socks5Server:
    """RFC 1928, no authentication, CONNECT only: enough for aiohttp-socks."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []
        self.server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self) -> "Socks5Server":
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _ver, n = await reader.readexactly(2)
            await reader.readexactly(n)
            writer.write(b"\x05\x00")
            _ver, _cmd, _rsv, atyp = await reader.readexactly(4)
            if atyp == 1:
                host = ".".join(str(b) for b in await reader.readexactly(4))
            elif atyp == 3:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            else:
                raise ConnectionError("ipv6 not supported by this test server")
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            self.connects.append((host, port))
            up_reader, up_writer = await asyncio.open_connection(host, port)
            writer.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


class HttpForwardProxy:
    """An HTTP proxy for plain-http targets: requests arrive in absolute form."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> "HttpForwardProxy":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]
        self.session = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def stop(self) -> None:
        await self.session.close()
        if self.runner is not None:
            await self.runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        self.seen.append(str(request.url))
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "proxy-connection", "content-length")}
        async with self.session.request(request.method, str(request.url), headers=headers,
                                        data=await request.read()) as up:
            body = await up.read()
            out = {k: v for k, v in up.headers.items()
                   if k.lower() not in ("content-length", "transfer-encoding", "connection")}
            return web.Response(status=up.status, body=body, headers=out)


async def ask(proxy) -> str:
    async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                  max_retries=0) as client:
        resp = await client.chat.completions.create(
            model="chat-model", messages=[{"role": "user", "content": "hi"}])
    return resp.choices[0].message.content


async def test_global_socks5_proxy(make_proxy, fakes):
    socks = await Socks5Server().start()
    try:
        proxy = await make_proxy(standard_config(fakes, **{
            "proxy-url": f"socks5://127.0.0.1:{socks.port}"}))
        assert await ask(proxy) == fakes.openai.reply_text
        assert socks.connects == [("127.0.0.1", fakes.openai.port)]
    finally:
        await socks.stop()


async def test_per_key_http_proxy_wins_over_global(make_proxy, fakes):
    socks = await Socks5Server().start()
    http_proxy = await HttpForwardProxy().start()
    try:
        cfg = standard_config(fakes, **{"proxy-url": f"socks5://127.0.0.1:{socks.port}"})
        cfg["openai-compatibility"][0]["api-key-entries"][0]["proxy-url"] = (
            f"http://127.0.0.1:{http_proxy.port}")
        proxy = await make_proxy(cfg)
        assert await ask(proxy) == fakes.openai.reply_text
        assert http_proxy.seen == [f"http://127.0.0.1:{fakes.openai.port}/v1/chat/completions"]
        assert socks.connects == []
    finally:
        await http_proxy.stop()
        await socks.stop()
