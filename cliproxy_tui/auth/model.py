"""The credential record (auth-manager.md §1).

A ``Credential`` lives on the proxy's event loop and is mutated only there (by the
manager, under its no-await critical sections). Other threads see frozen copies made by
``views.CredentialView.of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..masking import mask_last4


@dataclass
class QuotaState:
    exceeded: bool = False
    reason: str = ""
    next_recover_at: float | None = None
    backoff_level: int = 0


@dataclass
class ModelState:
    status: str = "active"
    status_message: str = ""
    unavailable: bool = False
    next_retry_after: float | None = None
    last_error: str = ""
    last_status: int = 0
    quota: QuotaState = field(default_factory=QuotaState)
    updated_at: float = 0.0


@dataclass
class Credential:
    """One credential: a configured API key, an OAuth token file or an AI Studio channel.

    ``attributes`` holds configuration facts (``api_key``, ``base_url``, ``source``,
    ``path``, ``compat_name``, ``provider_key``, ``models_hash``); ``metadata`` the file
    JSON of file credentials. ``model_aliases`` maps a lower-cased client-facing model id
    to the upstream model name (claude ``models``, openai-compatibility ``models``).
    """

    id: str
    provider: str
    label: str = ""
    status: str = "active"
    status_message: str = ""
    disabled: bool = False
    unavailable: bool = False
    proxy_url: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    model_aliases: dict[str, str] = field(default_factory=dict)
    #: models this credential offers, as catalog entries (dicts with at least ``id``)
    models: list[dict[str, Any]] = field(default_factory=list)
    quota: QuotaState = field(default_factory=QuotaState)
    last_error: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    last_refreshed_at: float | None = None
    #: why the last token refresh failed ("" after a success); see auth/refresh.py
    refresh_error: str = ""
    next_retry_after: float | None = None
    model_states: dict[str, ModelState] = field(default_factory=dict)
    # runtime counters (kept across config modifies, see config.md §6.5 recommendation)
    success_count: int = 0
    failure_count: int = 0
    last_used_at: float | None = None

    @property
    def api_key(self) -> str:
        return self.attributes.get("api_key", "")

    @property
    def base_url(self) -> str:
        return self.attributes.get("base_url", "")

    @property
    def is_api_key(self) -> bool:
        """API-key credentials have nothing to refresh."""
        return bool(self.attributes.get("api_key")) or self.id.split(":", 1)[0] in (
            "gemini", "claude", "codex", "openai-compatibility")

    def display_label(self) -> str:
        """Label safe for screens and logs: e-mail for OAuth, ``…abcd`` for keys."""
        email = (self.metadata or {}).get("email") if self.metadata else None
        if isinstance(email, str) and email:
            return email
        if self.api_key:
            base = self.label or self.provider
            return f"{base} {mask_last4(self.api_key)}"
        return self.label or self.provider

    def config_equal(self, other: "Credential") -> bool:
        """Same configuration (what a config/file recompute compares, config.md §6.3)."""
        return (self.provider == other.provider and self.label == other.label
                and self.proxy_url == other.proxy_url and self.attributes == other.attributes
                and self.metadata == other.metadata and self.model_aliases == other.model_aliases
                and self.models == other.models)
