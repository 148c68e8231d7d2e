"""Credentials synthesised from the config and from the auth directory (config.md §6).

Every recompute builds the whole list from scratch; ``diff_credentials`` turns two lists
into add/modify/delete updates. Config-derived ids are stable hashes of the entry (so a
reload does not churn records) and file-derived ids are file names, exactly as upstream
derives them, so ids in logs and management calls line up with the Go proxy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .. import jsonfast
from ..config import Config, ModelAlias, OpenAICompat
from .model import Credential

log = logging.getLogger(__name__)

UpdateKind = Literal["add", "modify", "delete"]


@dataclass(frozen=True, slots=True)
class CredentialUpdate:
    kind: UpdateKind
    id: str
    credential: Credential | None  # None for a delete


def stable_config_id(kind: str, *parts: str) -> str:
    """``kind:`` + 12 hex digits of SHA-256 over kind, then ``\\0`` + trimmed part each."""
    digest = hashlib.sha256(kind.encode())
    for part in parts:
        digest.update(b"\x00" + part.strip().encode())
    return f"{kind}:{digest.hexdigest()[:12]}"


class _IdGenerator:
    """Ids for one recompute: a repeat of the same id gets ``-1``, ``-2``, … on its token."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def next(self, kind: str, *parts: str) -> tuple[str, str]:
        base = stable_config_id(kind, *parts)
        count = self._seen.get(base, 0)
        self._seen[base] = count + 1
        token = base[len(kind) + 1:]
        if count:
            token = f"{token}-{count}"
        return f"{kind}:{token}", token


def _models_hash(models: tuple[ModelAlias, ...]) -> str:
    # Only has to change when the list changes (config.md §6.2); Go's encoding/json shape.
    payload = [{"name": m.name, "alias": m.alias} for m in models]
    return hashlib.sha256(jsonfast.dumps(payload)).hexdigest()


def _configured_models(models: Iterable[ModelAlias], owned_by: str, model_type: str,
                       now: float) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Catalog entries and alias map (auth-manager.md §6.7): first id wins, case-insensitive."""
    entries: list[dict[str, Any]] = []
    aliases: dict[str, str] = {}
    for model in models:
        name, alias = model.name.strip(), model.alias.strip()
        client_id = alias or name
        if not client_id or client_id.lower() in aliases:
            continue
        # An alias without a name has nothing else to send upstream than the alias itself.
        aliases[client_id.lower()] = name or client_id
        entries.append({"id": client_id, "object": "model", "owned_by": owned_by,
                        "type": model_type, "display_name": name or client_id,
                        "created": int(now)})
    return entries, aliases


def _api_key_credential(ids: _IdGenerator, kind: str, provider: str, source: str, now: float,
                        key: str, base_url: str, proxy_url: str, *, hash_base: bool) -> Credential:
    parts = (key, base_url) if hash_base else (key,)
    cred_id, token = ids.next(kind, *parts)
    attributes = {"source": f"config:{source}[{token}]", "api_key": key}
    if base_url:
        attributes["base_url"] = base_url
    return Credential(id=cred_id, provider=provider, label=f"{provider}-apikey",
                      proxy_url=proxy_url.strip(), attributes=attributes,
                      created_at=now, updated_at=now)


def credentials_from_config(cfg: Config, now: float) -> list[Credential]:
    """Gemini, Claude, Codex and OpenAI-compatible credentials, in that order (§6.1-§6.2)."""
    ids = _IdGenerator()
    out: list[Credential] = []
    for raw in cfg.generative_language_api_key:
        key = raw.strip()
        if key:
            out.append(_api_key_credential(ids, "gemini:apikey", "gemini", "gemini", now,
                                           key, "", "", hash_base=False))
    for gem in cfg.gemini_api_key:
        key, base = gem.api_key.strip(), gem.base_url.strip()
        if key:
            # base-url joins the hash only when set, so `{api-key: K}` keeps the id that
            # the legacy `generative-language-api-key: [K]` gives.
            out.append(_api_key_credential(ids, "gemini:apikey", "gemini", "gemini", now,
                                           key, base, gem.proxy_url, hash_base=bool(base)))
    for claude in cfg.claude_api_key:
        key, base = claude.api_key.strip(), claude.base_url.strip()
        if not key:
            continue
        cred = _api_key_credential(ids, "claude:apikey", "claude", "claude", now,
                                   key, base, claude.proxy_url, hash_base=True)
        if claude.models:
            cred.models, cred.model_aliases = _configured_models(
                claude.models, "claude", "claude", now)
            cred.attributes["models_hash"] = _models_hash(claude.models)
        out.append(cred)
    for codex in cfg.codex_api_key:
        key, base = codex.api_key.strip(), codex.base_url.strip()
        if key:
            out.append(_api_key_credential(ids, "codex:apikey", "codex", "codex", now,
                                           key, base, codex.proxy_url, hash_base=True))
    for compat in cfg.openai_compatibility:
        out.extend(_compat_credentials(ids, compat, now))
    return out


def _compat_credentials(ids: _IdGenerator, compat: OpenAICompat, now: float) -> list[Credential]:
    name = compat.name.strip()
    provider = name.lower() or "openai-compatibility"
    kind = f"openai-compatibility:{provider}"
    base = compat.base_url.strip()
    models, aliases = _configured_models(compat.models, name, "openai-compatibility", now)
    models_hash = _models_hash(compat.models) if compat.models else ""

    def make(parts: tuple[str, ...], key: str, proxy_url: str) -> Credential:
        cred_id, token = ids.next(kind, *parts)
        attributes = {"source": f"config:{provider}[{token}]", "base_url": base,
                      "compat_name": name, "provider_key": provider}
        if key:
            attributes["api_key"] = key
        if models_hash:
            attributes["models_hash"] = models_hash
        return Credential(id=cred_id, provider=provider, label=name, proxy_url=proxy_url,
                          attributes=attributes, models=[dict(m) for m in models],
                          model_aliases=dict(aliases), created_at=now, updated_at=now)

    out: list[Credential] = []
    if compat.api_key_entries:
        for entry in compat.api_key_entries:
            key, proxy = entry.api_key.strip(), entry.proxy_url.strip()
            out.append(make((key, base, proxy), key, proxy))
    else:
        for raw in compat.api_keys:
            key = raw.strip()
            if key:
                out.append(make((key, base), key, ""))
    if not out:
        out.append(make((base,), "", ""))
    return out


def compat_names(cfg: Config) -> frozenset[str]:
    """Names usable as ``name://model`` prefixes: each entry's name, trimmed, as written."""
    return frozenset(e.name.strip() for e in cfg.openai_compatibility if e.name.strip())


def credentials_from_auth_dir(auth_dir: str, now: float) -> list[Credential]:
    """One credential per valid top-level ``*.json`` file, sorted by file name (§6.2)."""
    if not auth_dir:
        return []
    try:
        entries = sorted(os.scandir(auth_dir), key=lambda e: e.name)
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("auth-dir %s cannot be listed: %s", auth_dir, exc.strerror or exc)
        return []
    out: list[Credential] = []
    for entry in entries:
        if not entry.name.lower().endswith(".json"):
            continue
        try:
            if not entry.is_file():
                continue
        except OSError:
            continue
        cred = _credential_from_file(os.path.abspath(entry.path), entry.name, now)
        if cred is not None:
            out.append(cred)
    return out


#: token-file providers this version has an executor for (their OAuth access token is
#: sent the way the API-key executors send keys, providers.md §3.2 / §5.2)
TOKEN_FILE_PROVIDERS = frozenset({"claude", "codex"})


def _credential_from_file(path: str, name: str, now: float) -> Credential | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        log.warning("auth file %s skipped: cannot read it (%s)", name, exc.strerror or exc)
        return None
    if not data:
        # Usually a file caught mid-write; the watcher sees it again once it has content.
        log.debug("auth file %s skipped: empty", name)
        return None
    try:
        metadata = jsonfast.loads(data)
    except jsonfast.JSONDecodeError as exc:
        # The decoder's message names a position, never the content.
        log.warning("auth file %s skipped: invalid JSON (%s)", name, exc)
        return None
    if not isinstance(metadata, dict):
        log.warning("auth file %s skipped: not a JSON object", name)
        return None
    raw_type = metadata.get("type")
    if not isinstance(raw_type, str) or not raw_type.strip():
        log.warning("auth file %s skipped: no \"type\" field", name)
        return None
    provider = raw_type.strip().lower()
    if provider == "gemini":
        provider = "gemini-cli"  # OAuth files of the Gemini CLI; "gemini" is the API-key provider
    email = metadata.get("email")
    proxy = metadata.get("proxy_url")
    attributes = {"source": path, "path": path}
    if provider not in TOKEN_FILE_PROVIDERS:
        # Shown, never routed to: sending its models to an executor that cannot speak
        # its API would only fail every request once before the next credential.
        attributes["unsupported"] = (f"{provider} credentials are not supported by this "
                                     "version yet; the file is left as it is")
    return Credential(
        id=name, provider=provider,
        label=email if isinstance(email, str) and email else provider,
        proxy_url=proxy.strip() if isinstance(proxy, str) else "",
        attributes=attributes, metadata=metadata,
        disabled=metadata.get("disabled") is True,
        created_at=now, updated_at=now)


def _same_config(old: Credential, new: Credential) -> bool:
    if old.disabled != new.disabled:
        return False
    # `created` of configured models is the recompute time; it must not count as an edit.
    if _without_created(old.models) == _without_created(new.models):
        new = dataclasses.replace(new, models=old.models)
    return old.config_equal(new)


def _without_created(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in m.items() if k != "created"} for m in models]


def diff_credentials(previous: dict[str, Credential],
                     current: list[Credential]) -> list[CredentialUpdate]:
    """Adds and modifies in ``current`` order, then deletes in ``previous`` order (§6.3)."""
    updates: list[CredentialUpdate] = []
    seen: set[str] = set()
    for cred in current:
        seen.add(cred.id)
        old = previous.get(cred.id)
        if old is None:
            updates.append(CredentialUpdate("add", cred.id, cred))
        elif not _same_config(old, cred):
            updates.append(CredentialUpdate("modify", cred.id, cred))
    for cred_id in previous:
        if cred_id not in seen:
            updates.append(CredentialUpdate("delete", cred_id, None))
    return updates


__all__ = ["CredentialUpdate", "compat_names", "credentials_from_auth_dir",
           "credentials_from_config", "diff_credentials", "stable_config_id"]
