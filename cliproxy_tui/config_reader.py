"""Typed reading of a YAML node tree, with the key path in every error (config.md §1-§2).

Values are judged the way Go's yaml.v3 judges them when decoding into typed fields, so a
file upstream accepts is accepted here and a file it refuses (``port: "8317"``) is
refused here, with a one-line message naming the key.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .masking import hide

_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# yaml.v3 accepts these (YAML 1.1 spellings) when the target field is a bool, quoted or not.
_GO_TRUE = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"}
_GO_FALSE = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"}
HTTP_SCHEMES = ("http", "https")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class ConfigError(ValueError):
    """A config file that cannot be used; ``str()`` is one line ``<key path>: <message>``."""

    def __init__(self, key_path: str, message: str) -> None:
        super().__init__(f"{key_path}: {message}")
        self.key_path = key_path
        self.message = message


def read_root(data: str | bytes, source_name: str) -> Node | None:
    """The document's root node (None for an empty file); YAML errors become one line."""
    root = _compose(data, source_name)
    if root is None or _is_null(root):
        return None
    if not isinstance(root, MappingNode):
        raise ConfigError(source_name, f"expected a mapping at the top level, got {_shown(root)}")
    return root


def _compose(data: str | bytes, source_name: str) -> Node | None:
    try:
        return yaml.compose(data, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(source_name, f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(source_name, "invalid YAML: " + " ".join(str(exc).split())) from None


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == _NULL_TAG)


def _shown(node: Node) -> str:
    """How a wrong value appears in an error: quoted strings quoted, other scalars raw."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _STR_TAG or node.style is not None:
        return repr(node.value)
    return str(node.value)


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _parse_go_int(text: str) -> int | None:
    """yaml.v3's integer reading: underscores, 0x/0o/0b prefixes, legacy leading-0 octal,
    and floats that hold a whole number (Go truncates fractions; we refuse them)."""
    plain = text.replace("_", "")
    if not plain.isascii():
        return None
    try:
        return int(plain, 0)
    except ValueError:
        pass
    body = plain.lstrip("+-")
    if len(body) > 1 and body.startswith("0") and set(body) <= set("01234567"):
        return int(plain, 8)
    try:
        number = float(plain)
    except ValueError:
        return None
    if math.isfinite(number) and number == int(number):
        return int(number)
    return None


class NodeReader:
    """Typed access to YAML nodes; each getter takes the key path for its error message."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def mapping(self, node: Node | None, path: str, known: tuple[str, ...]) -> dict[str, Node]:
        if _is_null(node):
            return {}
        assert node is not None
        if not isinstance(node, MappingNode):
            raise ConfigError(path or "config", f"expected a mapping, got {_shown(node)}")
        out: dict[str, Node] = {}
        lines: dict[str, int] = {}
        merged: list[tuple[Node, Node]] = []
        for key_node, value in node.value:
            if key_node.tag == _MERGE_TAG:
                # YAML merge keys (`<<: *base`): explicit keys win over merged ones.
                sources = value.value if isinstance(value, SequenceNode) else [value]
                for src in sources:
                    if isinstance(src, MappingNode):
                        merged.extend(src.value)
                continue
            if not isinstance(key_node, ScalarNode):
                raise ConfigError(path or "config", "mapping keys must be plain strings")
            key = str(key_node.value)
            if key in out:
                raise ConfigError(join_path(path, key),
                                  f"duplicate key (first defined at line {lines[key]})")
            out[key] = value
            lines[key] = key_node.start_mark.line + 1
        for key_node, value in merged:
            out.setdefault(str(key_node.value), value)
        for key in out:
            if key not in known:
                self.warnings.append(f"unknown key '{join_path(path, key)}' ignored")
        return out

    def items(self, node: Node | None, path: str) -> list[tuple[str, Node]]:
        if _is_null(node):
            return []
        assert node is not None
        if not isinstance(node, SequenceNode):
            raise ConfigError(path, f"expected a list, got {_shown(node)}")
        return [(f"{path}[{i}]", item) for i, item in enumerate(node.value)]

    def integer(self, node: Node | None, path: str, default: int, *,
                minimum: int | None = None, maximum: int | None = None,
                what: str = "an integer") -> int:
        if _is_null(node):
            return default
        assert node is not None
        value = None
        if isinstance(node, ScalarNode) and node.style is None:
            value = _parse_go_int(node.value)
        if value is None:
            raise ConfigError(path, f"expected an integer, got {_shown(node)}")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ConfigError(path, f"expected {what}, got {value}")
        return value

    def boolean(self, node: Node | None, path: str, default: bool = False) -> bool:
        if _is_null(node):
            return default
        assert node is not None
        if isinstance(node, ScalarNode):
            text = node.value
            if node.style is None and text in ("true", "True", "TRUE"):
                return True
            if node.style is None and text in ("false", "False", "FALSE"):
                return False
            if text in _GO_TRUE:
                return True
            if text in _GO_FALSE:
                return False
        raise ConfigError(path, f"expected true or false, got {_shown(node)}")

    def string(self, node: Node | None, path: str, default: str = "") -> str:
        if _is_null(node):
            return default
        assert node is not None
        if not isinstance(node, ScalarNode):
            raise ConfigError(path, f"expected a string, got {_shown(node)}")
        return str(node.value)

    def strings(self, node: Node | None, path: str) -> tuple[str, ...]:
        return tuple(self.string(item, p) for p, item in self.items(node, path))

    def url(self, node: Node | None, path: str, schemes: tuple[str, ...] = HTTP_SCHEMES) -> str:
        if node is not None and not _is_null(node):
            # yaml.v3 would turn `base-url: 42` into the string "42"; no URL looks like that.
            if not isinstance(node, ScalarNode) or (node.style is None and node.tag != _STR_TAG):
                raise ConfigError(path, f"expected a URL, got {_shown(node)}")
        value = self.string(node, path).strip()
        if value and not _valid_url(value, schemes):
            allowed = ", ".join(schemes[:-1]) + f" or {schemes[-1]}"
            raise ConfigError(path, f"expected an {allowed} URL with a host, got "
                                    f"{_url_for_error(value)!r}")
        return value


def _valid_url(value: str, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a non-numeric port
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(parts.hostname)


def _url_for_error(value: str) -> str:
    """Never echo a secret: a key pasted into a URL field, or a proxy password."""
    if "://" not in value:
        return hide(value)
    try:
        parts = urlsplit(value)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return hide(value)
    return value
