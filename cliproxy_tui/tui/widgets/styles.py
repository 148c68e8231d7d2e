"""Rich styles for table cells, taken from the app's theme so every theme reads well."""

from __future__ import annotations

from textual.app import App

_STATE_COLOUR = {
    "active": "text-success",
    "cooling": "text-warning",
    "unavailable": "text-error",
    "error": "text-error",
    "refresh-error": "text-error",
}


def state_style(app: App, state: str) -> str:
    """The style of a credential state word: green active, amber cooling, red broken."""
    if state == "disabled":
        return "dim"
    variable = _STATE_COLOUR.get(state)
    return app.theme_variables.get(variable, "") if variable else ""


def status_style(app: App, status: int) -> str:
    """HTTP status of a finished request."""
    if status >= 400 or status == 0:
        return app.theme_variables.get("text-error", "")
    return app.theme_variables.get("text-success", "")
