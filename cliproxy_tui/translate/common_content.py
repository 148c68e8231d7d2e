"""Content helpers: data URLs, text of parts, tool-result text, tool-call arguments,
MIME types, schemas.

Import them through ``translate.common``.
"""

from __future__ import annotations

from typing import Any

from .. import jsonfast

# ---------------------------------------------------------------------------
# Content helpers
# ---------------------------------------------------------------------------


def data_url(mime: str, b64: str) -> str:
    return f"data:{mime or 'application/octet-stream'};base64,{b64}"


def parse_data_url(url: Any) -> tuple[str, str] | None:
    """``(mime, base64 data)`` of a ``data:<mime>;base64,<data>`` URL, else None."""
    if not isinstance(url, str) or not url.startswith("data:"):
        return None
    head, sep, data = url[5:].partition(",")
    if not sep:
        return None
    params = head.split(";")
    if "base64" not in (p.strip().lower() for p in params[1:]):
        return None
    return (params[0].strip() or "application/octet-stream"), data


#: the part types of Chat / Responses content that carry text
TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})


def text_of_openai_content(content: Any, sep: str = "") -> str:
    """Text of Chat/Responses content: a string, one part, or a list of parts.

    Text parts (``text``, ``input_text``, ``output_text``, or bare strings) are joined
    with ``sep``; other parts are ignored.
    """
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return ""
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type", "text") in TEXT_PART_TYPES:
            text = part.get("text")
            if isinstance(text, str):
                texts.append(text)
    return sep.join(texts)


def tool_result_text(content: Any) -> str:
    """A tool result's content as the string a text-only target receives (§9 #29).

    Strings pass; text blocks (Claude ``text``, OpenAI ``text``/``input_text``/
    ``output_text``) are concatenated with newlines; a non-text block (an image, a
    document) is kept as its JSON text in its place; None is empty; other values
    (objects, numbers) are their JSON text.
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return jsonfast.dumps_str(content)
    pieces = []
    for block in content:
        if isinstance(block, str):
            pieces.append(block)
        elif isinstance(block, dict) and block.get("type") in TEXT_PART_TYPES \
                and isinstance(block.get("text"), str):
            pieces.append(block["text"])
        else:
            pieces.append(jsonfast.dumps_str(block))
    return "\n".join(pieces)


def object_args(raw: Any) -> dict[str, Any]:
    """Tool-call arguments (a JSON string or an object) as an object; ``{}`` when empty,
    unparseable or not an object. (``openai_chunks.parse_arguments`` also repairs
    pseudo-JSON that some OpenAI-compatible models write.)"""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = jsonfast.loads(raw)
        except jsonfast.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def stop_list(stop: Any) -> list[str]:
    """Chat ``stop`` (string or array) → a list of non-empty strings."""
    if isinstance(stop, str):
        return [stop] if stop else []
    if isinstance(stop, list):
        return [s for s in stop if isinstance(s, str) and s]
    return []


def pick(obj: Any, *keys: str) -> Any:
    """The first present value among ``keys`` (camelCase / snake_case spellings, §9 #27)."""
    if not isinstance(obj, dict):
        return None
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return value
    return None


def gemini_declaration_schema(decl: Any) -> Any:
    """Parameters schema of a Gemini function declaration, any spelling (§9 #34)."""
    return pick(decl, "parameters", "parametersJsonSchema", "parameters_json_schema")


#: file extension → MIME type, for OpenAI ``file`` parts sent as Gemini ``inlineData``
MIME_BY_EXTENSION: dict[str, str] = {
    "pdf": "application/pdf", "txt": "text/plain", "md": "text/markdown",
    "html": "text/html", "htm": "text/html", "css": "text/css", "csv": "text/csv",
    "xml": "text/xml", "json": "application/json", "js": "text/javascript",
    "py": "text/x-python", "rtf": "text/rtf",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "heic": "image/heic", "heif": "image/heif", "bmp": "image/bmp",
    "svg": "image/svg+xml",
    "wav": "audio/wav", "mp3": "audio/mp3", "aiff": "audio/aiff", "aac": "audio/aac",
    "ogg": "audio/ogg", "flac": "audio/flac", "m4a": "audio/mp4",
    "mp4": "video/mp4", "mpeg": "video/mpeg", "mov": "video/mov", "avi": "video/avi",
    "webm": "video/webm", "wmv": "video/wmv", "flv": "video/x-flv", "3gp": "video/3gpp",
}


def mime_from_filename(name: Any) -> str | None:
    """MIME type by file extension (case-insensitive), None when unknown."""
    if not isinstance(name, str) or "." not in name:
        return None
    return MIME_BY_EXTENSION.get(name.rsplit(".", 1)[1].lower())


# ---------------------------------------------------------------------------
# JSON-schema cleaning
# ---------------------------------------------------------------------------

# keywords whose value is one subschema / a list of them / a name → subschema map
_SUB_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
            "propertyNames", "additionalItems", "unevaluatedProperties", "unevaluatedItems")
_SUB_LIST = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUB_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# string formats Gemini documents; others (``uri``, ``email``…) are rejected by the
# Cloud Code backend, which is why upstream strips ``"format":"uri"`` from Claude Code tools
_GEMINI_FORMATS = frozenset({"date-time", "date", "time", "duration", "enum", "int32",
                             "int64", "float", "double"})


def clean_schema_for_gemini(schema: Any) -> Any:
    """A copy of a JSON schema that Gemini's ``parametersJsonSchema`` accepts.

    Deliberately minimal, since ``parametersJsonSchema`` takes (nearly) full JSON
    Schema: drops ``$schema`` everywhere, drops ``format`` values Gemini does not
    know (``uri``, ``email``, …), and lower-cases ``type`` names (OpenAPI-style
    ``OBJECT``/``STRING`` from Gemini-minded clients). Property names are never
    mistaken for keywords. Non-dict input is returned unchanged.
    """
    return _rewrite_schema(schema, True)


def _lower_type(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [v.lower() if isinstance(v, str) else v for v in value]
    return value


def lowercase_schema_types(schema: Any) -> Any:
    """A copy of a schema with every ``type`` keyword's value lower-cased (Gemini → JSON)."""
    return _rewrite_schema(schema, False)


def _rewrite_schema(schema: Any, for_gemini: bool) -> Any:
    """``type`` lower-cased at every level; ``for_gemini`` also drops what Gemini rejects."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if for_gemini and (key == "$schema" or (
                key == "format" and isinstance(value, str) and value not in _GEMINI_FORMATS)):
            continue
        if key == "type":
            out[key] = _lower_type(value)
        elif key in _SUB_ONE:
            out[key] = [_rewrite_schema(v, for_gemini) for v in value] \
                if isinstance(value, list) else _rewrite_schema(value, for_gemini)
        elif key in _SUB_LIST and isinstance(value, list):
            out[key] = [_rewrite_schema(v, for_gemini) for v in value]
        elif key in _SUB_MAP and isinstance(value, dict):
            out[key] = {k: _rewrite_schema(v, for_gemini) for k, v in value.items()}
        else:
            out[key] = value
    return out


def schema_without_dollar_schema(schema: Any) -> Any:
    """A copy of a schema without its top-level ``$schema`` (what Codex rejects)."""
    if isinstance(schema, dict) and "$schema" in schema:
        return {k: v for k, v in schema.items() if k != "$schema"}
    return schema
