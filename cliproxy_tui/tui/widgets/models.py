"""The models panel: each model the proxy offers, who serves it, and whether it can now."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, Static

from ...views import ModelView
from .keyed_table import KeyedTable, Row
from .styles import set_text

COLUMNS = (("model", "Model"), ("available", "Available"), ("providers", "Providers"),
           ("credentials", "Credentials"))


class ModelsPanel(Vertical):
    """Model table keyed by model id, with a filter box."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", id="models.filter",
                tooltip="Filter models by id, provider or credential"),
        Binding("escape", "leave_filter", "Clear filter", show=False,
                id="models.clear_filter"),
    ]

    DEFAULT_CSS = """
    ModelsPanel {
        height: 1fr;
    }
    """

    models: reactive[tuple[ModelView, ...]] = reactive((), init=False)
    """Every model in the registry."""
    credential_labels: reactive[dict[str, str]] = reactive(dict, init=False)
    """Credential id → its masked label, to name who serves a model."""
    filter_text: reactive[str] = reactive("", init=False)
    """Words every shown row must contain."""
    shown: reactive[bool] = reactive(True, init=False)
    """False while the panel's tab is hidden: updates are kept and drawn on showing."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stale = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="panel-bar"):
            yield Input(placeholder="/ filter models", id="model-filter", compact=True)
            yield Static(id="model-info", classes="panel-info")
        yield KeyedTable(COLUMNS, id="model-table")

    def on_mount(self) -> None:
        self._refresh_rows()

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#model-table", KeyedTable)

    def watch_models(self) -> None:
        self._refresh_rows()

    def watch_credential_labels(self) -> None:
        self._refresh_rows()

    def watch_filter_text(self) -> None:
        self._refresh_rows()

    def _refresh_rows(self) -> None:
        if not self.is_mounted:
            return
        if not self.shown:
            self._stale = True
            return
        rows = [self._row(m) for m in sorted(self.models, key=lambda m: m.id)]
        needle = self.filter_text.lower().split()
        if needle:
            rows = [r for r in rows
                    if all(w in " ".join(map(str, r[1])).lower() for w in needle)]
        self.table.sync(rows)
        usable = sum(1 for m in self.models if m.available)
        info = f"{usable} of {len(self.models)} available now"
        if needle:
            info += f" · {len(rows)} shown"
        set_text(self.query_one("#model-info", Static), info)

    def watch_shown(self, shown: bool) -> None:
        if shown and self._stale:
            self._stale = False
            self._refresh_rows()

    def _row(self, m: ModelView) -> Row:
        theme = self.app.theme_variables
        available = (Text("● yes", style=theme.get("text-success", "")) if m.available
                     else Text("○ no", style=theme.get("text-error", "")))
        labels = [self.credential_labels.get(cid, cid) for cid in m.credential_ids]
        serving = ", ".join(labels[:3]) + (f" +{len(labels) - 3}" if len(labels) > 3 else "")
        return m.id, (m.id, available, ", ".join(m.providers), serving or "—")

    def action_focus_filter(self) -> None:
        self.query_one("#model-filter", Input).focus()

    def action_leave_filter(self) -> None:
        box = self.query_one("#model-filter", Input)
        if box.has_focus:
            box.value = ""
        self.table.focus()

    @on(Input.Changed, "#model-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#model-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()
