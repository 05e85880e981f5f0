"""Reading YAML configuration files: strict parsing, ``extends:`` chains and ``${VAR}``.

A file may ``extends: base.yaml`` (deep-merged, paths relative to the file) and use
``${VAR}`` or ``${VAR:-default}`` anywhere in a value. Each file's node tree is kept with
the merged data, so a bad key can later be traced to the file and line that set it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from colloquy.errors import ConfigError

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

_MAX_NODES = 100_000
"""Nodes a configuration may expand to once aliases are followed (stops billion laughs)."""

_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


@dataclass(frozen=True, slots=True)
class YamlTree:
    """Merged YAML data with the files it came from, child first, to locate a key's line."""

    files: tuple[tuple[Path, yaml.Node | None], ...]
    data: dict[str, Any]


def load_yaml_tree(path: Path, seen: tuple[Path, ...] = ()) -> YamlTree:
    """``path`` merged over the files it ``extends``, with ``${VAR}`` substituted."""
    resolved = path.expanduser().resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ConfigError(f"{path}: 'extends' forms a cycle: {chain}", hint="remove one link")
    node, raw = _read_yaml(resolved)
    parent = raw.pop("extends", None)
    raw = dict(_substitute(raw, resolved, ()))
    own = ((resolved, node),)
    if parent is None:
        return YamlTree(own, raw)
    if not isinstance(parent, str):
        line, _ = key_line(node, ("extends",))
        raise ConfigError(
            f"{resolved}:{line}: key 'extends' must be a file path, got {parent!r}",
            hint="write extends: base.yaml",
        )
    base = load_yaml_tree(resolved.parent / parent, (*seen, resolved))
    return YamlTree(own + base.files, _deep_merge(base.data, raw))


def key_line(node: yaml.Node | None, loc: tuple[int | str, ...]) -> tuple[int | None, bool]:
    """The line of the deepest key of ``loc`` found under ``node``, and whether all were."""
    line = None
    for key in loc:
        if not isinstance(node, yaml.MappingNode):
            return line, False
        for key_node, value_node in node.value:
            if key_node.value == str(key):
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            return line, False
    return line, line is not None


def _read_yaml(path: Path) -> tuple[yaml.Node | None, dict[str, Any]]:
    """The file's node tree (for line numbers) and its data, or a one-line ConfigError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist", hint="check the path given to --config"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {path}: {exc.strerror}",
            hint="give the path of a readable YAML file",
        ) from None
    if raw.startswith(_UTF16_32_BOMS):
        raise ConfigError(f"{path}: the file is UTF-16 or UTF-32 encoded", hint="save it as UTF-8")
    if b"\x00" in raw:
        raise ConfigError(
            f"{path}: the file is binary (it holds NUL bytes), not YAML",
            hint="give the path of a YAML text file",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: byte 0x{raw[exc.start]:02x} is not UTF-8 text",
            hint="save the file as UTF-8",
        ) from None
    loader = _StrictLoader(text, path)
    try:
        node = loader.get_single_node()
        loaded = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{where}: malformed YAML: {problem}", hint="fix the syntax at that position"
        ) from None
    except RecursionError:
        raise ConfigError(
            f"{path}: the YAML is nested too deeply", hint="flatten the structure"
        ) from None
    finally:
        loader.dispose()
    if loaded is None:
        return node, {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys, got {type(loaded).__name__}",
            hint="write key: value lines",
        )
    for key in loaded:
        if not isinstance(key, str):
            raise ConfigError(
                f"{path}: top-level key {key!r} is not a name", hint="write name: value lines"
            )
    return node, loaded


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, recursive aliases and alias bombs.

    PyYAML lets a later duplicate key win silently and builds self-referencing or
    exponentially shared structures from anchors; each is a ConfigError with its line.
    """

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.path = path
        self.open_anchors: set[str] = set()
        self.expanded = 0
        self.anchored_sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        line = f"{self.path}:{event.start_mark.line + 1}"
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise ConfigError(
                    f"{line}: alias *{event.anchor} refers to the node that contains it",
                    hint="YAML anchors must not be recursive; write the value out",
                )
            node = super().compose_node(parent, index)
            self._count(self.anchored_sizes.get(id(node), 1), line)
            return node
        anchor = event.anchor
        start = self.expanded
        if anchor is not None:
            self.open_anchors.add(anchor)
        node = super().compose_node(parent, index)
        self._count(1, line)
        if anchor is not None:
            self.open_anchors.discard(anchor)
            self.anchored_sizes[id(node)] = self.expanded - start
        return node

    def _count(self, nodes: int, line: str) -> None:
        self.expanded += nodes
        if self.expanded > _MAX_NODES:
            raise ConfigError(
                f"{line}: aliases expand the configuration past {_MAX_NODES:,} values",
                hint="use fewer nested anchors and aliases",
            )

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            line = key_node.start_mark.line + 1
            key = (key_node.tag, key_node.value)
            if key in first:
                raise ConfigError(
                    f"{self.path}:{line}: key {key_node.value!r} is set twice, on lines "
                    f"{first[key]} and {line}",
                    hint="keep one of the two",
                )
            first[key] = line
        return super().construct_mapping(node, deep=deep)


def _substitute(value: Any, path: Path, keys: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, path, (*keys, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, path, (*keys, str(i))) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        found = os.environ.get(name)
        if found is not None and (found != "" or default is None):
            return found
        if default is not None:
            return default
        raise ConfigError(
            f"{path}: key {'.'.join(keys)}: environment variable {name} is not set",
            hint=f"export {name}=… or write ${{{name}:-default}}",
        )

    return _VAR.sub(replace, value)


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
