"""What every table loader shares: a file or a folder of files, a header check, one assembler.

A format only has to yield ``(line, record)`` pairs; this base finds the files, checks
that the header holds every mapped column exactly once, turns a file-system error on one
file into a problem naming it, and keeps conversation ids unique across the input's files.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar

from colloquy.data.loaders.base import (
    Loader,
    LoadReport,
    OnError,
    check_input,
    read_failure,
    regular_files,
)
from colloquy.data.loaders.tabular.assembly import Assembler, Record
from colloquy.data.loaders.tabular.mapping import ColumnMapping
from colloquy.errors import UsageError
from colloquy.schema import Conversation


class TabularLoader(Loader):
    """Shared behaviour of the table loaders: files or a folder, a mapping, one assembler."""

    suffixes: ClassVar[tuple[str, ...]]

    def __init__(
        self, *, mapping: ColumnMapping, on_error: OnError = "fail", batch_size: int = 10_000
    ) -> None:
        super().__init__(on_error=on_error)
        if batch_size < 1:
            raise UsageError(f"batch_size must be at least 1, got {batch_size}")
        self.mapping = mapping
        self.batch_size = batch_size

    def _load(self, path: Path) -> Iterator[Conversation]:
        origins: dict[str, str] = {}
        stems: dict[str, Path] = {}
        for file in self._files(path):
            if self.mapping.single_turn and not self._new_stem(file, stems):
                continue
            self.note_file(file)
            assembler = self._assembler(str(file), file.stem, origins)
            yield from assembler.run(self._readable(file))

    def partition_files(self, path: Path | str) -> list[Path]:
        """The files :meth:`load` would read at ``path``, in order, each loadable on its own
        (a partition); files whose single-turn ids would clash are reported and left out."""
        root = Path(path).expanduser()
        check_input(root, f"{self.name} expects {self.layout}")
        self.report = LoadReport(source=self.name)
        stems: dict[str, Path] = {}
        files = self._files(root)
        if not self.mapping.single_turn:
            return files
        return [file for file in files if self._new_stem(file, stems)]

    def _assembler(self, where: str, stem: str, origins: dict[str, str]) -> Assembler:
        return Assembler(self.mapping, self.name, self.problem, where, stem, origins)

    def _new_stem(self, file: Path, stems: dict[str, Path]) -> bool:
        """Single-turn ids are ``<stem>-<line>``: two files with one stem would clash."""
        first = stems.setdefault(file.stem, file)
        if first == file:
            return True
        self.problem(
            file,
            None,
            f"its rows would get the same ids as {first.name} ('{file.stem}-<line>'); "
            "rename one of the files",
        )
        return False

    def _files(self, path: Path) -> list[Path]:
        if not path.is_dir():
            return [path]
        files = regular_files(p for p in path.iterdir() if p.suffix in self.suffixes)
        if not files:
            self.problem(path, None, f"no {'/'.join(self.suffixes)} files in {path}")
        return files

    def _readable(self, file: Path) -> Iterator[tuple[int, Record]]:
        """``_records`` with a file-system error reported as a problem with this file."""
        try:
            yield from self._records(file)
        except OSError as exc:
            message, hint = read_failure(exc)
            self.problem(file, None, message, hint=hint)

    @abstractmethod
    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        """Yield ``(line or row number, record)``; report unreadable rows and bad headers."""

    def _columns_present(self, where: Path | str, line: int | None, found: Iterable[str]) -> bool:
        """Report (once) a header that repeats a column or lacks a mapped one; True if fine.

        A repeated name would make one of its columns vanish (a record keeps one value per
        name); blank names (trailing commas) are ignored when no mapping reads them.
        """
        available = list(found)
        repeated = [name for name, n in Counter(available).items() if n > 1 and name.strip()]
        if repeated:
            names = ", ".join(repr(name) for name in repeated)
            self.problem(
                where,
                line,
                f"column {names} appears more than once in the header; "
                "rename the copies so that each column has its own name",
            )
            return False
        missing = [column for column in self.mapping.columns() if column not in available]
        if not missing:
            return True
        names = ", ".join(repr(column) for column in missing)
        self.problem(
            where,
            line,
            f"mapped column {names} not found in {where}; "
            f"its columns are: {', '.join(available) or '(none)'}",
        )
        return False


__all__ = ["TabularLoader"]
