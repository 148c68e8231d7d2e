"""Pure text formatting for the dashboard: times, durations, counts, credential states.

Every function that depends on "now" takes it as an argument, so a test that fixes the
clock gets the same screen every run.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from ..views import CredentialView

STATE_WORDS = {
    "active": "active",
    "cooling": "cooling down",
    "unavailable": "unavailable",
    "disabled": "disabled",
    "error": "error",
    "refresh-error": "refresh error",
    "unsupported": "not supported",
}


def clock_time(t: float | None, tz: tzinfo | None) -> str:
    """``HH:MM:SS`` in the dashboard's time zone (local when ``tz`` is None)."""
    if t is None:
        return "—"
    return datetime.fromtimestamp(t, tz).strftime("%H:%M:%S")


def duration(seconds: float) -> str:
    """A short human duration: ``12s``, ``3m 05s``, ``1h 02m``, ``3d 04h``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}h {m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d {h:02d}h"


def ago(now: float, t: float | None) -> str:
    """``never``, ``now``, ``5s ago``, ``3m ago``, ``2h ago``, ``4d ago``."""
    if t is None:
        return "never"
    s = now - t
    if s < 1:
        return "now"
    if s < 60:
        return f"{int(s)}s ago"
    if s < 3600:
        return f"{int(s // 60)}m ago"
    if s < 86400:
        return f"{int(s // 3600)}h ago"
    return f"{int(s // 86400)}d ago"


def count(n: int) -> str:
    """Token and request counts that fit a narrow column: ``950``, ``12.3k``, ``4.1M``."""
    if n < 1000:
        return str(n)
    for unit, size in (("k", 1e3), ("M", 1e6), ("G", 1e9)):
        if n < size * 1000:
            value = n / size
            return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{n / 1e12:.1f}T"


def millis(ms: float | None) -> str:
    """Latencies: ``85ms``, ``1.24s``, ``—`` when unknown."""
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f}ms"
    return f"{ms / 1000:.2f}s"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def credential_name(provider: str, label: str) -> str:
    """A label that says whose it is: ``claude ada@example.com``, ``gemini …9xQa``."""
    if not label:
        return provider
    if label.lower().startswith(provider.lower()):
        return label
    return f"{provider} {label}"


def state_summary(view: CredentialView, now: float, tz: tzinfo | None) -> str:
    """One cell: the state word plus when and for which model it ends."""
    word = STATE_WORDS.get(view.state, view.state)
    if view.state == "cooling" and view.cooldowns:
        # the earliest end; which models, and why, is in the detail box
        first = min(view.cooldowns, key=lambda c: c.next_retry_after or now)
        return f"cooling until {clock_time(first.next_retry_after, tz)}"
    if view.state == "unavailable" and view.next_retry_after:
        return f"unavailable until {clock_time(view.next_retry_after, tz)}"
    return word


def state_details(view: CredentialView, now: float, tz: tzinfo | None) -> list[str]:
    """The lines of the detail box under the credentials table, for the selected one."""
    lines = [f"{view.provider} · {view.label} · source {view.source or '—'} · id {view.id}"]
    state = STATE_WORDS.get(view.state, view.state)
    if view.state == "unavailable" and view.next_retry_after:
        state += (f" until {clock_time(view.next_retry_after, tz)}"
                  f" (in {duration(view.next_retry_after - now)})")
    if view.status_message and view.state not in ("active", "disabled"):
        state += f": {view.status_message}"
    lines.append(f"state: {state}")
    for cd in view.cooldowns:
        why = "rate limit" if cd.quota_exceeded else (cd.status or "blocked")
        until = cd.next_retry_after
        when = (f"until {clock_time(until, tz)} (in {duration(until - now)})"
                if until else "")
        lines.append(f"  {cd.model}: {why} {when}".rstrip())
    if view.last_error:
        lines.append(f"last error: {view.last_error}")
    return lines
