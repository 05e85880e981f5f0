"""The loader seam: one subclass per source turns its files into ``Conversation`` records.

Loaders stream: ``load`` is a generator, so memory is bounded by one conversation (or, for
sources whose threads must be rebuilt, one file's index) rather than the whole dataset.
Rows that cannot be read are reported as :class:`Problem` with file and line; under
``on_error="fail"`` the first one raises :class:`~colloquy.errors.ParseError`, under
``"skip"`` the row is counted, left out, and loading goes on.

A path the user names is checked before anything opens it, and a file-system error while
reading (permissions, a folder where a file was expected, bytes that are not text) becomes
a :class:`~colloquy.errors.ParseError` naming the file — never a traceback, and never a
read that blocks forever on a FIFO.
"""

from __future__ import annotations

import csv
import stat
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from colloquy.errors import NotFoundError, ParseError
from colloquy.schema import Conversation

OnError = Literal["fail", "skip"]

ROW_HINT = "fix the row (data ingest: --on-error skip leaves such rows out)"
"""The default hint on a row problem; an edge without ``--on-error`` sets its own."""


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

    row_hint: str = ROW_HINT
    """The hint a failing row problem carries; callers replace it to fit their options."""

    def __init__(self, *, on_error: OnError = "fail") -> None:
        self.on_error = on_error
        self.report = LoadReport(source=self.name)

    def load(self, path: Path | str) -> Iterator[Conversation]:
        """Yield every conversation found at ``path``; see :attr:`report` afterwards."""
        root = Path(path).expanduser()
        check_input(root, f"{self.name} expects {self.layout}")
        self.report = LoadReport(source=self.name)
        try:
            for conversation in self._load(root):
                self.report.conversations += 1
                self.report.turns += len(conversation.turns)
                yield conversation
        except OSError as exc:
            raise unreadable(exc, self._current(root)) from None
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                path=self._current(root),
                hint="convert the file to UTF-8",
            ) from None
        except csv.Error as exc:
            raise ParseError(f"unreadable CSV: {exc}", path=self._current(root)) from None

    def _current(self, root: Path) -> Path:
        """The file being read when an error escaped: the last one noted, else ``root``."""
        return Path(self.report.files[-1]) if self.report.files else root

    @abstractmethod
    def _load(self, path: Path) -> Iterator[Conversation]:
        """Yield conversations; call :meth:`problem` for each unreadable row."""

    def problem(
        self, path: Path | str, line: int | None, message: str, *, hint: str | None = None
    ) -> None:
        """Record (``skip``) or raise (``fail``) a problem with one row (or one file).

        ``hint`` replaces :attr:`row_hint` for problems that fixing a row does not solve.
        """
        if self.on_error == "fail":
            raise ParseError(message, path=path, line=line, hint=hint or self.row_hint)
        self.report.problems.append(Problem(str(path), line, message))

    def note_file(self, path: Path) -> None:
        self.report.files.append(str(path))


def check_input(path: Path, expected: str) -> None:
    """Refuse a path that is absent, or neither a folder nor a regular file (a FIFO would
    block the read forever; a device or socket is never a dataset)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise NotFoundError(f"{path} does not exist", hint=expected) from None
    except OSError as exc:
        raise unreadable(exc, path) from None
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise ParseError(f"not a regular file or folder ({_kind(mode)})", path=path, hint=expected)


def regular_files(paths: Iterable[Path]) -> list[Path]:
    """The regular files among ``paths`` (a folder or FIFO named ``x.csv`` is not one), sorted."""
    return sorted(path for path in paths if path.is_file())


def unreadable(exc: OSError, path: Path | str) -> ParseError:
    """A file-system error on a user's path as one line naming the file."""
    where = exc.filename if exc.filename is not None else path
    message, hint = read_failure(exc)
    return ParseError(message, path=where, hint=hint)


def read_failure(exc: OSError) -> tuple[str, str]:
    """What a file-system error means to the user, and how to fix it."""
    lines = str(exc).strip().splitlines()
    reason = (exc.strerror or (lines[0] if lines else type(exc).__name__)).lower()
    fixes = {
        PermissionError: "check its permissions",
        IsADirectoryError: "pass a file, not a folder, here",
        NotADirectoryError: "check the path",
    }
    hint = next((fix for kind, fix in fixes.items() if isinstance(exc, kind)), "check the path")
    return f"cannot read: {reason}", hint


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"
