"""State shared by every command of one CLI invocation: settings and the debug flag.

Settings and the store are imported on first use, so commands that need neither start fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.storage import Store


@dataclass
class CliState:
    """Parsed global options; settings and store are built on first use."""

    config_file: Path | None = None
    debug: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from colloquy.config import load_settings

            self._settings = load_settings(self.config_file)
        return self._settings

    def open_store(self) -> Store:
        """The configured store, with its schema checked (new SQLite files are migrated)."""
        from colloquy.storage import Store

        settings = self.settings
        return Store.open(
            settings.resolved_database_url,
            batch_size=settings.storage.batch_size,
            echo=settings.storage.echo,
        )

    def connect_store(self) -> Store:
        """The configured store without a schema check (for `db` commands)."""
        from colloquy.storage import Store

        settings = self.settings
        return Store.connect(settings.resolved_database_url, echo=settings.storage.echo)


def state(ctx: typer.Context) -> CliState:
    """The :class:`CliState` of this invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
