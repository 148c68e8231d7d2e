"""Summarize a py-spy profile (``py-spy record --format raw``): top functions by self and
inclusive share of samples, with file:line, so a profile can be read without a browser.

    py-spy record --format raw -o /tmp/prof.txt --pid PID -d 10
    python bench/hotspots.py /tmp/prof.txt --top 25 [--focus cliproxy_tui]

Self time is counted at the innermost frame; with --focus, at the innermost frame whose file
contains that text (so time spent inside aiohttp or orjson is charged to the project line
that called it). Inclusive time counts each function once per sample.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?):(?P<line>\d+)\)$")
_PREFIXES = ("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/",
             "/root/.pyenv/versions/3.11.7/lib/python3.11/", "/work/main/")


def short(path: str) -> str:
    for p in _PREFIXES:
        if path.startswith(p):
            return path[len(p):]
    return path


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def label(frame: str, with_line: bool) -> str:
    m = _FRAME.match(frame)
    if not m:
        return frame
    where = short(m["file"]) + (f":{m['line']}" if with_line else "")
    return f"{m['func']} ({where})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("profile", type=Path)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--focus", default="", help="charge self time to frames in these files")
    ap.add_argument("--skip-idle", action="store_true", default=True,
                    help="drop samples of idle threads (select/epoll waits)")
    a = ap.parse_args()
    stacks = parse(a.profile)
    self_t: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for frames, n in stacks:
        if a.skip_idle and any(w in frames[-1] for w in ("select (", "poll (", "wait (",
                                                         "_run_once (asyncio")):
            continue
        total += n
        leaf = frames[-1]
        if a.focus:
            leaf = next((f for f in reversed(frames) if a.focus in f), leaf)
        self_t[label(leaf, True)] += n
        for name in {label(f, False) for f in frames}:
            incl[name] += n
    print(f"{total} busy samples\n\nself (innermost{' ' + a.focus if a.focus else ''} frame):")
    for name, n in self_t.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {name}")
    print("\ninclusive:")
    for name, n in incl.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
