"""One exception tree for everything colloquy raises on purpose.

Library code raises these; only the edges (CLI, HTTP API) translate them into exit codes
or status codes. Every error a user can cause carries a message that says what was wrong,
where (file, line, field) and how to fix it, so the edge can print it as one line.

::

    ColloquyError                      exit 1
    ├── ConfigError                    exit 2   bad YAML, unknown key, invalid value
    ├── UsageError                     exit 2   a wrong argument combination or name
    ├── DataError                      exit 65  input data that cannot be read
    │   ├── SchemaError                         a record breaks the conversation schema
    │   ├── ParseError                          a file or row that cannot be parsed
    │   └── LeakageError                        a feature that gives the outcome away
    ├── ArtifactError                  exit 66  a model directory that is unusable or unsafe
    ├── NotFoundError                  exit 4   a dataset, model or file that is absent
    ├── LLMError                       exit 69  the LLM endpoint failed or answered nonsense
    └── StorageError                   exit 3   the database cannot do what was asked
        ├── DatabaseUnavailableError                 wrong URL, server down, file unreachable
        ├── ReadOnlyStoreError                       the database refuses writes
        ├── MigrationError                      the schema version is missing or unknown
        └── ConflictError                       same id, different content
"""

from __future__ import annotations

from pathlib import Path


class ColloquyError(Exception):
    """Root of every error colloquy raises deliberately."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as the CLI prints it: what went wrong, then how to fix it."""
        if self.hint:
            return f"{self.message} — {self.hint}"
        return self.message


class ConfigError(ColloquyError):
    """The configuration (file, environment or option) is invalid."""

    exit_code = 2


class UsageError(ColloquyError):
    """A command was called with arguments that cannot work together."""

    exit_code = 2


class DataError(ColloquyError):
    """Input data could not be turned into colloquy records."""

    exit_code = 65


class SchemaError(DataError, ValueError):
    """A record failed validation; ``errors`` lists ``(field path, message, value)``.

    Also a :class:`ValueError`, so code validating records the Pydantic way can catch it.
    """

    def __init__(self, record: str, errors: list[tuple[str, str, object]]) -> None:
        self.record = record
        self.errors = errors
        parts = [f"{path}: {msg} (got {value!r})" for path, msg, value in errors]
        super().__init__(f"invalid {record}: " + "; ".join(parts))


class ParseError(DataError):
    """A file, or one row of it, could not be parsed."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}", hint=hint)


class LeakageError(DataError):
    """A feature predicts the outcome too well to be known before it (target leakage)."""


class ArtifactError(ColloquyError):
    """A model directory that cannot be used: wrong version, missing, corrupt, tampered
    with, or holding anything that could run code on load (66 is sysexits' EX_NOINPUT)."""

    exit_code = 66


class NotFoundError(ColloquyError):
    """A named dataset, model or file does not exist."""

    exit_code = 4


class LLMError(ColloquyError):
    """An LLM endpoint could not be reached, refused the request, or gave an unusable answer.

    Exit 69 is sysexits' ``EX_UNAVAILABLE``: a service colloquy depends on let it down,
    which the user fixes in the endpoint's settings or by retrying, not in the input.
    """

    exit_code = 69


class StorageError(ColloquyError):
    """The store could not complete an operation."""

    exit_code = 3


class DatabaseUnavailableError(StorageError):
    """The database could not be reached or opened."""


class ReadOnlyStoreError(StorageError):
    """The database refused a write."""


class MigrationError(StorageError):
    """The database schema is not at a revision this version of colloquy understands."""


class ConflictError(StorageError):
    """A record with the same identity but different content already exists."""
