"""``COLLOQUY_*`` environment variables: which names are settings, and checks on the rest.

pydantic-settings silently ignores a variable that names no setting, so a misspelt
``COLLOQUY_DATABASE_URI`` would leave the default store in use unnoticed; and it reports a
malformed JSON section without naming the variable. Both are caught here first.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from functools import cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic_settings import SettingsError

from colloquy.config.settings import Settings
from colloquy.errors import ConfigError

_log = logging.getLogger("colloquy.config")
"""Named after the package, not this module: users filter on ``colloquy.config``."""

ENV_PREFIX = "COLLOQUY_"

NOT_SETTINGS = frozenset(
    {"COLLOQUY_TEST_POSTGRES_URL", "COLLOQUY_TEST_REDIS_URL", "COLLOQUY_REDIS_URL"}
)
"""``COLLOQUY_*`` variables colloquy reads that are not settings (test services, Redis)."""

API_SETTINGS_PREFIX = "COLLOQUY_API_"
"""The HTTP API's own settings (``ApiSettings``), which `colloquy serve` hands its workers."""


@cache
def setting_variables() -> dict[str, bool]:
    """Every ``COLLOQUY_*`` name that sets something, mapped to whether its value is JSON."""
    names: dict[str, bool] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for field_name, info in model.model_fields.items():
            name = prefix + field_name.upper()
            section = _model_class(info.annotation)
            names[name] = section is not None or _is_collection(info.annotation)
            if section is not None:
                walk(section, name + "__")

    walk(Settings, ENV_PREFIX)
    return names


def check_environment(environ: Mapping[str, str]) -> None:
    """Warn about ``COLLOQUY_*`` names that set nothing; refuse malformed JSON sections.

    An unknown name under a known setting (``COLLOQUY_STORAGE__BATCHSIZE``) is an error,
    as pydantic-settings would refuse or misread it; any other unknown name is ignored by
    pydantic-settings, so it is only warned about, with the closest valid name.
    """
    variables = setting_variables()
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in NOT_SETTINGS:
            continue
        if upper.startswith(API_SETTINGS_PREFIX):
            continue
        if upper not in variables:
            message = _unknown_variable(name, variables)
            if upper.split("__")[0] in variables:
                raise ConfigError(message.replace(" and is ignored", ""))
            _log.warning(message)
        elif variables[upper]:
            _check_json(name, environ[name])


def environment_error(exc: SettingsError) -> ConfigError:
    """pydantic-settings' failure to parse a variable, as one line naming the variable."""
    match = re.search(r'field "([^"]+)"', str(exc))
    field_name = match.group(1) if match else None
    names = sorted(
        name
        for name in os.environ
        if field_name is not None and name.upper().startswith(ENV_PREFIX + field_name.upper())
    )
    where = ", ".join(names) if names else f"a {ENV_PREFIX}* variable"
    return ConfigError(
        f"cannot parse environment variable {where}: {str(exc).splitlines()[0]}",
        hint="sections and lists take JSON; unset the variable or fix its value",
    )


def _model_class(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_collection(annotation: Any) -> bool:
    return any(
        get_origin(candidate) in (list, set, frozenset, tuple, dict)
        for candidate in (annotation, *get_args(annotation))
    )


def _unknown_variable(name: str, variables: Mapping[str, bool]) -> str:
    import difflib

    close = difflib.get_close_matches(name.upper(), [*variables, *NOT_SETTINGS], n=1)
    advice = f"did you mean {close[0]}?" if close else "`colloquy config show` lists every setting"
    return f"environment variable {name} is not a colloquy setting and is ignored — {advice}"


def _check_json(name: str, value: str) -> None:
    import json

    try:
        json.loads(value)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"environment variable {name} is not valid JSON ({exc.msg} at column {exc.colno})",
            hint=f'give it a JSON value such as \'{{"key": "value"}}\' or \'["a"]\', '
            f"or set one key with {name}__KEY=value",
        ) from None
