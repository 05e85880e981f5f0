"""The migrations this version ships, read from their files without importing Alembic.

Checking a store's revision happens on every command that opens the store, while
migrating is rare; Alembic (with Mako and its DDL modules) is imported only to migrate.
The chain is read from each script's ``revision = "…"`` and ``down_revision = …`` lines,
which Alembic's own script template writes; a test checks the result against Alembic's
``ScriptDirectory``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

VERSIONS = Path(__file__).with_name("alembic") / "versions"

_ASSIGNMENT = re.compile(
    r"""^(revision|down_revision)\s*(?::[^=]+)?=\s*(?:["']([^"']+)["']|None)\s*$""",
    re.MULTILINE,
)


@cache
def shipped_revisions() -> tuple[str, ...]:
    """Every shipped revision, oldest first; the last one is the head."""
    parents: dict[str, str | None] = {}
    for script in sorted(VERSIONS.glob("*.py")):
        found = {m.group(1): m.group(2) for m in _ASSIGNMENT.finditer(script.read_text("utf-8"))}
        if "revision" not in found or "down_revision" not in found:
            raise RuntimeError(f"migration {script.name} lacks a revision or down_revision line")
        revision = found["revision"]
        assert revision is not None, f"migration {script.name} has revision = None"
        parents[revision] = found["down_revision"]
    children = {parent: revision for revision, parent in parents.items()}
    if len(children) != len(parents):
        raise RuntimeError("shipped migrations branch: two revisions share a down_revision")
    chain: list[str] = []
    current = children.get(None)
    while current is not None:
        chain.append(current)
        current = children.get(current)
    if len(chain) != len(parents):
        raise RuntimeError("shipped migrations do not form one chain from the base")
    return tuple(chain)


def head_revision() -> str:
    """The newest revision shipped with this version of colloquy."""
    return shipped_revisions()[-1]
