"""API keys in the store, on SQLite and PostgreSQL: hashed, listed, revoked, verified."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from tests.integration.api.live import running_app

from colloquy.errors import NotFoundError, UsageError
from colloquy.services.api.security import KeyVerifier
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store
from colloquy.storage.api_keys import (
    ApiKeyError,
    KeyScope,
    api_keys,
    create_api_key,
    has_active_keys,
    list_api_keys,
    revoke_api_key,
    verify_api_key,
)

SettingsFactory = Callable[..., ApiSettings]


@pytest.fixture
def keys_store(store: Store) -> Iterator[Store]:
    """The shared ``store`` fixture, with its API keys removed afterwards (PostgreSQL's
    database outlives the test)."""
    yield store
    with store.transaction() as conn:
        conn.execute(text("DELETE FROM api_keys"))


def test_only_a_hash_is_stored_and_the_key_verifies(keys_store: Store) -> None:
    created = create_api_key(keys_store, name="crm", scope="predict")
    assert created.key.startswith(f"clq_{created.record.id}_")
    with keys_store.transaction() as conn:
        stored = conn.execute(select(api_keys)).one()
    assert created.key not in [str(value) for value in stored]
    assert len(stored.key_sha256) == 64
    record = verify_api_key(keys_store, created.key)
    assert record == created.record
    assert record.scope is KeyScope.PREDICT


def test_forged_revoked_and_expired_keys_are_refused(keys_store: Store) -> None:
    created = create_api_key(keys_store, name="a", scope="read")
    forged = created.key[:-1] + ("A" if created.key[-1] != "A" else "B")
    for bad, reason in ((forged, "not valid"), ("clq_zz", "malformed"), ("", "malformed")):
        with pytest.raises(ApiKeyError, match=reason):
            verify_api_key(keys_store, bad)
    now = datetime.now(UTC)
    soon = create_api_key(keys_store, name="b", scope="read", expires_at=now + timedelta(hours=1))
    with pytest.raises(ApiKeyError, match="expired"):
        verify_api_key(keys_store, soon.key, now=now + timedelta(hours=2))
    assert verify_api_key(keys_store, soon.key, now=now).name == "b"
    revoke_api_key(keys_store, created.record.id)
    with pytest.raises(ApiKeyError, match="revoked"):
        verify_api_key(keys_store, created.key)


def test_list_revoke_and_active_keys(keys_store: Store) -> None:
    assert not has_active_keys(keys_store)
    first = create_api_key(keys_store, name="one", scope="admin")
    create_api_key(keys_store, name="twin", scope="read")
    create_api_key(keys_store, name="twin", scope="train")
    assert has_active_keys(keys_store)
    listed = list_api_keys(keys_store)
    assert [r.name for r in listed] == ["one", "twin", "twin"]
    with pytest.raises(UsageError, match="2 API keys are named 'twin'"):
        revoke_api_key(keys_store, "twin")
    with pytest.raises(NotFoundError):
        revoke_api_key(keys_store, "nobody")
    revoked = revoke_api_key(keys_store, "one")
    assert revoked.id == first.record.id
    assert revoked.revoked_at is not None
    assert revoke_api_key(keys_store, first.record.id).revoked_at == revoked.revoked_at
    assert len(list_api_keys(keys_store, include_revoked=False)) == 2
    for record in list_api_keys(keys_store):
        revoke_api_key(keys_store, record.id)
    assert not has_active_keys(keys_store)


def test_bad_names_scopes_and_past_expiry_are_usage_errors(keys_store: Store) -> None:
    with pytest.raises(UsageError, match="unknown scope 'root'"):
        create_api_key(keys_store, name="x", scope="root")
    with pytest.raises(UsageError, match="1 to 200 characters"):
        create_api_key(keys_store, name="  ", scope="read")
    with pytest.raises(UsageError, match="not in the future"):
        create_api_key(
            keys_store, name="x", scope="read", expires_at=datetime.now(UTC) - timedelta(days=1)
        )


def test_the_live_api_authenticates_against_this_store(
    keys_store: Store, store_url: str, api_settings: SettingsFactory
) -> None:
    key = create_api_key(keys_store, name="live", scope="train").key
    with running_app(api_settings(store_url=store_url)) as server:
        with server.client() as anonymous:
            assert anonymous.get("/v1/whoami").status_code == 401
        with server.client(key) as client:
            assert client.get("/v1/whoami").json()["name"] == "live"
            assert client.get("/ready").json()["checks"]["store"]["ready"] is True


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_verifier_remembers_answers_for_its_ttl_only(keys_store: Store) -> None:
    clock = _Clock()
    verifier = KeyVerifier(keys_store, ttl=2.0, clock=clock)
    assert verifier.any_key() is False
    created = create_api_key(keys_store, name="cached", scope="read")
    assert verifier.cached_any_key() is False
    assert verifier.cached(created.key) is None
    assert verifier.verify(created.key).id == created.record.id
    revoke_api_key(keys_store, created.record.id)
    clock.now = 1.5
    assert verifier.cached(created.key) == created.record
    assert verifier.cached_any_key() is False
    clock.now = 2.5
    assert verifier.cached(created.key) is None
    with pytest.raises(ApiKeyError, match="revoked"):
        verifier.verify(created.key)
    assert verifier.any_key() is False
