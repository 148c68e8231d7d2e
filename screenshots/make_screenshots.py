"""Regenerate the dashboard screenshots in this folder from the demo service's data.

    python screenshots/make_screenshots.py [--size 100x30]

Each panel is shot at a fixed clock, in UTC, so the files only change when the dashboard
does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from cliproxy_tui.tui.app import DashboardApp
from cliproxy_tui.tui.demo import DEMO_NOW, DemoService

#: file name → keys pressed before the shot
SHOTS: dict[str, tuple[str, ...]] = {
    "credentials.svg": ("down", "down", "down"),
    "models.svg": ("2",),
    "usage.svg": ("3",),
    "logs.svg": ("4",),
    "help.svg": ("question_mark",),
    "confirm-disable.svg": ("down", "d"),
}


async def shoot(name: str, keys: tuple[str, ...], size: tuple[int, int]) -> Path:
    app = DashboardApp(DemoService(), now=lambda: DEMO_NOW, tz=UTC, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause(0.2)
        path = Path(app.save_screenshot(name, path=str(HERE)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100x30", help="terminal size, COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(n) for n in args.size.lower().split("x"))
    for name, keys in SHOTS.items():
        path = asyncio.run(shoot(name, keys, (cols, rows)))
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
