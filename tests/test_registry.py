"""Model registry, built-in catalog and model-name resolution (auth-manager §5, §6; server §5)."""

from __future__ import annotations

import pytest

from cliproxy_tui import catalog
from cliproxy_tui.auth.model import Credential
from cliproxy_tui.clock import FakeClock
from cliproxy_tui.registry import (ModelRegistry, ResolvedModel, models_for_credential,
                                   resolve_model)

NOW = 1_760_000_000.0


def m(*ids: str) -> list[dict]:
    return [{"id": i, "object": "model", "owned_by": "test"} for i in ids]


def ids(models: list[dict]) -> list[str]:
    return [x["id"] for x in models]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def reg(clock: FakeClock) -> ModelRegistry:
    return ModelRegistry(clock)


# -- catalog ------------------------------------------------------------------------------

def test_catalog_sizes_and_unknown_provider() -> None:
    sizes = {p: len(catalog.builtin_models(p, NOW))
             for p in ("claude", "gemini", "gemini-cli", "aistudio", "codex", "qwen", "iflow")}
    assert sizes == {"claude": 7, "gemini": 5, "gemini-cli": 5, "aistudio": 8, "codex": 10,
                     "qwen": 3, "iflow": 17}
    assert catalog.builtin_models("openrouter", NOW) == []


def test_catalog_entry_shapes() -> None:
    claude = catalog.builtin_models("claude", NOW)[0]
    assert claude == {"id": "claude-haiku-4-5-20251001", "object": "model",
                      "created": 1759276800, "owned_by": "anthropic", "type": "claude",
                      "display_name": "Claude 4.5 Haiku"}
    pro = {x["id"]: x for x in catalog.builtin_models("gemini-cli", NOW)}["gemini-2.5-pro"]
    assert pro["name"] == "models/gemini-2.5-pro"
    assert pro["created"] == int(NOW) and pro["owned_by"] == "google"
    assert pro["version"] == "2.5" and pro["displayName"] == "Gemini 2.5 Pro"
    assert pro["inputTokenLimit"] == 1048576 and pro["outputTokenLimit"] == 65536
    assert pro["supportedGenerationMethods"] == [
        "generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]
    assert pro["description"]
    studio = ids(catalog.builtin_models("aistudio", NOW))
    assert studio[:5] == ids(catalog.builtin_models("gemini", NOW))
    assert studio[5:] == ["gemini-pro-latest", "gemini-flash-latest", "gemini-flash-lite-latest"]
    mini = {x["id"]: x for x in catalog.builtin_models("codex", NOW)}["codex-mini-latest"]
    assert (mini["context_length"], mini["max_completion_tokens"]) == (4096, 2048)
    assert mini["supported_parameters"] == ["temperature", "max_tokens", "stream", "stop"]
    qwen = catalog.builtin_models("qwen", NOW)[0]
    assert qwen["version"] == "3.0" and qwen["type"] == "qwen"
    assert qwen["supported_parameters"] == ["temperature", "top_p", "max_tokens", "stream", "stop"]
    iflow = {x["id"]: x for x in catalog.builtin_models("iflow", NOW)}
    assert iflow["kimi-k2-0905"]["display_name"] == "Kimi-K2-Instruct-0905"
    assert set(iflow["glm-4.6"]) == {"id", "object", "created", "owned_by", "type",
                                     "display_name", "description"}


def test_catalog_returns_fresh_copies() -> None:
    first = catalog.builtin_models("gemini", NOW)
    first[0]["supportedGenerationMethods"].append("x")
    first[0]["id"] = "changed"
    again = catalog.builtin_models("gemini", NOW)[0]
    assert again["id"] == "gemini-2.5-flash"
    assert "x" not in again["supportedGenerationMethods"]


# -- register / unregister ----------------------------------------------------------------

def test_first_registration_counts_every_listed_entry(reg: ModelRegistry) -> None:
    reg.register("a", "Claude", m("x", "x", "y") + [{"object": "model"}, {"id": ""}])
    assert reg.providers_for("x") == ["claude"]
    assert reg.credentials_for("x") == ["a"]
    assert reg.models_of("a") == ["x", "y"]
    reg.register("b", "claude", m("x"))
    reg.unregister("a")
    # a's two registrations of x are gone, b's one remains
    assert reg.credentials_for("x") == ["b"]
    assert reg.model_info("y") is None


def test_reregistration_diffs_and_moves_provider_counts(reg: ModelRegistry) -> None:
    reg.register("a", "qwen", m("shared", "old"))
    reg.register("b", "iflow", m("shared"))
    reg.register("c", "iflow", m("shared"))
    assert reg.providers_for("shared") == ["iflow", "qwen"]
    reg.register("a", "iflow", m("shared", "new"))
    assert reg.providers_for("shared") == ["iflow"]
    assert reg.model_info("old") is None
    assert reg.providers_for("new") == ["iflow"]
    assert reg.models_of("a") == ["shared", "new"]
    reg.register("a", "iflow", [])
    assert reg.models_of("a") == [] and reg.credentials_for("shared") == ["b", "c"]


def test_last_registration_wins_for_info(reg: ModelRegistry) -> None:
    reg.register("a", "qwen", [{"id": "q", "display_name": "from qwen"}])
    reg.register("b", "iflow", [{"id": "q", "display_name": "from iflow"}])
    assert reg.model_info("q")["display_name"] == "from iflow"
    reg.register("a", "qwen", [{"id": "q", "display_name": "qwen again"}])
    assert reg.model_info("q")["display_name"] == "qwen again"


def test_reregistration_clears_marks_unless_kept(reg: ModelRegistry) -> None:
    reg.register("a", "claude", m("x", "y"))
    reg.suspend("a", "x", "unauthorized")
    reg.suspend("a", "y", "unauthorized")
    assert ids(reg.available_models()) == []
    reg.register("a", "claude", m("x", "y"), keep_marks=True)
    assert ids(reg.available_models()) == []
    reg.register("a", "claude", m("x"))
    assert ids(reg.available_models()) == ["x"]
    # y was dropped and re-added: its old suspension went with it
    reg.register("a", "claude", m("x", "y"), keep_marks=True)
    assert ids(reg.available_models()) == ["x", "y"]


def test_providers_for_orders_by_count_then_name(reg: ModelRegistry) -> None:
    reg.register("1", "zeta", m("x"))
    reg.register("2", "zeta", m("x"))
    reg.register("3", "beta", m("x"))
    reg.register("4", "alpha", m("x"))
    assert reg.providers_for("x") == ["zeta", "alpha", "beta"]
    assert reg.providers_for("X") == []  # case-sensitive ids


def test_version_bumps_only_on_change(reg: ModelRegistry) -> None:
    v0 = reg.version
    reg.register("a", "claude", m("x"))
    v1 = reg.version
    assert v1 > v0
    reg.resume("a", "x")
    reg.clear_quota_exceeded("a", "x")
    reg.suspend("a", "unknown-model", "quota")
    reg.unregister("nobody")
    assert reg.version == v1
    reg.suspend("a", "x", "quota")
    assert reg.version > v1


# -- listing rule (§5.4) --------------------------------------------------------------------

def test_quota_cooling_model_stays_listed(reg: ModelRegistry) -> None:
    reg.register("a", "gemini", m("g"))
    reg.set_quota_exceeded("a", "g")
    reg.suspend("a", "g", "quota")
    assert ids(reg.available_models()) == ["g"]


def test_quota_mark_expires_but_quota_suspension_keeps_it_listed(
        reg: ModelRegistry, clock: FakeClock) -> None:
    reg.register("a", "gemini", m("g"))
    reg.register("b", "gemini", m("g"))
    reg.set_quota_exceeded("a", "g")
    reg.suspend("b", "g", "unauthorized")
    # count 2 − q 1 − so 1 = 0, and so > 0: hidden while the mark is young
    assert ids(reg.available_models()) == []
    clock.advance(301)
    assert ids(reg.available_models()) == ["g"]


def test_auth_suspended_only_credential_hides_model_until_resumed(reg: ModelRegistry) -> None:
    reg.register("a", "claude", m("c", "d"))
    reg.suspend("a", "c", "unauthorized")
    reg.suspend("a", "c", "quota")  # a repeat keeps the first reason
    assert ids(reg.available_models()) == ["d"]
    reg.register("b", "claude", m("c"))
    assert ids(reg.available_models()) == ["c", "d"]
    reg.unregister("b")
    assert ids(reg.available_models()) == ["d"]
    reg.resume("a", "c")
    assert ids(reg.available_models()) == ["c", "d"]


def test_available_models_returns_copies_sorted(reg: ModelRegistry) -> None:
    reg.register("a", "x", m("b", "a", "c"))
    listed = reg.available_models()
    assert ids(listed) == ["a", "b", "c"]
    listed[0]["id"] = "mutated"
    assert reg.model_info("a")["id"] == "a"


# -- models a credential registers ----------------------------------------------------------

def test_models_for_credential_sources() -> None:
    oauth = Credential(id="claude-a.json", provider="claude")
    assert ids(models_for_credential(oauth, NOW)) == ids(catalog.builtin_models("claude", NOW))
    keyed = Credential(id="claude:apikey:1", provider="claude",
                       models=[{"id": "my-alias", "owned_by": "claude", "type": "claude"}])
    got = models_for_credential(keyed, NOW)
    assert got == [{"object": "model", "created": int(NOW), "id": "my-alias",
                    "owned_by": "claude", "type": "claude"}]
    compat_empty = Credential(id="openai-compatibility:x", provider="openrouter",
                              attributes={"compat_name": "OpenRouter"})
    assert models_for_credential(compat_empty, NOW) == []
    compat = Credential(id="openai-compatibility:y", provider="openrouter",
                        attributes={"compat_name": "OpenRouter"},
                        models=[{"id": "kimi", "created": 5}])
    assert models_for_credential(compat, NOW)[0]["created"] == 5
    assert ModelRegistry.models_for_credential(compat, NOW) == models_for_credential(compat, NOW)


# -- model-name resolution (server.md §5, §13 items 4–5) -------------------------------------

COMPAT = frozenset({"OpenRouter"})


def test_dynamic_prefix_only_for_configured_names_case_sensitive() -> None:
    assert resolve_model("OpenRouter://moonshot/kimi-k2", COMPAT) == ResolvedModel(
        "moonshot/kimi-k2", ["openrouter"], {})
    assert resolve_model("openrouter://kimi", COMPAT) == ResolvedModel(
        "openrouter://kimi", None, {})
    assert resolve_model("OpenRouter://a://b", COMPAT).model == "a://b"
    # no suffix rule behind a prefix
    assert resolve_model("OpenRouter://gemini-2.5-pro-nothinking", COMPAT).metadata == {}


@pytest.mark.parametrize(("raw", "model", "meta"), [
    ("gemini-2.5-flash-nothinking", "gemini-2.5-flash",
     {"gemini_original_model": "gemini-2.5-flash-nothinking", "gemini_thinking_budget": 0,
      "gemini_include_thoughts": False}),
    ("gemini-2.5-pro-nothinking", "gemini-2.5-pro",
     {"gemini_original_model": "gemini-2.5-pro-nothinking", "gemini_thinking_budget": 128,
      "gemini_include_thoughts": False}),
    ("Gemini-2.5-Pro-Preview-NoThinking", "Gemini-2.5-Pro-Preview",
     {"gemini_original_model": "Gemini-2.5-Pro-Preview-NoThinking",
      "gemini_thinking_budget": 128, "gemini_include_thoughts": False}),
    ("gemini-2.5-flash-thinking-1024", "gemini-2.5-flash",
     {"gemini_original_model": "gemini-2.5-flash-thinking-1024",
      "gemini_thinking_budget": 1024}),
    ("gemini-x-thinking-1-thinking-42abc", "gemini-x-thinking-1",
     {"gemini_original_model": "gemini-x-thinking-1-thinking-42abc",
      "gemini_thinking_budget": 42}),
])
def test_gemini_thinking_suffixes(raw: str, model: str, meta: dict) -> None:
    assert resolve_model(raw, COMPAT) == ResolvedModel(model, None, meta)


@pytest.mark.parametrize("raw", [
    "gpt-5-nothinking", "claude-x-thinking-100", "gemini-2.5-flash-thinking-",
    "gemini-2.5-flash-thinking-abc", "gemini-2.5-flash", "",
    "gemini-2.5-flash-thinking-" + "9" * 30,
])
def test_names_without_a_matching_suffix_pass_unchanged(raw: str) -> None:
    assert resolve_model(raw, COMPAT) == ResolvedModel(raw, None, {})
