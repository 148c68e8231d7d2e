"""Contracts between the request pipeline and the executors.

An executor speaks one upstream API (its ``native_format``). It receives the request
already in that format (``ExecRequest.body``, a dict it must not mutate: copy what you
change), sends it with the credential it was given, and returns the native answer:

* ``execute`` → ``ExecResult`` with the whole JSON body (an executor whose upstream only
  streams, like Codex, folds the stream into the final JSON itself);
* ``execute_stream`` → an ``UpstreamStream`` once the upstream answered 2xx; iterating it
  yields lists of raw SSE lines (bytes, no line terminator) as they arrive, one list per
  network read, so the caller can write one batch per read without adding latency.

Failures before the first byte raise ``UpstreamError`` / ``TransportError`` (the manager
retries on another credential); failures while iterating raise ``StreamError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Mapping, Protocol

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..auth.model import Credential


@dataclass(slots=True)
class UsageDetail:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0

    def any(self) -> bool:
        return bool(self.input_tokens or self.output_tokens or self.cached_tokens
                    or self.reasoning_tokens or self.total_tokens)

    def normalised(self) -> "UsageDetail":
        if not self.total_tokens:
            self.total_tokens = self.input_tokens + self.output_tokens + self.reasoning_tokens
        return self


def api_key_or_access_token(cred: "Credential") -> str:
    """The credential's API key, else its OAuth token file's ``access_token``."""
    if cred.api_key:
        return cred.api_key
    token = (cred.metadata or {}).get("access_token")
    if isinstance(token, str) and token:
        return token
    raise ConfigurationError(f"{cred.provider} credential {cred.display_label()} has no API "
                             "key or access token")


@dataclass(slots=True)
class ExecRequest:
    #: client-facing model after suffix normalisation: the cooldown and usage key
    model: str
    #: request body in the executor's native format; executors never mutate it in place
    body: dict[str, Any]
    stream: bool
    #: the client's API family: openai, openai-response, claude, gemini, gemini-cli
    source_format: str
    alt: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    #: incoming request headers (lower-case names), for "client wins" headers
    client_headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ExecResult:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    usage: UsageDetail | None = None
    #: the model name actually sent upstream (after alias mapping)
    upstream_model: str = ""


class UpstreamStream(Protocol):
    status: int
    upstream_model: str

    def __aiter__(self) -> AsyncIterator[list[bytes]]: ...

    @property
    def usage(self) -> UsageDetail | None:
        """Usage seen so far (final once iteration ended)."""

    async def aclose(self) -> None:
        """Release the upstream connection (idempotent)."""


class Executor(Protocol):
    identifier: str
    native_format: str

    async def execute(self, cred: "Credential", req: ExecRequest) -> ExecResult: ...

    async def execute_stream(self, cred: "Credential", req: ExecRequest) -> UpstreamStream: ...

    async def count_tokens(self, cred: "Credential", req: ExecRequest) -> ExecResult: ...
