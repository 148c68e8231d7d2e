"""Typed errors of the request path.

Executors and the credential manager raise these; the server maps each to the client's
own error shape (``server/errors.py``). ``status`` is the HTTP status the client gets;
``upstream_status`` is what the manager records for cooldown decisions (0 = no HTTP
status: network or local error).
"""

from __future__ import annotations


class ProxyError(Exception):
    """Base of every error that ends a proxied request with an error response."""

    status: int = 500
    #: machine-readable code used in wrapped error bodies
    code: str = "internal_server_error"
    #: error ``type`` in OpenAI/Claude shaped bodies
    error_type: str = "server_error"

    def __init__(self, message: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = headers or {}

    @property
    def upstream_status(self) -> int:
        return 0


class BadRequestError(ProxyError):
    """The client's request is unusable (not JSON, wrong types, too large)."""

    status = 400
    code = "invalid_request"
    error_type = "invalid_request_error"


class UnknownModelError(ProxyError):
    """No provider serves the requested model (server.md §8.2)."""

    status = 400
    code = "model_not_found"
    error_type = "invalid_request_error"

    def __init__(self, model: str) -> None:
        super().__init__(f"unknown provider for model {model}")
        self.model = model


class NoCredentialError(ProxyError):
    """The selector found nothing to use (``auth_not_found`` / ``auth_unavailable``)."""

    status = 500

    def __init__(self, code: str, message: str = "no auth available") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class ModelCooldownError(ProxyError):
    """Every credential of the provider is cooling down for this model (auth-manager §4.5)."""

    status = 429
    code = "model_cooldown"
    error_type = "rate_limit_error"

    def __init__(self, model: str, provider: str, reset_seconds: int, reset_time: str) -> None:
        via = f" via provider {provider}" if provider else ""
        shown = model or "requested model"
        super().__init__(f"All credentials for model {shown} are cooling down{via}",
                         headers={"Retry-After": str(reset_seconds)})
        self.model = model
        self.provider = provider
        self.reset_seconds = reset_seconds
        self.reset_time = reset_time

    def body(self) -> dict:
        err: dict = {"code": "model_cooldown", "message": self.message, "model": self.model}
        if self.provider:
            err["provider"] = self.provider
        err["reset_seconds"] = self.reset_seconds
        err["reset_time"] = self.reset_time
        return {"error": err}

    @property
    def upstream_status(self) -> int:
        return 429


class UpstreamError(ProxyError):
    """The upstream answered non-2xx; ``body`` is its raw error body, passed on verbatim."""

    def __init__(self, status: int, body: bytes, content_type: str = "",
                 headers: dict[str, str] | None = None) -> None:
        text = body.decode("utf-8", "replace").strip() or f"status {status}"
        super().__init__(text, status=status, headers=headers)
        self.body = body
        self.content_type = content_type

    @property
    def upstream_status(self) -> int:
        return self.status


class TransportError(ProxyError):
    """The upstream could not be reached or the connection broke."""

    status = 502
    code = "upstream_unreachable"
    error_type = "api_error"


class ConfigurationError(ProxyError):
    """A credential is configured so that it cannot work (e.g. no base URL).

    Not the credential's fault at runtime: the manager reports it without cooling it down.
    """

    status = 500
    code = "configuration_error"


class NotImplementedRouteError(ConfigurationError):
    """A route or format pair this build does not serve yet.

    A ConfigurationError so that the manager does not cool the credential down and
    tries one whose upstream speaks the client's format.
    """

    status = 501
    code = "not_implemented"
    error_type = "not_implemented_error"


class StreamError(ProxyError):
    """The upstream stream broke after it had started (bytes may have reached the client)."""

    status = 502
    code = "stream_error"
    error_type = "api_error"


def cooldown_duration_text(seconds: float) -> str:
    """Go ``time.Duration`` text rounded to whole seconds: ``0s``, ``45s``, ``1m30s``, ``1h0m0s``."""
    total = int(seconds + 0.5) if seconds >= 1 else (1 if seconds > 0 else 0)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{h}h{m}m{s}s"
    if m:
        return f"{m}m{s}s"
    return f"{s}s"
