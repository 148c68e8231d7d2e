"""Masking of secrets for logs, screens, error bodies and usage records (server.md §3.4)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, unquote

_SECRET_HEADER_PARTS = ("api-key", "apikey", "token", "secret", "cookie")
_SECRET_QUERY_PARTS = ("api-key", "apikey", "api_key", "token", "secret")


def hide(value: str) -> str:
    """Upstream's ``hide``: first 4 + ``...`` + last 4 for long values, less for short ones."""
    n = len(value.encode())
    if n > 8:
        return f"{value[:4]}...{value[-4:]}"
    if n >= 5:
        return f"{value[:2]}...{value[-2:]}"
    if n >= 3:
        return f"{value[:1]}...{value[-1:]}"
    return value


def mask_last4(value: str) -> str:
    """What the screen and error bodies show of a secret: only the last 4 characters."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return "…" + value[-4:]


def mask_header(name: str, value: str, mask: Callable[[str], str] = hide) -> str:
    """A header value fit to show: credentials (``Authorization`` keeps its scheme) masked."""
    lower = name.lower()
    if lower in ("authorization", "proxy-authorization"):
        scheme, sep, rest = value.partition(" ")
        return f"{scheme} {mask(rest)}" if sep else mask(value)
    if any(part in lower for part in _SECRET_HEADER_PARTS):
        return mask(value)
    return value


def _secret_query_name(name: str) -> bool:
    lower = unquote(name).lower()
    if lower.endswith("[]"):
        lower = lower[:-2]
    return lower == "key" or any(part in lower for part in _SECRET_QUERY_PARTS)


def mask_query(query: str, mask: Callable[[str], str] = hide) -> str:
    """Mask secret query values, keeping every other parameter and the order."""
    if not query:
        return query
    out = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        if sep and _secret_query_name(name):
            # the ellipsis of mask_last4 stays readable in a log; the rest is re-quoted
            value = quote(mask(unquote(value).strip()), safe="").replace("%E2%80%A6", "…")
        out.append(f"{name}{sep}{value}")
    return "&".join(out)


__all__ = ["hide", "mask_header", "mask_last4", "mask_query"]
