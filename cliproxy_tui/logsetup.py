"""Logging: every record becomes a ``LogLine`` event; headless mode also writes stderr.

Nothing on the request path logs at info level per request (the hot path stays cheap);
errors and state changes do.
"""

from __future__ import annotations

import logging
import sys
from collections import deque

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
