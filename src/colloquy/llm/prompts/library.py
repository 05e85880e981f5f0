"""A set of prompt files: the ones shipped with colloquy plus any folders a user adds.

Files are ``*.prompt.j2``; several versions of one prompt may live side by side
(``intent.v1.prompt.j2``, ``intent.v2.prompt.j2``) and the newest is the default, so a
result can always be reproduced by asking for the version it recorded. A user folder
may override a built-in prompt only with a different version: two files claiming the
same name and version is an error, not a silent shadowing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from colloquy.errors import ConfigError, NotFoundError
from colloquy.llm.prompts.template import PromptTemplate, load_prompt

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
SUFFIX = ".prompt.j2"


class PromptLibrary:
    """Prompts by name and version, loaded (and checked) when the library is made."""

    def __init__(self, folders: Iterable[Path] = (), *, builtin: bool = True) -> None:
        self.folders = ((BUILTIN_DIR,) if builtin else ()) + tuple(folders)
        self._prompts: dict[tuple[str, str], PromptTemplate] = {}
        for folder in self.folders:
            if not folder.is_dir():
                raise NotFoundError(
                    f"prompt folder {folder} does not exist",
                    hint="pass a folder that holds *.prompt.j2 files",
                )
            for path in sorted(folder.glob(f"*{SUFFIX}")):
                self._add(load_prompt(path))

    def _add(self, prompt: PromptTemplate) -> None:
        key = (prompt.name, prompt.version)
        if key in self._prompts:
            raise ConfigError(
                f"{prompt.source}: prompt {prompt.name!r} v{prompt.version} is also defined in "
                f"{self._prompts[key].source}",
                hint="give one of them a new version",
            )
        self._prompts[key] = prompt

    def list(self) -> list[PromptTemplate]:
        """Every prompt and version, by name, newest version first."""
        return sorted(
            self._prompts.values(),
            key=lambda p: (p.name, tuple(-n for n in p.version_key)),
        )

    def get(self, name: str, version: str | None = None) -> PromptTemplate:
        """The prompt ``name`` at ``version``, or its newest version."""
        versions = [p for (n, _), p in self._prompts.items() if n == name]
        if not versions:
            known = ", ".join(sorted({n for n, _ in self._prompts})) or "none"
            raise NotFoundError(f"no prompt named {name!r}", hint=f"known prompts: {known}")
        if version is None:
            return max(versions, key=lambda p: p.version_key)
        for prompt in versions:
            if prompt.version == version:
                return prompt
        have = ", ".join(sorted(p.version for p in versions))
        raise NotFoundError(f"prompt {name!r} has no version {version!r}", hint=f"versions: {have}")


__all__ = ["BUILTIN_DIR", "SUFFIX", "PromptLibrary"]
