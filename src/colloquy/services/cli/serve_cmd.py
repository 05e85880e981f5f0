"""``colloquy serve``: run the HTTP API with uvicorn.

One worker serves the app object built here; several workers each build their own from
``COLLOQUY_API_*`` variables through uvicorn's factory import string, so every option
reaches every process.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from colloquy.services.cli.context import state

FACTORY = "colloquy.services.api.app:create_app_from_env"


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; non-loopback needs API keys.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.", min=1)] = 1,
    intent_model: Annotated[
        str | None,
        typer.Option(
            "--intent-model", help="NAME@ALIAS or a model directory (default: the champion)."
        ),
    ] = None,
    conversion_model: Annotated[
        str | None,
        typer.Option(
            "--conversion-model",
            help="NAME@ALIAS or a model directory (default: the champion).",
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure", help="Allow a non-loopback address without API keys (anyone is admin)."
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (predictions, analysis, datasets, training jobs, models)."""
    import uvicorn

    from colloquy.services.api.app import create_app
    from colloquy.services.api.security import check_exposure
    from colloquy.services.api.settings import ApiSettings
    from colloquy.storage import Store

    cli = state(ctx)
    overrides: dict[str, object] = {"host": host, "port": port, "workers": workers}
    if cli.config_file is not None:
        overrides["config_file"] = cli.config_file
    if intent_model is not None:
        overrides["intent_model"] = intent_model
    if conversion_model is not None:
        overrides["conversion_model"] = conversion_model
    if insecure:
        overrides["insecure"] = True
    settings = ApiSettings.model_validate(overrides).with_core(cli.settings)
    with Store.open(settings.resolved_store_url()) as store:
        check_exposure(settings, store)
    if settings.workers == 1:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
        )
        return
    os.environ.update(settings.to_environment())
    uvicorn.run(
        FACTORY,
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
