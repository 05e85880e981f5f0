"""Turning a validation failure into one line that says where each bad value was set.

A value may come from the file given, from a base it ``extends``, from an environment
variable or from a default; the message names the nearest of these that holds the key.
"""

from __future__ import annotations

import os

from pydantic import ValidationError

from colloquy.config.environment import ENV_PREFIX
from colloquy.config.yaml_file import YamlTree, key_line
from colloquy.errors import ConfigError

DEFAULT_HINT = "see `colloquy config show` for every key and its default"


def validation_error(
    exc: ValidationError, tree: YamlTree | None, hint: str = DEFAULT_HINT
) -> ConfigError:
    """One ConfigError listing every bad key with its file and line (or variable)."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        source = _locate(tree, err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown key {key!r}")
        else:
            lines.append(f"{source}: key {key!r} = {err.get('input')!r}: {err['msg']}")
    return ConfigError("invalid configuration: " + "; ".join(lines), hint=hint)


def _locate(tree: YamlTree | None, loc: tuple[int | str, ...]) -> str:
    """Where the value at ``loc`` was set: ``file:line`` of the nearest file in the
    ``extends`` chain that holds the key, else the environment variable, else the file."""
    files = tree.files if tree is not None else ()
    for path, node in files:
        line, complete = key_line(node, loc)
        if complete:
            return f"{path}:{line}"
    for depth in range(len(loc), 0, -1):
        name = ENV_PREFIX + "__".join(str(part) for part in loc[:depth]).upper()
        if any(variable.upper() == name for variable in os.environ):
            return f"environment variable {name}"
    if not files:
        return "environment or defaults"
    path, node = files[0]
    line, _ = key_line(node, loc)
    return f"{path}:{line}" if line is not None else str(path)
