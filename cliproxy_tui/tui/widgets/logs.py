"""The logs panel: a tail of the proxy's log with pause, level filter and search.

Lines are kept in a bounded buffer, so changing the level or the search re-draws what
is kept; while paused, new lines are only counted and appear on resume.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import tzinfo
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import RichLog

from ...events import LogLine
from ..format import clock_time
from .filtered import FilterBarPanel

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_RANK = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
#: lines kept for re-filtering
KEEP = 2000


class LogsPanel(FilterBarPanel):
    """Log tail. ``add_lines`` feeds it; ``paused``/``level``/``filter_text`` shape the view."""

    FILTER_ID = "log-search"
    FILTER_PLACEHOLDER = "/ search logs"
    INFO_ID = "log-status"
    BODY_ID = "log-view"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause/resume", id="logs.pause",
                tooltip="Stop the tail to read; new lines are counted and shown on resume"),
        Binding("l", "cycle_level", "Level", id="logs.level",
                tooltip="Show lines of at least DEBUG, INFO, WARNING or ERROR"),
        Binding("slash", "focus_filter", "Search", id="logs.search",
                tooltip="Show only lines containing the text"),
        Binding("escape", "leave_filter", "Clear search", show=False,
                id="logs.clear_search"),
    ]

    DEFAULT_CSS = """
    LogsPanel {
        height: 1fr;
    }
    """

    paused: reactive[bool] = reactive(False, toggle_class="-paused", init=False)
    """While True the view stands still; lines arriving are counted in ``pending``."""
    pending: reactive[int] = reactive(0, init=False)
    """Lines that arrived while paused and match the filters."""
    level: reactive[str] = reactive("INFO", init=False)
    """The least severe level shown."""

    def __init__(self, tz: tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tz = tz
        self._lines: deque[tuple[int, LogLine]] = deque(maxlen=KEEP)
        self._seq = 0
        self._shown_upto = 0
        self._dropped = 0

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield RichLog(id=self.BODY_ID, max_lines=KEEP, wrap=True, markup=False)

    @property
    def view(self) -> RichLog:
        return self.query_one(f"#{self.BODY_ID}", RichLog)

    @property
    def visible_lines(self) -> list[LogLine]:
        """The lines the view currently shows, oldest first."""
        return [line for seq, line in self._lines
                if seq <= self._shown_upto and self._wanted(line)]

    def add_lines(self, lines: Iterable[LogLine], dropped: int = 0) -> None:
        """Append lines; ``dropped`` counts lines of a burst that never reached the screen."""
        self._dropped += dropped
        fresh = []
        for line in lines:
            self._seq += 1
            self._lines.append((self._seq, line))
            fresh.append(line)
        if self.paused:
            self.pending += sum(1 for line in fresh if self._wanted(line))
        else:
            self._shown_upto = self._seq
            if not self.shown:
                self._stale = True
            elif self.is_mounted:
                for line in fresh:
                    if self._wanted(line):
                        self.view.write(self._render_line(line))
        self._show_status()

    def _wanted(self, line: LogLine) -> bool:
        if _RANK.get(line.level, 20) < _RANK[self.level]:
            return False
        # the whole text, spaces and all: a log line is searched, not filtered by words
        needle = self.filter_text.lower()
        return not needle or needle in line.message.lower() or needle in line.logger.lower()

    def _render_line(self, line: LogLine) -> Text:
        theme = self.app.theme_variables
        level_style = {"WARNING": theme.get("text-warning", ""),
                       "ERROR": theme.get("text-error", ""),
                       "CRITICAL": theme.get("text-error", ""), "DEBUG": "dim"}
        name = line.logger.removeprefix("cliproxy_tui.")
        text = Text.assemble((clock_time(line.time, self._tz) + " ", "dim"),
                             (f"{line.level:<7} ", level_style.get(line.level, "")),
                             (f"{name}: ", "dim"), line.message)
        if self.filter_text:
            text.highlight_words([self.filter_text], style="reverse", case_sensitive=False)
        return text

    def _draw_rows(self) -> None:
        log = self.view
        log.clear()
        for line in self.visible_lines:
            log.write(self._render_line(line))
        if self.paused:
            self.pending = sum(1 for seq, line in self._lines
                               if seq > self._shown_upto and self._wanted(line))
        self._show_status()

    def _show_status(self) -> None:
        if not self.is_mounted:
            return
        parts = [f"level ≥ {self.level}"]
        if self.paused:
            parts.append(f"PAUSED · {self.pending} new line{'s' if self.pending != 1 else ''}")
        else:
            parts.append("following")
        if self._dropped:
            parts.append(f"{self._dropped} skipped in bursts")
        self._show_info(" · ".join(parts))

    def watch_paused(self, paused: bool) -> None:
        if not paused:
            self._shown_upto = self._seq
            self.pending = 0
            self._refresh_rows()
        self._show_status()

    def watch_pending(self) -> None:
        self._show_status()

    def watch_level(self) -> None:
        self._refresh_rows()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_cycle_level(self) -> None:
        self.level = LEVELS[(LEVELS.index(self.level) + 1) % len(LEVELS)]
