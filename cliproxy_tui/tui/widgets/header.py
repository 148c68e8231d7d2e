"""One-line status header: listen address, state, uptime, request rate, access keys."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..format import duration


class StatusHeader(Widget):
    """Renders from its reactives only; the app sets them (``now`` once a second)."""

    DEFAULT_CSS = """
    StatusHeader {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    state: reactive[str] = reactive("starting")
    """Service state: starting, running, stopping, stopped."""
    listen: reactive[str] = reactive("")
    """``host:port`` the proxy listens on."""
    started_at: reactive[float | None] = reactive(None)
    """When the port opened (service clock)."""
    now: reactive[float] = reactive(0.0)
    """The dashboard's clock."""
    rate: reactive[float] = reactive(0.0)
    """Requests per second, averaged over the last seconds."""
    access_keys_on: reactive[bool] = reactive(False)
    """Whether clients must present one of the config's ``api-keys``."""
    access_key_count: reactive[int] = reactive(0)
    """How many access keys are configured."""

    def render(self) -> Text:
        theme = self.app.theme_variables
        ok = self.state == "running"
        dot = ("●", theme.get("text-success", "") if ok else theme.get("text-error", ""))
        text = Text(" ")
        if self.size.width >= 90:
            text.append_text(Text.assemble(("cliproxy-tui", "bold"), "   "))
        text.append_text(Text.assemble(dot, f" {self.state}   "))
        if self.listen:
            text.append(self.listen, style="bold")
        if self.started_at is not None and ok:
            text.append(f"   up {duration(self.now - self.started_at)}")
        text.append(f"   {self.rate:.1f} req/s")
        if self.access_keys_on:
            n = self.access_key_count
            text.append(f"   access keys on ({n})" if n else "   access keys on")
        else:
            text.append("   access keys OFF", style=theme.get("text-warning", ""))
        return text
