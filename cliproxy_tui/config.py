"""Typed configuration: load, validate and normalise ``config.yaml`` (config.md §2-§3).

Every upstream key keeps its name and its *code* default, so an upstream file loads
unchanged. The YAML is read as a node tree rather than as Python values so that scalars
are judged the way Go's yaml.v3 judges them (a quoted ``"8317"`` is not an integer,
``api-key: 12345`` is the string ``"12345"``) and so that errors can name the key path.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from yaml.nodes import Node

from .config_reader import PROXY_SCHEMES, ConfigError, NodeReader, join_path, read_root
from .masking import mask_query

log = logging.getLogger(__name__)

USAGE_DB_NAME = "cliproxy-tui-usage.sqlite3"


@dataclass(frozen=True, slots=True)
class ModelAlias:
    name: str
    alias: str = ""

    @property
    def client_id(self) -> str:
        """The id clients ask for: the alias, or the upstream name when there is none."""
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class GeminiKey:
    api_key: str
    base_url: str = ""
    proxy_url: str = ""


@dataclass(frozen=True, slots=True)
class ClaudeKey:
    api_key: str
    base_url: str = ""
    proxy_url: str = ""
    models: tuple[ModelAlias, ...] = ()


@dataclass(frozen=True, slots=True)
class CodexKey:
    api_key: str
    base_url: str = ""
    proxy_url: str = ""


@dataclass(frozen=True, slots=True)
class KeyEntry:
    api_key: str
    proxy_url: str = ""


@dataclass(frozen=True, slots=True)
class OpenAICompat:
    name: str
    base_url: str
    api_key_entries: tuple[KeyEntry, ...] = ()
    api_keys: tuple[str, ...] = ()
    models: tuple[ModelAlias, ...] = ()

    @property
    def key_count(self) -> int:
        """Keys that produce credentials: entries if any, else non-blank legacy keys."""
        if self.api_key_entries:
            return len(self.api_key_entries)
        return sum(1 for k in self.api_keys if k.strip())


@dataclass(frozen=True, slots=True)
class QuotaExceeded:
    switch_project: bool = False
    switch_preview_model: bool = False


@dataclass(frozen=True, slots=True)
class RemoteManagement:
    allow_remote: bool = False
    secret_key: str = ""
    disable_control_panel: bool = False


@dataclass(frozen=True, slots=True)
class UsageConfig:
    database: str = ""  # as written; "" = next to the credential files
    database_path: str = ""  # resolved absolute path; "" only when auth-dir is unset too
    retention_days: int = 90
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class StreamingConfig:
    keepalive_seconds: int = 0


@dataclass(frozen=True, slots=True)
class Config:
    port: int = 0
    host: str = "127.0.0.1"
    auth_dir: str = ""
    auth_dir_raw: str = ""
    api_keys: tuple[str, ...] = ()
    debug: bool = False
    logging_to_file: bool = False
    usage_statistics_enabled: bool = False
    disable_cooling: bool = False
    request_log: bool = False
    request_retry: int = 0
    proxy_url: str = ""
    quota_exceeded: QuotaExceeded = field(default_factory=QuotaExceeded)
    ws_auth: bool = False
    generative_language_api_key: tuple[str, ...] = ()
    gemini_api_key: tuple[GeminiKey, ...] = ()
    claude_api_key: tuple[ClaudeKey, ...] = ()
    codex_api_key: tuple[CodexKey, ...] = ()
    openai_compatibility: tuple[OpenAICompat, ...] = ()
    remote_management: RemoteManagement = field(default_factory=RemoteManagement)
    max_body_size_mb: int = 32
    usage: UsageConfig = field(default_factory=UsageConfig)
    streaming: StreamingConfig = field(default_factory=StreamingConfig)

    @classmethod
    def from_defaults(cls) -> Config:
        """The configuration of an empty file."""
        return cls()


def config_fingerprint(data: bytes) -> str:
    """SHA-256 hex of the raw file bytes, for the watcher's duplicate suppression."""
    return hashlib.sha256(data).hexdigest()


def load_config(path: str | os.PathLike[str], warnings: list[str] | None = None) -> Config:
    """Read and validate a config file; warnings are logged (and appended to ``warnings``)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ConfigError(str(p), f"cannot read config file: {exc.strerror or exc}") from None
    cfg, found = parse_config(data, base_dir=p.resolve().parent, source_name=p.name)
    for text in found:
        log.warning("config: %s", text)
    if warnings is not None:
        warnings.extend(found)
    return cfg


def parse_config(data: str | bytes | Mapping[str, Any] | None, *,
                 base_dir: str | os.PathLike[str],
                 source_name: str = "config.yaml") -> tuple[Config, list[str]]:
    """Validate YAML text (or already-loaded data) into a ``Config`` plus warnings.

    Relative ``auth-dir`` and ``usage.database`` are taken relative to ``base_dir`` (the
    config file's directory) rather than the working directory: the two only differ when
    the proxy is started from elsewhere, and then the file's own directory is what the
    person who wrote the relative path meant.
    """
    if isinstance(data, Mapping):
        data = yaml.safe_dump(dict(data), sort_keys=False)
    root = read_root(data or "", source_name)
    reader = NodeReader()
    cfg = _build(reader, root, Path(base_dir))
    return cfg, reader.warnings


def _resolve_path(raw: str, base_dir: Path) -> str:
    if not raw:
        return ""
    if raw.startswith("~\\"):
        raw = "~/" + raw[2:]
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute():
        path = base_dir / path
    return os.path.normpath(str(path))


_TOP_KEYS = ("port", "host", "auth-dir", "api-keys", "auth", "debug", "logging-to-file",
             "usage-statistics-enabled", "disable-cooling", "request-log", "request-retry",
             "proxy-url", "quota-exceeded", "ws-auth", "generative-language-api-key",
             "gemini-api-key", "claude-api-key", "codex-api-key", "openai-compatibility",
             "remote-management", "max-body-size-mb", "usage", "streaming")


def _build(r: NodeReader, root: Node | None, base_dir: Path) -> Config:
    top = r.mapping(root, "", _TOP_KEYS)
    api_keys = r.strings(top.get("api-keys"), "api-keys")
    migrated = _migrate_access(r, top.get("auth"))
    if not api_keys and migrated:
        api_keys = migrated
        r.warnings.append(f"auth.providers is deprecated: moved {len(migrated)} key(s) "
                          "into api-keys")
    if api_keys and not any(k.strip() for k in api_keys):
        # Upstream would then answer every request with 401 (server.md §3.1 quirk).
        r.warnings.append("api-keys holds only blank keys: treated as no keys (open access)")
        api_keys = ()
    api_keys = tuple(k for k in api_keys if k.strip())

    request_retry = r.integer(top.get("request-retry"), "request-retry", 0)
    if request_retry < 0:
        r.warnings.append(f"request-retry {request_retry} is negative: using 0")
        request_retry = 0

    auth_dir_raw = r.string(top.get("auth-dir"), "auth-dir")
    auth_dir = _resolve_path(auth_dir_raw.strip(), base_dir)
    if not auth_dir:
        r.warnings.append("auth-dir is not set: no credential files will be loaded")

    qe = r.mapping(top.get("quota-exceeded"), "quota-exceeded",
                   ("switch-project", "switch-preview-model"))
    rm = r.mapping(top.get("remote-management"), "remote-management",
                   ("allow-remote", "secret-key", "disable-control-panel"))
    st = r.mapping(top.get("streaming"), "streaming", ("keepalive-seconds",))
    return Config(
        port=r.integer(top.get("port"), "port", 0, minimum=0, maximum=65535,
                       what="a port number 0..65535"),
        host=r.string(top.get("host"), "host", "127.0.0.1").strip(),
        auth_dir=auth_dir,
        auth_dir_raw=auth_dir_raw,
        api_keys=api_keys,
        debug=r.boolean(top.get("debug"), "debug"),
        logging_to_file=r.boolean(top.get("logging-to-file"), "logging-to-file"),
        usage_statistics_enabled=r.boolean(top.get("usage-statistics-enabled"),
                                           "usage-statistics-enabled"),
        disable_cooling=r.boolean(top.get("disable-cooling"), "disable-cooling"),
        request_log=r.boolean(top.get("request-log"), "request-log"),
        request_retry=request_retry,
        proxy_url=r.url(top.get("proxy-url"), "proxy-url", PROXY_SCHEMES),
        quota_exceeded=QuotaExceeded(
            switch_project=r.boolean(qe.get("switch-project"), "quota-exceeded.switch-project"),
            switch_preview_model=r.boolean(qe.get("switch-preview-model"),
                                           "quota-exceeded.switch-preview-model")),
        ws_auth=r.boolean(top.get("ws-auth"), "ws-auth"),
        generative_language_api_key=r.strings(top.get("generative-language-api-key"),
                                              "generative-language-api-key"),
        gemini_api_key=_gemini_keys(r, top.get("gemini-api-key")),
        claude_api_key=_claude_keys(r, top.get("claude-api-key")),
        codex_api_key=_codex_keys(r, top.get("codex-api-key")),
        openai_compatibility=_compat_entries(r, top.get("openai-compatibility")),
        remote_management=RemoteManagement(
            allow_remote=r.boolean(rm.get("allow-remote"), "remote-management.allow-remote"),
            secret_key=r.string(rm.get("secret-key"), "remote-management.secret-key"),
            disable_control_panel=r.boolean(rm.get("disable-control-panel"),
                                            "remote-management.disable-control-panel")),
        max_body_size_mb=r.integer(top.get("max-body-size-mb"), "max-body-size-mb", 32,
                                   minimum=1, what="a positive integer"),
        usage=_usage(r, top.get("usage"), auth_dir, base_dir),
        streaming=StreamingConfig(keepalive_seconds=r.integer(
            st.get("keepalive-seconds"), "streaming.keepalive-seconds", 0, minimum=0,
            what="a non-negative integer")),
    )


def _migrate_access(r: NodeReader, node: Node | None) -> tuple[str, ...]:
    """Keys of the first ``auth.providers`` entry of type ``config-api-key`` (config.md §3.4)."""
    auth = r.mapping(node, "auth", ("providers",))
    found: tuple[str, ...] | None = None
    for path, item in r.items(auth.get("providers"), "auth.providers"):
        entry = r.mapping(item, path, ("name", "type", "sdk", "api-keys", "config"))
        r.string(entry.get("name"), join_path(path, "name"))
        r.string(entry.get("sdk"), join_path(path, "sdk"))
        keys = r.strings(entry.get("api-keys"), join_path(path, "api-keys"))
        if found is None and r.string(entry.get("type"), join_path(path, "type")) == "config-api-key":
            found = keys
    return found or ()


_KEY_FIELDS = ("api-key", "base-url", "proxy-url")


def _models(r: NodeReader, node: Node | None, path: str) -> tuple[ModelAlias, ...]:
    out = []
    for p, item in r.items(node, path):
        m = r.mapping(item, p, ("name", "alias"))
        out.append(ModelAlias(name=r.string(m.get("name"), join_path(p, "name")).strip(),
                              alias=r.string(m.get("alias"), join_path(p, "alias")).strip()))
    return tuple(out)


def _key_fields(r: NodeReader, m: dict[str, Node], p: str) -> dict[str, str]:
    """``api-key``, ``base-url`` and ``proxy-url`` of a gemini / claude / codex key entry."""
    return {"api_key": r.string(m.get("api-key"), join_path(p, "api-key")),
            "base_url": r.url(m.get("base-url"), join_path(p, "base-url")),
            "proxy_url": r.url(m.get("proxy-url"), join_path(p, "proxy-url"), PROXY_SCHEMES)}


def _gemini_keys(r: NodeReader, node: Node | None) -> tuple[GeminiKey, ...]:
    return tuple(GeminiKey(**_key_fields(r, r.mapping(item, p, _KEY_FIELDS), p))
                 for p, item in r.items(node, "gemini-api-key"))


def _claude_keys(r: NodeReader, node: Node | None) -> tuple[ClaudeKey, ...]:
    out = []
    for p, item in r.items(node, "claude-api-key"):
        m = r.mapping(item, p, (*_KEY_FIELDS, "models"))
        out.append(ClaudeKey(**_key_fields(r, m, p),
                             models=_models(r, m.get("models"), join_path(p, "models"))))
    return tuple(out)


def _codex_keys(r: NodeReader, node: Node | None) -> tuple[CodexKey, ...]:
    # Upstream silently drops a Codex key without base-url (config.md §3.6). We keep it:
    # base_url stays "" and the Codex executor falls back to its default endpoint, which is
    # what a user who pasted only a key expects.
    return tuple(CodexKey(**_key_fields(r, r.mapping(item, p, _KEY_FIELDS), p))
                 for p, item in r.items(node, "codex-api-key"))


def _compat_entries(r: NodeReader, node: Node | None) -> tuple[OpenAICompat, ...]:
    out = []
    for p, item in r.items(node, "openai-compatibility"):
        m = r.mapping(item, p, ("name", "base-url", "api-key-entries", "api-keys", "models"))
        name = r.string(m.get("name"), join_path(p, "name")).strip()
        base_url = r.url(m.get("base-url"), join_path(p, "base-url"))
        entries = []
        for ep, entry_node in r.items(m.get("api-key-entries"), join_path(p, "api-key-entries")):
            e = r.mapping(entry_node, ep, ("api-key", "proxy-url"))
            entries.append(KeyEntry(api_key=r.string(e.get("api-key"), join_path(ep, "api-key")),
                                    proxy_url=r.url(e.get("proxy-url"), join_path(ep, "proxy-url"),
                                                    PROXY_SCHEMES)))
        entry = OpenAICompat(name=name, base_url=base_url, api_key_entries=tuple(entries),
                             api_keys=r.strings(m.get("api-keys"), join_path(p, "api-keys")),
                             models=_models(r, m.get("models"), join_path(p, "models")))
        if not base_url:
            r.warnings.append(f"{p} ({name or 'unnamed'}): base-url is empty, entry ignored")
            continue
        out.append(entry)
    return tuple(out)


def _usage(r: NodeReader, node: Node | None, auth_dir: str, base_dir: Path) -> UsageConfig:
    m = r.mapping(node, "usage", ("database", "retention-days", "enabled"))
    database = r.string(m.get("database"), "usage.database").strip()
    if database:
        path = _resolve_path(database, base_dir)
    else:
        path = os.path.join(auth_dir, USAGE_DB_NAME) if auth_dir else ""
    return UsageConfig(database=database, database_path=path,
                       retention_days=r.integer(m.get("retention-days"), "usage.retention-days",
                                                90, minimum=0, what="a non-negative integer"),
                       enabled=r.boolean(m.get("enabled"), "usage.enabled", True))



# --- redacted change summary (config.md §5.2 step 3) ---------------------------------

_SCALARS = (("port", "port"), ("host", "host"), ("auth-dir", "auth_dir_raw"),
            ("debug", "debug"), ("logging-to-file", "logging_to_file"),
            ("usage-statistics-enabled", "usage_statistics_enabled"),
            ("disable-cooling", "disable_cooling"), ("request-log", "request_log"),
            ("request-retry", "request_retry"), ("ws-auth", "ws_auth"),
            ("max-body-size-mb", "max_body_size_mb"))


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value != "" else '""'


def _safe_url(url: str) -> str:
    """A URL fit for a log line: no password, no key in the query."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
        return _show(parts._replace(netloc=netloc, query=mask_query(parts.query)).geturl())
    except ValueError:
        return "(invalid URL)"


def _change(out: list[str], key: str, old: object, new: object, *, url: bool = False) -> None:
    if old != new:
        fmt = _safe_url if url else _show
        out.append(f"{key}: {fmt(old)} -> {fmt(new)}")


def _secret_change(out: list[str], key: str, old: str, new: str) -> None:
    if old != new:
        state = "created" if not old else "deleted" if not new else "updated"
        out.append(f"{key}: {state}")


def _list_change(out: list[str], key: str, old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    """Adds a count line when the lengths differ; True when items compare by position."""
    if len(old) != len(new):
        out.append(f"{key} count: {len(old)} -> {len(new)}")
        return False
    return True


def _key_changes(out: list[str], key: str, old: tuple[Any, ...], new: tuple[Any, ...]) -> None:
    if not _list_change(out, key, old, new):
        return
    for i, (a, b) in enumerate(zip(old, new)):
        path = f"{key}[{i}]"
        _secret_change(out, f"{path}.api-key", a.api_key, b.api_key)
        _change(out, f"{path}.base-url", a.base_url, b.base_url, url=True)
        _change(out, f"{path}.proxy-url", a.proxy_url, b.proxy_url, url=True)
        if getattr(a, "models", ()) != getattr(b, "models", ()):
            out.append(f"{path}.models: {len(a.models)} -> {len(b.models)} models")


def _compat_by_name(entries: tuple[OpenAICompat, ...]) -> dict[str, OpenAICompat]:
    named: dict[str, OpenAICompat] = {}
    for entry in entries:
        name = entry.name or "(unnamed)"
        n = 2
        base = name
        while name in named:
            name, n = f"{base} #{n}", n + 1
        named[name] = entry
    return named


def _compat_changes(out: list[str], old: tuple[OpenAICompat, ...],
                    new: tuple[OpenAICompat, ...]) -> None:
    before, after = _compat_by_name(old), _compat_by_name(new)
    for name, entry in after.items():
        prev = before.get(name)
        if prev is None:
            out.append(f"openai-compatibility {name}: added ({entry.key_count} keys, "
                       f"{len(entry.models)} models)")
        elif prev != entry:
            what = []
            if prev.base_url != entry.base_url:
                what.append(f"base-url {_safe_url(prev.base_url)} -> {_safe_url(entry.base_url)}")
            if (prev.api_key_entries, prev.api_keys) != (entry.api_key_entries, entry.api_keys):
                what.append(f"keys {prev.key_count} -> {entry.key_count}")
            if prev.models != entry.models:
                what.append(f"models {len(prev.models)} -> {len(entry.models)}")
            out.append(f"openai-compatibility {name}: updated ({', '.join(what)})")
    for name, entry in before.items():
        if name not in after:
            out.append(f"openai-compatibility {name}: removed ({entry.key_count} keys, "
                       f"{len(entry.models)} models)")


def describe_changes(old: Config, new: Config) -> list[str]:
    """One line per changed setting, for the reload log. Secrets never appear."""
    out: list[str] = []
    for key, attr in _SCALARS:
        _change(out, key, getattr(old, attr), getattr(new, attr))
    _change(out, "proxy-url", old.proxy_url, new.proxy_url, url=True)
    if _list_change(out, "api-keys", old.api_keys, new.api_keys) and old.api_keys != new.api_keys:
        out.append("api-keys: updated")
    _change(out, "quota-exceeded.switch-project", old.quota_exceeded.switch_project,
            new.quota_exceeded.switch_project)
    _change(out, "quota-exceeded.switch-preview-model",
            old.quota_exceeded.switch_preview_model, new.quota_exceeded.switch_preview_model)
    glk_old, glk_new = old.generative_language_api_key, new.generative_language_api_key
    if _list_change(out, "generative-language-api-key", glk_old, glk_new):
        for i, (a, b) in enumerate(zip(glk_old, glk_new)):
            _secret_change(out, f"generative-language-api-key[{i}]", a, b)
    _key_changes(out, "gemini-api-key", old.gemini_api_key, new.gemini_api_key)
    _key_changes(out, "claude-api-key", old.claude_api_key, new.claude_api_key)
    _key_changes(out, "codex-api-key", old.codex_api_key, new.codex_api_key)
    _compat_changes(out, old.openai_compatibility, new.openai_compatibility)
    rm_old, rm_new = old.remote_management, new.remote_management
    _change(out, "remote-management.allow-remote", rm_old.allow_remote, rm_new.allow_remote)
    _secret_change(out, "remote-management.secret-key", rm_old.secret_key, rm_new.secret_key)
    _change(out, "remote-management.disable-control-panel", rm_old.disable_control_panel,
            rm_new.disable_control_panel)
    _change(out, "usage.enabled", old.usage.enabled, new.usage.enabled)
    _change(out, "usage.database", old.usage.database_path, new.usage.database_path)
    _change(out, "usage.retention-days", old.usage.retention_days, new.usage.retention_days)
    _change(out, "streaming.keepalive-seconds", old.streaming.keepalive_seconds,
            new.streaming.keepalive_seconds)
    return out

__all__ = [
    "ClaudeKey", "CodexKey", "Config", "ConfigError", "GeminiKey", "KeyEntry", "ModelAlias",
    "OpenAICompat", "QuotaExceeded", "RemoteManagement", "StreamingConfig", "UsageConfig",
    "USAGE_DB_NAME", "config_fingerprint", "describe_changes", "load_config", "parse_config",
]
