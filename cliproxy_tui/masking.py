"""Masking of secrets for logs, screens, error bodies and usage records (server.md §3.4)."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote

_SECRET_HEADER_PARTS = ("api-key", "apikey", "token", "secret")
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


def mask_header(name: str, value: str) -> str:
    lower = name.lower()
    if lower == "authorization":
        scheme, sep, rest = value.partition(" ")
        return f"{scheme} {hide(rest)}" if sep else hide(value)
    if any(part in lower for part in _SECRET_HEADER_PARTS):
        return hide(value)
    return value


def _secret_query_name(name: str) -> bool:
    lower = unquote(name).lower()
    if lower.endswith("[]"):
        lower = lower[:-2]
    return lower == "key" or any(part in lower for part in _SECRET_QUERY_PARTS)


def mask_query(query: str) -> str:
    """Mask secret query values, keeping every other parameter and the order."""
    if not query:
        return query
    out = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        if sep and _secret_query_name(name):
            value = quote(hide(unquote(value).strip()), safe="")
        out.append(f"{name}{sep}{value}")
    return "&".join(out)


__all__ = ["hide", "mask_last4", "mask_header", "mask_query", "parse_qsl"]
