"""Quick commands import only what they use (``python -m benchmarks.startup`` times them).

Each command runs in a fresh interpreter, which then reports every module it imported;
no timing is asserted, only the imports that make start-up slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from colloquy.schema import Conversation, Speaker, Turn
from colloquy.storage import Store

HEAVY = ("matplotlib", "pandas", "pyarrow", "scipy", "sklearn", "torch")

_PROBE = """
import json, runpy, sys
sys.argv = ["colloquy", *json.loads(sys.argv[1])]
try:
    runpy.run_module("colloquy", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported_by(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """Top-level packages imported by ``colloquy ARGS`` (which must succeed)."""
    return {name.partition(".")[0] for name in modules_imported_by(*args, env=env)}


def modules_imported_by(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """Every module imported by ``colloquy ARGS`` (which must succeed)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, result.stderr
    return set(report["modules"])


def test_version_imports_nothing_heavy() -> None:
    modules = imported_by("--version")
    assert not modules & {*HEAVY, "sqlalchemy", "alembic", "pydantic", "typer", "rich"}


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("data", "--help"),
        ("config", "show"),
        ("db", "status"),
        ("data", "list"),
    ],
    ids=" ".join,
)
def test_quick_commands_import_no_data_science_stack(args: tuple[str, ...], tmp_path: Path) -> None:
    env = {"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    assert not imported_by(*args, env=env) & set(HEAVY)


def test_help_and_config_show_need_no_database_layer_nor_structlog() -> None:
    for args in (("--help",), ("config", "show")):
        assert not imported_by(*args) & {"sqlalchemy", "alembic", "structlog"}, args


def test_importing_colloquy_resolves_heavy_exports_on_first_use() -> None:
    probe = (
        "import sys, colloquy; before = {'pydantic', 'sqlalchemy'} & set(sys.modules); "
        "colloquy.Store; print(sorted(before), 'sqlalchemy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.split() == ["[]", "True"]


def test_help_needs_no_pydantic_and_completion_no_database_layer() -> None:
    assert "pydantic" not in imported_by("--help")
    env = {"_COLLOQUY_COMPLETE": "complete_bash", "COMP_WORDS": "colloquy da", "COMP_CWORD": "1"}
    assert not imported_by(env=env) & {*HEAVY, "sqlalchemy", "alembic"}


@pytest.mark.parametrize(
    "args", [("db", "status"), ("data", "list"), ("data", "show", "chats")], ids=" ".join
)
def test_reading_a_migrated_store_needs_no_alembic_nor_bulk_writes(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    chat = Conversation(
        id="c1", source="test", turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text="hello"),)
    )
    with Store.open(url) as store:
        store.ingest(dataset="chats", source="test", conversations=[chat])
    modules = modules_imported_by(*args, env={"COLLOQUY_DATABASE_URL": url})
    unwanted = {"alembic", "mako", "yaml", "colloquy.storage.bulk"}
    unwanted.add("sqlalchemy.dialects.postgresql")
    packages = {name.partition(".")[0] for name in modules}
    assert not (modules | packages) & unwanted
