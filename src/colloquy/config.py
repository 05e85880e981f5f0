"""Typed settings from defaults, an optional YAML file and ``COLLOQUY_*`` variables.

Precedence, lowest first: field defaults, the YAML file (``colloquy --config FILE``),
environment variables (``COLLOQUY_DATABASE_URL``, ``COLLOQUY_STORAGE__BATCH_SIZE`` for
nested keys). A YAML file may ``extends: base.yaml`` (deep-merged, paths relative to the
file) and use ``${VAR}`` or ``${VAR:-default}`` anywhere in a value.

Sections that configure one layer (``ingest.cleaning``, ``ingest.pii``) use that layer's
own model, so a setting is declared once, next to the code it controls.

Any mistake becomes a :class:`~colloquy.errors.ConfigError` that names the file, the
line, the key path, the bad value and what was expected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from colloquy.data.clean import CleaningConfig
from colloquy.data.pii import PiiConfig
from colloquy.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class StorageSettings(BaseModel):
    """Where conversations are stored and how they are written."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<home>/colloquy.db",
    )
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    echo: bool = False


class IngestSettings(BaseModel):
    """What happens to text on its way into the store (each data module owns its section)."""

    model_config = ConfigDict(extra="forbid")

    clean: bool = True
    cleaning: CleaningConfig = Field(default_factory=CleaningConfig)
    mask_pii: bool = True
    pii: PiiConfig = Field(default_factory=PiiConfig)


class LoggingSettings(BaseModel):
    """How log lines look; they always go to stderr."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"


class LLMSettings(BaseModel):
    """An OpenAI-compatible chat endpoint (hosted, or a local server such as vLLM or Ollama).

    Features with an LLM path use it only when ``base_url`` is set; otherwise they fall
    back to their offline implementation, so nothing needs a network by default. The key
    is a secret: ``colloquy config show`` prints it masked.
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        default=None,
        description="e.g. https://api.openai.com/v1 or http://localhost:8000/v1; unset = offline",
    )
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = Field(
        default=None, description="sent as a Bearer token (COLLOQUY_LLM__API_KEY)"
    )
    timeout_seconds: float = Field(default=30, gt=0, le=3600)


class Settings(BaseSettings):
    """Everything colloquy can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="COLLOQUY_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    home: Path = Field(default=Path("~/.colloquy"), description="Where colloquy keeps its state")
    database_url: str | None = Field(
        default=None, description="Shortcut for storage.url (COLLOQUY_DATABASE_URL)"
    )
    data_dir: Path | None = Field(default=None, description="Where public datasets live")
    storage: StorageSettings = Field(default_factory=StorageSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """The URL storage connects to: ``database_url``, ``storage.url`` or SQLite in home."""
        url = self.database_url or self.storage.url
        if url:
            return url
        return f"sqlite:///{self.resolved_home / 'colloquy.db'}"

    @property
    def resolved_data_dir(self) -> Path:
        """``data_dir`` if set, else ``../shared/datasets`` when it exists, else home/datasets."""
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
            candidate = base.parent / "shared" / "datasets"
            if candidate.is_dir():
                return candidate
        return self.resolved_home / "datasets"


def load_settings(config_file: Path | str | None = None) -> Settings:
    """Build settings from defaults, ``config_file`` (if any) and the environment."""
    data: dict[str, Any] = {}
    path = Path(config_file) if config_file is not None else None
    if path is not None:
        data = _load_yaml_tree(path, seen=())
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise _config_error(exc, path) from None


def load_yaml_model(path: Path | str, model: type[ModelT]) -> ModelT:
    """Validate a YAML file (with ``extends`` and ``${VAR}``) into ``model``.

    Used for job configurations such as ``colloquy train intent --config train.yaml``;
    errors name the file, line, key, value and expectation exactly as for settings.
    """
    file = Path(path)
    data = _load_yaml_tree(file, seen=())
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        keys = ", ".join(model.model_fields)
        raise _config_error(exc, file, hint=f"valid top-level keys: {keys}") from None


def _load_yaml_tree(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.expanduser().resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ConfigError(f"{path}: 'extends' forms a cycle: {chain}", hint="remove one link")
    raw = _read_yaml(resolved)
    parent = raw.pop("extends", None)
    raw = dict(_substitute(raw, resolved, ()))
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ConfigError(
            f"{resolved}: key 'extends' must be a file path, got {parent!r}",
            hint="write extends: base.yaml",
        )
    base = _load_yaml_tree(resolved.parent / parent, (*seen, resolved))
    return _deep_merge(base, raw)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist", hint="check the path given to --config"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{where}: malformed YAML: {problem}", hint="fix the syntax at that position"
        ) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys, got {type(loaded).__name__}",
            hint="write key: value lines",
        )
    return loaded


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


def _config_error(
    exc: ValidationError,
    path: Path | None,
    hint: str = "see `colloquy config show` for every key and its default",
) -> ConfigError:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        source = _locate(path, err["loc"]) if path is not None else "environment or defaults"
        if err["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown key {key!r}")
        else:
            lines.append(f"{source}: key {key!r} = {err.get('input')!r}: {err['msg']}")
    return ConfigError("invalid configuration: " + "; ".join(lines), hint=hint)


def _locate(path: Path, loc: tuple[int | str, ...]) -> str:
    """``file:line`` of the key at ``loc`` in ``path`` (the file itself when not found)."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return str(path)
    line = None
    for key in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == str(key):
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return f"{path}:{line}" if line is not None else str(path)


__all__ = [
    "IngestSettings",
    "LLMSettings",
    "LoggingSettings",
    "Settings",
    "StorageSettings",
    "load_settings",
    "load_yaml_model",
]
