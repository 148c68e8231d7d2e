"""Codex (Responses API) translation family — under construction."""
