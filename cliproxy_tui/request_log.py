"""``request-log: true``: one file per ``/v1…`` request with everything that went through.

The layout is upstream's buffered one (management.md §7.3): the client's request (URL,
headers, body), each upstream attempt (URL, method, credential, headers, body, then its
status, headers and body, or the transport error), and the response the client got, streams
included chunk by chunk. Two things differ from upstream, for the user's sake:

- secrets are masked to their last 4 characters (upstream keeps the first 4 as well), in the
  client's headers and query, the upstream headers and the ``Auth:`` line;
- the directory is created 0700 and the files 0600: they hold the user's prompts.

The file is written after the request ends, off the event loop. When the setting is off the
request path pays one attribute read per request and a context-variable read where an
upstream attempt is prepared, sent and read.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .auth.refresh import write_private_file
from .masking import mask_header, mask_last4, mask_query

log = logging.getLogger("cliproxy_tui.request_log")

#: the log of the request being served, None when request logging is off
CURRENT: contextvars.ContextVar[RequestLog | None] = contextvars.ContextVar(
    "cliproxy_request_log", default=None)

_UNSAFE = re.compile(r"[/:<>\"|?*\s]+")
_DASHES = re.compile("-+")


def masked_header(name: str, value: str) -> str:
    return mask_header(name, value, mask_last4)


def masked_query(query: str) -> str:
    return mask_query(query, mask_last4)


def file_name(path: str, now_ns: int) -> str:
    """``v1-chat-completions-2025-10-28T190025-123456789.log`` (local time)."""
    stem = _UNSAFE.sub("-", path.lstrip("/"))
    stem = _DASHES.sub("-", stem).strip("-") or "root"
    seconds, nanos = divmod(now_ns, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%dT%H%M%S", time.localtime(seconds))
    return f"{stem}-{stamp}-{nanos:09d}.log"


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t).astimezone().isoformat()


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace") if data else "<empty>"


def _headers(items: Iterable[tuple[str, str]], *, mask: bool = True,
             sort: bool = False) -> list[str]:
    pairs = sorted(items, key=lambda kv: kv[0].lower()) if sort else list(items)
    if not pairs:
        return ["<none>"]
    return [f"{k}: {masked_header(k, v) if mask else v}" for k, v in pairs]


class Attempt:
    """One upstream request of a client request (a retry on another credential is another)."""

    __slots__ = ("auth", "body", "chunks", "error", "headers", "method", "resp_headers",
                 "resp_time", "sent", "status", "url")

    def __init__(self, method: str, url: str, headers: Mapping[str, str], body: bytes,
                 auth: str) -> None:
        self.method, self.url, self.body, self.auth = method, url, body, auth
        self.headers = list(headers.items())
        self.sent = time.time()
        self.status: int | None = None
        self.resp_headers: list[tuple[str, str]] = []
        self.resp_time: float | None = None
        self.chunks: list[bytes] = []
        self.error = ""

    def response(self, status: int, headers: Mapping[str, str]) -> None:
        self.status, self.resp_time = status, time.time()
        self.resp_headers = list(headers.items())


class RequestLog:
    """What one client request did; filled by the server, the executors and the streams."""

    def __init__(self, directory: str, method: str, path: str, query: str,
                 headers: Mapping[str, str], body: bytes) -> None:
        self.directory = directory
        self.method, self.path, self.query = method, path, query
        self.headers = list(headers.items())
        self.body = body
        self.attempts: list[Attempt] = []
        self.auth = ""
        self.status = 0
        self.resp_headers: list[tuple[str, str]] = []
        self.resp_chunks: list[bytes] = []
        self.error = ""

    # -- filled along the request path ----------------------------------------------------

    def credential(self, cred: Any) -> None:
        """The credential of the next upstream attempt (``auth.model.Credential``)."""
        parts = [f"provider={cred.provider}", f"auth_id={cred.id}",
                 f"label={cred.display_label()}"]
        if cred.api_key:
            parts.append(f"type=api_key value={mask_last4(cred.api_key)}")
        else:
            email = (cred.metadata or {}).get("email", "")
            parts.append(f"type=oauth account={email}")
        self.auth = ", ".join(parts)

    def upstream_request(self, method: str, url: str, headers: Mapping[str, str],
                         body: bytes) -> Attempt:
        attempt = Attempt(method, url, headers, body, self.auth)
        self.attempts.append(attempt)
        return attempt

    def upstream_chunk(self, data: bytes) -> None:
        if self.attempts and data:
            self.attempts[-1].chunks.append(bytes(data))

    def client_chunk(self, data: bytes) -> None:
        if data:
            self.resp_chunks.append(bytes(data))

    # -- the file ---------------------------------------------------------------------

    def render(self) -> str:
        url = self.path + (f"?{masked_query(self.query)}" if self.query else "")
        out = ["=== REQUEST INFO ===", f"URL: {url}", f"Method: {self.method}",
               f"Timestamp: {_stamp(time.time())}", "", "=== HEADERS ===",
               *_headers(self.headers), "", "=== REQUEST BODY ===", _text(self.body), ""]
        for n, a in enumerate(self.attempts, 1):
            out += [f"=== API REQUEST {n} ===", f"Timestamp: {_stamp(a.sent)}",
                    f"Upstream URL: {a.url}", f"HTTP Method: {a.method}",
                    f"Auth: {a.auth or '<none>'}", "", "Headers:",
                    *_headers(a.headers, sort=True), "", "Body:", _text(a.body), ""]
            out += [f"=== API RESPONSE {n} ==="]
            if a.resp_time is not None:
                out += [f"Timestamp: {_stamp(a.resp_time)}", "", f"Status: {a.status}",
                        "Headers:", *_headers(a.resp_headers), "", "Body:",
                        _text(b"".join(a.chunks))]
            else:
                out += ["<missing>"]
            if a.error:
                out += [f"Error: {a.error}"]
            out += [""]
        out += ["=== RESPONSE ===", f"Status: {self.status}",
                *_headers(self.resp_headers, mask=False), ""]
        out += [_text(b"".join(self.resp_chunks))]
        if self.error:
            out += ["", f"Error: {self.error}"]
        return "\n".join(out) + "\n"

    def write(self) -> str | None:
        """Write the file (blocking: call it off the event loop); its path, or None."""
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            path = os.path.join(self.directory, file_name(self.path, time.time_ns()))
            # a debugging aid, not worth an fsync per request
            write_private_file(path, self.render().encode("utf-8"), durable=False)
            return path
        except Exception as exc:  # noqa: BLE001 - a full disk must not fail the request
            log.error("request log not written to %s: %s", self.directory, exc)
            return None


def directory_for(config_path: str, env: Mapping[str, str] = os.environ) -> str:
    """``$WRITABLE_PATH/logs``, else ``logs/`` next to the config file (§7.1)."""
    base = env.get("WRITABLE_PATH") or env.get("writable_path")
    if not base:
        base = os.path.dirname(os.path.abspath(config_path))
    return os.path.join(base, "logs")
