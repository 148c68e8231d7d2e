"""The dashboard over the real service: a real request shows up on screen; the proxy
always stops with the dashboard; a proxy that cannot start never opens the screen."""

from __future__ import annotations

import asyncio
import os
import pty
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import openai
import pytest

from cliproxy_tui.tui.app import DashboardApp
from tests.conftest import standard_config

ROOT = Path(__file__).resolve().parent.parent


async def wait_for(pilot: Any, condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the dashboard did not show it in time")
        await pilot.pause(0.05)


async def test_a_request_appears_in_the_feed_and_the_counters(make_proxy: Any,
                                                               fakes: Any) -> None:
    proxy = await make_proxy(standard_config(fakes), start=False)
    await proxy.start()
    app = DashboardApp(proxy.service, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        creds = app.credentials_panel.table
        compat = next(v for v in app.credentials_panel.credentials if v.provider == "compat")
        assert str(creds.get_cell(compat.id, "counts")) == "0/0"
        assert proxy.service.listen in app.header.render().plain
        async with openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key="sk-client-1",
                                      max_retries=0) as client:
            resp = await client.chat.completions.create(
                model="chat-model", messages=[{"role": "user", "content": "hi"}])
        assert resp.choices[0].message.content == fakes.openai.reply_text
        await wait_for(pilot, lambda: str(creds.get_cell(compat.id, "counts")) == "1/0")
        await pilot.press("3")
        feed = app.usage_panel.feed
        await wait_for(pilot, lambda: feed.row_count == 1)
        row = {col: feed.rows[0][col] for col in
               ("status", "model", "credential", "in", "out", "client")}
        assert row == {"status": "200", "model": "chat-model",
                       "credential": compat.label,
                       "in": str(fakes.openai.usage.input),
                       "out": str(fakes.openai.usage.output), "client": "openai"}
        assert str(creds.get_cell(compat.id, "used")) in ("now", "1s ago", "2s ago")
        await wait_for(pilot, lambda: app.usage_panel.summary.totals.today.requests == 1)
        screen = app.export_screenshot()
        assert "sk-compat-key-1" not in screen and "sk-client-1" not in screen


async def test_disable_from_the_dashboard_reaches_the_service(make_proxy: Any,
                                                              fakes: Any) -> None:
    proxy = await make_proxy(standard_config(fakes))
    app = DashboardApp(proxy.service, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.credentials_panel
        target = panel.selected
        assert target is not None
        await pilot.press("d", "y")
        await wait_for(pilot, lambda: panel.selected is not None and panel.selected.disabled)
        assert str(panel.table.get_cell(target.id, "state")) == "disabled"
        snap = await asyncio.to_thread(proxy.service.snapshot)
        assert next(c for c in snap.credentials if c.id == target.id).disabled


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _config(tmp_path: Path, port: int) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"port: {port}\nauth-dir: {tmp_path / 'auth'}\nusage:\n  database: ''\n")
    return cfg


def test_a_crashing_screen_still_stops_the_proxy(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from cliproxy_tui.tui import run_dashboard

    port = _free_port()
    seen: list[bool] = []

    def crash(self: DashboardApp, *args: Any, **kwargs: Any) -> None:
        seen.append(_port_is_free(port))
        raise RuntimeError("the screen broke")

    monkeypatch.setattr(DashboardApp, "run", crash)
    with pytest.raises(RuntimeError, match="the screen broke"):
        run_dashboard(str(_config(tmp_path, port)))
    assert seen == [False]  # the proxy was listening while the screen ran
    assert _port_is_free(port)


def test_a_proxy_that_cannot_start_never_opens_the_screen(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "cliproxy_tui.cli", "--config", str(_config(tmp_path, port))],
            check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"cliproxy-tui: cannot listen on 127.0.0.1:{port}: ")
    assert lines[0].endswith("address already in use")
    assert "\x1b" not in result.stdout + result.stderr


def test_quitting_the_dashboard_in_a_terminal_stops_the_proxy(tmp_path: Path) -> None:
    port = _free_port()
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cliproxy_tui.cli", "--config", str(_config(tmp_path, port))],
        cwd=ROOT, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while b"Credentials" not in screen and time.monotonic() < deadline:
            time.sleep(0.1)
        assert b"Credentials" in screen, bytes(screen[-500:])
        assert not _port_is_free(port)
        os.write(master, b"q")
        assert proc.wait(timeout=10) == 0
        assert _port_is_free(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        reader.join(2)
