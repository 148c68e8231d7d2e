"""The service: the proxy on its own thread and event loop, and the bridge to it.

``Service`` is the embedding API (the Go original's ``Service``): build it from a config
path, register usage plugins and before/after-start hooks, ``start()`` it, read
``snapshot()``, subscribe to ``events``, send commands (each returns a
``concurrent.futures.Future``) and ``shutdown()``. The dashboard and ``--headless`` are
two programs built on exactly this surface.

Everything on the proxy's loop (credentials, registry, requests) is only touched from
that loop; other threads go through ``_submit``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ipaddress
import logging
import os
import threading
from typing import Any, Awaitable, Callable

from aiohttp import web

from . import logsetup, request_log
from .auth.manager import CredentialManager
from .auth.model import Credential
from .auth.refresh import Refresher, RefreshError, refresh_credential
from .auth.refreshers import claude_refresher, codex_refresher
from .auth.synth import (
    compat_names,
    credentials_from_auth_dir,
    credentials_from_config,
    diff_credentials,
)
from .clock import SYSTEM_CLOCK, Clock
from .config import Config, ConfigError, load_config
from .events import (
    ConfigReloaded,
    CredentialAdded,
    CredentialChanged,
    CredentialRemoved,
    EventHub,
    ModelsChanged,
    RequestFinished,
    ServiceStateChanged,
    UsageHistoryLoaded,
)
from .providers import HttpPool, UpstreamMap
from .registry import ModelRegistry
from .server.access import AccessChecker
from .server.app import build_app
from .server.proxy import ProxyCore
from .usage import UsageDispatcher, UsageRecord, UsageStore
from .views import CredentialView, ModelView, ServiceSnapshot

log = logging.getLogger("cliproxy_tui.service")

BeforeStartHook = Callable[[Config], Any]
AfterStartHook = Callable[["Service"], Any]
UsagePlugin = Any  # Callable[[UsageRecord], None] or an object with handle_usage(record)

#: how often coalesced credential/model changes are published to subscribers
_PUBLISH_INTERVAL = 0.1
#: seconds start() waits for the usage history before opening the port anyway
_USAGE_LOAD_WAIT = 1.0


class ServiceError(RuntimeError):
    """The service could not start (bad config, port in use, …); one line for the user."""


class Service:
    def __init__(self, config_path: str, *, clock: Clock = SYSTEM_CLOCK,
                 env: dict[str, str] | None = None, watch: bool = True) -> None:
        self.config_path = config_path
        self.clock = clock
        self.events = EventHub()
        self._env = env
        self._watch = watch
        self._before: list[BeforeStartHook] = []
        self._after: list[AfterStartHook] = []
        self._plugins: list[UsagePlugin] = []
        self._refreshers: dict[str, Refresher] = {}
        self._file_log: logsetup.MainLogFile | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._stop: asyncio.Event | None = None
        self._stopped = threading.Event()
        self._shutdown_lock = threading.Lock()
        self.state = "new"
        self.config: Config | None = None
        self.log_handler = logsetup.EventLogHandler(self.events)
        # built on the loop
        self.registry: ModelRegistry | None = None
        self.manager: CredentialManager | None = None
        self.pool: HttpPool | None = None
        self.core: ProxyCore | None = None
        self.usage: UsageStore | None = None
        self.dispatcher: UsageDispatcher | None = None
        self._runner: web.AppRunner | None = None
        self._known: dict[str, Credential] = {}
        self._dirty: set[str] = set()
        self._publish_handle: asyncio.TimerHandle | None = None
        self._models_version = -1
        self._tasks: list[asyncio.Task] = []
        self.started_at: float | None = None
        self.listen = ""
        self.requests_total = 0

    # -- embedding API -------------------------------------------------------------------

    def on_before_start(self, hook: BeforeStartHook) -> None:
        """``hook(config)`` runs on the proxy loop before the port opens."""
        self._before.append(hook)

    def on_after_start(self, hook: AfterStartHook) -> None:
        """``hook(service)`` runs on the proxy loop once the port is open."""
        self._after.append(hook)

    def register_refresher(self, provider: str, refresher: Refresher) -> None:
        """``async refresher(token_file_json) -> new json`` for ``provider``'s token files.

        ``refresh_credential`` calls it and writes the result back (auth/refresh.py).
        """
        self._refreshers[provider] = refresher

    def add_usage_plugin(self, plugin: UsagePlugin) -> None:
        """Called with every ``UsageRecord``, off the request path, in registration order."""
        self._plugins.append(plugin)
        if self.dispatcher is not None:
            self.dispatcher.register(plugin)

    @property
    def base_url(self) -> str:
        return f"http://{self.listen}" if self.listen else ""

    def start(self, timeout: float = 15.0) -> None:
        """Start the proxy thread; returns once the port is open (raises ``ServiceError``)."""
        if self._thread is not None:
            raise ServiceError("service already started")
        self.state = "starting"
        self._thread = threading.Thread(target=self._thread_main, name="cliproxy-loop",
                                        daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.shutdown()
            raise ServiceError(f"service did not start within {timeout:.0f} s")
        if self._start_error is not None:
            self._thread.join(5)
            raise ServiceError(str(self._start_error)) from self._start_error

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the service has stopped; True when it has."""
        return self._stopped.wait(timeout)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop everything (idempotent, safe from any thread but the proxy loop's own)."""
        with self._shutdown_lock:
            loop = self._loop
            if loop is not None and self._stop is not None and not self._stopped.is_set():
                loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def snapshot(self) -> ServiceSnapshot:
        """An immutable view of credentials, models and usage totals."""
        if self._loop is None or self.manager is None:
            return self._empty_snapshot()
        if threading.current_thread() is self._thread:
            return self._make_snapshot()
        fut = asyncio.run_coroutine_threadsafe(self._async_snapshot(), self._loop)
        return fut.result(timeout=5)

    # commands: each returns a concurrent future resolved on the proxy loop

    def disable_credential(self, cred_id: str) -> concurrent.futures.Future:
        return self._submit(self._set_disabled, cred_id, True)

    def enable_credential(self, cred_id: str) -> concurrent.futures.Future:
        return self._submit(self._set_disabled, cred_id, False)

    def clear_cooldown(self, cred_id: str, model: str | None = None) -> concurrent.futures.Future:
        return self._submit(self._clear_cooldown, cred_id, model)

    def refresh_credential(self, cred_id: str) -> concurrent.futures.Future:
        """Refresh a token-file credential's token now; resolves to its new view.

        Fails with ``ServiceError`` (one line, secrets masked) for an API key, a provider
        without a refresher, or a refresh the provider refused (the credential then shows
        the state ``refresh-error`` until a refresh succeeds).
        """
        return self._submit(self._refresh, cred_id)

    def reload_config(self) -> concurrent.futures.Future:
        return self._submit(self._reload_from_file)

    def active_streams(self) -> int:
        """Streamed responses being relayed right now (a racy read, for a quit prompt)."""
        core = self.core
        return len(core.open_streams) if core is not None else 0

    def request_shutdown(self) -> concurrent.futures.Future:
        """Shutdown as a command (does not wait for the thread)."""
        return self._submit(self._request_stop)

    # -- thread and loop -----------------------------------------------------------------

    def _submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        if self._loop is None or self._stopped.is_set():
            fut: concurrent.futures.Future = concurrent.futures.Future()
            fut.set_exception(ServiceError("service is not running"))
            return fut

        async def run() -> Any:
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    def _thread_main(self) -> None:
        loop = _new_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._amain())
        except BaseException as exc:  # reported to start(); never escapes the thread
            if not self._ready.is_set():
                self._start_error = exc
            else:
                log.exception("the proxy loop failed")
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()
                self.state = "stopped"
                self._stopped.set()
                self._ready.set()

    async def _amain(self) -> None:
        self._stop = asyncio.Event()
        logsetup.attach(self.log_handler)
        try:
            await self._startup()
        except BaseException as exc:
            self._start_error = exc
            await self._teardown()
            logsetup.detach(self.log_handler)
            self._close_file_log()
            self._ready.set()
            return
        self.state = "running"
        self.events.publish(ServiceStateChanged("running", self.listen))
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            self.state = "stopping"
            self.events.publish(ServiceStateChanged("stopping"))
            await self._teardown()
            self.events.publish(ServiceStateChanged("stopped"))
            logsetup.detach(self.log_handler)
            self._close_file_log()

    async def _startup(self) -> None:
        try:
            cfg = load_config(self.config_path)
        except ConfigError as exc:
            raise ServiceError(str(exc)) from None
        except OSError as exc:
            raise ServiceError(f"cannot read config {self.config_path}: {exc.strerror}") from None
        self.config = cfg
        logsetup.set_level(cfg.debug)
        try:
            upstream_map = (UpstreamMap.from_env() if self._env is None
                            else UpstreamMap.from_env(self._env))
        except ValueError as exc:
            raise ServiceError(f"CLIPROXY_UPSTREAM_MAP: {exc}") from None

        self.usage = UsageStore(cfg.usage.database_path if cfg.usage.enabled else None,
                                retention_days=cfg.usage.retention_days, clock=self.clock,
                                on_loaded=lambda: self.events.publish(UsageHistoryLoaded(True)))
        # A long history (months of heavy use) must not hold the port closed: past this
        # wait it keeps loading in the background and UsageHistoryLoaded says when it is in.
        await asyncio.to_thread(self.usage.start, _USAGE_LOAD_WAIT)
        self.dispatcher = UsageDispatcher()
        for plugin in self._plugins:
            self.dispatcher.register(plugin)
        self.dispatcher.start()

        self.registry = ModelRegistry(self.clock)
        self.manager = CredentialManager(
            self.registry, self.clock, disable_cooling=cfg.disable_cooling,
            request_retry=cfg.request_retry, on_change=self._credential_touched)
        self.pool = HttpPool(cfg.proxy_url, upstream_map)
        # the token files this version routes to can be refreshed; an embedder's own
        # refresher (register_refresher before start) wins
        self._refreshers.setdefault("claude", claude_refresher(self.pool))
        self._refreshers.setdefault("codex", codex_refresher(self.pool))
        self.core = ProxyCore(self.registry, self.manager, self.pool, self._on_usage,
                              clock=self.clock)
        self.core.max_body_bytes = cfg.max_body_size_mb * 1024 * 1024
        # credentials are loaded before the port opens, so no request sees an empty registry
        self._apply_config(cfg, initial=True)

        for hook in self._before:
            await _maybe_await(hook(cfg))
        app = build_app(self.core)
        app.on_shutdown.append(self._close_streams)
        # handler_cancellation: a client that goes away cancels its upstream call too
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, cfg.host, cfg.port)
        try:
            await site.start()
        except OSError as exc:
            # asyncio's message repeats the address; the errno's own text is enough
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise ServiceError(f"cannot listen on {cfg.host}:{cfg.port}: {reason.lower()}"
                               ) from None
        self.listen = _listen_address(self._runner, cfg.host)
        self.started_at = self.clock.now()
        if not _is_loopback(cfg.host) and self.core.access.open:
            log.warning("LISTENING ON %s WITHOUT api-keys: anyone who can reach this address "
                        "can use your credentials. Add api-keys to the config.", self.listen)
        log.info("API server listening on http://%s", self.listen)
        for hook in self._after:
            await _maybe_await(hook(self))
        if self._watch:
            from .watcher import watch_files

            self._tasks.append(asyncio.create_task(
                watch_files(self.config_path, lambda: self.config.auth_dir if self.config else "",
                            self._on_config_file_changed, self._on_auth_dir_changed,
                            self._stop)))

    async def _teardown(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.pool is not None:
            await self.pool.close()
        if self.dispatcher is not None:
            await asyncio.to_thread(self.dispatcher.stop)
        if self.usage is not None:
            await asyncio.to_thread(self.usage.stop)

    async def _close_streams(self, app: web.Application) -> None:
        if self.core is not None:
            for stream in list(self.core.open_streams):
                await stream.aclose()

    def _request_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    # -- config and credentials ----------------------------------------------------------

    def _apply_config(self, cfg: Config, *, initial: bool = False) -> None:
        assert self.core is not None and self.manager is not None and self.pool is not None
        access, warnings = AccessChecker.from_config_keys(cfg.api_keys)
        for w in warnings:
            log.warning("config: %s", w)
        self.core.access = access
        self._apply_logging(cfg)
        directory = (request_log.directory_for(self.config_path,
                                               {**os.environ, **(self._env or {})})
                     if cfg.request_log else None)
        if directory != self.core.request_log_dir:
            if directory is not None:
                log.info("request-log: one file per /v1 request in %s", directory)
            elif not initial:
                log.info("request-log: off")
        self.core.request_log_dir = directory
        self.core.compat_names = compat_names(cfg)
        self.manager.update_settings(cfg.disable_cooling, cfg.request_retry)
        if not initial:
            self.pool.set_global_proxy(cfg.proxy_url)
            self.core.reset_executors()
            logsetup.set_level(cfg.debug)
        self._sync_credentials(cfg)

    def _apply_logging(self, cfg: Config) -> None:
        """``logging-to-file``: start or stop the main log file (switchable at runtime)."""
        if cfg.logging_to_file and self._file_log is None:
            directory = logsetup.MainLogFile.default_directory({**os.environ, **(self._env or {})})
            try:
                self._file_log = logsetup.MainLogFile(directory)
            except OSError as exc:
                log.error("logging-to-file: cannot write %s: %s", directory,
                          exc.strerror or exc)
                return
            logsetup.attach(self._file_log)
            log.info("logging to %s", self._file_log.path)
        elif not cfg.logging_to_file and self._file_log is not None:
            self._close_file_log()

    def _close_file_log(self) -> None:
        if self._file_log is not None:
            logsetup.detach(self._file_log)
            self._file_log.close()
            self._file_log = None

    def _sync_credentials(self, cfg: Config) -> None:
        assert self.manager is not None
        now = self.clock.now()
        current = credentials_from_config(cfg, now) + credentials_from_auth_dir(cfg.auth_dir, now)
        for update in diff_credentials(self._known, current):
            if update.kind == "delete":
                self._known.pop(update.id, None)
                self.manager.remove(update.id)
                self._dirty.discard(update.id)
                self.events.publish(CredentialRemoved(update.id))
                continue
            cred = update.credential
            assert cred is not None
            self._known[cred.id] = cred
            is_new = self.manager.get(cred.id) is None
            self.manager.upsert(cred)
            if is_new:
                self._dirty.discard(cred.id)
                live = self.manager.get(cred.id)
                if live is not None:
                    self.events.publish(CredentialAdded(self._view(live)))
        self._schedule_publish()

    async def _on_config_file_changed(self) -> None:
        self._reload_from_file()

    def _reload_from_file(self) -> bool:
        try:
            cfg = load_config(self.config_path)
        except (ConfigError, OSError) as exc:
            message = str(exc) if isinstance(exc, ConfigError) else f"cannot read config: {exc}"
            log.error("config reload failed, keeping the previous config: %s", message)
            self.events.publish(ConfigReloaded(False, message))
            return False
        old = self.config
        if old is not None:
            from .config import describe_changes

            for line in describe_changes(old, cfg):
                log.info("config: %s", line)
            if old.port != cfg.port or old.host != cfg.host:
                log.warning("config: host/port changes take effect after a restart")
        self.config = cfg
        self._apply_config(cfg)
        self.events.publish(ConfigReloaded(True, "config reloaded"))
        return True

    async def _on_auth_dir_changed(self) -> None:
        if self.config is not None:
            self._sync_credentials(self.config)

    def _set_disabled(self, cred_id: str, disabled: bool) -> CredentialView:
        assert self.manager is not None
        if self.manager.get(cred_id) is None:
            raise KeyError(f"no credential {cred_id}")
        self.manager.set_disabled(cred_id, disabled)
        log.info("credential %s %s", cred_id, "disabled" if disabled else "enabled")
        return self._view(self.manager.get(cred_id))  # type: ignore[arg-type]

    async def _refresh(self, cred_id: str) -> CredentialView:
        assert self.manager is not None
        cred = self.manager.get(cred_id)
        if cred is None:
            raise KeyError(f"no credential {cred_id}")
        try:
            await refresh_credential(cred, self._refreshers, self.clock.now())
        except RefreshError as exc:
            self._credential_touched(cred)
            if cred.refresh_error:
                log.warning("credential %s: %s", cred.display_label(), exc)
            raise ServiceError(str(exc)) from None
        log.info("credential %s: token refreshed", cred.display_label())
        self._credential_touched(cred)
        return self._view(cred)

    def _clear_cooldown(self, cred_id: str, model: str | None) -> CredentialView:
        assert self.manager is not None
        if self.manager.get(cred_id) is None:
            raise KeyError(f"no credential {cred_id}")
        self.manager.clear_cooldown(cred_id, model)
        return self._view(self.manager.get(cred_id))  # type: ignore[arg-type]

    # -- events --------------------------------------------------------------------------

    def _on_usage(self, record: UsageRecord) -> None:
        self.requests_total += 1
        if self.usage is not None:
            self.usage.add(record)
        if self.dispatcher is not None and self._plugins:
            self.dispatcher.publish(record)
        if self.events.has_subscribers:
            self.events.publish(RequestFinished(record))

    def _credential_touched(self, cred: Credential) -> None:
        # called on every recorded result; coalesced so a burst costs one event per credential
        self._dirty.add(cred.id)
        self._schedule_publish()

    def _schedule_publish(self) -> None:
        if self._publish_handle is None and self._loop is not None:
            self._publish_handle = self._loop.call_later(_PUBLISH_INTERVAL, self._publish_dirty)

    def _publish_dirty(self) -> None:
        self._publish_handle = None
        assert self.manager is not None and self.registry is not None
        dirty, self._dirty = self._dirty, set()
        if not self.events.has_subscribers:
            self._models_version = self.registry.version
            return
        for cred_id in sorted(dirty):
            cred = self.manager.get(cred_id)
            if cred is not None:
                self.events.publish(CredentialChanged(self._view(cred)))
        if dirty or self.registry.version != self._models_version:
            self._models_version = self.registry.version
            self.events.publish(ModelsChanged(self._model_views()))

    def _view(self, cred: Credential) -> CredentialView:
        assert self.registry is not None
        return CredentialView.of(cred, self.registry.models_of(cred.id), self.clock.now())

    def _model_views(self) -> tuple[ModelView, ...]:
        assert self.registry is not None and self.manager is not None
        now = self.clock.now()
        views = []
        for model in self.registry.available_models():
            mid = model["id"]
            cred_ids = tuple(sorted(self.registry.credentials_for(mid)))
            usable = False
            providers = set()
            for cid in cred_ids:
                cred = self.manager.get(cid)
                if cred is None:
                    continue
                providers.add(cred.provider)
                st = cred.model_states.get(mid)
                blocked = st is not None and st.unavailable and (
                    st.next_retry_after is not None and st.next_retry_after > now)
                if not cred.disabled and not blocked:
                    usable = True
            views.append(ModelView(id=mid, owned_by=str(model.get("owned_by", "")),
                                   providers=tuple(sorted(providers)), credential_ids=cred_ids,
                                   available=usable))
        return tuple(views)

    async def _async_snapshot(self) -> ServiceSnapshot:
        return self._make_snapshot()

    def _make_snapshot(self) -> ServiceSnapshot:
        assert self.manager is not None
        creds = tuple(self._view(c) for c in self.manager.all())
        return ServiceSnapshot(
            state=self.state, listen=self.listen, base_url=self.base_url,
            started_at=self.started_at,
            access_keys_on=bool(self.core and not self.core.access.open),
            config_path=self.config_path, credentials=creds, models=self._model_views(),
            usage=self.usage.totals() if self.usage else None,
            requests_total=self.requests_total)

    def _empty_snapshot(self) -> ServiceSnapshot:
        return ServiceSnapshot(state=self.state, listen="", base_url="", started_at=None,
                               access_keys_on=False, config_path=self.config_path,
                               credentials=(), models=(), usage=None, requests_total=0)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (e.g. Windows)
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


async def _maybe_await(value: Any) -> None:
    if isinstance(value, Awaitable):
        await value


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen_address(runner: web.AppRunner, host: str) -> str:
    for addr in runner.addresses:
        if isinstance(addr, tuple) and len(addr) >= 2:
            h, port = addr[0], addr[1]
            return f"[{h}]:{port}" if ":" in str(h) else f"{h}:{port}"
    return host
