"""Config loading: defaults, Go-compatible typing, one-line errors, normalisation, changes."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cliproxy_tui.config import (
    ClaudeKey, CodexKey, Config, ConfigError, GeminiKey, KeyEntry, ModelAlias, OpenAICompat,
    config_fingerprint, describe_changes, load_config, parse_config,
)

REPO = Path(__file__).resolve().parent.parent
BASE = Path("/srv/cfg")
HOME = os.path.expanduser("~")


def parse(text: str) -> tuple[Config, list[str]]:
    return parse_config(text, base_dir=BASE)


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- defaults ------------------------------------------------------------------------

DEFAULTS = [
    ("port", 0), ("host", "127.0.0.1"), ("auth_dir", ""), ("auth_dir_raw", ""),
    ("api_keys", ()), ("debug", False), ("logging_to_file", False),
    ("usage_statistics_enabled", False), ("disable_cooling", False), ("request_log", False),
    ("request_retry", 0), ("proxy_url", ""), ("ws_auth", False),
    ("generative_language_api_key", ()), ("gemini_api_key", ()), ("claude_api_key", ()),
    ("codex_api_key", ()), ("openai_compatibility", ()), ("max_body_size_mb", 32),
]


@pytest.mark.parametrize(("attr", "expected"), DEFAULTS)
def test_every_top_level_default(attr: str, expected: object) -> None:
    cfg, _ = parse("")
    assert getattr(cfg, attr) == expected


@pytest.mark.parametrize(("path", "expected"), [
    ("quota_exceeded.switch_project", False), ("quota_exceeded.switch_preview_model", False),
    ("remote_management.allow_remote", False), ("remote_management.secret_key", ""),
    ("remote_management.disable_control_panel", False), ("usage.database", ""),
    ("usage.database_path", ""), ("usage.retention_days", 90), ("usage.enabled", True),
    ("streaming.keepalive_seconds", 0),
])
def test_every_nested_default(path: str, expected: object) -> None:
    value: object = parse("")[0]
    for part in path.split("."):
        value = getattr(value, part)
    assert value == expected


def test_empty_file_null_document_and_from_defaults_agree() -> None:
    assert parse("")[0] == parse("# only a comment\n")[0] == parse("~")[0] == Config.from_defaults()
    assert parse("")[1] == ["auth-dir is not set: no credential files will be loaded"]


def test_config_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().port = 1  # type: ignore[misc]


# --- every key read ------------------------------------------------------------------

FULL = """
port: 9000
host: 0.0.0.0
auth-dir: ~/creds
api-keys: [k1, k2]
debug: true
logging-to-file: true
usage-statistics-enabled: true
disable-cooling: true
request-log: true
request-retry: 5
proxy-url: socks5://user:pw@10.0.0.1:1080
quota-exceeded: {switch-project: true, switch-preview-model: true}
ws-auth: true
generative-language-api-key: [AIzaA, AIzaB]
gemini-api-key:
  - {api-key: AIzaC, base-url: "https://g.example/", proxy-url: "http://p:1"}
claude-api-key:
  - api-key: sk-ant-1
    base-url: "  https://c.example  "
    proxy-url: socks5h://p:2
    models: [{name: " claude-x ", alias: cx}, {name: claude-y}]
codex-api-key:
  - {api-key: sk-c, base-url: "https://x.example/v1"}
openai-compatibility:
  - name: "  OpenRouter "
    base-url: " https://openrouter.ai/api/v1 "
    api-key-entries: [{api-key: sk-or-1, proxy-url: "http://q:3"}, {api-key: sk-or-2}]
    api-keys: [legacy]
    models: [{name: a/b, alias: ab}]
remote-management: {allow-remote: true, secret-key: s3cret, disable-control-panel: true}
max-body-size-mb: 8
usage: {enabled: false, database: ~/u.db, retention-days: 0}
streaming: {keepalive-seconds: 15}
"""


def test_every_key_is_read() -> None:
    cfg, warnings = parse(FULL)
    assert warnings == []
    assert (cfg.port, cfg.host, cfg.auth_dir_raw) == (9000, "0.0.0.0", "~/creds")
    assert cfg.auth_dir == os.path.join(HOME, "creds")
    assert cfg.api_keys == ("k1", "k2")
    assert cfg.debug and cfg.logging_to_file and cfg.usage_statistics_enabled
    assert cfg.disable_cooling and cfg.request_log and cfg.ws_auth
    assert cfg.request_retry == 5
    assert cfg.proxy_url == "socks5://user:pw@10.0.0.1:1080"
    assert cfg.quota_exceeded.switch_project and cfg.quota_exceeded.switch_preview_model
    assert cfg.generative_language_api_key == ("AIzaA", "AIzaB")
    assert cfg.gemini_api_key == (GeminiKey("AIzaC", "https://g.example/", "http://p:1"),)
    assert cfg.claude_api_key == (ClaudeKey(
        "sk-ant-1", "https://c.example", "socks5h://p:2",
        (ModelAlias("claude-x", "cx"), ModelAlias("claude-y", ""))),)
    assert cfg.claude_api_key[0].models[1].client_id == "claude-y"
    assert cfg.codex_api_key == (CodexKey("sk-c", "https://x.example/v1"),)
    assert cfg.openai_compatibility == (OpenAICompat(
        "OpenRouter", "https://openrouter.ai/api/v1",
        (KeyEntry("sk-or-1", "http://q:3"), KeyEntry("sk-or-2")), ("legacy",),
        (ModelAlias("a/b", "ab"),)),)
    rm = cfg.remote_management
    assert (rm.allow_remote, rm.secret_key, rm.disable_control_panel) == (True, "s3cret", True)
    assert cfg.max_body_size_mb == 8
    assert cfg.usage.enabled is False and cfg.usage.retention_days == 0
    assert cfg.usage.database == "~/u.db"
    assert cfg.usage.database_path == os.path.join(HOME, "u.db")
    assert cfg.streaming.keepalive_seconds == 15


# --- type errors ---------------------------------------------------------------------

ERRORS = [
    ('port: "8317"', "port: expected an integer, got '8317'"),
    ("port: true", "port: expected an integer, got true"),
    ("port: 8317.5", "port: expected an integer, got 8317.5"),
    ("port: [1]", "port: expected an integer, got a list"),
    ("port: 70000", "port: expected a port number 0..65535, got 70000"),
    ("port: -1", "port: expected a port number 0..65535, got -1"),
    ("request-retry: '3'", "request-retry: expected an integer, got '3'"),
    ('debug: "true"', "debug: expected true or false, got 'true'"),
    ("debug: 1", "debug: expected true or false, got 1"),
    ("ws-auth: maybe", "ws-auth: expected true or false, got 'maybe'"),
    ("quota-exceeded: {switch-project: 2}",
     "quota-exceeded.switch-project: expected true or false, got 2"),
    ("auth-dir: [a]", "auth-dir: expected a string, got a list"),
    ("host: {a: 1}", "host: expected a string, got a mapping"),
    ("api-keys: abc", "api-keys: expected a list, got 'abc'"),
    ("api-keys: [ok, {a: 1}]", "api-keys[1]: expected a string, got a mapping"),
    ("remote-management: []", "remote-management: expected a mapping, got a list"),
    ("remote-management: {secret-key: [x]}",
     "remote-management.secret-key: expected a string, got a list"),
    ("claude-api-key: {api-key: x}", "claude-api-key: expected a list, got a mapping"),
    ("claude-api-key: [x]", "claude-api-key[0]: expected a mapping, got 'x'"),
    ("claude-api-key: [{api-key: a}, {api-key: b, base-url: 42}]",
     "claude-api-key[1].base-url: expected a URL, got 42"),
    ("claude-api-key: [{api-key: a, base-url: 'ftp://files.example'}]",
     "claude-api-key[0].base-url: expected an http or https URL with a host, "
     "got 'ftp://files.example'"),
    ("claude-api-key: [{api-key: a, base-url: 'https://'}]",
     "claude-api-key[0].base-url: expected an http or https URL with a host, got 'https://'"),
    ("claude-api-key: [{api-key: a, models: [{name: [x]}]}]",
     "claude-api-key[0].models[0].name: expected a string, got a list"),
    ("proxy-url: 'socks4://h:1'",
     "proxy-url: expected an http, https, socks5 or socks5h URL with a host, got 'socks4://h:1'"),
    ("proxy-url: 'http://h:port'",
     "proxy-url: expected an http, https, socks5 or socks5h URL with a host, got 'http://h:port'"),
    ("codex-api-key: [{api-key: a, proxy-url: true}]",
     "codex-api-key[0].proxy-url: expected a URL, got true"),
    ("gemini-api-key: [{api-key: a, base-url: 'gopher://x'}]",
     "gemini-api-key[0].base-url: expected an http or https URL with a host, got 'gopher://x'"),
    ("openai-compatibility: [{name: o, base-url: 'https://o', api-key-entries: "
     "[{api-key: a}, {api-key: b, proxy-url: 'x://y'}]}]",
     "openai-compatibility[0].api-key-entries[1].proxy-url: expected an http, https, socks5 "
     "or socks5h URL with a host, got 'x://y'"),
    ("openai-compatibility: [{name: o, base-url: 'https://o', api-keys: [[a]]}]",
     "openai-compatibility[0].api-keys[0]: expected a string, got a list"),
    ("max-body-size-mb: 0", "max-body-size-mb: expected a positive integer, got 0"),
    ("usage: {retention-days: -1}", "usage.retention-days: expected a non-negative integer, got -1"),
    ("usage: {enabled: 'no way'}", "usage.enabled: expected true or false, got 'no way'"),
    ('streaming: {keepalive-seconds: "5"}',
     "streaming.keepalive-seconds: expected an integer, got '5'"),
    ("auth: {providers: [{type: [x]}]}", "auth.providers[0].type: expected a string, got a list"),
    ("port: 1\ndebug: false\nport: 2", "port: duplicate key (first defined at line 1)"),
    ("- a\n- b", "config.yaml: expected a mapping at the top level, got a list"),
    ("just text", "config.yaml: expected a mapping at the top level, got 'just text'"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_type_errors_are_one_exact_line(text: str, message: str) -> None:
    assert error_of(text) == message


def test_error_carries_key_path_and_message() -> None:
    with pytest.raises(ConfigError) as info:
        parse("claude-api-key: [{api-key: a}, {api-key: b, base-url: 42}]")
    assert info.value.key_path == "claude-api-key[1].base-url"
    assert info.value.message == "expected a URL, got 42"


@pytest.mark.parametrize(("text", "line", "column"), [
    ("port: [1, 2", 1, 12),
    ("port: 1\n  debug: true", 2, 8),
    ("a: *missing", 1, 4),
])
def test_invalid_yaml_is_one_line_with_position(text: str, line: int, column: int) -> None:
    message = error_of(text)
    assert re.fullmatch(rf"config\.yaml: invalid YAML at line {line}, column {column}: .+",
                        message), message


def test_invalid_yaml_names_the_loaded_file(tmp_path: Path) -> None:
    path = tmp_path / "my.yaml"
    path.write_text("port: [\n")
    with pytest.raises(ConfigError, match=r"^my\.yaml: invalid YAML at line 2, column 1: "):
        load_config(path)


@pytest.mark.parametrize("text", [
    "claude-api-key: [{api-key: a, base-url: sk-ant-api03-SECRETSECRETSECRET}]",
    "proxy-url: 'http://user:hunter2hunter2@proxy.example:notaport'",
])
def test_url_errors_never_echo_secrets(text: str) -> None:
    message = error_of(text)
    assert "SECRETSECRETSECRET" not in message and "hunter2hunter2" not in message


# --- what Go's yaml.v3 accepts is accepted -------------------------------------------

@pytest.mark.parametrize(("text", "attr", "expected"), [
    ("port: 0x1F", "port", 31),
    ("port: 0o17", "port", 15),
    ("port: 017", "port", 15),
    ("port: 08", "port", 8),
    ("port: 8_317", "port", 8317),
    ("port: 8317.0", "port", 8317),
    ("port: 1e3", "port", 1000),
    ("port:", "port", 0),
    ("port: ~", "port", 0),
    ("debug: True", "debug", True),
    ("debug: yes", "debug", True),
    ('debug: "on"', "debug", True),
    ("debug: n", "debug", False),
    ("api-keys: [12345, yes, 1.50]", "api_keys", ("12345", "yes", "1.50")),
    ("api-keys:", "api_keys", ()),
    ("host: ''", "host", ""),
    ("proxy-url: ''", "proxy_url", ""),
    ("proxy-url: '  https://p.example:8080  '", "proxy_url", "https://p.example:8080"),
    ("generative-language-api-key: [~]", "generative_language_api_key", ("",)),
])
def test_go_compatible_scalars(text: str, attr: str, expected: object) -> None:
    assert getattr(parse(text)[0], attr) == expected


def test_anchors_and_merge_keys() -> None:
    cfg, warnings = parse("""
auth-dir: /a
x-common: &common {base-url: "https://c.example", proxy-url: "http://p:1"}
claude-api-key:
  - {<<: *common, api-key: a}
  - <<: *common
    api-key: b
    base-url: "https://other.example"
""")
    assert [(k.api_key, k.base_url, k.proxy_url) for k in cfg.claude_api_key] == [
        ("a", "https://c.example", "http://p:1"), ("b", "https://other.example", "http://p:1")]
    assert warnings == ["unknown key 'x-common' ignored"]


def test_parse_accepts_loaded_mapping() -> None:
    cfg, _ = parse_config({"port": 8320, "api-keys": ["a"]}, base_dir=BASE)
    assert (cfg.port, cfg.api_keys) == (8320, ("a",))


# --- unknown keys --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "warning"), [
    ("foo: {bar: 1}", "unknown key 'foo' ignored"),
    ("remote-management: {bar: 1}", "unknown key 'remote-management.bar' ignored"),
    ("claude-api-key: [{api-key: k, headers: {a: b}}]",
     "unknown key 'claude-api-key[0].headers' ignored"),
    ("openai-compatibility: [{name: o, base-url: 'https://o', api-key-entries: "
     "[{api-key: a, weight: 2}]}]",
     "unknown key 'openai-compatibility[0].api-key-entries[0].weight' ignored"),
    ("streaming: {bootstrap-retries: 1}", "unknown key 'streaming.bootstrap-retries' ignored"),
])
def test_unknown_keys_warn(text: str, warning: str) -> None:
    _, warnings = parse("auth-dir: /a\n" + text)
    assert warnings == [warning]


# --- normalisation (config.md §3) ----------------------------------------------------

def test_access_migration_takes_first_config_api_key_provider() -> None:
    cfg, warnings = parse("""
auth:
  providers:
    - {name: other, type: something-else, api-keys: [nope]}
    - {name: inline, type: config-api-key, api-keys: [m1, m2]}
    - {name: later, type: config-api-key, api-keys: [never]}
""")
    assert cfg.api_keys == ("m1", "m2")
    assert "auth.providers is deprecated: moved 2 key(s) into api-keys" in warnings


def test_access_migration_never_consults_a_later_entry() -> None:
    cfg, _ = parse("""
auth:
  providers:
    - {name: first, type: config-api-key}
    - {name: second, type: config-api-key, api-keys: [k]}
""")
    assert cfg.api_keys == ()


def test_access_migration_only_when_api_keys_empty() -> None:
    cfg, warnings = parse("api-keys: [top]\nauth: {providers: [{type: config-api-key, "
                          "api-keys: [old]}]}")
    assert cfg.api_keys == ("top",)
    assert not any("deprecated" in w for w in warnings)


def test_all_blank_api_keys_mean_open_access_with_warning() -> None:
    cfg, warnings = parse("api-keys: ['', '  ']")
    assert cfg.api_keys == ()
    assert "api-keys holds only blank keys: treated as no keys (open access)" in warnings


def test_blank_api_keys_among_real_ones_are_dropped_silently() -> None:
    cfg, warnings = parse("auth-dir: /a\napi-keys: ['', real]")
    assert (cfg.api_keys, warnings) == (("real",), [])


def test_compat_names_and_base_urls_trimmed_and_empty_base_url_dropped() -> None:
    cfg, warnings = parse("""
auth-dir: /a
openai-compatibility:
  - {name: " one ", base-url: " https://one.example "}
  - {name: two, base-url: "   "}
  - {name: one, base-url: "https://again.example"}
""")
    assert [(e.name, e.base_url) for e in cfg.openai_compatibility] == [
        ("one", "https://one.example"), ("one", "https://again.example")]
    assert warnings == ["openai-compatibility[1] (two): base-url is empty, entry ignored"]


def test_codex_key_without_base_url_is_kept() -> None:
    cfg, warnings = parse("auth-dir: /a\ncodex-api-key: [{api-key: sk-c}]")
    assert cfg.codex_api_key == (CodexKey("sk-c", ""),)
    assert warnings == []


def test_negative_request_retry_is_clamped_with_warning() -> None:
    cfg, warnings = parse("auth-dir: /a\nrequest-retry: -2")
    assert cfg.request_retry == 0
    assert warnings == ["request-retry -2 is negative: using 0"]


@pytest.mark.parametrize(("raw", "resolved"), [
    ("~/.cli-proxy-api", os.path.join(HOME, ".cli-proxy-api")),
    ("~\\win", os.path.join(HOME, "win")),
    ("~", HOME),
    ("/abs/./dir/", "/abs/dir"),
    ("rel/dir", "/srv/cfg/rel/dir"),
    ("../up", "/srv/up"),
])
def test_auth_dir_resolution(raw: str, resolved: str) -> None:
    cfg, _ = parse(f"auth-dir: '{raw}'")
    assert (cfg.auth_dir_raw, cfg.auth_dir) == (raw, resolved)
    assert cfg.usage.database_path == os.path.join(resolved, "cliproxy-tui-usage.sqlite3")


@pytest.mark.parametrize(("database", "resolved"), [
    ("/var/lib/u.sqlite3", "/var/lib/u.sqlite3"),
    ("~/u.sqlite3", os.path.join(HOME, "u.sqlite3")),
    ("data/u.sqlite3", "/srv/cfg/data/u.sqlite3"),
])
def test_usage_database_path(database: str, resolved: str) -> None:
    cfg, _ = parse(f"auth-dir: /a\nusage: {{database: '{database}'}}")
    assert (cfg.usage.database, cfg.usage.database_path) == (database, resolved)


# --- whole files ---------------------------------------------------------------------

UPSTREAM_EXAMPLE = """\
# Server port
port: 8317

# Management API settings
remote-management:
  # Whether to allow remote (non-localhost) management access.
  allow-remote: false
  # Management key. If a plaintext value is provided here, it will be hashed on startup.
  secret-key: ""
  # Disable the bundled management control panel asset download and HTTP route when true.
  disable-control-panel: false

# Authentication directory (supports ~ for home directory)
auth-dir: "~/.cli-proxy-api"

# API keys for authentication
api-keys:
  - "your-api-key-1"
  - "your-api-key-2"

# Enable debug logging
debug: false

# When true, write application logs to rotating files instead of stdout
logging-to-file: false

# When false, disable in-memory usage statistics aggregation
usage-statistics-enabled: false

# Proxy URL. Supports socks5/http/https protocols. Example: socks5://user:pass@192.168.1.1:1080/
proxy-url: ""

# Number of times to retry a request. Retries will occur if the HTTP response code is 403, 408, 500, 502, 503, or 504.
request-retry: 3

# Quota exceeded behavior
quota-exceeded:
  switch-project: true # Whether to automatically switch to another project when a quota is exceeded
  switch-preview-model: true # Whether to automatically switch to a preview model when a quota is exceeded

# When true, enable authentication for the WebSocket API (/v1/ws).
ws-auth: false

# Gemini API keys
generative-language-api-key:
  - "AIzaSy...01"
  - "AIzaSy...02"

# Codex API keys
codex-api-key:
  - api-key: "sk-atSM..."
    base-url: "https://www.example.com" # use the custom codex API endpoint
    proxy-url: "socks5://proxy.example.com:1080" # optional: per-key proxy override

# Claude API keys
claude-api-key:
  - api-key: "sk-atSM..." # use the official claude API key, no need to set the base url
  - api-key: "sk-atSM..."
    base-url: "https://www.example.com" # use the custom claude API endpoint
    proxy-url: "socks5://proxy.example.com:1080" # optional: per-key proxy override
    models:
      - name: "claude-3-5-sonnet-20241022" # upstream model name
        alias: "claude-sonnet-latest" # client alias mapped to the upstream model

# OpenAI compatibility providers
openai-compatibility:
  - name: "openrouter" # The name of the provider; it will be used in the user agent and other places.
    base-url: "https://openrouter.ai/api/v1" # The base URL of the provider.
    # New format with per-key proxy support (recommended):
    api-key-entries:
      - api-key: "sk-or-v1-...b780"
        proxy-url: "socks5://proxy.example.com:1080" # optional: per-key proxy override
      - api-key: "sk-or-v1-...b781" # without proxy-url
    # Legacy format (still supported, but cannot specify proxy per key):
    # api-keys:
    #   - "sk-or-v1-...b780"
    models: # The models supported by the provider.
      - name: "moonshotai/kimi-k2:free" # The actual model name.
        alias: "kimi-k2" # The alias used in the API.

# Later upstream additions this build does not know about yet:
tls:
  enable: false
  cert: ""
  key: ""
max-retry-credentials: 0
"""


def test_upstream_style_example_loads() -> None:
    cfg, warnings = parse(UPSTREAM_EXAMPLE)
    assert warnings == ["unknown key 'tls' ignored", "unknown key 'max-retry-credentials' ignored"]
    assert cfg.port == 8317 and cfg.request_retry == 3
    assert cfg.api_keys == ("your-api-key-1", "your-api-key-2")
    assert len(cfg.generative_language_api_key) == 2
    assert cfg.codex_api_key[0].proxy_url == "socks5://proxy.example.com:1080"
    assert cfg.claude_api_key[1].models == (
        ModelAlias("claude-3-5-sonnet-20241022", "claude-sonnet-latest"),)
    compat = cfg.openai_compatibility[0]
    assert compat.name == "openrouter" and compat.key_count == 2
    assert compat.models[0].client_id == "kimi-k2"


def test_bundled_config_loads_without_warnings() -> None:
    warnings: list[str] = []
    cfg = load_config(REPO / "config.yaml", warnings)
    assert warnings == []
    assert (cfg.host, cfg.port, cfg.auth_dir_raw, cfg.api_keys, cfg.debug, cfg.request_retry) \
        == ("127.0.0.1", 8317, "~/.cli-proxy-api", (), False, 3)
    assert cfg.auth_dir == os.path.join(HOME, ".cli-proxy-api")
    assert cfg.usage.enabled and cfg.usage.retention_days == 90
    assert not (cfg.claude_api_key or cfg.codex_api_key or cfg.openai_compatibility
                or cfg.gemini_api_key or cfg.generative_language_api_key)


def uncommented_bundled_config() -> str:
    """The bundled file with its commented credential examples switched on."""
    lines = []
    for line in (REPO / "config.yaml").read_text().splitlines():
        body = line[2:] if line.startswith("# ") else None
        if body is not None and (re.fullmatch(r"[a-z-]+:\s*", body) or body.startswith("  ")):
            line = body
        lines.append(line)
    return "\n".join(lines)


def test_bundled_config_examples_are_valid_when_uncommented() -> None:
    cfg, warnings = parse(uncommented_bundled_config())
    assert warnings == []
    assert len(cfg.generative_language_api_key) == 1 and len(cfg.gemini_api_key) == 1
    assert cfg.claude_api_key[0].models[0].client_id == "claude-sonnet"
    assert len(cfg.codex_api_key) == 1
    assert cfg.openai_compatibility[0].models[0].name == "moonshotai/kimi-k2:free"


def test_load_config_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yaml")


def test_load_config_resolves_relative_paths_against_its_directory(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("auth-dir: auths\n")
    assert load_config(tmp_path / "config.yaml").auth_dir == str(tmp_path / "auths")


def test_fingerprint_is_sha256_of_bytes() -> None:
    assert config_fingerprint(b"port: 1\n") == hashlib.sha256(b"port: 1\n").hexdigest()
    assert config_fingerprint(b"a") != config_fingerprint(b"b")


# --- change summary ------------------------------------------------------------------

SECRETS = ("sk-ant-OLDSECRET", "sk-ant-NEWSECRET", "mgmt-OLD", "mgmt-NEW", "proxypassword",
           "client-key-1", "client-key-2", "AIzaOLDKEY", "AIzaNEWKEY", "sk-or-SECRET")

OLD = """
port: 8317
api-keys: [client-key-1]
proxy-url: http://bob:proxypassword@proxy.example:3128
generative-language-api-key: [AIzaOLDKEY]
claude-api-key:
  - {api-key: sk-ant-OLDSECRET, base-url: "https://a.example"}
remote-management: {secret-key: mgmt-OLD}
openai-compatibility:
  - {name: openrouter, base-url: "https://o.example", api-keys: [sk-or-SECRET]}
  - {name: gone, base-url: "https://g.example"}
"""

NEW = """
port: 8318
api-keys: [client-key-1, client-key-2]
proxy-url: http://bob:proxypassword@proxy2.example:3128
generative-language-api-key: [AIzaNEWKEY]
claude-api-key:
  - api-key: sk-ant-NEWSECRET
    base-url: "https://b.example"
    models: [{name: m1}]
remote-management: {secret-key: mgmt-NEW, allow-remote: true}
debug: true
openai-compatibility:
  - name: openrouter
    base-url: "https://o.example"
    api-key-entries: [{api-key: sk-or-SECRET}, {api-key: sk-or-SECRET}]
    models: [{name: a}, {name: b}, {name: c}]
  - {name: fresh, base-url: "https://f.example", api-keys: [sk-or-SECRET, sk-or-SECRET],
     models: [{name: a}, {name: b}, {name: c}]}
"""


def test_describe_changes_lines() -> None:
    lines = describe_changes(parse(OLD)[0], parse(NEW)[0])
    assert lines == [
        "port: 8317 -> 8318",
        "debug: false -> true",
        "proxy-url: http://bob:***@proxy.example:3128 -> http://bob:***@proxy2.example:3128",
        "api-keys count: 1 -> 2",
        "generative-language-api-key[0]: updated",
        "claude-api-key[0].api-key: updated",
        "claude-api-key[0].base-url: https://a.example -> https://b.example",
        "claude-api-key[0].models: 0 -> 1 models",
        "openai-compatibility openrouter: updated (keys 1 -> 2, models 0 -> 3)",
        "openai-compatibility fresh: added (2 keys, 3 models)",
        "openai-compatibility gone: removed (0 keys, 0 models)",
        "remote-management.allow-remote: false -> true",
        "remote-management.secret-key: updated",
    ]


@pytest.mark.parametrize(("old", "new", "line"), [
    ("remote-management: {secret-key: ''}", "remote-management: {secret-key: mgmt-NEW}",
     "remote-management.secret-key: created"),
    ("remote-management: {secret-key: mgmt-OLD}", "remote-management: {secret-key: ''}",
     "remote-management.secret-key: deleted"),
    ("api-keys: [client-key-1]", "api-keys: [client-key-2]", "api-keys: updated"),
    ("codex-api-key: [{api-key: a, proxy-url: 'http://u:proxypassword@p:1'}]",
     "codex-api-key: [{api-key: a}]",
     'codex-api-key[0].proxy-url: http://u:***@p:1 -> ""'),
    ("gemini-api-key: []", "gemini-api-key: [{api-key: AIzaNEWKEY}]", "gemini-api-key count: 0 -> 1"),
    ("usage: {retention-days: 90}", "usage: {retention-days: 7}", "usage.retention-days: 90 -> 7"),
    ("openai-compatibility: [{name: o, base-url: 'https://a?key=sk-or-SECRET'}]",
     "openai-compatibility: [{name: o, base-url: 'https://b?key=sk-or-SECRET'}]",
     "openai-compatibility o: updated (base-url https://a?key=sk-o...CRET -> "
     "https://b?key=sk-o...CRET)"),
])
def test_describe_single_changes(old: str, new: str, line: str) -> None:
    lines = describe_changes(parse("auth-dir: /a\n" + old)[0], parse("auth-dir: /a\n" + new)[0])
    assert lines == [line]


def test_describe_changes_never_contains_secrets() -> None:
    for a, b in ((OLD, NEW), (NEW, OLD), ("", NEW), (NEW, "")):
        text = "\n".join(describe_changes(parse(a)[0], parse(b)[0]))
        assert text
        for secret in SECRETS:
            assert secret not in text


def test_describe_no_changes() -> None:
    assert describe_changes(parse(NEW)[0], parse(NEW)[0]) == []


# The "Z9" prefix keeps a drawn secret from matching words of the summary itself.
SECRET_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_", min_size=10,
                      max_size=40).map(lambda s: "Z9" + s)


@settings(max_examples=60, deadline=None)
@given(old_key=SECRET_TEXT, new_key=SECRET_TEXT, secret=SECRET_TEXT, password=SECRET_TEXT)
def test_describe_changes_redacts_any_secret(old_key: str, new_key: str, secret: str,
                                             password: str) -> None:
    old = Config(api_keys=(old_key,), claude_api_key=(ClaudeKey(old_key),),
                 openai_compatibility=(OpenAICompat("o", "https://o.example",
                                                    (KeyEntry(old_key),)),))
    new = Config(api_keys=(new_key, old_key), claude_api_key=(ClaudeKey(new_key),),
                 codex_api_key=(CodexKey(new_key, "", f"http://u:{password}@p.example:1"),),
                 proxy_url=f"socks5://u:{password}@p.example:1",
                 remote_management=dataclasses.replace(Config().remote_management,
                                                       secret_key=secret),
                 openai_compatibility=(OpenAICompat("o", "https://o.example",
                                                    (KeyEntry(new_key),)),))
    text = "\n".join(describe_changes(old, new) + describe_changes(new, old))
    for value in (old_key, new_key, secret, password):
        assert value not in text
