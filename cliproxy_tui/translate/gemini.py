"""Gemini family pairs: every client format into a Gemini upstream and back."""
