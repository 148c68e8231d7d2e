"""Model registry: which credentials offer which model ids (auth-manager.md §5).

The registry knows credentials only by id and provider key; it never sees executors.
It answers three questions: which providers serve a model (routing, §5.5), which models
to list (§5.4) and what a model's catalog entry is. Every change bumps ``version`` so the
service can tell cheaply when to publish a models-changed event. A quota mark stops
counting after 5 minutes without a change (and without a version bump): a listing taken
later may therefore differ for the same version.

The module also holds the model-name resolution that runs before the registry lookup
(server.md §5 steps 1–3, auth-manager.md §4.1).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import catalog
from .clock import Clock

if TYPE_CHECKING:
    from .auth.model import Credential

QUOTA_MARK_SECONDS = 300.0
"""How long a quota mark keeps a model "rate limited" in the listing rule (§5.2)."""


@dataclass
class _ModelEntry:
    info: dict[str, Any]
    clients: Counter[str] = field(default_factory=Counter)  # cred id → registrations
    providers: Counter[str] = field(default_factory=Counter)  # provider key → registrations
    quota_exceeded: dict[str, float] = field(default_factory=dict)  # cred id → marked at
    suspended: dict[str, str] = field(default_factory=dict)  # cred id → reason
    updated_at: float = 0.0

    @property
    def count(self) -> int:
        return sum(self.clients.values())


class ModelRegistry:
    """Model id → registered credentials, per-provider counts, quota marks, suspensions."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._models: dict[str, _ModelEntry] = {}
        self._cred_models: dict[str, list[str]] = {}  # cred id → ids as listed (repeats kept)
        self._cred_provider: dict[str, str] = {}
        self._version = 0

    @property
    def version(self) -> int:
        return self._version

    # -- registration -------------------------------------------------------------------

    def register(self, cred_id: str, provider: str, models: list[dict[str, Any]], *,
                 keep_marks: bool = False) -> None:
        """(Re)register the models a credential offers; an empty list unregisters it.

        Re-registration clears this credential's quota marks and suspensions for the
        models it still lists (§5.2) unless ``keep_marks`` is set — the manager sets it
        because it keeps runtime state across a config/file modify (config.md §6.5).
        """
        provider = provider.lower()
        new_ids = [m["id"] for m in models if isinstance(m.get("id"), str) and m["id"]]
        if not new_ids:
            self.unregister(cred_id)
            return
        infos: dict[str, dict[str, Any]] = {}
        for m in models:
            mid = m.get("id")
            if isinstance(mid, str) and mid and mid not in infos:
                infos[mid] = dict(m)
        now = self._clock.now()
        old_ids = self._cred_models.get(cred_id, [])
        old_provider = self._cred_provider.get(cred_id, provider)
        old_counts, new_counts = Counter(old_ids), Counter(new_ids)

        for mid, n in old_counts.items():
            entry = self._models[mid]
            entry.clients[cred_id] -= n
            entry.providers[old_provider] -= n
            if entry.clients[cred_id] <= 0:
                del entry.clients[cred_id]
            if entry.providers[old_provider] <= 0:
                del entry.providers[old_provider]
            if mid not in new_counts:
                entry.quota_exceeded.pop(cred_id, None)
                entry.suspended.pop(cred_id, None)
                entry.updated_at = now
                if not entry.clients:
                    del self._models[mid]

        for mid, n in new_counts.items():
            entry = self._models.get(mid)
            if entry is None:
                entry = self._models[mid] = _ModelEntry(info=infos[mid])
            entry.info = infos[mid]
            entry.clients[cred_id] += n
            entry.providers[provider] += n
            entry.updated_at = now
            if not keep_marks:
                entry.quota_exceeded.pop(cred_id, None)
                entry.suspended.pop(cred_id, None)

        self._cred_models[cred_id] = new_ids
        self._cred_provider[cred_id] = provider
        self._version += 1

    def unregister(self, cred_id: str) -> None:
        old_ids = self._cred_models.pop(cred_id, None)
        provider = self._cred_provider.pop(cred_id, "")
        if old_ids is None:
            return
        now = self._clock.now()
        for mid, n in Counter(old_ids).items():
            entry = self._models[mid]
            entry.clients.pop(cred_id, None)
            entry.providers[provider] -= n
            if entry.providers[provider] <= 0:
                del entry.providers[provider]
            entry.quota_exceeded.pop(cred_id, None)
            entry.suspended.pop(cred_id, None)
            entry.updated_at = now
            if not entry.clients:
                del self._models[mid]
        self._version += 1

    # -- marks --------------------------------------------------------------------------

    def set_quota_exceeded(self, cred_id: str, model: str) -> None:
        entry = self._models.get(model)
        if entry is not None:
            entry.quota_exceeded[cred_id] = self._clock.now()
            self._version += 1

    def clear_quota_exceeded(self, cred_id: str, model: str) -> None:
        entry = self._models.get(model)
        if entry is not None and entry.quota_exceeded.pop(cred_id, None) is not None:
            self._version += 1

    def suspend(self, cred_id: str, model: str, reason: str) -> None:
        """Hide this credential from the model's listing count until it succeeds again."""
        entry = self._models.get(model)
        if entry is not None and cred_id not in entry.suspended:
            entry.suspended[cred_id] = reason
            self._version += 1

    def resume(self, cred_id: str, model: str) -> None:
        entry = self._models.get(model)
        if entry is not None and entry.suspended.pop(cred_id, None) is not None:
            self._version += 1

    # -- queries ------------------------------------------------------------------------

    def providers_for(self, model: str) -> list[str]:
        """Providers serving ``model`` exactly: most registrations first, then by name."""
        entry = self._models.get(model)
        if entry is None:
            return []
        live = [(p, n) for p, n in entry.providers.items() if n > 0]
        return [p for p, _ in sorted(live, key=lambda pn: (-pn[1], pn[0]))]

    def credentials_for(self, model: str) -> list[str]:
        entry = self._models.get(model)
        return sorted(entry.clients) if entry is not None else []

    def serves(self, cred_id: str, provider: str, model: str) -> bool | None:
        """Whether ``cred_id`` registered ``model``; None when no credential of
        ``provider`` did (a model outside the catalog, or a ``name://model`` route)."""
        entry = self._models.get(model)
        if entry is None or not entry.providers.get(provider):
            return None
        return entry.clients.get(cred_id, 0) > 0

    def models_of(self, cred_id: str) -> list[str]:
        return list(dict.fromkeys(self._cred_models.get(cred_id, ())))

    def model_info(self, model_id: str) -> dict[str, Any] | None:
        entry = self._models.get(model_id)
        return dict(entry.info) if entry is not None else None

    def available_models(self) -> list[dict[str, Any]]:
        """Catalog entries of every listable model (§5.4), sorted by id."""
        now = self._clock.now()
        return [dict(self._models[mid].info) for mid in sorted(self._models)
                if self._listable(self._models[mid], now)]

    @staticmethod
    def _listable(entry: _ModelEntry, now: float) -> bool:
        count = entry.count
        if count <= 0:
            return False
        q = sum(1 for t in entry.quota_exceeded.values() if now - t < QUOTA_MARK_SECONDS)
        sq = sum(1 for r in entry.suspended.values() if r == "quota")
        so = len(entry.suspended) - sq
        # Rate-limited models stay listed; a model vanishes only when every credential
        # offering it is blocked for auth/payment reasons.
        return count - q - so > 0 or ((q > 0 or sq > 0) and so == 0)

    # Convenience aliases: callers holding only the registry instance can reach these.
    @staticmethod
    def models_for_credential(cred: "Credential", now: float) -> list[dict[str, Any]]:
        return models_for_credential(cred, now)

    @staticmethod
    def resolve_model(raw: str, compat_names: frozenset[str]) -> "ResolvedModel":
        return resolve_model(raw, compat_names)


def models_for_credential(cred: "Credential", now: float) -> list[dict[str, Any]]:
    """The model list a credential registers (auth-manager §5.3, §6.7)."""
    if "unsupported" in cred.attributes:
        return []
    if "compat_name" in cred.attributes or cred.models:
        stamp = int(now)
        return [{"object": "model", "created": stamp, **m} for m in cred.models]
    return catalog.builtin_models(cred.provider, now)


# -- model-name resolution ------------------------------------------------------------

GEMINI_THINKING_BUDGET = "gemini_thinking_budget"
GEMINI_INCLUDE_THOUGHTS = "gemini_include_thoughts"
GEMINI_ORIGINAL_MODEL = "gemini_original_model"

_NOTHINKING = "-nothinking"
_THINKING = "-thinking-"
_MAX_BUDGET = 2**63 - 1  # the reference parses into a Go int; larger values do not match


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    #: the model id used for the registry lookup, cooldown keys and usage
    model: str
    #: fixed provider list from a ``name://`` prefix; None means "ask the registry"
    providers: list[str] | None
    #: thinking-suffix values for executors (empty when no suffix matched)
    metadata: dict[str, Any]


def resolve_model(raw: str, compat_names: frozenset[str]) -> ResolvedModel:
    """Apply the ``name://model`` prefix and the Gemini thinking suffixes to a model name."""
    if "://" in raw:
        name, rest = raw.split("://", 1)
        # Exact, case-sensitive match on the configured name; the suffix rules are not
        # applied to the part after the prefix.
        if name in compat_names:
            return ResolvedModel(rest, [name.lower()], {})
    model, metadata = _split_thinking_suffix(raw)
    return ResolvedModel(model, None, metadata)


def _split_thinking_suffix(name: str) -> tuple[str, dict[str, Any]]:
    lower = name.lower()
    if not lower.startswith("gemini-"):
        return name, {}
    if lower.endswith(_NOTHINKING):
        # gemini-2.5-pro cannot switch thinking off; 128 is its smallest budget.
        budget = 128 if lower.startswith("gemini-2.5-pro") else 0
        return name[: -len(_NOTHINKING)], {GEMINI_ORIGINAL_MODEL: name,
                                           GEMINI_THINKING_BUDGET: budget,
                                           GEMINI_INCLUDE_THOUGHTS: False}
    idx = lower.rfind(_THINKING)
    if idx < 0:
        return name, {}
    tail = name[idx + len(_THINKING):]
    digits = ""
    for ch in tail:
        if not ("0" <= ch <= "9"):
            break
        digits += ch
    if not digits or int(digits) > _MAX_BUDGET:
        return name, {}
    # The reference leaves include-thoughts unset here: the client's own setting stays.
    return name[:idx], {GEMINI_ORIGINAL_MODEL: name, GEMINI_THINKING_BUDGET: int(digits)}
