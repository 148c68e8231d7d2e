"""A fake of the Claude and OpenAI OAuth token endpoints (refresh grants), on 127.0.0.1."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

CLAUDE_ORIGIN = "https://console.anthropic.com"
OPENAI_AUTH_ORIGIN = "https://auth.openai.com"


def fake_jwt(claims: dict[str, Any]) -> str:
    def part(obj: Any) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(obj)).decode().rstrip("=")
    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


class FakeTokenServer:
    """Answers ``POST /v1/oauth/token`` (Claude, JSON) and ``POST /oauth/token`` (Codex,
    form) with the next scripted (status, body), else a fresh token; records each call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.script: list[tuple[int, Any]] = []
        self.issued = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "FakeTokenServer":
        app = web.Application()
        app.router.add_post("/v1/oauth/token", self._claude)
        app.router.add_post("/oauth/token", self._codex)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def env(self) -> str:
        return f"{CLAUDE_ORIGIN}={self.url},{OPENAI_AUTH_ORIGIN}={self.url}"

    def _scripted(self) -> web.Response | None:
        if not self.script:
            return None
        status, body = self.script.pop(0)
        return web.Response(status=status, body=orjson.dumps(body),
                            content_type="application/json")

    async def _claude(self, request: web.Request) -> web.Response:
        form = orjson.loads(await request.read())
        self.calls.append({"api": "claude", "content_type": request.content_type, **form})
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        self.issued += 1
        return web.json_response({
            "access_token": f"sk-ant-oat01-new-{self.issued:04d}",
            "refresh_token": f"sk-ant-ort01-new-{self.issued:04d}", "token_type": "Bearer",
            "expires_in": 28800, "account": {"uuid": "u1", "email_address": "bob@example.com"}})

    async def _codex(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode()))
        self.calls.append({"api": "codex", "content_type": request.content_type, **form})
        scripted = self._scripted()
        if scripted is not None:
            return scripted
        self.issued += 1
        claims = {"email": "carol@example.com",
                  "https://api.openai.com/auth": {"chatgpt_account_id": "acct-new-1"}}
        return web.json_response({
            "access_token": f"eyJ.new-access-{self.issued:04d}.sig",
            "refresh_token": f"rt_new_{self.issued:04d}", "id_token": fake_jwt(claims),
            "token_type": "Bearer", "expires_in": 864000})
