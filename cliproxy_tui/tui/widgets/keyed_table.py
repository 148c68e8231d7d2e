"""A DataTable kept in step with a keyed list of rows, in place.

Panels describe the rows they want (key → cells, in display order); ``sync`` changes
only the cells that differ, removes and appends rows as needed, and rebuilds only when
the order itself changed — keeping the cursor on the same key and the scroll offset.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import DataTable

Row = tuple[str, tuple[RenderableType, ...]]


def _plain(cell: RenderableType) -> RenderableType:
    # DataTable reads a str cell as markup: a model name or an error with "[...]" in it
    # would be mangled (and parsing costs more than the row itself)
    return Text(cell) if isinstance(cell, str) else cell


class KeyedTable(DataTable[RenderableType]):
    """Rows keyed by a stable id (credential id, model id)."""

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
        """Row keys in display order (rows only change through this class, in order)."""
        return list(self._cells)

    @property
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        row = self.cursor_row
        if not 0 <= row < self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

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
                self.add_row(*map(_plain, cells), key=key)
            elif old != cells:
                for col, old_cell, new_cell in zip(self._column_keys, old, cells):
                    if old_cell != new_cell:
                        # re-measuring costs a layout pass: only when the cell may be wider
                        wider = len(str(new_cell)) > len(str(old_cell))
                        self.update_cell(key, col, _plain(new_cell), update_width=wider)
            self._cells[key] = cells
        self._restore_cursor(cursor_key)

    def _rebuild(self, rows: Sequence[Row], cursor_key: str | None) -> None:
        old_row, scroll_x, scroll_y = self.cursor_row, self.scroll_x, self.scroll_y
        self.clear()
        self._cells = {}
        for key, cells in rows:
            self.add_row(*map(_plain, cells), key=key)
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
