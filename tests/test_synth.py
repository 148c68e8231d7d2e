"""Credentials from config entries and auth files, and the add/modify/delete diff."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from cliproxy_tui.auth.model import Credential
from cliproxy_tui.auth.synth import (
    CredentialUpdate, compat_names, credentials_from_auth_dir, credentials_from_config,
    diff_credentials, stable_config_id,
)
from cliproxy_tui.config import Config, parse_config

NOW = 1_760_000_000.0


def cfg_of(text: str) -> Config:
    return parse_config("auth-dir: /a\n" + text, base_dir="/")[0]


def creds(text: str, now: float = NOW) -> list[Credential]:
    return credentials_from_config(cfg_of(text), now)


def by_id(items: list[Credential]) -> dict[str, Credential]:
    return {c.id: c for c in items}


def kinds(updates: list[CredentialUpdate]) -> list[tuple[str, str]]:
    return [(u.kind, u.id) for u in updates]


# --- ids -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "parts", "expected"), [
    ("gemini:apikey", ("AIzaSyEXAMPLE",), "gemini:apikey:8e66987ca215"),
    ("claude:apikey", ("sk-ant-EXAMPLE", ""), "claude:apikey:dfef3044096a"),
    ("codex:apikey", ("sk-EXAMPLE", "https://example.com/v1"), "codex:apikey:0de14491f1b3"),
    ("openai-compatibility:openrouter", ("sk-or-EXAMPLE", "https://openrouter.ai/api/v1", ""),
     "openai-compatibility:openrouter:da5037af5039"),
    ("openai-compatibility:openrouter", ("https://openrouter.ai/api/v1",),
     "openai-compatibility:openrouter:7f953d5a2180"),
])
def test_id_vectors(kind: str, parts: tuple[str, ...], expected: str) -> None:
    assert stable_config_id(kind, *parts) == expected
    assert stable_config_id(kind, *(f"  {p}\t" for p in parts)) == expected  # parts are trimmed


@pytest.mark.parametrize(("text", "expected"), [
    ("generative-language-api-key: [AIzaSyEXAMPLE]", "gemini:apikey:8e66987ca215"),
    ("gemini-api-key: [{api-key: AIzaSyEXAMPLE}]", "gemini:apikey:8e66987ca215"),
    ("claude-api-key: [{api-key: sk-ant-EXAMPLE}]", "claude:apikey:dfef3044096a"),
    ("codex-api-key: [{api-key: ' sk-EXAMPLE ', base-url: 'https://example.com/v1'}]",
     "codex:apikey:0de14491f1b3"),
    ("openai-compatibility: [{name: OpenRouter, base-url: 'https://openrouter.ai/api/v1', "
     "api-key-entries: [{api-key: sk-or-EXAMPLE}]}]",
     "openai-compatibility:openrouter:da5037af5039"),
    ("openai-compatibility: [{name: openrouter, base-url: 'https://openrouter.ai/api/v1'}]",
     "openai-compatibility:openrouter:7f953d5a2180"),
])
def test_config_entries_get_vector_ids(text: str, expected: str) -> None:
    assert [c.id for c in creds(text)] == [expected]


def test_gemini_object_with_base_url_hashes_it() -> None:
    [cred] = creds("gemini-api-key: [{api-key: AIzaSyEXAMPLE, base-url: 'https://g.example'}]")
    assert cred.id == stable_config_id("gemini:apikey", "AIzaSyEXAMPLE", "https://g.example")


def test_duplicate_ids_get_suffixes_in_order() -> None:
    items = creds("""
generative-language-api-key: [AIzaSyEXAMPLE, " AIzaSyEXAMPLE "]
gemini-api-key: [{api-key: AIzaSyEXAMPLE}]
claude-api-key: [{api-key: k}, {api-key: k}]
""")
    assert [(c.id, c.attributes["source"]) for c in items] == [
        ("gemini:apikey:8e66987ca215", "config:gemini[8e66987ca215]"),
        ("gemini:apikey:8e66987ca215-1", "config:gemini[8e66987ca215-1]"),
        ("gemini:apikey:8e66987ca215-2", "config:gemini[8e66987ca215-2]"),
        (stable_config_id("claude:apikey", "k", ""), f"config:claude[{items[3].id[14:]}]"),
        (stable_config_id("claude:apikey", "k", "") + "-1",
         f"config:claude[{items[3].id[14:]}-1]"),
    ]


def test_suffix_counters_restart_each_recompute() -> None:
    text = "claude-api-key: [{api-key: k}, {api-key: k}]"
    assert [c.id for c in creds(text)] == [c.id for c in creds(text)]


# --- shapes per source ---------------------------------------------------------------

def test_gemini_legacy_shape() -> None:
    [c] = creds("generative-language-api-key: [' AIzaSyEXAMPLE ', '  ']")
    assert (c.provider, c.label, c.status, c.proxy_url) == ("gemini", "gemini-apikey", "active", "")
    assert c.attributes == {"source": "config:gemini[8e66987ca215]", "api_key": "AIzaSyEXAMPLE"}
    assert (c.metadata, c.models, c.model_aliases) == (None, [], {})
    assert (c.created_at, c.updated_at) == (NOW, NOW)


def test_gemini_object_shape() -> None:
    [c] = creds("gemini-api-key: [{api-key: AIzaK, base-url: 'https://g.example', "
                "proxy-url: 'socks5://p:1'}, {api-key: ''}]")
    assert (c.provider, c.label, c.proxy_url) == ("gemini", "gemini-apikey", "socks5://p:1")
    assert c.attributes == {"source": f"config:gemini[{c.id.split(':')[2]}]", "api_key": "AIzaK",
                            "base_url": "https://g.example"}


def test_claude_shape_without_models() -> None:
    [c] = creds("claude-api-key: [{api-key: sk-ant-EXAMPLE, proxy-url: 'http://p:8'}, "
                "{api-key: ' '}]")
    assert (c.id, c.provider, c.label, c.proxy_url) == (
        "claude:apikey:dfef3044096a", "claude", "claude-apikey", "http://p:8")
    assert c.attributes == {"source": "config:claude[dfef3044096a]", "api_key": "sk-ant-EXAMPLE"}
    assert c.models == [] and c.model_aliases == {}


def test_claude_models_catalog_aliases_and_hash() -> None:
    [c] = creds("""
claude-api-key:
  - api-key: k
    base-url: "https://c.example"
    models:
      - {name: claude-sonnet-4-5, alias: Sonnet}
      - {name: claude-other, alias: sonnet}
      - {name: "", alias: ""}
      - {name: claude-haiku-4-5}
      - {name: "", alias: only-alias}
""")
    assert c.attributes["base_url"] == "https://c.example"
    assert len(c.attributes["models_hash"]) == 64
    assert c.model_aliases == {"sonnet": "claude-sonnet-4-5", "claude-haiku-4-5": "claude-haiku-4-5",
                               "only-alias": "only-alias"}
    assert c.models == [
        {"id": "Sonnet", "object": "model", "owned_by": "claude", "type": "claude",
         "display_name": "claude-sonnet-4-5", "created": int(NOW)},
        {"id": "claude-haiku-4-5", "object": "model", "owned_by": "claude", "type": "claude",
         "display_name": "claude-haiku-4-5", "created": int(NOW)},
        {"id": "only-alias", "object": "model", "owned_by": "claude", "type": "claude",
         "display_name": "only-alias", "created": int(NOW)},
    ]


@pytest.mark.parametrize(("entry", "attributes"), [
    ("{api-key: sk-EXAMPLE, base-url: 'https://example.com/v1', proxy-url: 'http://p:1'}",
     {"source": "config:codex[0de14491f1b3]", "api_key": "sk-EXAMPLE",
      "base_url": "https://example.com/v1"}),
    # kept without base-url: the executor falls back to the default Codex endpoint
    ("{api-key: sk-EXAMPLE}",
     {"source": f"config:codex[{stable_config_id('codex:apikey', 'sk-EXAMPLE', '')[13:]}]",
      "api_key": "sk-EXAMPLE"}),
])
def test_codex_shape(entry: str, attributes: dict[str, str]) -> None:
    [c] = creds(f"codex-api-key: [{entry}, {{api-key: ''}}]")
    assert (c.provider, c.label) == ("codex", "codex-apikey")
    assert c.attributes == attributes


def test_compat_example_credential_from_spec() -> None:
    [c] = creds("openai-compatibility: [{name: OpenRouter, base-url: "
                "'https://openrouter.ai/api/v1', api-key-entries: [{api-key: sk-or-EXAMPLE}]}]")
    assert (c.id, c.provider, c.label, c.status, c.proxy_url) == (
        "openai-compatibility:openrouter:da5037af5039", "openrouter", "OpenRouter", "active", "")
    assert c.attributes == {"source": "config:openrouter[da5037af5039]",
                            "base_url": "https://openrouter.ai/api/v1", "compat_name": "OpenRouter",
                            "provider_key": "openrouter", "api_key": "sk-or-EXAMPLE"}


def test_compat_entries_blank_key_and_proxy() -> None:
    items = creds("""
openai-compatibility:
  - name: Local
    base-url: "http://127.0.0.1:1234/v1"
    api-key-entries: [{api-key: a, proxy-url: "http://p:1"}, {api-key: "  "}]
    api-keys: [ignored-when-entries-exist]
    models: [{name: qwen/qwen3, alias: qwen}, {name: QWEN, alias: ""}, {name: llama}]
""")
    assert [c.attributes.get("api_key") for c in items] == ["a", None]
    assert items[0].proxy_url == "http://p:1" and items[1].proxy_url == ""
    assert items[0].id == stable_config_id("openai-compatibility:local", "a",
                                           "http://127.0.0.1:1234/v1", "http://p:1")
    for c in items:
        assert c.provider == "local" and c.label == "Local"
        assert c.attributes["compat_name"] == "Local" and c.attributes["provider_key"] == "local"
        assert "models_hash" in c.attributes
        assert [m["id"] for m in c.models] == ["qwen", "llama"]
        assert c.models[0] == {"id": "qwen", "object": "model", "owned_by": "Local",
                               "type": "openai-compatibility", "display_name": "qwen/qwen3",
                               "created": int(NOW)}
        assert c.model_aliases == {"qwen": "qwen/qwen3", "llama": "llama"}
    # each credential owns its own model list
    assert items[0].models is not items[1].models


def test_compat_legacy_keys_skip_blanks_and_fall_back_to_keyless() -> None:
    legacy = creds("openai-compatibility: [{name: o, base-url: 'https://o.example', "
                   "api-keys: [k1, ' ', k2]}]")
    assert [c.attributes["api_key"] for c in legacy] == ["k1", "k2"]
    assert legacy[0].id == stable_config_id("openai-compatibility:o", "k1", "https://o.example")
    blank = creds("openai-compatibility: [{name: o, base-url: 'https://o.example', "
                  "api-keys: ['']}]")
    assert [c.id for c in blank] == [stable_config_id("openai-compatibility:o",
                                                      "https://o.example")]
    assert "api_key" not in blank[0].attributes and "models_hash" not in blank[0].attributes


def test_compat_without_name_uses_generic_provider() -> None:
    [c] = creds("openai-compatibility: [{base-url: 'https://o.example'}]")
    assert c.provider == "openai-compatibility" and c.label == ""
    assert c.id.startswith("openai-compatibility:openai-compatibility:")
    assert c.attributes["source"].startswith("config:openai-compatibility[")


def test_order_is_gemini_claude_codex_compat() -> None:
    items = creds("""
openai-compatibility: [{name: o, base-url: "https://o.example"}]
codex-api-key: [{api-key: x}]
claude-api-key: [{api-key: y}]
gemini-api-key: [{api-key: z}]
generative-language-api-key: [w]
""")
    assert [c.provider for c in items] == ["gemini", "gemini", "claude", "codex", "o"]
    assert items[0].api_key == "w"


def test_compat_names() -> None:
    cfg = cfg_of("""
openai-compatibility:
  - {name: " OpenRouter ", base-url: "https://a.example"}
  - {name: "", base-url: "https://b.example"}
  - {name: dropped, base-url: ""}
  - {name: local, base-url: "https://c.example"}
""")
    assert compat_names(cfg) == frozenset({"OpenRouter", "local"})


# --- auth dir ------------------------------------------------------------------------

def write(dir_: Path, name: str, content: object) -> Path:
    path = dir_ / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_auth_dir_good_file_matches_spec_example(tmp_path: Path) -> None:
    data = {"type": "gemini", "email": "me@example.com", "project_id": "proj1",
            "token": {"access_token": "ya29.x"}}
    path = write(tmp_path, "gemini-me@example.com-proj1.json", data)
    [c] = credentials_from_auth_dir(str(tmp_path), NOW)
    assert (c.id, c.provider, c.label, c.status) == (
        "gemini-me@example.com-proj1.json", "gemini-cli", "me@example.com", "active")
    assert c.attributes["source"] == c.attributes["path"] == str(path)
    # no Gemini CLI (Cloud Code) executor in this version: shown, never routed
    assert "not supported" in c.attributes["unsupported"]
    assert c.metadata == data
    assert (c.proxy_url, c.disabled, c.created_at, c.updated_at) == ("", False, NOW, NOW)


@pytest.mark.parametrize(("content", "provider", "label"), [
    ({"type": "Claude", "email": "a@b.c"}, "claude", "a@b.c"),
    ({"type": "codex"}, "codex", "codex"),
    ({"type": "qwen", "email": ""}, "qwen", "qwen"),
    ({"type": "iflow", "email": 42}, "iflow", "iflow"),
    ({"type": "GEMINI"}, "gemini-cli", "gemini-cli"),
])
def test_auth_file_provider_and_label(tmp_path: Path, content: dict[str, object], provider: str,
                                      label: str) -> None:
    write(tmp_path, "f.json", content)
    [c] = credentials_from_auth_dir(str(tmp_path), NOW)
    assert (c.provider, c.label) == (provider, label)


def test_auth_dir_skips_bad_files_with_warnings(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "a-invalid.json", '{"type": "claude", "access_token": "SECRET-TOKEN-1",')
    write(tmp_path, "b-notype.json", {"access_token": "SECRET-TOKEN-2"})
    write(tmp_path, "c-blanktype.json", {"type": "  ", "access_token": "SECRET-TOKEN-3"})
    write(tmp_path, "d-list.json", ["SECRET-TOKEN-4"])
    write(tmp_path, "e-empty.json", "")
    write(tmp_path, "f-numtype.json", {"type": 7})
    write(tmp_path, "notes.txt", {"type": "claude"})
    write(tmp_path, "g.json.tmp", {"type": "claude"})
    write(tmp_path, ".oauth-state.oauth", {"type": "claude"})
    (tmp_path / "sub.json").mkdir()
    write(tmp_path / "sub.json", "nested.json", {"type": "claude"})
    write(tmp_path, "z-good.JSON", {"type": "claude"})
    with caplog.at_level(logging.DEBUG, logger="cliproxy_tui.auth.synth"):
        items = credentials_from_auth_dir(str(tmp_path), NOW)
    assert [c.id for c in items] == ["z-good.JSON"]
    text = caplog.text
    for name in ("a-invalid.json", "b-notype.json", "c-blanktype.json", "d-list.json",
                 "f-numtype.json"):
        assert name in text
    assert "SECRET-TOKEN" not in text
    warned = {r.getMessage().split()[2] for r in caplog.records if r.levelno == logging.WARNING}
    assert warned == {"a-invalid.json", "b-notype.json", "c-blanktype.json", "d-list.json",
                      "f-numtype.json"}


def test_auth_file_proxy_and_disabled(tmp_path: Path) -> None:
    write(tmp_path, "a.json", {"type": "claude", "proxy_url": " socks5://p:1 ", "disabled": True})
    write(tmp_path, "b.json", {"type": "claude", "proxy_url": 5, "disabled": "yes"})
    a, b = credentials_from_auth_dir(str(tmp_path), NOW)
    assert (a.proxy_url, a.disabled) == ("socks5://p:1", True)
    assert (b.proxy_url, b.disabled) == ("", False)


def test_auth_dir_missing_or_unset() -> None:
    assert credentials_from_auth_dir("/nonexistent/cliproxy-tui-test", NOW) == []
    assert credentials_from_auth_dir("", NOW) == []


def test_auth_dir_order_is_by_name(tmp_path: Path) -> None:
    for name in ("c.json", "a.json", "b.json"):
        write(tmp_path, name, {"type": "codex"})
    assert [c.id for c in credentials_from_auth_dir(str(tmp_path), NOW)] == [
        "a.json", "b.json", "c.json"]


# --- diff (config.md §6.2 "Consequences", §6.3) ---------------------------------------

def diff(old_text: str, new_text: str) -> list[tuple[str, str]]:
    previous = by_id(creds(old_text, NOW))
    current = creds(new_text, NOW + 60)  # a later recompute: new timestamps
    return kinds(diff_credentials(previous, current))


CLAUDE = "claude-api-key: [{api-key: k1, base-url: 'https://c.example'%s}]"
CODEX = "codex-api-key: [{api-key: k1, base-url: 'https://x.example'%s}]"
COMPAT = ("openai-compatibility: [{name: %s, base-url: 'https://o.example', "
          "api-key-entries: [{api-key: a%s}, {api-key: b}]%s}]")


def test_first_computation_is_all_adds() -> None:
    current = creds(CLAUDE % "" + "\n" + COMPAT % ("o", "", ""))
    updates = diff_credentials({}, current)
    assert [u.kind for u in updates] == ["add"] * 3
    assert [u.credential for u in updates] == current


def test_unchanged_recompute_gives_no_updates() -> None:
    text = (CLAUDE % ", models: [{name: m}]") + "\n" + COMPAT % ("o", "", ", models: [{name: m}]")
    assert diff(text, text) == []


def test_editing_a_key_is_delete_plus_add() -> None:
    old_id = creds(CLAUDE % "")[0].id
    new_id = creds(CLAUDE.replace("k1", "k2") % "")[0].id
    assert diff(CLAUDE % "", CLAUDE.replace("k1", "k2") % "") == [("add", new_id),
                                                                  ("delete", old_id)]


def test_editing_a_base_url_is_delete_plus_add() -> None:
    new = CODEX.replace("x.example", "y.example") % ""
    assert [k for k, _ in diff(CODEX % "", new)] == ["add", "delete"]


@pytest.mark.parametrize(("old", "new"), [
    (CLAUDE % "", CLAUDE % ", proxy-url: 'http://p:1'"),
    (CODEX % ", proxy-url: 'http://p:1'", CODEX % ", proxy-url: 'http://p:2'"),
    (CLAUDE % ", models: [{name: m1}]", CLAUDE % ", models: [{name: m1, alias: x}]"),
    (CLAUDE % "", CLAUDE % ", models: [{name: m1}]"),
])
def test_claude_codex_proxy_or_models_edit_is_modify(old: str, new: str) -> None:
    [(kind, cred_id)] = diff(old, new)
    assert kind == "modify" and cred_id == creds(old)[0].id


def test_compat_item_proxy_edit_is_delete_plus_add() -> None:
    changes = diff(COMPAT % ("o", "", ""), COMPAT % ("o", ", proxy-url: 'http://p:1'", ""))
    assert [k for k, _ in changes] == ["add", "delete"]


def test_compat_models_edit_modifies_each_credential() -> None:
    old = COMPAT % ("o", "", ", models: [{name: m1}]")
    new = COMPAT % ("o", "", ", models: [{name: m1}, {name: m2}]")
    assert diff(old, new) == [("modify", c.id) for c in creds(old)]


def test_compat_rename_is_delete_plus_add() -> None:
    old, new = COMPAT % ("o", "", ""), COMPAT % ("renamed", "", "")
    assert diff(old, new) == ([("add", c.id) for c in creds(new)]
                              + [("delete", c.id) for c in creds(old)])


def test_compat_rename_in_case_only_is_modify() -> None:
    # the kind uses the lower-cased name, so ids stay; the label changes
    old, new = COMPAT % ("o", "", ""), COMPAT % ("O", "", "")
    assert diff(old, new) == [("modify", c.id) for c in creds(old)]


def test_removed_entry_is_delete_with_id_only() -> None:
    previous = by_id(creds(CLAUDE % ""))
    [update] = diff_credentials(previous, [])
    assert update == CredentialUpdate("delete", next(iter(previous)), None)


def test_file_changes(tmp_path: Path) -> None:
    write(tmp_path, "a.json", {"type": "claude", "access_token": "t1"})
    write(tmp_path, "b.json", {"type": "codex"})
    previous = by_id(credentials_from_auth_dir(str(tmp_path), NOW))
    assert diff_credentials(previous, credentials_from_auth_dir(str(tmp_path), NOW + 1)) == []
    write(tmp_path, "a.json", {"type": "claude", "access_token": "t2"})  # token refresh
    write(tmp_path, "b.json", {"type": "codex", "disabled": True})
    (tmp_path / "c.json").write_text('{"type": "qwen"}')
    updates = diff_credentials(previous, credentials_from_auth_dir(str(tmp_path), NOW + 2))
    assert kinds(updates) == [("modify", "a.json"), ("modify", "b.json"), ("add", "c.json")]
    assert updates[0].credential is not None and updates[0].credential.metadata == {
        "type": "claude", "access_token": "t2"}
    (tmp_path / "a.json").unlink()
    updates = diff_credentials(previous, credentials_from_auth_dir(str(tmp_path), NOW + 3))
    assert kinds(updates) == [("modify", "b.json"), ("add", "c.json"), ("delete", "a.json")]
