"""Every command and option has help text and a place in the README's command reference.

In the style of sqlite-utils' ``tests/test_docs.py``: the Click tree of the Typer app is
walked, so a new command or option fails here until it is documented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from typer._click import Command

from colloquy.services.cli.app import app

README = Path(__file__).resolve().parents[2] / "README.md"


def _walk(command: Command, path: str) -> Iterator[tuple[str, Command]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _walk(sub, f"{path} {name}")


COMMANDS = list(_walk(typer.main.get_command(app), "colloquy"))
LEAVES = [(path, cmd) for path, cmd in COMMANDS if not getattr(cmd, "commands", None)]


def _long_options(command: Command) -> list[str]:
    names = [name for param in command.params for name in param.opts if name.startswith("--")]
    return [name for name in names if name != "--help"]


def _reference_row(path: str) -> str:
    rows = [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if re.match(rf"\| `{re.escape(path)}( [A-Z\[][^`]*)?` ", line)
    ]
    assert len(rows) == 1, f"README needs one reference row for `{path}`, found {len(rows)}"
    return rows[0]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_has_help(path: str, command: Command) -> None:
    assert (command.help or "").strip(), f"{path} has no help text"


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_parameter_has_help(path: str, command: Command) -> None:
    missing = [
        param.name
        for param in command.params
        if "--help" not in param.opts and not (getattr(param, "help", None) or "").strip()
    ]
    assert not missing, f"{path}: no help text for {missing}"


@pytest.mark.parametrize(
    ("path", "command"), [COMMANDS[0], *LEAVES], ids=["colloquy", *(p for p, _ in LEAVES)]
)
def test_command_and_options_are_in_the_readme(path: str, command: Command) -> None:
    row = _reference_row(path)
    absent = [o for o in _long_options(command) if not re.search(rf"`{o}(?![\w-])", row)]
    assert not absent, f"README's row for `{path}` does not mention {absent}"


def test_every_source_and_public_dataset_is_named_in_the_readme() -> None:
    from colloquy.data.fetch import DATASETS
    from colloquy.data.loaders import LOADERS

    text = README.read_text(encoding="utf-8")
    absent = [name for name in (*LOADERS, *DATASETS) if f"`{name}`" not in text]
    assert not absent, f"README does not name {absent}"
