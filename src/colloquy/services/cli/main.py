"""Entry point: run the Typer app and turn every failure into one line and an exit code."""

from __future__ import annotations

import sys
import traceback

from colloquy.errors import ColloquyError


def main(argv: list[str] | None = None) -> int:
    """Run ``colloquy`` and return its exit code (the console script exits with it).

    Usage errors are printed by Typer (exit 2); colloquy's own errors become one line on
    stderr and the exit code of their class; ``--debug`` adds the traceback.
    """
    from colloquy.services.cli.app import app

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="colloquy")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ColloquyError as exc:
        return _fail(exc, exc.one_line(), exc.exit_code, debug)
    except KeyboardInterrupt:
        print("colloquy: interrupted", file=sys.stderr)
        return 130
    return 0


def _fail(exc: BaseException, message: str, code: int, debug: bool) -> int:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"colloquy: error: {message}", file=sys.stderr)
    return code
