"""A self-contained, deterministic stand-in for the service, with realistic data.

It has the dashboard's service surface (``bridge.DashboardService``) and behaves like the
real one at that surface: commands change the credential and publish the change. It feeds
``screenshots/make_screenshots.py`` and the snapshot tests, and lets anyone look at the
dashboard without credentials: ``python -m cliproxy_tui.tui.demo``.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import random
from collections import deque
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from ..events import CredentialChanged, EventHub, LogLine
from ..usage import Counts, UsageRecord, UsageTotals
from ..views import CredentialView, ModelCooldownView, ModelView, ServiceSnapshot

#: 2025-10-09 08:53:20 UTC: the demo's "now"
DEMO_NOW = 1_760_000_000.0

_CLAUDE = ("claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5")
_CODEX = ("gpt-5", "gpt-5-codex", "gpt-5-mini")
_GEMINI = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite")


def _cred(id: str, provider: str, label: str, source: str, models: tuple[str, ...], *,
          now: float, state: str = "active", ok: int = 0, fail: int = 0,
          used: float | None = None, error: str = "", can_refresh: bool = False,
          until: float | None = None,
          cooldowns: tuple[ModelCooldownView, ...] = ()) -> CredentialView:
    return CredentialView(
        id=id, provider=provider, label=label, state=state,
        status_message=error if state in ("error", "unavailable", "refresh-error") else "",
        disabled=state == "disabled", unavailable=state == "unavailable",
        next_retry_after=until, last_error=error, success_count=ok, failure_count=fail,
        last_used_at=None if used is None else now - used,
        last_refreshed_at=now - 1800 if can_refresh else None, source=source,
        models=models, cooldowns=cooldowns, can_refresh=can_refresh)


def demo_credentials(now: float = DEMO_NOW) -> list[CredentialView]:
    return [
        _cred("claude-ada@example.com.json", "claude", "ada@example.com", "file", _CLAUDE,
              now=now, ok=412, fail=3, used=4, can_refresh=True),
        _cred("codex-ada@example.com.json", "codex", "ada@example.com", "file", _CODEX,
              now=now, state="cooling", ok=88, fail=5, used=41, can_refresh=True,
              error="429 The usage limit has been reached",
              cooldowns=(ModelCooldownView("gpt-5-codex", "error", "usage limit reached",
                                           now + 95, True, 6),)),
        _cred("gemini-ben@example.org-my-project.json", "gemini-cli", "ben@example.org",
              "file", _GEMINI, now=now, state="refresh-error", ok=57, fail=2, used=3 * 3600,
              can_refresh=True, error="token refresh failed: invalid_grant (sign in again)"),
        _cred("gemini:4f1c2a9b7d30", "gemini", "gemini …9xQa", "config", _GEMINI, now=now,
              ok=230, fail=1, used=12),
        _cred("claude:0b9e61d2aa47", "claude", "claude-apikey …k3Fz", "config", _CLAUDE,
              now=now, state="disabled", ok=19, fail=0, used=2 * 86400),
        _cred("openai-compatibility:openrouter:9c2d", "openrouter", "openrouter …71ab",
              "config", ("deepseek-r1", "qwen3-coder", "kimi-k2"), now=now,
              state="unavailable", ok=64, fail=9, used=300, until=now + 1500,
              error="401 invalid api key"),
        _cred("aistudio-ws-laptop", "aistudio", "AI Studio (laptop browser)", "channel",
              ("gemini-2.5-pro", "gemini-2.5-flash"), now=now, ok=7, used=600),
    ]


def models_of(creds: list[CredentialView], now: float) -> tuple[ModelView, ...]:
    serving: dict[str, list[CredentialView]] = {}
    for view in creds:
        for model in view.models:
            serving.setdefault(model, []).append(view)
    out = []
    for model, views in sorted(serving.items()):
        usable = any(not v.disabled and not v.unavailable and not any(
            c.model == model and (c.next_retry_after or 0) > now for c in v.cooldowns)
            for v in views)
        out.append(ModelView(id=model, owned_by=views[0].provider,
                             providers=tuple(sorted({v.provider for v in views})),
                             credential_ids=tuple(sorted(v.id for v in views)),
                             available=usable))
    return tuple(out)


class DemoUsage:
    """The usage store's live reads, computed from a fixed list of records."""

    def __init__(self, records: list[UsageRecord], now: float, history: Counts) -> None:
        self._records = records
        self._now = now
        self._history = history

    def add(self, record: UsageRecord) -> None:
        self._records.append(record)

    @staticmethod
    def _count(records: list[UsageRecord]) -> Counts:
        return Counts(requests=len(records),
                      failures=sum(r.counts_as_failure() for r in records),
                      input_tokens=sum(r.input_tokens for r in records),
                      output_tokens=sum(r.output_tokens for r in records),
                      cached_tokens=sum(r.cached_tokens for r in records),
                      reasoning_tokens=sum(r.reasoning_tokens for r in records),
                      total_tokens=sum(r.tokens_total() for r in records))

    def totals(self) -> UsageTotals:
        today = self._count(self._records)
        h = self._history
        all_time = Counts(*(a + b for a, b in zip(dataclasses.astuple(today),
                                                   dataclasses.astuple(h))))
        return UsageTotals(all_time=all_time, today=today)

    def _grouped(self, attr: str) -> Mapping[str, Counts]:
        groups: dict[str, list[UsageRecord]] = {}
        for r in self._records:
            groups.setdefault(getattr(r, attr), []).append(r)
        return {k: self._count(v) for k, v in groups.items()}

    def by_model(self) -> Mapping[str, Counts]:
        return self._grouped("model")

    def by_credential(self) -> Mapping[str, Counts]:
        return self._grouped("credential_id")

    def recent(self, n: int = 50) -> list[UsageRecord]:
        return self._records[-n:] if n > 0 else []

    def per_minute(self, minutes: int = 60) -> list[tuple[float, int, int]]:
        last = int(self._now // 60) * 60
        first = last - (minutes - 1) * 60
        slots = {m: [0, 0] for m in range(first, last + 60, 60)}
        for r in self._records:
            m = int(r.time // 60) * 60
            if m in slots:
                slots[m][0] += 1
                slots[m][1] += r.tokens_total()
        return [(float(m), req, tok) for m, (req, tok) in slots.items()]


def demo_records(creds: list[CredentialView], now: float, n: int = 90) -> list[UsageRecord]:
    rng = random.Random(7)
    usable = [c for c in creds if c.state in ("active", "cooling")]
    formats = ("openai", "claude", "openai-responses", "gemini")
    out = []
    # bursty traffic over the last half hour: quiet stretches and busy minutes
    times = sorted(now - 1790 * rng.betavariate(1.2, 2.4) - 1 for _ in range(n))
    for i, t in enumerate(times):
        cred = rng.choice(usable)
        failed = rng.random() < 0.06
        stream = rng.random() < 0.6
        inp = rng.randint(200, 24000)
        outp = 0 if failed else rng.randint(20, 3000)
        out.append(UsageRecord(
            time=t, client_key="sk-c...nt-1", client_format=rng.choice(formats),
            model=rng.choice(cred.models), served_model="", provider=cred.provider,
            credential_id=cred.id, credential_label=cred.label,
            status=rng.choice((429, 500)) if failed else 200, failed=failed,
            input_tokens=inp, output_tokens=outp, cached_tokens=rng.choice((0, 0, inp // 2)),
            reasoning_tokens=rng.choice((0, 0, outp // 3)), latency_ms=rng.uniform(300, 9000),
            ttfb_ms=rng.uniform(150, 900) if stream else None, stream=stream,
            request_id=f"r{i + 1}"))
    return out


def demo_logs(now: float) -> list[LogLine]:
    lines = [
        (600, "INFO", "cliproxy_tui.service", "API server listening on http://127.0.0.1:8317"),
        (598, "INFO", "cliproxy_tui.auth", "loaded 7 credentials (4 files, 3 from config)"),
        (540, "INFO", "cliproxy_tui.aistudio", "AI Studio channel laptop connected"),
        (480, "WARNING", "cliproxy_tui.manager",
         "codex ada@example.com: 429 on gpt-5-codex, cooling down 64s"),
        (420, "INFO", "cliproxy_tui.service", "config: request-retry 2 → 3"),
        (360, "ERROR", "cliproxy_tui.refresh",
         "gemini-cli ben@example.org: token refresh failed: invalid_grant"),
        (300, "WARNING", "cliproxy_tui.manager",
         "openrouter …71ab: 401 invalid api key, suspended for 30m"),
        (240, "DEBUG", "cliproxy_tui.server", "POST /v1/chat/completions model=gpt-5 stream"),
        (180, "INFO", "cliproxy_tui.service", "credential claude:0b9e61d2aa47 disabled"),
        (120, "WARNING", "cliproxy_tui.manager",
         "codex ada@example.com: 429 on gpt-5-codex, cooling down 128s"),
        (60, "INFO", "cliproxy_tui.watcher", "auth dir changed: 1 credential updated"),
        (5, "INFO", "cliproxy_tui.server", "client disconnected during a stream; upstream closed"),
    ]
    return [LogLine(now - ago, level, name, msg) for ago, level, name, msg in lines]


class DemoService:
    """In-memory service: fixed data, working commands, events on ``events``."""

    def __init__(self, now: float = DEMO_NOW, *, with_traffic: bool = True) -> None:
        self.now = now
        self.events = EventHub()
        self.base_url = "http://127.0.0.1:8317"
        self.config = SimpleNamespace(api_keys=("sk-client-demo-4a7f", "sk-second-key-9d2c"))
        self._creds = {c.id: c for c in demo_credentials(now)}
        records = demo_records(list(self._creds.values()), now) if with_traffic else []
        history = Counts(21_840, 390, 61_200_000, 9_800_000, 18_400_000, 1_200_000, 72_200_000)
        self.usage = DemoUsage(records, now, history if with_traffic else Counts())
        self.log_handler = SimpleNamespace(recent=deque(demo_logs(now), maxlen=1000))
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def snapshot(self) -> ServiceSnapshot:
        creds = tuple(self._creds.values())
        return ServiceSnapshot(
            state="running", listen="127.0.0.1:8317", base_url=self.base_url,
            started_at=self.now - 3725, access_keys_on=True, config_path="config.yaml",
            credentials=creds, models=models_of(list(creds), self.now), usage=self.usage.totals(),
            requests_total=len(self.usage.recent(10_000)))

    def _change(self, cred_id: str, **fields: Any) -> concurrent.futures.Future:
        fut: concurrent.futures.Future = concurrent.futures.Future()
        view = self._creds.get(cred_id)
        if view is None:
            fut.set_exception(KeyError(f"no credential {cred_id}"))
            return fut
        view = dataclasses.replace(view, **fields)
        self._creds[cred_id] = view
        self.events.publish(CredentialChanged(view))
        fut.set_result(view)
        return fut

    def disable_credential(self, cred_id: str) -> concurrent.futures.Future:
        self.calls.append(("disable_credential", (cred_id,)))
        return self._change(cred_id, disabled=True, state="disabled")

    def enable_credential(self, cred_id: str) -> concurrent.futures.Future:
        self.calls.append(("enable_credential", (cred_id,)))
        return self._change(cred_id, disabled=False, state="active")

    def clear_cooldown(self, cred_id: str, model: str | None = None) -> concurrent.futures.Future:
        self.calls.append(("clear_cooldown", (cred_id, model)))
        return self._change(cred_id, cooldowns=(), unavailable=False, next_retry_after=None,
                            state="active")

    def refresh_credential(self, cred_id: str) -> concurrent.futures.Future:
        self.calls.append(("refresh_credential", (cred_id,)))
        return self._change(cred_id, last_refreshed_at=self.now, state="active",
                            last_error="")

    def reload_config(self) -> concurrent.futures.Future:
        self.calls.append(("reload_config", ()))
        fut: concurrent.futures.Future = concurrent.futures.Future()
        fut.set_result(True)
        return fut


def main() -> None:  # pragma: no cover - interactive
    from .app import DashboardApp

    service = DemoService()
    DashboardApp(service, now=lambda: service.now).run()


if __name__ == "__main__":  # pragma: no cover
    main()
