"""What the credentials and models panels share: a filter box and an info line over a table.

A subclass names its widget ids and columns, draws its rows in ``_draw_rows`` and keeps
its own bindings (their ids and descriptions are the panel's). Drawing waits while the
panel's tab is hidden and catches up when it is shown again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, Static

from .keyed_table import KeyedTable
from .styles import set_text


class FilteredTablePanel(Vertical):
    """A keyed table with a filter box and an info line above it."""

    COLUMNS: ClassVar[Sequence[tuple[str, str]]] = ()
    """The table's columns as (key, label), in display order."""
    FILTER_ID: ClassVar[str] = ""
    """Id of the filter box."""
    FILTER_PLACEHOLDER: ClassVar[str] = ""
    """What the empty filter box says."""
    INFO_ID: ClassVar[str] = ""
    """Id of the info line beside the filter box."""
    TABLE_ID: ClassVar[str] = ""
    """Id of the table."""

    filter_text: reactive[str] = reactive("", init=False)
    """Words every shown row must contain."""
    shown: reactive[bool] = reactive(True, init=False)
    """False while the panel's tab is hidden: updates are kept and drawn on showing."""

    #: a subclass's drawing: bring the table, info line and anything else in step with
    #: its attributes (checked when the subclass is defined)
    _draw_rows: Callable[[], None]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Textual's widget metaclass rules out abc; a panel without its drawing is a bug
        # to catch at import, not at the first redraw
        super().__init_subclass__(**kwargs)
        if not callable(getattr(cls, "_draw_rows", None)):
            raise TypeError(f"{cls.__name__} must define _draw_rows()")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stale = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="panel-bar"):
            yield Input(placeholder=self.FILTER_PLACEHOLDER, id=self.FILTER_ID, compact=True)
            yield Static(id=self.INFO_ID, classes="panel-info")
        yield KeyedTable(self.COLUMNS, id=self.TABLE_ID)

    def on_mount(self) -> None:
        self._refresh_rows()

    @property
    def table(self) -> KeyedTable:
        return self.query_one(f"#{self.TABLE_ID}", KeyedTable)

    def watch_filter_text(self) -> None:
        self._refresh_rows()

    def watch_shown(self, shown: bool) -> None:
        if shown and self._stale:
            self._stale = False
            self._refresh_rows()

    def _refresh_rows(self) -> None:
        if not self.is_mounted:
            return
        if not self.shown:
            self._stale = True
            return
        self._draw_rows()

    def _show_info(self, info: str) -> None:
        set_text(self.query_one(f"#{self.INFO_ID}", Static), info)

    def action_focus_filter(self) -> None:
        self.query_one(f"#{self.FILTER_ID}", Input).focus()

    def action_leave_filter(self) -> None:
        box = self.query_one(f"#{self.FILTER_ID}", Input)
        if box.has_focus:
            box.value = ""
        self.table.focus()

    # the selector of ``@on`` is fixed when this class is defined, before a subclass names
    # its ids, so these handlers match the filter box by id themselves
    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.input.id == self.FILTER_ID:
            self.filter_text = event.value

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self.FILTER_ID:
            self.table.focus()
