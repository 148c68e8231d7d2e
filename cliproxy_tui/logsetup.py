"""Logging: every record becomes a ``LogLine`` event; headless mode also writes stderr.

Nothing on the request path logs at info level per request (the hot path stays cheap);
errors and state changes do.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .events import EventHub, LogLine

ROOT_LOGGER = "cliproxy_tui"
_LOGGERS = (ROOT_LOGGER, "aiohttp")


class EventLogHandler(logging.Handler):
    """Publishes each log record on the hub and keeps the last lines for late subscribers."""

    def __init__(self, hub: EventHub, keep: int = 1000) -> None:
        super().__init__()
        self.hub = hub
        self.recent: deque[LogLine] = deque(maxlen=keep)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = LogLine(time=record.created, level=record.levelname, logger=record.name,
                           message=record.getMessage())
        except Exception:  # a bad format string must not break the caller
            return
        self.recent.append(line)
        self.hub.publish(line)


def attach(handler: logging.Handler) -> None:
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if handler not in logger.handlers:
            logger.addHandler(handler)


def detach(handler: logging.Handler) -> None:
    for name in _LOGGERS:
        logging.getLogger(name).removeHandler(handler)


def set_level(debug: bool) -> None:
    logging.getLogger(ROOT_LOGGER).setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("aiohttp").setLevel(logging.DEBUG if debug else logging.WARNING)


def add_stderr() -> logging.Handler:
    """Plain log lines on stderr, for ``--headless``."""
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                                          "%Y-%m-%d %H:%M:%S"))
    attach(stream)
    return stream


class MainLogFile(logging.Handler):
    """``logging-to-file: true``: the main log in ``logs/main.log``, rotated at 10 MB.

    Lines are upstream's format (``[YYYY-MM-DD HH:MM:SS] [info] [file:line] message``); a
    full file is renamed ``main-<UTC time>.log`` and a new one started, keeping every
    backup (as upstream does; delete old ones by hand). The directory is ``logs/`` under
    ``$WRITABLE_PATH`` or the working directory.
    """

    MAX_BYTES = 10 * 1024 * 1024

    def __init__(self, directory: str, max_bytes: int = MAX_BYTES) -> None:
        super().__init__()
        self.directory = directory
        self.path = os.path.join(directory, "main.log")
        self.max_bytes = max_bytes
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self._file = self._open()
        self.setFormatter(_MainLogFormatter())

    @staticmethod
    def default_directory(env: Mapping[str, str] = os.environ) -> str:
        base = env.get("WRITABLE_PATH") or env.get("writable_path") or os.getcwd()
        return os.path.join(base, "logs")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
            with self.lock:  # type: ignore[union-attr]
                if self._file.tell() + len(line) > self.max_bytes and self._file.tell() > 0:
                    self._rotate()
                self._file.write(line)
                self._file.flush()
        except Exception:  # noqa: BLE001 - a full disk must not break the caller
            self.handleError(record)

    def _rotate(self) -> None:
        self._file.close()
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S.%f")[:-3]
        target = os.path.join(self.directory, f"main-{stamp}.log")
        n = 1
        while os.path.exists(target):
            target = os.path.join(self.directory, f"main-{stamp}-{n}.log")
            n += 1
        os.replace(self.path, target)
        self._file = self._open()

    def _open(self) -> Any:
        # 0600 like every file the proxy writes beside the user's credentials
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return os.fdopen(fd, "a", encoding="utf-8")

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self._file.closed:
                self._file.close()
        super().close()


class _MainLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        level = record.levelname.lower()
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return f"[{when}] [{level}] [{os.path.basename(record.pathname)}:{record.lineno}] {text}"
