"""Immutable views of the service's state, safe to hand to another thread.

The dashboard and embedders read only these; they never see live objects of the
proxy's loop. Secrets are already masked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .auth.model import Credential


@dataclass(frozen=True, slots=True)
class ModelCooldownView:
    model: str
    status: str
    message: str
    next_retry_after: float | None
    quota_exceeded: bool
    backoff_level: int


@dataclass(frozen=True, slots=True)
class CredentialView:
    id: str
    provider: str
    label: str
    #: active, cooling, unavailable, disabled, error, refresh-error, unsupported
    state: str
    status_message: str
    disabled: bool
    unavailable: bool
    next_retry_after: float | None
    last_error: str
    success_count: int
    failure_count: int
    last_used_at: float | None
    last_refreshed_at: float | None
    source: str
    models: tuple[str, ...]
    cooldowns: tuple[ModelCooldownView, ...]
    can_refresh: bool

    @classmethod
    def of(cls, cred: Credential, models: list[str], now: float) -> "CredentialView":
        cooldowns = []
        for model, st in sorted(cred.model_states.items()):
            if st.unavailable and st.next_retry_after is not None and st.next_retry_after > now:
                cooldowns.append(ModelCooldownView(
                    model=model, status=st.status, message=_short(st.status_message),
                    next_retry_after=st.next_retry_after, quota_exceeded=st.quota.exceeded,
                    backoff_level=st.quota.backoff_level))
        if cred.disabled:
            state = "disabled"
        elif cred.unavailable and cred.next_retry_after and cred.next_retry_after > now:
            state = "unavailable"
        elif cooldowns:
            state = "cooling"
        elif "unsupported" in cred.attributes:
            state = "unsupported"
        elif cred.refresh_error:
            state = "refresh-error"
        elif cred.status == "error":
            state = "error"
        else:
            state = "active"
        source = cred.attributes.get("source", "")
        return cls(
            id=cred.id, provider=cred.provider, label=cred.display_label(), state=state,
            status_message=_short(cred.attributes.get("unsupported") or cred.refresh_error
                                  or cred.status_message), disabled=cred.disabled,
            unavailable=cred.unavailable, next_retry_after=cred.next_retry_after,
            last_error=_short(cred.last_error), success_count=cred.success_count,
            failure_count=cred.failure_count, last_used_at=cred.last_used_at,
            last_refreshed_at=cred.last_refreshed_at,
            source="config" if source.startswith("config:") else source,
            models=tuple(models), cooldowns=tuple(cooldowns), can_refresh=not cred.is_api_key,
        )


@dataclass(frozen=True, slots=True)
class ModelView:
    id: str
    owned_by: str
    providers: tuple[str, ...]
    credential_ids: tuple[str, ...]
    #: False when every credential serving it is cooling down, disabled or suspended
    available: bool


@dataclass(frozen=True, slots=True)
class ServiceSnapshot:
    state: str
    listen: str
    base_url: str
    started_at: float | None
    access_keys_on: bool
    config_path: str
    credentials: tuple[CredentialView, ...]
    models: tuple[ModelView, ...]
    usage: Any  # usage.UsageTotals
    requests_total: int


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
