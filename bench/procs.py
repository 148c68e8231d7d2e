"""Processes for the benchmark: start pinned, always stop, read CPU and memory from /proc."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")
_PR_SET_PDEATHSIG = 1
# Looked up here, not in the child: between fork and exec only async-signal-safe work is sane.
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    # If the runner itself is killed (even by SIGKILL) the kernel still stops what it started.
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def cpu_ms(pid: int) -> float | None:
    """utime + stime of a process (all its threads), in ms."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_busy_ms(cpu: int) -> float:
    """Non-idle time of one CPU since boot (from /proc/stat), in ms."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            v = [int(x) for x in line.split()[1:]]
            idle = v[3] + (v[4] if len(v) > 4 else 0)
            return (sum(v[:8]) - idle) * TICK_MS
    return 0.0


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cmd: list[str], cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus, *cmd] if cpus else cmd


class Procs:
    """Every process the run starts, each in its own session; stop_all() ends all of them."""

    def __init__(self) -> None:
        self.live: list[subprocess.Popen] = []

    def start(self, cmd: list[str], cpus: str | None, log: Path | None = None,
              env: dict[str, str] | None = None, capture: bool = False) -> subprocess.Popen:
        out: int | IO[bytes] = subprocess.PIPE if capture else (
            log.open("ab") if log else subprocess.DEVNULL)
        p = subprocess.Popen(pinned(cmd, cpus), stdout=out,
                             stderr=subprocess.PIPE if capture else subprocess.STDOUT,
                             env={**os.environ, **(env or {})}, start_new_session=True,
                             preexec_fn=_die_with_parent)  # noqa: PLW1509 (prctl only)
        if not capture and log:
            out.close()  # type: ignore[union-attr]  # the child holds its own copy
        self.live.append(p)
        return p

    def run(self, cmd: list[str], cpus: str | None, timeout: float,
            env: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Run to completion (killed after timeout); returns (rc, stdout, stderr)."""
        p = self.start(cmd, cpus, env=env, capture=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(p)
            out, err = p.communicate()
        finally:
            if p in self.live:
                self.live.remove(p)
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def stop(self, p: subprocess.Popen, grace: float = 10.0) -> float | None:
        """SIGTERM the process group, SIGKILL after grace; returns seconds to exit on TERM."""
        t0 = time.perf_counter()
        took = None
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                p.wait(wait)
                if sig == signal.SIGTERM:
                    took = time.perf_counter() - t0
                os.killpg(p.pid, signal.SIGKILL)  # stragglers of the group, if any
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
            break
        if p in self.live:
            self.live.remove(p)
        return took

    def stop_all(self) -> None:
        for p in reversed(list(self.live)):
            self.stop(p, grace=5.0)


def wait_http_200(url: str, headers: dict[str, str], proc: subprocess.Popen | None,
                  limit: float) -> float:
    """Seconds until url answers 200 (polled every 5 ms); SystemExit on exit or timeout."""
    t0 = time.perf_counter()
    req = urllib.request.Request(url, headers=headers)
    while time.perf_counter() - t0 < limit:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"process exited with code {proc.returncode} before {url} "
                             "answered (see its log)")
        try:
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.005)
    raise SystemExit(f"{url} did not answer 200 within {limit:.0f} s")


class RssPeak(threading.Thread):
    """Largest VmRSS of one process, sampled every `every` seconds until stop()."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, rss_kb(self.pid) or 0)
            self._halt.wait(self.every)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak_kb
