"""The models panel: each model the proxy offers, who serves it, and whether it can now."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive

from ...views import ModelView
from .filtered import FilteredTablePanel, matches_filter
from .keyed_table import Row


class ModelsPanel(FilteredTablePanel):
    """Model table keyed by model id, with a filter box."""

    COLUMNS = (("model", "Model"), ("available", "Available"), ("providers", "Providers"),
               ("credentials", "Credentials"))
    FILTER_ID = "model-filter"
    FILTER_PLACEHOLDER = "/ filter models"
    INFO_ID = "model-info"
    BODY_ID = "model-table"

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

    def watch_models(self) -> None:
        self._refresh_rows()

    def watch_credential_labels(self) -> None:
        self._refresh_rows()

    def _draw_rows(self) -> None:
        rows = [self._row(m) for m in sorted(self.models, key=lambda m: m.id)]
        filtering = bool(self.filter_text.split())
        if filtering:
            rows = [r for r in rows if matches_filter(self.filter_text, map(str, r[1]))]
        self.table.sync(rows)
        usable = sum(1 for m in self.models if m.available)
        info = f"{usable} of {len(self.models)} available now"
        if filtering:
            info += f" · {len(rows)} shown"
        self._show_info(info)

    def _row(self, m: ModelView) -> Row:
        theme = self.app.theme_variables
        available = (Text("● yes", style=theme.get("text-success", "")) if m.available
                     else Text("○ no", style=theme.get("text-error", "")))
        labels = [self.credential_labels.get(cid, cid) for cid in m.credential_ids]
        serving = ", ".join(labels[:3]) + (f" +{len(labels) - 3}" if len(labels) > 3 else "")
        return m.id, (m.id, available, ", ".join(m.providers), serving or "—")
