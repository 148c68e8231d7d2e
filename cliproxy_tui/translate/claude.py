"""Claude family translators (in progress)."""
