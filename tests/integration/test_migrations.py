"""The shipped migration chain read without Alembic agrees with Alembic, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from colloquy.errors import MigrationError
from colloquy.storage import Store, create_store_engine
from colloquy.storage.migrate import status
from colloquy.storage.revisions import VERSIONS, head_revision, shipped_revisions


def _alembic_scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(VERSIONS.parent))
    return ScriptDirectory.from_config(config)


def test_shipped_chain_is_alembics_chain() -> None:
    scripts = _alembic_scripts()
    walked = tuple(reversed([rev.revision for rev in scripts.walk_revisions()]))
    assert shipped_revisions() == walked
    assert head_revision() == scripts.get_current_head()


def test_status_of_a_database_before_any_migration(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    current = status(engine)
    engine.dispose()
    assert current.current is None
    assert current.pending == shipped_revisions()
    assert not current.up_to_date


def test_status_after_upgrade_matches_alembics_record(store_url: str) -> None:
    with Store.open(store_url) as store:
        current = store.schema_status()
        with store.engine.connect() as conn:
            recorded = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert current.current == recorded == head_revision()
    assert current.pending == ()


def test_a_database_at_an_older_revision_lists_what_is_pending(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Store.open(url).close()
    oldest = shipped_revisions()[0]
    with Store.connect(url) as store, store.transaction() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": oldest})
    with Store.connect(url) as store:
        assert store.schema_status().pending == shipped_revisions()[1:]
    with pytest.raises(MigrationError, match="colloquy db upgrade"):
        Store.open(url)


def test_several_recorded_revisions_are_refused_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'branched.db'}"
    Store.open(url).close()
    with Store.connect(url) as store, store.transaction() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001')"))
    with Store.connect(url) as store, pytest.raises(MigrationError) as info:
        store.schema_status()
    assert "\n" not in str(info.value)
    assert "several schema revisions" in str(info.value)
