"""The dashboard's own copy of the service's state, fed by snapshots and event batches.

It lives on the app's loop only. Panels never see it: the app hands each panel the
immutable slice it shows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..events import LogLine
from ..views import CredentialView, ModelView, ServiceSnapshot
from .bridge import Batch
from .format import credential_name

#: seconds over which the header's requests-per-second is averaged
RATE_WINDOW = 10.0


@dataclass(frozen=True, slots=True)
class Changes:
    credentials: bool
    models: bool
    requests: tuple[Any, ...]
    request_count: int
    logs: tuple[LogLine, ...]


class DashboardModel:
    def __init__(self) -> None:
        self.credentials: dict[str, CredentialView] = {}
        self.models: tuple[ModelView, ...] = ()
        self.state = "new"
        self.listen = ""
        self.base_url = ""
        self.started_at: float | None = None
        self.access_keys_on = False
        self._arrivals: deque[tuple[float, int]] = deque()
        # records / log lines already shown from the initial read; the first batches may
        # carry them again (subscription starts before that read so nothing is missed)
        self._seen: set[int] = set()

    def load(self, snap: ServiceSnapshot) -> None:
        self.credentials = {c.id: c for c in snap.credentials}
        self.models = snap.models
        self.state = snap.state
        self.listen = snap.listen
        self.base_url = snap.base_url
        self.started_at = snap.started_at
        self.access_keys_on = snap.access_keys_on

    def remember_shown(self, items: Iterable[Any]) -> None:
        self._seen.update(id(item) for item in items)

    def upsert(self, view: CredentialView) -> None:
        self.credentials[view.id] = view

    def apply(self, batch: Batch, now: float) -> Changes:
        for cred_id in batch.removed:
            self.credentials.pop(cred_id, None)
        self.credentials.update(batch.credentials)
        if batch.models is not None:
            self.models = batch.models
        if batch.state is not None:
            self.state = batch.state.state
            if batch.state.state == "running" and batch.state.detail:
                self.listen = batch.state.detail
        requests, logs = tuple(batch.requests), tuple(batch.logs)
        count = batch.request_count
        if self._seen:
            fresh = tuple(r for r in requests if id(r) not in self._seen)
            count -= len(requests) - len(fresh)
            requests = fresh
            logs = tuple(line for line in logs if id(line) not in self._seen)
            self._seen.clear()
        if count:
            self._arrivals.append((now, count))
        return Changes(credentials=bool(batch.credentials or batch.removed),
                       models=batch.models is not None, requests=requests,
                       request_count=count, logs=logs)

    def requests_per_second(self, now: float) -> float:
        while self._arrivals and self._arrivals[0][0] <= now - RATE_WINDOW:
            self._arrivals.popleft()
        return sum(n for _, n in self._arrivals) / RATE_WINDOW

    def labels(self) -> dict[str, str]:
        """Credential id → a name that tells two same-e-mail logins apart."""
        return {cid: credential_name(view.provider, view.label)
                for cid, view in self.credentials.items()}
