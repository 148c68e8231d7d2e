"""What the credentials, models and logs panels share: a filter box and an info line
over what they filter (a table, a log).

A subclass names its widget ids, composes what goes under the bar, draws in
``_draw_rows`` and keeps its own bindings (their ids and descriptions are the panel's;
the actions ``focus_filter`` and ``leave_filter`` are here). Drawing waits while the
panel's tab is hidden and catches up when it is shown again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, Static

from .keyed_table import KeyedTable
from .styles import set_text


def matches_filter(filter_text: str, fields: Iterable[str]) -> bool:
    """Whether every word of ``filter_text`` is in one of ``fields``, ignoring case."""
    hay = " ".join(fields).lower()
    return all(word in hay for word in filter_text.lower().split())


class FilterBarPanel(Vertical):
    """A filter box and an info line above the widget they are about."""

    FILTER_ID: ClassVar[str] = ""
    """Id of the filter box."""
    FILTER_PLACEHOLDER: ClassVar[str] = ""
    """What the empty filter box says."""
    INFO_ID: ClassVar[str] = ""
    """Id of the info line beside the filter box."""
    BODY_ID: ClassVar[str] = ""
    """Id of the widget under the bar (composed by the subclass); leaving the box focuses it."""

    filter_text: reactive[str] = reactive("", init=False)
    """What the filter box says: the subclass decides what a match is."""
    shown: reactive[bool] = reactive(True, init=False)
    """False while the panel's tab is hidden: updates are kept and drawn on showing."""

    #: a subclass's drawing: bring what is under the bar, the info line and anything else
    #: in step with its attributes (checked when the subclass is defined)
    _draw_rows: Callable[[], None]

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        # Textual's widget metaclass rules out abc; a panel without its drawing is a bug
        # to catch at import, not at the first redraw
        super().__init_subclass__(**kwargs)
        if not abstract and not callable(getattr(cls, "_draw_rows", None)):
            raise TypeError(f"{cls.__name__} must define _draw_rows()")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stale = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="panel-bar"):
            yield Input(placeholder=self.FILTER_PLACEHOLDER, id=self.FILTER_ID, compact=True)
            yield Static(id=self.INFO_ID, classes="panel-info")

    def on_mount(self) -> None:
        self._refresh_rows()

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
        self.query_one(f"#{self.BODY_ID}").focus()

    # the selector of ``@on`` is fixed when this class is defined, before a subclass names
    # its ids, so these handlers match the filter box by id themselves
    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.input.id == self.FILTER_ID:
            self.filter_text = event.value

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self.FILTER_ID:
            self.query_one(f"#{self.BODY_ID}").focus()


class FilteredTablePanel(FilterBarPanel, abstract=True):
    """A keyed table with a filter box and an info line above it."""

    COLUMNS: ClassVar[Sequence[tuple[str, str]]] = ()
    """The table's columns as (key, label), in display order."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield KeyedTable(self.COLUMNS, id=self.BODY_ID)

    @property
    def table(self) -> KeyedTable:
        return self.query_one(f"#{self.BODY_ID}", KeyedTable)
