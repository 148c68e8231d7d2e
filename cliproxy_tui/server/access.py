"""Client API-key check for the ``/v1`` and ``/v1beta`` routes (server.md §3).

The checker is immutable: a config reload builds a new one and swaps the reference, so a
request in flight keeps the keys it started with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MISSING_API_KEY = "Missing API key"
INVALID_API_KEY = "Invalid API key"


@dataclass(frozen=True, slots=True)
class AccessResult:
    """Outcome of one check. ``error`` is empty when ``ok``; otherwise the 401 text."""

    ok: bool
    principal: str = ""
    source: str = ""
    error: str = ""


_OPEN = AccessResult(ok=True)
_MISSING = AccessResult(ok=False, error=MISSING_API_KEY)
_INVALID = AccessResult(ok=False, error=INVALID_API_KEY)


def _bearer_token(value: str) -> str:
    # Upstream accepts a bare key in Authorization (``Authorization: sk-123``): only a
    # ``Bearer`` scheme is unwrapped, any other value is the candidate as a whole.
    scheme, sep, rest = value.partition(" ")
    if sep and scheme.lower() == "bearer":
        return rest.strip()
    return value


class AccessChecker:
    """The configured client keys; no usable key means the proxy is open."""

    __slots__ = ("_keys",)

    def __init__(self, keys: Iterable[str]) -> None:
        # Blank entries can never be typed by a client, so they do not count as keys:
        # ``api-keys: [""]`` opens the proxy instead of locking every client out (§3.1).
        self._keys: frozenset[str] = frozenset(k for k in keys if k and k.strip())

    @classmethod
    def from_config_keys(cls, keys: Iterable[str] | None) -> tuple[AccessChecker, list[str]]:
        """Build from the config's ``api-keys`` and say what was ignored."""
        raw = list(keys or ())
        checker = cls(raw)
        warnings: list[str] = []
        blank = sum(1 for k in raw if not (k and k.strip()))
        if raw and checker.open:
            warnings.append(
                "api-keys has only blank entries: treating it as empty, so no client key "
                "is required"
            )
        elif blank:
            warnings.append(f"api-keys: ignored {blank} blank entr{'y' if blank == 1 else 'ies'}")
        return checker, warnings

    @property
    def open(self) -> bool:
        return not self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def check(self, headers: Mapping[str, str], query: Mapping[str, str]) -> AccessResult:
        """Apply §3.2: five sources in order, the first configured key wins.

        ``headers`` must look names up case-insensitively (aiohttp's ``request.headers``).
        """
        keys = self._keys
        if not keys:
            return _OPEN
        auth_raw = headers.get("Authorization") or ""
        goog = headers.get("X-Goog-Api-Key") or ""
        api_key = headers.get("X-Api-Key") or ""
        query_key = query.get("key") or ""
        query_token = query.get("auth_token") or ""
        if not (auth_raw or goog or api_key or query_key or query_token):
            return _MISSING
        # A present but wrong candidate does not stop the search: a client may send its
        # upstream key in one place and the proxy key in another.
        if auth_raw:
            token = _bearer_token(auth_raw)
            if token and token in keys:
                return AccessResult(ok=True, principal=token, source="authorization")
        if goog and goog in keys:
            return AccessResult(ok=True, principal=goog, source="x-goog-api-key")
        if api_key and api_key in keys:
            return AccessResult(ok=True, principal=api_key, source="x-api-key")
        if query_key and query_key in keys:
            return AccessResult(ok=True, principal=query_key, source="query-key")
        if query_token and query_token in keys:
            return AccessResult(ok=True, principal=query_token, source="query-auth-token")
        return _INVALID
