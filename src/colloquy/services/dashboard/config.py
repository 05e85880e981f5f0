"""How the dashboard was started: the CLI's settings file and the optional extras.

``colloquy dashboard`` runs ``streamlit run app.py -- ARGS``; Streamlit hands ARGS to the
script as ``sys.argv``, so the app reads the same options the command took. Unknown
arguments are ignored (a test runner's own arguments are in ``sys.argv`` under AppTest).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_REFRESH_SECONDS = 60


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    """The command's options as the app sees them."""

    config_file: Path | None = None
    conversion_model: str | None = None
    drift_metrics: Path | None = None
    refresh_seconds: int = DEFAULT_REFRESH_SECONDS

    def to_args(self) -> list[str]:
        """The script arguments that reproduce this configuration."""
        args: list[str] = []
        if self.config_file is not None:
            args += ["--config", str(self.config_file)]
        if self.conversion_model is not None:
            args += ["--conversion-model", self.conversion_model]
        if self.drift_metrics is not None:
            args += ["--drift-metrics", str(self.drift_metrics)]
        args += ["--refresh", str(self.refresh_seconds)]
        return args


def parse_args(argv: Sequence[str]) -> DashboardConfig:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--conversion-model", default=None)
    parser.add_argument("--drift-metrics", type=Path, default=None)
    parser.add_argument("--refresh", type=int, default=DEFAULT_REFRESH_SECONDS)
    known, _ = parser.parse_known_args(list(argv))
    return DashboardConfig(
        config_file=known.config,
        conversion_model=known.conversion_model,
        drift_metrics=known.drift_metrics,
        refresh_seconds=max(5, known.refresh),
    )
