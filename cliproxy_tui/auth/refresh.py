"""Refreshing the token of a file-backed (OAuth) credential, and writing it back.

A refresher is registered per provider (``Service.register_refresher``): it takes the
token file's JSON object and returns the new one (same shape, new ``access_token`` and
expiry, a rotated ``refresh_token`` where the provider rotates it). This module owns what
is the same for every provider: calling it, recording the outcome on the credential, and
writing the file back atomically with mode 0600 so a crash never leaves half a token file
and the secret is never readable by other users.

API-key credentials have nothing to refresh; asking is an error the caller shows as is.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Any, Awaitable, Callable

from .. import jsonfast
from ..masking import mask_last4
from .model import Credential

#: ``async refresher(metadata) -> new metadata``; raises :class:`RefreshError` on failure
Refresher = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

_SECRET_FIELDS = ("access_token", "refresh_token", "id_token", "api_key", "token")


class RefreshError(Exception):
    """A refresh failed; the message is shown to the user (secrets already masked)."""


class NothingToRefresh(RefreshError):
    """The credential has no token (an API key), or no refresher knows its provider."""


async def refresh_credential(cred: Credential, refreshers: dict[str, Refresher],
                             now: float) -> Credential:
    """Refresh ``cred`` in place and write its token file; raises :class:`RefreshError`.

    On failure the credential keeps its old token and records ``refresh_error`` (the
    dashboard shows the state "refresh error"); the next success clears it.
    """
    if cred.is_api_key:
        raise NothingToRefresh(f"{cred.display_label()} is an API key: it has no token to refresh")
    refresher = refreshers.get(cred.provider)
    if refresher is None:
        raise NothingToRefresh(f"no token refresher for {cred.provider} credentials")
    path = cred.attributes.get("path", "")
    old = dict(cred.metadata or {})
    try:
        new = await refresher(dict(old))
        if not isinstance(new, dict) or not new:
            raise RefreshError(f"{cred.provider} refresher returned no token data")
    except RefreshError as exc:
        cred.refresh_error = mask_secrets(str(exc), old)
        raise RefreshError(cred.refresh_error) from None
    except Exception as exc:  # a refresher's own bug or transport error: one line, masked
        cred.refresh_error = mask_secrets(f"token refresh failed: {exc}", old)
        raise RefreshError(cred.refresh_error) from None
    if path:
        try:
            # write + fsync off the proxy's loop: a slow disk must not stall every request
            await asyncio.to_thread(write_token_file, path, new)
        except OSError as exc:
            cred.refresh_error = f"token refreshed but not saved to {path}: {exc.strerror or exc}"
            raise RefreshError(cred.refresh_error) from None
    cred.metadata = new
    cred.refresh_error = ""
    cred.last_refreshed_at = now
    cred.updated_at = now
    return cred


def write_token_file(path: str, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically (temp file + rename), mode 0600."""
    write_private_file(path, jsonfast.dumps_pretty(data))


def write_private_file(path: str, data: bytes, *, durable: bool = True) -> None:
    """Write ``path`` atomically with mode 0600: a reader never sees half a file.

    The bytes go to a hidden temp file in the same directory, renamed over ``path`` once
    complete (and, with ``durable``, on disk); on failure the temp file is removed. Its
    name does not end in ``.json``, so the auth-dir watcher never takes it for a token file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def mask_secrets(text: str, *sources: dict[str, Any]) -> str:
    """``text`` with every token value found in ``sources`` reduced to its last 4 chars."""
    for source in sources:
        for name in _SECRET_FIELDS:
            value = source.get(name)
            if isinstance(value, str) and len(value) > 4 and value in text:
                text = text.replace(value, mask_last4(value))
    return text
