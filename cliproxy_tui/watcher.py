"""Watching the config file and the auth directory (config.md §5.1).

The config file's *directory* is watched, not the file, so editors that save by writing
a new file and renaming it over the old one are seen too. Duplicate events are dropped
by content hash; auth-dir events for anything but top-level ``*.json`` are ignored.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from typing import Awaitable, Callable

from watchfiles import Change, awatch

log = logging.getLogger("cliproxy_tui.watcher")

Callback = Callable[[], Awaitable[None]]


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if not data.strip():
        return None
    return hashlib.sha256(data).hexdigest()


async def watch_files(config_path: str, auth_dir: Callable[[], str], on_config: Callback,
                      on_auth: Callback, stop: asyncio.Event, *, debounce_ms: int = 200) -> None:
    """Run until ``stop`` is set, calling ``on_config`` / ``on_auth`` on relevant changes.

    When the config moves ``auth-dir`` elsewhere the watch is re-armed on the new folder.
    """
    config_path = os.path.abspath(config_path)
    config_dir = os.path.dirname(config_path)
    last_config = file_digest(config_path)
    auth_hashes: dict[str, str | None] = {}
    while not stop.is_set():
        current_auth = os.path.abspath(auth_dir()) if auth_dir() else ""
        paths = [config_dir]
        if current_auth and os.path.isdir(current_auth) and current_auth != config_dir:
            paths.append(current_auth)
        rearm = False
        stopper = asyncio.Event()
        relay = asyncio.create_task(_relay(stop, stopper))
        try:
            async for changes in awatch(*paths, stop_event=stopper, debounce=debounce_ms,
                                        step=50, recursive=False, rust_timeout=1000,
                                        yield_on_timeout=False):
                config_changed = False
                auth_changed = False
                for change, path in changes:
                    path = os.path.abspath(path)
                    if path == config_path and change != Change.deleted:
                        config_changed = True
                    elif (current_auth and os.path.dirname(path) == current_auth
                          and path.lower().endswith(".json")):
                        digest = None if change == Change.deleted else file_digest(path)
                        if change == Change.deleted:
                            # an atomic replace looks like delete + create; look again
                            await asyncio.sleep(0.05)
                            digest = file_digest(path)
                        if auth_hashes.get(path, "") != digest:
                            auth_hashes[path] = digest
                            auth_changed = True
                if config_changed:
                    digest = file_digest(config_path)
                    if digest is not None and digest != last_config:
                        last_config = digest
                        await _run(on_config, "config reload")
                        new_auth = os.path.abspath(auth_dir()) if auth_dir() else ""
                        if new_auth != current_auth:
                            rearm = True
                            stopper.set()
                if auth_changed:
                    await _run(on_auth, "auth-dir rescan")
        except FileNotFoundError:
            await asyncio.sleep(1.0)
        finally:
            relay.cancel()
        if not rearm and not stop.is_set():
            await asyncio.sleep(0.5)


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


async def _run(callback: Callback, what: str) -> None:
    try:
        await callback()
    except Exception:  # a failing reload must never stop the watcher
        log.exception("%s failed", what)
