"""Shared fixtures: fake upstreams on 127.0.0.1 and a real proxy service pointed at them.

The proxy reaches the fakes through ``CLIPROXY_UPSTREAM_MAP`` (the real code path: the
executors build the real upstream URLs and the map rewrites their origin), except for
openai-compatibility entries, whose ``base-url`` is configured like a user would.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
import yaml

from cliproxy_tui.service import Service
from tests.fakes import upstream_map_env
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.codex import FakeCodex
from tests.fakes.gemini import FakeGemini
from tests.fakes.openai import FakeOpenAI

# no test may read the developer's real credentials or reach the internet
os.environ.pop("CLIPROXY_UPSTREAM_MAP", None)


class Fakes:
    def __init__(self) -> None:
        self.openai = FakeOpenAI()
        self.anthropic = FakeAnthropic()
        self.gemini = FakeGemini()
        self.codex = FakeCodex()

    @property
    def all(self) -> list[Any]:
        return [self.openai, self.anthropic, self.gemini, self.codex]

    def env(self) -> dict[str, str]:
        return {"CLIPROXY_UPSTREAM_MAP": upstream_map_env(*self.all)}


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    f = Fakes()
    for fake in f.all:
        await fake.start()
    try:
        yield f
    finally:
        for fake in f.all:
            await fake.stop()


class Proxy:
    """A real ``Service`` on its own thread, with a config file the test can rewrite."""

    def __init__(self, tmp_path: Path, config: dict[str, Any], env: dict[str, str],
                 watch: bool, clock: Any = None) -> None:
        self.dir = tmp_path
        self.config_path = tmp_path / "config.yaml"
        base = {"port": 0, "auth-dir": str(tmp_path / "auth"),
                "usage": {"database": str(tmp_path / "usage.sqlite3")}}
        base.update(config)
        self.config = base
        self.write_config(base)
        self.env = env
        self.watch = watch
        self.clock = clock
        self.service = self._new_service()

    def _new_service(self) -> Service:
        if self.clock is None:
            return Service(str(self.config_path), env=self.env, watch=self.watch)
        return Service(str(self.config_path), env=self.env, watch=self.watch, clock=self.clock)

    def write_config(self, config: dict[str, Any]) -> None:
        self.config = config
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(config, sort_keys=False))
        os.replace(tmp, self.config_path)

    async def start(self) -> "Proxy":
        await asyncio.to_thread(self.service.start)
        return self

    async def stop(self) -> None:
        await asyncio.to_thread(self.service.shutdown)

    async def restart(self) -> "Proxy":
        await self.stop()
        self.service = self._new_service()
        return await self.start()

    @property
    def url(self) -> str:
        return self.service.base_url


@pytest.fixture
async def make_proxy(tmp_path: Path, fakes: Fakes):
    started: list[Proxy] = []

    async def factory(config: dict[str, Any], *, watch: bool = False, clock: Any = None,
                      start: bool = True) -> Proxy:
        proxy = Proxy(tmp_path, config, fakes.env(), watch, clock)
        started.append(proxy)
        return await proxy.start() if start else proxy

    yield factory
    for proxy in started:
        await proxy.stop()


def standard_config(fakes: Fakes, **extra: Any) -> dict[str, Any]:
    """One credential of every API-key kind, each pointing at its fake."""
    cfg: dict[str, Any] = {
        "api-keys": ["sk-client-1"],
        "generative-language-api-key": ["AIza-gemini-key-1"],
        "claude-api-key": [{"api-key": "sk-ant-key-1"}],
        "codex-api-key": [{"api-key": "sk-codex-key-1"}],
        "openai-compatibility": [{
            "name": "compat",
            "base-url": "https://api.openai.com/v1",
            "api-key-entries": [{"api-key": "sk-compat-key-1"}],
            "models": [{"name": "upstream-chat-model", "alias": "chat-model"}],
        }],
    }
    cfg.update(extra)
    return cfg
