"""``colloquy api-keys``: create, list and revoke the HTTP API's keys.

A new key is printed once (under ``key`` in JSON); the store keeps only its hash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import (
    OutputFormat,
    print_json,
    print_mapping,
    print_table,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from colloquy.storage.api_keys import ApiKeyRecord

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

SCOPES = ("read", "predict", "train", "admin")


def parse_expiry(value: str) -> datetime:
    """``2027-01-31`` (midnight UTC) or an ISO datetime (UTC unless it names a zone)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--expires {value!r} is not a date",
            hint="use YYYY-MM-DD or an ISO datetime such as 2027-01-31T12:00:00+00:00",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _as_dict(record: ApiKeyRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "name": record.name,
        "scope": record.scope.value,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "revoked_at": record.revoked_at,
    }


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="A label for the key, e.g. crm-prod.")],
    scope: Annotated[
        str, typer.Option("--scope", help=f"One of {', '.join(SCOPES)} (admin covers all).")
    ],
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="Expiry: YYYY-MM-DD (midnight UTC) or ISO datetime."),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Create a key; it is shown once and only its hash is stored."""
    from colloquy.storage.api_keys import create_api_key, parse_scope

    key_scope = parse_scope(scope)
    expires_at = parse_expiry(expires) if expires is not None else None
    with state(ctx).open_store() as store:
        created = create_api_key(store, name=name, scope=key_scope, expires_at=expires_at)
    if fmt is OutputFormat.JSON:
        print_json({**_as_dict(created.record), "key": created.key})
        return
    print_mapping("new API key", {**_as_dict(created.record), "key": created.key})
    stderr.print("store the key now: it is not shown again and cannot be recovered")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List keys (never their secrets): id, name, scope, created, expires, revoked."""
    from colloquy.storage.api_keys import list_api_keys

    with state(ctx).open_store() as store:
        records = list_api_keys(store)
    if fmt is OutputFormat.JSON:
        print_json([_as_dict(record) for record in records])
        return
    if not records:
        stdout.print("no API keys (create one with `colloquy api-keys create`)")
        return
    print_table(
        "API keys",
        ["id", "name", "scope", "created", "expires", "revoked"],
        [(r.id, r.name, r.scope.value, r.created_at, r.expires_at, r.revoked_at) for r in records],
    )


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The key's id (or its name, if unique).")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from colloquy.storage.api_keys import revoke_api_key

    with state(ctx).open_store() as store:
        record = revoke_api_key(store, key)
    if fmt is OutputFormat.JSON:
        print_json(_as_dict(record))
        return
    print_mapping("revoked API key", _as_dict(record))
