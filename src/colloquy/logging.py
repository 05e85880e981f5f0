"""Structured logs on stderr: JSON lines for machines, a readable console for people.

Every line carries the ``correlation_id`` of the command or request that produced it, so
one run can be followed through the store, the models and the services. That includes
records from libraries that log through the standard ``logging`` module (Alembic, httpx):
their handler formats with structlog's ``ProcessorFormatter`` and the same processors,
so in JSON mode every stderr line is one JSON object.
"""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any, Literal, TextIO, cast

import structlog

LogFormat = Literal["auto", "json", "console"]


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


def _processors() -> list[Any]:
    """What every record goes through before rendering, structlog's or the stdlib's."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


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
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if use_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    numeric = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[
            *_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*_processors(), structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(max(numeric, logging.WARNING))


def new_correlation_id() -> str:
    """Bind a fresh correlation id to every log line of this context and return it."""
    correlation_id = uuid.uuid4().hex[:16]
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
    return correlation_id


def get_logger(name: str) -> Any:
    """A structlog logger tagged with the module ``name``.

    It stays lazy: configuration done after import (by the CLI or API) still applies.
    """
    return structlog.get_logger(module=name)
