"""``logging-to-file``: the main log file, its line format, rotation and runtime switch."""

from __future__ import annotations

import asyncio
import logging
import re

from cliproxy_tui.logsetup import MainLogFile
from tests.conftest import standard_config

LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[(info|warning|error|debug)\] "
                  r"\[[\w.]+\.py:\d+\] .+$")


async def wait_for(predicate, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)


async def test_logging_to_file_writes_main_log_and_switches_at_runtime(make_proxy, fakes,
                                                                      tmp_path, monkeypatch):
    monkeypatch.setenv("WRITABLE_PATH", str(tmp_path / "w"))
    proxy = await make_proxy(standard_config(fakes, **{"logging-to-file": True}), watch=True)
    main = tmp_path / "w" / "logs" / "main.log"
    text = main.read_text()
    assert "API server listening on http://127.0.0.1:" in text
    assert all(LINE.match(line) for line in text.splitlines()), text
    assert "sk-ant-key-1" not in text and "sk-client-1" not in text
    assert main.stat().st_mode & 0o777 == 0o600

    await asyncio.sleep(0.3)
    proxy.write_config({**proxy.config, "logging-to-file": False, "request-log": True})
    await wait_for(lambda: proxy.service.config is not None
                   and not proxy.service.config.logging_to_file)
    await asyncio.sleep(0.1)
    logging.getLogger("cliproxy_tui.test").warning("after switching off")
    assert "after switching off" not in main.read_text()
    recent = [line.message for line in proxy.service.log_handler.recent]
    assert any(m.startswith("request-log: one file per /v1 request in ") for m in recent)

def test_main_log_rotates_into_timestamped_backups(tmp_path):
    handler = MainLogFile(str(tmp_path / "logs"), max_bytes=300)
    logger = logging.getLogger("cliproxy_tui.rotation-test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for i in range(20):
            logger.warning("line %02d %s", i, "x" * 40)
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    backups = [f for f in files if f != "main.log"]
    assert "main.log" in files and len(backups) >= 3
    assert all(re.fullmatch(r"main-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}(-\d+)?\.log", b)
               for b in backups)
    lines = [line for f in files for line in (tmp_path / "logs" / f).read_text().splitlines()]
    assert len(lines) == 20 and all(LINE.match(line) for line in lines)
    assert all((tmp_path / "logs" / f).stat().st_size <= 300 for f in files)
