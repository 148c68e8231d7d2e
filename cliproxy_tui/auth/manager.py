"""Credential manager: the credential table, selection, cooldown and the retry loop.

Behaviour follows auth-manager.md §4 (selection §4.3, retry loop §4.4, result table §4.6,
quota backoff §4.7, aggregation §4.8). Everything runs on the proxy's one event loop, and
selection and result recording are plain synchronous code, so no other task can run
between reading a credential's state and writing it (§7) — no lock needed.

Deliberate deviations from the reference, each for the user's sake:

1. Runtime state survives a config/file ``modify`` (config.md §6.5 recommendation):
   ``upsert`` of a known id replaces configuration only; cooldowns, per-model states,
   counters and errors stay, and so do the registry's quota marks and suspensions.
2. ``remove`` drops the credential (the reference keeps a disabled ghost record).
3. An upstream 400, 413 or 422 is a mistake in the client's request: it is returned at
   once instead of being replayed on every credential, and the credential is not cooled
   down (the failure is recorded as non-blocking).
4. ``request_retry = N`` (config ``request-retry``, unused by the reference) retries the
   same credential up to N times, with 0.1 s, 0.2 s, 0.4 s … (capped at 1 s) between
   tries, when it fails transiently (408, 500, 502, 503, 504, or a transport error);
   only the final outcome is recorded. 429 is never retried on the same credential.
5. A model state is ``unavailable`` only while it actually blocks selection; the
   reference also flags non-blocking failures (404, network error), which made a
   credential look unavailable on the dashboard while it was still being used.
6. Across providers, any failure of a tried credential takes precedence over a later
   provider's "nothing to pick" error (the reference returns the last provider's error).
7. A ``ConfigurationError`` (credential unusable as configured) is counted as a failure
   with its message kept in ``last_error``, but changes no status and cools nothing.
8. Operator disable (``set_disabled``) survives upserts and is undone only by the operator.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Awaitable, Callable, TypeVar

from ..clock import Clock
from ..errors import (ConfigurationError, ModelCooldownError, NoCredentialError, ProxyError,
                      TransportError, cooldown_duration_text)
from ..registry import ModelRegistry, models_for_credential
from .model import Credential, ModelState, QuotaState

log = logging.getLogger(__name__)

T = TypeVar("T")

AUTH_BLOCK_SECONDS = 30 * 60.0
TRANSIENT_BLOCK_SECONDS = 60.0
QUOTA_BACKOFF_BASE = 1.0
QUOTA_BACKOFF_MAX = 30 * 60.0
_CURSOR_RESET_AT = 2_147_483_640
_MESSAGE_LIMIT = 1000  # upstream error bodies can be large; the dashboard shows one line

_TRANSIENT = frozenset({408, 500, 502, 503, 504})
_CLIENT_MISTAKE = frozenset({400, 413, 422})
_SUSPEND_REASON = {401: "unauthorized", 402: "payment_required", 403: "payment_required"}


def quota_cooldown(level: int, disable_cooling: bool) -> tuple[float, int]:
    """Cooldown for a 429 at backoff ``level`` and the level to store next (§4.7)."""
    if disable_cooling:
        return 0.0, level
    cooldown = QUOTA_BACKOFF_BASE * (2 ** max(level, 0))
    if cooldown >= QUOTA_BACKOFF_MAX:
        return QUOTA_BACKOFF_MAX, level
    return cooldown, level + 1


def _retry_delay(retry_index: int) -> float:
    return min(0.1 * (2 ** retry_index), 1.0)


class CredentialManager:
    """Holds every credential, picks one per attempt and records what happened."""

    def __init__(self, registry: ModelRegistry, clock: Clock, *, disable_cooling: bool = False,
                 request_retry: int = 0, has_executor: Callable[[str], bool] = lambda p: True,
                 on_change: Callable[[Credential], None] | None = None,
                 on_remove: Callable[[str], None] | None = None,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self._registry = registry
        self._clock = clock
        self._disable_cooling = disable_cooling
        self._request_retry = max(0, request_retry)
        self._has_executor = has_executor
        self._on_change = on_change
        self._on_remove = on_remove
        self._sleep = sleep
        self._creds: dict[str, Credential] = {}
        self._file_disabled: dict[str, bool] = {}
        # cred id → (status, status_message) to restore when the operator re-enables it
        self._operator_disabled: dict[str, tuple[str, str]] = {}
        self._cursors: dict[str, int] = {}
        self._provider_offsets: dict[str, int] = {}

    # -- settings -----------------------------------------------------------------------

    @property
    def disable_cooling(self) -> bool:
        return self._disable_cooling

    @property
    def request_retry(self) -> int:
        return self._request_retry

    def update_settings(self, disable_cooling: bool, request_retry: int) -> None:
        self._disable_cooling = disable_cooling
        self._request_retry = max(0, request_retry)

    # -- credential table ---------------------------------------------------------------

    def get(self, cred_id: str) -> Credential | None:
        return self._creds.get(cred_id)

    def all(self) -> list[Credential]:
        return [self._creds[k] for k in sorted(self._creds)]

    def upsert(self, cred: Credential) -> Credential:
        """Add a credential, or replace a known one's configuration keeping its runtime state.

        Returns the live record (for a known id that is the old object, updated in place,
        so references held elsewhere stay valid).
        """
        now = self._clock.now()
        live = self._creds.get(cred.id)
        if live is None:
            live = cred
            if not live.created_at:
                live.created_at = now
            self._creds[cred.id] = live
            self._file_disabled[cred.id] = cred.disabled
        elif live is cred:
            if cred.id not in self._operator_disabled:
                self._file_disabled[cred.id] = cred.disabled
        else:
            live.provider = cred.provider
            live.label = cred.label
            live.attributes = dict(cred.attributes)
            live.metadata = cred.metadata
            live.proxy_url = cred.proxy_url
            live.models = list(cred.models)
            live.model_aliases = dict(cred.model_aliases)
            self._file_disabled[cred.id] = cred.disabled
        live.updated_at = now
        self._apply_disabled(live)
        self._registry.register(live.id, live.provider, models_for_credential(live, now),
                                keep_marks=True)
        self._changed(live)
        return live

    def remove(self, cred_id: str) -> None:
        if self._creds.pop(cred_id, None) is None:
            return
        self._file_disabled.pop(cred_id, None)
        self._operator_disabled.pop(cred_id, None)
        self._registry.unregister(cred_id)
        if self._on_remove is not None:
            try:
                self._on_remove(cred_id)
            except Exception:
                log.exception("on_remove hook failed for %s", cred_id)

    def set_disabled(self, cred_id: str, disabled: bool) -> None:
        """Operator disable: the credential is never selected until re-enabled."""
        cred = self._creds.get(cred_id)
        if cred is None:
            return
        if disabled and cred_id not in self._operator_disabled:
            self._operator_disabled[cred_id] = (cred.status, cred.status_message)
        elif not disabled and cred_id in self._operator_disabled:
            status, message = self._operator_disabled.pop(cred_id)
            cred.status, cred.status_message = status, message
        cred.updated_at = self._clock.now()
        self._apply_disabled(cred)
        self._changed(cred)

    def clear_cooldown(self, cred_id: str, model: str | None = None) -> None:
        """Forget cooldowns and errors of one model (or all) of a credential."""
        cred = self._creds.get(cred_id)
        if cred is None:
            return
        now = self._clock.now()
        models = [model] if model is not None else sorted(
            set(cred.model_states) | set(self._registry.models_of(cred_id)))
        for m in models:
            cred.model_states.pop(m, None)
            self._registry.clear_quota_exceeded(cred_id, m)
            self._registry.resume(cred_id, m)
        if model is None:
            cred.last_error = ""
        cred.updated_at = now
        self._settle_status(cred)
        self._aggregate(cred, now)
        self._changed(cred)

    # -- selection ----------------------------------------------------------------------

    def pick(self, provider: str, model: str, tried: set[str]) -> Credential:
        """Round-robin choice among the provider's usable credentials (§4.3)."""
        provider = provider.lower()
        candidates = [c for c in self._creds.values()
                      if c.provider == provider and not c.disabled and c.id not in tried
                      and self._offers(c, provider, model)]
        if not candidates:
            raise NoCredentialError("auth_not_found", "no auth available")
        now = self._clock.now()
        available: list[Credential] = []
        cooling = 0
        earliest: float | None = None
        for cred in candidates:
            blocked, for_quota, recover = _blocked(cred, model, now)
            if not blocked:
                available.append(cred)
            elif for_quota:
                cooling += 1
                if recover is not None and (earliest is None or recover < earliest):
                    earliest = recover
        if not available:
            if cooling == len(candidates) and earliest is not None:
                wait = max(0.0, earliest - now)
                raise ModelCooldownError(model, provider, reset_seconds=math.ceil(wait),
                                         reset_time=cooldown_duration_text(wait))
            raise NoCredentialError("auth_unavailable", "no auth available")
        available.sort(key=lambda c: c.id)
        key = f"{provider}:{model}"
        cursor = self._cursors.get(key, 0)
        if cursor >= _CURSOR_RESET_AT:
            cursor = 0
        self._cursors[key] = cursor + 1
        return available[cursor % len(available)]

    def _offers(self, cred: Credential, provider: str, model: str) -> bool:
        """Only credentials that offer ``model`` are candidates (a deviation from upstream,
        which picks any credential of the provider: a Claude key whose ``models`` list
        points at another vendor's Anthropic-compatible API must not get Claude models).
        A model no credential of the provider registered (newer than the catalog, or a
        ``name://model`` route) may go to any credential without a model list of its own.
        """
        served = self._registry.serves(cred.id, provider, model)
        if served is not None:
            return served
        return not cred.models or "compat_name" in cred.attributes

    # -- results ------------------------------------------------------------------------

    def record_result(self, cred_id: str, model: str, *, success: bool, status: int = 0,
                      message: str = "", configuration_error: bool = False) -> None:
        """Apply one attempt's outcome to the live record (§4.6) and the registry.

        ``configuration_error`` marks a failure that is the configuration's fault, not the
        credential's: it is counted and its message kept, nothing else changes.
        """
        cred = self._creds.get(cred_id)
        if cred is None:
            return  # removed while the attempt was running
        now = self._clock.now()
        cred.last_used_at = now
        cred.updated_at = now
        message = message[:_MESSAGE_LIMIT]
        if success:
            cred.success_count += 1
            if model:
                self._record_model_success(cred, model, now)
            else:
                cred.unavailable = False
                cred.next_retry_after = None
                cred.quota = QuotaState()
            self._settle_status(cred)
        elif configuration_error:
            cred.failure_count += 1
            cred.last_error = message
        else:
            cred.failure_count += 1
            if model:
                self._record_model_failure(cred, model, status, message, now)
            else:
                self._record_auth_failure(cred, status, now)
            if cred.status != "disabled":
                cred.status = "error"
                cred.status_message = message
            cred.last_error = message
        if model:
            self._aggregate(cred, now)
        self._changed(cred)

    def _record_model_success(self, cred: Credential, model: str, now: float) -> None:
        cred.model_states[model] = ModelState(updated_at=now)
        self._registry.clear_quota_exceeded(cred.id, model)
        self._registry.resume(cred.id, model)

    def _record_model_failure(self, cred: Credential, model: str, status: int, message: str,
                              now: float) -> None:
        state = cred.model_states.get(model)
        if state is None:
            state = cred.model_states[model] = ModelState()
        state.status = "error"
        state.status_message = message
        state.last_error = message
        state.last_status = status
        state.updated_at = now
        retry_at, quota = self._backoff(status, state.quota, now)
        if quota is not None:
            state.quota = quota
            self._registry.set_quota_exceeded(cred.id, model)
            self._registry.suspend(cred.id, model, "quota")
        elif status in _SUSPEND_REASON:
            self._registry.suspend(cred.id, model, _SUSPEND_REASON[status])
        state.next_retry_after = retry_at
        state.unavailable = retry_at is not None

    def _record_auth_failure(self, cred: Credential, status: int, now: float) -> None:
        # Results without a model apply the table to the credential itself (§4.6).
        retry_at, quota = self._backoff(status, cred.quota, now)
        if quota is not None:
            cred.quota = quota
        cred.unavailable = retry_at is not None
        cred.next_retry_after = retry_at

    def _backoff(self, status: int, quota: QuotaState,
                 now: float) -> tuple[float | None, QuotaState | None]:
        """§4.6 for a failed status: when to retry (None: not blocked), and the new quota
        state after a 429 (None: quota unchanged)."""
        if status in _SUSPEND_REASON:
            return now + AUTH_BLOCK_SECONDS, None
        if status == 429:
            cooldown, level = quota_cooldown(quota.backoff_level, self._disable_cooling)
            retry_at = now + cooldown if cooldown > 0 else None
            return retry_at, QuotaState(exceeded=True, reason="quota", next_recover_at=retry_at,
                                        backoff_level=level)
        if status in _TRANSIENT:
            return now + TRANSIENT_BLOCK_SECONDS, None
        return None, None

    def _settle_status(self, cred: Credential) -> None:
        """After a success or a cleared cooldown: back to active unless a model still errs."""
        if cred.status == "disabled":
            return
        if any(s.status == "error" or s.last_error for s in cred.model_states.values()):
            return
        cred.status = "active"
        cred.status_message = ""
        cred.last_error = ""

    @staticmethod
    def _aggregate(cred: Credential, now: float) -> None:
        """Credential-level availability and quota from its model states (§4.8)."""
        all_blocked = bool(cred.model_states)
        earliest: float | None = None
        quota_exceeded = False
        recover: float | None = None
        level = 0
        for state in cred.model_states.values():
            blocked = False
            if state.status == "disabled":
                blocked = True
            elif state.unavailable:
                if state.next_retry_after is None:
                    blocked = True
                elif state.next_retry_after > now:
                    blocked = True
                    if earliest is None or state.next_retry_after < earliest:
                        earliest = state.next_retry_after
                else:
                    state.unavailable = False
                    state.next_retry_after = None
            if not blocked:
                all_blocked = False
            if state.quota.exceeded:
                quota_exceeded = True
                nra = state.quota.next_recover_at
                if nra is not None and (recover is None or nra < recover):
                    recover = nra
                level = max(level, state.quota.backoff_level)
        cred.unavailable = all_blocked
        cred.next_retry_after = earliest if all_blocked else None
        cred.quota = (QuotaState(exceeded=True, reason="quota", next_recover_at=recover,
                                 backoff_level=level) if quota_exceeded else QuotaState())

    # -- execution ----------------------------------------------------------------------

    async def execute(self, model: str, providers: list[str],
                      attempt: Callable[[Credential], Awaitable[T]], *,
                      record_success: bool = True) -> tuple[T, Credential]:
        """Run ``attempt`` with credentials of ``providers`` until one succeeds (§4.2, §4.4).

        ``attempt`` receives the live credential record and must not mutate it; it raises
        a ``ProxyError`` on failure. Returns its result and the credential that served.
        With ``record_success=False`` a success is not recorded: a streaming caller
        records the outcome itself with ``record_result`` once the stream has ended.
        """
        ordered = list(dict.fromkeys(p.lower() for p in providers if p))
        if not ordered:
            raise NoCredentialError("provider_not_found", "no provider supplied")
        offset = self._provider_offsets.get(model, 0)
        if offset >= _CURSOR_RESET_AT:
            offset = 0
        self._provider_offsets[model] = offset + 1
        start = offset % len(ordered)
        ordered = ordered[start:] + ordered[:start]

        last_failure: ProxyError | None = None
        pick_error: ProxyError | None = None
        for provider in ordered:
            if not self._has_executor(provider):
                pick_error = NoCredentialError("executor_not_found", "executor not registered")
                continue
            tried: set[str] = set()
            while True:
                try:
                    cred = self.pick(provider, model, tried)
                except ProxyError as exc:
                    pick_error = exc
                    break
                tried.add(cred.id)
                try:
                    result = await self._attempt_with_retries(cred, attempt)
                except ProxyError as exc:
                    self._record_failure(cred.id, model, exc)
                    last_failure = exc
                    if exc.upstream_status in _CLIENT_MISTAKE:
                        raise
                    continue
                except asyncio.CancelledError:
                    raise  # the client went away: nothing to hold against the credential
                except Exception as exc:
                    # A bug below us, not an upstream verdict: note it and surface it.
                    self.record_result(cred.id, model, success=False,
                                       message=f"{type(exc).__name__}: {exc}",
                                       configuration_error=True)
                    raise
                if record_success:
                    self.record_result(cred.id, model, success=True)
                return result, cred
        if last_failure is not None:
            raise last_failure
        assert pick_error is not None  # every provider ended in a pick or executor error
        raise pick_error

    async def _attempt_with_retries(self, cred: Credential,
                                    attempt: Callable[[Credential], Awaitable[T]]) -> T:
        retries = 0
        while True:
            try:
                return await attempt(cred)
            except ProxyError as exc:
                if retries >= self._request_retry or not _is_transient(exc):
                    raise
                if self._creds.get(cred.id) is not cred or cred.disabled:
                    raise  # removed or disabled meanwhile: do not keep using it
                await self._sleep(_retry_delay(retries))
                retries += 1

    def _record_failure(self, cred_id: str, model: str, exc: ProxyError) -> None:
        self.record_result(cred_id, model, success=False, status=exc.upstream_status,
                           message=exc.message,
                           configuration_error=isinstance(exc, ConfigurationError))

    def _apply_disabled(self, cred: Credential) -> None:
        if self._file_disabled.get(cred.id, False) or cred.id in self._operator_disabled:
            cred.disabled = True
            cred.status = "disabled"
            return
        cred.disabled = False
        if cred.status == "disabled":
            erring = [s for s in cred.model_states.values() if s.status == "error"]
            cred.status = "error" if erring else "active"
            cred.status_message = erring[-1].status_message if erring else ""

    def _changed(self, cred: Credential) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(cred)
        except Exception:
            # A failing observer must not break the request that triggered it.
            log.exception("on_change hook failed for %s", cred.id)


def _is_transient(exc: ProxyError) -> bool:
    status = exc.upstream_status
    return status in _TRANSIENT or (status == 0 and isinstance(exc, TransportError))


def _blocked(cred: Credential, model: str, now: float) -> tuple[bool, bool, float | None]:
    """(blocked, blocked for quota, recovery time) of a candidate for ``model`` (§4.3)."""
    if cred.disabled or cred.status == "disabled":
        return True, False, None
    if model:
        state = cred.model_states.get(model)
        if state is None:
            return False, False, None
        if state.status == "disabled":
            return True, False, None
        retry_at = state.next_retry_after
        if state.unavailable and retry_at is not None and retry_at > now:
            return True, state.quota.exceeded, _recovery(state.quota, retry_at, now)
        return False, False, None
    retry_at = cred.next_retry_after
    if cred.unavailable and retry_at is not None and retry_at > now:
        return True, cred.quota.exceeded, _recovery(cred.quota, retry_at, now)
    return False, False, None


def _recovery(quota: QuotaState, retry_at: float, now: float) -> float:
    nra = quota.next_recover_at
    return nra if nra is not None and nra > now else retry_at
