"""The help screen: every key of the dashboard, grouped, read from the bindings themselves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

Section = tuple[str, Sequence[BindingType]]

_KEY_NAMES = {"slash": "/", "question_mark": "?", "escape": "esc"}


def key_label(key: str) -> str:
    return ", ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close",
                tooltip="Close the help"),
    ]

    def __init__(self, sections: Sequence[Section], intro: str = "") -> None:
        super().__init__()
        self._sections = sections
        self._intro = intro

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._table(), id="help-keys")

    def _table(self) -> Group:
        parts: list[Text | Table] = []
        if self._intro:
            parts.append(Text(self._intro, style="italic"))
        for title, bindings in self._sections:
            parts.append(Text(f"\n{title}", style="bold underline"))
            table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
            table.add_column("key", style="bold", no_wrap=True, width=10)
            table.add_column("what", ratio=1)
            for b in bindings:
                if isinstance(b, Binding) and b.description:
                    table.add_row(key_label(b.key), b.tooltip or b.description)
            parts.append(table)
        parts.append(Text("\nesc closes this help · ctrl+p lists every action as a command",
                          style="italic"))
        return Group(*parts)
