"""Saved splits: a dataset's train/validation/test assignment, kept beside the dataset."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from colloquy.errors import NotFoundError, UsageError
from colloquy.schema.conversation import nul_problem
from colloquy.storage.datasets import check_name
from colloquy.storage.tables import splits


def save_split(
    conn: Connection, *, dataset_id: int, name: str, ids_sha256: str, document: dict[str, Any]
) -> None:
    """Store (or replace) the split ``name`` of a dataset."""
    check_name("split", name)
    if nul_problem(document) is not None:
        raise UsageError(
            f"split {name!r} holds a NUL character", hint="remove it from the split's values"
        )
    conn.execute(delete(splits).where(splits.c.dataset_id == dataset_id, splits.c.name == name))
    conn.execute(
        insert(splits).values(
            dataset_id=dataset_id, name=name, ids_sha256=ids_sha256, document=document
        )
    )


def load_split(
    conn: Connection, *, dataset_id: int, dataset_name: str, name: str
) -> dict[str, Any]:
    """The stored split document; :class:`NotFoundError` lists the saved split names."""
    document = conn.execute(
        select(splits.c.document).where(splits.c.dataset_id == dataset_id, splits.c.name == name)
    ).scalar_one_or_none()
    if document is not None:
        return dict(document)
    known = conn.execute(
        select(splits.c.name).where(splits.c.dataset_id == dataset_id).order_by(splits.c.name)
    ).scalars()
    names = ", ".join(known)
    raise NotFoundError(
        f"dataset {dataset_name!r} has no split named {name!r}",
        hint=f"saved splits: {names}" if names else f"run `colloquy data split {dataset_name}`",
    )
