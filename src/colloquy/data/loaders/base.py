"""The loader seam: one subclass per source turns its files into ``Conversation`` records.

Loaders stream: ``load`` is a generator, so memory is bounded by one conversation (or, for
sources whose threads must be rebuilt, one file's index) rather than the whole dataset.
Rows that cannot be read are reported as :class:`Problem` with file and line; under
``on_error="fail"`` the first one raises :class:`~colloquy.errors.ParseError`, under
``"skip"`` the row is counted, left out, and loading goes on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from colloquy.errors import NotFoundError, ParseError
from colloquy.schema import Conversation

OnError = Literal["fail", "skip"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One row or record that could not be loaded."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(slots=True)
class LoadReport:
    """What a load produced and what it had to leave out."""

    source: str
    files: list[str] = field(default_factory=list)
    conversations: int = 0
    turns: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.problems)


class Loader(ABC):
    """Reads one kind of source; subclasses set ``name`` and implement ``_load``."""

    name: ClassVar[str]
    description: ClassVar[str]
    layout: ClassVar[str]
    """What PATH must be, in words, for error messages and ``--help``."""

    def __init__(self, *, on_error: OnError = "fail") -> None:
        self.on_error = on_error
        self.report = LoadReport(source=self.name)

    def load(self, path: Path | str) -> Iterator[Conversation]:
        """Yield every conversation found at ``path``; see :attr:`report` afterwards."""
        root = Path(path).expanduser()
        if not root.exists():
            raise NotFoundError(f"{root} does not exist", hint=f"{self.name} expects {self.layout}")
        self.report = LoadReport(source=self.name)
        for conversation in self._load(root):
            self.report.conversations += 1
            self.report.turns += len(conversation.turns)
            yield conversation

    @abstractmethod
    def _load(self, path: Path) -> Iterator[Conversation]:
        """Yield conversations; call :meth:`problem` for each unreadable row."""

    def problem(self, path: Path | str, line: int | None, message: str) -> None:
        """Record (``skip``) or raise (``fail``) a problem with one row."""
        if self.on_error == "fail":
            raise ParseError(
                message,
                path=path,
                line=line,
                hint="fix the row, or pass --on-error skip to leave such rows out",
            )
        self.report.problems.append(Problem(str(path), line, message))

    def note_file(self, path: Path) -> None:
        self.report.files.append(str(path))
