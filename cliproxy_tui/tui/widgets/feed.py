"""The live request feed: one line per finished request, newest at the bottom.

A feed takes hundreds of rows a second under load, so it is not a DataTable (which
re-measures and re-renders its cells on every added row): each request is formatted
once into a line of a ``RichLog``. Columns have fixed widths; those that do not fit the
panel's width are left out, least useful first, and lines are re-drawn on resize. The
view follows new lines only while it is scrolled to the end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.reactive import reactive
from textual.widgets import RichLog, Static

from ..format import clock_time, count, millis
from .styles import set_text, status_style

#: (key, title, width, right-aligned), in display order
COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("time", "Time", 8, False), ("status", "St", 3, True), ("model", "Model", 20, False),
    ("credential", "Credential", 20, False), ("in", "In", 6, True), ("out", "Out", 6, True),
    ("cached", "Cached", 6, True), ("reasoning", "Reason", 6, True),
    ("latency", "Latency", 7, True), ("ttfb", "TTFB", 6, True), ("client", "Client", 18, False),
)
#: which columns stay when the panel is narrow (the last ones listed give way first);
#: the second view puts the other columns first, for 80-column terminals
VIEWS = (
    ("time", "status", "model", "credential", "in", "out", "latency", "ttfb", "cached",
     "reasoning", "client"),
    ("time", "status", "model", "cached", "reasoning", "ttfb", "client", "credential", "in",
     "out", "latency"),
)
_SPEC = {key: (title, width, right) for key, title, width, right in COLUMNS}


def fitting_columns(width: int, view: int = 0) -> list[str]:
    """Column keys that fit ``width`` cells (one space between columns), display order."""
    chosen: set[str] = set()
    used = 0
    for key in VIEWS[view % len(VIEWS)]:
        need = _SPEC[key][1] + (1 if chosen else 0)
        if used + need > width:
            break
        chosen.add(key)
        used += need
    return [key for key, *_ in COLUMNS if key in chosen]


class RequestFeed(Vertical):
    """Header line plus a tail of formatted requests; ``add`` appends."""

    DEFAULT_CSS = """
    RequestFeed {
        height: 1fr;
    }
    RequestFeed > #feed-header {
        height: 1;
        text-style: bold;
        background: $panel;
        padding: 0 1;
    }
    RequestFeed > RichLog {
        height: 1fr;
        padding: 0 1;
        scrollbar-size-horizontal: 0;
    }
    """

    credential_labels: reactive[dict[str, str]] = reactive(dict, init=False)
    """Credential id → display name, for requests recorded before the label was known."""
    view: reactive[int] = reactive(0, init=False)
    """Which columns go first when not all fit (an index into ``VIEWS``)."""

    def __init__(self, tz: tzinfo | None = None, max_rows: int = 200,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tz = tz
        self._rows: deque[dict[str, Any]] = deque(maxlen=max_rows)
        self._max_rows = max_rows
        self._columns = fitting_columns(80)

    def compose(self) -> ComposeResult:
        yield Static(id="feed-header")
        yield RichLog(id="feed-log", max_lines=self._max_rows, wrap=False, markup=False,
                      auto_scroll=False, min_width=1)

    def on_mount(self) -> None:
        self._show_header()

    @property
    def log_view(self) -> RichLog:
        return self.query_one("#feed-log", RichLog)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> list[dict[str, str]]:
        """Every kept row, oldest first, as column key → plain cell text."""
        return [{k: str(v) for k, v in row.items()} for row in self._rows]

    @property
    def columns(self) -> list[str]:
        """The column keys shown at the current width."""
        return list(self._columns)

    def add(self, records: Sequence[Any]) -> None:
        """Append finished requests (``usage.UsageRecord``)."""
        if not records:
            return
        view = self.log_view
        follow = view.is_vertical_scroll_end
        for rec in records[-self._max_rows:]:
            row = self._cells(rec)
            self._rows.append(row)
            view.write(self._line(row), width=self._line_width(), scroll_end=follow)

    def prepend(self, records: Sequence[Any]) -> None:
        """Put older requests (a usage history read late) before the rows shown."""
        room = self._max_rows - len(self._rows)
        if not records or room <= 0:
            return
        for rec in reversed(records[-room:]):
            self._rows.appendleft(self._cells(rec))
        self._redraw(keep_end=self.log_view.is_vertical_scroll_end)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def watch_view(self) -> None:
        self._fit(self.size.width)

    def _fit(self, width: int) -> None:
        # room for the padding and for the vertical scrollbar once the feed fills up
        spare = 2 + self.log_view.styles.scrollbar_size_vertical
        columns = fitting_columns(max(1, width - spare), self.view)
        if columns != self._columns:
            self._columns = columns
            self._show_header()
            self._redraw(keep_end=True)

    def _redraw(self, keep_end: bool) -> None:
        view = self.log_view
        view.clear()
        for row in self._rows:
            view.write(self._line(row), width=self._line_width(), scroll_end=keep_end)

    def _cells(self, rec: Any) -> dict[str, Any]:
        label = (self.credential_labels.get(rec.credential_id) or rec.credential_label
                 or "—")
        return {
            "time": clock_time(rec.time, self._tz),
            "status": Text(str(rec.status), style=status_style(self.app, rec.status)),
            "model": rec.model, "credential": label,
            "in": count(rec.input_tokens), "out": count(rec.output_tokens),
            "cached": count(rec.cached_tokens), "reasoning": count(rec.reasoning_tokens),
            "latency": millis(rec.latency_ms), "ttfb": millis(rec.ttfb_ms),
            "client": rec.client_format + (" stream" if rec.stream else ""),
        }

    def _line_width(self) -> int:
        return sum(_SPEC[k][1] for k in self._columns) + max(0, len(self._columns) - 1)

    def _line(self, row: dict[str, Any]) -> Text:
        line = Text(no_wrap=True, overflow="crop")
        for i, key in enumerate(self._columns):
            _, width, right = _SPEC[key]
            cell = row[key]
            text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            text.truncate(width, overflow="ellipsis")
            pad = width - text.cell_len
            if i:
                line.append(" ")
            if right:
                line.append(" " * pad)
            line.append_text(text)
            if not right:
                line.append(" " * pad)
        return line

    def _show_header(self) -> None:
        parts = []
        for key in self._columns:
            title, width, right = _SPEC[key]
            parts.append(title.rjust(width) if right else title.ljust(width))
        set_text(self.query_one("#feed-header", Static), Text(" ".join(parts)))
