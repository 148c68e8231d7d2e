"""The benchmark's scenarios and the proxy config that points every provider at the fakes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

GEMINI = "/v1beta/models/gemini-2.5-flash"


@dataclass(frozen=True)
class Scenario:
    name: str            # client format > upstream format
    group: str           # what --scenarios selects
    preset: str          # loadgen body preset
    stream: bool
    path: str            # on the proxy
    model: str | None
    direct_preset: str   # the same request sent to the fake in the upstream's format
    direct_path: str
    direct_model: str | None


def all_scenarios() -> list[Scenario]:
    chat, msgs, resp = "/v1/chat/completions", "/v1/messages", "/v1/responses"
    out = []
    for stream in (False, True):
        gem = f"{GEMINI}:streamGenerateContent?alt=sse" if stream else f"{GEMINI}:generateContent"
        out += [
            Scenario("openai>openai", "openai", "openai", stream, chat, "gpt-mock",
                     "openai", chat, "gpt-mock"),
            Scenario("claude>claude", "claude", "claude", stream, msgs, "claude-mock",
                     "claude", msgs, "claude-mock"),
            Scenario("gemini>gemini", "gemini", "gemini", stream, gem, None,
                     "gemini", gem, None),
            # the Codex executor always streams upstream; the direct point is what a client
            # of the Responses API itself would get
            Scenario("responses>codex", "responses", "responses", stream, resp, "gpt-5",
                     "responses", resp, "gpt-5"),
            # translation: direct = the upstream format's own point
            Scenario("claude>openai", "claude-openai", "claude", stream, msgs, "gpt-mock",
                     "openai", chat, "gpt-mock"),
        ]
    order = ["openai", "claude", "gemini", "responses", "claude-openai"]
    return sorted(out, key=lambda s: (order.index(s.group), s.stream))


def write_config(path: Path, *, port: int, fake: int, slow: int, key: str,
                 data_dir: Path) -> None:
    f, s = f"http://127.0.0.1:{fake}", f"http://127.0.0.1:{slow}"
    path.write_text(f"""\
# written by bench/run_bench.py: every provider points at the local fake upstream
host: 127.0.0.1
port: {port}
auth-dir: "{data_dir / 'auth'}"
api-keys: ["{key}"]
usage:
  enabled: true
  database: "{data_dir / 'usage.sqlite3'}"
openai-compatibility:
  - name: bench
    base-url: "{f}/v1"
    api-key-entries: [{{api-key: "sk-fake-openai-0001"}}]
    models: [{{name: gpt-mock, alias: gpt-mock}}]
  - name: bench-slow
    base-url: "{s}/v1"
    api-key-entries: [{{api-key: "sk-fake-openai-0002"}}]
    models: [{{name: gpt-mock, alias: gpt-mock-slow}}]
claude-api-key:
  - api-key: "sk-ant-fake-0003"
    base-url: "{f}"
    models: [{{name: claude-mock, alias: claude-mock}}]
gemini-api-key:
  - api-key: "AIza-fake-0004"
    base-url: "{f}"
codex-api-key:
  - api-key: "sk-fake-codex-0005"
    base-url: "{f}/v1"
""")
