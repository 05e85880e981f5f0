"""Entry point: run the Typer app and turn every failure into one line and an exit code.

Start-up time matters here (shell completion and ``--version`` run this on every key
press or script line), so ``--version`` is answered before Typer is imported and every
heavy library is imported by the command that needs it.

With ``--format json`` (or ``jsonl``) an error is one JSON object on stderr,
``{"error": …, "code": …, "hint": …}``, so a script reads failures the way it reads
results; otherwise it is one ``colloquy: error: …`` line.
"""

from __future__ import annotations

import errno
import json
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from colloquy._version import __version__
from colloquy.errors import ColloquyError

INTERRUPTED = 130
"""The shell's code for a process stopped by SIGINT (128 + 2)."""

PATH_UNUSABLE = 73
"""sysexits' EX_CANTCREAT: a path cannot be used as asked (permission, wrong kind, in the way)."""

IO_FAILED = 74
"""sysexits' EX_IOERR: reading or writing failed part-way (disk full, device error)."""

_PART_WAY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})
"""Errors that strike after a file was opened, leaving it incomplete."""

_ROOT_VALUE_OPTIONS = ("--config", "-c")
_MACHINE_FORMATS = ("json", "jsonl")
_OPTION = re.compile(r"--[a-z][a-z0-9-]*")


class CommandInterruptedError(Exception):
    """Ctrl-C inside a command, carried past Typer, which would turn it into a silent 130."""


@dataclass(frozen=True)
class Failure:
    """What the CLI prints for one failure and the exit code it returns."""

    message: str
    hint: str | None
    code: int


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``colloquy`` and return its exit code (the console script exits with it).

    colloquy's own errors, file-system errors on user paths, usage errors in JSON mode and
    Ctrl-C become one line (or one JSON object) on stderr and a documented exit code;
    ``--debug`` adds the traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if version_requested(args):
        print(f"colloquy {__version__}")
        return 0
    machine = machine_output_requested(args)
    debug = "--debug" in args
    try:
        from colloquy.services.cli.app import app

        outcome = app(args=args, prog_name="colloquy", standalone_mode=not machine)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ColloquyError as exc:
        hint = fit_hint(exc.hint, leaf_options(args))
        return report(exc, Failure(exc.message, hint, exc.exit_code), machine, debug)
    except (CommandInterruptedError, KeyboardInterrupt) as exc:
        return report(exc, Failure("interrupted", None, INTERRUPTED), machine, debug)
    except OSError as exc:
        return report(exc, os_failure(exc), machine, debug)
    except Exception as exc:
        failure = _click_failure(exc)
        if failure is None:
            raise
        return report(exc, failure, machine, debug)
    return outcome if isinstance(outcome, int) else 0


def version_requested(args: Sequence[str]) -> bool:
    """Whether the root options (before any command) include ``--version``."""
    skip = False
    for token in args:
        if skip:
            skip = False
        elif token in _ROOT_VALUE_OPTIONS:
            skip = True
        elif token == "--version":
            return True
        elif not (token == "--debug" or token.startswith(("--config=", "-c"))):
            return False
    return False


def machine_output_requested(args: Sequence[str]) -> bool:
    """Whether ``--format json|jsonl`` (or ``-f``) appears, so errors are JSON too."""
    for index, token in enumerate(args):
        if token == "--":
            return False
        following = args[index + 1] if index + 1 < len(args) else None
        if token in ("--format", "-f") and following in _MACHINE_FORMATS:
            return True
        for prefix in ("--format=", "-f"):
            if token.startswith(prefix) and token[len(prefix) :] in _MACHINE_FORMATS:
                return True
    return False


def report(exc: BaseException, failure: Failure, machine: bool, debug: bool) -> int:
    """Print ``failure`` on stderr (one line, or one JSON object) and return its code."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if machine:
        payload = {"error": failure.message, "code": failure.code, "hint": failure.hint}
        print(json.dumps(payload, ensure_ascii=False), file=sys.stderr)
    elif failure.message == "interrupted":
        print("colloquy: interrupted", file=sys.stderr)
    else:
        hint = f" — {_one_line(failure.hint)}" if failure.hint else ""
        print(f"colloquy: error: {_one_line(failure.message)}{hint}", file=sys.stderr)
    return failure.code


def _one_line(text: str) -> str:
    return " ".join(text.split())


def os_failure(exc: OSError) -> Failure:
    """A file-system error as one line naming the path, with a code by kind of fault.

    A missing path is 4 (like any absent input); a path that cannot be used as asked
    (permission, a directory where a file belongs, a file in the way, a read-only
    file system) is 73; an I/O failure part-way (disk full, device error) is 74.
    """
    path = exc.filename if exc.filename is not None else None
    where = f"{path}: " if path is not None else ""
    reason = exc.strerror or type(exc).__name__
    code = exc.errno
    if code == errno.ENOENT:
        return Failure(f"{where}no such file or directory", "check the path", 4)
    if code in (errno.EACCES, errno.EPERM):
        return Failure(
            f"{where}permission denied",
            "check its permissions or choose another path",
            PATH_UNUSABLE,
        )
    if code == errno.EISDIR:
        return Failure(f"{where}is a directory", "give the path of a file", PATH_UNUSABLE)
    if code == errno.ENOTDIR:
        return Failure(
            f"{where}a part of this path is a file, not a directory",
            "choose a path whose parent folders are folders",
            PATH_UNUSABLE,
        )
    if code == errno.EEXIST:
        return Failure(f"{where}already exists", "remove it or choose another path", PATH_UNUSABLE)
    if code == errno.EROFS:
        return Failure(f"{where}read-only file system", "choose a writable location", PATH_UNUSABLE)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return Failure(
            f"{where}no space left on device", "free some space or write elsewhere", IO_FAILED
        )
    return Failure(f"{where}{reason.lower()}", None, IO_FAILED)


@contextmanager
def writing(path: Path | None, *, folder: bool = False) -> Iterator[None]:
    """Make the OSErrors of writing ``path`` (a file, or a ``folder``) name ``path``.

    A failed ``write()`` (disk full) names no file, and a temporary sibling such as
    ``.out.jsonl.partial`` means nothing to the user, so both are reported against the
    path the user typed; errors that name another path are left as they are. A directory
    given as an output file is refused before the work starts, and a file this command
    created but could not finish is removed, so no truncated output is left. ``None``
    (an optional output that was not asked for) changes nothing.
    """
    if path is None:
        yield
        return
    if not folder and path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    existed = path.exists()
    try:
        yield
    except OSError as exc:
        if not folder and not existed and exc.errno in _PART_WAY:
            path.unlink(missing_ok=True)
        named = Path(exc.filename) if isinstance(exc.filename, str | Path) else None
        sibling = named is not None and named != path and named.parent == path.parent
        if named is None or (sibling and not folder):
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def fit_hint(hint: str | None, options: frozenset[str] | None) -> str | None:
    """``hint`` without the asides and clauses that name an option the command lacks.

    Library errors suggest options of the command that usually calls them (``--on-error
    skip``); the same error reached through another command must not send the user to a
    flag that command rejects.
    """
    if hint is None or options is None:
        return hint

    def known(text: str) -> bool:
        return all(option in options for option in _OPTION.findall(text))

    hint = re.sub(r"\s*\([^()]*\)", lambda m: m.group(0) if known(m.group(0)) else "", hint)
    kept = [clause for clause in re.split(r",\s*or\s+|;\s*", hint) if known(clause)]
    return ", or ".join(kept) if kept else None


def leaf_options(args: Sequence[str]) -> frozenset[str] | None:
    """Every option name of the command ``args`` invokes, or None if it cannot be told."""
    import typer.main

    from colloquy.services.cli.app import app

    command = typer.main.get_command(app)
    skip = False
    for token in args:
        if skip:
            skip = False
            continue
        if token.startswith("-"):
            skip = token in _ROOT_VALUE_OPTIONS
            continue
        commands = getattr(command, "commands", None)
        if not isinstance(commands, dict) or token not in commands:
            break
        command = commands[token]
    if getattr(command, "commands", None):
        return None
    return frozenset(name for param in command.params for name in param.opts)


def _click_failure(exc: Exception) -> Failure | None:
    """A Typer/Click usage error (raised only in JSON mode) as a :class:`Failure`."""
    from typer import Abort
    from typer._click.exceptions import ClickException

    if isinstance(exc, Abort):
        return Failure("aborted", None, 1)
    if not isinstance(exc, ClickException):
        return None
    context = getattr(exc, "ctx", None)
    hint = f"see {context.command_path} --help" if context is not None else None
    if type(exc).__name__ == "NoArgsIsHelpError":
        return Failure("missing command", hint, exc.exit_code)
    return Failure(_one_line(exc.format_message()), hint, exc.exit_code)
