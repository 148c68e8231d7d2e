"""Command line: ``cliproxy-tui [--config PATH] [--headless]``.

Plain ``cliproxy-tui`` runs the proxy under the dashboard; ``--headless`` runs the proxy
alone and never imports textual. Errors the user can fix
(bad config, port in use) are one line on stderr and a non-zero exit, no traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cliproxy-tui",
        description="Local proxy for the OpenAI, Claude and Gemini APIs over your own "
                    "credentials, with a live terminal dashboard.",
        epilog="Environment: CLIPROXY_UPSTREAM_MAP=ORIGIN=URL,... rewrites outgoing "
               "upstream URLs (e.g. for a corporate gateway).")
    parser.add_argument("--config", metavar="PATH", default="config.yaml",
                        help="config file (default: ./config.yaml); edits apply without a restart")
    parser.add_argument("--headless", action="store_true",
                        help="run the proxy only, without the dashboard")
    parser.add_argument("--version", action="version", version=f"cliproxy-tui {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = args.config
    if not os.path.isfile(config):
        print(f"cliproxy-tui: config file {config} not found (give one with --config PATH)",
              file=sys.stderr)
        return 2
    if args.headless:
        return run_headless(config)
    # imported here so that --headless never loads textual
    from .tui import run_dashboard

    return run_dashboard(config)


def run_headless(config: str) -> int:
    from . import logsetup
    from .service import Service, ServiceError

    logsetup.add_stderr()
    service = Service(config)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        service.start()
    except ServiceError as exc:
        print(f"cliproxy-tui: {exc}", file=sys.stderr)
        return 1
    snap = service.snapshot()
    print(f"cliproxy-tui {__version__}: proxy on {service.base_url} with "
          f"{len(snap.credentials)} credential(s) and {len(snap.models)} model(s); "
          f"config {os.path.abspath(config)}. Ctrl+C stops.", file=sys.stderr, flush=True)
    while not stop.is_set() and not service.wait(0.5):
        pass
    service.shutdown()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
