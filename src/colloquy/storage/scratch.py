"""Throw-away PostgreSQL databases for integration tests and benchmarks.

Both need a database nobody else uses and that disappears afterwards, even when a run is
interrupted halfway; this creates one beside the server URL's database and drops it
(``WITH (FORCE)``, so lingering connections cannot keep it alive).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def scratch_postgres_database(
    server_url: str, *, prefix: str = "colloquy_scratch"
) -> Iterator[str]:
    """Create a uniquely named database on ``server_url``'s server; yield its URL; drop it.

    Connection errors propagate (``sqlalchemy.exc.OperationalError``) so the caller can
    decide whether a missing server means "skip" or "fail".
    """
    admin_url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
