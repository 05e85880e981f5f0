"""One alert schedule per machine, however many API worker processes start one.

Each uvicorn worker runs the application's start-up, so each would evaluate the rules and
every alert would go out once per worker. The worker that holds an exclusive lock on a
file in colloquy's home runs the passes; the others stand by and try again each interval,
so when the holder exits (the kernel drops its lock) another takes over.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from colloquy.errors import ConfigError


class FileLease:
    """A non-blocking exclusive ``flock`` on ``path``, held until :meth:`release`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Whether this process holds the lease now (taking it when it is free)."""
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the scheduler lock {self.path}: {exc.strerror or exc}",
                hint="make colloquy's home folder writable",
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
