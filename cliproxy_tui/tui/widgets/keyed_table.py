"""A DataTable kept in step with a keyed list of rows, in place.

Panels describe the rows they want (key → cells, in display order); ``sync`` changes
only the cells that differ, removes and appends rows as needed, and rebuilds only when
the order itself changed — keeping the cursor on the same key and the scroll offset.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from textual.widgets import DataTable

Row = tuple[str, tuple[RenderableType, ...]]


class KeyedTable(DataTable[RenderableType]):
    """Rows keyed by a stable id (credential id, model id, request sequence)."""

    DEFAULT_CSS = """
    KeyedTable {
        height: 1fr;
    }
    """

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._column_keys = [key for key, _ in columns]
        self._cells: dict[str, tuple[RenderableType, ...]] = {}
        for key, label in columns:
            self.add_column(label, key=key)

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return [str(row.key.value) for row in self.ordered_rows]

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        row = self.cursor_row
        if not 0 <= row < self.row_count:
            return None
        return str(self.ordered_rows[row].key.value)

    def cells_of(self, key: str) -> tuple[RenderableType, ...] | None:
        return self._cells.get(key)

    def sync(self, rows: Sequence[Row]) -> None:
        """Make the table show exactly ``rows``, in that order."""
        wanted = [key for key, _ in rows]
        cursor_key = self.cursor_key
        current = self.keys
        wanted_set = set(wanted)
        kept = [k for k in current if k in wanted_set]
        kept_set = set(kept)
        appended = [k for k in wanted if k not in kept_set]
        if kept + appended != wanted:
            self._rebuild(rows, cursor_key)
            return
        for key in current:
            if key not in wanted_set:
                self.remove_row(key)
                self._cells.pop(key, None)
        for key, cells in rows:
            old = self._cells.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            elif old != cells:
                for col, old_cell, new_cell in zip(self._column_keys, old, cells):
                    if old_cell != new_cell:
                        self.update_cell(key, col, new_cell, update_width=True)
            self._cells[key] = cells
        self._restore_cursor(cursor_key)

    def append(self, rows: Sequence[Row], max_rows: int) -> None:
        """Add rows at the end (a live feed); drop the oldest beyond ``max_rows``.

        A cursor on the last row follows the feed; one the user moved up stays on its row.
        """
        if not rows:
            return
        following = self.row_count == 0 or self.cursor_row >= self.row_count - 1
        cursor_key = self.cursor_key
        for key, cells in rows:
            if key in self._cells:
                continue
            self.add_row(*cells, key=key)
            self._cells[key] = cells
        excess = self.row_count - max_rows
        if excess > 0:
            for key in self.keys[:excess]:
                self.remove_row(key)
                self._cells.pop(key, None)
        if following:
            self.move_cursor(row=self.row_count - 1, animate=False)
        else:
            self._restore_cursor(cursor_key)
            if excess > 0:
                self.scroll_to(y=max(0, self.scroll_y - excess), animate=False)

    def _rebuild(self, rows: Sequence[Row], cursor_key: str | None) -> None:
        old_row, scroll_x, scroll_y = self.cursor_row, self.scroll_x, self.scroll_y
        self.clear()
        self._cells = {}
        for key, cells in rows:
            self.add_row(*cells, key=key)
            self._cells[key] = cells
        if not self._restore_cursor(cursor_key) and self.row_count:
            self.move_cursor(row=min(old_row, self.row_count - 1), animate=False,
                             scroll=False)
        self.scroll_to(x=scroll_x, y=scroll_y, animate=False)

    def _restore_cursor(self, key: str | None) -> bool:
        if key is None or key not in self._cells:
            return False
        index = self.get_row_index(key)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)
        return True
