"""YAML read with line numbers, checked against a JSON schema, errors that say where.

Journeys and guidelines are hand-written YAML, so a mistake must point at the file, the line
and the field, and say how to fix it, in one line. PyYAML's node tree keeps every value's
line; a JSON-schema error's path is walked through that tree to find it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from colloquy.errors import ConfigError


class DefinitionError(ConfigError):
    """A journey or guideline file is invalid; ``file``, ``line`` and ``field`` say where."""

    def __init__(self, file: str, line: int, field: str, problem: str, hint: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{file}:{line}: {field}: {problem}", hint=hint)


@dataclass(frozen=True, slots=True)
class LoadedYaml:
    """A parsed document together with the node tree that knows every value's line."""

    source: str
    data: Any
    root: yaml.Node | None

    def line_of(self, path: Sequence[str | int]) -> int:
        """1-based line of the value at ``path``, or of its nearest existing parent."""
        node = self.root
        line = 1 if node is None else node.start_mark.line + 1
        for key in path:
            if node is None:
                break
            child = _child(node, key)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def error(self, path: Sequence[str | int], problem: str, hint: str) -> DefinitionError:
        return DefinitionError(self.source, self.line_of(path), field_name(path), problem, hint)


def read_yaml(text: str, source: str) -> LoadedYaml:
    """Parse ``text``; a syntax error becomes a :class:`DefinitionError` at its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise DefinitionError(
            source, line, "(document)", f"invalid YAML: {exc.problem}", "fix the YAML syntax"
        ) from exc
    return LoadedYaml(source, data, root)


def read_yaml_file(path: Path) -> LoadedYaml:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.strerror}", hint="check the path and permissions"
        ) from exc
    return read_yaml(text, str(path))


def check_schema(loaded: LoadedYaml, schema: Mapping[str, Any], what: str) -> None:
    """Raise the first (deepest, then earliest) schema violation with file, line and field."""
    validator = Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(loaded.data),
        key=lambda e: (-len(e.absolute_path), loaded.line_of(list(e.absolute_path))),
    )
    if errors:
        first = errors[0]
        path: list[str | int] = list(first.absolute_path)
        if first.validator == "additionalProperties" and isinstance(first.instance, dict):
            allowed = first.schema.get("properties", {}) if isinstance(first.schema, dict) else {}
            extra = [k for k in first.instance if k not in allowed]
            if extra:
                path.append(str(extra[0]))
        raise loaded.error(path, _problem(first), _hint(first, what))


def field_name(path: Sequence[str | int]) -> str:
    if not path:
        return "(document)"
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                found: yaml.Node = v
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    return None


def _problem(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        return f"unknown key ({error.message.split('(')[-1].rstrip(')')})"
    return error.message


def _hint(error: ValidationError, what: str) -> str:
    allowed = error.schema.get("properties") if isinstance(error.schema, dict) else None
    if error.validator == "additionalProperties" and isinstance(allowed, dict):
        return f"allowed keys here: {', '.join(sorted(allowed))}"
    if error.validator == "required":
        return f"add the missing key (see docs/{what}.md)"
    if error.validator == "enum":
        return f"use one of {error.validator_value}"
    if error.validator == "pattern":
        return f"the value must match {error.validator_value}"
    return f"see docs/{what}.md for the format"
