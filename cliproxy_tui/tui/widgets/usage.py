"""The usage panel: totals, per-minute sparklines, the live request feed, breakdowns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Sparkline, Static

from ..format import clip, clock_time, count, millis
from .keyed_table import KeyedTable, Row
from .styles import status_style

FEED_COLUMNS = (("time", "Time"), ("status", "Status"), ("model", "Model"),
                ("credential", "Credential"), ("in", "In"), ("out", "Out"),
                ("cached", "Cached"), ("reasoning", "Reason"), ("latency", "Latency"),
                ("ttfb", "TTFB"), ("client", "Client"))
MODEL_COLUMNS = (("model", "Model"), ("req", "Req"), ("tokens", "Tokens"), ("fail", "Fail"))
CREDENTIAL_COLUMNS = (("credential", "Credential"), ("req", "Req"), ("tokens", "Tokens"),
                      ("fail", "Fail"))
#: width of the name column of the breakdowns, so two fit side by side in 80 columns
NAME_WIDTH = 20
#: rows kept in the live feed
FEED_ROWS = 200
#: minutes shown by the sparklines
SPARK_MINUTES = 30


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """What the panel shows besides the feed, read from the service's usage store."""

    totals: Any = None  # usage.UsageTotals
    by_model: Mapping[str, Any] = field(default_factory=dict)  # model → usage.Counts
    by_credential: Mapping[str, Any] = field(default_factory=dict)  # id → usage.Counts
    per_minute: Sequence[tuple[float, int, int]] = ()
    persistent: bool = True
    storage_error: str | None = None


def totals_table(totals: Any) -> Table:
    """Today and all time, one row each, under one header."""
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("")
    for name in ("requests", "failed", "tokens", "in", "out", "cached", "reasoning"):
        table.add_column(name, justify="right")
    for title, c in (("Today", totals.today if totals else None),
                     ("All time", totals.all_time if totals else None)):
        if c is None:
            table.add_row(title, *["—"] * 7)
            continue
        table.add_row(title, str(c.requests), str(c.failures), count(c.total_tokens),
                      count(c.input_tokens), count(c.output_tokens), count(c.cached_tokens),
                      count(c.reasoning_tokens))
    return table


class UsagePanel(Vertical):
    """Live usage. ``add_records`` appends to the feed; ``summary`` replaces the rest."""

    DEFAULT_CSS = """
    UsagePanel {
        height: 1fr;
    }
    """

    summary: reactive[UsageSummary] = reactive(UsageSummary, init=False)
    """Totals, breakdowns and per-minute series."""
    credential_labels: reactive[dict[str, str]] = reactive(dict, init=False)
    """Credential id → masked label."""

    def __init__(self, tz: tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tz = tz
        self._seq = 0

    def compose(self) -> ComposeResult:
        yield Static(id="usage-totals")
        yield Static(id="usage-note")
        with Horizontal(id="usage-sparks"):
            with Vertical(classes="spark"):
                yield Static(id="spark-requests-label", classes="spark-label")
                yield Sparkline([], id="spark-requests")
            with Vertical(classes="spark"):
                yield Static(id="spark-tokens-label", classes="spark-label")
                yield Sparkline([], id="spark-tokens")
        yield KeyedTable(FEED_COLUMNS, id="usage-feed")
        with Horizontal(id="usage-breakdown"):
            yield KeyedTable(MODEL_COLUMNS, id="usage-by-model")
            yield KeyedTable(CREDENTIAL_COLUMNS, id="usage-by-credential")

    def on_mount(self) -> None:
        self._show_summary()

    @property
    def feed(self) -> KeyedTable:
        return self.query_one("#usage-feed", KeyedTable)

    def add_records(self, records: Sequence[Any]) -> None:
        """Append finished requests (``usage.UsageRecord``) to the live feed."""
        rows: list[Row] = []
        for rec in records[-FEED_ROWS:]:
            self._seq += 1
            rows.append((f"req-{self._seq}", self._feed_cells(rec)))
        self.feed.append(rows, FEED_ROWS)

    def _feed_cells(self, rec: Any) -> tuple[Any, ...]:
        label = self.credential_labels.get(rec.credential_id) or rec.credential_label or "—"
        status = Text(str(rec.status), style=status_style(self.app, rec.status))
        return (clock_time(rec.time, self._tz), status, rec.model, label,
                count(rec.input_tokens), count(rec.output_tokens), count(rec.cached_tokens),
                count(rec.reasoning_tokens), millis(rec.latency_ms), millis(rec.ttfb_ms),
                rec.client_format + (" ⇣" if rec.stream else ""))

    def watch_summary(self) -> None:
        self._show_summary()

    def watch_credential_labels(self) -> None:
        self._show_summary()

    def _show_summary(self) -> None:
        if not self.is_mounted:
            return
        s = self.summary
        self.query_one("#usage-totals", Static).update(totals_table(s.totals))
        note = self.query_one("#usage-note", Static)
        note.update(f"usage storage problem: {s.storage_error}" if s.storage_error else
                    "" if s.persistent else "usage is not saved (the usage database is off)")
        note.display = bool(s.storage_error or not s.persistent)

        minutes = list(s.per_minute)[-SPARK_MINUTES:]
        reqs = [float(r) for _, r, _ in minutes]
        toks = [float(t) for _, _, t in minutes]
        self.query_one("#spark-requests", Sparkline).data = reqs or [0.0]
        self.query_one("#spark-tokens", Sparkline).data = toks or [0.0]
        last_r = int(reqs[-1]) if reqs else 0
        last_t = int(toks[-1]) if toks else 0
        self.query_one("#spark-requests-label", Static).update(
            f"requests/min · {last_r} now · peak {int(max(reqs, default=0))}")
        self.query_one("#spark-tokens-label", Static).update(
            f"tokens/min · {count(last_t)} now · peak {count(int(max(toks, default=0)))}")

        def ranked(groups: Mapping[str, Any]) -> list[tuple[str, Any]]:
            return sorted(groups.items(), key=lambda kv: (-kv[1].requests, kv[0]))

        self.query_one("#usage-by-model", KeyedTable).sync([
            (model, (clip(model, NAME_WIDTH) or "—", str(c.requests), count(c.total_tokens),
                     str(c.failures)))
            for model, c in ranked(s.by_model)])
        labels = self.credential_labels
        self.query_one("#usage-by-credential", KeyedTable).sync([
            (cid, (clip(labels.get(cid, cid) or "—", NAME_WIDTH), str(c.requests),
                   count(c.total_tokens), str(c.failures)))
            for cid, c in ranked(s.by_credential)])
