"""The Textual dashboard. ``run_dashboard`` is what plain ``cliproxy-tui`` runs.

Nothing here is imported by the proxy core: ``cliproxy-tui --headless`` never loads it.
"""

from __future__ import annotations

import sys


def run_dashboard(config_path: str) -> int:
    """Start the proxy on its own thread, run the dashboard over it, always stop the proxy.

    A proxy that cannot start (bad config, port in use) is one line on stderr and exit
    code 1, without ever opening the screen.
    """
    from ..service import Service, ServiceError

    service = Service(config_path)
    try:
        service.start()
    except ServiceError as exc:
        print(f"cliproxy-tui: {exc}", file=sys.stderr)
        return 1
    try:
        from .app import DashboardApp

        result = DashboardApp(service, handle_sigterm=True).run()
    finally:
        # whatever happened to the screen, the port is released before we return
        service.shutdown()
    return result if isinstance(result, int) else 0
