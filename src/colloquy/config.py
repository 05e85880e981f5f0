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

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from colloquy.data.clean import CleaningConfig
from colloquy.data.pii import PiiConfig
from colloquy.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)

_log = logging.getLogger(__name__)

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
    """Build settings from defaults, ``config_file`` (if any) and the environment.

    ``COLLOQUY_*`` variables that name no setting are reported (a misspelt
    ``COLLOQUY_DATABASE_URI`` would otherwise leave the default store in use unnoticed).
    """
    tree = _YamlTree((), {})
    if config_file is not None:
        tree = _load_yaml_tree(Path(config_file), seen=())
    _check_environment(os.environ)
    try:
        return Settings(**tree.data)
    except ValidationError as exc:
        raise _config_error(exc, tree) from None
    except SettingsError as exc:
        raise _environment_error(exc) from None


def load_yaml_model(path: Path | str, model: type[ModelT]) -> ModelT:
    """Validate a YAML file (with ``extends`` and ``${VAR}``) into ``model``.

    Used for job configurations such as ``colloquy train intent --config train.yaml``;
    errors name the file, line, key, value and expectation exactly as for settings.
    """
    tree = _load_yaml_tree(Path(path), seen=())
    try:
        return model.model_validate(tree.data)
    except ValidationError as exc:
        keys = ", ".join(model.model_fields)
        raise _config_error(exc, tree, hint=f"valid top-level keys: {keys}") from None


@dataclass(frozen=True, slots=True)
class _YamlTree:
    """Merged YAML data with the files it came from, child first, to locate a key's line."""

    files: tuple[tuple[Path, yaml.Node | None], ...]
    data: dict[str, Any]


def _load_yaml_tree(path: Path, seen: tuple[Path, ...]) -> _YamlTree:
    resolved = path.expanduser().resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ConfigError(f"{path}: 'extends' forms a cycle: {chain}", hint="remove one link")
    node, raw = _read_yaml(resolved)
    parent = raw.pop("extends", None)
    raw = dict(_substitute(raw, resolved, ()))
    own = ((resolved, node),)
    if parent is None:
        return _YamlTree(own, raw)
    if not isinstance(parent, str):
        line, _ = _key_line(node, ("extends",))
        raise ConfigError(
            f"{resolved}:{line}: key 'extends' must be a file path, got {parent!r}",
            hint="write extends: base.yaml",
        )
    base = _load_yaml_tree(resolved.parent / parent, (*seen, resolved))
    return _YamlTree(own + base.files, _deep_merge(base.data, raw))


_MAX_NODES = 100_000
"""Nodes a configuration may expand to once aliases are followed (stops billion laughs)."""

_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


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


def _config_error(
    exc: ValidationError,
    tree: _YamlTree,
    hint: str = "see `colloquy config show` for every key and its default",
) -> ConfigError:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        source = _locate(tree, err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown key {key!r}")
        else:
            lines.append(f"{source}: key {key!r} = {err.get('input')!r}: {err['msg']}")
    return ConfigError("invalid configuration: " + "; ".join(lines), hint=hint)


def _locate(tree: _YamlTree, loc: tuple[int | str, ...]) -> str:
    """Where the value at ``loc`` was set: ``file:line`` of the nearest file in the
    ``extends`` chain that holds the key, else the environment variable, else the file."""
    for path, node in tree.files:
        line, complete = _key_line(node, loc)
        if complete:
            return f"{path}:{line}"
    for depth in range(len(loc), 0, -1):
        name = ENV_PREFIX + "__".join(str(part) for part in loc[:depth]).upper()
        if any(variable.upper() == name for variable in os.environ):
            return f"environment variable {name}"
    if not tree.files:
        return "environment or defaults"
    path, node = tree.files[0]
    line, _ = _key_line(node, loc)
    return f"{path}:{line}" if line is not None else str(path)


def _key_line(node: yaml.Node | None, loc: tuple[int | str, ...]) -> tuple[int | None, bool]:
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


ENV_PREFIX = "COLLOQUY_"

NOT_SETTINGS = frozenset({"COLLOQUY_TEST_POSTGRES_URL", "COLLOQUY_TEST_REDIS_URL"})
"""``COLLOQUY_*`` variables colloquy reads that are not settings (the test services)."""


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


def _check_environment(environ: Mapping[str, str]) -> None:
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
        if upper not in variables:
            message = _unknown_variable(name, variables)
            if upper.split("__")[0] in variables:
                raise ConfigError(message.replace(" and is ignored", ""))
            _log.warning(message)
        elif variables[upper]:
            _check_json(name, environ[name])


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


def _environment_error(exc: SettingsError) -> ConfigError:
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


__all__ = [
    "IngestSettings",
    "LLMSettings",
    "LoggingSettings",
    "Settings",
    "StorageSettings",
    "load_settings",
    "load_yaml_model",
]
