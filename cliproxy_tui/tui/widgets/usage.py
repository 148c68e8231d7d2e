"""The usage panel: totals, per-minute sparklines, the live request feed, breakdowns."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Sparkline, Static

from ..format import clip, count
from .feed import VIEWS, RequestFeed
from .keyed_table import KeyedTable
from .styles import set_text

MODEL_COLUMNS = (("model", "Model"), ("req", "Req"), ("tokens", "Tokens"), ("fail", "Fail"))
CREDENTIAL_COLUMNS = (("credential", "Credential"), ("req", "Req"), ("tokens", "Tokens"),
                      ("fail", "Fail"))
#: width of the name column of the breakdowns, so two fit side by side in 80 columns
NAME_WIDTH = 20
#: rows kept in the live feed
FEED_ROWS = 200
#: rows a single refresh adds at most: under a burst the feed shows the newest requests
#: of each refresh (a screenful), and the totals count every one
FEED_ROWS_PER_REFRESH = 25
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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "toggle_columns", "Columns", id="usage.columns",
                tooltip="Show the feed's other columns (cached, reasoning, TTFB, client) "
                        "when not all fit"),
    ]

    DEFAULT_CSS = """
    UsagePanel {
        height: 1fr;
    }
    """

    summary: reactive[UsageSummary] = reactive(UsageSummary, init=False)
    """Totals, breakdowns and per-minute series."""
    credential_labels: reactive[dict[str, str]] = reactive(dict, init=False)
    """Credential id → masked label."""
    shown: reactive[bool] = reactive(True, init=False)
    """False while the panel's tab is hidden: updates are kept and drawn on showing."""

    def __init__(self, tz: tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tz = tz
        self._stale = False
        self._shown_totals: Any = object()
        # records that arrived while hidden: formatted only once someone can see them
        self._unshown: deque[Any] = deque(maxlen=FEED_ROWS)

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
        yield RequestFeed(self._tz, FEED_ROWS, id="usage-feed")
        with Horizontal(id="usage-breakdown"):
            yield KeyedTable(MODEL_COLUMNS, id="usage-by-model")
            yield KeyedTable(CREDENTIAL_COLUMNS, id="usage-by-credential")

    def on_mount(self) -> None:
        self._show_summary()

    @property
    def feed(self) -> RequestFeed:
        return self.query_one("#usage-feed", RequestFeed)

    def add_records(self, records: Sequence[Any], *, history: bool = False) -> None:
        """Append finished requests (``usage.UsageRecord``) to the live feed.

        ``history`` (the store's recent records at start) is shown whole; a live batch
        only by its newest ``FEED_ROWS_PER_REFRESH``.
        """
        if not history:
            records = records[-FEED_ROWS_PER_REFRESH:]
        if self.shown:
            self.feed.add(records)
        else:
            self._unshown.extend(records)

    def add_older_records(self, records: Sequence[Any]) -> None:
        """Requests older than every row shown (a usage history that was read late)."""
        if self.shown:
            self.feed.prepend(records)
        else:
            self._unshown = deque([*records, *self._unshown], maxlen=FEED_ROWS)

    def action_toggle_columns(self) -> None:
        self.feed.view = (self.feed.view + 1) % len(VIEWS)

    def watch_shown(self, shown: bool) -> None:
        if not shown:
            return
        if self._unshown:
            self.feed.add(list(self._unshown))
            self._unshown.clear()
        if self._stale:
            self._stale = False
            self._show_summary()

    def watch_summary(self) -> None:
        self._show_summary()

    def watch_credential_labels(self) -> None:
        self.feed.credential_labels = self.credential_labels
        self._show_summary()

    def _show_summary(self) -> None:
        if not self.is_mounted:
            return
        if not self.shown:
            self._stale = True
            return
        s = self.summary
        if s.totals != self._shown_totals:  # a rich Table cannot tell if it changed
            self._shown_totals = s.totals
            self.query_one("#usage-totals", Static).update(totals_table(s.totals))
        note = self.query_one("#usage-note", Static)
        set_text(note, f"usage storage problem: {s.storage_error}" if s.storage_error else
                 "" if s.persistent else "usage is not saved (the usage database is off)")
        note.display = bool(s.storage_error or not s.persistent)

        minutes = list(s.per_minute)[-SPARK_MINUTES:]
        reqs = [float(r) for _, r, _ in minutes]
        toks = [float(t) for _, _, t in minutes]
        self.query_one("#spark-requests", Sparkline).data = reqs or [0.0]
        self.query_one("#spark-tokens", Sparkline).data = toks or [0.0]
        last_r = int(reqs[-1]) if reqs else 0
        last_t = int(toks[-1]) if toks else 0
        set_text(self.query_one("#spark-requests-label", Static),
                 f"requests/min · {last_r} now · peak {int(max(reqs, default=0))}")
        set_text(self.query_one("#spark-tokens-label", Static),
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
