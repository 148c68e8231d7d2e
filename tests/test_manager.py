"""Credential manager: selection, cooldown, results, retry loop (auth-manager §4)."""

from __future__ import annotations

import pytest

from cliproxy_tui.auth.manager import CredentialManager, quota_cooldown
from cliproxy_tui.auth.model import Credential
from cliproxy_tui.clock import FakeClock
from cliproxy_tui.errors import (ConfigurationError, ModelCooldownError, NoCredentialError,
                                 ProxyError, TransportError, UpstreamError)
from cliproxy_tui.registry import ModelRegistry

MODEL = "claude-sonnet-4-5-20250929"


class Env:
    def __init__(self, **kwargs) -> None:
        self.clock = FakeClock()
        self.registry = ModelRegistry(self.clock)
        self.changes: list[str] = []
        self.removed: list[str] = []
        self.sleeps: list[float] = []

        async def sleep(delay: float) -> None:
            self.sleeps.append(delay)

        self.mgr = CredentialManager(self.registry, self.clock, sleep=sleep,
                                     on_change=lambda c: self.changes.append(c.id),
                                     on_remove=self.removed.append, **kwargs)

    def add(self, cred_id: str, provider: str = "claude", **fields) -> Credential:
        return self.mgr.upsert(Credential(id=cred_id, provider=provider, **fields))

    def state(self, cred_id: str, model: str = MODEL):
        return self.mgr.get(cred_id).model_states[model]


def up(status: int, body: bytes = b'{"error":"x"}') -> UpstreamError:
    return UpstreamError(status, body)


class Script:
    """A fake executor call: per credential id, a list of outcomes consumed in order."""

    def __init__(self, **outcomes: list[object]) -> None:
        self.outcomes = {k.replace("_", "-"): list(v) for k, v in outcomes.items()}
        self.calls: list[str] = []

    async def __call__(self, cred: Credential) -> str:
        self.calls.append(cred.id)
        queue = self.outcomes.get(cred.id, [])
        outcome = queue.pop(0) if queue else "ok"
        if isinstance(outcome, BaseException):
            raise outcome
        return f"{outcome} from {cred.id}"


@pytest.fixture
def env() -> Env:
    return Env()


# -- selection ------------------------------------------------------------------------------

def test_round_robin_in_id_order_with_cursor_per_provider_and_model(env: Env) -> None:
    for cid in ("c", "a", "b"):
        env.add(cid)
    env.add("q", provider="qwen")
    picks = [env.mgr.pick("claude", MODEL, set()).id for _ in range(4)]
    assert picks == ["a", "b", "c", "a"]
    # another model has its own cursor, so does another provider
    assert env.mgr.pick("claude", "other", set()).id == "a"
    assert env.mgr.pick("qwen", MODEL, set()).id == "q"
    assert env.mgr.pick("CLAUDE", MODEL, set()).id == "b"
    # tried ones are skipped; the cursor (now 5) indexes the remaining [a, b]
    assert env.mgr.pick("claude", MODEL, {"c"}).id == "b"
    assert env.mgr.pick("claude", MODEL, {"a", "b"}).id == "c"


def test_disabled_credentials_are_skipped_and_reenable_restores(env: Env) -> None:
    env.add("a")
    env.add("b")
    env.mgr.record_result("a", MODEL, success=False, status=404, message="gone")
    env.mgr.set_disabled("a", True)
    assert env.mgr.get("a").status == "disabled"
    assert {env.mgr.pick("claude", MODEL, set()).id for _ in range(3)} == {"b"}
    env.mgr.set_disabled("b", True)
    with pytest.raises(NoCredentialError) as exc:
        env.mgr.pick("claude", MODEL, set())
    assert exc.value.code == "auth_not_found"
    assert str(exc.value) == "auth_not_found: no auth available"
    env.mgr.set_disabled("a", False)
    a = env.mgr.get("a")
    assert (a.disabled, a.status, a.status_message) == (False, "error", "gone")
    assert env.mgr.pick("claude", MODEL, set()).id == "a"


def test_operator_disable_survives_upsert(env: Env) -> None:
    env.add("a")
    env.mgr.set_disabled("a", True)
    env.add("a", label="renamed")
    assert env.mgr.get("a").disabled and env.mgr.get("a").label == "renamed"
    env.mgr.set_disabled("a", False)
    assert not env.mgr.get("a").disabled and env.mgr.get("a").status == "active"


def test_file_disabled_credential_is_never_picked(env: Env) -> None:
    env.add("a", disabled=True)
    assert env.mgr.get("a").status == "disabled"
    with pytest.raises(NoCredentialError, match="auth_not_found"):
        env.mgr.pick("claude", MODEL, set())
    env.add("a")  # the file no longer says disabled
    assert env.mgr.pick("claude", MODEL, set()).id == "a"


# -- cooldown ------------------------------------------------------------------------------

def test_quota_backoff_doubles_caps_and_keeps_level(env: Env) -> None:
    env.add("a")
    seen = []
    for _ in range(13):
        env.mgr.record_result("a", MODEL, success=False, status=429, message="slow down")
        st = env.state("a")
        seen.append((st.next_retry_after - env.clock.now(), st.quota.backoff_level))
    assert [s for s, _ in seen] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1800, 1800]
    assert [lvl for _, lvl in seen][-3:] == [11, 11, 11]
    st = env.state("a")
    assert st.quota.exceeded and st.quota.reason == "quota"
    assert st.quota.next_recover_at == st.next_retry_after
    env.mgr.record_result("a", MODEL, success=True)
    st = env.state("a")
    assert (st.unavailable, st.quota.exceeded, st.quota.backoff_level) == (False, False, 0)
    env.mgr.record_result("a", MODEL, success=False, status=429)
    assert env.state("a").next_retry_after - env.clock.now() == 1


def test_quota_cooldown_function() -> None:
    assert quota_cooldown(0, False) == (1.0, 1)
    assert quota_cooldown(10, False) == (1024.0, 11)
    assert quota_cooldown(11, False) == (1800.0, 11)
    assert quota_cooldown(5, True) == (0.0, 5)


def test_all_cooling_gives_cooldown_error_then_recovers(env: Env) -> None:
    env.add("a")
    env.add("b")
    env.mgr.record_result("a", MODEL, success=False, status=429)  # 1 s
    env.mgr.record_result("b", MODEL, success=False, status=429)  # 1 s
    env.mgr.record_result("b", MODEL, success=False, status=429)  # 2 s
    env.clock.advance(0.25)
    with pytest.raises(ModelCooldownError) as exc:
        env.mgr.pick("claude", MODEL, set())
    err = exc.value
    assert (err.reset_seconds, err.reset_time) == (1, "1s")
    assert err.status == 429 and err.headers["Retry-After"] == "1"
    assert err.body() == {"error": {
        "code": "model_cooldown", "model": MODEL, "provider": "claude",
        "message": f"All credentials for model {MODEL} are cooling down via provider claude",
        "reset_seconds": 1, "reset_time": "1s"}}
    env.clock.advance(0.75)  # a's cooldown has passed, b's has not
    assert {env.mgr.pick("claude", MODEL, set()).id for _ in range(3)} == {"a"}
    env.clock.advance(1)
    assert {env.mgr.pick("claude", MODEL, set()).id for _ in range(4)} == {"a", "b"}


def test_cooldown_error_reports_minutes(env: Env) -> None:
    env.add("a")
    for _ in range(7):  # 1+…; the 7th cooldown is 64 s
        env.mgr.record_result("a", MODEL, success=False, status=429)
    env.clock.advance(0.5)
    with pytest.raises(ModelCooldownError) as exc:
        env.mgr.pick("claude", MODEL, set())
    assert (exc.value.reset_seconds, exc.value.reset_time) == (64, "1m4s")


@pytest.mark.parametrize(("status", "block", "reason"), [
    (401, 1800, "unauthorized"), (402, 1800, "payment_required"),
    (403, 1800, "payment_required"), (500, 60, None), (408, 60, None), (504, 60, None)])
def test_blocking_statuses(env: Env, status: int, block: int, reason: str | None) -> None:
    env.add("a", models=[{"id": MODEL}])
    env.mgr.record_result("a", MODEL, success=False, status=status, message="denied")
    st = env.state("a")
    assert st.unavailable and st.next_retry_after == env.clock.now() + block
    assert (st.status, st.last_error, st.last_status) == ("error", "denied", status)
    cred = env.mgr.get("a")
    assert (cred.status, cred.status_message, cred.last_error) == ("error", "denied", "denied")
    assert cred.unavailable and cred.next_retry_after == st.next_retry_after
    with pytest.raises(NoCredentialError) as exc:  # blocked, but not for quota
        env.mgr.pick("claude", MODEL, set())
    assert exc.value.code == "auth_unavailable"
    # an auth/payment block hides the only credential's model from the listing
    listed = [m["id"] for m in env.registry.available_models()]
    assert listed == ([] if reason else [MODEL])
    env.clock.advance(block + 1)
    assert env.mgr.pick("claude", MODEL, set()).id == "a"
    env.mgr.record_result("a", MODEL, success=True)
    cred = env.mgr.get("a")
    assert (cred.status, cred.status_message, cred.last_error) == ("active", "", "")
    assert [m["id"] for m in env.registry.available_models()] == [MODEL]


def test_other_failures_do_not_block(env: Env) -> None:
    env.add("a")
    env.mgr.record_result("a", MODEL, success=False, status=404, message="no such model")
    env.mgr.record_result("a", MODEL, success=False, status=0, message="connection reset")
    st = env.state("a")
    assert not st.unavailable and st.next_retry_after is None and st.status == "error"
    assert not env.mgr.get("a").unavailable
    assert env.mgr.pick("claude", MODEL, set()).id == "a"
    assert env.mgr.get("a").failure_count == 2


def test_disable_cooling_makes_429_non_blocking() -> None:
    env = Env(disable_cooling=True)
    env.add("a")
    for _ in range(3):
        env.mgr.record_result("a", MODEL, success=False, status=429)
    st = env.state("a")
    assert st.quota.exceeded and st.quota.backoff_level == 0
    assert st.next_retry_after is None and not st.unavailable
    assert env.mgr.pick("claude", MODEL, set()).id == "a"
    env.mgr.update_settings(disable_cooling=False, request_retry=0)
    env.mgr.record_result("a", MODEL, success=False, status=429)
    with pytest.raises(ModelCooldownError):
        env.mgr.pick("claude", MODEL, set())


def test_aggregation_over_models(env: Env) -> None:
    env.add("a")
    env.mgr.record_result("a", "m1", success=False, status=429)  # 1 s
    env.mgr.record_result("a", "m2", success=False, status=401)  # 30 min
    cred = env.mgr.get("a")
    now = env.clock.now()
    assert cred.unavailable and cred.next_retry_after == now + 1
    assert cred.quota.exceeded and cred.quota.next_recover_at == now + 1
    assert cred.quota.backoff_level == 1
    env.clock.advance(5)
    env.mgr.record_result("a", "m3", success=True)
    assert not cred.unavailable and cred.next_retry_after is None
    assert not cred.model_states["m1"].unavailable  # passed retry time cleared on the way
    assert cred.status == "error"  # m2 still holds an error
    assert cred.success_count == 1 and cred.failure_count == 2
    assert cred.last_used_at == env.clock.now()


def test_clear_cooldown_one_model_and_all(env: Env) -> None:
    env.add("a", models=[{"id": "m1"}, {"id": "m2"}])
    env.mgr.record_result("a", "m1", success=False, status=401)
    env.mgr.record_result("a", "m2", success=False, status=429)
    env.mgr.clear_cooldown("a", "m1")
    assert "m1" not in env.mgr.get("a").model_states
    assert env.mgr.pick("claude", "m1", set()).id == "a"
    with pytest.raises(ModelCooldownError):
        env.mgr.pick("claude", "m2", set())
    assert env.mgr.get("a").status == "error"
    env.mgr.clear_cooldown("a")
    cred = env.mgr.get("a")
    assert cred.model_states == {} and not cred.quota.exceeded
    assert (cred.status, cred.last_error) == ("active", "")
    assert [m["id"] for m in env.registry.available_models()] == ["m1", "m2"]
    env.mgr.record_result("a", "m1", success=False, status=401)
    env.mgr.record_result("a", "m2", success=False, status=401)
    assert env.registry.available_models() == []
    env.mgr.clear_cooldown("a")
    assert len(env.registry.available_models()) == 2


# -- table ---------------------------------------------------------------------------------

def test_upsert_keeps_runtime_state_and_registry_marks(env: Env) -> None:
    first = env.add("a", label="old", attributes={"api_key": "k1"}, models=[{"id": "m"}],
                    created_at=100.0)
    env.mgr.record_result("a", "m", success=False, status=401, message="bad key")
    env.mgr.record_result("a", "n", success=True)
    first.last_refreshed_at = 200.0
    same = env.add("a", label="new", attributes={"api_key": "k2"}, models=[{"id": "m"}])
    assert same is first
    assert same.label == "new" and same.api_key == "k2"
    assert same.model_states["m"].unavailable and same.last_error == "bad key"
    assert (same.success_count, same.failure_count) == (1, 1)
    assert (same.created_at, same.last_refreshed_at) == (100.0, 200.0)
    assert env.registry.available_models() == []  # still suspended for 401
    with pytest.raises(NoCredentialError):
        env.mgr.pick("claude", "m", set())


def test_upsert_reregisters_models_and_remove_unregisters(env: Env) -> None:
    env.add("a", models=[{"id": "m1"}])
    env.add("b")
    assert env.registry.models_of("a") == ["m1"]
    assert env.registry.providers_for(MODEL) == ["claude"]
    env.add("a", provider="codex")
    assert "gpt-5" in env.registry.models_of("a")
    assert env.registry.model_info("m1") is None
    env.mgr.remove("b")
    assert env.mgr.get("b") is None and env.removed == ["b"]
    assert env.registry.providers_for(MODEL) == []
    assert [c.id for c in env.mgr.all()] == ["a"]
    env.mgr.record_result("b", MODEL, success=True)  # late result of a removed credential
    env.mgr.remove("b")
    assert env.removed == ["b"]


def test_compat_credential_with_no_models_registers_nothing(env: Env) -> None:
    env.add("openai-compatibility:x", provider="openrouter",
            attributes={"compat_name": "OpenRouter"})
    assert env.registry.models_of("openai-compatibility:x") == []
    assert env.mgr.pick("openrouter", "any", set()).id == "openai-compatibility:x"


def test_on_change_called_for_every_state_change(env: Env) -> None:
    env.add("a")
    env.mgr.record_result("a", MODEL, success=True)
    env.mgr.set_disabled("a", True)
    env.mgr.set_disabled("a", False)
    env.mgr.clear_cooldown("a")
    env.add("a", label="x")
    assert env.changes == ["a"] * 6


def test_failing_on_change_hook_does_not_break_recording() -> None:
    env = Env()
    env.mgr._on_change = lambda c: 1 / 0  # noqa: SLF001 - exercise the guard
    env.add("a")
    env.mgr.record_result("a", MODEL, success=True)
    assert env.mgr.get("a").success_count == 1


# -- execute -------------------------------------------------------------------------------

async def test_failover_records_both_results(env: Env) -> None:
    env.add("a")
    env.add("b")
    script = Script(a=[up(429)])
    result, cred = await env.mgr.execute(MODEL, ["claude"], script)
    assert (result, cred.id) == ("ok from b", "b")
    assert script.calls == ["a", "b"]
    assert env.state("a").quota.exceeded and env.mgr.get("a").failure_count == 1
    assert env.mgr.get("b").success_count == 1
    assert env.state("b").status == "active"


async def test_provider_rotation_per_model(env: Env) -> None:
    env.add("c1", provider="qwen")
    env.add("c2", provider="iflow")
    script = Script()
    served = [(await env.mgr.execute("m", ["qwen", "IFLOW", "qwen"], script))[1].provider
              for _ in range(3)]
    assert served == ["qwen", "iflow", "qwen"]
    other = (await env.mgr.execute("other", ["qwen", "iflow"], script))[1]
    assert other.provider == "qwen"


async def test_next_provider_tried_after_first_fails(env: Env) -> None:
    env.add("q", provider="qwen")
    env.add("i", provider="iflow")
    script = Script(q=[up(500)])
    result, cred = await env.mgr.execute("m", ["qwen", "iflow"], script)
    assert cred.id == "i" and script.calls == ["q", "i"]


async def test_last_upstream_error_wins_over_pick_errors(env: Env) -> None:
    env.add("a")
    env.add("b")
    env.add("z", provider="zzz")
    script = Script(a=[up(500, b"first")], b=[up(503, b"second")], z=[up(429)])
    env.mgr.record_result("z", "m", success=False, status=429)
    with pytest.raises(UpstreamError) as exc:
        await env.mgr.execute("m", ["claude", "zzz"], script)
    assert exc.value.status == 503 and exc.value.body == b"second"
    assert script.calls == ["a", "b"]


async def test_pick_errors_when_nothing_was_tried(env: Env) -> None:
    env.add("a")
    env.mgr.record_result("a", MODEL, success=False, status=429)
    script = Script()
    with pytest.raises(ModelCooldownError):
        await env.mgr.execute(MODEL, ["claude"], script)
    with pytest.raises(NoCredentialError) as exc:
        await env.mgr.execute(MODEL, ["nobody"], script)
    assert exc.value.code == "auth_not_found"
    with pytest.raises(NoCredentialError) as exc:
        await env.mgr.execute(MODEL, [], script)
    assert str(exc.value) == "provider_not_found: no provider supplied"
    assert script.calls == []


async def test_missing_executor_skips_provider() -> None:
    env = Env(has_executor=lambda p: p != "claude")
    env.add("a")
    env.add("q", provider="qwen")
    script = Script()
    _, cred = await env.mgr.execute("m", ["claude", "qwen"], script)
    assert cred.id == "q"
    with pytest.raises(NoCredentialError) as exc:
        await env.mgr.execute("m", ["claude"], script)
    assert str(exc.value) == "executor_not_found: executor not registered"


@pytest.mark.parametrize("status", [400, 413, 422])
async def test_client_mistake_returned_at_once(env: Env, status: int) -> None:
    env.add("a")
    env.add("b")
    script = Script(a=[up(status, b"bad request")])
    with pytest.raises(UpstreamError) as exc:
        await env.mgr.execute(MODEL, ["claude"], script)
    assert exc.value.status == status and script.calls == ["a"]
    st = env.state("a")
    assert st.next_retry_after is None and not st.unavailable
    assert env.mgr.get("a").failure_count == 1
    assert env.mgr.pick("claude", MODEL, set()).id in {"a", "b"}


async def test_request_retry_retries_same_credential_on_503() -> None:
    env = Env(request_retry=2)
    env.add("a")
    env.add("b")
    script = Script(a=[up(503)])
    result, cred = await env.mgr.execute(MODEL, ["claude"], script)
    assert cred.id == "a" and script.calls == ["a", "a"]
    assert env.sleeps == [0.1]
    assert (cred.success_count, cred.failure_count) == (1, 0)


async def test_request_retry_backoff_then_moves_on() -> None:
    env = Env(request_retry=5)
    env.add("a")
    env.add("b")
    script = Script(a=[TransportError("reset")] * 6)
    _, cred = await env.mgr.execute(MODEL, ["claude"], script)
    assert cred.id == "b" and script.calls == ["a"] * 6 + ["b"]
    assert env.sleeps == [0.1, 0.2, 0.4, 0.8, 1.0]
    assert env.mgr.get("a").failure_count == 1


async def test_request_retry_never_retries_429_or_404() -> None:
    env = Env(request_retry=3)
    env.add("a")
    env.add("b")
    script = Script(a=[up(429)], b=[up(404)])
    with pytest.raises(UpstreamError) as exc:
        await env.mgr.execute(MODEL, ["claude"], script)
    assert exc.value.status == 404
    assert script.calls == ["a", "b"] and env.sleeps == []


async def test_configuration_error_counts_without_cooling(env: Env) -> None:
    env.add("a")
    env.add("b")
    script = Script(a=[ConfigurationError("no base URL")])
    _, cred = await env.mgr.execute(MODEL, ["claude"], script)
    a = env.mgr.get("a")
    assert cred.id == "b"
    assert (a.failure_count, a.last_error, a.status) == (1, "no base URL", "active")
    assert MODEL not in a.model_states


async def test_deferred_success_is_left_to_the_caller(env: Env) -> None:
    env.add("a")
    _, cred = await env.mgr.execute(MODEL, ["claude"], Script(), record_success=False)
    assert cred.success_count == 0
    env.mgr.record_result(cred.id, MODEL, success=False, message="stream broke")
    assert cred.failure_count == 1 and cred.last_error == "stream broke"


async def test_unexpected_exception_is_noted_and_raised(env: Env) -> None:
    env.add("a")
    env.add("b")
    script = Script(a=[RuntimeError("boom")])
    with pytest.raises(RuntimeError):
        await env.mgr.execute(MODEL, ["claude"], script)
    a = env.mgr.get("a")
    assert a.failure_count == 1 and "boom" in a.last_error
    assert not isinstance(RuntimeError("x"), ProxyError)
