"""Structured logs on stderr: JSON lines for machines, a readable console for people.

Every line carries the ``correlation_id`` of the command or request that produced it, so
one run can be followed through the store, the models and the services. That includes
records from libraries that log through the standard ``logging`` module (Alembic, httpx):
their handler formats with structlog's ``ProcessorFormatter`` and the same processors,
so in JSON mode every stderr line is one JSON object.

structlog itself is imported when the first line is logged or the first logger is made,
not when logging is configured: the CLI configures logging for every command, and quick
commands that never log should not pay for the import.
"""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, TextIO, cast

LogFormat = Literal["auto", "json", "console"]

_correlation_id: ContextVar[str | None] = ContextVar("colloquy_correlation_id", default=None)


@dataclass(frozen=True)
class _Setup:
    """What :func:`configure_logging` asked for, applied to structlog once it is imported."""

    level: int
    use_json: bool
    stream: TextIO


_pending: list[_Setup] = []


class _CurrentStderr:
    """``sys.stderr`` as it is when a line is written, not when logging was configured.

    Test runners and embedding tools swap ``sys.stderr``; a logger holding the old
    object would write to a closed stream.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


class _DeferredFormatter(logging.Formatter):
    """structlog's ``ProcessorFormatter``, built when the first stdlib record arrives."""

    def __init__(self, setup: _Setup) -> None:
        super().__init__()
        self._setup = setup
        self._inner: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._inner is None:
            self._inner = _stdlib_formatter(self._setup)
        return self._inner.format(record)


def _add_correlation_id(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    correlation_id = _correlation_id.get()
    if correlation_id is not None:
        event.setdefault("correlation_id", correlation_id)
    return event


def _processors() -> list[Any]:
    """What every record goes through before rendering, structlog's or the stdlib's."""
    import structlog

    return [
        structlog.contextvars.merge_contextvars,
        _add_correlation_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _renderer(setup: _Setup) -> Any:
    import structlog

    if setup.use_json:
        return structlog.processors.JSONRenderer(ensure_ascii=False)
    return structlog.dev.ConsoleRenderer(colors=setup.stream.isatty())


def _stdlib_formatter(setup: _Setup) -> logging.Formatter:
    import structlog

    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_processors(), structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(setup),
        ],
    )


def _apply(setup: _Setup) -> None:
    import structlog

    structlog.configure(
        processors=[
            *_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            _renderer(setup),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(setup.level),
        logger_factory=structlog.PrintLoggerFactory(file=setup.stream),
        cache_logger_on_first_use=False,
    )


def configure_logging(
    level: str = "info", fmt: LogFormat = "auto", stream: TextIO | None = None
) -> None:
    """Route structlog and the standard ``logging`` module to ``stream`` (stderr).

    Third-party loggers stay at warning or above whatever ``level`` is (their debug output
    drowns colloquy's); their records are rendered like colloquy's own, with the
    correlation id.
    """
    out = stream if stream is not None else cast(TextIO, _CurrentStderr())
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    numeric = logging.getLevelNamesMapping()[level.upper()]
    setup = _Setup(numeric, use_json, out)
    handler = logging.StreamHandler(out)
    handler.setFormatter(_DeferredFormatter(setup))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(max(numeric, logging.WARNING))
    reclaim_library_loggers()
    _pending[:] = [setup]
    if "structlog" in sys.modules:
        _apply_pending()


def _apply_pending() -> None:
    if _pending:
        _apply(_pending.pop())


_CLAIMED_BY_LIBRARIES = ("alembic", "huey", "mlflow", "optuna", "sqlalchemy.engine")
"""Loggers that a library gives a handler of its own and cuts off from the root when it is
imported (MLflow does so for its own, Alembic's, SQLAlchemy's and huey's; Optuna for its
own)."""


def reclaim_library_loggers() -> None:
    """Send the loggers libraries claimed back to colloquy's handler, when it is configured.

    Without this, importing MLflow or Optuna part-way through a command leaves their lines
    (and Alembic's) in another format, without the correlation id. A process that never
    configured colloquy's logging (a library user, ``mlflow models serve``) keeps the
    libraries' own set-up.
    """
    root = logging.getLogger()
    if not any(isinstance(h.formatter, _DeferredFormatter) for h in root.handlers):
        return
    for name in _CLAIMED_BY_LIBRARIES:
        claimed = logging.getLogger(name)
        for handler in list(claimed.handlers):
            claimed.removeHandler(handler)
        claimed.propagate = True


def new_correlation_id() -> str:
    """Start a fresh logging context whose every line carries a new correlation id."""
    correlation_id = uuid.uuid4().hex[:16]
    _correlation_id.set(correlation_id)
    if "structlog" in sys.modules:
        import structlog

        structlog.contextvars.clear_contextvars()
    return correlation_id


def get_logger(name: str) -> Any:
    """A structlog logger tagged with the module ``name``.

    It stays lazy: configuration done after import (by the CLI or API) still applies.
    """
    import structlog

    _apply_pending()
    return structlog.get_logger(module=name)
