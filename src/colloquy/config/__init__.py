"""Typed settings from defaults, an optional YAML file and ``COLLOQUY_*`` variables.

Precedence, lowest first: field defaults, the YAML file (``colloquy --config FILE``),
environment variables (``COLLOQUY_DATABASE_URL``, ``COLLOQUY_STORAGE__BATCH_SIZE`` for
nested keys). A YAML file may ``extends: base.yaml`` (deep-merged, paths relative to the
file) and use ``${VAR}`` or ``${VAR:-default}`` anywhere in a value.

Any mistake becomes a :class:`~colloquy.errors.ConfigError` that names the file, the
line, the key path, the bad value and what was expected.

Modules: ``settings`` (the models), ``loading`` (``load_settings``, ``load_yaml_model``),
``yaml_file`` (strict YAML, ``extends``, ``${VAR}``), ``environment`` (``COLLOQUY_*``
names and their checks), ``location`` (which file, line or variable set a bad value).
"""

from colloquy.config.environment import ENV_PREFIX, NOT_SETTINGS, setting_variables
from colloquy.config.loading import load_settings, load_yaml_model
from colloquy.config.settings import (
    AgentSettings,
    IngestSettings,
    LLMSettings,
    LoggingSettings,
    Settings,
    StorageSettings,
)

__all__ = [
    "ENV_PREFIX",
    "NOT_SETTINGS",
    "AgentSettings",
    "IngestSettings",
    "LLMSettings",
    "LoggingSettings",
    "Settings",
    "StorageSettings",
    "load_settings",
    "load_yaml_model",
    "setting_variables",
]
