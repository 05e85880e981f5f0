"""One prompt file: YAML front matter (name, version, format, typed variables), a Jinja2 body.

::

    ---
    name: intent_fewshot
    version: 1
    format: chat            # chat | instruction | completion
    description: classify a customer message given labelled examples
    variables:
      text: str
      labels: list[str]
    ---
    [[system]]
    Choose one label from: {{ labels | join(", ") }}.
    [[user]]
    {{ text }}

A chat prompt's body is split into messages at ``[[system]]``, ``[[user]]`` and
``[[assistant]]`` lines; an instruction or completion prompt is one text. The declared
variables must be exactly the ones the body uses (checked when the file loads), so a
prompt and its declaration cannot drift apart; rendering refuses a missing, unknown or
mistyped value instead of printing an empty string into the prompt. The content hash
(SHA-256 of the file) identifies the exact text a result came from, even when someone
edits a prompt without bumping its version.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import TypeAdapter, ValidationError

from colloquy.errors import ConfigError, UsageError
from colloquy.llm.records import ChatMessage, PromptRef, Role

PromptFormat = Literal["chat", "instruction", "completion"]
FORMATS: tuple[PromptFormat, ...] = ("chat", "instruction", "completion")

VARIABLE_TYPES: Mapping[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "list[str]": list[str],
    "dict[str, str]": dict[str, str],
    "list[dict[str, str]]": list[dict[str, str]],
}
"""The types a prompt may declare: enough for text, label sets and few-shot examples."""

_ROLE_LINE = re.compile(r"^\[\[(system|user|assistant)\]\][ \t]*$", re.MULTILINE)
_MARK = "\x1e"
"""Role lines become ``\x1erole\x1e`` before Jinja runs and values lose any ``\x1e``, so a
customer message that contains a line ``[[system]]`` stays text and cannot open a message."""
_MARKED = re.compile(f"{_MARK}(system|user|assistant){_MARK}\n?")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
)


@dataclass(frozen=True, slots=True)
class PromptVariable:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """A prompt filled in: chat messages, or one text for the other formats."""

    ref: PromptRef
    format: PromptFormat
    messages: tuple[ChatMessage, ...]

    @property
    def text(self) -> str:
        """The whole prompt as one text (messages joined for a chat prompt)."""
        if self.format != "chat":
            return self.messages[0].content
        return "\n\n".join(f"[{m.role}]\n{m.content}" for m in self.messages)


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """A loaded, checked prompt file; :meth:`render` fills it in."""

    name: str
    version: str
    format: PromptFormat
    description: str
    variables: tuple[PromptVariable, ...]
    body: str
    content_hash: str
    source: str

    @property
    def ref(self) -> PromptRef:
        return PromptRef(self.name, self.version, self.content_hash)

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split("."))

    def render(self, values: Mapping[str, object]) -> RenderedPrompt:
        """Fill in ``values``; every declared variable, nothing else, each of its type."""
        where = f"prompt {self.name!r} v{self.version} ({self.source})"
        declared = {v.name: v for v in self.variables}
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise UsageError(
                f"{where}: unknown variable(s) {', '.join(unknown)}",
                hint=f"it declares {_list(self.variables)}",
            )
        missing = [v for v in self.variables if v.name not in values]
        if missing:
            raise UsageError(
                f"{where}: missing variable(s) {_list(missing)}",
                hint="pass every declared variable (`colloquy prompts show` lists them)",
            )
        checked: dict[str, object] = {}
        for name, value in values.items():
            expected = declared[name].type
            try:
                checked[name] = TypeAdapter(VARIABLE_TYPES[expected]).validate_python(
                    value, strict=True
                )
            except ValidationError:
                raise UsageError(
                    f"{where}: variable {name!r} must be {expected}, got "
                    f"{type(value).__name__} {_preview(value)}",
                    hint="pass a value of the declared type",
                ) from None
        marked = _ROLE_LINE.sub(lambda m: f"{_MARK}{m.group(1)}{_MARK}", self.body)
        text = _ENV.from_string(marked).render({k: _unmark(v) for k, v in checked.items()})
        return RenderedPrompt(self.ref, self.format, _messages(self.format, text))


def load_prompt(path: Path) -> PromptTemplate:
    """Read and check one prompt file; a mistake is a :class:`ConfigError` naming the file."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: prompt files must be UTF-8 ({exc.reason})") from None
    return parse_prompt(text, source=str(path), content_hash=hashlib.sha256(raw).hexdigest())


def parse_prompt(text: str, *, source: str, content_hash: str | None = None) -> PromptTemplate:
    """A prompt from its text; ``source`` names it in error messages."""
    digest = content_hash or hashlib.sha256(text.encode("utf-8")).hexdigest()
    header, body = _split_front_matter(text, source)
    name = _field(header, "name", source)
    version = str(_field(header, "version", source))
    form = _field(header, "format", source)
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{source}: name {name!r} must be lower_snake_case")
    if not _VERSION.match(version):
        raise ConfigError(f"{source}: version {version!r} must be a number such as 1 or 2.1")
    if form not in FORMATS:
        raise ConfigError(f"{source}: format {form!r} must be one of {', '.join(FORMATS)}")
    variables = _variables(header.get("variables") or {}, source)
    try:
        used = meta.find_undeclared_variables(_ENV.parse(body))
    except TemplateSyntaxError as exc:
        raise ConfigError(
            f"{source}: Jinja2 syntax error on body line {exc.lineno}: {exc.message}"
        ) from None
    declared = {v.name for v in variables}
    if used - declared:
        raise ConfigError(
            f"{source}: the body uses undeclared variable(s) {', '.join(sorted(used - declared))}",
            hint="declare them under `variables:` with a type",
        )
    if declared - used:
        raise ConfigError(
            f"{source}: declared variable(s) {', '.join(sorted(declared - used))} are not used",
            hint="remove them from `variables:` or use them in the body",
        )
    if form == "chat" and (not _ROLE_LINE.search(body) or _ROLE_LINE.split(body)[0].strip()):
        raise ConfigError(
            f"{source}: a chat prompt's body is messages, each starting at a [[system]], "
            "[[user]] or [[assistant]] line"
        )
    return PromptTemplate(
        name=name,
        version=version,
        format=cast(PromptFormat, form),
        description=str(header.get("description") or ""),
        variables=variables,
        body=body,
        content_hash=digest,
        source=source,
    )


def _split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ConfigError(f"{source}: a prompt file starts with a `---` front-matter line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ConfigError(f"{source}: the front matter has no closing `---` line") from None
    try:
        header = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: front matter is not valid YAML: {exc}") from None
    if not isinstance(header, dict):
        raise ConfigError(f"{source}: front matter must be a mapping")
    return header, "".join(lines[end + 1 :])


def _field(header: Mapping[str, Any], key: str, source: str) -> Any:
    if key not in header:
        raise ConfigError(f"{source}: front matter lacks `{key}:`")
    return header[key]


def _variables(declared: object, source: str) -> tuple[PromptVariable, ...]:
    if not isinstance(declared, dict):
        raise ConfigError(f"{source}: `variables:` must map each name to a type")
    out: list[PromptVariable] = []
    for name, kind in declared.items():
        if str(kind) not in VARIABLE_TYPES:
            raise ConfigError(
                f"{source}: variable {name!r} has type {kind!r}",
                hint=f"use one of {', '.join(VARIABLE_TYPES)}",
            )
        out.append(PromptVariable(str(name), str(kind)))
    return tuple(out)


def _messages(form: PromptFormat, text: str) -> tuple[ChatMessage, ...]:
    if form != "chat":
        return (ChatMessage.user(text.strip()),)
    parts = _MARKED.split(text)
    # [before the first role (blank, checked on load), role, content, role, content, ...]
    return tuple(
        ChatMessage(cast(Role, parts[i]), parts[i + 1].strip()) for i in range(1, len(parts), 2)
    )


def _unmark(value: object) -> object:
    if isinstance(value, str):
        return value.replace(_MARK, "")
    if isinstance(value, list):
        return [_unmark(item) for item in value]
    if isinstance(value, dict):
        return {key: _unmark(item) for key, item in value.items()}
    return value


def _list(variables: tuple[PromptVariable, ...] | list[PromptVariable]) -> str:
    return ", ".join(f"{v.name} ({v.type})" for v in variables) or "no variables"


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


__all__ = [
    "FORMATS",
    "VARIABLE_TYPES",
    "PromptFormat",
    "PromptTemplate",
    "PromptVariable",
    "RenderedPrompt",
    "load_prompt",
    "parse_prompt",
]
