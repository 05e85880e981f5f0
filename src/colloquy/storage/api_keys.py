"""API keys for the HTTP API: only a hash is stored, the key itself is shown once.

A key reads ``clq_<id>_<secret>``: ``id`` (8 hex digits) is public and names the key in
lists, logs and ``revoke``; ``secret`` is 32 random bytes, URL-safe. The store keeps the
SHA-256 of the whole key, enough for a secret of 256 bits (no salt or slow hash is needed
against guessing), and compares digests in constant time. Nothing can recover a key from
the store; a lost key is revoked and replaced.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, DateTime, Row, String, Table, func, select, update

from colloquy.errors import ColloquyError, NotFoundError, UsageError
from colloquy.storage.tables import metadata

if TYPE_CHECKING:
    from colloquy.storage.store import Store

KEY_PREFIX = "clq"
_KEY_PATTERN = re.compile(rf"^{KEY_PREFIX}_([0-9a-f]{{8}})_([A-Za-z0-9_-]{{43}})$")
MAX_KEY_NAME_LENGTH = 200


class KeyScope(StrEnum):
    """What a key may do: ``read`` data, ``predict``, ``train`` (jobs, uploads), ``admin``."""

    READ = "read"
    PREDICT = "predict"
    TRAIN = "train"
    ADMIN = "admin"


api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(8), primary_key=True),
    Column("name", String(MAX_KEY_NAME_LENGTH), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("key_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)


class ApiKeyError(ColloquyError):
    """A presented API key is malformed, unknown, revoked or expired (HTTP 401)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A stored key, without its secret."""

    id: str
    name: str
    scope: KeyScope
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    """A new key: ``key`` is the only copy of the secret there will ever be."""

    record: ApiKeyRecord
    key: str


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every datetime here is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else _utc(now) or datetime.now(UTC)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _record(row: Row[*tuple[Any, ...]]) -> ApiKeyRecord:
    created = _utc(row.created_at)
    assert created is not None
    return ApiKeyRecord(
        id=row.id,
        name=row.name,
        scope=KeyScope(row.scope),
        created_at=created,
        expires_at=_utc(row.expires_at),
        revoked_at=_utc(row.revoked_at),
    )


_COLUMNS = (
    api_keys.c.id,
    api_keys.c.name,
    api_keys.c.scope,
    api_keys.c.created_at,
    api_keys.c.expires_at,
    api_keys.c.revoked_at,
)


def parse_scope(value: str) -> KeyScope:
    try:
        return KeyScope(value.strip().lower())
    except ValueError:
        raise UsageError(
            f"unknown scope {value!r}", hint=f"use one of {', '.join(s.value for s in KeyScope)}"
        ) from None


def create_api_key(
    store: Store,
    *,
    name: str,
    scope: KeyScope | str,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> CreatedApiKey:
    """Make and store a new key; the plain key is in the result and nowhere else."""
    name = name.strip()
    if not name or len(name) > MAX_KEY_NAME_LENGTH:
        raise UsageError(
            f"an API key name must be 1 to {MAX_KEY_NAME_LENGTH} characters, got {len(name)}",
            hint="pass --name with a short label such as crm-prod",
        )
    key_scope = scope if isinstance(scope, KeyScope) else parse_scope(scope)
    created = _now(now)
    expires = _utc(expires_at)
    if expires is not None and expires <= created:
        raise UsageError(
            f"the expiry {expires.isoformat()} is not in the future",
            hint="pass a later --expires date, or none for a key that does not expire",
        )
    with store.transaction() as conn:
        while True:
            key_id = secrets.token_hex(4)
            taken = conn.execute(select(api_keys.c.id).where(api_keys.c.id == key_id)).first()
            if taken is None:
                break
        key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        conn.execute(
            api_keys.insert().values(
                id=key_id,
                name=name,
                scope=key_scope.value,
                key_sha256=_digest(key),
                created_at=created,
                expires_at=expires,
                revoked_at=None,
            )
        )
    record = ApiKeyRecord(key_id, name, key_scope, created, expires, None)
    return CreatedApiKey(record=record, key=key)


def list_api_keys(store: Store, *, include_revoked: bool = True) -> tuple[ApiKeyRecord, ...]:
    """Every key, oldest first, without secrets."""
    query = select(*_COLUMNS).order_by(api_keys.c.created_at, api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    with store.transaction() as conn:
        return tuple(_record(row) for row in conn.execute(query))


def revoke_api_key(store: Store, id_or_name: str, *, now: datetime | None = None) -> ApiKeyRecord:
    """Revoke the key with this id (or this name, when only one key has it)."""
    when = _now(now)
    with store.transaction() as conn:
        rows = conn.execute(select(*_COLUMNS).where(api_keys.c.id == id_or_name)).all()
        if not rows:
            rows = conn.execute(select(*_COLUMNS).where(api_keys.c.name == id_or_name)).all()
        if not rows:
            raise NotFoundError(
                f"no API key with id or name {id_or_name!r}",
                hint="`colloquy api-keys list` shows the keys",
            )
        if len(rows) > 1:
            ids = ", ".join(row.id for row in rows)
            raise UsageError(
                f"{len(rows)} API keys are named {id_or_name!r} ({ids})",
                hint="revoke one by its id",
            )
        record = _record(rows[0])
        if record.revoked_at is not None:
            return record
        conn.execute(update(api_keys).where(api_keys.c.id == record.id).values(revoked_at=when))
    return ApiKeyRecord(
        record.id, record.name, record.scope, record.created_at, record.expires_at, when
    )


def verify_api_key(store: Store, key: str, *, now: datetime | None = None) -> ApiKeyRecord:
    """The record of a presented key; :class:`ApiKeyError` says why one is refused."""
    match = _KEY_PATTERN.match(key.strip())
    if match is None:
        raise ApiKeyError(
            "the API key is malformed", hint=f"keys look like {KEY_PREFIX}_<id>_<secret>"
        )
    with store.transaction() as conn:
        row = conn.execute(
            select(*_COLUMNS, api_keys.c.key_sha256).where(api_keys.c.id == match.group(1))
        ).first()
    if row is None or not hmac.compare_digest(row.key_sha256, _digest(key.strip())):
        raise ApiKeyError(
            "the API key is not valid", hint="create one with `colloquy api-keys create`"
        )
    record = _record(row)
    when = _now(now)
    if record.revoked_at is not None:
        raise ApiKeyError(f"API key {record.id} was revoked", hint="use another key")
    if record.expires_at is not None and record.expires_at <= when:
        raise ApiKeyError(
            f"API key {record.id} expired at {record.expires_at.isoformat()}",
            hint="create a new key",
        )
    return record


def has_active_keys(store: Store, *, now: datetime | None = None) -> bool:
    """Whether any key could authenticate a request now."""
    when = _now(now)
    query = (
        select(api_keys.c.id)
        .where(api_keys.c.revoked_at.is_(None))
        .where((api_keys.c.expires_at.is_(None)) | (api_keys.c.expires_at > when))
        .limit(1)
    )
    with store.transaction() as conn:
        return conn.execute(query).first() is not None
