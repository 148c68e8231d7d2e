"""The command line, run as a user runs it: a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args, **kw):
    return subprocess.run([sys.executable, "-m", "cliproxy_tui.cli", *args], cwd=kw.pop("cwd", ROOT),
                          capture_output=True, text=True, timeout=60, **kw)


def test_help_lists_the_options():
    out = run(["--help"]).stdout
    assert "--config" in out and "--headless" in out and "CLIPROXY_UPSTREAM_MAP" in out


def test_bad_config_is_one_line_and_non_zero(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("port: 8317\nclaude-api-key:\n  - api-key: a\n  - api-key: b\n    base-url: 42\n")
    result = run(["--headless", "--config", str(cfg)])
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines == ["cliproxy-tui: claude-api-key[1].base-url: expected a URL, got 42"]


def test_missing_config_file(tmp_path):
    result = run(["--headless", "--config", str(tmp_path / "nope.yaml")])
    assert result.returncode == 2 and "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_headless_never_imports_textual_and_stops_on_sigterm(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"port: 0\nauth-dir: {tmp_path / 'auth'}\nusage:\n  database: ''\n")
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('TEXTUAL_LOADED' if 'textual' in sys.modules "
             "else 'TEXTUAL_ABSENT', flush=True))\n"
             "from cliproxy_tui.cli import main\n"
             f"sys.exit(main(['--headless', '--config', {str(cfg)!r}]))\n")
    proc = subprocess.Popen([sys.executable, "-c", probe], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        line = ""
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if "proxy on http://" in line:
                break
        assert "proxy on http://" in line, line
        url = line.split("proxy on ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(url + "/v1/models", timeout=5) as resp:
            assert resp.status == 200
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=10)
        assert time.monotonic() - started < 2.5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert "TEXTUAL_ABSENT" in out


@pytest.mark.parametrize("module", ["cliproxy_tui.service", "cliproxy_tui.server.app",
                                    "cliproxy_tui.providers", "cliproxy_tui.translate",
                                    "cliproxy_tui.cli"])
def test_core_modules_do_not_import_textual(module):
    code = f"import sys, {module}; sys.exit(1 if 'textual' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0


def test_bundled_config_loads_without_warnings():
    from cliproxy_tui.config import parse_config

    cfg, warnings = parse_config((ROOT / "config.yaml").read_text(), base_dir=str(ROOT))
    assert warnings == []
    assert cfg.host == "127.0.0.1" and cfg.port == 8317
    assert not (cfg.claude_api_key or cfg.openai_compatibility or cfg.generative_language_api_key)
    assert os.path.isabs(cfg.auth_dir)


def test_readme_embedding_example_runs(tmp_path):
    """The README's embedding example works as written (with a config of its own)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Embedding", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    (tmp_path / "config.yaml").write_text(
        f"port: 0\nauth-dir: {tmp_path / 'auth'}\nclaude-api-key:\n  - api-key: sk-ant-EXAMPLE\n"
        f"usage:\n  database: {tmp_path / 'usage.sqlite3'}\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert "listening at http://127.0.0.1:" in result.stdout
    assert "state='disabled'" in result.stdout
