"""Reproduce cliproxy-tui's performance numbers against a local fake upstream.

Starts bench/fake_upstream.py twice on the load CPU (a fast one, and a slow one that pauses
5 ms before every stream event), writes a proxy config that points every provider at them,
starts `cliproxy-tui --headless` pinned to the proxy CPU, and measures: startup to the first
200 on /v1/models, idle RSS, every scenario x concurrency (req/s, p50/p99, stream TTFB,
errors, proxy CPU per request) with direct-to-fake points interleaved, TTFB pass-through on
slow streams, wrk throughput cross-checks, and RSS growth over a long run. Prints Markdown
tables and appends JSON lines to --out. Every process it starts is stopped at the end, also
on Ctrl+C; every load is bounded by a request count and a time cap, the whole run by --budget.

    python bench/run_bench.py                 # full run (~5 minutes)
    python bench/run_bench.py --target fake   # self-test of the harness without a proxy
    python bench/run_bench.py --crosscheck    # the shared harness (../shared/bench) on us
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loadgen
import procs
import report
from procs import Procs
from scenarios import Scenario, all_scenarios, write_config

SHARED = HERE.parent.parent / "shared" / "bench"


CALIBRATE = ("import time\nt = time.process_time()\nx = 0\nfor i in range(2_000_000):\n"
             "    x += i\nprint(round((time.process_time() - t) * 1000, 1))")


class Bench:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.procs = Procs()
        self.t0 = time.monotonic()
        self.out = Path(a.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.points: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}
        self.key = "sk-bench-" + secrets.token_hex(8)
        self.auth = {"Authorization": f"Bearer {self.key}"}
        self.proxy_pid = 0
        self.fake_pid = 0
        self.budget_hit = False
        self.skipped: dict[tuple[str, bool], str] = {}
        self.wrk_rows: list[dict[str, Any]] = []
        self.slow_pid = 0
        self.idle_rss_kb = 0
        self.proxy_base = ""

    # --- output ---------------------------------------------------------------------
    def emit(self, rec: dict[str, Any]) -> None:
        rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **rec}
        with self.out.open("a") as fh:
            fh.write(json.dumps(rec) + "\n")

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f}s] {text}", file=sys.stderr, flush=True)

    def over_budget(self) -> bool:
        if time.monotonic() - self.t0 > self.a.budget:
            if not self.budget_hit:
                self.say(f"time budget of {self.a.budget:.0f} s used up: skipping the rest")
            self.budget_hit = True
        return self.budget_hit

    # --- helpers ----------------------------------------------------------------------
    def fake_counts(self, port: int) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as r:
            return sum(json.loads(r.read()).values())

    def loadgen(self, url: str, preset: str, model: str | None, stream: bool, c: int, n: int,
                watch: int, label: str, warmup: int = -1,
                max_seconds: float | None = None) -> dict[str, Any]:
        cap = max_seconds or self.a.max_seconds
        cmd = [sys.executable, str(HERE / "loadgen.py"), "--url", url, "--body", preset,
               "--n", str(n), "-c", str(c), "--max-seconds", str(cap), "--warmup",
               str(warmup), "--watch-pid", str(watch), "--label", label]
        if model:
            cmd += ["--model", model]
        if stream:
            cmd.append("--stream")
        for k, v in self.auth.items():
            cmd += ["-H", f"{k}: {v}"]
        _, out, err = self.procs.run(cmd, self.a.gen_cpu, timeout=cap + 60)
        try:
            return json.loads(out.strip().splitlines()[-1])
        except (IndexError, ValueError):
            return {"ok": 0, "errors": None, "rps": None, "load_error": (err or out)[-400:]}

    def point(self, sc: Scenario, c: int, target: str, rep: int, fake_port: int) -> None:
        if target == "direct":
            base, preset = f"http://127.0.0.1:{fake_port}", sc.direct_preset
            path, model, watch = sc.direct_path, sc.direct_model, self.fake_pid
        else:
            base, preset, path, model, watch = self.proxy_base, sc.preset, sc.path, sc.model, \
                self.proxy_pid
        before = self.fake_counts(fake_port)
        busy0, own0, wall0 = procs.cpu_busy_ms(self.proxy_cpu_index), \
            procs.cpu_ms(self.proxy_pid) or 0.0, time.monotonic()
        res = self.loadgen(base + path, preset, model, sc.stream, c, self.a.n, watch,
                           f"{sc.name} {target}")
        busy1, own1, wall1 = procs.cpu_busy_ms(self.proxy_cpu_index), \
            procs.cpu_ms(self.proxy_pid) or 0.0, time.monotonic()
        sent = (res.get("done") or 0) + (res.get("warmup") or 0)
        forwarded = self.fake_counts(fake_port) - before
        other = max(0.0, (busy1 - busy0) - (own1 - own0)) / max(1e-3, (wall1 - wall0) * 1000)
        rec = {**res, "type": "point", "scenario": sc.name, "stream": sc.stream, "c": c,
               "target": target, "rep": rep, "sent": sent, "upstream_requests": forwarded,
               "forwarded": forwarded == sent,
               "other_on_proxy_cpu_pct": round(100 * other, 1)}
        self.points.append(rec)
        self.emit(rec)
        self.say(f"{sc.name:16} {'stream' if sc.stream else 'json  '} c={c:<3} {target:6} "
                 f"{res.get('rps') or 0:8.0f} req/s p50 {(res.get('lat_ms') or {}).get('p50')}"
                 f" ms errors {res.get('errors')} cpu/req {res.get('cpu_ms_per_req')}")

    def probe(self, sc: Scenario) -> str | None:
        """None if one request through the proxy works, else why not (the scenario is skipped)."""
        body, _ = loadgen.build_body(sc.preset, sc.model, sc.stream)
        req = urllib.request.Request(self.proxy_base + sc.path, data=body, method="POST",
                                     headers={**self.auth, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                data = r.read()
        except urllib.error.HTTPError as e:
            return f"HTTP {e.code}: {e.read()[:300]!r}"
        except OSError as e:
            return f"{type(e).__name__}: {e}"
        if sc.stream and not any(m in data[-4096:] for m in loadgen.END_MARKERS[sc.preset]):
            return f"stream without its end marker: ...{data[-200:]!r}"
        return None

    def calibrate(self, when: str) -> None:
        """CPU ms of a fixed pure-Python loop on the proxy CPU: how fast this machine is now.

        A shared VM's speed drifts with its neighbours' load (CPU time per request rises
        with it), so every run records this next to its numbers.
        """
        rc, out, _ = self.procs.run([sys.executable, "-c", CALIBRATE], self.a.proxy_cpu, 60)
        ms = float(out.strip()) if rc == 0 and out.strip() else None
        self.extra[f"calibration_loop_ms_{when}"] = ms
        self.say(f"calibration ({when}): 2M-iteration Python loop {ms} ms CPU on the proxy CPU")

    # --- phases -----------------------------------------------------------------------
    def start_fakes(self) -> tuple[int, int]:
        ports = []
        for delay in (0.0, self.a.delay_ms):
            port = procs.free_port()
            p = self.procs.start([sys.executable, str(HERE / "fake_upstream.py"), "--port",
                                  str(port), "--chunks", str(self.a.chunks), "--chars",
                                  str(self.a.chars), "--delay-ms", str(delay)],
                                 self.a.gen_cpu, self.work / f"fake-{port}.log")
            procs.wait_http_200(f"http://127.0.0.1:{port}/health", {}, p, 20)
            if delay == 0.0:
                self.fake_pid = p.pid
            else:
                self.slow_pid = p.pid
            ports.append(port)
        return ports[0], ports[1]

    def start_proxy(self, config: Path) -> None:
        cmd = shlex.split(self.a.proxy_cmd.format(config=config))
        health = f"{self.proxy_base}/v1/models"
        times = []
        for i in range(self.a.startups):
            p = self.procs.start(cmd, self.a.proxy_cpu, self.work / "proxy.log")
            times.append(round(procs.wait_http_200(health, self.auth, p, 60), 3))
            if i < self.a.startups - 1:
                self.procs.stop(p)
        self.proxy_pid = p.pid
        self.proxy_proc = p
        time.sleep(2.0)
        idle = procs.rss_kb(p.pid) or 0
        self.extra.update(startup_s=report.median(times), idle_rss_mib=idle / 1024)
        self.idle_rss_kb = idle
        self.emit({"type": "startup", "seconds": times, "idle_rss_kb": idle, "cmd": cmd})
        self.say(f"startup {times} s, idle RSS {idle / 1024:.1f} MiB")

    def matrix(self, fake_port: int) -> None:
        chosen = set(self.a.scenarios.split(","))
        scs = [s for s in all_scenarios() if s.group in chosen
               and ("stream" if s.stream else "json") in self.a.modes.split(",")]
        broken = self.skipped
        for rep in range(self.a.repeats):
            for sc in scs:
                if rep == 0 and self.a.target == "proxy":
                    why = self.probe(sc)
                    if why:
                        broken[(sc.name, sc.stream)] = why
                        self.emit({"type": "skipped", "scenario": sc.name, "stream": sc.stream,
                                   "why": why})
                        self.say(f"{sc.name} {'stream' if sc.stream else 'json'}: skipped, {why}")
                if (sc.name, sc.stream) in broken:
                    continue
                for c in self.concs:
                    for target in ("direct", "proxy"):
                        if self.over_budget():
                            return
                        self.point(sc, c, target, rep, fake_port)

    def delay_case(self, slow_port: int) -> None:
        """TTFB with a slow upstream: does the proxy pass each event on as it comes?"""
        chat = "/v1/chat/completions"
        ttfb: dict[str, dict[int, float | None]] = {"direct": {}, "proxy": {}}
        for c in self.delay_concs:
            n = max(c * 10, self.a.delay_n if c > 1 else self.a.delay_n // 4)
            for target in ("direct", "proxy"):
                if self.over_budget():
                    return
                if target == "direct":
                    url, model, watch = f"http://127.0.0.1:{slow_port}{chat}", "gpt-mock", \
                        self.slow_pid
                else:
                    url, model, watch = self.proxy_base + chat, "gpt-mock-slow", self.proxy_pid
                res = self.loadgen(url, "openai", model, True, c, n, watch, f"delay {target}",
                                   warmup=c)
                ttfb[target][c] = (res.get("ttfb_ms") or {}).get("p50")
                rec = {**res, "type": "delay_point", "target": target, "c": c,
                       "delay_ms": self.a.delay_ms}
                self.emit(rec)
                self.say(f"delay {self.a.delay_ms:g} ms c={c} {target:6} TTFB p50 "
                         f"{ttfb[target][c]} ms, latency p50 {(res.get('lat_ms') or {}).get('p50')}"
                         f" ms, errors {res.get('errors')}")
        diffs = [report.diff(ttfb["proxy"].get(c), ttfb["direct"].get(c))
                 for c in self.delay_concs]
        added = [x for x in diffs if x is not None]
        self.extra["delay_ttfb_added"] = max(added) if added else None
        self.extra["delay_ttfb"] = ttfb

    def rss_growth(self) -> None:
        if self.over_budget():
            return
        before = procs.rss_kb(self.proxy_pid) or 0
        half = self.a.rss_requests // 2
        done = 0
        for stream, n in ((False, self.a.rss_requests - half), (True, half)):
            res = self.loadgen(self.proxy_base + "/v1/chat/completions", "openai", "gpt-mock",
                               stream, 16, n, self.proxy_pid, "rss-growth", warmup=0,
                               max_seconds=self.a.rss_max_seconds)
            done += res.get("done") or 0
            self.emit({**res, "type": "rss_phase", "stream": stream})
        time.sleep(1.0)
        after = procs.rss_kb(self.proxy_pid) or 0
        self.extra.update(rss_growth_mib=(after - before) / 1024, rss_growth_requests=done)
        self.emit({"type": "rss_growth", "before_kb": before, "after_kb": after,
                   "requests": done})
        self.say(f"RSS {before / 1024:.1f} → {after / 1024:.1f} MiB over {done} requests")

    def wrk_checks(self, fake_port: int) -> None:
        if not shutil.which("wrk"):
            self.say("wrk not installed (apt-get install wrk): skipping the cross-check")
            return
        body = loadgen.build_body("openai", "gpt-mock", False)[0].decode()
        for c in (16, 64):
            for target in ("direct", "proxy"):
                if self.over_budget():
                    return
                base = f"http://127.0.0.1:{fake_port}" if target == "direct" else self.proxy_base
                watch = self.fake_pid if target == "direct" else self.proxy_pid
                cmd = ["wrk", "-t1", f"-c{c}", f"-d{self.a.wrk_seconds}s", "--timeout", "5s",
                       "-s", str(HERE / "wrk_post.lua"), "-H",
                       f"Authorization: Bearer {self.key}", f"{base}/v1/chat/completions"]
                cpu0 = procs.cpu_ms(watch) or 0.0
                _, out, err = self.procs.run(cmd, self.a.gen_cpu, self.a.wrk_seconds + 30,
                                             env={"WRK_BODY": body})
                cpu1 = procs.cpu_ms(watch) or 0.0
                line = next((ln for ln in out.splitlines() if ln.startswith('{"tool"')), None)
                res: dict[str, Any] = (json.loads(line) if line
                                       else {"wrk_error": (err or out)[-300:]})
                requests = res.get("requests")
                if isinstance(requests, int) and requests:
                    res["cpu_ms_per_req"] = round((cpu1 - cpu0) / requests, 3)
                rec = {**res, "type": "wrk", "target": target, "c": c}
                self.emit(rec)
                self.wrk_rows.append(rec)
                self.say(f"wrk c={c} {target:6} {res.get('rps')} req/s "
                         f"non-2xx {res.get('non_2xx')} cpu/req {res.get('cpu_ms_per_req')}")

    def profile(self) -> None:
        """py-spy (GIL samples) during 10 s of openai json and stream at c=16."""
        spy = shutil.which("py-spy")
        if not spy:
            self.say("py-spy not installed (pip install py-spy): no profile")
            return
        for stream in (False, True):
            if self.over_budget():
                return
            raw = self.out.with_name(f"{self.out.stem}-profile-{'stream' if stream else 'json'}"
                                     ".txt")
            spy_p = self.procs.start([spy, "record", "--gil", "-r", "200", "--format", "raw",
                                      "-o", str(raw), "--pid", str(self.proxy_pid), "-d",
                                      str(self.a.profile_seconds + 2)], self.a.gen_cpu,
                                     self.work / "py-spy.log")
            time.sleep(1.0)
            self.loadgen(self.proxy_base + "/v1/chat/completions", "openai", "gpt-mock", stream,
                         16, 1_000_000, self.proxy_pid, "profile", warmup=0,
                         max_seconds=self.a.profile_seconds)
            try:
                spy_p.wait(30)
            finally:
                self.procs.stop(spy_p)
            self.say(f"profile written to {raw}; summary: python bench/hotspots.py {raw}")
            self.emit({"type": "profile", "stream": stream, "raw": str(raw)})

    # --- the run ------------------------------------------------------------------------
    def run(self) -> int:
        a = self.a
        self.work = Path(tempfile.mkdtemp(prefix="cliproxy-bench-"))
        self.concs = [int(x) for x in a.conc.split(",")]
        self.delay_concs = [int(x) for x in a.delay_conc.split(",") if x]
        self.proxy_cpu_index = int((a.proxy_cpu or "1").split(",")[0].split("-")[0])
        self.emit({"type": "config", "argv": sys.argv[1:], "target": a.target,
                   "n": a.n, "conc": a.conc, "repeats": a.repeats,
                   "fake": {"chunks": a.chunks, "chars": a.chars, "delay_ms": a.delay_ms},
                   "pinning": {"gen_and_fake": a.gen_cpu, "proxy": a.proxy_cpu},
                   "loadavg": Path("/proc/loadavg").read_text().split()[:3]})
        try:
            self.calibrate("start")
            fake, slow = self.start_fakes()
            self.say(f"fakes on :{fake} (delay 0) and :{slow} (delay {a.delay_ms:g} ms)")
            if a.target == "proxy":
                if not procs.port_free(a.port):
                    raise SystemExit(f"port {a.port} is in use: stop what listens there")
                self.proxy_base = f"http://127.0.0.1:{a.port}"
                config = self.work / "bench.yaml"
                write_config(config, port=a.port, fake=fake, slow=slow, key=self.key,
                             data_dir=self.work)
                self.start_proxy(config)
            else:  # self-test: the "proxy" is the fake itself
                self.proxy_base, self.proxy_pid = f"http://127.0.0.1:{fake}", self.fake_pid
                self.idle_rss_kb = procs.rss_kb(self.fake_pid) or 0
            peak = procs.RssPeak(self.proxy_pid)
            peak.start()
            self.matrix(fake)
            if a.target == "proxy":
                self.delay_case(slow)
                self.rss_growth()
            if not a.no_wrk:
                self.wrk_checks(fake)
            if a.profile and a.target == "proxy":
                self.profile()
            self.extra["peak_rss_mib"] = peak.stop() / 1024
            self.calibrate("end")
            self.extra["final_rss_mib"] = (procs.rss_kb(self.proxy_pid) or 0) / 1024
            if a.target == "proxy":
                self.extra["shutdown_s"] = self.procs.stop(self.proxy_proc)
            self.print_report()
        except KeyboardInterrupt:
            self.say("interrupted: stopping everything it started")
            return 130
        finally:
            self.procs.stop_all()
            if not a.keep:
                shutil.rmtree(self.work, ignore_errors=True)
            else:
                self.say(f"kept {self.work} (config, logs)")
        return 0

    def print_report(self) -> None:
        a = self.a
        summary = report.summarize(self.points, self.extra)
        targets_md, verdicts = report.targets_table(summary)
        self.emit({"type": "summary", **{k: v for k, v in summary.items()}})
        self.emit({"type": "targets", "verdicts": verdicts})
        print(f"\n## cliproxy-tui benchmark ({time.strftime('%Y-%m-%d %H:%M')}, target "
              f"{a.target}, {a.repeats} repeat(s), n={a.n} per point, fake: {a.chunks} "
              f"chunks / {a.chars} chars)\n")
        print(report.points_table(self.points))
        for (name, stream), why in self.skipped.items():
            print(f"\nskipped {name} {'stream' if stream else 'json'}: {why}")
        if a.target == "proxy":
            print("\n" + targets_md)
        items = [(k, report.fmt(v, 3) if isinstance(v, float) else str(v))
                 for k, v in summary.items() if k not in {t[0] for t in report.TARGETS}]
        print("\n" + report.kv_table("other measurements", items))
        if self.wrk_rows:
            print("\n| wrk (non-stream openai) | c | req/s | p50 ms | p99 ms | non-2xx "
                  "| CPU ms/req |\n|---|--:|--:|--:|--:|--:|--:|")
            for r in self.wrk_rows:
                print(f"| {r['target']} | {r['c']} | {report.fmt(r.get('rps'), 0)} "
                      f"| {report.fmt((r.get('lat_ms') or {}).get('p50'))} "
                      f"| {report.fmt((r.get('lat_ms') or {}).get('p99'))} "
                      f"| {r.get('non_2xx')} | {report.fmt(r.get('cpu_ms_per_req'), 3)} |")
        print(f"\nJSON lines: {self.out}")


def crosscheck(a: argparse.Namespace) -> int:
    """Run ../shared/bench/run_peer.py on our proxy, configured for its mock on --mock-port."""
    work = Path(tempfile.mkdtemp(prefix="cliproxy-crosscheck-"))
    key = "sk-bench-" + secrets.token_hex(8)
    config = work / "shared.yaml"
    write_config(config, port=a.port, fake=a.mock_port, slow=a.mock_port, key=key,
                 data_dir=work)
    base = f"http://127.0.0.1:{a.port}"
    out = Path(a.out).with_name(Path(a.out).stem + "-shared.jsonl")
    cmd = [sys.executable, str(SHARED / "run_peer.py"), "custom", "--port", str(a.port),
           "--mock-port", str(a.mock_port),
           "--cmd", a.proxy_cmd.format(config=config), "--health", f"{base}/v1/models",
           "-H", f"Authorization: Bearer {key}",
           "--scenario", f"openai>openai|{base}/v1/chat/completions|openai|gpt-mock",
           "--n", str(a.n), "--conc", a.conc, "--repeats", str(a.repeats),
           "--workdir", str(work), "--out", str(out)]
    print("+ " + shlex.join(cmd), file=sys.stderr, flush=True)
    # Same process group as us: Ctrl+C reaches run_peer too, which stops what it started.
    p = subprocess.Popen(cmd)
    try:
        rc = p.wait()
    except KeyboardInterrupt:
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)
    if rc == 0:
        subprocess.run([sys.executable, str(SHARED / "summarize.py"), str(out)], check=False)
    print(f"JSON lines: {out}", file=sys.stderr)
    return rc


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", choices=["proxy", "fake"], default="proxy",
                    help="fake: measure the fake itself (harness self-test, no proxy)")
    ap.add_argument("--proxy-cmd", default="cliproxy-tui --headless --config {config}")
    ap.add_argument("--port", type=int, default=18317, help="proxy port (in the config)")
    ap.add_argument("--scenarios", default="openai,claude,gemini,responses,claude-openai")
    ap.add_argument("--modes", default="json,stream")
    ap.add_argument("--conc", default="1,16,64")
    ap.add_argument("--n", type=int, default=3000, help="counted requests per point")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=10.0, help="cap per point")
    ap.add_argument("--budget", type=float, default=570.0, help="cap on the whole run, s")
    ap.add_argument("--startups", type=int, default=3)
    ap.add_argument("--chunks", type=int, default=20)
    ap.add_argument("--chars", type=int, default=400)
    ap.add_argument("--delay-ms", type=float, default=5.0, help="the slow fake's pause")
    ap.add_argument("--delay-conc", default="1,4")
    ap.add_argument("--delay-n", type=int, default=200)
    ap.add_argument("--rss-requests", type=int, default=30000)
    ap.add_argument("--rss-max-seconds", type=float, default=60.0)
    ap.add_argument("--wrk-seconds", type=int, default=5)
    ap.add_argument("--no-wrk", action="store_true")
    ap.add_argument("--profile", action="store_true",
                    help="also record py-spy profiles of openai json/stream at c=16")
    ap.add_argument("--profile-seconds", type=int, default=10)
    ap.add_argument("--gen-cpu", default="0", help="CPUs of load generator, fakes, runner")
    ap.add_argument("--proxy-cpu", default="1")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--out", default=str(HERE / "results" /
                                         f"bench-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (config, logs)")
    ap.add_argument("--crosscheck", action="store_true",
                    help="run ../shared/bench/run_peer.py on the proxy instead")
    ap.add_argument("--mock-port", type=int, default=18080,
                    help="crosscheck / --write-config: port of the upstream mock")
    ap.add_argument("--write-config", metavar="PATH",
                    help="only write a proxy config for the mock on --mock-port, then exit")
    ap.add_argument("--key", default="sk-bench-local",
                    help="--write-config: the access key clients must send")
    a = ap.parse_args(argv)
    if a.no_pin:
        a.gen_cpu = a.proxy_cpu = None
    if not 1 <= a.n <= 200_000 or a.repeats < 1 or a.rss_requests > 200_000:
        ap.error("--n 1..200000, --repeats >= 1, --rss-requests <= 200000")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.write_config:
        path = Path(a.write_config)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_config(path, port=a.port, fake=a.mock_port, slow=a.mock_port, key=a.key,
                     data_dir=path.parent / "data")
        print(path)
        return 0
    if a.crosscheck:
        return crosscheck(a)
    if a.gen_cpu:
        os.sched_setaffinity(0, {int(x) for x in a.gen_cpu.split(",")})
    # SIGTERM (e.g. from timeout) cleans up like Ctrl+C does
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    return Bench(a).run()


if __name__ == "__main__":
    sys.exit(main())
