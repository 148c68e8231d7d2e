"""The credentials panel: every credential, whatever its source, with its live state.

A credential is a credential whether it came from an API key in the config, an OAuth
token file or (later) an AI Studio channel: the table shows provider and source, and
the actions a credential does not support (refreshing an API key) are greyed out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from ...views import CredentialView
from ..format import ago, clip, credential_name, state_details, state_summary
from ..messages import CredentialAction, CredentialActionRequested
from .filtered import FilteredTablePanel, matches_filter
from .keyed_table import Row
from .styles import set_text, state_style

_STATE_RANK = {"error": 0, "refresh-error": 0, "unavailable": 1, "cooling": 2,
               "active": 3, "disabled": 4, "unsupported": 5}

#: sort name → key over a view (ties broken by provider then label)
SORTS: dict[str, Callable[[CredentialView], Any]] = {
    "provider": lambda v: (v.provider, v.label),
    "state": lambda v: (_STATE_RANK.get(v.state, 5), v.provider, v.label),
    "failures": lambda v: (-v.failure_count, v.provider, v.label),
    "last used": lambda v: (-(v.last_used_at or 0.0), v.provider, v.label),
}


def _matches(view: CredentialView, filter_text: str) -> bool:
    return matches_filter(filter_text, (view.provider, view.label, view.state, view.source,
                                        view.last_error, *view.models))


class CredentialsPanel(FilteredTablePanel):
    """Credentials table with filter, sort and a detail box for the selected row."""

    COLUMNS = (("provider", "Provider"), ("label", "Credential"), ("state", "State"),
               ("counts", "OK/Fail"), ("used", "Last used"), ("models", "Models"),
               ("error", "Last error"))
    FILTER_ID = "cred-filter"
    FILTER_PLACEHOLDER = "/ filter credentials"
    INFO_ID = "cred-info"
    BODY_ID = "cred-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "request('disable')", "Disable", id="credential.disable",
                tooltip="Disable the selected credential (asks first); requests skip it"),
        Binding("e", "request('enable')", "Enable", id="credential.enable",
                tooltip="Enable the selected credential again"),
        Binding("r", "request('refresh')", "Refresh", id="credential.refresh",
                tooltip="Refresh the selected credential's OAuth token (not for API keys)"),
        Binding("c", "request('clear_cooldown')", "Clear cooldown",
                id="credential.clear_cooldown",
                tooltip="Make the selected credential usable again for every model now"),
        Binding("s", "cycle_sort", "Sort", id="credential.sort",
                tooltip="Sort by provider, state, failures or last use"),
        Binding("slash", "focus_filter", "Filter", id="credential.filter",
                tooltip="Filter by provider, label, state, source or model"),
        Binding("escape", "leave_filter", "Clear filter", show=False,
                id="credential.clear_filter"),
    ]

    DEFAULT_CSS = """
    CredentialsPanel {
        height: 1fr;
    }
    """

    credentials: reactive[tuple[CredentialView, ...]] = reactive((), init=False)
    """Every credential, as the service last described it."""
    now: reactive[float] = reactive(0.0, init=False)
    """The dashboard's clock, for "last used" and cooldown times."""
    sort_by: reactive[str] = reactive("provider", init=False)
    """Name of the active sort (a key of ``SORTS``)."""

    def __init__(self, tz: tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tz = tz
        self._by_id: dict[str, CredentialView] = {}
        self._actions: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static(id="cred-detail", classes="detail")

    @property
    def selected(self) -> CredentialView | None:
        key = self.table.cursor_key
        return self._by_id.get(key) if key is not None else None

    # -- attributes down -------------------------------------------------------------

    def watch_credentials(self) -> None:
        self._refresh_rows()

    def watch_now(self) -> None:
        self._refresh_rows()

    def watch_sort_by(self) -> None:
        self._refresh_rows()

    def _draw_rows(self) -> None:
        self._by_id = {v.id: v for v in self.credentials}
        shown = [v for v in self.credentials if _matches(v, self.filter_text)]
        shown.sort(key=SORTS[self.sort_by])
        self.table.sync([self._row(v) for v in shown])
        info = f"sort: {self.sort_by} · {len(shown)}"
        if len(shown) != len(self.credentials):
            info += f" of {len(self.credentials)}"
        self._show_info(info)
        self._show_detail()

    def _row(self, v: CredentialView) -> Row:
        state = Text(state_summary(v, self.now, self._tz), style=state_style(self.app, v.state))
        return v.id, (clip(v.provider, 12), clip(v.label, 26), state,
                      f"{v.success_count}/{v.failure_count}", ago(self.now, v.last_used_at),
                      str(len(v.models)), clip(v.last_error, 48))

    def _show_detail(self) -> None:
        view = self.selected
        detail = self.query_one("#cred-detail", Static)
        if view is None:
            set_text(detail, "No credentials yet: add an API key to the config file; it is "
                     "picked up when you save it."
                     if not self.credentials else "No credential matches the filter.")
        else:
            lines = state_details(view, self.now, self._tz)
            models = ", ".join(view.models[:8])
            if len(view.models) > 8:
                models += f" (+{len(view.models) - 8})"
            lines.insert(1, f"models: {models or '—'}")
            set_text(detail, Text("\n".join(lines)))
        # the footer rebuilds itself on every refresh: only when an action's state changed
        actions = None if view is None else (view.id, view.disabled, view.can_refresh,
                                             bool(view.cooldowns or view.unavailable))
        if actions != self._actions:
            self._actions = actions
            self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#cred-table")
    def _row_highlighted(self) -> None:
        self._show_detail()

    # -- messages up -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "request":
            return True
        view = self.selected
        if view is None:
            return None
        kind = parameters[0] if parameters else ""
        allowed = {
            "disable": not view.disabled,
            "enable": view.disabled,
            "refresh": view.can_refresh,
            "clear_cooldown": bool(view.cooldowns or view.unavailable),
        }.get(str(kind), False)
        return True if allowed else None

    def action_request(self, kind: CredentialAction) -> None:
        view = self.selected
        if view is None:
            self.notify("Select a credential first.", severity="warning")
            return
        self.post_message(CredentialActionRequested(
            kind, view.id, credential_name(view.provider, view.label)))

    def action_cycle_sort(self) -> None:
        names = list(SORTS)
        self.sort_by = names[(names.index(self.sort_by) + 1) % len(names)]
