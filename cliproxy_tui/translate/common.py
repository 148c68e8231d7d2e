"""Helpers shared by every translator family (translators.md §1, §0.3, §9).

Everything here is a pure function over plain values; nothing is mutated in place.
Families import what they need instead of keeping private copies of a table, so a
mapping decision is made once:

- §1.1 reasoning / thinking tables (``*_to_gemini_thinking``, ``*_to_claude_thinking``,
  ``*_to_effort``);
- §1.3 tool_choice maps, §1.4 finish / stop reasons;
- §1.5 usage: ``Usage`` (neutral counts) parsed from each upstream's usage object and
  rendered into each client's usage shape;
- §1.6 identifiers, §1.7 token-count bodies, §4.2.1 the fields Responses objects echo;
- SSE line helpers (upstream lines in, client payloads out);
- content helpers: data URLs, text of OpenAI content, tool-result text (§9 #29), tool-call
  arguments as an object, MIME types by file extension, JSON-schema cleaning for Gemini
  and Codex.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
import uuid
from typing import Any

from .. import jsonfast
from .common_content import (  # noqa: F401  (re-exported: import helpers from here)
    MIME_BY_EXTENSION,
    TEXT_PART_TYPES,
    clean_schema_for_gemini,
    data_url,
    gemini_declaration_schema,
    lowercase_schema_types,
    mime_from_filename,
    object_args,
    parse_data_url,
    pick,
    schema_without_dollar_schema,
    stop_list,
    text_of_openai_content,
    tool_result_text,
)
from .common_tables import (  # noqa: F401  (re-exported: import helpers from here)
    CLAUDE_TO_OPENAI_FINISH,
    GEMINI_TO_OPENAI_FINISH,
    OPENAI_TO_CLAUDE_STOP,
    OPENAI_TO_GEMINI_FINISH,
    claude_effort_to_gemini_thinking,
    claude_stop_to_gemini,
    claude_stop_to_openai,
    claude_thinking_budget_to_effort,
    claude_thinking_to_effort,
    claude_thinking_to_gemini_thinking,
    claude_tool_choice_to_openai,
    claude_tool_choice_to_responses,
    codex_finish_to_claude,
    codex_finish_to_gemini,
    codex_finish_to_openai,
    gemini_finish_to_claude,
    gemini_finish_to_openai,
    gemini_thinking_budget,
    gemini_thinking_to_claude,
    gemini_thinking_to_effort,
    gemini_tool_config_to_claude,
    gemini_tool_config_to_openai,
    openai_effort_to_claude_thinking,
    openai_effort_to_gemini_thinking,
    openai_finish_to_claude,
    openai_finish_to_gemini,
    openai_tool_choice_to_claude,
    openai_tool_choice_to_gemini,
    openai_tool_choice_to_responses,
    responses_effort_to_claude_thinking,
    responses_effort_to_gemini_thinking,
    responses_effort_to_openai,
    responses_tool_choice_to_claude,
    responses_tool_choice_to_openai,
)
from .common_usage import (  # noqa: F401  (re-exported: import helpers from here)
    Usage,
    claude_count_body,
    claude_usage,
    count_from_upstream,
    gemini_count_body,
    gemini_usage_metadata,
    gemini_usage_to_claude,
    gemini_usage_to_openai,
    gemini_usage_to_responses,
    openai_usage,
    responses_usage,
    usage_from_claude,
    usage_from_codex,
    usage_from_gemini,
    usage_from_openai,
)

# ---------------------------------------------------------------------------
# §1.6 Identifiers
# ---------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits
_last_nanos = 0


def unique_nanos() -> int:
    """Unix nanoseconds, strictly increasing within the process (ids must not collide)."""
    global _last_nanos
    now = time.time_ns()
    if now <= _last_nanos:
        now = _last_nanos + 1
    _last_nanos = now
    return now


def _alnum(n: int) -> str:
    # one call for the randomness, then a table lookup per character (62 symbols: the
    # modulo bias of 256 % 62 is irrelevant for ids that only need to be unique)
    return "".join(_ALNUM[b % 62] for b in secrets.token_bytes(n))


def tool_call_id_from_name(name: str) -> str:
    """``<function name>-<unix nanoseconds>``: the id handed out for Gemini calls."""
    return f"{name}-{unique_nanos()}"


def name_from_tool_call_id(call_id: str) -> str:
    """Inverse of ``tool_call_id_from_name``; other ids (``toolu_…``) come back whole."""
    head, sep, tail = call_id.rpartition("-")
    if sep and head and tail.isdigit():
        return head
    return call_id


def new_toolu_id() -> str:
    """``toolu_`` + 24 alphanumerics (ids generated towards Claude)."""
    return "toolu_" + _alnum(24)


def new_call_id() -> str:
    """``call_`` + 24 alphanumerics (ids generated towards Codex / OpenAI)."""
    return "call_" + _alnum(24)


def nanos_call_id(hex_form: bool = False) -> str:
    """``call_<nanos>`` (decimal, or hex as the non-stream Gemini → Responses pair uses)."""
    n = unique_nanos()
    return f"call_{n:x}" if hex_form else f"call_{n}"


def new_response_id() -> str:
    """``resp_<hex nanos>`` for Responses answers whose upstream gave no id."""
    return f"resp_{unique_nanos():x}"


def new_message_id() -> str:
    """``msg_`` + 24 alphanumerics for Claude answers whose upstream gave no id."""
    return "msg_" + _alnum(24)


def new_chat_completion_id() -> str:
    """``chatcmpl-`` + 24 alphanumerics for Chat answers whose upstream gave no id."""
    return "chatcmpl-" + _alnum(24)


_claude_user_ids: dict[str, str] = {}


def claude_user_id(translator: str) -> str:
    """The ``metadata.user_id`` one translator sends to Claude, fixed for the process.

    ``user_<sha256 hex>_account_<uuid4>_session_<uuid4>``; each translator (keyed by
    any stable name, e.g. ``"openai"``) keeps its own triple, as upstream does.
    """
    existing = _claude_user_ids.get(translator)
    if existing is not None:
        return existing
    account, session = str(uuid.uuid4()), str(uuid.uuid4())
    digest = hashlib.sha256((account + session).encode()).hexdigest()
    value = f"user_{digest}_account_{account}_session_{session}"
    _claude_user_ids[translator] = value
    return value

# ---------------------------------------------------------------------------
# §4.2.1 Responses echo fields
# ---------------------------------------------------------------------------

#: request fields a Responses ``response`` object repeats from the client's own request
#: (§4.2.1, §9 #6)
RESPONSES_ECHO_FIELDS = ("instructions", "max_output_tokens", "max_tool_calls", "model",
                         "parallel_tool_calls", "previous_response_id", "prompt_cache_key",
                         "reasoning", "safety_identifier", "service_tier", "store",
                         "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p",
                         "truncation", "user", "metadata")


# ---------------------------------------------------------------------------
# SSE helpers
# ---------------------------------------------------------------------------


def data_payload(line: bytes) -> bytes | None:
    """The JSON payload of an upstream SSE line, or None.

    ``data:`` lines lose the prefix and surrounding whitespace; a bare line that starts
    with ``{`` or ``[`` is taken as a payload too (raw JSON units, §0.3). None for blank lines,
    ``event:``/``id:``/comment lines, ``[DONE]`` (with or without ``data:``) and junk.
    """
    if line.startswith(b"data:"):
        payload = line[5:].strip()
    elif line[:1] in (b"{", b"["):
        return None if line.rstrip() == b"[DONE]" else line
    else:
        return None
    if not payload or payload == b"[DONE]":
        return None
    if payload[:1] not in (b"{", b"["):
        # junk before the JSON (upstream's reader skips to the first brace)
        start = payload.find(b"{")
        return payload[start:] if start > 0 else None
    return payload


def is_done(line: bytes) -> bool:
    """True for ``[DONE]`` and ``data: [DONE]``."""
    if line.startswith(b"data:"):
        line = line[5:]
    return line.strip() == b"[DONE]"


def data_payloads(lines: list[bytes]) -> list[bytes]:
    """The ``data_payload`` of every line that has one."""
    out = []
    for line in lines:
        payload = data_payload(line)
        if payload is not None:
            out.append(payload)
    return out


def data_objects(lines: list[bytes]) -> list[dict[str, Any]]:
    """Every JSON object carried by ``lines``; unparseable payloads are skipped."""
    out = []
    for line in lines:
        payload = data_payload(line)
        if payload is None:
            continue
        try:
            obj = jsonfast.loads(payload)
        except jsonfast.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def claude_sse(event: str, obj: Any) -> bytes:
    """One complete Claude SSE block: ``event: X\\ndata: <json>\\n\\n``."""
    return b"".join((b"event: ", event.encode(), b"\ndata: ", jsonfast.dumps(obj), b"\n\n"))


def responses_items(event_type: str, obj: Any) -> list[bytes]:
    """A Responses event as the two items the server frames: ``event:`` and ``data:``."""
    return [b"event: " + event_type.encode(), b"data: " + jsonfast.dumps(obj)]
