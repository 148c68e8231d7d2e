"""Model list bodies for ``/v1/models`` and ``/v1beta/models`` (server.md §9).

Input is the registry's ``available_models()``: catalog dicts as registered
(auth-manager.md §5.4, §6). Gemini entries carry ``displayName``, the others
``display_name``; each shape accepts either spelling, as upstream keeps one field for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import jsonfast

Model = Mapping[str, Any]

# (output key, input keys in order of preference); emitted only when set / non-zero
_OPENAI_OPTIONAL: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("created", ("created",)),
    ("type", ("type",)),
    ("display_name", ("display_name", "displayName")),
    ("version", ("version",)),
    ("description", ("description",)),
    ("context_length", ("context_length",)),
    ("max_completion_tokens", ("max_completion_tokens",)),
    ("supported_parameters", ("supported_parameters",)),
)
_CLAUDE_OPTIONAL = _OPENAI_OPTIONAL[:3]
_GEMINI_OPTIONAL: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("version", ("version",)),
    ("displayName", ("displayName", "display_name")),
    ("description", ("description",)),
    ("inputTokenLimit", ("inputTokenLimit", "input_token_limit")),
    ("outputTokenLimit", ("outputTokenLimit", "output_token_limit")),
    ("supportedGenerationMethods", ("supportedGenerationMethods",)),
)
# Only a single-model answer carries sampling defaults (the shape of upstream's §9.3 answers).
_GEMINI_DETAIL_OPTIONAL: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("temperature", ("temperature",)),
    ("topP", ("topP", "top_p")),
    ("topK", ("topK", "top_k")),
    ("maxTemperature", ("maxTemperature", "max_temperature")),
    ("thinking", ("thinking",)),
)

_GEMINI_PREFIX = "models/"


def _is_set(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return True  # a false flag is still information (``thinking: false``)
    if isinstance(value, (int, float)):
        return value > 0
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


def _copy_set(out: dict[str, Any], model: Model,
              fields: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, Any]:
    for key, sources in fields:
        for src in sources:
            value = model.get(src)
            if _is_set(value):
                out[key] = value
                break
    return out


def _sorted(models: Iterable[Model]) -> list[Model]:
    return sorted((m for m in models if m.get("id")), key=lambda m: str(m["id"]))


def _openai_entry(model: Model) -> dict[str, Any]:
    out = {"id": model["id"], "object": model.get("object") or "model",
           "owned_by": model.get("owned_by") or ""}
    return _copy_set(out, model, _OPENAI_OPTIONAL)


def _claude_entry(model: Model) -> dict[str, Any]:
    out = {"id": model["id"], "object": model.get("object") or "model",
           "owned_by": model.get("owned_by") or ""}
    return _copy_set(out, model, _CLAUDE_OPTIONAL)


def _gemini_name(model: Model) -> str:
    name = model.get("name")
    return name if isinstance(name, str) and name else str(model["id"])


def _gemini_entry(model: Model) -> dict[str, Any]:
    return _copy_set({"name": _gemini_name(model)}, model, _GEMINI_OPTIONAL)


def openai_models_list(models: Iterable[Model]) -> bytes:
    return jsonfast.dumps(
        {"object": "list", "data": [_openai_entry(m) for m in _sorted(models)]}
    )


def claude_models_list(models: Iterable[Model]) -> bytes:
    data = [_claude_entry(m) for m in _sorted(models)]
    return jsonfast.dumps({
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    })


def gemini_models_list(models: Iterable[Model]) -> bytes:
    return jsonfast.dumps({"models": [_gemini_entry(m) for m in _sorted(models)]})


def gemini_model_get(models: Iterable[Model], name: str) -> dict[str, Any] | None:
    """The Gemini description of one listed model, or None for a 404.

    ``name`` may come with or without the ``models/`` prefix, and may be the model's id or
    its Gemini-style name.
    """
    bare = name.removeprefix(_GEMINI_PREFIX)
    if not bare:
        return None
    for model in _sorted(models):
        full = _gemini_name(model)
        if model["id"] == bare or full == name or full == _GEMINI_PREFIX + bare:
            return _copy_set(_gemini_entry(model), model, _GEMINI_DETAIL_OPTIONAL)
    return None


def models_list_for(user_agent: str | None, models: Iterable[Model]) -> bytes:
    """``GET /v1/models``: only a User-Agent starting ``claude-cli`` gets the Claude shape."""
    if user_agent and user_agent.startswith("claude-cli"):
        return claude_models_list(models)
    return openai_models_list(models)
