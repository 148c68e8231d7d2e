"""SVG snapshots of each screen state, over the demo service's fixed data.

Deterministic: the clock is fixed, times are shown in UTC, the cursor does not blink,
nothing reads the user's config. Update with ``--snapshot-update`` after a deliberate
change, and look at the new SVGs before keeping them.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from cliproxy_tui.events import LogLine
from cliproxy_tui.tui.app import DashboardApp
from cliproxy_tui.tui.demo import DEMO_NOW, DemoService


def demo_app() -> DashboardApp:
    return DashboardApp(DemoService(), now=lambda: DEMO_NOW, tz=UTC, cursor_blink=False)


def test_credentials(snap_compare: Any) -> None:
    assert snap_compare(demo_app())


def test_credentials_cooling_row_details(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["down", "down", "down"])


def test_credentials_filtered_and_sorted(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["s", "slash", *"gemini"])


def test_models(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["2"])


def test_usage(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["3"])


def test_usage_wide(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["3"], terminal_size=(120, 36))


def test_logs_paused_with_pending_lines(snap_compare: Any) -> None:
    app = demo_app()

    async def pause_then_log(pilot: Any) -> None:
        await pilot.press("4", "p")
        for i in range(3):
            app.service.events.publish(
                LogLine(DEMO_NOW, "WARNING", "cliproxy_tui.manager", f"arrived paused {i}"))
        await pilot.pause(0.2)

    assert snap_compare(app, run_before=pause_then_log)


def test_help(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["question_mark"])


def test_confirm_disable(snap_compare: Any) -> None:
    assert snap_compare(demo_app(), press=["down", "d"])
