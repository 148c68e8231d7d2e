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
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, RichLog, Static

from ...events import LogLine
from ..format import clock_time
from .styles import set_text

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_RANK = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
#: lines kept for re-filtering
KEEP = 2000


class LogsPanel(Vertical):
    """Log tail. ``add_lines`` feeds it; ``paused``/``level``/``search`` shape the view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause/resume", id="logs.pause",
                tooltip="Stop the tail to read; new lines are counted and shown on resume"),
        Binding("l", "cycle_level", "Level", id="logs.level",
                tooltip="Show lines of at least DEBUG, INFO, WARNING or ERROR"),
        Binding("slash", "focus_search", "Search", id="logs.search",
                tooltip="Show only lines containing the text"),
        Binding("escape", "leave_search", "Clear search", show=False,
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
    search: reactive[str] = reactive("", init=False)
    """Text a shown line must contain (case-insensitive)."""
    shown: reactive[bool] = reactive(True, init=False)
    """False while the panel's tab is hidden: updates are kept and drawn on showing."""

    def __init__(self, tz: tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tz = tz
        self._lines: deque[tuple[int, LogLine]] = deque(maxlen=KEEP)
        self._seq = 0
        self._shown_upto = 0
        self._dropped = 0
        self._stale = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="panel-bar"):
            yield Input(placeholder="/ search logs", id="log-search", compact=True)
            yield Static(id="log-status", classes="panel-info")
        yield RichLog(id="log-view", max_lines=KEEP, wrap=True, markup=False)

    def on_mount(self) -> None:
        self._redraw()

    @property
    def view(self) -> RichLog:
        return self.query_one("#log-view", RichLog)

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
        needle = self.search.lower()
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
        if self.search:
            text.highlight_words([self.search], style="reverse", case_sensitive=False)
        return text

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        if not self.shown:
            self._stale = True
            return
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
        set_text(self.query_one("#log-status", Static), " · ".join(parts))

    def watch_shown(self, shown: bool) -> None:
        if shown and self._stale:
            self._stale = False
            self._redraw()

    def watch_paused(self, paused: bool) -> None:
        if not paused:
            self._shown_upto = self._seq
            self.pending = 0
            self._redraw()
        self._show_status()

    def watch_pending(self) -> None:
        self._show_status()

    def watch_level(self) -> None:
        self._redraw()

    def watch_search(self) -> None:
        self._redraw()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_cycle_level(self) -> None:
        self.level = LEVELS[(LEVELS.index(self.level) + 1) % len(LEVELS)]

    def action_focus_search(self) -> None:
        self.query_one("#log-search", Input).focus()

    def action_leave_search(self) -> None:
        box = self.query_one("#log-search", Input)
        if box.has_focus:
            box.value = ""
        self.view.focus()

    @on(Input.Changed, "#log-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search = event.value

    @on(Input.Submitted, "#log-search")
    def _search_submitted(self) -> None:
        self.view.focus()
