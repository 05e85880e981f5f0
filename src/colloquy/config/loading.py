"""Building settings and job configurations from files and the environment.

The YAML reader and the error locator are imported only when a file is given or a value
is wrong, so commands that run on defaults and the environment start without them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

from colloquy.config.environment import check_environment, environment_error
from colloquy.config.settings import Settings

if TYPE_CHECKING:
    from colloquy.config.yaml_file import YamlTree

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_settings(config_file: Path | str | None = None) -> Settings:
    """Build settings from defaults, ``config_file`` (if any) and the environment.

    ``COLLOQUY_*`` variables that name no setting are reported (a misspelt
    ``COLLOQUY_DATABASE_URI`` would otherwise leave the default store in use unnoticed).
    """
    tree: YamlTree | None = None
    if config_file is not None:
        from colloquy.config.yaml_file import load_yaml_tree

        tree = load_yaml_tree(Path(config_file))
    check_environment(os.environ)
    try:
        return Settings(**(tree.data if tree is not None else {}))
    except ValidationError as exc:
        from colloquy.config.location import validation_error

        raise validation_error(exc, tree) from None
    except SettingsError as exc:
        raise environment_error(exc) from None


def load_yaml_model(path: Path | str, model: type[ModelT]) -> ModelT:
    """Validate a YAML file (with ``extends`` and ``${VAR}``) into ``model``.

    Used for job configurations such as ``colloquy train intent --config train.yaml``;
    errors name the file, line, key, value and expectation exactly as for settings.
    """
    from colloquy.config.location import validation_error
    from colloquy.config.yaml_file import load_yaml_tree

    tree = load_yaml_tree(Path(path))
    try:
        return model.model_validate(tree.data)
    except ValidationError as exc:
        keys = ", ".join(model.model_fields)
        raise validation_error(exc, tree, hint=f"valid top-level keys: {keys}") from None
