"""Closed-loop load generator for LLM API endpoints on loopback; prints one JSON line.

C workers share a keep-alive pool and send requests back to back until --n have finished
(after an uncounted warm-up) or --max-seconds has passed, whichever comes first. A request is
OK only with HTTP 200 and, for a stream, the format's end marker in its last bytes
([DONE], message_stop, response.completed, or a Gemini finishReason).

    python bench/loadgen.py --url http://127.0.0.1:18317/v1/chat/completions \
        --body openai --stream --n 2000 -c 16 -H 'Authorization: Bearer KEY'

Latency = request start to last body byte; TTFB = request start to first body byte (streams).
With --watch-pid the proxy's CPU time (utime+stime of every thread, from /proc) is read right
before and after the counted phase, so cpu_ms_per_req covers exactly the counted requests.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

PROMPT = "Say hello in one short sentence."
_msgs = [{"role": "user", "content": PROMPT}]
PRESETS: dict[str, Callable[[str | None, bool], dict[str, Any]]] = {
    "openai": lambda m, s: {"model": m or "gpt-mock", "max_tokens": 256, "messages": _msgs,
                            **({"stream": True, "stream_options": {"include_usage": True}}
                               if s else {})},
    "claude": lambda m, s: {"model": m or "claude-mock", "max_tokens": 256, "messages": _msgs,
                            **({"stream": True} if s else {})},
    "gemini": lambda m, s: {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
                            "generationConfig": {"maxOutputTokens": 256}},
    "responses": lambda m, s: {"model": m or "gpt-5", "input": PROMPT,
                               "max_output_tokens": 256, **({"stream": True} if s else {})},
}
END_MARKERS = {"openai": (b"[DONE]",), "claude": (b"message_stop",),
               "gemini": (b"finishReason",), "responses": (b"response.completed",)}
TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_body(spec: str, model: str | None, stream: bool) -> tuple[bytes, str | None]:
    """(encoded body, preset name or None) for a preset, @file.json or inline JSON."""
    if spec in PRESETS:
        return orjson.dumps(PRESETS[spec](model, stream)), spec
    raw = Path(spec[1:]).read_bytes() if spec.startswith("@") else spec.encode()
    body = orjson.loads(raw)
    if model:
        body["model"] = model
    if stream and "contents" not in body:  # Gemini streams are chosen by the URL
        body["stream"] = True
    return orjson.dumps(body), None


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def proc_cpu_ms(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * TICK_MS  # utime + stime, all threads


class Load:
    def __init__(self, a: argparse.Namespace, body: bytes, markers: tuple[bytes, ...]) -> None:
        self.a, self.body, self.markers = a, body, markers
        self.headers = {"Content-Type": "application/json"}
        for h in a.header:
            k, _, v = h.partition(":")
            self.headers[k.strip()] = v.strip()
        self.lat: list[float] = []
        self.ttfb: list[float] = []
        self.errors = 0
        self.status: dict[str, int] = {}
        self.samples: list[str] = []
        self.bytes_in = 0
        self.issued = 0

    def _fail(self, why: str) -> None:
        self.errors += 1
        if len(self.samples) < 3:
            self.samples.append(why[:300])

    async def one(self, session: aiohttp.ClientSession, counted: bool) -> None:
        t0 = time.perf_counter()
        first = None
        try:
            async with session.post(self.a.url, data=self.body, headers=self.headers) as r:
                if self.a.stream and r.status == 200:
                    size, tail = 0, b""
                    async for piece in r.content.iter_any():
                        if first is None:
                            first = time.perf_counter()
                        size += len(piece)
                        tail = (tail + piece)[-4096:]
                    data = tail
                else:
                    data = await r.read()
                    size = len(data)
            t1 = time.perf_counter()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            if counted:
                self.status["exc"] = self.status.get("exc", 0) + 1
                self._fail(f"{type(exc).__name__}: {exc}")
            return
        if not counted:
            return
        key = str(r.status)
        self.status[key] = self.status.get(key, 0) + 1
        self.bytes_in += size
        if r.status != 200:
            self._fail(f"HTTP {r.status}: {data[:200]!r}")
        elif self.a.stream and not any(m in data for m in self.markers):
            self._fail(f"stream ended without its end marker: ...{data[-100:]!r}")
        else:
            self.lat.append(t1 - t0)
            if first is not None:
                self.ttfb.append(first - t0)

    async def worker(self, session: aiohttp.ClientSession, deadline: float) -> None:
        while self.issued < self.a.n and time.perf_counter() < deadline:
            self.issued += 1
            await self.one(session, True)

    async def run(self) -> dict[str, Any]:
        a = self.a
        conn = aiohttp.TCPConnector(limit=a.c, limit_per_host=a.c, ttl_dns_cache=None)
        timeout = aiohttp.ClientTimeout(total=a.timeout)
        async with aiohttp.ClientSession(connector=conn, timeout=timeout,
                                         auto_decompress=False) as session:
            warm = a.warmup if a.warmup >= 0 else min(200, max(a.c, a.n // 20))
            for i in range(0, warm, a.c):
                await asyncio.gather(*(self.one(session, False)
                                       for _ in range(min(a.c, warm - i))))
            cpu0 = proc_cpu_ms(a.watch_pid) if a.watch_pid else None
            t0 = time.perf_counter()
            await asyncio.gather(*(self.worker(session, t0 + a.max_seconds)
                                   for _ in range(a.c)))
            elapsed = time.perf_counter() - t0
            cpu1 = proc_cpu_ms(a.watch_pid) if a.watch_pid else None
        return self.report(elapsed, warm, cpu0, cpu1)

    def report(self, elapsed: float, warm: int, cpu0: float | None,
               cpu1: float | None) -> dict[str, Any]:
        a = self.a
        self.lat.sort()
        self.ttfb.sort()

        def ms(v: float | None) -> float | None:
            return None if v is None else round(v * 1000, 3)

        done = len(self.lat) + self.errors
        out: dict[str, Any] = {
            "label": a.label, "url": a.url, "stream": a.stream, "c": a.c, "n": a.n,
            "warmup": warm, "done": done, "ok": len(self.lat), "errors": self.errors,
            "truncated": done < a.n, "seconds": round(elapsed, 3),
            "rps": round(len(self.lat) / elapsed, 1) if elapsed > 0 else None,
            "lat_ms": {"p50": ms(percentile(self.lat, 50)), "p90": ms(percentile(self.lat, 90)),
                       "p99": ms(percentile(self.lat, 99)),
                       "mean": ms(sum(self.lat) / len(self.lat)) if self.lat else None,
                       "max": ms(self.lat[-1]) if self.lat else None},
            "ttfb_ms": ({"p50": ms(percentile(self.ttfb, 50)),
                         "p99": ms(percentile(self.ttfb, 99))} if a.stream else None),
            "bytes_per_req": round(self.bytes_in / done) if done else 0,
            "status": self.status,
        }
        if cpu0 is not None and cpu1 is not None and done:
            out["cpu_ms"] = round(cpu1 - cpu0, 1)
            out["cpu_ms_per_req"] = round((cpu1 - cpu0) / done, 3)
        if self.samples:
            out["error_samples"] = self.samples
        return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="target URL (loopback only)")
    ap.add_argument("--body", default="openai",
                    help="preset (openai | claude | gemini | responses), @file.json or JSON")
    ap.add_argument("--model", help="model name for the preset / override in the body")
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--n", type=int, default=1000, help="counted requests")
    ap.add_argument("-c", type=int, default=1, help="concurrency (workers)")
    ap.add_argument("--max-seconds", type=float, default=30.0, help="cap on the counted phase")
    ap.add_argument("--warmup", type=int, default=-1, help="uncounted requests (-1: auto)")
    ap.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    ap.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    ap.add_argument("--watch-pid", type=int, help="report this process's CPU ms per request")
    ap.add_argument("--label", default="")
    a = ap.parse_args(argv)
    if not is_loopback(a.url):
        ap.error(f"refusing a non-loopback target: {a.url}")
    if not 1 <= a.n <= 1_000_000 or not 1 <= a.c <= 1024:
        ap.error("--n must be 1..1000000 and -c 1..1024")
    if not 0 < a.max_seconds <= 600:
        ap.error("--max-seconds must be in (0, 600]")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    body, preset = build_body(a.body, a.model, a.stream)
    markers = END_MARKERS[preset] if preset else tuple(m for ms in END_MARKERS.values()
                                                       for m in ms)
    import uvloop
    out = uvloop.run(Load(a, body, markers).run())
    print(orjson.dumps(out).decode(), flush=True)
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
