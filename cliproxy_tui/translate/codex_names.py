"""Codex tool names: the 64-character limit and its reversal (translators.md §3.3).

The Responses API rejects function names longer than 64 characters, which MCP tools of
coding agents easily exceed (``mcp__<server>__<tool>``). Requests shorten them; every
response path rebuilds the same map from the original client request and restores the
names the client declared, so the client never sees a shortened name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

NAME_LIMIT = 64


def shorten_tool_name(name: str) -> str:
    """One name, without the uniqueness step (names used in history but not declared)."""
    if len(name) <= NAME_LIMIT:
        return name
    if name.startswith("mcp__"):
        cut = name.rfind("__")
        if cut > 0:
            return ("mcp__" + name[cut + 2:])[:NAME_LIMIT]
    return name[:NAME_LIMIT]


def short_name_map(names: Iterable[str]) -> dict[str, str]:
    """Declared name → name sent upstream; collisions get ``~1``, ``~2``… within 64."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for name in names:
        if name in out:
            continue
        candidate = shorten_tool_name(name)
        if candidate in used:
            i = 1
            while True:
                suffix = f"~{i}"
                tried = candidate[:NAME_LIMIT - len(suffix)] + suffix
                if tried not in used:
                    candidate = tried
                    break
                i += 1
        used.add(candidate)
        out[name] = candidate
    return out


class ToolNames:
    """The shortening map of one request, used while translating that request."""

    __slots__ = ("_map",)

    def __init__(self, declared: Iterable[str]) -> None:
        self._map = short_name_map(declared)

    def short(self, name: Any) -> str:
        if not isinstance(name, str):
            return ""
        hit = self._map.get(name)
        return hit if hit is not None else shorten_tool_name(name)


def declared_tool_names(client_format: str, body: dict[str, Any]) -> list[str]:
    """The function names a client request declares, in declaration order."""
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    names: list[str] = []
    if client_format == "openai":
        for tool in tools:
            fn = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                names.append(fn["name"])
    elif client_format == "claude":
        for tool in tools:
            if isinstance(tool, dict) and isinstance(tool.get("name"), str) and tool["name"]:
                names.append(tool["name"])
    elif client_format in ("gemini", "gemini-cli"):
        for tool in tools:
            decls = None
            if isinstance(tool, dict):
                decls = tool.get("functionDeclarations", tool.get("function_declarations"))
            for decl in decls if isinstance(decls, list) else ():
                if isinstance(decl, dict) and isinstance(decl.get("name"), str):
                    names.append(decl["name"])
    return names


def restore_map(client_format: str, body: dict[str, Any]) -> dict[str, str]:
    """Short name → declared name, holding only the names that were actually changed."""
    names = declared_tool_names(client_format, body)
    if all(len(n) <= NAME_LIMIT for n in names):
        return {}
    forward = short_name_map(names)
    return {short: name for name, short in forward.items() if short != name}
