"""Turn benchmark records into Markdown tables and a pass/fail list of the targets."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

MIB = 1024.0

# The targets. Each reads the run's summary (see summarize()) and gives the measured
# value; `better` says which direction passes.
TARGETS: list[tuple[str, str, float, str, str, bool]] = [
    # key, description, limit, better, unit, scales with the machine's speed
    ("openai_rps_c16", "openai>openai non-stream req/s at c=16", 1500, "high", "req/s", True),
    ("openai_cpu_c16", "proxy CPU per request, openai non-stream c=16", 0.6, "low", "ms",
     True),
    ("stream_rps_c16", "openai>openai 20-chunk stream req/s at c=16", 1000, "high", "req/s",
     True),
    ("added_p50_c1", "added p50 vs direct, openai non-stream c=1", 1.0, "low", "ms", True),
    ("delay_ttfb_added", "TTFB growth vs direct, 5 ms/chunk stream", 1.5, "low", "ms", True),
    ("startup_s", "start to first 200 on /v1/models (median)", 1.0, "low", "s", True),
    ("idle_rss_mib", "idle RSS", 80, "low", "MiB", False),
    ("rss_growth_mib", "RSS growth over the long run", 20, "low", "MiB", False),
]
# ../shared/bench/BASELINE.md, direct to the mock, openai non-stream, c=16 (median of 3): how
# fast this VM was on the day the peers and the targets were measured.
BASELINE_DIRECT_RPS_C16 = 8281.6


def median(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def _get(rec: dict[str, Any], *path: str) -> Any:
    cur: Any = rec
    for key in path:
        cur = cur.get(key) if isinstance(cur, dict) else None
    return cur


def group_points(points: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Median over repeats per (scenario, stream, c, target)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for p in points:
        groups.setdefault((p["scenario"], p["stream"], p["c"], p["target"]), []).append(p)
    out = {}
    for key, recs in groups.items():
        out[key] = {
            "rps": median(r.get("rps") for r in recs),
            "p50": median(_get(r, "lat_ms", "p50") for r in recs),
            "p99": median(_get(r, "lat_ms", "p99") for r in recs),
            "ttfb": median(_get(r, "ttfb_ms", "p50") for r in recs),
            "errors": sum(r.get("errors") or 0 for r in recs),
            "cpu": median(r.get("cpu_ms_per_req") for r in recs),
            "noise": max((r.get("other_on_proxy_cpu_pct") or 0 for r in recs), default=0),
            "forwarded": all(r.get("forwarded", True) for r in recs),
            "truncated": any(r.get("truncated") for r in recs),
            "runs": len(recs),
        }
    return out


def fmt(v: float | None, digits: int = 2, sign: bool = False) -> str:
    """A number for a table cell ('–' when missing)."""
    if v is None:
        return "–"
    return f"{v:+.{digits}f}" if sign else f"{v:,.{digits}f}"


def diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def points_table(points: list[dict[str, Any]]) -> str:
    g = group_points(points)
    head = ("| scenario | mode | c | req/s | direct req/s | p50 ms | +p50 vs direct | p99 ms "
            "| TTFB p50 ms | +TTFB | errors | proxy CPU ms/req | notes |")
    rows = [head,
            "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    keys = sorted({k[:3] for k in g}, key=lambda k: (_order(points, k[0]), k[1], k[2]))
    for scen, stream, c in keys:
        px, dx = g.get((scen, stream, c, "proxy")), g.get((scen, stream, c, "direct"))
        if px is None:
            continue
        d_p50 = dx["p50"] if dx else None
        d_ttfb = dx["ttfb"] if dx else None
        notes = []
        if not px["forwarded"]:
            notes.append("fake count ≠ requests")
        if px["truncated"]:
            notes.append("hit time cap")
        if px["noise"] >= 5:
            notes.append(f"{px['noise']:.0f}% other load on proxy CPU")
        rows.append(
            f"| {scen} | {'stream' if stream else 'json'} | {c} | {fmt(px['rps'], 0)} "
            f"| {fmt(dx['rps'] if dx else None, 0)} | {fmt(px['p50'])} "
            f"| {fmt(diff(px['p50'], d_p50), sign=True)} | {fmt(px['p99'])} "
            f"| {fmt(px['ttfb']) if stream else '–'} "
            f"| {fmt(diff(px['ttfb'], d_ttfb), sign=True) if stream else '–'} "
            f"| {px['errors']} | {fmt(px['cpu'], 3)} | {'; '.join(notes)} |")
    return "\n".join(rows)


def _order(points: list[dict[str, Any]], scenario: str) -> int:
    for i, p in enumerate(points):
        if p["scenario"] == scenario:
            return i
    return len(points)


def summarize(points: list[dict[str, Any]], extra: dict[str, Any]) -> dict[str, Any]:
    """The numbers the targets are judged on, from the grouped points and the other phases."""
    g = group_points(points)

    def val(scen: str, stream: bool, c: int, target: str, field: str) -> float | None:
        rec = g.get((scen, stream, c, target))
        return rec[field] if rec else None

    s: dict[str, Any] = {
        "openai_rps_c16": val("openai>openai", False, 16, "proxy", "rps"),
        "openai_cpu_c16": val("openai>openai", False, 16, "proxy", "cpu"),
        "stream_rps_c16": val("openai>openai", True, 16, "proxy", "rps"),
        "added_p50_c1": diff(val("openai>openai", False, 1, "proxy", "p50"),
                             val("openai>openai", False, 1, "direct", "p50")),
    }
    direct = val("openai>openai", False, 16, "direct", "rps")
    # > 1: this run's machine was slower than on the baseline day by that factor
    s["machine_slowdown"] = BASELINE_DIRECT_RPS_C16 / direct if direct else None
    s.update(extra)
    return s


def _passes(got: float | None, limit: float, better: str) -> str:
    if got is None:
        return "not measured"
    return "PASS" if (got >= limit if better == "high" else got <= limit) else "FAIL"


def targets_table(summary: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Verdicts on the measured numbers, and (estimate) rescaled to the baseline day's VM."""
    slow = summary.get("machine_slowdown")
    head = ("| target | limit | measured | result | scaled to baseline-day VM (estimate) "
            "| result |")
    rows = [head, "|---|--:|--:|---|--:|---|"]
    verdicts = []
    for key, text, limit, better, unit, scales in TARGETS:
        got = summary.get(key)
        scaled = None
        if got is not None and scales and slow:
            scaled = got * slow if better == "high" else got / slow
        op = "≥" if better == "high" else "≤"

        def cell(v: float | None, unit: str = unit) -> str:
            return "–" if v is None else f"{fmt(v, 3 if abs(v) < 10 else 0)} {unit}"

        verdict, scaled_verdict = _passes(got, limit, better), _passes(scaled, limit, better)
        rows.append(f"| {text} | {op} {limit:g} {unit} | {cell(got)} | {verdict} "
                    f"| {cell(scaled) if scales else 'not scaled'} "
                    f"| {scaled_verdict if scales else verdict} |")
        verdicts.append({"target": key, "limit": limit, "better": better, "unit": unit,
                         "measured": got, "verdict": verdict, "scaled": scaled,
                         "scaled_verdict": scaled_verdict if scales else verdict})
    return "\n".join(rows), verdicts


def kv_table(title: str, items: list[tuple[str, str]]) -> str:
    return "\n".join([f"| {title} | |", "|---|--:|", *(f"| {k} | {v} |" for k, v in items)])
