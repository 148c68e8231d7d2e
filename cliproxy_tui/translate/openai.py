"""Pairs whose upstream is an OpenAI-compatible Chat Completions API (translators.md §3.2, §7)."""
