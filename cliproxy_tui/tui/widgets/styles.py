"""Cell styles from the app's theme (so every theme reads well), and cheap label updates."""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.widgets import Static

_STATE_COLOUR = {
    "active": "text-success",
    "cooling": "text-warning",
    "unavailable": "text-error",
    "error": "text-error",
    "refresh-error": "text-error",
}


def state_style(app: App, state: str) -> str:
    """The style of a credential state word: green active, amber cooling, red broken."""
    if state in ("disabled", "unsupported"):
        return "dim"
    variable = _STATE_COLOUR.get(state)
    return app.theme_variables.get(variable, "") if variable else ""


def status_style(app: App, status: int) -> str:
    """HTTP status of a finished request."""
    if status >= 400 or status == 0:
        return app.theme_variables.get("text-error", "")
    return app.theme_variables.get("text-success", "")


def set_text(widget: Static, content: str | Text) -> None:
    """Update a Static only when its text changes.

    ``Static.update`` always re-lays-out the whole screen (tens of milliseconds with four
    panels), so a label that is rewritten every refresh with the same words must not
    call it.
    """
    if widget.content != content:
        widget.update(content)
