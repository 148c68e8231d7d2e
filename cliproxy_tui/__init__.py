"""cliproxy-tui: a local LLM API proxy over your own credentials, with a live dashboard.

The embedding API is :class:`cliproxy_tui.service.Service` (imported lazily so that
``import cliproxy_tui`` stays cheap).
"""

__version__ = "0.1.0"

__all__ = ["__version__", "Service"]


def __getattr__(name: str):
    if name == "Service":
        from .service import Service

        return Service
    raise AttributeError(name)
